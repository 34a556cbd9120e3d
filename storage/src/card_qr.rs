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
//! A photo whose person has no typed number yet stays `pending` until one is typed.

use sqlx::Row;
use uuid::Uuid;

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
}
