//! `kakunin ledger files|exports|disposals`: the registers as CSV.

use crate::ledgers::Ledger;
use clap::Subcommand;
use storage::Vault;

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
    let rows = application::audit_desk::ledger_rows_at_console(&vault, ledger).await?;
    vault.close().await;
    let rows = crate::ledgers::with_purposes(rows, &settings.portal.purposes);
    let bytes = crate::ledgers::csv(&rows)?;
    std::io::Write::write_all(&mut std::io::stdout(), &bytes)?;
    Ok(0)
}
