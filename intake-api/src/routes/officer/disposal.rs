//! Disposal (廃棄) over the officer API: the list of what is due, a proposal by one officer,
//! the approval by another (password and TOTP again). The flow is `application::disposal`,
//! the same the pages and `kakunin retention dispose` use.

use actix_web::{HttpResponse, web};
use application::disposal;
use domain::{DisposalId, SubmissionId};
use serde::Deserialize;

use crate::error::ApiError;
use crate::staff_auth::{Officer, StepUp};
use crate::startup::State;

#[derive(Debug, Deserialize)]
pub(super) struct DueQuery {
    /// Also list what falls due within this many days (default 30, at most 366).
    notice_days: Option<i64>,
}

/// `GET /api/v1/officer/disposals/due?notice_days`: submissions in scope whose retention has
/// ended (`overdue`) or ends within the notice period, oldest first.
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
    submission_id: SubmissionId,
}

/// `POST /api/v1/officer/disposals` `{"submission_id"}` → 201 `{"disposal_id"}`; 409 when
/// the submission is not verified or released, or a proposal already waits.
pub(super) async fn propose(
    state: State,
    officer: Officer,
    body: web::Json<ProposeBody>,
) -> Result<HttpResponse, ApiError> {
    let id = disposal::propose(&state.app, officer.access(), body.submission_id).await?;
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
