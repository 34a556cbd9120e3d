//! Staff authentication: sign-in (argon2id + TOTP), the staff session cookie, CSRF, and
//! the extractors handlers use to say who may call them.
//!
//! - No user enumeration: an unknown username is verified against a dummy hash and gets
//!   the same answer as a wrong password or a wrong code.
//! - Lockout is time-based and counted in the database (shared by every instance), each
//!   attempt reserved before the password is checked, so concurrent guesses cannot all be
//!   checked (`storage::lockout`): a username or an address with too many failures in the
//!   window is refused unchecked; the step-up of approvals has its own counter per account.
//! - One live session per account, a fresh token at each sign-in; idle and absolute
//!   timeouts; the session lives in the database, under a tag keyed with
//!   `keys/session.key` and a MAC over the row, so a database writer without that key
//!   (a compromised public instance) cannot forge or move a session.
//! - CSRF: the session's token, issued with the session and derived from its cookie
//!   ([`crate::csrf`]), comes back in `X-CSRF-Token` on state-changing API requests; the
//!   check itself is the one middleware every request passes ([`crate::csrf::guard`]).
//!   SameSite=Strict alone is not relied on (same-site pages on another port, older
//!   browsers).
//! - Officers, auditors and admins must enrol TOTP before anything else works.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use portal::Message;
use sha2::{Digest, Sha256};
use storage::lockout::{AttemptKey, Reserved, Throttle};
use storage::staff::{NewStaffSession, Role, SignInAttempt, SignInOutcome, StaffSession};
use storage::typed_text;
use storage::{AuditContext, InternalKeys, SecretToken, SessionTag, TokenHash};
use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

use crate::auth::source_ip;
use crate::error::ApiError;
use crate::startup::AppState;

use crate::cookies::SessionCookie;

/// A request from a valid staff session (any stage); [`crate::csrf::guard`] has checked
/// a state-changing request before it gets here.
#[derive(Debug)]
pub struct StaffCaller {
    /// The session.
    pub session: StaffSession,
    /// The cookie token's tag, as the session row is keyed.
    pub tag: SessionTag,
    /// Who and from where, for the audit trail.
    pub audit: AuditContext,
}

/// A staff member past the second factor (or a collector, who needs none).
#[derive(Debug)]
pub struct SignedInStaff(pub StaffCaller);

/// An officer past the second factor.
#[derive(Debug)]
pub struct Officer(pub StaffCaller);

/// An officer (paper by post or in person) or a branch collector (in person), past the
/// second factor where the role has one: staff who may take a submission in on a
/// person's behalf, within their scope.
#[derive(Debug)]
pub struct Assistant(pub StaffCaller);

/// An admin past the second factor (account management, never a number).
#[derive(Debug)]
pub struct Admin(pub StaffCaller);

/// What a second approver sends: the password and a TOTP code again (step-up); wiped
/// when dropped.
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

/// An auditor or an admin past the second factor.
#[derive(Debug)]
pub struct Overseer(pub StaffCaller);

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&"application state missing"))
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The caller of a staff *page*: the same session checks as the API's.
pub async fn page_caller(req: &HttpRequest) -> Result<StaffCaller, ApiError> {
    authenticate(req.clone()).await
}

/// The value of the staff session cookie `req` carries, if any.
pub fn session_token(req: &HttpRequest, state: &AppState) -> Option<String> {
    SessionCookie::Staff.value(req, !state.settings.insecure_http)
}

/// Officers, auditors and admins past their second factor, collectors always.
pub fn require_second_factor(caller: StaffCaller) -> Result<StaffCaller, ApiError> {
    past_second_factor(caller)
}

/// The caller, if they hold one of `allowed` roles (after the second factor).
pub fn require_role(caller: StaffCaller, allowed: &[Role]) -> Result<StaffCaller, ApiError> {
    with_role(caller, allowed)
}

