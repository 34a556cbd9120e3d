//! Incident records (情報漏えい等事案) and the alerts that may start one, for the person
//! responsible and the auditors: open a record, establish the affected people from the
//! audit trail, and keep the timeline — reported, notified, closed — in order. Texts are
//! free but typed text (one line for a title) and may not carry a number (a run of twelve
//! digits: 番号法第20条, DESIGN invariants 1–2); they stay out of the audit trail, and each
//! step is an audit entry.
//!
//! The PPC report (個人情報保護委員会への報告) is due in the cases of 番号法第29条の4第1項 and
//! 「…特定個人情報の漏えい等に関する報告等に関する規則」第2条各号: among them a leak that may
//! have been made for an unlawful purpose (不正の目的), and, by count alone, more than 100
//! people affected. `storage::incidents` computes the count; whether a purpose was unlawful
//! is the responsible person's finding, recorded on the timeline.

use storage::alerts::Alert;
use storage::audit_desk::StaffName;
use storage::incidents::{IncidentRecord, IncidentScope, IncidentStep};
use storage::staff::SignInRecord;
use storage::typed_text::{self, Lines};
use storage::{AuditContext, AuditEvent};
use uuid::Uuid;

use crate::access::Overseer;
use crate::app::App;
use crate::error::{AppError, Invalid};

/// Longest title or step text.
const MAX_TEXT: usize = 2000;

/// Most accounts one scope may name.
const MAX_ACTORS: usize = 100;

/// Sign-ins the overview lists.
const SIGN_INS: i64 = 500;

/// A title takes one line; a description or a step's text several.
fn typed(text: &str, lines: Lines) -> Result<String, AppError> {
    let text = typed_text::parse(text, lines, MAX_TEXT)
        .map_err(|_| AppError::Invalid(Invalid::Message))?;
    if verifier::rules::holds_digit_run(&text, 12) {
        return Err(AppError::Invalid(Invalid::Message));
    }
    Ok(text)
}

/// An account as the trail names it: `staff:<uuid>`. Anything else is refused before it
/// reaches the timeline the staff pages show.
fn is_staff_actor(actor: &str) -> bool {
    actor
        .strip_prefix("staff:")
        .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok())
}

/// Opens an incident record (a title is required).
pub async fn open(
    app: &App,
    overseer: &Overseer,
    title: &str,
    description: &str,
) -> Result<Uuid, AppError> {
    let title = typed(title, Lines::One)?;
    if title.is_empty() {
        return Err(AppError::Invalid(Invalid::Message));
    }
    let description = typed(description, Lines::Many)?;
    Ok(app
        .vault
        .open_incident(overseer.audit(), &title, &description)
        .await?)
}

/// Every record with its timeline, newest first.
pub async fn records(app: &App, _overseer: &Overseer) -> Result<Vec<IncidentRecord>, AppError> {
    Ok(app.vault.incident_records().await?)
}

/// Adds a step a person writes (a note, reported, notified, closed); `opened` and `scope`
/// are the system's. Closed records take no more steps (a conflict).
pub async fn record_step(
    app: &App,
    overseer: &Overseer,
    incident: Uuid,
    step: IncidentStep,
    text: &str,
) -> Result<(), AppError> {
    let text = typed(text, Lines::Many)?;
    if matches!(step, IncidentStep::Opened | IncidentStep::Scope) {
        return Err(AppError::Invalid(Invalid::Request));
    }
    app.vault
        .add_incident_step(overseer.audit(), incident, step, &text)
        .await?;
    Ok(())
}

/// A period of the trail: Unix ms, and the text the person gave (for the timeline).
#[derive(Debug, Clone)]
pub struct Period {
    /// Start, inclusive.
    pub from: (i64, String),
    /// End, exclusive.
    pub to: (i64, String),
}

impl Period {
    /// Two RFC 3339 instants as typed.
    pub fn from_rfc3339(from: &str, to: &str) -> Result<Self, AppError> {
        let at = |text: &str| {
            crate::time_jp::parse_instant(text)
                .map(|ms| (ms, text.to_owned()))
                .ok_or(AppError::Invalid(Invalid::Request))
        };
        Ok(Self {
            from: at(from)?,
            to: at(to)?,
        })
    }

    /// Whole days in Japan: from midnight of `from` to midnight after `to`.
    pub fn days(from: time::Date, to: time::Date) -> Self {
        let midnight = |date: time::Date| {
            let ms = storage::audit_desk::jst_midnight_ms(date);
            let text = crate::time_jp::from_millis(ms)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            (ms, text)
        };
        Self {
            from: midnight(from),
            to: midnight(to.next_day().unwrap_or(to)),
        }
    }
}

/// The people whose numbers or images `actors` (`staff:<id>`, 1 to 100 of them) unsealed
/// in `period`: names and counts, never a number.
async fn affected(
    app: &App,
    actors: &[String],
    period: &Period,
) -> Result<IncidentScope, AppError> {
    if actors.is_empty() || actors.len() > MAX_ACTORS || !actors.iter().all(|a| is_staff_actor(a)) {
        return Err(AppError::Invalid(Invalid::Request));
    }
    Ok(app
        .vault
        .incident_scope(actors, period.from.0, period.to.0)
        .await?)
}

