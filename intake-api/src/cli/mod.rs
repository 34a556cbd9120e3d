//! The `kakunin` command line.

use crate::config::Settings;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use storage::Vault;
use zeroize::Zeroizing;

mod audit;
mod backup;
mod branch;
mod db;
mod incident;
mod init_args;
mod invite;
mod keys;
mod ledger;
mod payroll_client;
mod retention;
mod serve;
mod user;

pub use audit::*;
pub use backup::*;
pub use branch::*;
pub use db::*;
pub use incident::*;
pub use init_args::*;
pub use invite::*;
pub use keys::*;
pub use ledger::*;
pub use payroll_client::*;
pub use retention::*;
pub use serve::*;
pub use user::*;

/// Kakunin: secure My Number intake.
#[derive(Debug, Parser)]
#[command(name = "kakunin", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (initializing an empty data directory first).
    Serve(ServeArgs),
    /// Create keys, a development TLS certificate, the config, the database and the first admin.
    Init(InitArgs),
    /// Create an invitation and print its link.
    Invite(InviteArgs),
    /// Write a consistent snapshot of the SQLite store (ciphertext only) while serving.
    Backup(BackupArgs),
    /// Replace the SQLite store with a checked backup (the service must be stopped).
    Restore(RestoreArgs),
    /// Audit trail operations.
    Audit {
        /// Which.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Staff account operations.
    User {
        /// Which.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Retention: what is due for disposal.
    Retention {
        /// Which.
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Incidents: whose numbers or images did given accounts unseal?
    Incident {
        /// Which.
        #[command(subcommand)]
        command: IncidentCommand,
    },
    /// The registers: files holding numbers (特定個人情報ファイル台帳) and disposals (廃棄記録).
    Ledger {
        /// Which.
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Branches (拠点・部署) and the names they are known by.
    Branch {
        /// Which.
        #[command(subcommand)]
        command: BranchCommand,
    },
    /// The payroll system's machine clients (pull API).
    PayrollClient {
        /// Which.
        #[command(subcommand)]
        command: PayrollClientCommand,
    },
    /// Sealing key operations.
    Keys {
        /// Which.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Database operations.
    Db {
        /// Which.
        #[command(subcommand)]
        command: DbCommand,
    },
}

/// A command-line choice among a domain enum's codes: the possible values are the enum's
/// own (strum's `VariantNames`), parsed back into it, so `--help`, the parser and the domain
/// never disagree.
fn code_of<T>() -> impl clap::builder::TypedValueParser<Value = T>
where
    T: strum::VariantNames + std::str::FromStr + Clone + Send + Sync + 'static,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(T::VARIANTS)
        .map(|code| code.parse::<T>().expect("one of the enum's own codes"))
}

/// The data directory.
#[derive(Debug, clap::Args)]
pub struct DataDirArg {
    /// Data directory (keys, TLS files, config, SQLite database).
    #[arg(long, env = "KAKUNIN_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Database URL, overriding the config file.
    #[arg(long, env = "KAKUNIN_DATABASE_URL")]
    pub database_url: Option<String>,
}

fn read_secret_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let text = Zeroizing::new(std::fs::read_to_string(path)?);
    Ok(Zeroizing::new(
        text.trim_end_matches(['\n', '\r']).to_owned(),
    ))
}

fn passphrase(file: Option<&Path>) -> anyhow::Result<Option<Zeroizing<String>>> {
    match file {
        Some(path) => read_secret_file(path).map(Some),
        None => Ok(std::env::var("KAKUNIN_IDENTITY_PASSPHRASE")
            .ok()
            .map(Zeroizing::new)),
    }
}

fn settings_for(data: &DataDirArg) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(&data.data_dir)?;
    if data.database_url.is_some() {
        settings.database_url = data.database_url.clone();
    }
    Ok(settings)
}

/// Runs a parsed command line; the result is the process's exit status.
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Init(args) => initialise(args).await,
        Command::Invite(args) => invite(args).await,
        Command::Db {
            command: DbCommand::Roles(args),
        } => db_roles(args).await,
        Command::Backup(args) => backup(args).await,
        Command::Restore(args) => restore(args).await,
        Command::Audit {
            command: AuditCommand::Verify(data),
        } => audit_verify(data).await,
        Command::Keys {
            command: KeysCommand::Rotate(args),
        } => rotate_keys(args).await,
        Command::Retention {
            command: RetentionCommand::List(args),
        } => retention_list(args).await,
        Command::Retention {
            command: RetentionCommand::Set(args),
        } => retention_set(args).await,
        Command::Retention {
            command: RetentionCommand::Dispose(args),
        } => retention_dispose(args).await,
        Command::Incident {
            command: IncidentCommand::Scope(args),
        } => incident_scope(args).await,
        Command::Ledger { command } => print_ledger(command).await,
        Command::Keys {
            command: KeysCommand::DestroyRetired(args),
        } => destroy_retired_keys(args).await,
        Command::User {
            command: UserCommand::Add(args),
        } => add_user(args).await,
        Command::User {
            command: UserCommand::Activation(args),
        } => user_activation(args).await,
        Command::Branch {
            command: BranchCommand::Set(args),
        } => set_branch(args).await,
        Command::Branch {
            command: BranchCommand::List(data),
        } => list_branches(data).await,
        Command::PayrollClient {
            command: PayrollClientCommand::Add(args),
        } => add_payroll_client(args).await,
        Command::PayrollClient {
            command: PayrollClientCommand::List(data),
        } => list_payroll_clients(data).await,
        Command::PayrollClient {
            command: PayrollClientCommand::Revoke(args),
        } => revoke_payroll_client(args).await,
        Command::PayrollClient {
            command: PayrollClientCommand::Rotate(args),
        } => rotate_payroll_client(args).await,
    }
}

/// The application on the server's console, for commands that act as a staff member:
/// the store, the sealing recipient (no identity) and the internal keys.
async fn console_app(settings: &Settings) -> anyhow::Result<application::App> {
    let keys = storage::KeyFiles::new(settings.keys_dir()).load(false, None)?;
    let internal = storage::InternalKeys::load(&settings.keys_dir())?;
    Ok(application::App {
        vault: Vault::connect(&settings.database_url()).await?,
        keys,
        internal: Some(internal),
        policy: settings.policy(),
    })
}
