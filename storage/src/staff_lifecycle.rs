//! A staff account's credentials over its life, and taking rights back (security review
//! findings 6 and 10).
//!
//! - **Nobody but the holder ever knows a staff password.** A new account (created when two
//!   admins approve a grant) and an account whose credentials two admins reset have no
//!   password ([`NO_PASSWORD`], which no hash verifies) and a one-time activation link
//!   instead. The link goes to the holder (by e-mail, or printed at the server's console by
//!   the operator), never to either admin; opening it sets the password, and TOTP is then
//!   enrolled at the first sign-in. The link's token is stored as `HMAC(session.key, token)`
//!   with a row MAC, like staff sessions: a database writer without the internal key can
//!   neither make a link nor move one to another account.
//! - **Everything can be taken back.** One admin disables an account at once (its session and
//!   any activation link end with it); enabling it again, and resetting its password and
//!   TOTP, take two admins ([`domain::duties`]); a pending grant or change can be withdrawn;
//!   a payroll client can be revoked or its token rotated (`payroll.rs`).

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::internal_keys::SessionKey;
use crate::invitations::parse_uuid;
use crate::staff::Role;
use crate::vault::now_millis;
use crate::{SecretToken, StorageError, Vault};
use domain::duties::{self, Duty};

/// What `staff_accounts.password_hash` holds while an account waits for its holder to set a
/// password: no PHC string starts with `!`, so no password verifies against it.
pub const NO_PASSWORD: &str = "!";

/// Why an activation link was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActivationPurpose {
    /// A new account's first credentials.
    New,
    /// Credentials two admins reset.
    Reset,
}

/// A freshly issued activation link's secret and where it goes (the caller delivers it to
/// the holder and shows it to nobody else).
#[derive(Debug)]
pub struct IssuedActivation {
    /// The account.
    pub account_id: Uuid,
    /// Its sign-in name (the link's page greets the holder with it).
    pub username: String,
    /// The holder's e-mail address on file, if any.
    pub email: Option<String>,
    /// The link's secret.
    pub token: SecretToken,
    /// Why.
    pub purpose: ActivationPurpose,
    /// Until when it works (Unix ms).
    pub expires_at: i64,
}

/// What a live activation link lets its holder do.
#[derive(Debug, Clone, Serialize)]
pub struct Activation {
    /// The account.
    pub account_id: Uuid,
    /// Its sign-in name.
    pub username: String,
    /// Why it was issued.
    pub purpose: ActivationPurpose,
    /// Until when (Unix ms).
    pub expires_at: i64,
}

/// A staff account as an admin reviews it: rights and state, never a secret.
#[derive(Debug, Clone, Serialize)]
pub struct AccountOverview {
    /// The account.
    pub account_id: Uuid,
    /// Its sign-in name.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// Its branches and departments.
    pub scopes: Vec<String>,
    /// E-mail on file (where activation links go).
    pub email: Option<String>,
    /// When it was disabled (Unix ms), if it is.
    pub disabled_at: Option<i64>,
    /// Whether TOTP is enrolled.
    pub totp_enrolled: bool,
    /// Whether it waits for its holder to set a password.
    pub activation_pending: bool,
    /// The last successful sign-in (Unix ms).
    pub last_sign_in_at: Option<i64>,
    /// When the account was made (Unix ms).
    pub created_at: i64,
    /// When its holder last set their password (Unix ms; `None`: never since it was made,
    /// or set at the console).
    pub password_changed_at: Option<i64>,
}

/// A change to an existing account that takes two admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccountChangeKind {
    /// Forget the password and TOTP (recovery codes too): the holder activates again.
    ResetCredentials,
    /// Enable a disabled account again.
    Enable,
}

/// A change waiting for a second admin.
#[derive(Debug, Clone, Serialize)]
pub struct PendingAccountChange {
    /// Its id.
    pub change_id: Uuid,
    /// Whose account.
    pub account_id: Uuid,
    /// Its sign-in name.
    pub username: String,
    /// What.
    pub kind: AccountChangeKind,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// When (Unix ms).
    pub proposed_at: i64,
}

/// What an approved account change did.
#[derive(Debug)]
pub enum AccountChangeOutcome {
    /// Credentials forgotten: the link for the holder.
    Reset(IssuedActivation),
    /// Enabled again.
    Enabled(Uuid),
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// How an activation is issued: the key that tags it and how long it lives.
#[derive(Debug, Clone, Copy)]
pub struct ActivationIssuer<'k> {
    /// The internal session key.
    pub key: &'k SessionKey,
    /// How long the link works (ms).
    pub valid_ms: i64,
}

