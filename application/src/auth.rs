//! Staff authentication: sign-in (argon2id and a second factor), the step-up of approvals,
//! TOTP enrolment's pieces. The cookie that carries a session is the adapter's; the rules
//! are here.
//!
//! - No user enumeration: an unknown username is verified against a dummy hash and gets
//!   the same answer as a wrong password or a wrong code.
//! - Lockout (`storage::lockout`): each attempt is reserved before the password is checked,
//!   so concurrent guesses cannot all be checked; a username or an address with too many
//!   failures in the window is refused unchecked; the step-up of approvals has its own
//!   counter per account (security review, findings 4 and 9).
//! - One live session per account, a fresh token at each sign-in; idle and absolute
//!   timeouts; the session lives in the database under a tag keyed with `keys/session.key`
//!   and a MAC over the row, so a database writer without that key cannot forge or move one.
//! - TOTP (RFC 6238: SHA-1, 6 digits, 30 s, one step of skew), each time step accepted once
//!   (RFC 6238 §5.2); ten single-use recovery codes, stored hashed.

use domain::{Role, StaffId};
use sha2::{Digest, Sha256};
use storage::lockout::{AttemptKey, Reserved, Throttle};
use storage::staff::{NewStaffSession, SignInAttempt, SignInOutcome};
use storage::{AuditEvent, SecretToken, Vault, typed_text};
use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

use crate::access::Staff;
use crate::app::App;
use crate::error::{AppError, Lock};

/// What a staff member types to sign in. Its `Debug` hides the secrets.
#[derive(serde::Deserialize)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// The current TOTP code (once enrolled).
    pub totp: Option<String>,
    /// …or one of the recovery codes.
    pub recovery_code: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &typed_text::neutralise(&self.username))
            .finish_non_exhaustive()
    }
}

/// Where a sign-in comes from, as the history records it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// The client's address (after trusted-proxy handling).
    pub ip: Option<String>,
    /// Its `User-Agent`.
    pub user_agent: Option<String>,
}

/// A new session: the token the cookie carries (shown once).
#[derive(Debug)]
pub struct SignedIn {
    /// For the cookie.
    pub token: SecretToken,
    /// The role.
    pub role: Role,
    /// `false` when TOTP must be enrolled before anything else.
    pub second_factor_done: bool,
}

/// What a second approver types again: the password and a TOTP code (wiped when dropped).
#[derive(serde::Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct StepUp {
    /// The password.
    pub password: String,
    /// A current TOTP code.
    pub totp: String,
}

impl std::fmt::Debug for StepUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepUp").finish_non_exhaustive()
    }
}

/// Signs a staff member in (see the module documentation for the rules).
pub async fn sign_in(
    app: &App,
    client: Client,
    credentials: Credentials,
) -> Result<SignedIn, AppError> {
    let policy = &app.policy.staff;
    // Both are recorded in the sign-in history whatever they hold (an unknown username too:
    // the lockout counts it), so they are neutralised, not refused.
    let user_agent = client
        .user_agent
        .map(|ua| typed_text::neutralise(&ua.chars().take(200).collect::<String>()));
    let username = typed_text::neutralise(
        &credentials
            .username
            .trim()
            .chars()
            .take(64)
            .collect::<String>(),
    );
    let mut attempt = SignInAttempt {
        username: username.clone(),
        account_id: None,
        source_ip: client.ip.clone(),
        user_agent,
        outcome: SignInOutcome::Failure,
        reason: "bad_password",
    };
    let window_ms = policy.lockout_minutes * 60_000;
    let mut keys = vec![AttemptKey {
        key: format!("staff-user:{username}"),
        throttle: Throttle {
            limit: policy.lockout_failures_per_account,
            window_ms,
            cleared_by_success: true,
        },
    }];
    if let Some(ip) = &client.ip {
        keys.push(AttemptKey {
            key: format!("staff-ip:{ip}"),
            throttle: Throttle {
                limit: policy.lockout_failures_per_ip,
                window_ms,
                // An office's shared address: one person's success does not clear
                // another's guesses.
                cleared_by_success: false,
            },
        });
    }
    let reservation = match app.vault.reserve_attempt(&keys).await? {
        Reserved::Granted(reservation) => reservation,
        Reserved::Locked {
            key,
            retry_after_ms,
        } => {
            attempt.outcome = SignInOutcome::Locked;
            attempt.reason = if key == 0 {
                "account_locked"
            } else {
                "address_locked"
            };
            app.vault.record_sign_in(&attempt, None).await?;
            return Err(locked(Lock::SignIn, retry_after_ms));
        }
    };
    let outcome = check_credentials(app, credentials, attempt).await;
    app.vault
        .settle_attempt(reservation, outcome.is_ok())
        .await?;
    outcome
}

