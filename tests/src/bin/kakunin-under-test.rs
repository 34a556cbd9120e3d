//! The `kakunin` binary, built inside the tests package so that the browser tests get
//! it from Cargo (`CARGO_BIN_EXE_kakunin-under-test`) with the test build's features,
//! instead of a second build that would fight the first over shared dependencies.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    intake_api::telemetry::init();
    match intake_api::cli::run(intake_api::cli::Cli::parse()).await {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("kakunin: {e:#}");
            ExitCode::FAILURE
        }
    }
}