impl ActivationIssuer<'_> {
    /// Replaces any link of `account` with a new one, inside `tx`.
    pub(crate) async fn issue(
        &self,
        tx: &mut Tx,
        account: Uuid,
        purpose: ActivationPurpose,
    ) -> Result<IssuedActivation, StorageError> {
        let token = SecretToken::generate();
        let tag = self.key.activation_tag(&token);
        let now = now_millis();
        let expires_at = now + self.valid_ms;
        let purpose_code: &'static str = purpose.into();
        let row_mac = self
            .key
            .activation_row_mac(&tag, account, purpose_code, expires_at);
        sqlx::query("DELETE FROM staff_activations WHERE account_id = $1")
            .bind(account.to_string())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO staff_activations (token_tag, account_id, purpose, created_at, expires_at, row_mac) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tag.0.to_vec())
        .bind(account.to_string())
        .bind(purpose_code)
        .bind(now)
        .bind(expires_at)
        .bind(row_mac.to_vec())
        .execute(&mut **tx)
        .await?;
        let row = sqlx::query("SELECT username, email FROM staff_accounts WHERE id = $1")
            .bind(account.to_string())
            .fetch_one(&mut **tx)
            .await?;
        Ok(IssuedActivation {
            account_id: account,
            username: row.try_get("username")?,
            email: row.try_get("email")?,
            token,
            purpose,
            expires_at,
        })
    }
}

async fn account_by_username(tx: &mut Tx, username: &str) -> Result<Uuid, StorageError> {
    let id: String = sqlx::query_scalar("SELECT id FROM staff_accounts WHERE username = $1")
        .bind(username.to_owned())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::NotFound)?;
    parse_uuid(&id)
}

async fn username_of(tx: &mut Tx, account: Uuid) -> Result<String, StorageError> {
    sqlx::query_scalar("SELECT username FROM staff_accounts WHERE id = $1")
        .bind(account.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::NotFound)
}

