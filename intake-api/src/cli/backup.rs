//! `kakunin backup` and `kakunin restore`: SQLite snapshots of ciphertext only.

use std::path::PathBuf;
use storage::{AuditContext, Vault};

use super::*;

/// `kakunin backup`
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The backup file to create (never overwritten; mode 0600).
    #[arg(long)]
    out: PathBuf,
}

/// `kakunin restore`
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The backup file written by `kakunin backup`.
    #[arg(long)]
    from: PathBuf,
    /// Replace an existing database (its current contents are lost).
    #[arg(long)]
    force: bool,
}

pub(super) async fn backup(args: BackupArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let url = settings.database_url();
    if !url.starts_with("sqlite:") {
        eprintln!(
            "kakunin: {}",
            storage::backup::BackupError::PostgresUsePgDump
        );
        return Ok(2);
    }
    let vault = Vault::connect(&url).await?;
    let result = vault.backup_into(&AuditContext::cli(), &args.out).await;
    vault.close().await;
    let report = result?;
    println!(
        "backup written: {} ({} bytes, ciphertext only; back up DATA/keys separately)",
        args.out.display(),
        report.bytes
    );
    Ok(0)
}

pub(super) async fn restore(args: RestoreArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let url = settings.database_url();
    let Some(database) = storage::backup::sqlite_path_of(&url) else {
        eprintln!(
            "kakunin: {}",
            storage::backup::BackupError::PostgresUsePgDump
        );
        return Ok(2);
    };
    let report = storage::backup::restore_sqlite(&database, &args.from, args.force).await?;
    println!(
        "restored {} into {}: audit trail intact ({} entries), {} documents",
        args.from.display(),
        database.display(),
        report.audit_entries,
        report.documents
    );
    Ok(0)
}
