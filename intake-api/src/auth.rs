//! Who is calling: the provider session cookie.
//!
//! The cookie holds a 256-bit token; the database holds its hash and the session's idle
//! expiry (state lives in the database, so any instance can serve any request). The
//! cookie is HttpOnly, SameSite=Strict and, over TLS, Secure and `__Host-` named
//! ([`crate::cookies`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::Cookie;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use storage::invitations::ProviderSession;
use storage::{AuditContext, SecretToken};

use crate::cookies::SessionCookie;
use crate::error::ApiError;
use crate::startup::AppState;

/// A signed-in provider, with the audit context of the request.
#[derive(Debug)]
pub struct Provider {
    /// The session.
    pub session: ProviderSession,
    /// Who and from where, for the audit trail.
    pub audit: AuditContext,
}

impl Provider {
    /// The provider as the intake use cases know them: filing their own submission.
    pub fn filer(&self) -> application::intake::Filer<'_> {
        application::intake::Filer::Provider {
            session: &self.session,
            audit: &self.audit,
        }
    }
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
            let token = session_token(&req, state)
                .and_then(|value| SecretToken::parse(&value).ok())
                .ok_or_else(ApiError::session_required)?;
            let (session, audit) =
                application::provider_session::resume(&state.app, &token, source_ip(&req, state))
                    .await?;
            Ok(Self { session, audit })
        })
    }
}

/// The client address as text for the audit trail.
pub fn source_ip(req: &HttpRequest, state: &AppState) -> Option<String> {
    crate::client_ip::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string())
}

/// The value of the provider session cookie `req` carries, if any.
pub fn session_token(req: &HttpRequest, state: &AppState) -> Option<String> {
    SessionCookie::Provider.value(req, !state.settings.insecure_http)
}

/// The session cookie for a new session.
pub fn session_cookie(token: &SecretToken, secure: bool) -> Cookie<'static> {
    SessionCookie::Provider.build(token.expose().to_owned(), secure)
}

/// A cookie that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> Cookie<'static> {
    SessionCookie::Provider.cleared(secure)
}
