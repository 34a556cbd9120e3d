//! The annual re-confirmation (年末調整) for admins: `/api/v1/admin/campaigns`. Opening
//! hands back each employee's fresh link once (e-mailed where asked and possible, else for
//! the printed sheet); progress per branch; reminders (no name, no number, no link);
//! closing, with who did not answer (JSON or CSV). The rules are
//! `application::campaign`'s; the pages (`staff_pages::campaigns`) go through the same
//! functions here.

use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use portal::Message;
use serde::Deserialize;
use storage::campaign::{OpenedCampaign, Unanswered};
use storage::invitations::InvitationKind;
use uuid::Uuid;
use verifier::csv_file::CsvFile;

use super::invitations::{Addressee, Issued, deliver, issued_json};
use crate::error::ApiError;
use crate::mail::campaign_letter;
use crate::notices::campaign_reminder_letter;
use crate::staff_auth::Admin;
use crate::startup::State;
use application::access;

/// What an admin sends to open a campaign.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// The year re-confirmed (2000–2100).
    pub year: i32,
    /// Branch codes; absent or empty: every employee.
    #[serde(default)]
    pub branches: Vec<String>,
    /// How long the links work, in days (default: the invitations' setting).
    #[serde(default)]
    pub links_valid_days: Option<i64>,
    /// E-mail each link where the employee has an address.
    #[serde(default)]
    pub send_email: bool,
}

/// A campaign opened, its links delivered.
pub struct Opened {
    /// The campaign.
    pub campaign: OpenedCampaign,
    /// One link per employee (the token moved into `url`).
    pub issued: Vec<Issued>,
}

/// Opens the campaign and delivers the links (the API and the page).
pub async fn open(
    state: &State,
    admin: &access::Admin,
    body: &OpenBody,
) -> Result<Opened, ApiError> {
    let mut campaign = application::campaign::open(
        &state.app,
        admin,
        body.year,
        &body.branches,
        body.links_valid_days
            .unwrap_or(state.settings.invitation_valid_days),
    )
    .await?;
    let pairs = std::mem::take(&mut campaign.links)
        .into_iter()
        .map(|link| {
            (
                Addressee {
                    kind: InvitationKind::Employee,
                    name: link.name,
                    employee_code: link.employee_code,
                    branch: link.branch,
                    email: link.email,
                },
                link.invitation,
            )
        })
        .collect();
    let organisation = state.settings.portal.organisation_name.clone();
    let year = body.year;
    let letter = move |to: &Addressee, url: &str, until: i64| {
        campaign_letter(&organisation, &to.name, year, url, until)
    };
    let issued = deliver(state, admin, pairs, body.send_email, &letter).await?;
    Ok(Opened { campaign, issued })
}

/// `POST /api/v1/admin/campaigns` `{"year", "branches"?, "links_valid_days"?,
/// "send_email"?}` → 201 `{"id", "links_until", "employees", "items": [{"id",
/// "submission_id", "employee_code", "name", "branch", "url", "expires_at", "mail"}]}`.
#[utoipa::path(post, path = "/api/v1/admin/campaigns", tag = "admin", request_body = OpenBody,
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 201, description = "The campaign and each employee's link (shown once)"),
              (status = 403, description = "Not an admin"),
              (status = 422, description = "A year or branch code that does not parse")))]
pub async fn create(
    state: State,
    admin: Admin,
    body: web::Json<OpenBody>,
) -> Result<HttpResponse, ApiError> {
    let opened = open(&state, admin.access(), &body).await?;
    let items: Vec<serde_json::Value> = opened
        .issued
        .iter()
        .map(|i| {
            let mut item = issued_json(i);
            item["employee_code"] = serde_json::json!(i.to.employee_code);
            item["name"] = serde_json::json!(i.to.name);
            item["branch"] = serde_json::json!(i.to.branch);
            item
        })
        .collect();
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({
            "id": opened.campaign.id,
            "links_until": opened.campaign.links_until,
            "employees": items.len(),
            "items": items,
        })))
}

/// `GET /api/v1/admin/campaigns` → `{"items": [{"id", "year", "branches", "opened_at",
/// "opened_by", "links_until", "closed_at", "progress": [{"branch", "no_change",
/// "changed", "not_yet"}], "total"}]}`.
#[utoipa::path(get, path = "/api/v1/admin/campaigns", tag = "admin",
    responses((status = 200, description = "Every campaign with its progress per branch")))]