/// The people whose numbers or images `actors` (`staff:<id>`) unsealed in `period`
/// (names, counts; never a number), recorded on the incident's timeline with the count and
/// whether the PPC report is due by count.
pub async fn establish_scope(
    app: &App,
    overseer: &Overseer,
    incident: Uuid,
    actors: &[String],
    period: &Period,
) -> Result<IncidentScope, AppError> {
    let scope = affected(app, actors, period).await?;
    let text = format!(
        "{} people affected ({} … {}, accounts: {}); PPC report due by count: {}",
        scope.people.len(),
        period.from.1,
        period.to.1,
        actors.join(", "),
        if scope.ppc_report_due { "yes" } else { "no" }
    );
    app.vault
        .add_incident_step(overseer.audit(), incident, IncidentStep::Scope, &text)
        .await?;
    Ok(scope)
}

/// The same by usernames as a person types them (separated by commas, spaces, 「、」 or
/// lines), for the incident titled in the answer: an unknown username is not found.
pub async fn establish_scope_of_usernames(
    app: &App,
    overseer: &Overseer,
    incident: Uuid,
    usernames: &str,
    period: &Period,
) -> Result<(String, IncidentScope), AppError> {
    let title = records(app, overseer)
        .await?
        .into_iter()
        .find(|r| r.incident_id == incident)
        .map(|r| r.title)
        .ok_or(AppError::NotFound)?;
    let mut actors = Vec::new();
    for username in usernames
        .split([',', ' ', '、', '\n'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        match app.vault.staff_credentials(username).await? {
            Some(account) => actors.push(format!("staff:{}", account.account_id)),
            None => return Err(AppError::NotFound),
        }
    }
    let scope = establish_scope(app, overseer, incident, &actors, period).await?;
    Ok((title, scope))
}

/// The operator's scope at the console (`kakunin incident scope`), not tied to a record:
/// audited as the command line with the count.
pub async fn scope_at_console(
    app: &App,
    actors: &[String],
    period: &Period,
) -> Result<IncidentScope, AppError> {
    let scope = affected(app, actors, period).await?;
    app.vault
        .record(
            &AuditContext::cli(),
            AuditEvent::success(storage::audit::actions::INCIDENT_SCOPE, None).with_detail(
                serde_json::json!({
                    "actors": actors, "from": period.from.0, "to": period.to.0,
                    "people": scope.people.len(),
                }),
            ),
        )
        .await?;
    Ok(scope)
}

/// The alerts raised since `since` (Unix ms), newest first.
pub async fn alerts(app: &App, _overseer: &Overseer, since: i64) -> Result<Vec<Alert>, AppError> {
    Ok(app.vault.alerts(since).await?)
}

/// The latest staff sign-in attempts.
pub async fn sign_in_history(
    app: &App,
    _overseer: &Overseer,
) -> Result<Vec<SignInRecord>, AppError> {
    Ok(app.vault.sign_in_history(SIGN_INS).await?)
}

/// What the alerts page shows: the alerts of the last `days`, the incident records, the
/// latest sign-ins, and the staff names the trail's ids are shown by.
#[derive(Debug)]
pub struct Overview {
    /// Alerts, newest first.
    pub alerts: Vec<Alert>,
    /// The latest sign-in attempts.
    pub sign_ins: Vec<SignInRecord>,
    /// Incident records with their timelines.
    pub incidents: Vec<IncidentRecord>,
    /// Every account's name and role.
    pub staff_names: Vec<StaffName>,
}

/// The alerts page's content.
pub async fn overview(app: &App, overseer: &Overseer, days: i64) -> Result<Overview, AppError> {
    let since = crate::time_jp::now_millis() - days * 86_400_000;
    Ok(Overview {
        alerts: alerts(app, overseer, since).await?,
        sign_ins: sign_in_history(app, overseer).await?,
        incidents: records(app, overseer).await?,
        staff_names: app.vault.staff_names().await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_texts_are_typed_text_without_a_number() {
        assert!(typed("USBメモリの紛失", Lines::One).is_ok());
        assert!(typed("番号 123456789018 を含む", Lines::Many).is_err());
        assert!(typed("番号１２３４５６７８９０１８", Lines::Many).is_err());
        assert!(typed("a\u{202E}b", Lines::One).is_err());
    }

    #[test]
    fn only_staff_accounts_name_a_scope() {
        assert!(is_staff_actor("staff:0190b6a4-7c1e-7000-8000-000000000001"));
        assert!(!is_staff_actor("staff:not-an-id"));
        assert!(!is_staff_actor("cli"));
        assert!(!is_staff_actor(
            "staff:0190b6a4-7c1e-7000-8000-000000000001\u{202E}"
        ));
    }

    #[test]
    fn whole_days_run_from_midnight_in_japan_to_the_midnight_after() {
        let period = Period::days(
            time::macros::date!(2026 - 11 - 30),
            time::macros::date!(2026 - 11 - 30),
        );
        assert_eq!(period.from.1, "2026-11-30T00:00:00+09:00");
        assert_eq!(period.to.1, "2026-12-01T00:00:00+09:00");
        assert_eq!(period.to.0 - period.from.0, 86_400_000);
    }
}
