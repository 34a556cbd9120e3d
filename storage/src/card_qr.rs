//! The card-back QR check (issue 19): the number a card-back photo's QR holds, compared
//! with the number the person typed, keeping only the outcome.
//!
//! Invariant 6 of DESIGN.md: a public instance cannot open the typed number, so it cannot
//! compare. The upload pipeline stores at once what needs no number (`no_qr`,
//! `unreadable`); when the QR held a valid number, it stores that number age-sealed to
//! the internal identity (`documents.qr_sealed`, exactly as the typed number is sealed)
//! and marks the photo `pending`. The internal side ([`Vault::check_pending_qrs`], run in
//! the same passes as `number_index`'s derivation) writes its `document.qr_check` audit
//! entry first (invariant 3), opens both numbers in memory, compares them in constant time
//! (`MyNumber::same_as`) and, in one statement, writes `matches` or `differs`, the typed
//! number's `number_ref` it was compared with, and deletes the sealed copy. The digits
//! are never stored in the clear, and the sealed copy lives only until that pass.
//!
//! A photo whose person has no typed number yet stays `pending` until one is typed. When
//! the person corrects the typed number after the comparison, the outcome names an
//! earlier `number_ref`; the internal side then reads the QR again from the stored photo
//! ([`Vault::open_stale_qr_checks`], run when staff open the submission).

use sqlx::Row;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::parse_uuid;
use crate::sealing::Unsealer;
use crate::{MyNumber, StorageError, Vault};
use domain::QrCheck;

/// Card-back photos whose QR number waits for the comparison, with their person's
/// sealed number (read from the partial index of the pending ones).
const PENDING: &str = "SELECT d.id, d.qr_sealed, s.number_ref, s.number_sealed \
     FROM documents d JOIN subjects s ON s.id = d.subject_id \
     WHERE d.qr_check = 'pending' AND d.qr_sealed IS NOT NULL AND s.number_sealed IS NOT NULL";

