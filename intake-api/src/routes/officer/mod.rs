//! The officer's room: the queue in the officer's scope, claims, the item view, audited
//! unsealing of images and numbers, and the decisions (verify, corrections, reject).
//!
//! Anything outside the officer's scope answers 404, exactly like something that does not
//! exist; other roles get 403 before any lookup.

pub(crate) mod disposal;
pub(crate) mod release;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use portal::Message;
use serde::Deserialize;
use storage::StorageError;
use storage::person::Relationship;
use storage::review::{CorrectionItem, VerificationRecord};
use uuid::Uuid;
use verifier::decisions::{CorrectionReason, RejectionReason, parse_message};
use verifier::queue::QueueFilter;
use verifier::rules::{self, Person, RuleViolation, VerificationClaim};

use storage::SubmissionState;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::staff_auth::{Officer, StaffCaller};
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

/// Decision errors: a missing claim and an incomplete verification say so.
fn decision_error(e: StorageError) -> ApiError {
    match e {
        StorageError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, Message::ClaimRequired),
        StorageError::Invalid(_) => ApiError::invalid(Message::VerificationIncomplete),
        other => other.into(),
    }
}

/// `GET /api/v1/officer/queue?state&branch&older_than_days&flagged_duplicates&declined`.
async fn queue(
    state: State,
    officer: Officer,
    filter: web::Query<QueueFilter>,
) -> Result<HttpResponse, ApiError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let query = filter
        .query(now)
        .map_err(|_| ApiError::bad_request(Message::BadRequest))?;
    crate::number_index::index_pending(&state, None).await?;
    let entries = state
        .vault
        .queue_page(officer.0.session.account_id, &query)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries })))
}

/// `POST /api/v1/officer/claims` → `{"submission_id"}`, or 204 when nothing waits.
async fn claim_next(state: State, officer: Officer) -> Result<HttpResponse, ApiError> {
    let claimed = state
        .vault
        .claim_next(
            &officer.0.audit,
            officer.0.session.account_id,
            state.settings.staff.claim_minutes * 60_000,
        )
        .await?;
    Ok(match claimed {
        Some(id) => HttpResponse::Ok().json(serde_json::json!({ "submission_id": id })),
        None => HttpResponse::NoContent().finish(),
    })
}

/// `GET /api/v1/officer/submissions/{id}`: typed data (numbers masked to the last 4)
/// beside the list of documents.
async fn item(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut item = state
        .vault
        .review_item(officer.0.session.account_id, path.into_inner())
        .await?;
    crate::number_index::with_last4s(&state, &mut item.status).await?;
    Ok(HttpResponse::Ok().json(item))
}

pub(crate) fn unsealer(state: &State) -> Result<&storage::sealing::Unsealer, ApiError> {
    state
        .keys
        .unsealer()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, Message::NotServedHere))
}

/// `GET /api/v1/officer/documents/{id}/image`: the image, unsealed in memory after its
/// audit entry committed (no entry, no image).
async fn document_image(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    unsealer(&state)?;
    let (sealed, receipt) = state
        .vault
        .sealed_document_for_officer(
            &officer.0.audit,
            officer.0.session.account_id,
            path.into_inner(),
        )
        .await?;
    let worker = state.clone();
    let image = tokio::task::spawn_blocking(move || {
        unsealer(&worker)?
            .unseal(&sealed, &receipt)
            .map_err(|e| ApiError::internal(&e))
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
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
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let number = reveal(&state, &officer.0, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "number": number.as_str() })))
}

/// A subject's number in scope, unsealed after its `number.reveal` entry committed.
pub(crate) async fn reveal(
    state: &State,
    officer: &StaffCaller,
    subject: Uuid,
) -> Result<Zeroizing<String>, ApiError> {
    let (sealed, receipt) = state
        .vault
        .sealed_number_for_officer(&officer.audit, officer.session.account_id, subject)
        .await?;
    let plaintext = unsealer(state)?
        .unseal(&sealed, &receipt)
        .map_err(|e| ApiError::internal(&e))?;
    let number = std::str::from_utf8(&plaintext).map_err(|e| ApiError::internal(&e))?;
    Ok(Zeroizing::new(number.to_owned()))
}

/// One person's verification as stated by the officer (API body or page form).
#[derive(Debug, Deserialize)]
pub(crate) struct SubjectVerification {
    pub(crate) subject_id: Uuid,
    #[serde(flatten)]
    pub(crate) claim: VerificationClaim,
}

#[derive(Debug, Deserialize)]
struct VerifyBody {
    subjects: Vec<SubjectVerification>,
}

fn rule_message(v: RuleViolation) -> Message {
    match v {
        RuleViolation::NotificationCardUnconfirmed => Message::NotificationCardUnconfirmed,
        RuleViolation::PhotoIdMissing => Message::PhotoIdMissing,
        RuleViolation::TwoNonPhotoDocumentsMissing => Message::TwoNonPhotoDocumentsMissing,
        RuleViolation::FaceToFaceOnlyForEmployees => Message::FaceToFaceOnlyForEmployees,
        RuleViolation::AttestationOnlyForDependants => Message::AttestationOnlyForDependants,
        RuleViolation::Category3SpouseNeedsEmployer => Message::Category3SpouseNeedsEmployer,
        RuleViolation::Category3OnlyForSpouse => Message::Category3OnlyForSpouse,
        RuleViolation::AttestationMustCoverBoth => Message::AttestationMustCoverBoth,
    }
}