fn locked(lock: Lock, retry_after_ms: i64) -> AppError {
    AppError::Locked {
        lock,
        retry_after_secs: u64::try_from((retry_after_ms + 999) / 1000).unwrap_or(900),
    }
}

/// The password and second factor of a sign-in whose attempt is reserved.
async fn check_credentials(
    app: &App,
    credentials: Credentials,
    mut attempt: SignInAttempt,
) -> Result<SignedIn, AppError> {
    let username = attempt.username.clone();
    let account = app.vault.staff_credentials(&username).await?;
    attempt.account_id = account.as_ref().map(|c| c.account_id);
    let hash = account.as_ref().map(|c| c.password_hash.clone());
    let password = Zeroizing::new(credentials.password.clone());
    let password_ok = tokio::task::spawn_blocking(move || {
        crate::password::verify_or_waste_time(&password, hash.as_deref())
    })
    .await
    .map_err(|e| AppError::internal(&e))?;
    let refuse = |reason: &'static str, mut attempt: SignInAttempt| async move {
        attempt.reason = reason;
        app.vault.record_sign_in(&attempt, None).await?;
        Err::<SignedIn, AppError>(AppError::InvalidCredentials)
    };
    let Some(account) = account.filter(|_| password_ok) else {
        let reason = if attempt.account_id.is_some() {
            "bad_password"
        } else {
            "unknown_user"
        };
        return refuse(reason, attempt).await;
    };
    let second_factor_done = match &account.totp_secret_sealed {
        Some(sealed) => {
            let codes = (
                credentials.totp.as_deref(),
                credentials.recovery_code.as_deref(),
            );
            if !second_factor_ok(app, account.account_id.into(), sealed, codes).await? {
                return refuse("bad_second_factor", attempt).await;
            }
            true
        }
        // No TOTP yet: signed in only to enrol it. Every role enrols (collectors too, since
        // issue 18: they type numbers and upload card photos).
        None => false,
    };
    let token = SecretToken::generate();
    let absolute = time::OffsetDateTime::now_utc()
        + time::Duration::hours(app.policy.staff.session_absolute_hours);
    attempt.outcome = SignInOutcome::Success;
    attempt.reason = if second_factor_done {
        "signed_in"
    } else {
        "signed_in_for_totp_enrolment"
    };
    let session_key = &app.internal()?.session;
    app.vault
        .record_sign_in(
            &attempt,
            Some((
                session_key,
                &NewStaffSession {
                    tag: session_key.tag(&token),
                    role: account.role,
                    second_factor_done,
                    absolute_expires_at: (absolute.unix_timestamp_nanos() / 1_000_000) as i64,
                },
            )),
        )
        .await?;
    Ok(SignedIn {
        token,
        role: account.role,
        second_factor_done,
    })
}

/// The live session a staff session cookie's token stands for (its idle clock moved on;
/// see `storage::staff::Vault::staff_session`) and the tag it is keyed by, or
/// `Unauthenticated`.
pub async fn session(
    app: &App,
    token: &SecretToken,
) -> Result<(storage::staff::StaffSession, storage::SessionTag), AppError> {
    let key = &app.internal()?.session;
    let tag = key.tag(token);
    let session = app
        .vault
        .staff_session(key, &tag, app.policy.staff.session_idle_minutes * 60_000)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((session, tag))
}

/// Signs out: ends the session of this tag, audited.
pub async fn sign_out(
    app: &App,
    staff: &crate::access::SignedIn,
    tag: &storage::SessionTag,
) -> Result<(), AppError> {
    Ok(app.vault.end_staff_session(staff.audit(), tag).await?)
}

