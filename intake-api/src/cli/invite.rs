//! `kakunin invite`: one invitation, its link printed.

use storage::invitations::{InvitationKind, NewInvitation};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::{BirthDate, PersonName};

use super::*;

/// `kakunin invite`
#[derive(Debug, clap::Args)]
pub struct InviteArgs {
    #[command(flatten)]
    data: DataDirArg,
    /// Employee or payee.
    #[arg(long, value_parser = code_of::<InvitationKind>())]
    kind: InvitationKind,
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

pub(super) async fn invite(args: InviteArgs) -> anyhow::Result<u8> {
    let settings = settings_for(&args.data)?;
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(9)).date();
    let new = NewInvitation {
        kind: args.kind,
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
    let app = console_app(&settings).await?;
    let created = application::invitations::create_at_console(&app, &new).await;
    app.vault.close().await;
    let created = match created {
        Ok(created) => created,
        // The same rule as the roster and the API: one live invitation per employee code.
        Err(application::AppError::Conflict(application::error::Conflict::AlreadyInvited(
            code,
        ))) => {
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