/// Forgets an account's password, TOTP and recovery codes and ends its session.
async fn forget_credentials(tx: &mut Tx, account: Uuid) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE staff_accounts SET password_hash = $1, totp_secret_sealed = NULL, \
         totp_pending_sealed = NULL, totp_enrolled_at = NULL, totp_last_step = NULL WHERE id = $2",
    )
    .bind(NO_PASSWORD)
    .bind(account.to_string())
    .execute(&mut **tx)
    .await?;
    for delete in [
        "DELETE FROM staff_recovery_codes WHERE account_id = $1",
        "DELETE FROM staff_sessions WHERE account_id = $1",
    ] {
        sqlx::query(delete)
            .bind(account.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Vault {
    /// The live activation link of `token`, or `None` (unknown, used, expired, the account
    /// disabled, or a row that does not carry the MAC the key gives it).
    pub async fn activation(
        &self,
        key: &SessionKey,
        token: &SecretToken,
    ) -> Result<Option<Activation>, StorageError> {
        let tag = key.activation_tag(token);
        let row = sqlx::query(
            "SELECT a.id, a.username, v.purpose, v.expires_at, v.row_mac FROM staff_activations v \
             JOIN staff_accounts a ON a.id = v.account_id \
             WHERE v.token_tag = $1 AND a.disabled_at IS NULL AND v.expires_at > $2",
        )
        .bind(tag.0.to_vec())
        .bind(now_millis())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let account_id = parse_uuid(&row.try_get::<String, _>("id")?)?;
        let purpose_code: String = row.try_get("purpose")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let expected = key.activation_row_mac(&tag, account_id, &purpose_code, expires_at);
        let stored: Vec<u8> = row.try_get("row_mac")?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &stored[..])) {
            tracing::warn!(
                account = %account_id,
                "an activation row does not carry its MAC: refused (written or changed outside Kakunin)"
            );
            return Ok(None);
        }
        Ok(Some(Activation {
            account_id,
            username: row.try_get("username")?,
            purpose: purpose_code
                .parse()
                .map_err(|_| StorageError::Corrupt("activation purpose"))?,
            expires_at,
        }))
    }

    /// Uses an activation link once: the account gets `password_hash`, the link is gone, any
    /// session ends. `NotFound` when the link is not live (used — also by a concurrent
    /// request —, expired, forged).
    pub async fn activate(
        &self,
        ctx_ip: Option<String>,
        key: &SessionKey,
        token: &SecretToken,
        password_hash: &str,
    ) -> Result<Uuid, StorageError> {
        let Some(activation) = self.activation(key, token).await? else {
            return Err(StorageError::NotFound);
        };
        let tag = key.activation_tag(token);
        let mut tx = self.begin_write().await?;
        // The row is taken by the delete: of two concurrent uses, one deletes it.
        let taken = sqlx::query(
            "DELETE FROM staff_activations WHERE token_tag = $1 AND account_id = $2 AND expires_at > $3",
        )
        .bind(tag.0.to_vec())
        .bind(activation.account_id.to_string())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            return Err(StorageError::NotFound);
        }
        let now = now_millis();
        sqlx::query(
            "UPDATE staff_accounts SET password_hash = $1, password_changed_at = $2 \
             WHERE id = $3 AND disabled_at IS NULL",
        )
        .bind(password_hash.to_owned())
        .bind(now)
        .bind(activation.account_id.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM staff_sessions WHERE account_id = $1")
            .bind(activation.account_id.to_string())
            .execute(&mut *tx)
            .await?;
        let ctx = AuditContext {
            actor: crate::Actor::Staff(activation.account_id),
            source_ip: ctx_ip,
        };
        let purpose: &'static str = activation.purpose.into();
        let event = AuditEvent::success(
            actions::STAFF_ACTIVATE,
            format!("staff:{}", activation.account_id),
        )
        .with_detail(serde_json::json!({ "purpose": purpose }));
        audit::append(&mut tx, &ctx, &event).await?;
        tx.commit().await?;
        Ok(activation.account_id)
    }

    /// The operator's break-glass path at the server's console: a new activation link for
    /// `username` (any earlier one stops working), audited with the console's context.
    pub async fn issue_activation_at_console(
        &self,
        ctx: &AuditContext,
        issuer: ActivationIssuer<'_>,
        username: &str,
    ) -> Result<IssuedActivation, StorageError> {
        let mut tx = self.begin_write().await?;
        let account = account_by_username(&mut tx, username).await?;
        let disabled: Option<i64> =
            sqlx::query_scalar("SELECT disabled_at FROM staff_accounts WHERE id = $1")
                .bind(account.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if disabled.is_some() {
            return Err(StorageError::Invalid("the account is disabled"));
        }
        // The holder sets new credentials: the old ones stop working now.
        forget_credentials(&mut tx, account).await?;
        let issued = issuer
            .issue(&mut tx, account, ActivationPurpose::Reset)
            .await?;
        let event =
            AuditEvent::success(actions::STAFF_ACTIVATION_ISSUE, format!("staff:{account}"))
                .with_detail(serde_json::json!({ "purpose": "reset", "by": "console" }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// A staff member changes their own password (the caller checked the current one and a
    /// TOTP code); other sessions end, this one stays.
    pub async fn change_own_password(
        &self,
        ctx: &AuditContext,
        account: Uuid,
        keep_session: &crate::internal_keys::SessionTag,
        password_hash: &str,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE staff_accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .bind(password_hash.to_owned())
        .bind(now_millis())
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM staff_sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account.to_string())
            .bind(keep_session.0.to_vec())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(actions::STAFF_PASSWORD_CHANGE, format!("staff:{account}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every staff account with its rights and state, by username (the admin's access review).
    pub async fn account_overview(&self) -> Result<Vec<AccountOverview>, StorageError> {
        let rows = sqlx::query(
            "SELECT a.id, a.username, a.role, a.email, a.disabled_at, a.totp_enrolled_at, \
             a.password_hash, a.created_at, a.password_changed_at, \
             (SELECT MAX(s.at) FROM staff_sign_ins s WHERE s.account_id = a.id AND s.outcome = 'success') AS last_sign_in_at \
             FROM staff_accounts a ORDER BY a.username",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let account_id = parse_uuid(&r.try_get::<String, _>("id")?)?;
            out.push(AccountOverview {
                account_id,
                username: r.try_get("username")?,
                role: Role::from_code(&r.try_get::<String, _>("role")?)
                    .ok_or(StorageError::Corrupt("role"))?,
                scopes: self.staff_scopes(account_id).await?,
                email: r.try_get("email")?,
                disabled_at: r.try_get("disabled_at")?,
                totp_enrolled: r.try_get::<Option<i64>, _>("totp_enrolled_at")?.is_some(),
                activation_pending: r.try_get::<String, _>("password_hash")? == NO_PASSWORD,
                last_sign_in_at: r.try_get("last_sign_in_at")?,
                created_at: r.try_get("created_at")?,
                password_changed_at: r.try_get("password_changed_at")?,
            });
        }
        Ok(out)
    }

    /// One admin disables an account at once: its session and activation link end. Nobody
    /// disables themselves, and the last enabled admin stays (or nobody could approve
    /// anything again).
    pub async fn disable_staff_account(
        &self,
        ctx: &AuditContext,
        actor: Uuid,
        account: Uuid,
    ) -> Result<(), StorageError> {
        if actor == account {
            return Err(StorageError::Invalid("own account"));
        }
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT role, disabled_at FROM staff_accounts WHERE id = $1")
            .bind(account.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound)?;
        if row.try_get::<Option<i64>, _>("disabled_at")?.is_some() {
            return Err(StorageError::Conflict("already disabled"));
        }
        if row.try_get::<String, _>("role")? == Role::Admin.code() {
            // Counted inside the writer's transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL:
            // the admins' rows locked), so two admins disabling each other leave one.
            let admins: Vec<String> = match self.backend() {
                crate::vault::Backend::Postgres => sqlx::query_scalar(
                    "SELECT id FROM staff_accounts WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE",
                ),
                crate::vault::Backend::Sqlite => sqlx::query_scalar(
                    "SELECT id FROM staff_accounts WHERE role = 'admin' AND disabled_at IS NULL",
                ),
            }
            .fetch_all(&mut *tx)
            .await?;
            if admins.len() <= 1 {
                return Err(StorageError::Conflict("last admin"));
            }
        }
        sqlx::query(
            "UPDATE staff_accounts SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
        )
        .bind(now_millis())
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?;
        for delete in [
            "DELETE FROM staff_sessions WHERE account_id = $1",
            "DELETE FROM staff_activations WHERE account_id = $1",
        ] {
            sqlx::query(delete)
                .bind(account.to_string())
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(actions::STAFF_DISABLE, format!("staff:{account}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Proposes a change to `account` (not one's own) for a second admin.
    pub async fn propose_account_change(
        &self,
        ctx: &AuditContext,
        proposer: Uuid,
        account: Uuid,
        kind: AccountChangeKind,
    ) -> Result<Uuid, StorageError> {
        let mut tx = self.begin_write().await?;
        let subject = username_of(&mut tx, account).await?;
        let kind_code: &'static str = kind.into();
        if let Err(refused) = duties::not_about_oneself(
            &username_of(&mut tx, proposer).await?,
            &subject,
            Duty::ChangeOwnAccount,
        ) {
            drop(tx);
            return Err(self
                .refuse_duty(
                    ctx,
                    actions::ACCOUNT_CHANGE_PROPOSE,
                    Some(format!("staff:{account}")),
                    refused,
                )
                .await);
        }
        let disabled: Option<i64> =
            sqlx::query_scalar("SELECT disabled_at FROM staff_accounts WHERE id = $1")
                .bind(account.to_string())
                .fetch_one(&mut *tx)
                .await?;
        match (kind, disabled) {
            (AccountChangeKind::Enable, None) => {
                return Err(StorageError::Conflict("not disabled"));
            }
            (AccountChangeKind::ResetCredentials, Some(_)) => {
                return Err(StorageError::Invalid("the account is disabled"));
            }
            _ => {}
        }
        let open = sqlx::query(
            "SELECT 1 AS one FROM account_changes WHERE account_id = $1 AND kind = $2 AND decided_at IS NULL",
        )
        .bind(account.to_string())
        .bind(kind_code)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_some() {
            return Err(StorageError::Conflict("already proposed"));
        }
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO account_changes (id, account_id, kind, proposed_by, proposed_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(kind_code)
        .bind(proposer.to_string())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        let event =
            AuditEvent::success(actions::ACCOUNT_CHANGE_PROPOSE, format!("staff:{account}"))
                .with_detail(serde_json::json!({ "change": id, "kind": kind_code }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The account changes waiting for a second admin, oldest first.
    pub async fn pending_account_changes(&self) -> Result<Vec<PendingAccountChange>, StorageError> {
        sqlx::query(
            "SELECT c.id, c.account_id, a.username, c.kind, c.proposed_by, c.proposed_at \
             FROM account_changes c JOIN staff_accounts a ON a.id = c.account_id \
             WHERE c.decided_at IS NULL ORDER BY c.proposed_at, c.id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PendingAccountChange {
                change_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                account_id: parse_uuid(&r.try_get::<String, _>("account_id")?)?,
                username: r.try_get("username")?,
                kind: r
                    .try_get::<String, _>("kind")?
                    .parse()
                    .map_err(|_| StorageError::Corrupt("account change kind"))?,
                proposed_by: parse_uuid(&r.try_get::<String, _>("proposed_by")?)?,
                proposed_at: r.try_get("proposed_at")?,
            })
        })
        .collect()
    }

    /// A second admin (not the proposer, not the account's holder) approves a change.
    pub async fn approve_account_change(
        &self,
        ctx: &AuditContext,
        approver: Uuid,
        change_id: Uuid,
        issuer: ActivationIssuer<'_>,
    ) -> Result<AccountChangeOutcome, StorageError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT account_id, kind, proposed_by FROM account_changes WHERE id = $1 AND decided_at IS NULL",
        )
        .bind(change_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        let account = parse_uuid(&row.try_get::<String, _>("account_id")?)?;
        let proposer = parse_uuid(&row.try_get::<String, _>("proposed_by")?)?;
        let kind: AccountChangeKind = row
            .try_get::<String, _>("kind")?
            .parse()
            .map_err(|_| StorageError::Corrupt("account change kind"))?;
        let subject = username_of(&mut tx, account).await?;
        let approver_name = username_of(&mut tx, approver).await?;
        if let Err(refused) =
            duties::second_person(proposer.into(), approver.into()).and_then(|()| {
                duties::not_about_oneself(&approver_name, &subject, Duty::ChangeOwnAccount)
            })
        {
            drop(tx);
            return Err(self
                .refuse_duty(
                    ctx,
                    actions::ACCOUNT_CHANGE_APPROVE,
                    Some(format!("staff:{account}")),
                    refused,
                )
                .await);
        }
        let now = now_millis();
        let decided = sqlx::query(
            "UPDATE account_changes SET decided_by = $1, decided_at = $2, outcome = 'approved' \
             WHERE id = $3 AND decided_at IS NULL",
        )
        .bind(approver.to_string())
        .bind(now)
        .bind(change_id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if decided != 1 {
            return Err(StorageError::NotFound);
        }
        let outcome = match kind {
            AccountChangeKind::ResetCredentials => {
                forget_credentials(&mut tx, account).await?;
                AccountChangeOutcome::Reset(
                    issuer
                        .issue(&mut tx, account, ActivationPurpose::Reset)
                        .await?,
                )
            }
            AccountChangeKind::Enable => {
                sqlx::query("UPDATE staff_accounts SET disabled_at = NULL WHERE id = $1")
                    .bind(account.to_string())
                    .execute(&mut *tx)
                    .await?;
                AccountChangeOutcome::Enabled(account)
            }
        };
        let kind_code: &'static str = kind.into();
        let event =
            AuditEvent::success(actions::ACCOUNT_CHANGE_APPROVE, format!("staff:{account}"))
                .with_detail(serde_json::json!({
                    "change": change_id, "kind": kind_code, "proposed_by": proposer,
                }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Withdraws a pending account change (any admin: taking a proposal back takes no
    /// second person).
    pub async fn withdraw_account_change(
        &self,
        ctx: &AuditContext,
        admin: Uuid,
        change_id: Uuid,
    ) -> Result<(), StorageError> {
        self.withdraw(
            ctx,
            admin,
            "UPDATE account_changes SET decided_by = $1, decided_at = $2, outcome = 'withdrawn' \
             WHERE id = $3 AND decided_at IS NULL",
            (
                actions::ACCOUNT_CHANGE_WITHDRAW,
                format!("change:{change_id}"),
            ),
            change_id,
        )
        .await
    }

    /// Withdraws a pending role grant (any admin).
    pub async fn withdraw_grant(
        &self,
        ctx: &AuditContext,
        admin: Uuid,
        grant_id: Uuid,
    ) -> Result<(), StorageError> {
        self.withdraw(
            ctx,
            admin,
            "UPDATE role_grants SET decided_by = $1, decided_at = $2, outcome = 'rejected' \
             WHERE id = $3 AND decided_at IS NULL",
            (actions::GRANT_WITHDRAW, format!("grant:{grant_id}")),
            grant_id,
        )
        .await
    }

    /// Decides a pending proposal as withdrawn by `admin` with `decide` (`$1` admin, `$2`
    /// now, `$3` id), audited; `NotFound` when it is no longer pending.
    async fn withdraw(
        &self,
        ctx: &AuditContext,
        admin: Uuid,
        decide: &'static str,
        (action, target): (&'static str, String),
        id: Uuid,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(decide)
            .bind(admin.to_string())
            .bind(now_millis())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done != 1 {
            return Err(StorageError::NotFound);
        }
        audit::append(&mut tx, ctx, &AuditEvent::success(action, target)).await?;
        tx.commit().await?;
        Ok(())
    }
}
