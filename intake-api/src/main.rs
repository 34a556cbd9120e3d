//! The `kakunin` binary.

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
