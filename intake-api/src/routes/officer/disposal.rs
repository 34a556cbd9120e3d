//! Disposal (廃棄) over the officer API: the list of what is due, a proposal by one officer,
//! the approval by another (password and TOTP again). The flow is `application::disposal`,
//! the same the pages and `kakunin retention dispose` use.

use actix_web::{HttpResponse, web};
use application::disposal;
use domain::{DisposalId, PersonId, SubjectId, SubmissionId};
use serde::Deserialize;

use crate::error::ApiError;
use crate::staff_auth::{Officer, StepUp};
use crate::startup::State;

#[derive(Debug, Deserialize)]
pub(super) struct DueQuery {
    /// Also list what falls due within this many days (default 30, at most 366).
    notice_days: Option<i64>,
}

/// `GET /api/v1/officer/disposals/due?notice_days`: records in scope whose retention has
/// ended (`overdue`) or ends within the notice period, oldest first, and the people and
/// versions due on their own date (`person_id`, `subject_id`, `relationship`).
pub(super) async fn due(
    state: State,
    officer: Officer,
    query: web::Query<DueQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = disposal::due(
        &state.app,
        officer.access(),
        query.notice_days.unwrap_or(30),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Debug, Deserialize)]
pub(super) struct ProposeBody {
    submission_id: Option<SubmissionId>,
    person_id: Option<PersonId>,
    subject_id: Option<SubjectId>,
}

/// `POST /api/v1/officer/disposals` `{"submission_id"}` (a whole record), `{"person_id"}`
/// (an ended dependant) or `{"subject_id"}` (a superseded version, or replaced photos) →
/// 201 `{"disposal_id"}`; 409 when the submission is not verified or released, or a
/// proposal already waits; 422 when the person or version is not due yet.
pub(super) async fn propose(
    state: State,
    officer: Officer,
    body: web::Json<ProposeBody>,
) -> Result<HttpResponse, ApiError> {
    let target = disposal::Target::named(body.submission_id, body.person_id, body.subject_id)?;
    let id = disposal::propose(&state.app, officer.access(), target).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "disposal_id": id })))
}

/// `POST /api/v1/officer/disposals/{id}/approve` `{"password", "totp"}`: a second officer
/// approves; the ciphertexts are destroyed and the disposal record returned. The proposer
/// gets 403 (separation of duties, audited).
pub(super) async fn approve(
    state: State,
    officer: Officer,
    path: web::Path<DisposalId>,
    body: web::Json<StepUp>,
) -> Result<HttpResponse, ApiError> {
    let record = disposal::approve(&state.app, officer.access(), path.into_inner(), &body).await?;
    Ok(HttpResponse::Ok().json(record))
}
