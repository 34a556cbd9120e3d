//! `kakunin payroll-client add|list|revoke|rotate`: the payroll machine clients.

use application::staff_accounts::PayrollClientRefused;
use clap::Subcommand;
use std::path::PathBuf;

use super::*;

/// `kakunin payroll-client …`
#[derive(Debug, Subcommand)]
pub enum PayrollClientCommand {
    /// Register a client; prints its bearer token once (only its hash is kept).
    Add(PayrollClientAddArgs),
    /// List the clients, live and revoked (never a token).
    List(DataDirArg),
    /// Revoke a client for good: its token stops working at once.
    Revoke(PayrollClientNameArgs),
    /// Replace a client's token: prints the new one once; the old one stops working at once.
    Rotate(PayrollClientNameArgs),
}

/// `kakunin payroll-client revoke|rotate`.
#[derive(Debug, clap::Args)]
pub struct PayrollClientNameArgs {
    /// Where the data lives.
    #[command(flatten)]
    pub data: DataDirArg,
    /// The client's name.
    #[arg(long)]
    pub name: String,
}

/// `kakunin payroll-client add`.
#[derive(Debug, clap::Args)]
pub struct PayrollClientAddArgs {
    /// Where the data lives.
    #[command(flatten)]
    pub data: DataDirArg,
    /// The client's name (e.g. the payroll host): 3–64 lower-case letters, digits, '.', '_' or '-'.
    #[arg(long)]
    pub name: String,
    /// The client's TLS certificate (PEM, signed by `payroll_client_ca`): the client must
    /// then present it on every pull as well as its token (mutual TLS).
    #[arg(long)]
    pub cert: Option<PathBuf>,
}

/// `kakunin payroll-client list`.
pub(super) async fn list_payroll_clients(data: DataDirArg) -> anyhow::Result<u8> {
    let settings = settings_for(&data)?;
    let app = console_app(&settings).await?;
    for client in application::staff_accounts::payroll_clients_at_console(&app).await? {
        let state = match client.revoked_at {
            Some(at) => format!("revoked {}", portal::staff::jst(at)),
            None => "live".to_owned(),
        };
        println!(
            "{}\t{}\tregistered {}{}",
            client.name,
            state,
            portal::staff::jst(client.created_at),
            if client.mutual_tls {
                "\tmutual TLS"
            } else {
                ""
            }
        );
    }
    Ok(0)
}

/// `kakunin payroll-client revoke`.
pub(super) async fn revoke_payroll_client(args: PayrollClientNameArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let app = console_app(&settings).await?;
    match application::staff_accounts::revoke_payroll_client(
        &app,
        &storage::AuditContext::cli(),
        &args.name,
    )
    .await
    {
        Ok(_) => {
            eprintln!(
                "{} is revoked: its token no longer pulls anything",
                args.name
            );
            Ok(0)
        }
        Err(application::AppError::NotFound) => {
            eprintln!("no live payroll client is called {}", args.name);
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

/// `kakunin payroll-client rotate`.
pub(super) async fn rotate_payroll_client(args: PayrollClientNameArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let app = console_app(&settings).await?;
    match application::staff_accounts::rotate_payroll_client_token(&app, &args.name).await {
        Ok(token) => {
            println!("{}", token.expose());
            eprintln!(
                "the new token of {} is shown once; the old one no longer works",
                args.name
            );
            Ok(0)
        }
        Err(application::AppError::NotFound) => {
            eprintln!("no live payroll client is called {}", args.name);
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn add_payroll_client(args: PayrollClientAddArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let cert_sha256 = args
        .cert
        .as_deref()
        .map(crate::tls::certificate_sha256)
        .transpose()?;
    if cert_sha256.is_some() && settings.payroll_client_ca.is_none() {
        eprintln!(
            "kakunin: --cert needs payroll_client_ca in the settings (the CA that signed it), \
             or the server never asks for the certificate"
        );
        return Ok(2);
    }
    let app = console_app(&settings).await?;
    let created =
        application::staff_accounts::add_payroll_client(&app, &args.name, cert_sha256).await?;
    app.vault.close().await;
    let (client, token) = match created {
        Ok(created) => created,
        Err(PayrollClientRefused::Name) => {
            eprintln!(
                "the name must be 3–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or a digit"
            );
            return Ok(2);
        }
        Err(PayrollClientRefused::Conflict(why)) => {
            eprintln!("{why}");
            return Ok(2);
        }
    };
    println!(
        "{}",
        serde_json::json!({ "client_id": client.id, "name": client.name, "token": token.expose() })
    );
    eprintln!(
        "Keep the token in the payroll system's secret store; it is not shown again.\n\
         Use: Authorization: Bearer <token> on {}/api/v1/payroll/releases",
        settings.public_url
    );
    Ok(0)
}
