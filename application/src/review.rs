//! The officer's review (本人確認): the queue in scope, claims, the item view, audited
//! unsealing of images and numbers, and the three decisions — verify, send back for
//! corrections, reject — plus when a record stops being needed.
//!
//! Every function takes an [`Officer`]: the storage handle it uses carries the officer's
//! scope in every query, so anything outside it is `NotFound`. The checker and the date of
//! a verification come from the caller and the server clock, never from the request.

use domain::{DocumentId, SubjectId, SubmissionId, SubmissionState};
use serde::Deserialize;
use storage::person::Relationship;
use storage::review::{
    CorrectionItem, QueueEntry, QueueQuery, ReliedOn, ReviewItem, VerificationRecord,
};
use storage::submissions::DocumentKind;
use verifier::decisions::{CorrectionReason, RejectionReason, parse_message};
use verifier::rules::{self, Channel, Choices, Evidence, Person, VerificationClaim};
use zeroize::Zeroizing;

use crate::access::Officer;
use crate::app::App;
use crate::error::{AppError, Invalid};
use crate::numbers;

/// One page of the queue in the officer's scope, the duplicate flags made current first.
pub async fn queue(
    app: &App,
    officer: &Officer,
    query: &QueueQuery,
) -> Result<Vec<QueueEntry>, AppError> {
    numbers::index_pending(app, None).await?;
    Ok(officer.vault(&app.vault).queue_page(query).await?)
}

/// Claims the oldest waiting submission in scope, or `None` when nothing waits.
pub async fn claim_next(app: &App, officer: &Officer) -> Result<Option<SubmissionId>, AppError> {
    Ok(officer
        .vault(&app.vault)
        .claim_next(officer.audit(), app.policy.staff.claim_minutes * 60_000)
        .await?
        .map(SubmissionId::from))
}

/// A submission in scope with its people (the last four digits of their numbers, derived
/// on this internal side) and documents.
pub async fn item(
    app: &App,
    officer: &Officer,
    submission: SubmissionId,
) -> Result<ReviewItem, AppError> {
    let mut item = officer
        .vault(&app.vault)
        .review_item(submission.uuid())
        .await?;
    numbers::with_last4s(app, &mut item.status).await?;
    Ok(item)
}

/// A document's image, unsealed in memory only after its audit entry committed (no entry,
/// no image), of what the person handed in, in scope.
pub async fn document_image(
    app: &App,
    officer: &Officer,
    document: DocumentId,
) -> Result<Zeroizing<Vec<u8>>, AppError> {
    app.unsealer()?;
    let (sealed, receipt) = officer
        .vault(&app.vault)
        .sealed_document_for_officer(officer.audit(), document.uuid())
        .await?;
    let unsealer = app.unsealer()?.clone();
    tokio::task::spawn_blocking(move || {
        unsealer
            .unseal(&sealed, &receipt)
            .map_err(|e| AppError::internal(&e))
    })
    .await
    .map_err(|e| AppError::internal(&e))?
}

/// A person's number, unsealed in memory only after its audit entry committed.
pub async fn reveal_number(
    app: &App,
    officer: &Officer,
    subject: SubjectId,
) -> Result<Zeroizing<String>, AppError> {
    let unsealer = app.unsealer()?;
    let (sealed, receipt) = officer
        .vault(&app.vault)
        .sealed_number_for_officer(officer.audit(), subject.uuid())
        .await?;
    let plaintext = unsealer
        .unseal(&sealed, &receipt)
        .map_err(|e| AppError::internal(&e))?;
    let number = std::str::from_utf8(&plaintext).map_err(|e| AppError::internal(&e))?;
    Ok(Zeroizing::new(number.to_owned()))
}

/// One person's verification as the officer states it (API body or page form).
#[derive(Debug, Clone, Deserialize)]
pub struct SubjectVerification {
    /// The person.
    pub subject_id: SubjectId,
    /// How the number and the identity were checked.
    #[serde(flatten)]
    pub claim: VerificationClaim,
}