pub async fn list(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let items = application::campaign::list(&state.app, admin.access()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/admin/campaigns/{id}` → one campaign's progress per branch.
#[utoipa::path(get, path = "/api/v1/admin/campaigns/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "The campaign")),
    responses((status = 200, description = "The campaign's progress per branch"),
              (status = 404, description = "No such campaign")))]
pub async fn progress(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let summary =
        application::campaign::progress(&state.app, admin.access(), path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(summary))
}

/// `?format=csv` for the list of who did not answer.
#[derive(Debug, Default, Deserialize)]
pub struct Format {
    format: Option<String>,
}

/// The CSV of who did not answer: UTF-8 with a BOM, Japanese headers, no cell starting a
/// formula (`CsvFile`); names and branches, never a number.
pub fn unanswered_csv(lines: &[Unanswered]) -> Result<Vec<u8>, ApiError> {
    let fail = |e: csv::Error| ApiError::internal(&e);
    let mut out = CsvFile::for_people();
    out.row(["社員番号", "氏名", "フリガナ", "拠点", "案内"])
        .map_err(fail)?;
    for l in lines {
        out.row([
            l.employee_code.clone().unwrap_or_default(),
            l.name.clone(),
            l.name_kana.clone().unwrap_or_default(),
            l.branch.clone().unwrap_or_default(),
            if l.emailed { "メール" } else { "用紙" }.to_owned(),
        ])
        .map_err(fail)?;
    }
    Ok(out.finish().map_err(fail)?.to_vec())
}

pub(crate) fn unanswered_response(
    lines: &[Unanswered],
    format: &Format,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    match format.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({ "items": lines }))),
        Some("csv") => Ok(crate::routes::staff_pages::audit_desk::csv_response(
            &format!("kakunin-campaign-{id}-unanswered.csv"),
            unanswered_csv(lines)?,
        )),
        Some(_) => Err(ApiError::bad_request(Message::BadRequest)),
    }
}

/// `GET /api/v1/admin/campaigns/{id}/unanswered?format=json|csv` → who has not answered
/// (`{"items": [{"employee_code", "name", "name_kana", "branch", "emailed"}]}` or CSV).
#[utoipa::path(get, path = "/api/v1/admin/campaigns/{id}/unanswered", tag = "admin",
    params(("id" = Uuid, Path, description = "The campaign"),
           ("format" = Option<String>, Query, description = "`json` (default) or `csv`")),
    responses((status = 200, description = "Who has not answered: names and branches, no number"),
              (status = 404, description = "No such campaign")))]
pub async fn unanswered(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
    format: web::Query<Format>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let lines = application::campaign::unanswered(&state.app, admin.access(), id).await?;
    unanswered_response(&lines, &format, id)
}

/// Reminders sent and not sent.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Reminded {
    /// Accepted by the relay.
    pub sent: usize,
    /// Refused or unreachable (tried again at the next request after the gap).
    pub failed: usize,
}

/// Sends the reminders (the API and the page): no name, no number, no link.
pub async fn remind(state: &State, admin: &access::Admin, id: Uuid) -> Result<Reminded, ApiError> {
    let summary = application::campaign::progress(&state.app, admin, id).await?;
    let Some(mailer) = &state.mailer else {
        return Err(ApiError::from(application::AppError::Conflict(
            application::error::Conflict::NotConfigured,
        )));
    };
    let to = application::campaign::claim_reminders(&state.app, admin, id).await?;
    let letter = campaign_reminder_letter(
        &state.settings.portal.organisation_name,
        summary.year,
        summary.links_until,
    );
    let results = futures_util::stream::iter(to)
        .map(|r| {
            let letter = letter.clone();
            async move {
                let sent = mailer.send(&r.email, letter).await;
                if let Err(e) = &sent {
                    tracing::warn!(answer = %r.answer_id, error = %e, "campaign reminder not sent");
                }
                sent.is_ok()
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<bool>>()
        .await;
    let sent = results.iter().filter(|ok| **ok).count();
    Ok(Reminded {
        sent,
        failed: results.len() - sent,
    })
}

/// `POST /api/v1/admin/campaigns/{id}/reminders` → `{"sent", "failed"}`: one e-mail to each
/// employee who has not answered and got the link by e-mail (at most one a day), holding no
/// name, no number and no link.
#[utoipa::path(post, path = "/api/v1/admin/campaigns/{id}/reminders", tag = "admin",
    params(("id" = Uuid, Path, description = "The campaign"),
           ("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 200, description = "`{\"sent\", \"failed\"}`"),
              (status = 404, description = "No such campaign"),
              (status = 409, description = "The campaign is closed, or e-mail is not configured")))]
pub async fn reminders(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let reminded = remind(&state, admin.access(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(reminded))
}

/// `POST /api/v1/admin/campaigns/{id}/close` → `{"unanswered": [...]}` (audited); 409 when
/// already closed.
#[utoipa::path(post, path = "/api/v1/admin/campaigns/{id}/close", tag = "admin",
    params(("id" = Uuid, Path, description = "The campaign"),
           ("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 200, description = "`{\"unanswered\": [{\"employee_code\", \"name\", \"name_kana\", \"branch\", \"emailed\"}]}`"),
              (status = 404, description = "No such campaign"),
              (status = 409, description = "Already closed")))]
pub async fn close(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let lines = application::campaign::close(&state.app, admin.access(), path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "unanswered": lines })))
}
