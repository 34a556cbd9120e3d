//! Invitations and the provider sessions they open.
//!
//! An invitation is a single bearer link (≥ 256 bits, stored hashed, expiring), optionally
//! guarded by a second factor, the provider's birth date, with a limited number of
//! attempts. Creating one creates its submission in state `invited`.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::org::{BranchCode, EmployeeCode};
use crate::person::{BirthDate, NameKana, PersonName};
use crate::secret_token::SecretToken;
use crate::state::SubmissionState;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// Failed second-factor attempts before an invitation locks.
pub const MAX_SECOND_FACTOR_ATTEMPTS: i64 = 5;
/// How long a locked invitation stays locked, in milliseconds.
pub const LOCK_MILLIS: i64 = 15 * 60 * 1000;

/// Who is invited.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum InvitationKind {
    /// An employee, who also enters dependants.
    Employee,
    /// An individual payee, who submits once.
    Payee,
}

domain::codes!(InvitationKind);

/// An e-mail address the invitation link is sent to: checked once (HTML5's rule, as
/// `validator` implements it), at most 254 characters, kept out of debug logs.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims and checks a typed address.
    pub fn parse(input: &str) -> Result<Self, StorageError> {
        let trimmed = input.trim();
        if trimmed.len() > 254 || !validator::ValidateEmail::validate_email(&trimmed) {
            return Err(StorageError::Invalid("e-mail address"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailAddress(…)")
    }
}

/// What an admin (or `kakunin invite`) asks for.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// Employee or payee.
    pub kind: InvitationKind,
    /// The invited person's name, shown on the landing page.
    pub name: PersonName,
    /// Furigana from the HR roster: pre-filled on the person's own form.
    pub name_kana: Option<NameKana>,
    /// Where the link is sent, when SMTP is configured.
    pub email: Option<EmailAddress>,
    /// The employer's code for the person.
    pub employee_code: Option<EmployeeCode>,
    /// The branch or department the person belongs to (scopes officers and collectors).
    pub branch: Option<BranchCode>,
    /// The second factor asked at sign-in, if any.
    pub birth_date: Option<BirthDate>,
    /// How long the link works, in days.
    pub valid_days: i64,
}

/// A created invitation: the token is shown once and never stored.
#[derive(Debug)]
pub struct CreatedInvitation {
    /// The invitation's id.
    pub id: Uuid,
    /// The submission it will fill.
    pub submission_id: Uuid,
    /// The bearer token for the link.
    pub token: SecretToken,
    /// When the link stops working (Unix ms).
    pub expires_at: i64,
}

/// Why a provider could not sign in. The first variant covers unknown, expired and
/// revoked links alike, so a guesser learns nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The link is unknown, expired or revoked.
    #[error("the invitation link is not valid")]
    InvalidLink,
    /// This invitation asks for the birth date.
    #[error("the birth date is required")]
    SecondFactorRequired,
    /// The birth date did not match.
    #[error("the birth date does not match")]
    SecondFactorWrong {
        /// Attempts left before the invitation locks.
        remaining: i64,
    },
    /// Too many wrong attempts.
    #[error("too many attempts")]
    Locked {
        /// When it unlocks (Unix ms).
        until: i64,
    },
    /// The store failed.
    #[error("storage failed")]
    Storage(String),
}

impl From<StorageError> for SignInError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e.to_string())
    }
}

/// A signed-in provider.
#[derive(Debug, Clone)]
pub struct ProviderSession {
    /// The invitation used.
    pub invitation_id: Uuid,
    /// The submission being filled.
    pub submission_id: Uuid,
    /// Employee or payee.
    pub kind: InvitationKind,
    /// Idle expiry (Unix ms).
    pub expires_at: i64,
}

impl ProviderSession {
    /// The audit context of this provider, from `source_ip`.
    pub fn audit_context(&self, source_ip: Option<String>) -> AuditContext {
        AuditContext {
            actor: audit::Actor::Provider(self.invitation_id),
            source_ip,
        }
    }
}

/// A new session's cookie value and the session.
#[derive(Debug)]
pub struct StartedSession {
    /// Goes into the cookie; never stored.
    pub token: SecretToken,
    /// The session.
    pub session: ProviderSession,
}