/// Starts the caller's TOTP enrolment: a new secret, kept sealed (internal keys) until a
/// first code confirms it. An account already enrolled is refused (a conflict): resetting
/// a second factor is an admin's step (`staff_accounts`), never the holder's alone.
pub async fn start_totp_enrolment(
    app: &App,
    staff: &crate::access::SignedIn,
    already_enrolled: bool,
) -> Result<Zeroizing<Vec<u8>>, AppError> {
    if already_enrolled {
        return Err(AppError::Conflict(crate::error::Conflict::Concurrent));
    }
    let account = staff.id().uuid();
    let secret = new_totp_secret();
    let sealed = app.internal()?.totp.seal(account, &secret);
    app.vault.store_pending_totp(account, &sealed).await?;
    Ok(secret)
}

/// Confirms the pending secret with a first code: the session `tag` is then past the
/// second factor. Returns the recovery codes (shown once, kept as hashes).
pub async fn finish_totp_enrolment(
    app: &App,
    staff: &crate::access::SignedIn,
    tag: &storage::SessionTag,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let account = staff.id().uuid();
    let invalid = AppError::Invalid(crate::error::Invalid::TotpCode);
    let Some(sealed) = app.vault.pending_totp(account).await? else {
        return Err(invalid);
    };
    let internal = app.internal()?;
    let secret = internal
        .totp
        .open(account, &sealed)
        .map_err(|e| AppError::internal(&e))?;
    let Some(step) = matching_step(&secret, code)? else {
        return Err(invalid);
    };
    let (codes, hashes) = new_recovery_codes();
    app.vault
        .confirm_totp(
            staff.audit(),
            &internal.session,
            account,
            tag,
            step,
            &hashes,
        )
        .await?;
    Ok(codes)
}

async fn second_factor_ok(
    app: &App,
    account: StaffId,
    sealed: &[u8],
    (totp, recovery_code): (Option<&str>, Option<&str>),
) -> Result<bool, AppError> {
    if let Some(code) = totp {
        return totp_code_ok(&app.vault, &app.internal()?.totp, account, sealed, code).await;
    }
    if let Some(code) = recovery_code {
        return Ok(app
            .vault
            .use_recovery_code(account.uuid(), &recovery_code_hash(code))
            .await?);
    }
    Ok(false)
}

/// Whether `code` is the account's current TOTP code, not used before (RFC 6238 §5.2: a
/// step is accepted once).
pub async fn totp_code_ok(
    vault: &Vault,
    key: &storage::TotpKey,
    account: StaffId,
    sealed: &[u8],
    code: &str,
) -> Result<bool, AppError> {
    let secret = key
        .open(account.uuid(), sealed)
        .map_err(|e| AppError::internal(&e))?;
    match matching_step(&secret, code)? {
        Some(step) => Ok(vault.use_totp_step(account.uuid(), step).await?),
        None => Ok(false),
    }
}

/// Proof that a staff member passed a re-authentication (password and a fresh TOTP code)
/// just now: only [`step_up`] and [`sign_at_console`] make one, and the approvals that
/// take it consume it, so an approval cannot happen without its step-up whatever door it
/// comes through.
#[derive(Debug)]
pub struct SteppedUp {
    staff: StaffId,
}

impl SteppedUp {
    /// Whose re-authentication this proves.
    pub fn staff(&self) -> StaffId {
        self.staff
    }
}

/// A staff member signing a command at the server's console (`kakunin retention dispose`):
/// the password and a fresh TOTP code, the same checks, lockout and audit as the pages'
/// step-up. The caller is then that staff member, from the console.
pub async fn sign_at_console(
    app: &App,
    username: &str,
    credentials: &StepUp,
) -> Result<(Staff, SteppedUp), AppError> {
    let Some(account) = app.vault.staff_credentials(username).await? else {
        app.vault
            .record(
                &storage::AuditContext::cli(),
                AuditEvent::denied(storage::audit::actions::STAFF_REAUTHENTICATE, None)
                    .with_detail(serde_json::json!({ "via": "console" })),
            )
            .await?;
        return Err(AppError::InvalidCredentials);
    };
    let mut staff = Staff {
        id: account.account_id.into(),
        username: username.to_owned(),
        role: account.role,
        second_factor_done: false,
        audit: storage::AuditContext {
            actor: storage::Actor::Staff(account.account_id),
            source_ip: None,
        },
    };
    let proof = step_up(app, &staff, credentials).await?;
    staff.second_factor_done = true;
    Ok((staff, proof))
}

