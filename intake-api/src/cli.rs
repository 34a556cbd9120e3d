//! The `kakunin` command line.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use storage::invitations::{InvitationKind, NewInvitation};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::{BirthDate, PersonName};
use storage::{AuditContext, Vault};
use zeroize::Zeroizing;

use crate::config::{Mode, Settings};
use crate::init::{self, InitOptions};
use crate::ledgers::Ledger;
use crate::startup::Application;

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

/// `kakunin db …`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// PostgreSQL: the role public instances connect as, with exactly the grants the public
    /// side needs (no staff table, no derivation of a number). Prints the SQL; `--apply` runs
    /// it with this data directory's database URL (the schema owner's).
    Roles(DbRolesArgs),
}

/// `kakunin db roles`
#[derive(Debug, clap::Args)]
pub struct DbRolesArgs {
    /// Data directory and database.
    #[command(flatten)]
    pub data: DataDirArg,
    /// The role's name.
    #[arg(long, default_value = "kakunin_public")]
    pub role: String,
    /// Run the statements instead of printing them.
    #[arg(long)]
    pub apply: bool,
}

/// `kakunin payroll-client …`
#[derive(Debug, Subcommand)]
pub enum PayrollClientCommand {
    /// Register a client; prints its bearer token once (only its hash is kept).
    Add(PayrollClientAddArgs),
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

/// `kakunin retention …`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// List submissions whose retention period has ended or ends within the notice period.
    List(RetentionListArgs),
    /// Record when numbers stop being needed (leaving dates): one submission, or a CSV
    /// of `employee_code,needed_until` lines from HR (a header line is allowed).
    Set(RetentionSetArgs),
    /// Disposal with two officers from the command line: one proposes everything overdue
    /// in their scope (`--propose-due`), another approves a proposal (`--approve ID`).
    /// Each signs with their password and a TOTP code, as on the pages.
    Dispose(RetentionDisposeArgs),
}

/// `kakunin retention dispose`
#[derive(Debug, clap::Args)]
pub struct RetentionDisposeArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The officer acting (their username).
    #[arg(long = "as")]
    officer: String,
    /// File holding that officer's password.
    #[arg(long)]
    password_file: PathBuf,
    /// A current code from that officer's authenticator app.
    #[arg(long)]
    totp: String,
    /// Propose the disposal of every overdue submission in the officer's scope.
    #[arg(long, conflicts_with = "approve", required_unless_present = "approve")]
    propose_due: bool,
    /// Approve this proposed disposal (it must be another officer's proposal).
    #[arg(long)]
    approve: Option<uuid::Uuid>,
}

/// `kakunin retention set`
#[derive(Debug, clap::Args)]
pub struct RetentionSetArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// One submission id…
    #[arg(long, requires = "needed_until", conflicts_with = "csv")]
    submission: Option<uuid::Uuid>,
    /// …and its date (YYYY-MM-DD).
    #[arg(long)]
    needed_until: Option<String>,
    /// Or a CSV file of `employee_code,needed_until`.
    #[arg(long)]
    csv: Option<PathBuf>,
}

/// `kakunin retention list`
#[derive(Debug, clap::Args)]
pub struct RetentionListArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Also list what becomes due within this many days.
    #[arg(long, default_value_t = 30)]
    notice_days: i64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

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

/// `kakunin keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-seal every live number and image to a new identity; resumable. When done the
    /// old identity moves to keys/retired/ and instances must be restarted.
    Rotate(RotateArgs),
    /// Overwrite and delete retired identities: ciphertext sealed only to them, in old
    /// backups for instance, can never be opened again. Refused while any live ciphertext
    /// does not open with the current identity.
    DestroyRetired(DestroyArgs),
}

/// `kakunin keys destroy-retired`
#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// File holding the identity's passphrase (or KAKUNIN_IDENTITY_PASSPHRASE).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

/// `kakunin keys rotate`
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Rows re-sealed per transaction.
    #[arg(long, default_value_t = 100)]
    batch: i64,
    /// File holding the identity's passphrase (or KAKUNIN_IDENTITY_PASSPHRASE).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

/// `kakunin user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account (officers, auditors and admins enrol TOTP at first sign-in).
    Add(UserAddArgs),
}

/// `kakunin user add`
#[derive(Debug, clap::Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The account's role.
    #[arg(long, value_parser = ["officer", "collector", "auditor", "admin"])]
    role: String,
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

/// `kakunin audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain and its anchors outside the database; exit 2 and name the
    /// first bad entry if broken.
    Verify(DataDirArg),
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

