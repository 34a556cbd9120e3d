//! `GET/POST /s/activate/{token}`: the holder of a new account, or of one whose credentials
//! two admins reset, sets their own password through the one-time link that reached only
//! them (`crate::activation`); TOTP follows at the first sign-in. The path is a bearer
//! token: the access log leaves it out and `Referrer-Policy: no-referrer` keeps it from
//! other sites.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use portal::pages::Frame;
use portal::staff::{ActivatePage, StaffFrame};
use portal::{Message, Text};
use serde::Deserialize;
use storage::SecretToken;
use zeroize::Zeroizing;

use crate::auth::source_ip;
use crate::cookies::SessionCookie;
use crate::csrf;
use crate::page::{lang_of, render};
use crate::startup::State;

fn page(
    req: &HttpRequest,
    state: &State,
    status: StatusCode,
    token: &str,
    activation: Option<&storage::staff_lifecycle::Activation>,
    error: Option<Message>,
    done: bool,
) -> HttpResponse {
    let secure = !state.settings.insecure_http;
    let existing = SessionCookie::StaffSignIn
        .value(req, secure)
        .filter(|v| SecretToken::parse(v).is_ok());
    let pre = existing
        .clone()
        .unwrap_or_else(|| SecretToken::generate().expose().to_owned());
    let mut frame = Frame::new(lang_of(req), Text::SActivateTitle, "/s/activate");
    frame.error = error.map(|m| (m, "form"));
    let body = ActivatePage {
        staff: StaffFrame::new(frame, None, false, false),
        username: activation.map(|a| a.username.clone()),
        expires: activation
            .map(|a| portal::staff::jst(a.expires_at))
            .unwrap_or_default(),
        action: format!("/s/activate/{token}"),
        form_csrf: csrf::token(csrf::Purpose::StaffSignIn, &pre),
        done,
    };
    let mut response = render(req, state, status, body);
    if existing.is_none() {
        let _ = response.add_cookie(&SessionCookie::StaffSignIn.build(pre, secure));
    }
    response
}

async fn live(state: &State, token: &str) -> Option<storage::staff_lifecycle::Activation> {
    let token = SecretToken::parse(token).ok()?;
    application::staff_accounts::activation(&state.app, &token)
        .await
        .ok()
}

/// `GET /s/activate/{token}`: the form, or why the link does not work.
pub(super) async fn form(req: HttpRequest, state: State, path: web::Path<String>) -> HttpResponse {
    match live(&state, &path).await {
        Some(activation) => page(
            &req,
            &state,
            StatusCode::OK,
            &path,
            Some(&activation),
            None,
            false,
        ),
        None => page(
            &req,
            &state,
            StatusCode::NOT_FOUND,
            &path,
            None,
            Some(Message::ActivationInvalid),
            false,
        ),
    }
}

#[derive(Deserialize)]
pub(super) struct ActivateForm {
    #[allow(dead_code)]
    csrf: String,
    password: String,
    password_again: String,
}

/// `POST /s/activate/{token}`: sets the password (once).
pub(super) async fn submit(
    req: HttpRequest,
    state: State,
    path: web::Path<String>,
    form: web::Form<ActivateForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let password = Zeroizing::new(form.password);
    let again = Zeroizing::new(form.password_again);
    let Some(activation) = live(&state, &path).await else {
        return page(
            &req,
            &state,
            StatusCode::NOT_FOUND,
            &path,
            None,
            Some(Message::ActivationInvalid),
            false,
        );
    };
    if password.as_str() != again.as_str() {
        return page(
            &req,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &path,
            Some(&activation),
            Some(Message::PasswordsDiffer),
            false,
        );
    }
    let Ok(token) = SecretToken::parse(&path) else {
        return page(
            &req,
            &state,
            StatusCode::NOT_FOUND,
            &path,
            None,
            Some(Message::ActivationInvalid),
            false,
        );
    };
    match application::staff_accounts::activate(
        &state.app,
        &token,
        &password,
        source_ip(&req, &state),
    )
    .await
    {
        Ok(_) => page(&req, &state, StatusCode::OK, &path, None, None, true),
        Err(application::AppError::NotFound) => page(
            &req,
            &state,
            StatusCode::NOT_FOUND,
            &path,
            None,
            Some(Message::ActivationInvalid),
            false,
        ),
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            page(
                &req,
                &state,
                e.status_code(),
                &path,
                Some(&activation),
                Some(e.message()),
                false,
            )
        }
    }
}
