//! `kakunin init`: its arguments (the work is `crate::init`).

use crate::init::{self, InitOptions};
use std::path::PathBuf;

use super::*;

/// `kakunin init`
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The first admin's username.
    #[arg(long)]
    admin: Option<String>,
    /// File holding the first admin's password (generated into FIRST-RUN.txt if absent).
    #[arg(long, requires = "admin")]
    admin_password_file: Option<PathBuf>,
    /// Protect the identity with the passphrase in this file (age scrypt).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

/// Runs `kakunin init`.
pub(super) async fn initialise(args: InitArgs) -> anyhow::Result<u8> {
    let options = InitOptions {
        admin: args.admin,
        admin_password: args
            .admin_password_file
            .as_deref()
            .map(read_secret_file)
            .transpose()?,
        identity_passphrase: passphrase(args.identity_passphrase_file.as_deref())?,
        database_url: args.data.database_url,
    };
    let done = init::init(&args.data.data_dir, options).await?;
    println!("Initialized {}", args.data.data_dir.display());
    if let Some(file) = done.first_run_file {
        println!(
            "The admin account '{}' and its password are in {}",
            done.admin,
            file.display()
        );
    }
    Ok(0)
}
