//! Payroll's age recipient, set or changed by two admins (issue 18): where released numbers
//! are sealed to is a decision about where numbers go, so one admin proposes a recipient
//! and a different one approves it (the one separation-of-duties rule, checked again inside
//! the approval's transaction). The latest approved recipient is in force at once, on every
//! instance (it lives in the database, not in a file read at start-up); before any is
//! approved the settings' `payroll_recipient` stays in force. Every step is audited; the
//! recipient is a public key and appears in the trail's detail.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditEvent, actions};
use crate::invitations::parse_uuid;
use crate::vault::now_millis;
use crate::{AuditContext, StorageError, Vault};

/// A recipient in force or waiting for approval.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientChange {
    /// The change.
    pub change_id: Uuid,
    /// The age recipient (`age1…`).
    pub recipient: String,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// When (Unix ms).
    pub proposed_at: i64,
    /// Who approved it (`None` while it waits).
    pub decided_by: Option<Uuid>,
    /// When (Unix ms).
    pub decided_at: Option<i64>,
}

fn change_of(r: &sqlx::any::AnyRow) -> Result<RecipientChange, StorageError> {
    Ok(RecipientChange {
        change_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
        recipient: r.try_get("recipient")?,
        proposed_by: parse_uuid(&r.try_get::<String, _>("proposed_by")?)?,
        proposed_at: r.try_get("proposed_at")?,
        decided_by: r
            .try_get::<Option<String>, _>("decided_by")?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        decided_at: r.try_get("decided_at")?,
    })
}

impl Vault {
    /// An admin proposes `recipient` (already checked to be one age X25519 recipient).
    /// `Conflict("already proposed")` while another proposal waits.
    pub async fn propose_payroll_recipient(
        &self,
        ctx: &AuditContext,
        proposer: Uuid,
        recipient: &str,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        let open =
            sqlx::query("SELECT 1 AS one FROM payroll_recipient_changes WHERE decided_at IS NULL")
                .fetch_optional(&mut *tx)
                .await?;
        if open.is_some() {
            return Err(StorageError::Conflict("already proposed"));
        }
        // The unique index on the open proposal settles two proposals racing past the check.
        let inserted = sqlx::query(
            "INSERT INTO payroll_recipient_changes (id, recipient, proposed_by, proposed_at, pending) \
             VALUES ($1, $2, $3, $4, 1)",
        )
        .bind(id.to_string())
        .bind(recipient.to_owned())
        .bind(proposer.to_string())
        .bind(now_millis())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StorageError::Conflict("already proposed"));
            }
            Err(e) => return Err(e.into()),
        }
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(
                actions::PAYROLL_RECIPIENT_PROPOSE,
                format!("payroll_recipient:{id}"),
            )
            .with_detail(serde_json::json!({ "recipient": recipient })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The proposal waiting for a second admin, if any.
    pub async fn pending_payroll_recipient(&self) -> Result<Option<RecipientChange>, StorageError> {
        sqlx::query(
            "SELECT id, recipient, proposed_by, proposed_at, decided_by, decided_at \
             FROM payroll_recipient_changes WHERE decided_at IS NULL",
        )
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(change_of)
        .transpose()
    }

    /// The approved recipient in force (the latest approval), if any.
    pub async fn payroll_recipient_in_force(
        &self,
    ) -> Result<Option<RecipientChange>, StorageError> {
        sqlx::query(
            "SELECT id, recipient, proposed_by, proposed_at, decided_by, decided_at \
             FROM payroll_recipient_changes WHERE outcome = 'approved' \
             ORDER BY decided_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(change_of)
        .transpose()
    }

    /// A second admin approves the waiting proposal `change`: it is in force from now on.
    /// The proposer is refused (separation of duties, audited), checked in the transaction.
    pub async fn approve_payroll_recipient(
        &self,
        ctx: &AuditContext,
        approver: Uuid,
        change: Uuid,
    ) -> Result<String, StorageError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT proposed_by, recipient FROM payroll_recipient_changes \
             WHERE id = $1 AND decided_at IS NULL",
        )
        .bind(change.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        let proposer = parse_uuid(&row.try_get::<String, _>("proposed_by")?)?;
        let recipient: String = row.try_get("recipient")?;
        if let Err(refused) = domain::duties::second_person(proposer.into(), approver.into()) {
            drop(tx);
            return Err(self
                .refuse_duty(
                    ctx,
                    actions::PAYROLL_RECIPIENT_APPROVE,
                    Some(format!("payroll_recipient:{change}")),
                    refused,
                )
                .await);
        }
        let decided = sqlx::query(
            "UPDATE payroll_recipient_changes SET decided_by = $1, decided_at = $2, \
             outcome = 'approved', pending = NULL WHERE id = $3 AND decided_at IS NULL",
        )
        .bind(approver.to_string())
        .bind(now_millis())
        .bind(change.to_string())
        .execute(&mut *tx)
        .await?;
        if decided.rows_affected() != 1 {
            return Err(StorageError::Conflict("decided meanwhile"));
        }
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(
                actions::PAYROLL_RECIPIENT_APPROVE,
                format!("payroll_recipient:{change}"),
            )
            .with_detail(serde_json::json!({ "recipient": recipient })),
        )
        .await?;
        tx.commit().await?;
        Ok(recipient)
    }

    /// Any admin withdraws the waiting proposal `change`.
    pub async fn withdraw_payroll_recipient(
        &self,
        ctx: &AuditContext,
        admin: Uuid,
        change: Uuid,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let decided = sqlx::query(
            "UPDATE payroll_recipient_changes SET decided_by = $1, decided_at = $2, \
             outcome = 'withdrawn', pending = NULL WHERE id = $3 AND decided_at IS NULL",
        )
        .bind(admin.to_string())
        .bind(now_millis())
        .bind(change.to_string())
        .execute(&mut *tx)
        .await?;
        if decided.rows_affected() != 1 {
            return Err(StorageError::NotFound);
        }
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(
                actions::PAYROLL_RECIPIENT_WITHDRAW,
                format!("payroll_recipient:{change}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
