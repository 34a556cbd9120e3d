//! The annual re-confirmation (年末調整, issue 17 part B): an admin opens a campaign for a
//! year over every employee or some branches, follows its progress per branch, reminds
//! those who have not answered, and closes it; the employee answers 「変更なし」 in one tap
//! or hands in a change (`crate::history`), which answers it. See `storage::campaign`.
//!
//! The legal ground: the employee declares their dependants to the employer on the
//! 扶養控除等(異動)申告書 each year (所得税法第194条第1項), and the employer's year-end
//! adjustment relies on it (所得税法第190条). Only employees are asked: a payee (個人支払先)
//! files no such declaration.

use domain::org::BranchCode;
use storage::AuditContext;
use storage::campaign::{
    CampaignSummary, NewCampaign, NoChangeOutcome, OpenedCampaign, ProviderCampaign,
    ReminderAddress, Unanswered,
};
use storage::invitations::ProviderSession;
use uuid::Uuid;

use crate::access::Admin;
use crate::app::App;
use crate::error::{AppError, Conflict, Invalid};

/// The years a campaign may be opened for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// At most one reminder per person in this period (a second click sends nothing twice).
pub const REMINDER_GAP_MS: i64 = 20 * 60 * 60 * 1000;

/// An admin opens a campaign (audited; dual control is not needed: it changes no number
/// and hands nothing out but each employee's own link). `branches` empty: every branch.
pub async fn open(
    app: &App,
    admin: &Admin,
    year: i32,
    branches: &[String],
    links_valid_days: i64,
) -> Result<OpenedCampaign, AppError> {
    if !YEARS.contains(&year) {
        return Err(AppError::Invalid(Invalid::Request));
    }
    let branches = branches
        .iter()
        .map(|b| BranchCode::parse(b.trim()).map_err(|_| AppError::Invalid(Invalid::BranchCode)))
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewCampaign {
        year,
        branches,
        links_valid_days: links_valid_days.clamp(1, 366),
    };
    Ok(app.vault.open_campaign(admin.audit(), &new).await?)
}

/// Every campaign with its progress (admins).
pub async fn list(app: &App, _admin: &Admin) -> Result<Vec<CampaignSummary>, AppError> {
    Ok(app.vault.campaigns().await?)
}

/// One campaign's progress per branch (admins).
pub async fn progress(app: &App, _admin: &Admin, id: Uuid) -> Result<CampaignSummary, AppError> {
    Ok(app.vault.campaign(id).await?)
}

/// Who has not answered (admins): names and branches, no number.
pub async fn unanswered(app: &App, _admin: &Admin, id: Uuid) -> Result<Vec<Unanswered>, AppError> {
    Ok(app.vault.campaign_unanswered(id).await?)
}

/// Closes the campaign (audited) and lists who did not answer.
pub async fn close(app: &App, admin: &Admin, id: Uuid) -> Result<Vec<Unanswered>, AppError> {
    if let Err(e) = app.vault.close_campaign(admin.audit(), id).await {
        return Err(match e {
            storage::StorageError::Conflict(_) => AppError::Conflict(Conflict::CampaignClosed),
            other => other.into(),
        });
    }
    Ok(app.vault.campaign_unanswered(id).await?)
}

/// The addresses a reminder goes to (claimed, audited): each employee who has not answered
/// and whose link went by e-mail, at most once in [`REMINDER_GAP_MS`]. The reminder carries
/// no name, no number and no link: the link is a bearer credential stored hashed, so it
/// cannot be sent again, and a new one would void the printed sheet; the person uses the
/// e-mail or sheet they already hold.
pub async fn claim_reminders(
    app: &App,
    admin: &Admin,
    id: Uuid,
) -> Result<Vec<ReminderAddress>, AppError> {
    match app
        .vault
        .claim_campaign_reminders(admin.audit(), id, REMINDER_GAP_MS)
        .await
    {
        Err(storage::StorageError::Conflict(_)) => {
            Err(AppError::Conflict(Conflict::CampaignClosed))
        }
        other => Ok(other?),
    }
}

/// The campaign the signed-in employee is in, if any.
pub async fn of_provider(
    app: &App,
    session: &ProviderSession,
) -> Result<Option<ProviderCampaign>, AppError> {
    Ok(app.vault.provider_campaign(session).await?)
}

/// The employee answers 「変更なし」 (audited; a second tap changes nothing). Not found when
/// they are in no open campaign.
pub async fn answer_no_change(
    app: &App,
    session: &ProviderSession,
    audit: &AuditContext,
) -> Result<NoChangeOutcome, AppError> {
    Ok(app.vault.answer_no_change(audit, session).await?)
}
