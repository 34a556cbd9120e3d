//! Disposal (廃棄) with dual control: the list of what is due, a proposal by one officer,
//! the approval by another (password and TOTP again), after which the numbers' and
//! images' ciphertexts are gone and the disposal ledger holds the record. Both officers
//! must have the submission in scope; out of scope is indistinguishable from missing.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use storage::AuditEvent;
use storage::retention::{DisposalDue, DisposalRecord};
use uuid::Uuid;

use crate::error::ApiError;
use crate::staff_auth::{self, Officer, StaffCaller};
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
    let items = due_in_scope(&state, &officer.0, query.notice_days.unwrap_or(30)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// What is due (or due within `notice_days`) in the officer's scope; the read is audited.
pub(crate) async fn due_in_scope(
    state: &State,
    officer: &StaffCaller,
    notice_days: i64,
) -> Result<Vec<DisposalDue>, ApiError> {
    let notice = notice_days.clamp(0, 366);
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date();
    let items = state
        .vault
        .as_staff(officer.session.account_id.into())
        .disposal_list(today, notice)
        .await?;
    state
        .vault
        .record(
            &officer.audit,
            AuditEvent::success(storage::audit::actions::DISPOSAL_LIST, None)
                .with_detail(serde_json::json!({ "notice_days": notice, "items": items.len() })),
        )
        .await?;
    Ok(items)
}

#[derive(Debug, Deserialize)]
pub(super) struct ProposeBody {
    submission_id: Uuid,
}

/// `POST /api/v1/officer/disposals` `{"submission_id"}` → 201 `{"disposal_id"}`; 409 when
/// the submission is not verified or released, or a proposal already waits.
pub(super) async fn propose(
    state: State,
    officer: Officer,
    body: web::Json<ProposeBody>,
) -> Result<HttpResponse, ApiError> {
    let id = propose_disposal(&state, &officer.0, body.submission_id).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "disposal_id": id })))
}

/// One officer proposes disposing of a submission in scope.
pub(crate) async fn propose_disposal(
    state: &State,
    officer: &StaffCaller,
    submission: Uuid,
) -> Result<Uuid, ApiError> {
    Ok(state
        .vault
        .as_staff(officer.session.account_id.into())
        .propose_disposal(&officer.audit, submission)
        .await?)
}

/// What the approver types again.
/// `POST /api/v1/officer/disposals/{id}/approve` `{"password", "totp"}`: a second officer
/// approves; the ciphertexts are destroyed and the disposal record returned. The proposer
/// gets 403 (and an audit entry of the refusal).
pub(super) async fn approve(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
    body: web::Json<staff_auth::StepUp>,
) -> Result<HttpResponse, ApiError> {
    let record = approve_disposal(&state, &officer.0, path.into_inner(), &body).await?;
    Ok(HttpResponse::Ok().json(record))
}

/// A second officer approves a disposal in scope, after typing the password and a TOTP
/// code again; the proposer is refused (403, audited).
pub(crate) async fn approve_disposal(
    state: &State,
    officer: &StaffCaller,
    disposal_id: Uuid,
    step_up: &staff_auth::StepUp,
) -> Result<DisposalRecord, ApiError> {
    staff_auth::reauthenticate(state, officer, &step_up.password, &step_up.totp).await?;
    Ok(state
        .vault
        .as_staff(officer.session.account_id.into())
        .approve_disposal(&officer.audit, disposal_id)
        .await?)
}
