//! What a provider hands in: the people (subjects), their sealed numbers and documents,
//! and the transitions of the submission. Every write checks that the subject belongs
//! to the caller's submission and that the submission is still editable.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::{ProviderSession, parse_uuid};
use crate::keys::SealedNumber;
use crate::person::{BirthDate, FilingDetails, NameKana, NoNumberReason, PersonName, Relationship};
use crate::state::{IllegalTransition, SubmissionState};
use crate::vault::now_millis;
use crate::{StorageError, Vault};

pub use domain::DocumentKind;

/// A person's details as typed, parsed, with the number already sealed.
#[derive(Debug, Clone)]
pub struct SubjectInput {
    /// Self or a dependant's relationship.
    pub relationship: Relationship,
    /// Name.
    pub name: PersonName,
    /// Furigana.
    pub name_kana: NameKana,
    /// Birth date.
    pub birth_date: BirthDate,
    /// The number, sealed; `None` only for a dependant with a [`NoNumberReason`].
    pub number: Option<SealedNumber>,
    /// Why a dependant has no number.
    pub no_number_reason: Option<NoNumberReason>,
    /// Address, alphabetic name, 通称, 旧姓.
    pub details: FilingDetails,
}

/// A document photo after scrubbing and sealing.
#[derive(Debug, Clone)]
pub struct SealedDocument {
    /// What it shows.
    pub kind: DocumentKind,
    /// The age ciphertext of the scrubbed JPEG.
    pub sealed: Vec<u8>,
    /// Width of the stored image.
    pub width: u32,
    /// Height of the stored image.
    pub height: u32,
    /// Metadata categories removed (JSON-serializable codes).
    pub removed_metadata: Vec<String>,
    /// Quality warnings (codes).
    pub warnings: Vec<String>,
    /// What the card-back QR said, when it was looked for (see [`SealedQr`]).
    pub qr: Option<SealedQr>,
}

/// What the upload pipeline found in a card-back photo's QR code, ready to store: the
/// outcomes it knows at once, or the number it read, sealed to the internal identity
/// (a public instance cannot compare it with the typed number; `crate::card_qr`).
#[derive(Clone)]
pub enum SealedQr {
    /// No QR code in the photo.
    NoQr,
    /// A QR code that did not hold a valid number.
    Unreadable,
    /// The age ciphertext of the twelve digits the QR held.
    Number(Vec<u8>),
}

/// Prints only which case it is.
impl std::fmt::Debug for SealedQr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoQr => "NoQr",
            Self::Unreadable => "Unreadable",
            Self::Number(_) => "Number(sealed)",
        })
    }
}

/// A stored document as the provider or an officer sees it (no image, no number).
#[derive(Debug, Clone, Serialize)]
pub struct DocumentSummary {
    /// Its id.
    pub document_id: Uuid,
    /// Whose document.
    pub subject_id: Uuid,
    /// What it shows.
    pub kind: DocumentKind,
    /// Stored size.
    pub width: u32,
    /// Stored size.
    pub height: u32,
    /// Metadata categories removed.
    pub removed_metadata: Vec<String>,
    /// Quality warnings.
    pub warnings: Vec<String>,
    /// What the card-back QR said against the typed number (`None`: not looked for).
    pub qr_check: Option<domain::QrCheck>,
    /// When (Unix ms).
    pub created_at: i64,
}

/// The outcome of storing a document: a retried upload returns the first one.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// The document.
    pub summary: DocumentSummary,
    /// False when an upload with the same idempotency key was already stored.
    pub created: bool,
}

/// A person on a submission, with only the last four digits of the number.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectSummary {
    /// Its id.
    pub subject_id: Uuid,
    /// Self or relationship.
    pub relationship: Relationship,
    /// Name.
    pub name: String,
    /// Furigana.
    pub name_kana: String,
    /// Birth date (ISO).
    pub birth_date: String,
    /// Whether a number is saved (all a provider is ever shown of it).
    pub number_saved: bool,
    /// The last four digits, for an officer to recognise the person by: filled in only on
    /// the internal side, from the sealed derivation ([`Vault::show_last4s`]); never
    /// stored or shown where a public instance can read it (invariant 6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_last4: Option<String>,
    /// The employee attests having checked this dependant's identity.
    pub identity_attested: bool,
    /// A spouse filing as 国民年金第3号被保険者 (the employer verifies them).
    pub category3_spouse: bool,
    /// 住所.
    pub address: Option<String>,
    /// アルファベット氏名.
    pub name_alphabetic: Option<String>,
    /// 通称.
    pub common_name: Option<String>,
    /// 旧姓.
    pub former_surname: Option<String>,
    /// Why this dependant has no number (`living_abroad`, `newborn_not_yet_numbered`).
    pub no_number_reason: Option<String>,
    /// The person's stable id across the years (issue 17).
    pub person_id: Option<Uuid>,
    /// On a change after verification: what changed (`add_dependant`, `name`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_kind: Option<String>,
    /// On a change: from when (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_effective_on: Option<String>,
}

