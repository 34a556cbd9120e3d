//! `kakunin audit verify`: the hash chain and its anchors.

use clap::Subcommand;
use storage::Vault;

use super::*;

/// `kakunin audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain and its anchors outside the database; exit 2 and name the
    /// first bad entry if broken.
    Verify(DataDirArg),
}

pub(super) async fn audit_verify(data: DataDirArg) -> anyhow::Result<u8> {
    let settings = settings_for(&data)?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let report = vault.verify_audit_chain().await?;
    let anchor_path = settings.audit_anchor_path();
    let anchor_break = vault.check_audit_anchors(&anchor_path).await?;
    vault.close().await;
    match report.first_break.or(anchor_break) {
        None => {
            println!(
                "audit trail intact: {} entries; every head anchored in {} matches",
                report.entries,
                anchor_path.display()
            );
            Ok(0)
        }
        Some(b) => {
            eprintln!("audit trail BROKEN at entry {}: {}", b.seq, b.reason);
            Ok(2)
        }
    }
}