async fn authenticate(req: HttpRequest) -> Result<StaffCaller, ApiError> {
    let state = app_state(&req)?;
    let token = session_token(&req, &state)
        .and_then(|value| SecretToken::parse(&value).ok())
        .ok_or_else(ApiError::session_required)?;
    let keys = internal_keys(&state)?;
    let tag = keys.session.tag(&token);
    let session = state
        .vault
        .staff_session(
            &keys.session,
            &tag,
            state.settings.staff.session_idle_minutes * 60_000,
        )
        .await?
        .ok_or_else(ApiError::session_required)?;
    let audit = session.audit_context(source_ip(&req, &state));
    Ok(StaffCaller {
        session,
        tag,
        audit,
    })
}

fn past_second_factor(caller: StaffCaller) -> Result<StaffCaller, ApiError> {
    if caller.session.role.requires_totp() && !caller.session.second_factor_done {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Message::TotpEnrolmentRequired,
        ));
    }
    Ok(caller)
}

fn with_role(caller: StaffCaller, allowed: &[Role]) -> Result<StaffCaller, ApiError> {
    let caller = past_second_factor(caller)?;
    if allowed.contains(&caller.session.role) {
        Ok(caller)
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, Message::Forbidden))
    }
}

macro_rules! extractor {
    ($name:ident, $check:expr) => {
        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

            fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let check: fn(StaffCaller) -> Result<Self, ApiError> = $check;
                    check(authenticate(req).await?)
                })
            }
        }
    };
}

extractor!(StaffCaller, Ok);
extractor!(SignedInStaff, |c| past_second_factor(c).map(SignedInStaff));
extractor!(Officer, |c| with_role(c, &[Role::Officer]).map(Officer));
extractor!(Assistant, |c| with_role(
    c,
    &[Role::Officer, Role::Collector]
)
.map(Assistant));
extractor!(Admin, |c| with_role(c, &[Role::Admin]).map(Admin));
extractor!(Overseer, |c| with_role(c, &[Role::Auditor, Role::Admin])
    .map(Overseer));

/// The staff session cookie for a new session.
pub fn session_cookie(token: &SecretToken, secure: bool) -> Cookie<'static> {
    SessionCookie::Staff.build(token.expose().to_owned(), secure)
}

/// A cookie that removes the staff session cookie.
pub fn cleared_cookie(secure: bool) -> Cookie<'static> {
    SessionCookie::Staff.cleared(secure)
}

/// What a client sends to sign in. Its `Debug` hides the secrets.
#[derive(serde::Deserialize)]
pub struct SignInRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// The current TOTP code (once enrolled).
    pub totp: Option<String>,
    /// …or one of the recovery codes.
    pub recovery_code: Option<String>,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("username", &typed_text::neutralise(&self.username))
            .finish_non_exhaustive()
    }
}

/// A new session: the cookie token and the CSRF token (shown once, in the body).
#[derive(Debug)]
pub struct SignedIn {
    /// For the cookie.
    pub token: SecretToken,
    /// For the `X-CSRF-Token` header (derived from the cookie's token, so that the one
    /// CSRF middleware checks it without a database read).
    pub csrf_token: String,
    /// The role.
    pub role: Role,
    /// `false` when TOTP must be enrolled before anything else.
    pub second_factor_done: bool,
}

/// The TOTP of a secret: RFC 6238 defaults (SHA-1, 6 digits, 30 s), one step of skew.
pub fn totp_for(secret: &[u8]) -> Result<Totp, ApiError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| ApiError::internal(&e))
}

/// The time step a code matches now, if any.
pub fn matching_step(secret: &[u8], code: &str) -> Result<Option<i64>, ApiError> {
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
    sha256(&normalized)
}