/// Asks a signed-in staff member for the password and a TOTP code again (approvals),
/// audited when refused: `InvalidCredentials` when either is wrong; `Locked` once the
/// account's step-ups failed `staff.step_up_failures` times within the lockout window
/// (security review, finding 9: a stolen session must not be a way to guess the password
/// without limit). The approvals of the web pages, the API and the command line all come
/// here.
pub async fn step_up(app: &App, staff: &Staff, step_up: &StepUp) -> Result<SteppedUp, AppError> {
    let policy = &app.policy.staff;
    let key = AttemptKey {
        key: format!("step-up:{}", staff.id),
        throttle: Throttle {
            limit: policy.step_up_failures,
            window_ms: policy.lockout_minutes * 60_000,
            cleared_by_success: true,
        },
    };
    let refused = |detail: serde_json::Value| {
        AuditEvent::denied(
            storage::audit::actions::STAFF_REAUTHENTICATE,
            Some(staff.audit.actor.label()),
        )
        .with_detail(detail)
    };
    let reservation = match app.vault.reserve_attempt(&[key]).await? {
        Reserved::Granted(reservation) => reservation,
        Reserved::Locked { retry_after_ms, .. } => {
            app.vault
                .record(
                    &staff.audit,
                    refused(serde_json::json!({"reason": "locked"})),
                )
                .await?;
            return Err(locked(Lock::StepUp, retry_after_ms));
        }
    };
    let ok = step_up_ok(app, staff, step_up).await;
    app.vault
        .settle_attempt(reservation, matches!(ok, Ok(true)))
        .await?;
    if ok? {
        return Ok(SteppedUp { staff: staff.id });
    }
    app.vault
        .record(&staff.audit, refused(serde_json::json!({})))
        .await?;
    Err(AppError::InvalidCredentials)
}

async fn step_up_ok(app: &App, staff: &Staff, step_up: &StepUp) -> Result<bool, AppError> {
    let Some(account) = app
        .vault
        .staff_credentials(&staff.username)
        .await?
        .filter(|c| StaffId::from(c.account_id) == staff.id)
    else {
        return Err(AppError::Unauthenticated);
    };
    let hash = account.password_hash.clone();
    let password = Zeroizing::new(step_up.password.clone());
    let password_ok =
        tokio::task::spawn_blocking(move || crate::password::verify_password(&password, &hash))
            .await
            .map_err(|e| AppError::internal(&e))?;
    match (&account.totp_secret_sealed, password_ok) {
        (Some(sealed), true) => {
            second_factor_ok(app, staff.id, sealed, (Some(&step_up.totp), None)).await
        }
        _ => Ok(false),
    }
}

/// The TOTP of a secret: RFC 6238 defaults (SHA-1, 6 digits, 30 s), one step of skew.
pub fn totp_for(secret: &[u8]) -> Result<Totp, AppError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| AppError::internal(&e))
}

/// The time step a code matches now, if any.
pub fn matching_step(secret: &[u8], code: &str) -> Result<Option<i64>, AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    Ok(totp_for(secret)?
        .check(code.trim(), now)
        .and_then(|step| i64::try_from(step).ok()))
}

/// Normalizes a recovery code as typed (case, spaces, hyphens) and hashes it.
pub fn recovery_code_hash(code: &str) -> [u8; 32] {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(normalized.as_bytes()).into()
}

/// A fresh TOTP secret (160 bits, the RFC 4226 recommendation).
pub fn new_totp_secret() -> Zeroizing<Vec<u8>> {
    let mut secret = Zeroizing::new(vec![0u8; 20]);
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret[..]);
    secret
}

/// Ten single-use recovery codes (80 bits each, base32 in groups) and their hashes.
pub fn new_recovery_codes() -> (Vec<String>, Vec<[u8; 32]>) {
    (0..10)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            let text = data_encoding::BASE32_NOPAD.encode(&bytes);
            let shown = format!(
                "{}-{}-{}-{}",
                &text[0..4],
                &text[4..8],
                &text[8..12],
                &text[12..16]
            );
            let hash = recovery_code_hash(&shown);
            (shown, hash)
        })
        .unzip()
}

/// The `otpauth://` URI an authenticator app reads (from a QR code or typed in).
pub fn otpauth_uri(username: &str, secret: &[u8]) -> String {
    let encoded = data_encoding::BASE32_NOPAD.encode(secret);
    let label: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    format!(
        "otpauth://totp/Kakunin:{label}?secret={encoded}&issuer=Kakunin&algorithm=SHA1&digits=6&period=30"
    )
}
