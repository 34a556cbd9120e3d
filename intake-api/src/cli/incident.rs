//! `kakunin incident scope`: whose numbers or images given accounts unsealed.

use clap::Subcommand;

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
    let period = application::incidents::Period::from_rfc3339(&args.from, &args.to)
        .map_err(|_| anyhow::anyhow!("--from and --to must be RFC 3339 instants"))?;
    let settings = settings_for(&args.data)?;
    let app = console_app(&settings).await?;
    let scope = application::incidents::scope_at_console(&app, &args.actors, &period).await?;
    app.vault.close().await;
    println!("{}", serde_json::to_string_pretty(&scope)?);
    Ok(0)
}