/// `kakunin init`
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// The first admin's username.
    #[arg(long)]
    admin: Option<String>,
    /// File holding the first admin's password (generated into FIRST-RUN.txt if absent).
    #[arg(long, requires = "admin")]
    admin_password_file: Option<PathBuf>,
    /// Protect the identity with the passphrase in this file (age scrypt).
    #[arg(long)]
    identity_passphrase_file: Option<PathBuf>,
}

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

/// `kakunin invite`
#[derive(Debug, clap::Args)]
pub struct InviteArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Employee or payee.
    #[arg(long, value_parser = ["employee", "payee"])]
    kind: String,
    /// The invited person's name.
    #[arg(long)]
    name: String,
    /// The employer's code for the person.
    #[arg(long)]
    employee_code: Option<String>,
    /// Branch or department code.
    #[arg(long)]
    branch: Option<String>,
    /// Birth date asked as a second factor (YYYY-MM-DD).
    #[arg(long)]
    birth_date: Option<String>,
    /// Print `{"token", "url", "expires_at", "submission_id"}` as JSON.
    #[arg(long)]
    json: bool,
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
        Command::Init(args) => {
            let options = InitOptions {
                admin: args.admin,
                admin_password: args
                    .admin_password_file
                    .as_deref()
                    .map(read_secret_file)
                    .transpose()?,
                identity_passphrase: passphrase(args.identity_passphrase_file.as_deref())?,
                database_url: args.data.database_url,
            };
            let done = init::init(&args.data.data_dir, options).await?;
            println!("Initialized {}", args.data.data_dir.display());
            if let Some(file) = done.first_run_file {
                println!(
                    "The admin account '{}' and its password are in {}",
                    done.admin,
                    file.display()
                );
            }
            Ok(0)
        }
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
        Command::PayrollClient {
            command: PayrollClientCommand::Add(args),
        } => add_payroll_client(args).await,
    }
}

