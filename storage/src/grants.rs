//! Role grants by two admins (separation of duties): one proposes a role and scopes for a
//! username, a different admin approves (after a step-up the caller checks), and only
//! then is the account created or changed. Nobody proposes or approves a grant for
//! themselves. A changed account's session ends, so the new role takes effect at once.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::EmailAddress;
use crate::invitations::parse_uuid;
use crate::org::BranchCode;
use crate::staff::{Role, Username};
use crate::staff_lifecycle::{ActivationIssuer, ActivationPurpose, IssuedActivation, NO_PASSWORD};
use crate::vault::now_millis;
use crate::{StorageError, Vault};
use domain::duties::{self, Duty};

/// A grant waiting for a second admin.
#[derive(Debug, Clone, Serialize)]
pub struct PendingGrant {
    /// Its id.
    pub grant_id: Uuid,
    /// Whose account.
    pub username: String,
    /// The role granted.
    pub role: Role,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// When (Unix ms).
    pub proposed_at: i64,
    /// Where a new account's activation link goes (the approver checks it is the holder's).
    pub email: Option<String>,
}

/// What an approval did.
#[derive(Debug)]
pub enum GrantOutcome {
    /// A new account was created without a password: the link its holder activates it
    /// with (the caller delivers it to the holder, never to an admin).
    Created(IssuedActivation),
    /// An existing account now has the role and scopes.
    Changed(Uuid),
}

async fn username_of(tx: &mut Tx, account: Uuid) -> Result<String, StorageError> {
    sqlx::query_scalar("SELECT username FROM staff_accounts WHERE id = $1")
        .bind(account.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::NotFound)
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Vault {
    /// Proposes `role` with `scopes` for `username` (new or existing account).
    pub async fn propose_grant(
        &self,
        ctx: &AuditContext,
        proposer: Uuid,
        username: &Username,
        role: Role,
        scopes: &[BranchCode],
        email: Option<&EmailAddress>,
    ) -> Result<Uuid, StorageError> {
        let username = username.as_str();
        let mut tx = self.begin_write().await?;
        if let Err(refused) = duties::not_about_oneself(
            &username_of(&mut tx, proposer).await?,
            username,
            Duty::GrantToSelf,
        ) {
            drop(tx);
            return Err(self
                .refuse_duty(ctx, actions::GRANT_PROPOSE, None, refused)
                .await);
        }
        let id = Uuid::now_v7();
        let scopes: Vec<&str> = scopes.iter().map(BranchCode::as_str).collect();
        sqlx::query(
            "INSERT INTO role_grants (id, username, role, scopes, proposed_by, proposed_at, email) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(username.to_owned())
        .bind(role.code())
        .bind(serde_json::json!(scopes).to_string())
        .bind(proposer.to_string())
        .bind(now_millis())
        .bind(email.map(|e| e.as_str().to_owned()))
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(actions::GRANT_PROPOSE, format!("grant:{id}")).with_detail(
            serde_json::json!({
                "username": username, "role": role.code(), "scopes": scopes,
                "email_given": email.is_some(),
            }),
        );
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The grants waiting for a second admin, oldest first.
    pub async fn pending_grants(&self) -> Result<Vec<PendingGrant>, StorageError> {
        sqlx::query(
            "SELECT id, username, role, scopes, proposed_by, proposed_at, email FROM role_grants \
             WHERE decided_at IS NULL ORDER BY proposed_at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PendingGrant {
                grant_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                username: r.try_get("username")?,
                role: Role::from_code(&r.try_get::<String, _>("role")?)
                    .ok_or(StorageError::Corrupt("role"))?,
                scopes: serde_json::from_str(&r.try_get::<String, _>("scopes")?)
                    .map_err(|_| StorageError::Corrupt("scopes"))?,
                proposed_by: parse_uuid(&r.try_get::<String, _>("proposed_by")?)?,
                proposed_at: r.try_get("proposed_at")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
    }

    /// Approves a pending grant as `approver` (not its proposer, not its subject): the
    /// account is created with no password and an activation link for its holder
    /// (`staff_lifecycle`), or its role and scopes replaced and its session ended.
    /// Separation of duties refuses the proposer and the subject themselves.
    pub async fn approve_grant(
        &self,
        ctx: &AuditContext,
        approver: Uuid,
        grant_id: Uuid,
        activation: ActivationIssuer<'_>,
    ) -> Result<GrantOutcome, StorageError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT username, role, scopes, proposed_by, email FROM role_grants WHERE id = $1 AND decided_at IS NULL",
        )
        .bind(grant_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        let username: String = row.try_get("username")?;
        let role: String = row.try_get("role")?;
        let scopes: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("scopes")?)
            .map_err(|_| StorageError::Corrupt("scopes"))?;
        let proposer = parse_uuid(&row.try_get::<String, _>("proposed_by")?)?;
        let email: Option<String> = row.try_get("email")?;
        let approver_name = username_of(&mut tx, approver).await?;
        if let Err(refused) =
            duties::second_person(proposer.into(), approver.into()).and_then(|()| {
                duties::not_about_oneself(&approver_name, &username, Duty::ApproveGrantToSelf)
            })
        {
            drop(tx);
            return Err(self
                .refuse_duty(
                    ctx,
                    actions::GRANT_APPROVE,
                    Some(format!("grant:{grant_id}")),
                    refused,
                )
                .await);
        }
        let now = now_millis();
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = $1")
                .bind(username.clone())
                .fetch_optional(&mut *tx)
                .await?;
        let account = match existing {
            Some(id) => {
                sqlx::query("UPDATE staff_accounts SET role = $1 WHERE id = $2")
                    .bind(role.clone())
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM staff_scopes WHERE account_id = $1")
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM staff_sessions WHERE account_id = $1")
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
                if let Some(email) = &email {
                    sqlx::query("UPDATE staff_accounts SET email = $1 WHERE id = $2")
                        .bind(email.clone())
                        .bind(id.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                (parse_uuid(&id)?, false)
            }
            None => {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO staff_accounts (id, username, role, password_hash, created_at, email) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.to_string())
                .bind(username.clone())
                .bind(role.clone())
                .bind(NO_PASSWORD)
                .bind(now)
                .bind(email.clone())
                .execute(&mut *tx)
                .await?;
                (id, true)
            }
        };
        let (account_id, created) = account;
        for scope in &scopes {
            sqlx::query("INSERT INTO staff_scopes (account_id, branch_code) VALUES ($1, $2)")
                .bind(account_id.to_string())
                .bind(scope.clone())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE role_grants SET decided_by = $1, decided_at = $2, outcome = 'approved' WHERE id = $3",
        )
        .bind(approver.to_string())
        .bind(now)
        .bind(grant_id.to_string())
        .execute(&mut *tx)
        .await?;
        let outcome = if created {
            GrantOutcome::Created(
                activation
                    .issue(&mut tx, account_id, ActivationPurpose::New)
                    .await?,
            )
        } else {
            GrantOutcome::Changed(account_id)
        };
        let event = AuditEvent::success(actions::GRANT_APPROVE, format!("staff:{account_id}"))
            .with_detail(serde_json::json!({
                "grant": grant_id,
                "proposed_by": proposer,
                "role": role,
                "scopes": scopes,
                "created": matches!(outcome, GrantOutcome::Created(_)),
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
