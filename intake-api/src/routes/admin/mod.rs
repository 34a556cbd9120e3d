//! Auditors' and admins' room: the audit trail searched, the login history, the alerts,
//! and the three ledgers as JSON or CSV (read-only); role grants by two admins. They never see a number or an image:
//! nothing served here holds one, and every read is itself an audit entry.

mod accounts;
mod branches;
pub(crate) mod campaigns;
pub(crate) mod grants;
pub(crate) mod incidents;
pub(crate) mod invitations;

use actix_web::{HttpResponse, web};
use portal::Message;
use serde::Deserialize;
use storage::audit::AuditQuery;

use crate::error::ApiError;
use crate::ledgers::{self, Ledger};
use crate::staff_auth::Overseer;
use crate::startup::State;

/// Mounts `/api/v1/admin/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/admin")
            .service(crate::routes::endpoint("/sign-ins").get(sign_in_history))
            .service(crate::routes::endpoint("/audit").get(search_audit))
            .service(crate::routes::endpoint("/alerts").get(alerts))
            .service(crate::routes::endpoint("/ledgers/{ledger}").get(ledger))
            .service(
                crate::routes::endpoint("/grants")
                    .get(grants::pending)
                    .post(grants::propose),
            )
            .service(crate::routes::endpoint("/grants/{id}/approve").post(grants::approve))
            .service(crate::routes::endpoint("/grants/{id}/withdraw").post(grants::withdraw))
            .service(crate::routes::endpoint("/accounts").get(accounts::list))
            .service(crate::routes::endpoint("/branches").get(branches::list))
            .service(crate::routes::endpoint("/branches/{code}").put(branches::set))
            .service(crate::routes::endpoint("/accounts/{id}/disable").post(accounts::disable))
            .service(
                crate::routes::endpoint("/accounts/{id}/changes").post(accounts::propose_change),
            )
            .service(crate::routes::endpoint("/account-changes").get(accounts::pending_changes))
            .service(
                crate::routes::endpoint("/account-changes/{id}/approve")
                    .post(accounts::approve_change),
            )
            .service(
                crate::routes::endpoint("/account-changes/{id}/withdraw")
                    .post(accounts::withdraw_change),
            )
            .service(crate::routes::endpoint("/payroll-clients").get(accounts::payroll_clients))
            .service(
                crate::routes::endpoint("/payroll-clients/{name}/revoke")
                    .post(accounts::revoke_payroll_client),
            )
            .service(
                // A whole roster in one call: as many rows as the CSV upload takes.
                crate::routes::endpoint("/invitations")
                    .app_data(super::json_config(portal::roster::MAX_JSON_BYTES))
                    .get(invitations::list)
                    .post(invitations::create),
            )
            .service(
                crate::routes::endpoint("/invitations/{id}/revoke").post(invitations::revoke_one),
            )
            .service(
                crate::routes::endpoint("/invitations/{id}/reissue").post(invitations::reissue_one),
            )
            .service(
                crate::routes::endpoint("/campaigns")
                    .get(campaigns::list)
                    .post(campaigns::create),
            )
            .service(crate::routes::endpoint("/campaigns/{id}").get(campaigns::progress))
            .service(
                crate::routes::endpoint("/campaigns/{id}/unanswered").get(campaigns::unanswered),
            )
            .service(
                crate::routes::endpoint("/campaigns/{id}/reminders").post(campaigns::reminders),
            )
            .service(crate::routes::endpoint("/campaigns/{id}/close").post(campaigns::close))
            .service(
                crate::routes::endpoint("/incidents")
                    .get(incidents::list)
                    .post(incidents::open),
            )
            .service(crate::routes::endpoint("/incidents/{id}/steps").post(incidents::step))
            .service(crate::routes::endpoint("/incidents/{id}/scope").post(incidents::scope)),
    );
}

/// `GET /api/v1/admin/sign-ins`: the latest 500 staff sign-in attempts.
async fn sign_in_history(state: State, caller: Overseer) -> Result<HttpResponse, ApiError> {
    let history = application::incidents::sign_in_history(&state.app, caller.access()).await?;
    Ok(HttpResponse::Ok().json(history))
}

fn millis(text: &str) -> Result<i64, ApiError> {
    application::time_jp::parse_instant(text)
        .ok_or_else(|| ApiError::bad_request(Message::BadRequest))
}

