//! `kakunin incident scope`: whose numbers or images given accounts unsealed.

use clap::Subcommand;
use storage::{AuditContext, Vault};

use super::*;

/// `kakunin incident …`
#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// List the people whose numbers or images the given accounts unsealed in a period,
    /// with counts (the PPC report is due above 100 people), as JSON for notification.
    Scope(IncidentScopeArgs),
}

/// `kakunin incident scope`
#[derive(Debug, clap::Args)]
pub struct IncidentScopeArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Audit actor labels (`staff:<uuid>`), repeatable.
    #[arg(long = "actor", required = true)]
    actors: Vec<String>,
    /// Start of the period (RFC 3339, e.g. 2026-11-01T00:00:00+09:00).
    #[arg(long)]
    from: String,
    /// End of the period (RFC 3339), exclusive.
    #[arg(long)]
    to: String,
}

pub(super) async fn incident_scope(args: IncidentScopeArgs) -> anyhow::Result<u8> {
    let millis = |text: &str| -> anyhow::Result<i64> {
        let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|e| anyhow::anyhow!("{text}: {e}"))?;
        Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
    };
    let (from, to) = (millis(&args.from)?, millis(&args.to)?);
    let settings = settings_for(&args.data)?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let scope = vault.incident_scope(&args.actors, from, to).await?;
    vault
        .record(
            &AuditContext::cli(),
            storage::AuditEvent::success(storage::audit::actions::INCIDENT_SCOPE, None).with_detail(
                serde_json::json!({ "actors": args.actors, "from": from, "to": to, "people": scope.people.len() }),
            ),
        )
        .await?;
    vault.close().await;
    println!("{}", serde_json::to_string_pretty(&scope)?);
    Ok(0)
}