impl Vault {
    /// Compares up to `limit` pending card-back QR numbers (only `submission`'s, when
    /// given) with their person's typed number, audited first; see the module
    /// documentation. Returns how many were compared.
    pub async fn check_pending_qrs(
        &self,
        unsealer: &Unsealer,
        submission: Option<Uuid>,
        limit: i64,
    ) -> Result<usize, StorageError> {
        let rows = match submission {
            Some(id) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{PENDING} AND d.submission_id = $1 ORDER BY d.id LIMIT $2"
                )))
                .bind(id.to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{PENDING} ORDER BY d.id LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        if rows.is_empty() {
            return Ok(0);
        }
        let pending = rows
            .iter()
            .map(|r| {
                Ok((
                    parse_uuid(&r.try_get::<String, _>("id")?)?,
                    r.try_get::<Vec<u8>, _>("qr_sealed")?,
                    r.try_get::<String, _>("number_ref")?,
                    r.try_get::<Vec<u8>, _>("number_sealed")?,
                ))
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let mut tx = self.begin_write().await?;
        let ids: Vec<Uuid> = pending.iter().map(|(id, ..)| *id).collect();
        let event = AuditEvent::success(actions::DOCUMENT_QR_CHECK, None)
            .with_detail(serde_json::json!({"documents": ids, "count": ids.len()}));
        let receipt = audit::append(&mut tx, &AuditContext::system(), &event).await?;
        tx.commit().await?;

        // Opened in memory only after the entry committed; each plaintext is wiped when
        // its iteration ends. Only the outcome leaves the loop.
        let open = |sealed: &[u8]| {
            unsealer
                .unseal(sealed, &receipt)
                .ok()
                .and_then(|plain| std::str::from_utf8(&plain).ok().map(MyNumber::parse))
                .and_then(Result::ok)
        };
        let outcomes: Vec<(Uuid, String, QrCheck)> = pending
            .into_iter()
            .map(|(id, qr_sealed, number_ref, number_sealed)| {
                let outcome = match (open(&qr_sealed), open(&number_sealed)) {
                    (Some(read), Some(typed)) if read.same_as(&typed) => QrCheck::Matches,
                    (Some(_), Some(_)) => QrCheck::Differs,
                    _ => {
                        // Sealed to another identity (a rotation under way) or damaged:
                        // nothing can be said about the number.
                        tracing::error!(document = %id, "a sealed number did not open for the QR check");
                        QrCheck::Unreadable
                    }
                };
                (id, number_ref, outcome)
            })
            .collect();

        let mut tx = self.begin_write().await?;
        for (id, number_ref, outcome) in &outcomes {
            sqlx::query(
                "UPDATE documents SET qr_check = $1, qr_number_ref = $2, qr_sealed = NULL \
                 WHERE id = $3 AND qr_check = 'pending'",
            )
            .bind(outcome.code())
            .bind(number_ref.clone())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(outcomes.len())
    }

    /// The QR outcome stored with a document (`None`: not looked for).
    pub async fn document_qr_check(&self, document: Uuid) -> Result<Option<QrCheck>, StorageError> {
        let code: Option<Option<String>> =
            sqlx::query_scalar("SELECT qr_check FROM documents WHERE id = $1")
                .bind(document.to_string())
                .fetch_optional(&self.pool)
                .await?;
        code.flatten()
            .map(|c| QrCheck::from_code(&c).ok_or(StorageError::Corrupt("qr check")))
            .transpose()
    }

    /// Opens, for a fresh read of their QR code, the card-back photos of `submission`
    /// whose outcome was compared with an earlier typed number (the person corrected the
    /// number since): the stored image and the current typed number, in memory, after
    /// their `document.qr_check` audit entry committed (internal side only). The caller
    /// reads the QR again and records the outcome with [`Vault::record_qr_recheck`].
    pub async fn open_stale_qr_checks(
        &self,
        unsealer: &Unsealer,
        submission: Uuid,
        limit: i64,
    ) -> Result<Vec<QrRecheck>, StorageError> {
        let rows = sqlx::query(
            "SELECT d.id, d.sealed, s.number_ref, s.number_sealed \
             FROM documents d JOIN subjects s ON s.id = d.subject_id \
             WHERE d.submission_id = $1 AND d.qr_check IN ('matches', 'differs') \
             AND d.qr_number_ref IS NOT NULL AND d.qr_number_ref <> s.number_ref \
             AND d.sealed IS NOT NULL AND s.number_sealed IS NOT NULL \
             ORDER BY d.id LIMIT $2",
        )
        .bind(submission.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let stale = rows
            .iter()
            .map(|r| {
                Ok((
                    parse_uuid(&r.try_get::<String, _>("id")?)?,
                    r.try_get::<Vec<u8>, _>("sealed")?,
                    r.try_get::<String, _>("number_ref")?,
                    r.try_get::<Vec<u8>, _>("number_sealed")?,
                ))
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let mut tx = self.begin_write().await?;
        let ids: Vec<Uuid> = stale.iter().map(|(id, ..)| *id).collect();
        let event = AuditEvent::success(actions::DOCUMENT_QR_CHECK, None).with_detail(
            serde_json::json!({"documents": ids, "count": ids.len(), "recheck": true}),
        );
        let receipt = audit::append(&mut tx, &AuditContext::system(), &event).await?;
        tx.commit().await?;
        Ok(stale
            .into_iter()
            .filter_map(|(document_id, image, number_ref, number_sealed)| {
                let image = unsealer.unseal(&image, &receipt).ok()?;
                let typed = unsealer
                    .unseal(&number_sealed, &receipt)
                    .ok()
                    .and_then(|plain| std::str::from_utf8(&plain).ok().map(MyNumber::parse))
                    .and_then(Result::ok)?;
                Some(QrRecheck {
                    document_id,
                    number_ref,
                    image,
                    typed,
                })
            })
            .collect())
    }

    /// Records the outcome of a fresh read (see [`Vault::open_stale_qr_checks`]) against
    /// the typed number named by `number_ref`.
    pub async fn record_qr_recheck(
        &self,
        document: Uuid,
        number_ref: &str,
        outcome: QrCheck,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE documents SET qr_check = $1, qr_number_ref = $2 \
             WHERE id = $3 AND qr_check IN ('matches', 'differs')",
        )
        .bind(outcome.code())
        .bind(number_ref.to_owned())
        .bind(document.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A card-back photo opened for a fresh read of its QR code (internal side, in memory).
pub struct QrRecheck {
    /// The photo.
    pub document_id: Uuid,
    /// The typed number's ref the new outcome is compared against.
    pub number_ref: String,
    /// The stored (scrubbed) JPEG, wiped when dropped.
    pub image: Zeroizing<Vec<u8>>,
    /// The person's current typed number, wiped when dropped.
    pub typed: MyNumber,
}

/// Prints no image byte and no digit.
impl std::fmt::Debug for QrRecheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrRecheck")
            .field("document_id", &self.document_id)
            .finish_non_exhaustive()
    }
}
