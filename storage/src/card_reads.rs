//! Photo first (issue 19): a photo of a My Number card's back read for its QR number
//! before the person's details are saved.
//!
//! The person photographs the back of their card on their own-details page; the pipeline
//! reads the QR and hands the number back for that one response, where the person checks
//! it against the card before saving. Meanwhile the photo waits here, scrubbed and
//! age-sealed like any document, with the QR's number age-sealed to the internal identity
//! (exactly as `documents.qr_sealed`): nothing in the clear, and a public instance cannot
//! open either. When the person saves their details with it, [`Vault::attach_card_read`]
//! makes it their card-back document (the internal side then compares its QR with the
//! number saved, like any card back: `matches`, or `differs` if they changed a digit).
//! A read that is never used goes when the same person reads another card, when they hand
//! in, or after [`CARD_READ_LIFETIME_MS`] (swept whenever any card is read).

use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::state::IllegalTransition;
use crate::submissions::{DocumentKind, SealedDocument, StoredDocument, current_state};
use crate::vault::now_millis;
use crate::{SealedQr, StorageError, Vault};

/// How long a card read waits for the person to save their details with it.
pub const CARD_READ_LIFETIME_MS: i64 = 60 * 60 * 1000;

impl Vault {
    /// Keeps a card-back photo whose QR held a number (`document.qr` must be
    /// [`SealedQr::Number`]) until the person saves their details with it; returns the
    /// read's id for the confirmation form. Earlier reads of the same submission, and
    /// every read older than [`CARD_READ_LIFETIME_MS`], are deleted first.
    pub async fn put_card_read(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        document: &SealedDocument,
    ) -> Result<Uuid, StorageError> {
        let Some(SealedQr::Number(qr_sealed)) = &document.qr else {
            return Err(StorageError::Invalid(
                "a card read needs the QR's sealed number",
            ));
        };
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        // A read waits to become a document of a submission its provider may still edit;
        // for any other, nothing is kept (saving would be refused anyway).
        let state = current_state(&mut tx, submission_id).await?;
        if !state.provider_can_edit() {
            return Err(StorageError::Illegal(IllegalTransition {
                from: state,
                attempted: "edited",
            }));
        }
        sqlx::query("DELETE FROM card_reads WHERE submission_id = $1 OR created_at < $2")
            .bind(submission_id.to_string())
            .bind(now - CARD_READ_LIFETIME_MS)
            .execute(&mut *tx)
            .await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO card_reads (id, submission_id, sealed, width, height, removed_metadata, \
             warnings, qr_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(submission_id.to_string())
        .bind(document.sealed.clone())
        .bind(i64::from(document.width))
        .bind(i64::from(document.height))
        .bind(serde_json::to_string(&document.removed_metadata).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(&document.warnings).unwrap_or_else(|_| "[]".into()))
        .bind(qr_sealed.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(actions::DOCUMENT_CARD_READ, format!("card_read:{id}"))
            .with_detail(serde_json::json!({
                "submission": submission_id,
                "sealed_bytes": document.sealed.len(),
                "removed_metadata": document.removed_metadata,
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Makes a card read of `submission_id` the card-back document of `subject_id` (a
    /// person of the same submission), through [`Vault::store_document`] with the read's
    /// id as the retry key, so a second attach returns the same document. `NotFound` when
    /// there is no such read (used, replaced by a later one, or expired).
    pub async fn attach_card_read(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        subject_id: Uuid,
        read_id: Uuid,
    ) -> Result<StoredDocument, StorageError> {
        let row = sqlx::query(
            "SELECT sealed, width, height, removed_metadata, warnings, qr_sealed FROM card_reads \
             WHERE id = $1 AND submission_id = $2 AND created_at >= $3",
        )
        .bind(read_id.to_string())
        .bind(submission_id.to_string())
        .bind(now_millis() - CARD_READ_LIFETIME_MS)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let codes = |column: &str| -> Result<Vec<String>, StorageError> {
            Ok(serde_json::from_str(&row.try_get::<String, _>(column)?).unwrap_or_default())
        };
        let document = SealedDocument {
            kind: DocumentKind::MyNumberCardBack,
            sealed: row.try_get("sealed")?,
            width: u32::try_from(row.try_get::<i64, _>("width")?).unwrap_or_default(),
            height: u32::try_from(row.try_get::<i64, _>("height")?).unwrap_or_default(),
            removed_metadata: codes("removed_metadata")?,
            warnings: codes("warnings")?,
            qr: Some(SealedQr::Number(row.try_get("qr_sealed")?)),
        };
        let key = format!("card-read:{read_id}");
        let stored = self
            .store_document(ctx, submission_id, subject_id, &document, Some(&key), None)
            .await?;
        // Only after the document is stored: a failure above loses nothing.
        sqlx::query("DELETE FROM card_reads WHERE id = $1")
            .bind(read_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(stored)
    }
}

/// Deletes a submission's card reads (when it is handed in or disposed of).
pub(crate) async fn forget_submission(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    submission_id: Uuid,
) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM card_reads WHERE submission_id = $1")
        .bind(submission_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