/// What the employee declares about a dependant on the 扶養控除等申告書.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DependantDeclaration {
    /// The employee checked the dependant's identity and attests it.
    pub identity_attested: bool,
    /// The dependant is a spouse filing as 国民年金第3号被保険者: the employer must verify
    /// them, so documents are required as for the employee.
    pub category3_spouse: bool,
}

/// A change to a person's details; `number: None` keeps the saved number (the portal
/// never shows a saved number back, so a form left blank means "unchanged").
#[derive(Debug, Clone)]
pub struct SubjectEdit {
    /// Self or a dependant's relationship (cannot change between the two).
    pub relationship: Relationship,
    /// Name.
    pub name: PersonName,
    /// Furigana.
    pub name_kana: NameKana,
    /// Birth date.
    pub birth_date: BirthDate,
    /// The new number, sealed, or `None` to keep the saved one.
    pub number: Option<SealedNumber>,
    /// For a dependant still without a number: why (kept when a number is given: cleared).
    pub no_number_reason: Option<NoNumberReason>,
    /// Address, alphabetic name, 通称, 旧姓 (replaced).
    pub details: FilingDetails,
}

impl From<&SubjectInput> for SubjectEdit {
    fn from(input: &SubjectInput) -> Self {
        Self {
            relationship: input.relationship,
            name: input.name.clone(),
            name_kana: input.name_kana.clone(),
            birth_date: input.birth_date,
            number: input.number.clone(),
            no_number_reason: input.no_number_reason,
            details: input.details.clone(),
        }
    }
}

/// The number or the reason for its absence: exactly one (self always has a number).
fn check_number_or_reason(
    relationship: Relationship,
    number: Option<&SealedNumber>,
    reason: Option<NoNumberReason>,
) -> Result<(), StorageError> {
    match (number, reason) {
        (Some(_), None) => Ok(()),
        (None, Some(_)) if relationship != Relationship::Myself => Ok(()),
        _ => Err(StorageError::Invalid(
            "a number, or for a dependant the reason there is none",
        )),
    }
}

fn opt_text<T>(value: &Option<T>, text: impl Fn(&T) -> &str) -> Option<String> {
    value.as_ref().map(|v| text(v).to_owned())
}

/// A submission's status as its provider sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionStatus {
    /// Its id.
    pub submission_id: Uuid,
    /// Where it stands.
    pub state: SubmissionState,
    /// The people on it.
    pub subjects: Vec<SubjectSummary>,
    /// Their documents.
    pub documents: Vec<DocumentSummary>,
    /// When it was handed in (Unix ms).
    pub submitted_at: Option<i64>,
    /// What the officer asked to redo and why, until the provider hands it in again.
    pub corrections: Vec<CorrectionNotice>,
}

/// One item an officer asked to redo (訂正依頼): a person's details, one document, or
/// (neither set) the submission as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionNotice {
    /// The person concerned, if any.
    pub subject_id: Option<Uuid>,
    /// The document concerned, if any.
    pub document_id: Option<Uuid>,
    /// The reason code (`blurry`, `glare`, `back_side_missing`, …).
    pub reason: String,
    /// The officer's message to the provider (free text, shown escaped).
    pub message: String,
    /// When it was asked (Unix ms).
    pub requested_at: i64,
    /// When the provider handed the submission in again (Unix ms); `None` while open.
    pub resolved_at: Option<i64>,
}

/// What is missing before a submission can be handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingItem {
    /// The provider's own details and number.
    OwnDetails,
    /// At least one document for the provider.
    OwnDocuments,
    /// A dependant whose identity the employee has not attested (a category-3 spouse is
    /// verified by the employer from their documents instead).
    DependantAttestation,
    /// Documents for a spouse filing as 国民年金第3号被保険者.
    SpouseDocuments,
}

impl Vault {
    /// Saves (creates or replaces) the provider's own details and number.
    pub async fn save_self_subject(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        input: &SubjectInput,
    ) -> Result<Uuid, StorageError> {
        check_number_or_reason(
            input.relationship,
            input.number.as_ref(),
            input.no_number_reason,
        )?;
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query(
            "SELECT id FROM subjects WHERE submission_id = $1 AND relationship = 'self' AND removed_at IS NULL",
        )
        .bind(session.submission_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| parse_uuid(&row.try_get::<String, _>("id")?))
        .transpose()?;
        let touches = existing.map_or(Touches::Submission, Touches::Details);
        require_editable(&mut tx, session.submission_id, touches).await?;
        let subject_id = match existing {
            Some(id) => {
                update_subject(&mut tx, id, input).await?;
                id
            }
            None => insert_subject(&mut tx, session.submission_id, input).await?,
        };
        audit_subject_save(&mut tx, ctx, session.submission_id, subject_id, input).await?;
        tx.commit().await?;
        Ok(subject_id)
    }

