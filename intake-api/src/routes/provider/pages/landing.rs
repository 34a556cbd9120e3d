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
    let preview = state
        .vault
        .preview_invitation(&token)
        .await?
        .ok_or_else(invalid_link)?;
    let path = format!("/i/{token_text}");
    let mut page = Frame::new(lang_of(&req), Text::LandingTitle, &path);
    if let Some(flash) = Flash::read(&req) {
        flash.apply(&mut page);
    }
    let settings = &state.settings.portal;
    Ok(render(
        &req,
        &state,
        StatusCode::OK,
        LandingPage {
            page,
            organisation: settings.organisation_name.clone(),
            name: preview.name,
            purposes: settings.purposes.clone(),
            asks_birth_date: preview.asks_birth_date,
            payee: preview.kind == InvitationKind::Payee,
            form_csrf: csrf::token(csrf::Purpose::SignIn, &token_text),
            action: path,
        },
    ))
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
    if !csrf::matches(&csrf::token(csrf::Purpose::SignIn, &token), &form.csrf) {
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
                .add_cookie(&auth::session_cookie(
                    &started.token,
                    !state.settings.insecure_http,
                ))
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
