//! The officer's room: the queue in the officer's scope, claims, the item view, audited
//! unsealing of images and numbers, and the decisions (verify, corrections, reject).
//!
//! Anything outside the officer's scope answers 404, exactly like something that does not
//! exist; other roles get 403 before any lookup.

pub(crate) mod disposal;
pub(crate) mod release;

use actix_web::{HttpResponse, web};
use application::review;
use domain::{DocumentId, SubjectId, SubmissionId};
use portal::Message;
use serde::Deserialize;
use verifier::decisions::RejectionReason;
use verifier::queue::QueueFilter;

use crate::error::ApiError;
use crate::staff_auth::Officer;
use crate::startup::State;

/// Mounts `/api/v1/officer/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/officer")
            .service(crate::routes::endpoint("/queue").get(queue))
            .service(crate::routes::endpoint("/claims").post(claim_next))
            .service(crate::routes::endpoint("/submissions/{id}").get(item))
            .service(crate::routes::endpoint("/submissions/{id}/verify").post(verify))
            .service(
                crate::routes::endpoint("/submissions/{id}/corrections").post(request_corrections),
            )
            .service(crate::routes::endpoint("/submissions/{id}/reject").post(reject))
            .service(
                crate::routes::endpoint("/submissions/{id}/needed-until").put(set_needed_until),
            )
            .service(crate::routes::endpoint("/documents/{id}/image").get(document_image))
            .service(crate::routes::endpoint("/subjects/{id}/reveal").post(reveal_number))
            .service(
                crate::routes::endpoint("/releases")
                    .app_data(super::json_config(release::PROPOSE_JSON_LIMIT))
                    .post(release::propose),
            )
            .service(crate::routes::endpoint("/releases/{id}/approve").post(release::approve))
            .service(crate::routes::endpoint("/releases/{id}/export").post(release::download))
            .service(crate::routes::endpoint("/disposals/due").get(disposal::due))
            .service(crate::routes::endpoint("/disposals").post(disposal::propose))
            .service(crate::routes::endpoint("/disposals/{id}/approve").post(disposal::approve)),
    );
}

/// `GET /api/v1/officer/queue?state&branch&older_than_days&flagged_duplicates&declined`.
async fn queue(
    state: State,
    officer: Officer,
    filter: web::Query<QueueFilter>,
) -> Result<HttpResponse, ApiError> {
    let query = filter
        .query(application::time_jp::now_millis())
        .map_err(|_| ApiError::bad_request(Message::BadRequest))?;
    let entries = review::queue(&state.app, officer.access(), &query).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries })))
}

/// `POST /api/v1/officer/claims` → `{"submission_id"}`, or 204 when nothing waits.
async fn claim_next(state: State, officer: Officer) -> Result<HttpResponse, ApiError> {
    Ok(
        match review::claim_next(&state.app, officer.access()).await? {
            Some(id) => HttpResponse::Ok().json(serde_json::json!({ "submission_id": id })),
            None => HttpResponse::NoContent().finish(),
        },
    )
}

/// `GET /api/v1/officer/submissions/{id}`: typed data (numbers masked to the last 4)
/// beside the list of documents.
async fn item(
    state: State,
    officer: Officer,
    path: web::Path<SubmissionId>,
) -> Result<HttpResponse, ApiError> {
    let item = review::item(&state.app, officer.access(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `GET /api/v1/officer/documents/{id}/image`: the image, unsealed in memory after its
/// audit entry committed (no entry, no image).
async fn document_image(
    state: State,
    officer: Officer,
    path: web::Path<DocumentId>,
) -> Result<HttpResponse, ApiError> {
    let image = review::document_image(&state.app, officer.access(), path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "image/jpeg"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(image.to_vec()))
}

/// `POST /api/v1/officer/subjects/{id}/reveal` → `{"number"}`, audited first.
async fn reveal_number(
    state: State,
    officer: Officer,
    path: web::Path<SubjectId>,
) -> Result<HttpResponse, ApiError> {
    let number = review::reveal_number(&state.app, officer.access(), path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "number": number.as_str() })))
}

#[derive(Debug, Deserialize)]
struct VerifyBody {
    subjects: Vec<review::SubjectVerification>,
}

/// `POST /api/v1/officer/submissions/{id}/verify` `{"subjects": [{subject_id,
/// number_check, identity_check, identity_documents?, …}]}`: the rule table decides;
/// the checker is the signed-in officer and the date the server clock.
async fn verify(
    state: State,
    officer: Officer,
    path: web::Path<SubmissionId>,
    body: web::Json<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let new_state = review::verify(
        &state.app,
        officer.access(),
        path.into_inner(),
        &body.subjects,
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

#[derive(Debug, Deserialize)]
struct CorrectionsBody {
    items: Vec<review::CorrectionEntry>,
}

/// `POST /api/v1/officer/submissions/{id}/corrections` `{"items": [{subject_id?,
/// document_id?, reason, message}]}`: back to the provider; fine fields are kept.
async fn request_corrections(
    state: State,
    officer: Officer,
    path: web::Path<SubmissionId>,
    body: web::Json<CorrectionsBody>,
) -> Result<HttpResponse, ApiError> {
    let new_state =
        review::send_back(&state.app, officer.access(), path.into_inner(), &body.items).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

#[derive(Debug, Deserialize)]
struct RejectBody {
    reason: RejectionReason,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/officer/submissions/{id}/reject` `{"reason", "note"}`.
async fn reject(
    state: State,
    officer: Officer,
    path: web::Path<SubmissionId>,
    body: web::Json<RejectBody>,
) -> Result<HttpResponse, ApiError> {
    let new_state = review::reject(
        &state.app,
        officer.access(),
        path.into_inner(),
        body.reason,
        &body.note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

#[derive(Debug, Deserialize)]
struct NeededUntilBody {
    /// `YYYY-MM-DD`: the leaving date, the end of a payee's contract, ….
    needed_until: String,
}

/// `PUT /api/v1/officer/submissions/{id}/needed-until` `{"needed_until": "YYYY-MM-DD"}`:
/// when the person's numbers stop being needed; disposal falls due after the retention
/// period of the purposes (see `kakunin retention list`). Scoped like every item.
async fn set_needed_until(
    state: State,
    officer: Officer,
    path: web::Path<SubmissionId>,
    body: web::Json<NeededUntilBody>,
) -> Result<HttpResponse, ApiError> {
    review::set_needed_until(
        &state.app,
        officer.access(),
        path.into_inner(),
        &body.needed_until,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