/// How a submission reached the employer: the channel of the latest hand-in by staff on
/// the person's behalf, else online (the person uploaded it).
pub fn channel_of(item: &ReviewItem) -> Channel {
    match item.assisted.last().map(|a| a.channel.as_str()) {
        Some("in_person") => Channel::InPerson,
        Some("post") => Channel::Post,
        _ => Channel::Online,
    }
}

/// What the officer has before them for one person: the kinds of that person's photos and
/// of the originals a collector recorded as seen, the channel, and the day (Japan time).
pub fn evidence_for(item: &ReviewItem, subject: SubjectId) -> Evidence {
    let mut kinds: Vec<DocumentKind> = item
        .status
        .documents
        .iter()
        .filter(|d| SubjectId::from(d.subject_id) == subject)
        .map(|d| d.kind)
        .collect();
    // A collector's record of originals seen is per submission: the originals were handed
    // over together, and the officer states whose they were.
    kinds.extend(
        item.assisted
            .iter()
            .flat_map(|a| a.documents_seen.iter())
            .filter_map(|code| DocumentKind::from_code(code)),
    );
    Evidence {
        channel: channel_of(item),
        kinds,
        checked_on: crate::time_jp::today(),
    }
}

/// Who a person on the submission is, for the rule table.
fn person_of(
    item: &ReviewItem,
    relationship: &str,
    subject: SubjectId,
) -> Result<Person, AppError> {
    Ok(Person {
        relationship: Relationship::from_code(relationship)
            .ok_or_else(|| AppError::internal(&"stored relationship"))?,
        is_employee: item.kind == "employee",
        // Evidence from the upload pipeline (issue 19), never from the request.
        card_qr_differs: item.status.documents.iter().any(|d| {
            SubjectId::from(d.subject_id) == subject && d.qr_check == Some(domain::QrCheck::Differs)
        }),
    })
}

/// The choices the verify form offers for each person of a submission: only what the
/// evidence and the channel allow today, pre-selected from the uploads.
pub fn verify_choices(item: &ReviewItem) -> Result<Vec<(SubjectId, Choices)>, AppError> {
    item.status
        .subjects
        .iter()
        .map(|s| {
            let id = SubjectId::from(s.subject_id);
            let person = person_of(item, s.relationship.code(), id)?;
            let mut choices = rules::choices(person, &evidence_for(item, id));
            if s.category3_spouse {
                // The employer verifies a 第3号 spouse: the employee's attestation is no choice.
                choices
                    .number_checks
                    .retain(|c| *c != rules::NumberCheck::EmployeeAttestation);
                choices
                    .identity_checks
                    .retain(|c| *c != rules::IdentityCheck::EmployeeAttestation);
                choices.suggested_number_check = choices.number_checks.first().copied();
                choices.suggested_identity_check = choices.identity_checks.first().copied();
            }
            Ok((id, choices))
        })
        .collect()
}

