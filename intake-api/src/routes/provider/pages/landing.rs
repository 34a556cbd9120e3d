//! The invitation landing page `/i/{token}`: who asks and why (the purposes of use) and
//! how the number is protected, shown before anything is entered; then sign-in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use portal::forms::FormError;
use portal::pages::{Frame, LandingPage};
use portal::{Message, Text};
use serde::Deserialize;
use storage::SecretToken;
use storage::invitations::InvitationKind;

use super::{Flash, PageError, lang_of, render, see_other};
use crate::auth;
use crate::cookies::SessionCookie;
use crate::csrf;
use crate::error::ApiError;
use crate::routes::provider::session::start_session;
use crate::startup::State;

fn invalid_link() -> PageError {
    PageError::from(ApiError::new(
        StatusCode::NOT_FOUND,
        Message::InvalidInvitation,
    ))
}

/// `GET /i/{token}`.
pub(super) async fn show(
    req: HttpRequest,
    state: State,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token_text = token.into_inner();
    let token = SecretToken::parse(&token_text).map_err(|_| invalid_link())?;
    let preview = application::provider_session::preview(&state.app, &token)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(invalid_link)?;
    let path = format!("/i/{token_text}");
    let mut page = Frame::new(lang_of(&req), Text::LandingTitle, &path);
    if let Some(flash) = Flash::read(&req) {
        flash.apply(&mut page);
    }
    let settings = &state.settings.portal;
    let secure = !state.settings.insecure_http;
    // The sign-in form's token is bound to a random cookie of this browser, not to the
    // link alone: whoever holds a link of their own could otherwise forge the form and
    // sign another person's browser into their submission (login CSRF).
    let existing = SessionCookie::LinkSignIn
        .value(&req, secure)
        .filter(|v| SecretToken::parse(v).is_ok());
    let pre = existing
        .clone()
        .unwrap_or_else(|| SecretToken::generate().expose().to_owned());
    let mut response = render(
        &req,
        &state,
        StatusCode::OK,
        LandingPage {
            page,
            organisation: settings.organisation_name.clone(),
            name: preview.name,
            purposes: portal::pages::Purpose::for_kind(&settings.purposes, preview.kind),
            asks_birth_date: preview.asks_birth_date,
            payee: preview.kind == InvitationKind::Payee,
            form_csrf: csrf::token(csrf::Purpose::SignIn, &pre),
            action: path,
        },
    );
    if existing.is_none() {
        response
            .add_cookie(&SessionCookie::LinkSignIn.build(pre, secure))
            .map_err(|e| ApiError::internal(&e))?;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct SignInPageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    next: String,
}

/// `POST /i/{token}`: sign in, then the overview (or straight to declining).
pub(super) async fn sign_in(
    req: HttpRequest,
    state: State,
    token: web::Path<String>,
    form: web::Form<SignInPageForm>,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let secure = !state.settings.insecure_http;
    let pre = SessionCookie::LinkSignIn
        .value(&req, secure)
        .unwrap_or_default();
    if pre.is_empty() || !csrf::matches(&csrf::token(csrf::Purpose::SignIn, &pre), &form.csrf) {
        return Err(super::forbidden());
    }
    let here = format!("/i/{token}");
    let birth_date = Some(form.birth_date.as_str()).filter(|s| s.len() <= 32);
    match start_session(&req, &state, &token, birth_date).await {
        Ok(started) => {
            let next = if form.next == "decline" {
                "/p/decline"
            } else {
                "/p"
            };
            let mut response = see_other(&state, next, None);
            response
                .add_cookie(&auth::session_cookie(&started.token, secure))
                .and_then(|()| response.add_cookie(&SessionCookie::LinkSignIn.cleared(secure)))
                .map_err(|e| ApiError::internal(&e))?;
            Ok(response)
        }
        Err(e) if e.message() == Message::InvalidInvitation => Err(e.into()),
        Err(e) => Ok(super::refused(
            &state,
            &here,
            FormError {
                field: "birth_date",
                message: e.message(),
            },
            Flash::default(),
        )),
    }
}