    /// Adds a dependant to the provider's submission.
    pub async fn add_dependant(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        input: &SubjectInput,
    ) -> Result<Uuid, StorageError> {
        self.add_dependant_declared(ctx, session, input, DependantDeclaration::default())
            .await
    }

    /// Adds a dependant with what the employee declares about them, in one transaction.
    /// Payees have no dependants.
    pub async fn add_dependant_declared(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        input: &SubjectInput,
        declaration: DependantDeclaration,
    ) -> Result<Uuid, StorageError> {
        if input.relationship == Relationship::Myself {
            return Err(StorageError::Invalid("a dependant cannot be 'self'"));
        }
        if session.kind == crate::invitations::InvitationKind::Payee {
            return Err(StorageError::Invalid("a payee has no dependants"));
        }
        check_number_or_reason(
            input.relationship,
            input.number.as_ref(),
            input.no_number_reason,
        )?;
        let mut tx = self.begin_write().await?;
        require_editable(&mut tx, session.submission_id, Touches::Submission).await?;
        let subject_id = insert_subject(&mut tx, session.submission_id, input).await?;
        declare(&mut tx, subject_id, input.relationship, declaration).await?;
        audit_subject_save(&mut tx, ctx, session.submission_id, subject_id, input).await?;
        tx.commit().await?;
        Ok(subject_id)
    }

