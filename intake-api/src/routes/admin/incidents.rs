//! Incident records (情報漏えい等事案) for the person responsible and the auditors: open a
//! record, establish the affected people from the audit trail (the PPC report is due
//! above 100 people), and keep the timeline — reported, notified, closed — in order.
//! Texts are free and stay out of the audit trail; each step is an audit entry.

use actix_web::{HttpResponse, web};
use portal::Message;
use serde::Deserialize;
use storage::incidents::{IncidentScope, IncidentStep};
use storage::typed_text::{self, Lines};
use uuid::Uuid;

use super::millis;
use crate::error::ApiError;
use crate::staff_auth::{Overseer, StaffCaller};
use crate::startup::State;

/// Longest title or step text.
const MAX_TEXT: usize = 2000;

/// A title takes one line; a description or a step's text several.
fn typed(text: &str, lines: Lines) -> Result<String, ApiError> {
    typed_text::parse(text, lines, MAX_TEXT).map_err(|_| ApiError::invalid(Message::MessageInvalid))
}

#[derive(Debug, Deserialize)]
pub(super) struct OpenBody {
    title: String,
    #[serde(default)]
    description: String,
}

/// `POST /api/v1/admin/incidents` `{"title", "description"}` → 201 `{"incident_id"}`.
pub(super) async fn open(
    state: State,
    caller: Overseer,
    body: web::Json<OpenBody>,
) -> Result<HttpResponse, ApiError> {
    let id = open_record(&state, &caller.0, &body.title, &body.description).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "incident_id": id })))
}

/// Opens an incident record (title required; texts checked).
pub(crate) async fn open_record(
    state: &State,
    caller: &StaffCaller,
    title: &str,
    description: &str,
) -> Result<Uuid, ApiError> {
    let title = typed(title, Lines::One)?;
    if title.is_empty() {
        return Err(ApiError::invalid(Message::MessageInvalid));
    }
    let description = typed(description, Lines::Many)?;
    Ok(state
        .vault
        .open_incident(&caller.audit, &title, &description)
        .await?)
}

/// `GET /api/v1/admin/incidents`: every record with its timeline, newest first.
pub(super) async fn list(state: State, _caller: Overseer) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "items": state.vault.incident_records().await? })))
}

#[derive(Debug, Deserialize)]
pub(super) struct StepBody {
    step: IncidentStep,
    #[serde(default)]
    text: String,
}

/// `POST /api/v1/admin/incidents/{id}/steps` `{"step": "note"|"reported"|"notified"|"closed",
/// "text"}`: 409 once closed.
pub(super) async fn step(
    state: State,
    caller: Overseer,
    path: web::Path<Uuid>,
    body: web::Json<StepBody>,
) -> Result<HttpResponse, ApiError> {
    record_step(&state, &caller.0, path.into_inner(), body.step, &body.text).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a step typed by a person (not `opened` or `scope`, which the system writes).
pub(crate) async fn record_step(
    state: &State,
    caller: &StaffCaller,
    incident: Uuid,
    step: IncidentStep,
    text: &str,
) -> Result<(), ApiError> {
    let text = typed(text, Lines::Many)?;
    if matches!(step, IncidentStep::Opened | IncidentStep::Scope) {
        return Err(ApiError::invalid(Message::BadRequest));
    }
    state
        .vault
        .add_incident_step(&caller.audit, incident, step, &text)
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub(super) struct ScopeBody {
    /// `staff:<id>` of the accounts concerned.
    actors: Vec<String>,
    /// RFC 3339.
    from: String,
    /// RFC 3339.
    to: String,
}

/// `POST /api/v1/admin/incidents/{id}/scope` `{"actors", "from", "to"}`: the people whose
/// numbers or images those accounts unsealed in the period (names, counts; never a
/// number), recorded on the timeline with the count and whether the PPC report is due.
pub(super) async fn scope(
    state: State,
    caller: Overseer,
    path: web::Path<Uuid>,
    body: web::Json<ScopeBody>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = (millis(&body.from)?, millis(&body.to)?);
    let scope = establish_scope(
        &state,
        &caller.0,
        path.into_inner(),
        &body.actors,
        (from, &body.from),
        (to, &body.to),
    )
    .await?;
    Ok(HttpResponse::Ok().json(scope))
}

/// The people `actors` unsealed in `[from, to)`, recorded on the incident's timeline with
/// the count and whether the PPC report is due by count. The bounds come as Unix ms with
/// the text the person gave (for the timeline).
pub(crate) async fn establish_scope(
    state: &State,
    caller: &StaffCaller,
    incident: Uuid,
    actors: &[String],
    from: (i64, &str),
    to: (i64, &str),
) -> Result<IncidentScope, ApiError> {
    if actors.is_empty() || actors.len() > 100 {
        return Err(ApiError::invalid(Message::BadRequest));
    }
    let scope = state.vault.incident_scope(actors, from.0, to.0).await?;
    let text = format!(
        "{} people affected ({} … {}, accounts: {}); PPC report due by count: {}",
        scope.people.len(),
        from.1,
        to.1,
        actors.join(", "),
        if scope.ppc_report_due { "yes" } else { "no" }
    );
    state
        .vault
        .add_incident_step(&caller.audit, incident, IncidentStep::Scope, &text)
        .await?;
    Ok(scope)
}
