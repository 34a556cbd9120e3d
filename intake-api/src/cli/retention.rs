//! `kakunin retention list|set|dispose`: leaving dates, what is due, disposal by two officers.

use clap::Subcommand;
use std::path::PathBuf;
use storage::{AuditContext, Vault};

use super::*;

/// `kakunin retention …`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// List submissions whose retention period has ended or ends within the notice period.
    List(RetentionListArgs),
    /// Record when numbers stop being needed (leaving dates): one submission, or a CSV
    /// of `employee_code,needed_until` lines from HR (a header line is allowed). The date
    /// ends the person's employment: every event of it stops being needed on that day.
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

pub(super) fn iso_date(text: &str) -> anyhow::Result<time::Date> {
    time::Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|e| anyhow::anyhow!("{text:?} is not a YYYY-MM-DD date: {e}"))
}

pub(super) async fn retention_set(args: RetentionSetArgs) -> anyhow::Result<u8> {
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
            // The person's current record: the leaving date ends that employment and dates
            // its later changes too (`storage::lifecycle::record_leaving`).
            match vault.current_record_of_employee(code.trim()).await? {
                Some(id) => updates.push((id, date)),
                None => unknown.push(code.trim().to_owned()),
            }
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

pub(super) async fn retention_list(args: RetentionListArgs) -> anyhow::Result<u8> {
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
                DisposalReason::DependantEnded => "dependant ended",
                DisposalReason::Superseded => "superseded version",
                DisposalReason::PhotosReplaced => "photos replaced",
            };
            let what = match (item.subject_id, item.person_id) {
                (Some(version), _) => format!("version {version}"),
                (None, Some(person)) => format!("person {person}"),
                (None, None) => item.submission_id.to_string(),
            };
            println!(
                "{what}  needed until {}  {when} {}  ({why})",
                item.needed_until, item.due_on
            );
        }
    }
    Ok(0)
}

pub(super) async fn retention_dispose(args: RetentionDisposeArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let password = read_secret_file(&args.password_file)?;
    let app = console_app(&settings).await?;
    let result = dispose_as_officer(&app, &args, &password).await;
    app.vault.close().await;
    result
}

/// The officer signs (password and TOTP code: `application::auth::sign_at_console`, the
/// pages' step-up with its lockout), then proposes or approves through the same use cases
/// as the pages and the API (`application::disposal`).
pub(super) async fn dispose_as_officer(
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
                "person_id": due.person_id,
                "subject_id": due.subject_id,
                "reason": due.reason,
                "due_on": due.due_on,
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&proposed)?);
    Ok(0)
}