async fn add_payroll_client(args: PayrollClientAddArgs) -> anyhow::Result<u8> {
    if storage::staff::Username::parse(&args.name).is_err() {
        eprintln!(
            "the name must be 3–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or a digit"
        );
        return Ok(2);
    }
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
    let vault = Vault::connect(&settings.database_url()).await?;
    let created = vault
        .create_payroll_client(&AuditContext::cli(), &args.name, cert_sha256)
        .await;
    vault.close().await;
    let (client, token) = match created {
        Ok(created) => created,
        Err(storage::StorageError::Conflict(why)) => {
            eprintln!("{why}");
            return Ok(2);
        }
        Err(e) => return Err(e.into()),
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

async fn add_user(args: UserAddArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let username = storage::staff::Username::parse(&args.username)
        .map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let role = storage::staff::Role::from_code(&args.role)
        .ok_or_else(|| anyhow::anyhow!("--role: unknown role"))?;
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

async fn serve(args: ServeArgs) -> anyhow::Result<u8> {
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
    let mut settings = settings_for(&args.data)?;
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

fn append_private(path: &Path, text: &str) -> anyhow::Result<()> {
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

async fn demo_invitation(app: &Application, settings: &Settings) -> anyhow::Result<String> {
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

async fn invite(args: InviteArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(9)).date();
    let new = NewInvitation {
        kind: if args.kind == "payee" {
            InvitationKind::Payee
        } else {
            InvitationKind::Employee
        },
        name: PersonName::parse(&args.name).map_err(|e| anyhow::anyhow!("--name: {e}"))?,
        name_kana: None,
        email: None,
        employee_code: args
            .employee_code
            .as_deref()
            .map(EmployeeCode::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--employee-code: {e}"))?,
        branch: args
            .branch
            .as_deref()
            .map(BranchCode::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--branch: {e}"))?,
        birth_date: args
            .birth_date
            .as_deref()
            .map(|d| BirthDate::parse(d, today))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--birth-date: {e}"))?,
        valid_days: settings.invitation_valid_days,
    };
    let vault = Vault::connect(&settings.database_url()).await?;
    let created = vault.create_invitation(&AuditContext::cli(), &new).await;
    vault.close().await;
    let created = match created {
        Ok(created) => created,
        // The same rule as the roster and the API: one live invitation per employee code.
        Err(storage::StorageError::AlreadyInvited(code)) => {
            eprintln!(
                "kakunin: employee code {code} already has an invitation in use: re-issue or revoke that one (/s/invitations) instead of creating a second record of the person"
            );
            return Ok(1);
        }
        Err(other) => return Err(other.into()),
    };
    let url = settings.invitation_url(created.token.expose());
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "token": created.token.expose(), "url": url, "expires_at": created.expires_at, "submission_id": created.submission_id })
        );
    } else {
        println!("{url}");
    }
    Ok(0)
}

async fn backup(args: BackupArgs) -> anyhow::Result<u8> {
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

async fn restore(args: RestoreArgs) -> anyhow::Result<u8> {
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

async fn audit_verify(data: DataDirArg) -> anyhow::Result<u8> {
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

async fn rotate_keys(args: RotateArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let passphrase = passphrase(args.identity_passphrase_file.as_deref())?;
    let passphrase = passphrase.as_deref().map(String::as_str);
    let files = storage::KeyFiles::new(settings.keys_dir());
    let vault = Vault::connect(&settings.database_url()).await?;
    let ctx = AuditContext::cli();
    let recipient = files.begin_rotation(passphrase)?;
    vault
        .record(
            &ctx,
            storage::AuditEvent::success(storage::audit::actions::KEYS_ROTATE_BEGIN, None)
                .with_detail(serde_json::json!({ "next_recipient": recipient })),
        )
        .await?;
    let keys = files.rotation_keys(passphrase)?;
    let report = vault
        .reseal_to_next_identity(&ctx, &keys, args.batch, None)
        .await?;
    println!(
        "re-sealed {} ciphertexts to {recipient} ({} already were)",
        report.resealed, report.already_rotated
    );
    let retired = files.finish_rotation()?;
    vault
        .record(
            &ctx,
            storage::AuditEvent::success(storage::audit::actions::KEYS_ROTATE_FINISH, None)
                .with_detail(
                    serde_json::json!({ "recipient": recipient, "resealed": report.resealed }),
                ),
        )
        .await?;
    vault.close().await;
    println!(
        "The new identity is current. Restart every instance (copy keys/recipient.txt to public \
         instances), then destroy the old identity with `kakunin keys destroy-retired` (now in \
         {}); it refuses while anything sealed meanwhile to the old recipient remains — rotate \
         again in that case.",
        retired.display()
    );
    Ok(0)
}

async fn destroy_retired_keys(args: DestroyArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let passphrase = passphrase(args.identity_passphrase_file.as_deref())?;
    let files = storage::KeyFiles::new(settings.keys_dir());
    let keyring = files.load(true, passphrase.as_deref().map(String::as_str))?;
    let current = keyring
        .unsealer()
        .ok_or_else(|| anyhow::anyhow!("no identity loaded"))?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let unopenable = vault.ciphertexts_not_opened_by(current).await?;
    if unopenable > 0 {
        vault.close().await;
        eprintln!(
            "refused: {unopenable} ciphertexts do not open with the current identity (sealed to an \
             old recipient after the rotation?); run `kakunin keys rotate` first"
        );
        return Ok(2);
    }
    let destroyed = files.destroy_retired()?;
    vault
        .record(
            &AuditContext::cli(),
            storage::AuditEvent::success(storage::audit::actions::KEYS_RETIRED_DESTROY, None)
                .with_detail(serde_json::json!({ "identities": destroyed })),
        )
        .await?;
    vault.close().await;
    println!("destroyed {destroyed} retired identities");
    Ok(0)
}

fn iso_date(text: &str) -> anyhow::Result<time::Date> {
    time::Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|e| anyhow::anyhow!("{text:?} is not a YYYY-MM-DD date: {e}"))
}

async fn retention_set(args: RetentionSetArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let ctx = AuditContext::cli();
    let mut updates: Vec<(uuid::Uuid, time::Date)> = Vec::new();
    let mut unknown = Vec::new();
    if let (Some(submission), Some(date)) = (args.submission, &args.needed_until) {
        updates.push((submission, iso_date(date)?));
    } else if let Some(path) = &args.csv {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_path(path)?;
        for (line, record) in reader.records().enumerate() {
            let record = record?;
            let (code, date) = (record.get(0).unwrap_or(""), record.get(1).unwrap_or(""));
            if line == 0 && !date.trim().starts_with(|c: char| c.is_ascii_digit()) {
                continue; // a header line
            }
            let date = iso_date(date).map_err(|e| anyhow::anyhow!("line {}: {e}", line + 1))?;
            let found = vault.submissions_of_employee(code.trim()).await?;
            if found.is_empty() {
                unknown.push(code.trim().to_owned());
            }
            updates.extend(found.into_iter().map(|id| (id, date)));
        }
    } else {
        anyhow::bail!("give --submission and --needed-until, or --csv FILE");
    }
    for (submission, date) in &updates {
        vault
            .as_operator()
            .set_needed_until(&ctx, *submission, *date)
            .await?;
    }
    vault.close().await;
    println!("recorded {} needed-until dates", updates.len());
    if !unknown.is_empty() {
        eprintln!("no submission for employee codes: {}", unknown.join(", "));
        return Ok(1);
    }
    Ok(0)
}

async fn retention_list(args: RetentionListArgs) -> anyhow::Result<u8> {
    use storage::retention::DisposalReason;
    let settings = settings_for(&args.data)?;
    let vault = Vault::connect(&settings.database_url()).await?;
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(9)).date();
    let due = vault
        .as_operator()
        .disposal_list(today, args.notice_days)
        .await?;
    vault.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&due)?);
    } else if due.is_empty() {
        println!(
            "nothing is due for disposal within {} days",
            args.notice_days
        );
    } else {
        for item in &due {
            let when = if item.overdue { "due since" } else { "due on" };
            let why = match item.reason {
                DisposalReason::RetentionEnded => "retention ended",
                DisposalReason::InvitationRevoked => "invitation revoked, never finished",
                DisposalReason::Rejected => "rejected",
                DisposalReason::Declined => "declined",
            };
            println!(
                "{}  needed until {}  {when} {}  ({why})",
                item.submission_id, item.needed_until, item.due_on
            );
        }
    }
    Ok(0)
}

async fn db_roles(args: DbRolesArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(
        storage::db_roles::is_role_name(&args.role),
        "--role must be a PostgreSQL role name of lowercase letters, digits and _"
    );
    let settings = settings_for(&args.data)?;
    let url = settings.database_url();
    anyhow::ensure!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "database roles are for PostgreSQL; on SQLite every instance shares one file (mode public needs PostgreSQL)"
    );
    let database = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap_or("kakunin")
        .to_owned();
    let script = storage::db_roles::create_role_script(&args.role, &database);
    if !args.apply {
        print!("{script}");
        return Ok(0);
    }
    let vault = Vault::connect(&url).await?;
    vault.create_public_role(&script).await?;
    vault.close().await;
    println!(
        "Role {} created or updated. Set public_db_role = \"{}\" on the internal instance's kakunin.toml.",
        args.role, args.role
    );
    Ok(0)
}

