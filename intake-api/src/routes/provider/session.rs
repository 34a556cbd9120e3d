//! Signing in with an invitation link (and the birth date, where asked).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use portal::Message;
use portal::forms::{SignInForm, person_message};
use storage::SecretToken;
use storage::invitations::StartedSession;
use storage::person::BirthDate;
use validator::Validate;

use crate::auth::{self, Provider};
use crate::error::ApiError;
use crate::ratelimit::LimitClass;
use crate::startup::State;

/// `POST /api/v1/provider/session` `{"token", "birth_date"?}` → session cookie.
#[utoipa::path(post, path = "/api/v1/provider/session", tag = "provider",
    request_body = SignInForm,
    responses((status = 200, description = "Signed in; the session cookie is set. `{\"kind\", \"submission_id\", \"csrf_token\"}`: send `csrf_token` back in `X-CSRF-Token` on every state-changing call"),
              (status = 401, description = "Invalid link, birth date required or wrong"),
              (status = 422, description = "The birth date is not a date"),
              (status = 429, description = "Too many attempts")))]
pub async fn sign_in(
    req: HttpRequest,
    state: State,
    form: web::Json<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    if form.validate().is_err() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Message::InvalidInvitation,
        ));
    }
    let started = start_session(&req, &state, &form.token, form.birth_date.as_deref()).await?;
    let secure = !state.settings.insecure_http;
    Ok(HttpResponse::Ok()
        .cookie(auth::session_cookie(&started.token, secure))
        .json(serde_json::json!({
            "kind": started.session.kind,
            "submission_id": started.session.submission_id,
            "csrf_token": crate::csrf::token(crate::csrf::Purpose::Session, started.token.expose()),
        })))
}

/// Signs in with an invitation token and, where asked, the birth date: rate limited per
/// client address, attempts counted by the vault. Shared by the JSON API and the pages.
pub(crate) async fn start_session(
    req: &HttpRequest,
    state: &State,
    token: &str,
    birth_date: Option<&str>,
) -> Result<StartedSession, ApiError> {
    let ip = crate::client_ip::client_ip(req, &state.settings.trusted_proxies);
    if let Some(ip) = ip {
        state
            .limits
            .check(LimitClass::SignIn, ip)
            .map_err(ApiError::too_many_requests)?;
    }
    let token = SecretToken::parse(token)
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, Message::InvalidInvitation))?;
    let birth_date = birth_date
        .filter(|s| !s.trim().is_empty())
        .map(|s| BirthDate::parse(s, super::today_in_japan()))
        .transpose()
        .map_err(|e| ApiError::invalid(person_message(e)))?;
    let source_ip = ip.map(|i| i.to_string());
    Ok(application::provider_session::sign_in(&state.app, &token, birth_date, source_ip).await?)
}

/// `DELETE /api/v1/provider/session`: sign out.
#[utoipa::path(delete, path = "/api/v1/provider/session", tag = "provider",
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 204, description = "Signed out; the cookie is cleared")))]
pub async fn sign_out(
    req: HttpRequest,
    state: State,
    _provider: Provider,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = auth::session_token(&req, &state).and_then(|v| SecretToken::parse(&v).ok())
    {
        application::provider_session::sign_out(&state.app, &token).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(auth::cleared_cookie(!state.settings.insecure_http))
        .finish())
}