/// The search terms of `GET /api/v1/admin/audit`.
#[derive(Debug, Default, Deserialize)]
struct AuditSearch {
    /// `staff:<id>`, `provider:<id>`, `cli`, `system`.
    actor: Option<String>,
    /// An action, or a prefix ending in `.` (`disposal.`).
    action: Option<String>,
    /// A person's, submission's, document's … id.
    about: Option<String>,
    /// RFC 3339, inclusive; or a day (`2026-11-30`, from its start in Japan).
    from: Option<String>,
    /// RFC 3339, exclusive; or a day (`2026-11-30`, to its end in Japan, inclusive).
    to: Option<String>,
    /// Paging: entries after this position.
    after: Option<i64>,
    /// At most this many (≤ 1000, default 200).
    limit: Option<i64>,
}

/// `GET /api/v1/admin/audit?actor&action&about&from&to&after&limit`: matching entries in
/// chain order, `{"entries": […], "next_after": seq|null}`.
async fn search_audit(
    state: State,
    caller: Overseer,
    search: web::Query<AuditSearch>,
) -> Result<HttpResponse, ApiError> {
    let search = search.into_inner();
    // A plain day (`2026-11-30`) is that whole day in Japan; an RFC 3339 instant is exact.
    let (from_ms, to_ms) =
        application::audit_desk::search_bounds(search.from.as_deref(), search.to.as_deref())
            .map_err(|_| ApiError::bad_request(Message::BadRequest))?;
    let query = AuditQuery {
        actor: search.actor,
        action: search.action,
        about: search.about,
        from_ms,
        to_ms,
        after_seq: search.after.unwrap_or(0).max(0),
        limit: search.limit.unwrap_or(200),
    };
    let (entries, next_after) = application::audit_desk::search(&state.app, caller.access(), query)
        .await
        .map_err(|e| match e {
            application::AppError::Invalid(_) => ApiError::bad_request(Message::BadRequest),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "entries": entries, "next_after": next_after })))
}

#[derive(Debug, Deserialize)]
struct Since {
    /// RFC 3339; default 30 days ago.
    since: Option<String>,
}

/// `GET /api/v1/admin/alerts?since`: alerts raised since then, newest first.
async fn alerts(
    state: State,
    caller: Overseer,
    query: web::Query<Since>,
) -> Result<HttpResponse, ApiError> {
    let since = match query.since.as_deref() {
        Some(text) => millis(text)?,
        None => application::time_jp::now_millis() - 30 * 86_400_000,
    };
    let alerts = application::incidents::alerts(&state.app, caller.access(), since).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "alerts": alerts })))
}

#[derive(Debug, Deserialize)]
struct Format {
    format: Option<String>,
}

/// `GET /api/v1/admin/ledgers/{files|exports|disposals}[?format=csv]`: a ledger as JSON,
/// or as the CSV file that `kakunin ledger …` prints (downloaded as an attachment).
async fn ledger(
    state: State,
    caller: Overseer,
    path: web::Path<Ledger>,
    format: web::Query<Format>,
) -> Result<HttpResponse, ApiError> {
    let ledger = path.into_inner();
    let csv = match format.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::bad_request(Message::BadRequest)),
    };
    let rows =
        application::audit_desk::ledger_rows(&state.app, caller.access(), ledger, csv).await?;
    let rows = ledgers::with_purposes(rows, &state.settings.portal.purposes);
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-store"));
    if csv {
        let bytes = ledgers::csv(&rows).map_err(|e| ApiError::internal(&e))?;
        return Ok(response
            .insert_header(("Content-Type", "text/csv; charset=utf-8"))
            .insert_header((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"kakunin-{}-ledger.csv\"",
                    ledger.code()
                ),
            ))
            .body(bytes));
    }
    Ok(response.json(ledgers::json(&rows)))
}

/// The file ledger's entries for the auditors' page (the read is an audit entry first).
pub(crate) async fn file_ledger_entries(
    state: &State,
    overseer: &application::access::Overseer,
) -> Result<Vec<storage::ledgers::FileLedgerEntry>, ApiError> {
    let rows =
        application::audit_desk::ledger_rows(&state.app, overseer, Ledger::Files, false).await?;
    match ledgers::with_purposes(rows, &state.settings.portal.purposes) {
        application::audit_desk::LedgerRows::Files(entries) => Ok(entries),
        _ => Err(ApiError::internal(&"the file ledger")),
    }
}