async fn retention_dispose(args: RetentionDisposeArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let password = read_secret_file(&args.password_file)?;
    let app = console_app(&settings).await?;
    let result = dispose_as_officer(&app, &args, &password).await;
    app.vault.close().await;
    result
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

/// The officer signs (password and TOTP code: `application::auth::sign_at_console`, the
/// pages' step-up with its lockout), then proposes or approves through the same use cases
/// as the pages and the API (`application::disposal`).
async fn dispose_as_officer(
    app: &application::App,
    args: &RetentionDisposeArgs,
    password: &str,
) -> anyhow::Result<u8> {
    use application::{AppError, access, disposal};
    let credentials = application::auth::StepUp {
        password: password.to_owned(),
        totp: args.totp.trim().to_owned(),
    };
    let signed = application::auth::sign_at_console(app, &args.officer, &credentials).await;
    let officer = signed.and_then(|(staff, proof)| Ok((access::officer(staff)?, proof)));
    let (officer, proof) = match officer {
        Ok(signed) => signed,
        Err(AppError::InvalidCredentials | AppError::Forbidden) => {
            eprintln!("kakunin: not an officer, or the password or authenticator code is wrong");
            return Ok(1);
        }
        Err(AppError::Locked {
            retry_after_secs, ..
        }) => {
            eprintln!(
                "kakunin: too many wrong passwords or codes: try again in {retry_after_secs} s"
            );
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(id) = args.approve {
        return match disposal::approve_stepped_up(app, &officer, id.into(), proof).await {
            Ok(record) => {
                println!("{}", serde_json::to_string_pretty(&record)?);
                Ok(0)
            }
            Err(AppError::SeparationOfDuties(why)) => {
                eprintln!("kakunin: {why}");
                Ok(1)
            }
            Err(AppError::NotFound) => {
                eprintln!("kakunin: no proposed disposal {id} in your scope");
                Ok(1)
            }
            Err(e) => Err(e.into()),
        };
    }
    let proposed: Vec<serde_json::Value> = disposal::propose_overdue(app, &officer)
        .await?
        .into_iter()
        .map(|(id, due)| {
            serde_json::json!({
                "disposal_id": id,
                "submission_id": due.submission_id,
                "reason": due.reason,
                "due_on": due.due_on,
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&proposed)?);
    Ok(0)
}

async fn incident_scope(args: IncidentScopeArgs) -> anyhow::Result<u8> {
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

async fn print_ledger(command: LedgerCommand) -> anyhow::Result<u8> {
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
