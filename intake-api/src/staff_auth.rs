//! Staff authentication over HTTP: the session cookie, the extractors handlers use to say
//! who may call them, and the sign-in and step-up adapters. The rules — lockout, the second
//! factor, keyed session rows, who may do what — are the application layer's
//! (`application::auth`, `application::access`); this file reads the cookie and renders.
//!
//! CSRF: the session's token, issued with the session and derived from its cookie
//! ([`crate::csrf`]), comes back in `X-CSRF-Token` on state-changing API requests; the check
//! itself is the one middleware every request passes ([`crate::csrf::guard`]).
//! SameSite=Strict alone is not relied on (same-site pages on another port, older browsers).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::Cookie;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use application::access;
use storage::staff::{Role, StaffSession};
use storage::{AuditContext, SecretToken, SessionTag};

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

impl StaffCaller {
    /// The caller as the application layer knows them.
    pub fn staff(&self) -> access::Staff {
        access::Staff::of_session(&self.session, self.audit.source_ip.clone())
    }
}

pub use application::auth::StepUp;

macro_rules! capability_extractor {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub StaffCaller, access::$name);

        impl $name {
            /// The capability the application layer's use cases take.
            pub fn access(&self) -> &access::$name {
                &self.1
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

            fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let caller = authenticate(req).await?;
                    let capability = $check(caller.staff())?;
                    Ok($name(caller, capability))
                })
            }
        }
    };
}

capability_extractor!(
    /// A staff member past the second factor (or a collector, who needs none).
    SignedIn,
    access::past_second_factor
);
capability_extractor!(
    /// An officer past the second factor.
    Officer,
    access::officer
);
capability_extractor!(
    /// An officer (paper by post or in person) or a branch collector (in person), past the
    /// second factor where the role has one: staff who may take a submission in on a
    /// person's behalf, within their scope.
    Assistant,
    access::assistant
);
capability_extractor!(
    /// An admin past the second factor (account management, never a number).
    Admin,
    access::admin
);
capability_extractor!(
    /// An auditor or an admin past the second factor.
    Overseer,
    access::overseer
);

/// The name the pages and routes knew a signed-in staff member by.
pub type SignedInStaff = SignedIn;

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&"application state missing"))
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
    access::past_second_factor(caller.staff())?;
    Ok(caller)
}

/// The caller, if they hold one of `allowed` roles after the second factor (the pages'
/// gate; the API's extractors take the capabilities of `application::access`).
pub fn require_role(caller: StaffCaller, allowed: &[Role]) -> Result<StaffCaller, ApiError> {
    let staff = caller.staff();
    let role = staff.role;
    access::past_second_factor(staff)?;
    if allowed.contains(&role) {
        Ok(caller)
    } else {
        Err(application::AppError::Forbidden.into())
    }
}

async fn authenticate(req: HttpRequest) -> Result<StaffCaller, ApiError> {
    let state = app_state(&req)?;
    let token = session_token(&req, &state)
        .and_then(|value| SecretToken::parse(&value).ok())
        .ok_or_else(ApiError::session_required)?;
    let (session, tag) = application::auth::session(&state.app, &token).await?;
    let audit = session.audit_context(source_ip(&req, &state));
    Ok(StaffCaller {
        session,
        tag,
        audit,
    })
}

impl FromRequest for StaffCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(authenticate(req))
    }
}

/// The staff session cookie for a new session.
pub fn session_cookie(token: &SecretToken, secure: bool) -> Cookie<'static> {
    SessionCookie::Staff.build(token.expose().to_owned(), secure)
}

/// A cookie that removes the staff session cookie.
pub fn cleared_cookie(secure: bool) -> Cookie<'static> {
    SessionCookie::Staff.cleared(secure)
}

/// What a client sends to sign in.
pub type SignInRequest = application::auth::Credentials;

/// A new session: the cookie token and the CSRF token (shown once, in the body).
#[derive(Debug)]
pub struct SignedInSession {
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

/// Signs a staff member in (`application::auth::sign_in`), with the client's address and
/// `User-Agent` as the history records them.
pub async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    request: SignInRequest,
) -> Result<SignedInSession, ApiError> {
    let client = application::auth::Client {
        ip: source_ip(req, state),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let signed = application::auth::sign_in(&state.app, client, request).await?;
    let csrf_token = crate::csrf::token(crate::csrf::Purpose::StaffSession, signed.token.expose());
    Ok(SignedInSession {
        token: signed.token,
        csrf_token,
        role: signed.role,
        second_factor_done: signed.second_factor_done,
    })
}

pub use application::auth::{
    matching_step, new_recovery_codes, new_totp_secret, otpauth_uri, recovery_code_hash, totp_for,
};

/// Asks a signed-in staff member for password and TOTP again (approvals):
/// `application::auth::step_up`.
pub async fn reauthenticate(
    state: &AppState,
    caller: &StaffCaller,
    step_up: &StepUp,
) -> Result<(), ApiError> {
    application::auth::step_up(&state.app, &caller.staff(), step_up).await?;
    Ok(())
}
