//! Key rotation: re-sealing every live ciphertext to a new identity.
//!
//! Each batch writes its audit entry first (the unseals need the receipt), opens the old
//! ciphertext in memory, seals it to the next identity and swaps it in with a
//! compare-and-set, in one transaction per batch. A row the next identity already opens
//! is skipped, so an interrupted rotation simply runs again; rows written meanwhile by
//! instances still sealing to the old recipient are caught by the next run.

use sqlx::Row;

use crate::audit::{self, AuditContext, AuditEvent};
use crate::sealing::{SealError, Sealer, Unsealer};
use crate::{StorageError, Vault};

/// The identities involved in a rotation.
#[derive(Debug)]
pub struct RotationKeys {
    /// Identities that may still hold ciphertext (current first, then retired ones).
    pub retiring: Vec<Unsealer>,
    /// The identity rotated to.
    pub next: Unsealer,
    /// Seals to the next identity's recipient.
    pub next_sealer: Sealer,
}

/// What a run of [`Vault::reseal_to_next_identity`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Ciphertexts re-sealed in this run.
    pub resealed: u64,
    /// Ciphertexts the next identity already opened.
    pub already_rotated: u64,
    /// Whether every live ciphertext now opens with the next identity.
    pub complete: bool,
}

/// Re-sealing failed.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A ciphertext opened with none of the identities given.
    #[error("{table} {id} opens with none of the identities given")]
    Unopenable {
        /// `subjects` or `documents`.
        table: &'static str,
        /// The row.
        id: String,
    },
    /// Sealing to the next identity failed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// Where ciphertext lives.
#[derive(Debug, Clone, Copy)]
enum SealedColumn {
    SubjectNumber,
    DocumentImage,
}

impl SealedColumn {
    const ALL: [Self; 2] = [Self::SubjectNumber, Self::DocumentImage];

    fn table(self) -> &'static str {
        match self {
            Self::SubjectNumber => "subjects",
            Self::DocumentImage => "documents",
        }
    }

    /// A page of rows after a cursor.
    fn select(self) -> &'static str {
        match self {
            Self::SubjectNumber => {
                "SELECT id, number_sealed AS sealed FROM subjects WHERE number_sealed IS NOT NULL AND id > $1 ORDER BY id LIMIT $2"
            }
            Self::DocumentImage => {
                "SELECT id, sealed FROM documents WHERE sealed IS NOT NULL AND id > $1 ORDER BY id LIMIT $2"
            }
        }
    }

    /// Swaps in `new` only if the row still holds `old`.
    async fn swap(
        self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: String,
        old: Vec<u8>,
        new: Vec<u8>,
    ) -> Result<u64, sqlx::Error> {
        let query = match self {
            Self::SubjectNumber => sqlx::query(
                "UPDATE subjects SET number_sealed = $1 WHERE id = $2 AND number_sealed = $3",
            )
            .bind(new)
            .bind(id)
            .bind(old),
            Self::DocumentImage => {
                let sha = <sha2::Sha256 as sha2::Digest>::digest(&new).to_vec();
                let len = new.len() as i64;
                sqlx::query(
                    "UPDATE documents SET sealed = $1, sealed_sha256 = $4, sealed_len = $5 WHERE id = $2 AND sealed = $3",
                )
                .bind(new)
                .bind(id)
                .bind(old)
                .bind(sha)
                .bind(len)
            }
        };
        Ok(query.execute(&mut **tx).await?.rows_affected())
    }
}

impl Vault {
    /// Re-seals every live ciphertext to `keys.next`, `batch` rows per transaction.
    /// `max_batches` bounds the run (for tests of an interrupted rotation).
    pub async fn reseal_to_next_identity(
        &self,
        ctx: &AuditContext,
        keys: &RotationKeys,
        batch: i64,
        max_batches: Option<u64>,
    ) -> Result<RotationReport, RotationError> {
        let mut report = RotationReport::default();
        let mut batches = 0u64;
        for column in SealedColumn::ALL {
            let mut cursor = String::new();
            loop {
                let rows = sqlx::query(column.select())
                    .bind(cursor.clone())
                    .bind(batch.max(1))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StorageError::from)?;
                let Some(last) = rows.last() else { break };
                cursor = last.try_get("id").map_err(StorageError::from)?;
                let mut pending = Vec::new();
                for row in &rows {
                    let sealed: Vec<u8> = row.try_get("sealed").map_err(StorageError::from)?;
                    if keys.next.can_open(&sealed) {
                        report.already_rotated += 1;
                    } else {
                        pending.push((
                            row.try_get::<String, _>("id").map_err(StorageError::from)?,
                            sealed,
                        ));
                    }
                }
                if pending.is_empty() {
                    continue;
                }
                if max_batches.is_some_and(|max| batches >= max) {
                    return Ok(report);
                }
                batches += 1;
                report.resealed += self.reseal_batch(ctx, keys, column, pending).await?;
            }
        }
        report.complete = true;
        Ok(report)
    }

    /// How many live ciphertexts `identity` cannot open (zero before retired identities
    /// may be destroyed). Only headers are opened.
    pub async fn ciphertexts_not_opened_by(
        &self,
        identity: &Unsealer,
    ) -> Result<u64, StorageError> {
        let mut missing = 0;
        for column in SealedColumn::ALL {
            let mut cursor = String::new();
            loop {
                let rows = sqlx::query(column.select())
                    .bind(cursor.clone())
                    .bind(500i64)
                    .fetch_all(&self.pool)
                    .await?;
                let Some(last) = rows.last() else { break };
                cursor = last.try_get("id")?;
                for row in &rows {
                    let sealed: Vec<u8> = row.try_get("sealed")?;
                    missing += u64::from(!identity.can_open(&sealed));
                }
            }
        }
        Ok(missing)
    }

    async fn reseal_batch(
        &self,
        ctx: &AuditContext,
        keys: &RotationKeys,
        column: SealedColumn,
        pending: Vec<(String, Vec<u8>)>,
    ) -> Result<u64, RotationError> {
        let mut tx = self.begin_write().await?;
        let event =
            AuditEvent::success(audit::actions::KEYS_RESEAL, None).with_detail(serde_json::json!({
                "table": column.table(),
                "count": pending.len(),
                "ids": pending.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            }));
        let receipt = audit::append(&mut tx, ctx, &event).await?;
        let mut done = 0;
        for (id, old) in pending {
            let plaintext = keys
                .retiring
                .iter()
                .find(|u| u.can_open(&old))
                .map(|u| u.unseal(&old, &receipt))
                .transpose()?
                .ok_or_else(|| RotationError::Unopenable {
                    table: column.table(),
                    id: id.clone(),
                })?;
            let new = keys.next_sealer.seal(&plaintext)?;
            done += column
                .swap(&mut tx, id, old, new)
                .await
                .map_err(StorageError::from)?;
        }
        tx.commit().await.map_err(StorageError::from)?;
        Ok(done)
    }
}
