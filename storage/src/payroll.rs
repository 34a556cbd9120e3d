//! The payroll system's machine clients and what they pull: released records, already
//! sealed to payroll's own age recipient at approval, handed over once (by download or by
//! pull, whichever comes first), each pull written to the export ledger and the trail.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent};
use crate::invitations::parse_uuid;
use crate::release::{LedgerRow, take_sealed, write_export_ledger};
use crate::vault::now_millis;
use crate::{SecretToken, StorageError, TokenHash, Vault};

/// A payroll client as the service knows it.
#[derive(Debug, Clone, Serialize)]
pub struct PayrollClient {
    /// Its id (the audit actor is `payroll:<id>`).
    pub id: Uuid,
    /// Its name (e.g. the payroll system's host).
    pub name: String,
    /// The SHA-256 of the TLS client certificate it must present (mutual TLS), if bound.
    #[serde(skip)]
    pub cert_sha256: Option<Vec<u8>>,
}

/// A payroll client as an admin reviews it.
#[derive(Debug, Clone, Serialize)]
pub struct PayrollClientOverview {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it was registered (Unix ms).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When its token was last replaced.
    pub rotated_at: Option<i64>,
    /// When its token was last presented (Unix ms).
    pub last_used_at: Option<i64>,
    /// Whether it must also present its TLS client certificate.
    pub mutual_tls: bool,
}

/// A release waiting to be pulled.
#[derive(Debug, Clone, Serialize)]
pub struct PendingRelease {
    /// The release.
    pub release_id: Uuid,
    /// When the second officer approved it (Unix ms).
    pub approved_at: i64,
    /// How many records.
    pub records: i64,
    /// SHA-256 of the sealed file, hex, to check what arrives.
    pub sha256: String,
}