/// The landing page's view of an invitation: who is asking, and whether a birth date
/// will be asked. Shown before sign-in, so it holds nothing personal but the name.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationPreview {
    /// Employee or payee.
    pub kind: InvitationKind,
    /// The invited person's name.
    pub name: String,
    /// Whether sign-in asks for the birth date.
    pub asks_birth_date: bool,
}

pub(crate) const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

impl Vault {
    /// Creates an invitation and its submission (state `invited`).
    pub async fn create_invitation(
        &self,
        ctx: &AuditContext,
        new: &NewInvitation,
    ) -> Result<CreatedInvitation, StorageError> {
        let mut created = self
            .create_invitations(ctx, std::slice::from_ref(new))
            .await?;
        created
            .pop()
            .ok_or(StorageError::Corrupt("invitation batch"))
    }

    /// Creates invitations in one transaction: all of them or none (a roster upload never
    /// half-lands). One audit entry per invitation.
    pub async fn create_invitations(
        &self,
        ctx: &AuditContext,
        batch: &[NewInvitation],
    ) -> Result<Vec<CreatedInvitation>, StorageError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let mut created = Vec::with_capacity(batch.len());
        for new in batch {
            let token = SecretToken::generate();
            let id = Uuid::now_v7();
            let submission_id = Uuid::now_v7();
            let expires_at = now + new.valid_days.max(1) * DAY_MILLIS;
            let code = new.employee_code.as_ref().map(|c| c.as_str().to_owned());
            // A person of this code who has left, with a record not yet disposed, is
            // re-hired: the new collection links to them (`lifecycle.rs`).
            let rehire = match &code {
                Some(code) => crate::lifecycle::take_rehire(&mut tx, code).await?,
                None => None,
            };
            let inserted = sqlx::query(
                "INSERT INTO invitations (id, token_hash, kind, display_name, name_kana, email, employee_code, \
                 live_employee_code, branch_code, birth_date, created_by, created_at, expires_at, issued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $11) \
                 ON CONFLICT (live_employee_code) WHERE live_employee_code IS NOT NULL DO NOTHING",
            )
            .bind(id.to_string())
            .bind(token.hash().0.to_vec())
            .bind(new.kind.code())
            .bind(new.name.as_str().to_owned())
            .bind(new.name_kana.as_ref().map(|k| k.as_str().to_owned()))
            .bind(new.email.as_ref().map(|e| e.as_str().to_owned()))
            .bind(code.clone())
            .bind(new.branch.as_ref().map(|c| c.as_str().to_owned()))
            .bind(new.birth_date.map(BirthDate::to_iso))
            .bind(ctx.actor.label())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            // One live invitation per employee code (migration 0020): the whole batch is
            // refused, naming the first code already in use.
            if inserted.rows_affected() != 1 {
                return Err(StorageError::AlreadyInvited(code.unwrap_or_default()));
            }
            sqlx::query(
                "INSERT INTO submissions (id, invitation_id, state, branch_code, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(submission_id.to_string())
            .bind(id.to_string())
            .bind(SubmissionState::Invited.code())
            .bind(new.branch.as_ref().map(|c| c.as_str().to_owned()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if let Some(rehire) = &rehire {
                crate::lifecycle::link_rehire(&mut tx, ctx, rehire, submission_id).await?;
            }
            let event = AuditEvent::success(actions::INVITATION_CREATE, format!("invitation:{id}"))
                .with_detail(serde_json::json!({
                    "kind": new.kind.code(),
                    "submission": submission_id,
                    "branch": new.branch.as_ref().map(BranchCode::as_str),
                    "second_factor": new.birth_date.is_some(),
                    "email": new.email.is_some(),
                    "expires_at": expires_at,
                }));
            audit::append(&mut tx, ctx, &event).await?;
            created.push(CreatedInvitation {
                id,
                submission_id,
                token,
                expires_at,
            });
        }
        tx.commit().await?;
        Ok(created)
    }

    /// What the landing page may show for a link, if it is valid.
    pub async fn preview_invitation(
        &self,
        token: &SecretToken,
    ) -> Result<Option<InvitationPreview>, StorageError> {
        let row = sqlx::query(
            "SELECT kind, display_name, birth_date FROM invitations \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token.hash().0.to_vec())
        .bind(now_millis())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(InvitationPreview {
                kind: InvitationKind::from_code(&r.try_get::<String, _>("kind")?)
                    .ok_or(StorageError::Corrupt("invitation kind"))?,
                name: r.try_get("display_name")?,
                asks_birth_date: r.try_get::<Option<String>, _>("birth_date")?.is_some(),
            })
        })
        .transpose()
    }

    /// Signs a provider in with an invitation token and, where the invitation has one,
    /// the birth date. Wrong birth dates are counted; too many lock the invitation.
    pub async fn start_provider_session(
        &self,
        ctx: &AuditContext,
        token: &SecretToken,
        birth_date: Option<BirthDate>,
        session_idle_millis: i64,
    ) -> Result<StartedSession, SignInError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        // The count of wrong birth dates is read and raised under the invitation row's lock:
        // on PostgreSQL (READ COMMITTED) this no-op UPDATE takes it, so concurrent guesses
        // queue here and each reads the count the previous one left (security review,
        // finding 4); SQLite's `BEGIN IMMEDIATE` already serializes writers.
        sqlx::query(
            "UPDATE invitations SET failed_attempts = failed_attempts WHERE token_hash = $1",
        )
        .bind(token.hash().0.to_vec())
        .execute(&mut *tx)
        .await
        .map_err(StorageError::from)?;
        let row = sqlx::query(
            "SELECT i.id, i.kind, i.birth_date, i.failed_attempts, i.locked_until, s.id AS submission_id, s.state \
             FROM invitations i JOIN submissions s ON s.invitation_id = i.id \
             WHERE i.token_hash = $1 AND i.revoked_at IS NULL AND i.expires_at > $2",
        )
        .bind(token.hash().0.to_vec())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(StorageError::from)?;
        let Some(row) = row else {
            drop(tx);
            self.record(ctx, AuditEvent::denied(actions::PROVIDER_SIGN_IN, None))
                .await?;
            return Err(SignInError::InvalidLink);
        };
        let get = |e: sqlx::Error| SignInError::from(StorageError::from(e));
        let invitation_id: String = row.try_get("id").map_err(get)?;
        let invitation_id = parse_uuid(&invitation_id)?;
        let submission_id = parse_uuid(&row.try_get::<String, _>("submission_id").map_err(get)?)?;
        let kind = InvitationKind::from_code(&row.try_get::<String, _>("kind").map_err(get)?)
            .ok_or(StorageError::Corrupt("invitation kind"))?;
        let expected_birth_date: Option<String> = row.try_get("birth_date").map_err(get)?;
        let failed: i64 = row.try_get("failed_attempts").map_err(get)?;
        let locked_until: Option<i64> = row.try_get("locked_until").map_err(get)?;
        let state = SubmissionState::from_code(&row.try_get::<String, _>("state").map_err(get)?)
            .ok_or(StorageError::Corrupt("submission state"))?;
        let target = format!("invitation:{invitation_id}");
        let ctx = AuditContext {
            actor: audit::Actor::Provider(invitation_id),
            source_ip: ctx.source_ip.clone(),
        };

        if let Some(until) = locked_until.filter(|&u| u > now) {
            drop(tx);
            self.record(
                &ctx,
                AuditEvent::denied(actions::PROVIDER_SIGN_IN, target)
                    .with_detail(serde_json::json!({"reason": "locked"})),
            )
            .await?;
            return Err(SignInError::Locked { until });
        }
        if let Some(expected) = expected_birth_date {
            let Some(given) = birth_date else {
                return Err(SignInError::SecondFactorRequired);
            };
            if !bool::from(subtle::ConstantTimeEq::ct_eq(
                given.to_iso().as_bytes(),
                expected.as_bytes(),
            )) {
                let failed = failed + 1;
                let lock = (failed >= MAX_SECOND_FACTOR_ATTEMPTS).then_some(now + LOCK_MILLIS);
                sqlx::query(
                    "UPDATE invitations SET failed_attempts = $1, locked_until = $2 WHERE id = $3",
                )
                .bind(if lock.is_some() { 0 } else { failed })
                .bind(lock)
                .bind(invitation_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(StorageError::from)?;
                let event = AuditEvent::denied(actions::PROVIDER_SIGN_IN, target).with_detail(
                    serde_json::json!({"reason": "second_factor", "locked": lock.is_some()}),
                );
                audit::append(&mut tx, &ctx, &event).await?;
                tx.commit().await.map_err(StorageError::from)?;
                return Err(match lock {
                    Some(until) => SignInError::Locked { until },
                    None => SignInError::SecondFactorWrong {
                        remaining: MAX_SECOND_FACTOR_ATTEMPTS - failed,
                    },
                });
            }
        }

        sqlx::query(
            "UPDATE invitations SET failed_attempts = 0, locked_until = NULL WHERE id = $1",
        )
        .bind(invitation_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(StorageError::from)?;
        if state == SubmissionState::Invited {
            crate::submissions::apply_transition(
                &mut tx,
                &ctx,
                submission_id,
                SubmissionState::open,
            )
            .await?;
        }
        let session_token = SecretToken::generate();
        let expires_at = now + session_idle_millis;
        sqlx::query(
            "INSERT INTO provider_sessions (token_hash, invitation_id, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(session_token.hash().0.to_vec())
        .bind(invitation_id.to_string())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(StorageError::from)?;
        audit::append(
            &mut tx,
            &ctx,
            &AuditEvent::success(actions::PROVIDER_SIGN_IN, target),
        )
        .await?;
        tx.commit().await.map_err(StorageError::from)?;
        Ok(StartedSession {
            token: session_token,
            session: ProviderSession {
                invitation_id,
                submission_id,
                kind,
                expires_at,
            },
        })
    }

    /// Looks up a live provider session and slides its idle expiry. Sessions of revoked
    /// or expired invitations end with them.
    pub async fn provider_session(
        &self,
        token: &SecretToken,
        session_idle_millis: i64,
    ) -> Result<Option<ProviderSession>, StorageError> {
        let now = now_millis();
        let hash = token.hash().0.to_vec();
        let row = sqlx::query(
            "SELECT i.id, i.kind, s.id AS submission_id, p.last_seen_at, p.expires_at \
             FROM provider_sessions p \
             JOIN invitations i ON i.id = p.invitation_id \
             JOIN submissions s ON s.invitation_id = i.id \
             WHERE p.token_hash = $1 AND p.expires_at > $2 AND i.revoked_at IS NULL AND i.expires_at > $2",
        )
        .bind(hash.clone())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // Sliding the expiry is a write; skip it when the session was touched in the last
        // minute. The check is made here, on the row just read, and not in the UPDATE's
        // WHERE: on SQLite an UPDATE takes the writer lock even when it matches nothing, so
        // every request of a burst queued behind the uploads' writes (seen as 1 s+
        // statements in the campaign benchmark).
        let mut expires_at: i64 = row.try_get("expires_at")?;
        if row.try_get::<i64, _>("last_seen_at")? < now - 60_000 {
            expires_at = now + session_idle_millis;
            sqlx::query(
                "UPDATE provider_sessions SET last_seen_at = $1, expires_at = $2 \
                 WHERE token_hash = $3 AND last_seen_at < $4",
            )
            .bind(now)
            .bind(expires_at)
            .bind(hash)
            .bind(now - 60_000)
            .execute(&self.pool)
            .await?;
        }
        Ok(Some(ProviderSession {
            invitation_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
            submission_id: parse_uuid(&row.try_get::<String, _>("submission_id")?)?,
            kind: InvitationKind::from_code(&row.try_get::<String, _>("kind")?)
                .ok_or(StorageError::Corrupt("invitation kind"))?,
            expires_at,
        }))
    }

    /// Ends a provider session (sign-out).
    pub async fn end_provider_session(&self, token: &SecretToken) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM provider_sessions WHERE token_hash = $1")
            .bind(token.hash().0.to_vec())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

pub(crate) fn parse_uuid(text: &str) -> Result<Uuid, StorageError> {
    Uuid::parse_str(text).map_err(|_| StorageError::Corrupt("uuid"))
}