/// Signs a staff member in (see the module documentation for the rules).
pub async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    request: SignInRequest,
) -> Result<SignedIn, ApiError> {
    let settings = &state.settings.staff;
    let ip = source_ip(req, state);
    // Both are recorded in the sign-in history whatever they hold (an unknown username
    // too: the lockout counts it), so they are neutralised, not refused.
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| typed_text::neutralise(&ua.chars().take(200).collect::<String>()));
    let username =
        typed_text::neutralise(&request.username.trim().chars().take(64).collect::<String>());
    let mut attempt = SignInAttempt {
        username: username.clone(),
        account_id: None,
        source_ip: ip.clone(),
        user_agent,
        outcome: SignInOutcome::Failure,
        reason: "bad_password",
    };
    let window_ms = settings.lockout_minutes * 60_000;
    let mut keys = vec![AttemptKey {
        key: format!("staff-user:{username}"),
        throttle: Throttle {
            limit: settings.lockout_failures_per_account,
            window_ms,
            cleared_by_success: true,
        },
    }];
    if let Some(ip) = &ip {
        keys.push(AttemptKey {
            key: format!("staff-ip:{ip}"),
            throttle: Throttle {
                limit: settings.lockout_failures_per_ip,
                window_ms,
                // An office's shared address: one person's success does not clear
                // another's guesses.
                cleared_by_success: false,
            },
        });
    }
    let reservation = match state.vault.reserve_attempt(&keys).await? {
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
            state.vault.record_sign_in(&attempt, None).await?;
            return Err(ApiError::retry_later(
                Message::StaffLocked,
                u64::try_from((retry_after_ms + 999) / 1000).unwrap_or(900),
            ));
        }
    };
    let outcome = check_credentials(state, request, attempt).await;
    state
        .vault
        .settle_attempt(reservation, outcome.is_ok())
        .await?;
    outcome
}

/// The password and second factor of a sign-in whose attempt is reserved.
async fn check_credentials(
    state: &AppState,
    request: SignInRequest,
    mut attempt: SignInAttempt,
) -> Result<SignedIn, ApiError> {
    let settings = &state.settings.staff;
    let username = attempt.username.clone();
    let credentials = state.vault.staff_credentials(&username).await?;
    attempt.account_id = credentials.as_ref().map(|c| c.account_id);
    let hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let password = Zeroizing::new(request.password.clone());
    let password_ok = tokio::task::spawn_blocking(move || {
        crate::password::verify_or_waste_time(&password, hash.as_deref())
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let refuse = |reason: &'static str, mut attempt: SignInAttempt| async move {
        attempt.reason = reason;
        state.vault.record_sign_in(&attempt, None).await?;
        Err::<SignedIn, ApiError>(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Message::InvalidCredentials,
        ))
    };
    let Some(credentials) = credentials.filter(|_| password_ok) else {
        let reason = if attempt.account_id.is_some() {
            "bad_password"
        } else {
            "unknown_user"
        };
        return refuse(reason, attempt).await;
    };
    let second_factor_done = match &credentials.totp_secret_sealed {
        Some(sealed) => {
            let codes = (request.totp.as_deref(), request.recovery_code.as_deref());
            if !second_factor_ok(state, credentials.account_id, sealed, codes).await? {
                return refuse("bad_second_factor", attempt).await;
            }
            true
        }
        None => !credentials.role.requires_totp(),
    };
    let token = SecretToken::generate();
    let csrf_token = crate::csrf::token(crate::csrf::Purpose::StaffSession, token.expose());
    let absolute =
        time::OffsetDateTime::now_utc() + time::Duration::hours(settings.session_absolute_hours);
    attempt.outcome = SignInOutcome::Success;
    attempt.reason = if second_factor_done {
        "signed_in"
    } else {
        "signed_in_for_totp_enrolment"
    };
    let session_key = &internal_keys(state)?.session;
    state
        .vault
        .record_sign_in(
            &attempt,
            Some((
                session_key,
                &NewStaffSession {
                    tag: session_key.tag(&token),
                    role: credentials.role,
                    csrf_hash: TokenHash(sha256(&csrf_token)),
                    second_factor_done,
                    absolute_expires_at: (absolute.unix_timestamp_nanos() / 1_000_000) as i64,
                },
            )),
        )
        .await?;
    Ok(SignedIn {
        token,
        csrf_token,
        role: credentials.role,
        second_factor_done,
    })
}