impl Vault {
    /// Registers a payroll client, optionally bound to its TLS client certificate (the
    /// SHA-256 of its DER); the token is shown once by the caller, only its hash kept.
    pub async fn create_payroll_client(
        &self,
        ctx: &AuditContext,
        name: &str,
        cert_sha256: Option<[u8; 32]>,
    ) -> Result<(PayrollClient, SecretToken), StorageError> {
        let id = Uuid::now_v7();
        let token = SecretToken::generate();
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT 1 AS one FROM payroll_clients WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StorageError::Conflict(
                "a payroll client of that name exists",
            ));
        }
        sqlx::query(
            "INSERT INTO payroll_clients (id, name, token_hash, created_at, cert_sha256) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(name.to_owned())
        .bind(token.hash().0.to_vec())
        .bind(now_millis())
        .bind(cert_sha256.map(|h| h.to_vec()))
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(
            audit::actions::PAYROLL_CLIENT_CREATE,
            format!("payroll:{id}"),
        )
        .with_detail(serde_json::json!({ "name": name, "mutual_tls": cert_sha256.is_some() }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok((
            PayrollClient {
                id,
                name: name.to_owned(),
                cert_sha256: cert_sha256.map(|h| h.to_vec()),
            },
            token,
        ))
    }

    /// Every payroll client, live or revoked, by name (the admin's list).
    pub async fn payroll_clients(&self) -> Result<Vec<PayrollClientOverview>, StorageError> {
        sqlx::query(
            "SELECT id, name, created_at, revoked_at, rotated_at, last_used_at, cert_sha256 \
             FROM payroll_clients ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PayrollClientOverview {
                id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
                rotated_at: r.try_get("rotated_at")?,
                last_used_at: r.try_get("last_used_at")?,
                mutual_tls: r.try_get::<Option<Vec<u8>>, _>("cert_sha256")?.is_some(),
            })
        })
        .collect()
    }

    /// Revokes a payroll client for good: its token stops working at once (a leaked token
    /// pulls nothing more). `NotFound` for an unknown or already revoked name.
    pub async fn revoke_payroll_client(
        &self,
        ctx: &AuditContext,
        name: &str,
    ) -> Result<Uuid, StorageError> {
        let mut tx = self.begin_write().await?;
        let id: String = sqlx::query_scalar(
            "SELECT id FROM payroll_clients WHERE name = $1 AND revoked_at IS NULL",
        )
        .bind(name.to_owned())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        sqlx::query(
            "UPDATE payroll_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now_millis())
        .bind(id.clone())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(
                audit::actions::PAYROLL_CLIENT_REVOKE,
                format!("payroll:{id}"),
            ),
        )
        .await?;
        tx.commit().await?;
        parse_uuid(&id)
    }

    /// Replaces a live client's token: the old one stops working at once, the new one is
    /// shown once by the caller (only its hash is kept).
    pub async fn rotate_payroll_client_token(
        &self,
        ctx: &AuditContext,
        name: &str,
    ) -> Result<SecretToken, StorageError> {
        let token = SecretToken::generate();
        let mut tx = self.begin_write().await?;
        let id: String = sqlx::query_scalar(
            "SELECT id FROM payroll_clients WHERE name = $1 AND revoked_at IS NULL",
        )
        .bind(name.to_owned())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        sqlx::query("UPDATE payroll_clients SET token_hash = $1, rotated_at = $2 WHERE id = $3")
            .bind(token.hash().0.to_vec())
            .bind(now_millis())
            .bind(id.clone())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(
                audit::actions::PAYROLL_CLIENT_ROTATE,
                format!("payroll:{id}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The live client a bearer token belongs to; the client's `last_used_at` becomes now
    /// (the admin's list shows when each token was last presented).
    pub async fn payroll_client(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<PayrollClient>, StorageError> {
        let row = sqlx::query(
            "SELECT id, name, cert_sha256 FROM payroll_clients WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash.0.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let client = PayrollClient {
            id: parse_uuid(&r.try_get::<String, _>("id")?)?,
            name: r.try_get("name")?,
            cert_sha256: r.try_get("cert_sha256")?,
        };
        sqlx::query("UPDATE payroll_clients SET last_used_at = $1 WHERE id = $2")
            .bind(now_millis())
            .bind(client.id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(Some(client))
    }

    /// Approved releases whose sealed export has not been handed over yet, oldest first.
    pub async fn pending_releases(&self) -> Result<Vec<PendingRelease>, StorageError> {
        let rows = sqlx::query(
            "SELECT r.id, r.approved_at, r.export_sha256, \
             (SELECT COUNT(*) FROM release_items i WHERE i.release_id = r.id) AS records \
             FROM releases r WHERE r.state = 'approved' AND r.downloaded_at IS NULL \
             AND r.export_sealed IS NOT NULL ORDER BY r.approved_at, r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let digest: Vec<u8> = r.try_get("export_sha256")?;
                Ok(PendingRelease {
                    release_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                    approved_at: r.try_get("approved_at")?,
                    records: r.try_get("records")?,
                    sha256: data_encoding::HEXLOWER.encode(&digest),
                })
            })
            .collect()
    }

    /// Hands the sealed export of a release to a payroll client, once, and writes the
    /// export ledger row of the pull (route `pull-api`, the client named) with the
    /// trail entry, in the transaction that takes it.
    pub async fn pull_release(
        &self,
        ctx: &AuditContext,
        client: &PayrollClient,
        release_id: Uuid,
    ) -> Result<Vec<u8>, StorageError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT export_sha256, recipient, purpose, purpose_note, proposed_by, approved_by FROM releases WHERE id = $1",
        )
        .bind(release_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        let sealed = take_sealed(&mut tx, release_id).await?;
        let records: Vec<String> = sqlx::query(
            "SELECT submission_id FROM release_items WHERE release_id = $1 ORDER BY submission_id",
        )
        .bind(release_id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("submission_id"))
        .collect::<Result<_, _>>()?;
        let digest: Vec<u8> = row.try_get("export_sha256")?;
        let recipient: Option<String> = row.try_get("recipient")?;
        let purpose: String = row.try_get("purpose")?;
        let note: Option<String> = row.try_get("purpose_note")?;
        write_export_ledger(
            &mut tx,
            &LedgerRow {
                release_id,
                officers: serde_json::json!({
                    "proposed_by": row.try_get::<String, _>("proposed_by")?,
                    "approved_by": row.try_get::<Option<String>, _>("approved_by")?,
                    "pulled_by": format!("payroll:{} ({})", client.id, client.name),
                }),
                record_ids: serde_json::json!(records),
                record_count: records.len(),
                recipient: recipient.as_deref().unwrap_or_default(),
                purpose: &purpose,
                purpose_note: note.as_deref(),
                route: "pull-api",
                sha256: &digest,
            },
        )
        .await?;
        let event =
            AuditEvent::success(audit::actions::EXPORT_PULL, format!("release:{release_id}"))
                .with_detail(serde_json::json!({
                    "bytes": sealed.len(),
                    "records": records.len(),
                    "sha256": data_encoding::HEXLOWER.encode(&digest),
                }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(sealed)
    }
}