    /// Changes a subject of the caller's submission (the provider or a dependant); a
    /// dependant's declaration is replaced when given. Self stays self and a dependant
    /// stays a dependant.
    pub async fn edit_subject(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        subject_id: Uuid,
        edit: &SubjectEdit,
        declaration: Option<DependantDeclaration>,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        require_editable(&mut tx, session.submission_id, Touches::Details(subject_id)).await?;
        let current = subject_relationship(&mut tx, session.submission_id, subject_id).await?;
        if (current == Relationship::Myself) != (edit.relationship == Relationship::Myself) {
            return Err(StorageError::Invalid("self and dependants cannot swap"));
        }
        sqlx::query(
            "UPDATE subjects SET relationship = $1, name = $2, name_kana = $3, birth_date = $4, updated_at = $5 \
             WHERE id = $6",
        )
        .bind(edit.relationship.code())
        .bind(edit.name.as_str().to_owned())
        .bind(edit.name_kana.as_str().to_owned())
        .bind(edit.birth_date.to_iso())
        .bind(now_millis())
        .bind(subject_id.to_string())
        .execute(&mut *tx)
        .await?;
        write_details(&mut tx, subject_id, &edit.details).await?;
        sqlx::query(
            "UPDATE people SET relationship = $1 WHERE kind = 'dependant' \
             AND id = (SELECT person_id FROM subjects WHERE id = $2)",
        )
        .bind(edit.relationship.code())
        .bind(subject_id.to_string())
        .execute(&mut *tx)
        .await?;
        if let Some(number) = &edit.number {
            sqlx::query(
                "UPDATE subjects SET number_sealed = $1, number_saved_at = $2, no_number_reason = NULL \
                 WHERE id = $3",
            )
            .bind(number.sealed.clone())
            .bind(now_millis())
            .bind(subject_id.to_string())
            .execute(&mut *tx)
            .await?;
        } else if let Some(reason) = edit.no_number_reason {
            // Only a dependant still without a number can change why.
            sqlx::query(
                "UPDATE subjects SET no_number_reason = $1 WHERE id = $2 AND number_sealed IS NULL \
                 AND relationship <> 'self'",
            )
            .bind(reason.code())
            .bind(subject_id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        renew_number_ref(&mut tx, subject_id).await?;
        if let Some(declaration) = declaration.filter(|_| current != Relationship::Myself) {
            declare(&mut tx, subject_id, edit.relationship, declaration).await?;
        }
        let event = AuditEvent::success(actions::SUBJECT_SAVE, format!("subject:{subject_id}"))
            .with_detail(serde_json::json!({
                "submission": session.submission_id,
                "relationship": edit.relationship.code(),
                "number_sealed": edit.number.is_some(),
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a dependant (soft: the row is kept with `removed_at`, its documents drop
    /// out of the submission). The provider themself cannot be removed.
    pub async fn remove_dependant(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        subject_id: Uuid,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        require_editable(&mut tx, session.submission_id, Touches::Submission).await?;
        if subject_relationship(&mut tx, session.submission_id, subject_id).await?
            == Relationship::Myself
        {
            return Err(StorageError::Invalid("the provider cannot be removed"));
        }
        let now = now_millis();
        sqlx::query("UPDATE subjects SET removed_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(subject_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE documents SET replaced_at = $1 WHERE subject_id = $2 AND replaced_at IS NULL",
        )
        .bind(now)
        .bind(subject_id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(actions::SUBJECT_REMOVE, format!("subject:{subject_id}"))
            .with_detail(serde_json::json!({"submission": session.submission_id}));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a sealed document for one of the submission's subjects, with its audit
    /// entry, in one transaction. A retry with the same idempotency key returns the
    /// document stored the first time instead of a duplicate.
    pub async fn store_document(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        subject_id: Uuid,
        document: &SealedDocument,
        idempotency_key: Option<&str>,
        replaces: Option<Uuid>,
    ) -> Result<StoredDocument, StorageError> {
        let mut tx = self.begin_write().await?;
        require_subject_of(&mut tx, submission_id, subject_id).await?;
        require_editable(&mut tx, submission_id, Touches::Photos(subject_id)).await?;
        if let Some(key) = idempotency_key {
            let existing = sqlx::query(DOCUMENT_SELECT_BY_KEY)
                .bind(subject_id.to_string())
                .bind(key.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = existing {
                return Ok(StoredDocument {
                    summary: document_summary(&row)?,
                    created: false,
                });
            }
        }
        let id = Uuid::now_v7();
        let now = now_millis();
        let removed =
            serde_json::to_string(&document.removed_metadata).unwrap_or_else(|_| "[]".into());
        let warnings = serde_json::to_string(&document.warnings).unwrap_or_else(|_| "[]".into());
        let sha = <sha2::Sha256 as sha2::Digest>::digest(&document.sealed).to_vec();
        let (qr_check, qr_sealed) = match &document.qr {
            None => (None, None),
            Some(SealedQr::NoQr) => (Some(domain::QrCheck::NoQr), None),
            Some(SealedQr::Unreadable) => (Some(domain::QrCheck::Unreadable), None),
            Some(SealedQr::Number(sealed)) => {
                (Some(domain::QrCheck::Pending), Some(sealed.clone()))
            }
        };
        sqlx::query(
            "INSERT INTO documents (id, submission_id, subject_id, kind, sealed, sealed_sha256, sealed_len, \
             width, height, removed_metadata, warnings, uploaded_by, idempotency_key, created_at, \
             qr_check, qr_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(id.to_string())
        .bind(submission_id.to_string())
        .bind(subject_id.to_string())
        .bind(document.kind.code())
        .bind(document.sealed.clone())
        .bind(sha)
        .bind(document.sealed.len() as i64)
        .bind(i64::from(document.width))
        .bind(i64::from(document.height))
        .bind(removed)
        .bind(warnings)
        .bind(ctx.actor.label())
        .bind(idempotency_key.map(str::to_owned))
        .bind(now)
        .bind(qr_check.map(|c| c.code()))
        .bind(qr_sealed)
        .execute(&mut *tx)
        .await?;
        if let Some(old) = replaces {
            // A retake: the old photo leaves the submission (its ciphertext stays until
            // disposal, like any replaced document); it must be this person's, and live.
            let replaced = sqlx::query(
                "UPDATE documents SET replaced_at = $1 WHERE id = $2 AND subject_id = $3 \
                 AND submission_id = $4 AND replaced_at IS NULL",
            )
            .bind(now)
            .bind(old.to_string())
            .bind(subject_id.to_string())
            .bind(submission_id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if replaced != 1 {
                return Err(StorageError::NotFound);
            }
        }
        let event = AuditEvent::success(actions::DOCUMENT_SEAL, format!("document:{id}"))
            .with_detail(serde_json::json!({
                "submission": submission_id,
                "subject": subject_id,
                "kind": document.kind.code(),
                "sealed_bytes": document.sealed.len(),
                "removed_metadata": document.removed_metadata,
                "replaces": replaces,
                "qr_check": qr_check.map(|c| c.code()),
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(StoredDocument {
            summary: DocumentSummary {
                document_id: id,
                subject_id,
                kind: document.kind,
                width: document.width,
                height: document.height,
                removed_metadata: document.removed_metadata.clone(),
                warnings: document.warnings.clone(),
                qr_check,
                created_at: now,
            },
            created: true,
        })
    }

    /// Hands in the submission (or its corrections) if nothing is missing.
    pub async fn submit(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
    ) -> Result<Result<SubmissionState, Vec<MissingItem>>, StorageError> {
        let mut tx = self.begin_write().await?;
        let outcome = hand_in(&mut tx, ctx, session.submission_id).await?;
        if outcome.is_ok() {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(outcome)
    }

    /// What still blocks handing in the submission (read only; `submit` checks again).
    pub async fn missing_items(
        &self,
        submission_id: Uuid,
    ) -> Result<Vec<MissingItem>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let missing = missing_items(&mut tx, submission_id).await?;
        tx.rollback().await?;
        Ok(missing)
    }

    /// Records that the provider declines to provide a number, with the reason.
    pub async fn decline(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        reason: &str,
    ) -> Result<SubmissionState, StorageError> {
        let mut tx = self.begin_write().await?;
        let state = apply_transition(
            &mut tx,
            ctx,
            session.submission_id,
            SubmissionState::decline,
        )
        .await?;
        sqlx::query("UPDATE submissions SET declined_reason = $1 WHERE id = $2")
            .bind(reason.to_owned())
            .bind(session.submission_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// The provider's view of their submission.
    pub async fn submission_status(
        &self,
        submission_id: Uuid,
    ) -> Result<SubmissionStatus, StorageError> {
        let row = sqlx::query("SELECT state, submitted_at FROM submissions WHERE id = $1")
            .bind(submission_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let state = parse_state(&row.try_get::<String, _>("state")?)?;
        let subjects = sqlx::query(
            "SELECT id, relationship, name, name_kana, birth_date, CAST(CASE WHEN number_sealed IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS number_saved, \
             identity_attested, category3_spouse, address, name_alphabetic, common_name, former_surname, \
             no_number_reason, person_id, change_kind, change_effective_on FROM subjects \
             WHERE submission_id = $1 AND removed_at IS NULL ORDER BY created_at, id",
        )
        .bind(submission_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SubjectSummary {
                subject_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                relationship: Relationship::from_code(&r.try_get::<String, _>("relationship")?)
                    .ok_or(StorageError::Corrupt("relationship"))?,
                name: r.try_get("name")?,
                name_kana: r.try_get("name_kana")?,
                birth_date: r.try_get("birth_date")?,
                number_saved: r.try_get::<i64, _>("number_saved")? != 0,
                number_last4: None,
                identity_attested: r.try_get::<i64, _>("identity_attested")? != 0,
                category3_spouse: r.try_get::<i64, _>("category3_spouse")? != 0,
                address: r.try_get("address")?,
                name_alphabetic: r.try_get("name_alphabetic")?,
                common_name: r.try_get("common_name")?,
                former_surname: r.try_get("former_surname")?,
                no_number_reason: r.try_get("no_number_reason")?,
                person_id: r
                    .try_get::<Option<String>, _>("person_id")?
                    .map(|p| parse_uuid(&p))
                    .transpose()?,
                change_kind: r.try_get("change_kind")?,
                change_effective_on: r.try_get("change_effective_on")?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
        let documents = sqlx::query(
            "SELECT id, subject_id, kind, width, height, removed_metadata, warnings, qr_check, created_at FROM documents \
             WHERE submission_id = $1 AND replaced_at IS NULL ORDER BY created_at, id",
        )
        .bind(submission_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(document_summary)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(SubmissionStatus {
            submission_id,
            state,
            subjects,
            documents,
            submitted_at: row.try_get("submitted_at")?,
            corrections: self.corrections(submission_id, true).await?,
        })
    }

    /// The correction requests of a submission, oldest first: only the open ones, or
    /// the whole history.
    pub async fn corrections(
        &self,
        submission_id: Uuid,
        open_only: bool,
    ) -> Result<Vec<CorrectionNotice>, StorageError> {
        let sql = if open_only {
            "SELECT subject_id, document_id, reason, message, requested_at, resolved_at \
             FROM correction_requests WHERE submission_id = $1 AND resolved_at IS NULL \
             ORDER BY requested_at, id"
        } else {
            "SELECT subject_id, document_id, reason, message, requested_at, resolved_at \
             FROM correction_requests WHERE submission_id = $1 ORDER BY requested_at, id"
        };
        sqlx::query(sql)
            .bind(submission_id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let id = |col: &str| -> Result<Option<Uuid>, StorageError> {
                    r.try_get::<Option<String>, _>(col)?
                        .map(|v| parse_uuid(&v))
                        .transpose()
                };
                Ok(CorrectionNotice {
                    subject_id: id("subject_id")?,
                    document_id: id("document_id")?,
                    reason: r.try_get("reason")?,
                    message: r.try_get("message")?,
                    requested_at: r.try_get("requested_at")?,
                    resolved_at: r.try_get("resolved_at")?,
                })
            })
            .collect()
    }
}

const DOCUMENT_SELECT_BY_KEY: &str = "SELECT id, subject_id, kind, width, height, removed_metadata, warnings, qr_check, created_at \
     FROM documents WHERE subject_id = $1 AND idempotency_key = $2";

fn document_summary(r: &sqlx::any::AnyRow) -> Result<DocumentSummary, StorageError> {
    let json_list = |col: &str| -> Result<Vec<String>, StorageError> {
        serde_json::from_str(&r.try_get::<String, _>(col)?)
            .map_err(|_| StorageError::Corrupt("document metadata"))
    };
    Ok(DocumentSummary {
        document_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
        subject_id: parse_uuid(&r.try_get::<String, _>("subject_id")?)?,
        kind: DocumentKind::from_code(&r.try_get::<String, _>("kind")?)
            .ok_or(StorageError::Corrupt("document kind"))?,
        width: u32::try_from(r.try_get::<i64, _>("width")?).unwrap_or(0),
        height: u32::try_from(r.try_get::<i64, _>("height")?).unwrap_or(0),
        removed_metadata: json_list("removed_metadata")?,
        warnings: json_list("warnings")?,
        qr_check: r
            .try_get::<Option<String>, _>("qr_check")?
            .map(|c| domain::QrCheck::from_code(&c).ok_or(StorageError::Corrupt("qr check")))
            .transpose()?,
        created_at: r.try_get("created_at")?,
    })
}

fn parse_state(code: &str) -> Result<SubmissionState, StorageError> {
    SubmissionState::from_code(code).ok_or(StorageError::Corrupt("submission state"))
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Applies one transition (a function of [`SubmissionState`]) to a submission inside
/// `tx`, with its audit entry. The update is conditional on the state read, so a
/// concurrent change makes it fail instead of being overwritten.
pub(crate) async fn apply_transition(
    tx: &mut Tx,
    ctx: &AuditContext,
    submission_id: Uuid,
    transition: fn(SubmissionState) -> Result<SubmissionState, IllegalTransition>,
) -> Result<SubmissionState, StorageError> {
    let from = current_state(tx, submission_id).await?;
    let to = transition(from)?;
    let updated = sqlx::query(
        "UPDATE submissions SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.code())
    .bind(now_millis())
    .bind(submission_id.to_string())
    .bind(from.code())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StorageError::Conflict("the submission changed meanwhile"));
    }
    if matches!(to, SubmissionState::Rejected | SubmissionState::Disposed) {
        // The collection is over: its employee code may be invited again (migration 0020).
        sqlx::query(
            "UPDATE invitations SET live_employee_code = NULL WHERE id = \
             (SELECT invitation_id FROM submissions WHERE id = $1)",
        )
        .bind(submission_id.to_string())
        .execute(&mut **tx)
        .await?;
    }
    let event = AuditEvent::success(
        actions::SUBMISSION_TRANSITION,
        format!("submission:{submission_id}"),
    )
    .with_detail(serde_json::json!({"from": from.code(), "to": to.code()}));
    audit::append(tx, ctx, &event).await?;
    Ok(to)
}

/// Hands a submission in inside `tx` if nothing is missing: the transition, the time,
/// and the open correction requests marked answered. The caller commits.
pub(crate) async fn hand_in(
    tx: &mut Tx,
    ctx: &AuditContext,
    submission_id: Uuid,
) -> Result<Result<SubmissionState, Vec<MissingItem>>, StorageError> {
    let missing = missing_items(tx, submission_id).await?;
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let state = apply_transition(tx, ctx, submission_id, SubmissionState::submit).await?;
    // A change handed in while a re-confirmation campaign is open is the employee's answer.
    crate::campaign::note_change_handed_in(tx, ctx, submission_id).await?;
    // A card read never saved with the details is not handed in (photo first).
    crate::card_reads::forget_submission(tx, submission_id).await?;
    let now = now_millis();
    sqlx::query("UPDATE submissions SET submitted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(submission_id.to_string())
        .execute(&mut **tx)
        .await?;
    // Handing in again answers the open correction requests.
    sqlx::query(
        "UPDATE correction_requests SET resolved_at = $1 WHERE submission_id = $2 \
         AND resolved_at IS NULL",
    )
    .bind(now)
    .bind(submission_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(Ok(state))
}

pub(crate) async fn current_state(
    tx: &mut Tx,
    submission_id: Uuid,
) -> Result<SubmissionState, StorageError> {
    let row = sqlx::query("SELECT state FROM submissions WHERE id = $1")
        .bind(submission_id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::NotFound)?;
    parse_state(&row.try_get::<String, _>("state")?)
}

/// What a change touches, for the correction rule.
#[derive(Debug, Clone, Copy)]
enum Touches {
    /// The submission as a whole (adding or removing a person).
    Submission,
    /// A person's typed details or number.
    Details(Uuid),
    /// A person's photos.
    Photos(Uuid),
}

/// Whether the provider (or staff on their behalf) may make this change now. While
/// corrections are requested, only what an officer flagged can change: a person's details
/// when a request names the person without a photo, a person's photos when a request
/// names the person or one of their photos, anything when a request names no one.
/// Everything else stays as the officer saw it.
async fn require_editable(
    tx: &mut Tx,
    submission_id: Uuid,
    touches: Touches,
) -> Result<(), StorageError> {
    let state = current_state(tx, submission_id).await?;
    if !state.provider_can_edit() {
        return Err(StorageError::Illegal(IllegalTransition {
            from: state,
            attempted: "edited",
        }));
    }
    if state != SubmissionState::CorrectionRequested {
        return Ok(());
    }
    // A request about the submission as a whole (no person named) opens all of it.
    let whole = sqlx::query(
        "SELECT 1 AS one FROM correction_requests WHERE submission_id = $1 \
         AND resolved_at IS NULL AND subject_id IS NULL AND document_id IS NULL",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if whole.is_some() {
        return Ok(());
    }
    let (subject, details_only) = match touches {
        Touches::Submission => return Err(StorageError::NotFlagged),
        Touches::Details(subject) => (subject, true),
        Touches::Photos(subject) => (subject, false),
    };
    let sql = if details_only {
        "SELECT 1 AS one FROM correction_requests WHERE submission_id = $1 AND subject_id = $2 \
         AND resolved_at IS NULL AND document_id IS NULL"
    } else {
        "SELECT 1 AS one FROM correction_requests WHERE submission_id = $1 AND subject_id = $2 \
         AND resolved_at IS NULL"
    };
    sqlx::query(sql)
        .bind(submission_id.to_string())
        .bind(subject.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or(StorageError::NotFlagged)
}

async fn require_subject_of(
    tx: &mut Tx,
    submission_id: Uuid,
    subject_id: Uuid,
) -> Result<(), StorageError> {
    sqlx::query(
        "SELECT 1 FROM subjects WHERE id = $1 AND submission_id = $2 AND removed_at IS NULL",
    )
    .bind(subject_id.to_string())
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or(StorageError::NotFound)
}

async fn subject_relationship(
    tx: &mut Tx,
    submission_id: Uuid,
    subject_id: Uuid,
) -> Result<Relationship, StorageError> {
    let row = sqlx::query(
        "SELECT relationship FROM subjects WHERE id = $1 AND submission_id = $2 AND removed_at IS NULL",
    )
    .bind(subject_id.to_string())
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    Relationship::from_code(&row.try_get::<String, _>("relationship")?)
        .ok_or(StorageError::Corrupt("relationship"))
}

/// Records a dependant's declaration; only a spouse can be a category-3 spouse.
async fn declare(
    tx: &mut Tx,
    subject_id: Uuid,
    relationship: Relationship,
    declaration: DependantDeclaration,
) -> Result<(), StorageError> {
    let category3 = declaration.category3_spouse && relationship == Relationship::Spouse;
    sqlx::query("UPDATE subjects SET identity_attested = $1, category3_spouse = $2 WHERE id = $3")
        .bind(i64::from(declaration.identity_attested))
        .bind(i64::from(category3))
        .bind(subject_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Gives the subject's saved number a new ref: whatever the internal side derived from
/// it (blind index, last four digits, the duplicate check against the name and birth
/// date) is then stale and is derived again (see [`crate::number_index`]).
async fn renew_number_ref(tx: &mut Tx, subject_id: Uuid) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE subjects SET number_ref = $1, number_pending = 1 WHERE id = $2 AND number_sealed IS NOT NULL",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(subject_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_subject(
    tx: &mut Tx,
    submission_id: Uuid,
    input: &SubjectInput,
) -> Result<Uuid, StorageError> {
    let id = Uuid::now_v7();
    let now = now_millis();
    // Without a number there is nothing to derive an index from: not pending, no ref.
    let numbered = input.number.is_some();
    sqlx::query(
        "INSERT INTO subjects (id, submission_id, relationship, name, name_kana, birth_date, number_sealed, \
         number_ref, number_saved_at, number_pending, created_at, updated_at, no_number_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $9, $11)",
    )
    .bind(id.to_string())
    .bind(submission_id.to_string())
    .bind(input.relationship.code())
    .bind(input.name.as_str().to_owned())
    .bind(input.name_kana.as_str().to_owned())
    .bind(input.birth_date.to_iso())
    .bind(input.number.as_ref().map(|n| n.sealed.clone()))
    .bind(numbered.then(|| Uuid::now_v7().to_string()))
    .bind(now)
    .bind(i64::from(numbered))
    .bind(input.no_number_reason.map(NoNumberReason::code))
    .execute(&mut **tx)
    .await?;
    write_details(tx, id, &input.details).await?;
    crate::history::link_new_subject(tx, submission_id, id, input.relationship).await?;
    Ok(id)
}

async fn update_subject(
    tx: &mut Tx,
    subject_id: Uuid,
    input: &SubjectInput,
) -> Result<(), StorageError> {
    // Only the provider's own record is replaced this way, and it always has a number.
    let number = input.number.as_ref().ok_or(StorageError::Invalid(
        "the provider's own number is required",
    ))?;
    sqlx::query(
        "UPDATE subjects SET name = $1, name_kana = $2, birth_date = $3, number_sealed = $4, \
         number_ref = $5, number_saved_at = $6, number_pending = 1, updated_at = $6 WHERE id = $7",
    )
    .bind(input.name.as_str().to_owned())
    .bind(input.name_kana.as_str().to_owned())
    .bind(input.birth_date.to_iso())
    .bind(number.sealed.clone())
    .bind(Uuid::now_v7().to_string())
    .bind(now_millis())
    .bind(subject_id.to_string())
    .execute(&mut **tx)
    .await?;
    write_details(tx, subject_id, &input.details).await?;
    Ok(())
}

async fn write_details(
    tx: &mut Tx,
    subject_id: Uuid,
    details: &FilingDetails,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE subjects SET address = $1, name_alphabetic = $2, common_name = $3, former_surname = $4 \
         WHERE id = $5",
    )
    .bind(opt_text(&details.address, |a| a.as_str()))
    .bind(opt_text(&details.name_alphabetic, |a| a.as_str()))
    .bind(opt_text(&details.common_name, |a| a.as_str()))
    .bind(opt_text(&details.former_surname, |a| a.as_str()))
    .bind(subject_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn audit_subject_save(
    tx: &mut Tx,
    ctx: &AuditContext,
    submission_id: Uuid,
    subject_id: Uuid,
    input: &SubjectInput,
) -> Result<(), StorageError> {
    let event = AuditEvent::success(actions::SUBJECT_SAVE, format!("subject:{subject_id}")).with_detail(
        serde_json::json!({"submission": submission_id, "relationship": input.relationship.code(),
            "number_sealed": input.number.is_some(),
            "no_number_reason": input.no_number_reason.map(NoNumberReason::code)}),
    );
    audit::append(tx, ctx, &event).await?;
    Ok(())
}

async fn missing_items(tx: &mut Tx, submission_id: Uuid) -> Result<Vec<MissingItem>, StorageError> {
    let event: Option<String> = sqlx::query_scalar("SELECT event FROM submissions WHERE id = $1")
        .bind(submission_id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    if event.as_deref() == Some("change") {
        return missing_in_change(tx, submission_id).await;
    }
    let own = sqlx::query(
        "SELECT id FROM subjects WHERE submission_id = $1 AND relationship = 'self' AND removed_at IS NULL \
         AND number_sealed IS NOT NULL",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(own) = own else {
        return Ok(vec![MissingItem::OwnDetails, MissingItem::OwnDocuments]);
    };
    let own_id: String = own.try_get("id")?;
    let docs = sqlx::query(
        "SELECT 1 FROM documents WHERE subject_id = $1 AND replaced_at IS NULL LIMIT 1",
    )
    .bind(own_id)
    .fetch_optional(&mut **tx)
    .await?;
    let mut missing = Vec::new();
    if docs.is_none() {
        missing.push(MissingItem::OwnDocuments);
    }
    let unattested = sqlx::query(
        "SELECT 1 FROM subjects WHERE submission_id = $1 AND relationship <> 'self' AND removed_at IS NULL \
         AND identity_attested = 0 AND category3_spouse = 0 AND no_number_reason IS NULL LIMIT 1",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if unattested.is_some() {
        missing.push(MissingItem::DependantAttestation);
    }
    let spouse_without_documents = sqlx::query(
        "SELECT 1 FROM subjects s WHERE s.submission_id = $1 AND s.removed_at IS NULL AND s.category3_spouse = 1 \
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.subject_id = s.id AND d.replaced_at IS NULL) LIMIT 1",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if spouse_without_documents.is_some() {
        missing.push(MissingItem::SpouseDocuments);
    }
    Ok(missing)
}

/// What a change event still needs (issue 17): a new version of the provider themself
/// needs a photo for the officer to check it with; a dependant's the attestation or, for a
/// 第3号 spouse, photos, as at the first collection. An ended dependant needs nothing.
async fn missing_in_change(
    tx: &mut Tx,
    submission_id: Uuid,
) -> Result<Vec<MissingItem>, StorageError> {
    let mut missing = Vec::new();
    let own_without_documents = sqlx::query(
        "SELECT 1 FROM subjects s WHERE s.submission_id = $1 AND s.removed_at IS NULL \
         AND s.relationship = 'self' \
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.subject_id = s.id AND d.replaced_at IS NULL) LIMIT 1",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if own_without_documents.is_some() {
        missing.push(MissingItem::OwnDocuments);
    }
    let unattested = sqlx::query(
        "SELECT 1 FROM subjects WHERE submission_id = $1 AND relationship <> 'self' AND removed_at IS NULL \
         AND identity_attested = 0 AND category3_spouse = 0 AND no_number_reason IS NULL \
         AND change_kind <> 'end_dependant' LIMIT 1",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if unattested.is_some() {
        missing.push(MissingItem::DependantAttestation);
    }
    let spouse_without_documents = sqlx::query(
        "SELECT 1 FROM subjects s WHERE s.submission_id = $1 AND s.removed_at IS NULL AND s.category3_spouse = 1 \
         AND s.change_kind <> 'end_dependant' \
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.subject_id = s.id AND d.replaced_at IS NULL) LIMIT 1",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if spouse_without_documents.is_some() {
        missing.push(MissingItem::SpouseDocuments);
    }
    Ok(missing)
}