/// `POST /api/v1/officer/submissions/{id}/verify` `{"subjects": [{subject_id,
/// number_check, identity_check, identity_documents?, …}]}`: the rule table decides;
/// the checker is the signed-in officer and the date the server clock.
async fn verify(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
    body: web::Json<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let new_state =
        verify_submission(&state, &officer.0, path.into_inner(), &body.subjects).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

/// Checks each person's claim against the rule table and records the verification.
pub(crate) async fn verify_submission(
    state: &State,
    officer: &StaffCaller,
    submission: Uuid,
    subjects: &[SubjectVerification],
) -> Result<SubmissionState, ApiError> {
    let account = officer.session.account_id;
    let item = state.vault.review_item(account, submission).await?;
    let people = state
        .vault
        .claimed_subjects(account, submission)
        .await
        .map_err(decision_error)?;
    let mut records = Vec::new();
    for entry in subjects {
        let (_, relationship) = people
            .iter()
            .find(|(id, _)| *id == entry.subject_id)
            .ok_or_else(|| ApiError::invalid(Message::VerificationIncomplete))?;
        let person = Person {
            relationship: Relationship::from_code(relationship)
                .ok_or_else(|| ApiError::internal(&"stored relationship"))?,
            is_employee: item.kind == "employee",
        };
        // Whether a spouse files as 第3号 (so the employer must verify, not the employee's
        // attestation) is what the person declared and storage holds, never what the
        // request says: a body that left the field out must not pass the attestation.
        let claim = VerificationClaim {
            category3_spouse: item
                .status
                .subjects
                .iter()
                .any(|s| s.subject_id == entry.subject_id && s.category3_spouse),
            ..entry.claim.clone()
        };
        let accepted =
            rules::check(person, &claim).map_err(|v| ApiError::invalid(rule_message(v)))?;
        records.push(VerificationRecord {
            subject_id: entry.subject_id,
            number_check: accepted.number_check,
            identity_check: accepted.identity_check,
            documents: accepted.documents,
        });
    }
    state
        .vault
        .record_verification(
            &officer.audit,
            account,
            submission,
            &records,
            state.settings.staff.destroy_images_after_verification,
        )
        .await
        .map_err(decision_error)
}

/// One item to redo, as the officer states it (API body or page form).
#[derive(Debug, Deserialize)]
pub(crate) struct CorrectionEntry {
    pub(crate) subject_id: Option<Uuid>,
    pub(crate) document_id: Option<Uuid>,
    pub(crate) reason: CorrectionReason,
    #[serde(default)]
    pub(crate) message: String,
}

#[derive(Debug, Deserialize)]
struct CorrectionsBody {
    items: Vec<CorrectionEntry>,
}

/// `POST /api/v1/officer/submissions/{id}/corrections` `{"items": [{subject_id?,
/// document_id?, reason, message}]}`: back to the provider; fine fields are kept.
async fn request_corrections(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
    body: web::Json<CorrectionsBody>,
) -> Result<HttpResponse, ApiError> {
    let new_state = send_back(&state, &officer.0, path.into_inner(), &body.items).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

/// Sends a claimed submission back with the items to redo.
pub(crate) async fn send_back(
    state: &State,
    officer: &StaffCaller,
    submission: Uuid,
    entries: &[CorrectionEntry],
) -> Result<SubmissionState, ApiError> {
    let account = officer.session.account_id;
    state.vault.review_item(account, submission).await?;
    if entries.is_empty() {
        return Err(ApiError::invalid(Message::BadRequest));
    }
    let items: Vec<CorrectionItem> = entries
        .iter()
        .map(|i| {
            Ok(CorrectionItem {
                subject_id: i.subject_id,
                document_id: i.document_id,
                reason: i.reason.code(),
                message: parse_message(&i.message)
                    .map_err(|_| ApiError::invalid(Message::MessageInvalid))?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    state
        .vault
        .request_corrections(&officer.audit, account, submission, &items)
        .await
        .map_err(decision_error)
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
    path: web::Path<Uuid>,
    body: web::Json<RejectBody>,
) -> Result<HttpResponse, ApiError> {
    let new_state = reject_submission(
        &state,
        &officer.0,
        path.into_inner(),
        body.reason,
        &body.note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

/// Rejects a claimed submission with a reason and a note (the note stays internal).
pub(crate) async fn reject_submission(
    state: &State,
    officer: &StaffCaller,
    submission: Uuid,
    reason: RejectionReason,
    note: &str,
) -> Result<SubmissionState, ApiError> {
    let account = officer.session.account_id;
    state.vault.review_item(account, submission).await?;
    let note = parse_message(note).map_err(|_| ApiError::invalid(Message::MessageInvalid))?;
    state
        .vault
        .reject_submission(&officer.audit, account, submission, reason.code(), &note)
        .await
        .map_err(decision_error)
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
    path: web::Path<Uuid>,
    body: web::Json<NeededUntilBody>,
) -> Result<HttpResponse, ApiError> {
    let submission = path.into_inner();
    state
        .vault
        .review_item(officer.0.session.account_id, submission)
        .await?;
    let date = time::Date::parse(
        &body.needed_until,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| ApiError::invalid(Message::BirthDateFormat))?;
    state
        .vault
        .set_needed_until(&officer.0.audit, submission, date)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
