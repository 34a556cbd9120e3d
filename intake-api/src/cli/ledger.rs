//! `kakunin ledger files|exports|disposals`: the registers as CSV.

use crate::ledgers::Ledger;
use clap::Subcommand;
use storage::{AuditContext, Vault};

use super::*;

/// `kakunin ledger …`, each printed as CSV (UTF-8).
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// The register of files holding numbers, derived from live records and accounts.
    Files(DataDirArg),
    /// The export ledger: every release that left, to whom, why, by which route, its sha256.
    Exports(DataDirArg),
    /// Every completed disposal: who proposed, who approved, when, what, how.
    Disposals(DataDirArg),
}

pub(super) async fn print_ledger(command: LedgerCommand) -> anyhow::Result<u8> {
    let (data, ledger) = match &command {
        LedgerCommand::Files(data) => (data, Ledger::Files),
        LedgerCommand::Exports(data) => (data, Ledger::Exports),
        LedgerCommand::Disposals(data) => (data, Ledger::Disposals),
    };
    let settings = settings_for(data)?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let bytes = crate::ledgers::csv(&vault, ledger, &settings.portal.purposes).await?;
    vault
        .record(
            &AuditContext::cli(),
            storage::AuditEvent::success(storage::audit::actions::LEDGER_READ, None)
                .with_detail(serde_json::json!({ "ledger": ledger.code() })),
        )
        .await?;
    vault.close().await;
    std::io::Write::write_all(&mut std::io::stdout(), &bytes)?;
    Ok(0)
}
