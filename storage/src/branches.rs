//! Branches (拠点・部署) with a display name beside their code (issue 18): scopes,
//! invitations and submissions hold the code; people read and rosters may write the name.

use serde::Serialize;
use sqlx::Row;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::org::BranchCode;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// A branch: its code and the name people know it by.
#[derive(Debug, Clone, Serialize)]
pub struct Branch {
    /// The code scopes and invitations hold.
    pub code: BranchCode,
    /// The display name (大阪支店).
    pub display_name: String,
    /// When the name was last set (Unix ms).
    pub updated_at: i64,
}

impl Vault {
    /// Sets (or changes) a branch's display name, audited as `branch.set`. A name another
    /// branch already has is a conflict: a roster naming it could not say which.
    pub async fn set_branch(
        &self,
        ctx: &AuditContext,
        code: &BranchCode,
        display_name: &str,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT code FROM branches WHERE display_name = $1 AND code <> $2")
            .bind(display_name.to_owned())
            .bind(code.as_str().to_owned())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StorageError::Conflict("another branch has this name"));
        }
        sqlx::query(
            "INSERT INTO branches (code, display_name, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET display_name = excluded.display_name, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(code.as_str().to_owned())
        .bind(display_name.to_owned())
        .bind(now_millis())
        .bind(ctx.actor.label())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(actions::BRANCH_SET, format!("branch:{code}"))
            .with_detail(serde_json::json!({ "display_name": display_name }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every branch with a display name, by code.
    pub async fn branches(&self) -> Result<Vec<Branch>, StorageError> {
        sqlx::query("SELECT code, display_name, updated_at FROM branches ORDER BY code")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Branch {
                    code: BranchCode::parse(&r.try_get::<String, _>("code")?)
                        .map_err(|_| StorageError::Invalid("a stored branch code"))?,
                    display_name: r.try_get("display_name")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }
}
