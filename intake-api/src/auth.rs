//! Who is calling: the provider session cookie.
//!
//! The cookie holds a 256-bit token; the database holds its hash and the session's idle
//! expiry (state lives in the database, so any instance can serve any request). The
//! cookie is HttpOnly, SameSite=Strict and, over TLS, Secure.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use storage::invitations::ProviderSession;
use storage::{AuditContext, SecretToken};

use crate::error::ApiError;
use crate::startup::AppState;

/// The provider session cookie's name.
pub const PROVIDER_COOKIE: &str = "kakunin_provider";

/// A signed-in provider, with the audit context of the request.
#[derive(Debug)]
pub struct Provider {
    /// The session.
    pub session: ProviderSession,
    /// Who and from where, for the audit trail.
    pub audit: AuditContext,
}

impl FromRequest for Provider {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal(&"application state missing"))?;
            let token = req
                .cookie(PROVIDER_COOKIE)
                .and_then(|c| SecretToken::parse(c.value()).ok())
                .ok_or_else(ApiError::session_required)?;
            let session = state
                .vault
                .provider_session(
                    &token,
                    state.settings.provider_session_idle_minutes * 60_000,
                )
                .await?
                .ok_or_else(ApiError::session_required)?;
            let audit = session.audit_context(source_ip(&req, state));
            Ok(Self { session, audit })
        })
    }
}

/// The client address as text for the audit trail.
pub fn source_ip(req: &HttpRequest, state: &AppState) -> Option<String> {
    crate::client_ip::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string())
}

/// The session cookie for a new session.
pub fn session_cookie(token: &SecretToken, secure: bool) -> Cookie<'static> {
    Cookie::build(PROVIDER_COOKIE, token.expose().to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}

/// A cookie that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(&SecretToken::generate(), secure);
    cookie.set_value("");
    cookie.make_removal();
    cookie
}
