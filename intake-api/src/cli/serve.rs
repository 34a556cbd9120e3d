//! `kakunin serve`: initialise an empty data directory if needed, then run the service.

use crate::config::{Mode, Settings};
use crate::init::{self, InitOptions};
use crate::startup::Application;
use std::path::{Path, PathBuf};
use storage::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation};
use storage::person::PersonName;

use super::*;

/// `kakunin serve`
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Address to listen on (default 127.0.0.1:8443).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Which parts to serve.
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Serve plain HTTP (refused unless the address is loopback).
    #[arg(long)]
    insecure_http: bool,
    /// The URL providers reach, used in invitation links.
    #[arg(long)]
    public_url: Option<String>,
    /// File holding the identity's passphrase (or KAKUNIN_IDENTITY_PASSPHRASE).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

pub(super) async fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let data_dir = &args.data.data_dir;
    let passphrase = passphrase(args.identity_passphrase_file.as_deref())?;
    let first_run = !init::is_initialized(data_dir);
    if first_run {
        let done = init::init(
            data_dir,
            InitOptions {
                database_url: args.data.database_url.clone(),
                ..InitOptions::default()
            },
        )
        .await?;
        println!("First start: initialized {}", data_dir.display());
        if let Some(file) = &done.first_run_file {
            println!(
                "The admin account '{}' and its password are in {}",
                done.admin,
                file.display()
            );
        }
    }
    let mut settings = Settings::load_configured(&args.data.data_dir)?;
    if args.data.database_url.is_some() {
        settings.database_url = args.data.database_url.clone();
    }
    let configured_url = settings.public_url.clone();
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    if let Some(mode) = args.mode {
        settings.mode = mode;
    }
    settings.insecure_http |= args.insecure_http;
    if let Some(url) = args.public_url {
        settings.public_url = url;
    } else if settings.insecure_http && settings.public_url == Settings::default().public_url {
        settings.public_url = format!("http://{}", settings.listen);
    }
    let app =
        Application::build(settings.clone(), passphrase.as_deref().map(String::as_str)).await?;
    // `kakunin invite` and the other commands then print links under the same address.
    settings.remember_served_url(&configured_url)?;
    if first_run {
        let link = demo_invitation(&app, &settings).await?;
        let path = data_dir.join("FIRST-RUN.txt");
        append_private(
            &path,
            &format!("\nDemo invitation (an employee, no birth date asked):\n{link}\n"),
        )?;
        println!("A demo invitation link is in {}", path.display());
    }
    let scheme = if settings.insecure_http {
        "http"
    } else {
        "https"
    };
    println!(
        "Kakunin ({:?} mode) listening on {scheme}://{}",
        settings.mode,
        app.address()
    );
    app.run_until_stopped().await?;
    Ok(0)
}

pub(super) fn append_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

pub(super) async fn demo_invitation(
    app: &Application,
    settings: &Settings,
) -> anyhow::Result<String> {
    let new = NewInvitation {
        kind: InvitationKind::Employee,
        name: PersonName::parse("デモ 太郎")?,
        name_kana: None,
        email: None,
        employee_code: None,
        branch: None,
        birth_date: None,
        valid_days: settings.invitation_valid_days,
    };
    let created = app
        .state()
        .vault
        .create_invitation(&AuditContext::cli(), &new)
        .await?;
    Ok(settings.invitation_url(created.token.expose()))
}
