//! The real application in this process: a fresh data directory initialised on a given
//! database, bound to port 0 over TLS, and clients that trust its development certificate.

use std::path::Path;

use intake_api::config::Settings;
use intake_api::init::{self, InitOptions};
use intake_api::startup::{AppState, Application};

/// The password `kakunin init` gives the first admin of a started service.
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A service started by [`start`], running on the Tokio runtime until the process ends.
#[derive(Debug)]
pub struct Running {
    /// `https://localhost:PORT`.
    pub base: String,
    pub data_dir: tempfile::TempDir,
    pub settings: Settings,
    pub state: actix_web::web::Data<AppState>,
}

/// Initialises a fresh data directory (an `admin` account) on `database_url`, listens on
/// `127.0.0.1:0`, lets `tweak` change the settings, then builds and spawns the application.
pub async fn start(database_url: &str, tweak: impl FnOnce(&mut Settings)) -> Running {
    let data_dir = tempfile::tempdir().expect("tmp");
    init::init(
        data_dir.path(),
        InitOptions {
            admin: Some("admin".into()),
            admin_password: Some(ADMIN_PASSWORD.to_owned().into()),
            database_url: Some(database_url.to_owned()),
            ..InitOptions::default()
        },
    )
    .await
    .expect("init");
    let mut settings = Settings::load(data_dir.path()).expect("settings");
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    tweak(&mut settings);
    let app = Application::build(settings.clone(), None)
        .await
        .expect("build");
    let port = app.address().port();
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    Running {
        base: format!("https://localhost:{port}"),
        data_dir,
        settings,
        state,
    }
}

/// The development certificate of an instance, read from its PEM file.
pub fn certificate(cert_path: &Path) -> reqwest::Certificate {
    let cert = std::fs::read(cert_path).expect("cert");
    reqwest::Certificate::from_pem(&cert).expect("pem")
}

/// A browser on the instance's own pages (`base`, e.g. `https://localhost:PORT`): trusts
/// the development certificate at `cert_path`, keeps cookies, and says where its requests
/// come from as a browser does (`Origin`), so the CSRF check lets them through.
pub fn client_trusting(cert_path: &Path, base: &str) -> reqwest::Client {
    client_with(&certificate(cert_path), base)
}

/// The same, for a certificate already read (many clients of one instance).
pub fn client_with(cert: &reqwest::Certificate, base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        reqwest::header::HeaderValue::from_str(base).expect("origin"),
    );
    program_client_builder(cert)
        .default_headers(headers)
        .build()
        .expect("client")
}

/// A program, not a browser (curl, a script): cookies, no `Origin`; it proves itself to
/// the CSRF check with the session's `X-CSRF-Token` only.
pub fn program_client(cert_path: &Path) -> reqwest::Client {
    program_client_builder(&certificate(cert_path))
        .build()
        .expect("client")
}

fn program_client_builder(cert: &reqwest::Certificate) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .add_root_certificate(cert.clone())
        .cookie_store(true)
}