async fn second_factor_ok(
    state: &AppState,
    account: uuid::Uuid,
    sealed: &[u8],
    (totp, recovery_code): (Option<&str>, Option<&str>),
) -> Result<bool, ApiError> {
    if let Some(code) = totp {
        return totp_code_ok(
            &state.vault,
            &internal_keys(state)?.totp,
            account,
            sealed,
            code,
        )
        .await;
    }
    if let Some(code) = recovery_code {
        return Ok(state
            .vault
            .use_recovery_code(account, &recovery_code_hash(code))
            .await?);
    }
    Ok(false)
}

/// Whether `code` is the account's current TOTP code, not used before (RFC 6238 §5.2: a
/// step is accepted once).
pub async fn totp_code_ok(
    vault: &storage::Vault,
    key: &storage::TotpKey,
    account: uuid::Uuid,
    sealed: &[u8],
    code: &str,
) -> Result<bool, ApiError> {
    let secret = key
        .open(account, sealed)
        .map_err(|e| ApiError::internal(&e))?;
    match matching_step(&secret, code)? {
        Some(step) => Ok(vault.use_totp_step(account, step).await?),
        None => Ok(false),
    }
}

/// The internal side's keys (present on every instance that serves staff).
pub fn internal_keys(state: &AppState) -> Result<&InternalKeys, ApiError> {
    state
        .internal
        .as_ref()
        .ok_or_else(|| ApiError::internal(&"no internal keys on an instance serving staff"))
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

/// Asks a signed-in staff member for password and TOTP again (for approvals), audited
/// when refused. 401 when either is wrong; 429 once the account's step-ups failed
/// `staff.step_up_failures` times within the lockout window (security review, finding 9:
/// a stolen session must not be a way to guess the password without limit).
pub async fn reauthenticate(
    state: &AppState,
    caller: &StaffCaller,
    password: &str,
    totp: &str,
) -> Result<(), ApiError> {
    let settings = &state.settings.staff;
    let key = AttemptKey {
        key: format!("step-up:{}", caller.session.account_id),
        throttle: Throttle {
            limit: settings.step_up_failures,
            window_ms: settings.lockout_minutes * 60_000,
            cleared_by_success: true,
        },
    };
    let reservation = match state.vault.reserve_attempt(&[key]).await? {
        Reserved::Granted(reservation) => reservation,
        Reserved::Locked { retry_after_ms, .. } => {
            state
                .vault
                .record(
                    &caller.audit,
                    storage::AuditEvent::denied(
                        storage::audit::actions::STAFF_REAUTHENTICATE,
                        Some(caller.audit.actor.label()),
                    )
                    .with_detail(serde_json::json!({"reason": "locked"})),
                )
                .await?;
            return Err(ApiError::retry_later(
                Message::StepUpLocked,
                u64::try_from((retry_after_ms + 999) / 1000).unwrap_or(900),
            ));
        }
    };
    let ok = step_up_ok(state, caller, password, totp).await;
    state
        .vault
        .settle_attempt(reservation, matches!(ok, Ok(true)))
        .await?;
    if ok? {
        return Ok(());
    }
    state
        .vault
        .record(
            &caller.audit,
            storage::AuditEvent::denied(
                storage::audit::actions::STAFF_REAUTHENTICATE,
                Some(caller.audit.actor.label()),
            ),
        )
        .await?;
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        Message::InvalidCredentials,
    ))
}

async fn step_up_ok(
    state: &AppState,
    caller: &StaffCaller,
    password: &str,
    totp: &str,
) -> Result<bool, ApiError> {
    let credentials = state
        .vault
        .staff_credentials(&caller.session.username)
        .await?
        .filter(|c| c.account_id == caller.session.account_id)
        .ok_or_else(ApiError::session_required)?;
    let hash = credentials.password_hash.clone();
    let password = Zeroizing::new(password.to_owned());
    let password_ok =
        tokio::task::spawn_blocking(move || crate::password::verify_password(&password, &hash))
            .await
            .map_err(|e| ApiError::internal(&e))?;
    match (&credentials.totp_secret_sealed, password_ok) {
        (Some(sealed), true) => {
            second_factor_ok(state, credentials.account_id, sealed, (Some(totp), None)).await
        }
        _ => Ok(false),
    }
}
