//! Incident records (情報漏えい等事案), JSON for the person responsible and the auditors:
//! adapters of `application::incidents` (open, list, steps, the affected people).

use actix_web::{HttpResponse, web};
use application::incidents::{self, Period};
use serde::Deserialize;
use storage::incidents::IncidentStep;
use uuid::Uuid;

use crate::error::ApiError;
use crate::staff_auth::Overseer;
use crate::startup::State;

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
    let id = incidents::open(&state.app, caller.access(), &body.title, &body.description).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "incident_id": id })))
}

/// `GET /api/v1/admin/incidents`: every record with its timeline, newest first.
pub(super) async fn list(state: State, caller: Overseer) -> Result<HttpResponse, ApiError> {
    let items = incidents::records(&state.app, caller.access()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
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
    incidents::record_step(
        &state.app,
        caller.access(),
        path.into_inner(),
        body.step,
        &body.text,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
    let period = Period::from_rfc3339(&body.from, &body.to)
        .map_err(|_| ApiError::bad_request(portal::Message::BadRequest))?;
    let scope = incidents::establish_scope(
        &state.app,
        caller.access(),
        path.into_inner(),
        &body.actors,
        &period,
    )
    .await?;
    Ok(HttpResponse::Ok().json(scope))
}