/// Checks each person's claim against the rule table — on the evidence of that person, the
/// channel and the day — and records 本人確認 for every person of a claimed submission
/// with the rule version; it becomes verified.
pub async fn verify(
    app: &App,
    officer: &Officer,
    submission: SubmissionId,
    subjects: &[SubjectVerification],
) -> Result<SubmissionState, AppError> {
    let vault = officer.vault(&app.vault);
    let item = vault.review_item(submission.uuid()).await?;
    let people = vault.claimed_subjects(submission.uuid()).await?;
    let mut records = Vec::new();
    for entry in subjects {
        let (_, relationship) = people
            .iter()
            .find(|(id, _)| SubjectId::from(*id) == entry.subject_id)
            .ok_or(AppError::Invalid(Invalid::VerificationIncomplete))?;
        let person = person_of(&item, relationship, entry.subject_id)?;
        // Whether a spouse files as 第3号 (so the employer must verify, not the employee's
        // attestation) is what the person declared and storage holds, never what the
        // request says: a body that left the field out must not pass the attestation.
        // The officer's reason for relying on a card whose QR differs is free text that
        // staff pages show and the trail keeps: the typed-text rule applies (no control,
        // bidi or invisible character, at most 500 characters), like every message.
        let qr_override_reason = entry
            .claim
            .qr_override_reason
            .as_deref()
            .map(verifier::decisions::parse_message)
            .transpose()
            .map_err(|_| AppError::Invalid(Invalid::Message))?;
        let claim =
            VerificationClaim {
                category3_spouse: item.status.subjects.iter().any(|s| {
                    SubjectId::from(s.subject_id) == entry.subject_id && s.category3_spouse
                }),
                qr_override_reason,
                ..entry.claim.clone()
            };
        let accepted = rules::check(person, &claim, &evidence_for(&item, entry.subject_id))?;
        records.push(VerificationRecord {
            subject_id: entry.subject_id.uuid(),
            number_check: accepted.number_check,
            identity_check: accepted.identity_check,
            documents: accepted.documents,
            relied_on: accepted
                .relied_on
                .iter()
                .map(|d| ReliedOn {
                    kind: d.kind.to_owned(),
                    valid_until: d.valid_until.map(|v| v.to_string()),
                })
                .collect(),
            rule_version: accepted.rule_version,
            qr_override_reason: accepted.qr_override_reason,
        });
    }
    vault
        .record_verification(
            officer.audit(),
            submission.uuid(),
            &records,
            app.policy.staff.destroy_images_after_verification,
        )
        .await
        .map_err(decision_error)
}

/// One item to redo, as the officer states it (API body or page form).
#[derive(Debug, Clone, Deserialize)]
pub struct CorrectionEntry {
    /// The person concerned, if any.
    pub subject_id: Option<SubjectId>,
    /// The photo concerned, if any.
    pub document_id: Option<DocumentId>,
    /// Why.
    pub reason: CorrectionReason,
    /// The officer's words to the provider.
    #[serde(default)]
    pub message: String,
}

/// Sends a claimed submission back with the items to redo; what was fine is kept.
pub async fn send_back(
    app: &App,
    officer: &Officer,
    submission: SubmissionId,
    entries: &[CorrectionEntry],
) -> Result<SubmissionState, AppError> {
    let vault = officer.vault(&app.vault);
    vault.review_item(submission.uuid()).await?;
    if entries.is_empty() {
        return Err(AppError::Invalid(Invalid::Request));
    }
    let items = entries
        .iter()
        .map(|i| {
            Ok(CorrectionItem {
                subject_id: i.subject_id.map(SubjectId::uuid),
                document_id: i.document_id.map(DocumentId::uuid),
                reason: i.reason.code(),
                message: parse_message(&i.message)
                    .map_err(|_| AppError::Invalid(Invalid::Message))?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    vault
        .request_corrections(officer.audit(), submission.uuid(), &items)
        .await
        .map_err(decision_error)
}

/// Rejects a claimed submission with a reason and a note (the note stays internal).
pub async fn reject(
    app: &App,
    officer: &Officer,
    submission: SubmissionId,
    reason: RejectionReason,
    note: &str,
) -> Result<SubmissionState, AppError> {
    let vault = officer.vault(&app.vault);
    vault.review_item(submission.uuid()).await?;
    let note = parse_message(note).map_err(|_| AppError::Invalid(Invalid::Message))?;
    vault
        .reject_submission(officer.audit(), submission.uuid(), reason.code(), &note)
        .await
        .map_err(decision_error)
}

/// When a submission's numbers stop being needed (a leaving date, the end of a payee's
/// contract): disposal falls due after the retention period of the purposes.
pub async fn set_needed_until(
    app: &App,
    officer: &Officer,
    submission: SubmissionId,
    needed_until: &str,
) -> Result<(), AppError> {
    let date = time::Date::parse(
        needed_until,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::Invalid(Invalid::Date))?;
    Ok(officer
        .vault(&app.vault)
        .set_needed_until(officer.audit(), submission.uuid(), date)
        .await?)
}

/// A decision's storage refusal: every person needs exactly one verification.
fn decision_error(e: storage::StorageError) -> AppError {
    match e {
        storage::StorageError::Invalid(_) => AppError::Invalid(Invalid::VerificationIncomplete),
        other => other.into(),
    }
}
