//! Staff accounts (officers, collectors, auditors, admins) and their scopes.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::internal_keys::{SessionKey, SessionTag};
use crate::invitations::parse_uuid;
use crate::org::BranchCode;
use crate::typed_text;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

pub use domain::Role;

/// A staff account's sign-in name (also a payroll client's name): 3 to 64 of `a-z`, `0-9`,
/// `.`, `_`, `-`, starting with a letter or a digit. So a username holds no control, bidi or
/// invisible character ([`crate::typed_text`]), cannot pass for another by looking alike,
/// and starts with no character a spreadsheet reads as a formula (it is the `checker` column
/// of the payroll export and appears in the ledgers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Username(String);

/// A sign-in name outside the rule of [`Username`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a username is 3 to 64 of a-z, 0-9, '.', '_' or '-', starting with a letter or a digit")]
pub struct UsernameError;

impl Username {
    /// Checks a typed name (not trimmed: a name with spaces around it is refused, not
    /// silently changed).
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        let ok = (3..=64).contains(&input.len())
            && input.chars().all(allowed)
            && input.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(UsernameError)
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new account: the password is already hashed by the caller (argon2id).
#[derive(Debug, Clone)]
pub struct NewStaffAccount {
    /// Sign-in name.
    pub username: Username,
    /// Role.
    pub role: Role,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// Branches or departments in scope.
    pub scopes: Vec<BranchCode>,
}

impl Vault {
    /// The branches in `account`'s scope, sorted.
    pub async fn staff_scopes(&self, account: Uuid) -> Result<Vec<String>, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT branch_code FROM staff_scopes WHERE account_id = $1 ORDER BY branch_code",
        )
        .bind(account.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether `account` has `branch` in its scope.
    pub async fn staff_has_scope(
        &self,
        account: Uuid,
        branch: &BranchCode,
    ) -> Result<bool, StorageError> {
        Ok(
            sqlx::query("SELECT 1 FROM staff_scopes WHERE account_id = $1 AND branch_code = $2")
                .bind(account.to_string())
                .bind(branch.as_str().to_owned())
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Creates a staff account with its scopes; the username must be new.
    pub async fn create_staff_account(
        &self,
        ctx: &AuditContext,
        new: &NewStaffAccount,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT 1 FROM staff_accounts WHERE username = $1")
            .bind(new.username.as_str().to_owned())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StorageError::Conflict("the username is taken"));
        }
        sqlx::query(
            "INSERT INTO staff_accounts (id, username, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(new.username.as_str().to_owned())
        .bind(new.role.code())
        .bind(new.password_hash.clone())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        for scope in &new.scopes {
            sqlx::query("INSERT INTO staff_scopes (account_id, branch_code) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(scope.as_str().to_owned())
                .execute(&mut *tx)
                .await?;
        }
        let event = AuditEvent::success(actions::STAFF_CREATE, format!("staff:{id}")).with_detail(
            serde_json::json!({
                "role": new.role.code(),
                "scopes": new.scopes.iter().map(BranchCode::as_str).collect::<Vec<_>>(),
            }),
        );
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether any staff account exists (a fresh installation has none).
    pub async fn has_staff_accounts(&self) -> Result<bool, StorageError> {
        Ok(sqlx::query("SELECT 1 FROM staff_accounts LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }
}

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct StaffCredentials {
    /// The account.
    pub account_id: Uuid,
    /// Its role.
    pub role: Role,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// The TOTP secret, encrypted (see `TotpKey`); `None` until enrolled.
    pub totp_secret_sealed: Option<Vec<u8>>,
    /// The last accepted TOTP time step.
    pub totp_last_step: Option<i64>,
}

/// How a sign-in attempt ended, for the login history and the lockout counter.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SignInOutcome {
    /// Signed in.
    Success,
    /// Wrong username, password or second factor (which one is not said to the client).
    Failure,
    /// Refused without checking, because of earlier failures.
    Locked,
}

domain::codes!(SignInOutcome);

/// One sign-in attempt as the login history keeps it. The username and the `User-Agent` are
/// recorded as they came, with no chance to refuse them: they are stored
/// [`typed_text::neutralise`]d, so the history an auditor reads holds no control or bidi
/// character.
#[derive(Debug, Clone)]
pub struct SignInAttempt {
    /// The username typed (an unknown one too: the lockout counts it).
    pub username: String,
    /// The account, when the username exists.
    pub account_id: Option<Uuid>,
    /// Client address.
    pub source_ip: Option<String>,
    /// Client `User-Agent`, cut to 200 characters.
    pub user_agent: Option<String>,
    /// How it ended.
    pub outcome: SignInOutcome,
    /// Why, as a code (`bad_password`, `bad_second_factor`, `unknown_user`, …). Only the
    /// history and the trail see it, never the client.
    pub reason: &'static str,
}

/// A new staff session: the cookie token's tag and the CSRF token's hash.
#[derive(Debug, Clone)]
pub struct NewStaffSession {
    /// The cookie's token, keyed with the session key ([`SessionKey::tag`]).
    pub tag: SessionTag,
    /// The account's role, bound into the row's MAC: a changed role ends the session.
    pub role: Role,
    /// Whether the second factor was checked; `false` allows TOTP enrolment only.
    pub second_factor_done: bool,
    /// Unix ms when the session ends whatever its activity.
    pub absolute_expires_at: i64,
}

/// A live staff session.
#[derive(Debug, Clone)]
pub struct StaffSession {
    /// The account.
    pub account_id: Uuid,
    /// The account's name.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// Whether the second factor was checked in this session.
    pub second_factor_done: bool,
    /// Whether the account has a confirmed TOTP.
    pub totp_enrolled: bool,
    /// Unix ms of the absolute end.
    pub absolute_expires_at: i64,
}

impl StaffSession {
    /// The audit context of a request made in this session.
    pub fn audit_context(&self, source_ip: Option<String>) -> AuditContext {
        AuditContext {
            actor: crate::Actor::Staff(self.account_id),
            source_ip,
        }
    }
}

/// A row of the login history.
#[derive(Debug, Clone, Serialize)]
pub struct SignInRecord {
    /// Unix ms.
    pub at: i64,
    /// The username typed.
    pub username: String,
    /// Client address.
    pub source_ip: Option<String>,
    /// Client `User-Agent`.
    pub user_agent: Option<String>,
    /// `success`, `failure` or `locked`.
    pub outcome: String,
    /// Why.
    pub reason: String,
}

impl Vault {
    /// The credentials of an enabled account, or `None` (unknown or disabled).
    pub async fn staff_credentials(
        &self,
        username: &str,
    ) -> Result<Option<StaffCredentials>, StorageError> {
        let Some(row) = sqlx::query(
            "SELECT id, role, password_hash, totp_secret_sealed, totp_last_step FROM staff_accounts \
             WHERE username = $1 AND disabled_at IS NULL",
        )
        .bind(username.to_owned())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(StaffCredentials {
            account_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
            role: Role::from_code(&row.try_get::<String, _>("role")?)
                .ok_or(StorageError::Corrupt("role"))?,
            password_hash: row.try_get("password_hash")?,
            totp_secret_sealed: row.try_get("totp_secret_sealed")?,
            totp_last_step: row.try_get("totp_last_step")?,
        }))
    }

    /// Records a sign-in attempt in the login history and the audit trail; on success,
    /// replaces the account's session (one live session per account) in the same
    /// transaction, its row authenticated with the session key.
    pub async fn record_sign_in(
        &self,
        attempt: &SignInAttempt,
        session: Option<(&SessionKey, &NewStaffSession)>,
    ) -> Result<(), StorageError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO staff_sign_ins (id, at, username, account_id, source_ip, user_agent, outcome, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(now)
        .bind(typed_text::neutralise(&attempt.username))
        .bind(attempt.account_id.map(|id| id.to_string()))
        .bind(attempt.source_ip.clone())
        .bind(attempt.user_agent.as_deref().map(typed_text::neutralise))
        .bind(attempt.outcome.code())
        .bind(attempt.reason)
        .execute(&mut *tx)
        .await?;
        if let (Some((key, session)), Some(account_id)) = (session, attempt.account_id) {
            sqlx::query("DELETE FROM staff_sessions WHERE account_id = $1")
                .bind(account_id.to_string())
                .execute(&mut *tx)
                .await?;
            let row_mac = key.row_mac(
                &session.tag,
                account_id,
                session.role,
                session.second_factor_done,
                session.absolute_expires_at,
            );
            sqlx::query(
                "INSERT INTO staff_sessions (token_hash, account_id, second_factor_done, created_at, \
                 last_seen_at, absolute_expires_at, row_mac) VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(session.tag.0.to_vec())
            .bind(account_id.to_string())
            .bind(i64::from(session.second_factor_done))
            .bind(now)
            .bind(session.absolute_expires_at)
            .bind(row_mac.to_vec())
            .execute(&mut *tx)
            .await?;
        }
        let target = attempt.account_id.map(|id| format!("staff:{id}"));
        let session = session.map(|(_, s)| s);
        let event = match attempt.outcome {
            SignInOutcome::Success => AuditEvent::success(actions::STAFF_SIGN_IN, target),
            _ => AuditEvent::denied(actions::STAFF_SIGN_IN, target),
        }
        .with_detail(serde_json::json!({
            "outcome": attempt.outcome.code(),
            "reason": attempt.reason,
            "second_factor_done": session.map(|s| s.second_factor_done),
        }));
        let ctx = AuditContext {
            actor: attempt
                .account_id
                .map_or(crate::Actor::System, crate::Actor::Staff),
            source_ip: attempt.source_ip.clone(),
        };
        audit::append(&mut tx, &ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session for a cookie token, refreshing its idle clock; `None` if unknown,
    /// idle longer than `idle_ms`, past its absolute end, the account is disabled, or the
    /// row does not carry the MAC the session key gives it (written by someone without the
    /// key, or changed since: another account, another role, a second factor not done).
    pub async fn staff_session(
        &self,
        key: &SessionKey,
        tag: &SessionTag,
        idle_ms: i64,
    ) -> Result<Option<StaffSession>, StorageError> {
        let now = now_millis();
        let row = sqlx::query(
            "SELECT a.id, a.username, a.role, a.totp_enrolled_at, s.second_factor_done, \
             s.absolute_expires_at, s.last_seen_at, s.row_mac FROM staff_sessions s \
             JOIN staff_accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND a.disabled_at IS NULL AND s.last_seen_at > $2 \
             AND s.absolute_expires_at > $3",
        )
        .bind(tag.0.to_vec())
        .bind(now - idle_ms)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let account_id = parse_uuid(&row.try_get::<String, _>("id")?)?;
        let role = Role::from_code(&row.try_get::<String, _>("role")?)
            .ok_or(StorageError::Corrupt("role"))?;
        let second_factor_done = row.try_get::<i64, _>("second_factor_done")? != 0;
        let absolute_expires_at: i64 = row.try_get("absolute_expires_at")?;
        let expected = key.row_mac(
            tag,
            account_id,
            role,
            second_factor_done,
            absolute_expires_at,
        );
        let stored: Vec<u8> = row.try_get("row_mac")?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &stored[..])) {
            tracing::warn!(
                account = %account_id,
                "a staff session row does not carry its MAC: refused (written or changed outside Kakunin)"
            );
            return Ok(None);
        }
        // The idle clock is a write; like the providers' sessions it is moved only when it
        // lags by more than a tenth of the idle period (at most a minute), decided on the
        // row just read: on SQLite even an UPDATE that matches nothing takes the writer
        // lock, behind the uploads. A session may so end up to that much before its exact
        // idle time, never after.
        let touch_after = (idle_ms / 10).clamp(1, 60_000);
        if row.try_get::<i64, _>("last_seen_at")? < now - touch_after {
            sqlx::query(
                "UPDATE staff_sessions SET last_seen_at = $1 WHERE token_hash = $2 \
                 AND last_seen_at < $1",
            )
            .bind(now)
            .bind(tag.0.to_vec())
            .execute(&self.pool)
            .await?;
        }
        Ok(Some(StaffSession {
            account_id,
            username: row.try_get("username")?,
            role,
            second_factor_done,
            totp_enrolled: row.try_get::<Option<i64>, _>("totp_enrolled_at")?.is_some(),
            absolute_expires_at,
        }))
    }

    /// Ends a session (sign-out), with its audit entry.
    pub async fn end_staff_session(
        &self,
        ctx: &AuditContext,
        tag: &SessionTag,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
            .bind(tag.0.to_vec())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(actions::STAFF_SIGN_OUT, Some(ctx.actor.label())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a TOTP secret (encrypted) until the holder confirms a first code.
    pub async fn store_pending_totp(
        &self,
        account_id: Uuid,
        sealed_secret: &[u8],
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE staff_accounts SET totp_pending_sealed = $1 WHERE id = $2")
            .bind(sealed_secret.to_vec())
            .bind(account_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The pending (unconfirmed) TOTP secret, encrypted.
    pub async fn pending_totp(&self, account_id: Uuid) -> Result<Option<Vec<u8>>, StorageError> {
        let row = sqlx::query("SELECT totp_pending_sealed FROM staff_accounts WHERE id = $1")
            .bind(account_id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("totp_pending_sealed")?)
    }

    /// Makes the pending TOTP secret the account's, stores the recovery codes' hashes,
    /// and marks the session as past the second factor (its row MAC renewed) — one
    /// transaction, audited.
    pub async fn confirm_totp(
        &self,
        ctx: &AuditContext,
        key: &SessionKey,
        account_id: Uuid,
        session: &SessionTag,
        accepted_step: i64,
        recovery_code_hashes: &[[u8; 32]],
    ) -> Result<(), StorageError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE staff_accounts SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL, \
             totp_enrolled_at = $1, totp_last_step = $2 WHERE id = $3 AND totp_pending_sealed IS NOT NULL",
        )
        .bind(now)
        .bind(accepted_step)
        .bind(account_id.to_string())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(StorageError::Conflict("no TOTP enrolment is pending"));
        }
        sqlx::query("DELETE FROM staff_recovery_codes WHERE account_id = $1")
            .bind(account_id.to_string())
            .execute(&mut *tx)
            .await?;
        for hash in recovery_code_hashes {
            sqlx::query(
                "INSERT INTO staff_recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(account_id.to_string())
            .bind(hash.to_vec())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let row = sqlx::query(
            "SELECT a.role, s.absolute_expires_at FROM staff_sessions s JOIN staff_accounts a \
             ON a.id = s.account_id WHERE s.token_hash = $1 AND s.account_id = $2",
        )
        .bind(session.0.to_vec())
        .bind(account_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::Conflict("the session ended"))?;
        let role = Role::from_code(&row.try_get::<String, _>("role")?)
            .ok_or(StorageError::Corrupt("role"))?;
        let row_mac = key.row_mac(
            session,
            account_id,
            role,
            true,
            row.try_get("absolute_expires_at")?,
        );
        sqlx::query(
            "UPDATE staff_sessions SET second_factor_done = 1, row_mac = $1 WHERE token_hash = $2 AND account_id = $3",
        )
        .bind(row_mac.to_vec())
        .bind(session.0.to_vec())
        .bind(account_id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(actions::STAFF_TOTP_ENROL, format!("staff:{account_id}"))
            .with_detail(serde_json::json!({"recovery_codes": recovery_code_hashes.len()}));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accepts a TOTP time step once: `false` if this or a later step was already used.
    pub async fn use_totp_step(&self, account_id: Uuid, step: i64) -> Result<bool, StorageError> {
        let updated = sqlx::query(
            "UPDATE staff_accounts SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(account_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Spends a recovery code: `false` if unknown or already used.
    pub async fn use_recovery_code(
        &self,
        account_id: Uuid,
        code_hash: &[u8; 32],
    ) -> Result<bool, StorageError> {
        let updated = sqlx::query(
            "UPDATE staff_recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 \
             AND used_at IS NULL",
        )
        .bind(now_millis())
        .bind(account_id.to_string())
        .bind(code_hash.to_vec())
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// The login history, newest first (for auditors). Rows written before the username and
    /// `User-Agent` were neutralised on the way in are neutralised on the way out.
    pub async fn sign_in_history(&self, limit: i64) -> Result<Vec<SignInRecord>, StorageError> {
        sqlx::query(
            "SELECT at, username, source_ip, user_agent, outcome, reason FROM staff_sign_ins \
             ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SignInRecord {
                at: r.try_get("at")?,
                username: typed_text::neutralise(&r.try_get::<String, _>("username")?),
                source_ip: r.try_get("source_ip")?,
                user_agent: r
                    .try_get::<Option<String>, _>("user_agent")?
                    .as_deref()
                    .map(typed_text::neutralise),
                outcome: r.try_get("outcome")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
    }
}
