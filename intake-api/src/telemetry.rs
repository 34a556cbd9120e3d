//! Logging: structured lines to stderr, filtered by `RUST_LOG` (default `info`).
//!
//! Nothing personal is logged: handlers log codes and ids; the request log excludes
//! invitation links (bearer tokens in the path) and query strings.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; JSON lines when `KAKUNIN_LOG_JSON=1`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if std::env::var("KAKUNIN_LOG_JSON").is_ok_and(|v| v == "1") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second call (tests) keeps the first subscriber.
    drop(result);
}
