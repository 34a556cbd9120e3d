//! `kakunin user add` (the operator's bootstrap) and `kakunin user activation` (a link for a holder no e-mail reaches).

use clap::Subcommand;
use std::path::PathBuf;
use storage::org::BranchCode;
use storage::{AuditContext, Vault};

use super::*;

/// `kakunin user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account (officers, auditors and admins enrol TOTP at first sign-in).
    Add(UserAddArgs),
    /// Print a one-time activation link for an account, for its holder alone: where no
    /// e-mail reaches them (a new account, or credentials two admins reset). The account's
    /// current password and TOTP stop working at once; the holder sets a new password
    /// through the link and enrols TOTP at the first sign-in.
    Activation(UserActivationArgs),
}

/// `kakunin user activation`
#[derive(Debug, clap::Args)]
pub struct UserActivationArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The account's sign-in name.
    #[arg(long)]
    username: String,
}

/// `kakunin user add`
#[derive(Debug, clap::Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The account's role.
    #[arg(long, value_parser = code_of::<storage::staff::Role>())]
    role: storage::staff::Role,
    /// Sign-in name: 3 to 64 of a-z, 0-9, '.', '_', '-'.
    #[arg(long)]
    username: String,
    /// File holding the password (12 to 128 characters, not a common one).
    #[arg(long)]
    password_file: PathBuf,
    /// A branch or department in scope (repeatable).
    #[arg(long = "scope")]
    scopes: Vec<String>,
}

/// `kakunin user activation`: the operator's path to a holder no e-mail reaches.
pub(super) async fn user_activation(args: UserActivationArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let app = console_app(&settings).await?;
    match application::staff_accounts::issue_activation_at_console(&app, &args.username).await {
        Ok(issued) => {
            println!(
                "{}/s/activate/{}",
                settings.staff_url().trim_end_matches('/'),
                issued.token.expose()
            );
            eprintln!(
                "hand this link to {} alone; it works once, until {} (Japan time)",
                issued.username,
                portal::staff::jst(issued.expires_at)
            );
            Ok(0)
        }
        Err(application::AppError::NotFound) => {
            eprintln!("no account is called {}", args.username);
            Ok(1)
        }
        Err(application::AppError::Conflict(_)) => {
            eprintln!("the account is disabled: two admins enable it first");
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn add_user(args: UserAddArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let username = storage::staff::Username::parse(&args.username)
        .map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let role = args.role;
    let password = read_secret_file(&args.password_file)?;
    crate::password::check_password_policy(&password)
        .map_err(|e| anyhow::anyhow!("--password-file: {e}"))?;
    let scopes = args
        .scopes
        .iter()
        .map(|s| BranchCode::parse(s).map_err(|e| anyhow::anyhow!("--scope {s}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let password_hash = crate::password::hash_password(&password)?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let created = vault
        .create_staff_account(
            &AuditContext::cli(),
            &storage::staff::NewStaffAccount {
                username,
                role,
                password_hash,
                scopes,
            },
        )
        .await;
    vault.close().await;
    let id = created?;
    println!("created {} account '{}' ({id})", role.code(), args.username);
    Ok(0)
}
