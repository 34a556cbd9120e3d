//! The staff pages: server-rendered HTML over the same functions as the staff JSON API
//! (sign-in with argon2id + TOTP, enrolment, and the officer's queue and decisions in
//! [`officer`]). Forms carry a CSRF token derived from the staff session cookie (or, for
//! the sign-in form, from a short-lived pre-session cookie); the API's `X-CSRF-Token`
//! stays the API's. Without a session a page redirects to the sign-in form; a role that
//! must enrol its second factor is sent to the enrolment page first.

mod accounts;
mod activation;
mod assisted;
pub(crate) mod audit_desk;
mod campaigns;
mod changes;
mod duties;
mod invitations;
mod officer;
mod oversight;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use portal::pages::Frame;
use portal::staff::{HomePage, SignInPage, StaffFrame, TotpPage};
use portal::{Lang, Message, Text};
use serde::Deserialize;
use storage::SecretToken;
use storage::staff::Role;
use zeroize::Zeroizing;

use crate::cookies::SessionCookie;
use crate::csrf;
use crate::error::ApiError;
use crate::page::{Flash, PageError, lang_of, render, see_other};
use crate::ratelimit::LimitClass;
use crate::staff_auth::{self, SignInRequest, StaffCaller};
use crate::startup::State;

/// Mounts `/s…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s").get(home))
        .service(
            crate::routes::endpoint("/s/sign-in")
                .get(sign_in_form)
                .post(sign_in),
        )
        .service(crate::routes::endpoint("/s/sign-out").post(sign_out))
        .service(crate::routes::endpoint("/s/totp").get(totp_page))
        .service(crate::routes::endpoint("/s/totp/enrol").post(totp_enrol))
        .service(crate::routes::endpoint("/s/totp/confirm").post(totp_confirm))
        .service(
            crate::routes::endpoint("/s/activate/{token}")
                .get(activation::form)
                .post(activation::submit),
        );
    officer::configure(cfg);
    accounts::configure(cfg);
    assisted::configure(cfg);
    changes::configure(cfg);
    invitations::configure(cfg);
    campaigns::configure(cfg);
    duties::configure(cfg);
    audit_desk::configure(cfg);
    oversight::configure(cfg);
}

/// An error on a staff page: no session → the sign-in form; second factor missing → the
/// enrolment page; anything else → the bilingual error page.
#[derive(Debug)]
pub(crate) struct StaffPageError(ApiError);

impl From<ApiError> for StaffPageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<storage::StorageError> for StaffPageError {
    fn from(e: storage::StorageError) -> Self {
        Self(ApiError::from(e))
    }
}

impl From<application::AppError> for StaffPageError {
    fn from(e: application::AppError) -> Self {
        Self(ApiError::from(e))
    }
}

impl std::fmt::Display for StaffPageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for StaffPageError {
    fn status_code(&self) -> StatusCode {
        match self.redirect() {
            Some(_) => StatusCode::SEE_OTHER,
            None => self.0.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self.redirect() {
            Some(location) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish(),
            None => staff_error_page(&self.0),
        }
    }
}

/// The bilingual error page under the staff header, with a way back to the staff menu.
pub(crate) fn staff_error_page(error: &ApiError) -> HttpResponse {
    use askama::Template;
    let message = error.message();
    let frame = Frame::new(Lang::Ja, Text::ErrorTitle, "/s");
    let page = portal::staff::StaffNoticePage {
        staff: StaffFrame::new(frame, None, false, false),
        ja: message.ja(),
        en: message.en(),
    };
    match page.render() {
        Ok(body) => HttpResponse::build(error.status_code())
            .content_type(actix_web::http::header::ContentType::html())
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(_) => PageError::from(error.clone()).error_response(),
    }
}

impl StaffPageError {
    fn redirect(&self) -> Option<&'static str> {
        match (self.0.status_code(), self.0.message()) {
            (StatusCode::UNAUTHORIZED, _) => Some("/s/sign-in"),
            (StatusCode::FORBIDDEN, Message::TotpEnrolmentRequired) => Some("/s/totp"),
            _ => None,
        }
    }
}

/// A signed-in staff member on a page: the session (any stage), the form CSRF token,
/// the language and the flash of the last POST.
pub(crate) struct StaffPage {
    pub(crate) caller: StaffCaller,
    csrf: String,
    lang: Lang,
    flash: Option<Flash>,
}

impl StaffPage {
    /// What the last POST left (a refusal with what was typed, or a confirmation).
    pub(crate) fn flash(&self) -> Option<&Flash> {
        self.flash.as_ref()
    }
}

impl FromRequest for StaffPage {
    type Error = StaffPageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, StaffPageError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = staff_auth::page_caller(&req).await?;
            let cookie = req
                .app_data::<State>()
                .and_then(|state| staff_auth::session_token(&req, state))
                .unwrap_or_default();
            Ok(Self {
                caller,
                csrf: csrf::token(csrf::Purpose::StaffSession, &cookie),
                lang: lang_of(&req),
                flash: Flash::read(&req),
            })
        })
    }
}

impl StaffPage {
    /// The caller as an officer (the capability the officer's use cases take), or why not.
    pub(crate) fn officer(&self) -> Result<application::access::Officer, StaffPageError> {
        Ok(application::access::officer(self.caller.staff())?)
    }

    /// The frame of a page at `path`, with the flash applied.
    pub(crate) fn frame(&self, title: Text, path: &str) -> StaffFrame {
        let mut frame = Frame::new(self.lang, title, path);
        frame.csrf = Some(self.csrf.clone());
        if let Some(flash) = &self.flash {
            flash.apply(&mut frame);
        }
        let mut staff = StaffFrame::new(
            frame,
            Some(self.caller.session.username.clone()),
            self.caller.session.role == Role::Officer,
            matches!(self.caller.session.role, Role::Auditor | Role::Admin),
        );
        staff.admin = self.caller.session.role == Role::Admin;
        staff
    }

    /// The CSRF token the page's forms carry.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Refuses a form whose CSRF token is missing or wrong (403).
    pub(crate) fn check_csrf(&self, given: &str) -> Result<(), StaffPageError> {
        if csrf::matches(&self.csrf, given) {
            Ok(())
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, Message::CsrfInvalid).into())
        }
    }

    /// The caller, if past the second factor and in one of `roles`.
    pub(crate) fn require(self, roles: &[Role]) -> Result<Self, StaffPageError> {
        let Self {
            caller,
            csrf,
            lang,
            flash,
        } = self;
        Ok(Self {
            caller: staff_auth::require_role(caller, roles)?,
            csrf,
            lang,
            flash,
        })
    }

    /// The caller, if they may take submissions in on a person's behalf (an officer or a
    /// branch collector), with their capability for the intake use cases.
    pub(crate) fn assistant(
        self,
    ) -> Result<(Self, application::access::Assistant), StaffPageError> {
        let capability = application::access::assistant(self.caller.staff())?;
        Ok((self, capability))
    }
}

/// A form with only its CSRF token.
#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    pub(crate) csrf: String,
}

/// `GET /s`: officers go to their queue; the other roles see what is there for them.
async fn home(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let caller = staff_auth::require_second_factor(page.caller)?;
    match caller.session.role {
        Role::Officer => return Ok(see_other(&state, "/s/queue", None)),
        Role::Collector => return Ok(see_other(&state, "/s/people", None)),
        Role::Auditor | Role::Admin => {}
    }
    let page = StaffPage { caller, ..page };
    let body = HomePage {
        staff: page.frame(Text::SHomeTitle, "/s"),
        role: page.caller.session.role.code(),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

fn sign_in_page(
    req: &HttpRequest,
    state: &State,
    status: StatusCode,
    error: Option<Message>,
    username: String,
) -> HttpResponse {
    let secure = !state.settings.insecure_http;
    let existing = SessionCookie::StaffSignIn
        .value(req, secure)
        .filter(|v| SecretToken::parse(v).is_ok());
    let pre = existing
        .clone()
        .unwrap_or_else(|| SecretToken::generate().expose().to_owned());
    let mut frame = Frame::new(lang_of(req), Text::SSignInTitle, "/s/sign-in");
    frame.error = error.map(|m| (m, "form"));
    let page = SignInPage {
        staff: StaffFrame::new(frame, None, false, false),
        form_csrf: csrf::token(csrf::Purpose::StaffSignIn, &pre),
        username,
    };
    let mut response = render(req, state, status, page);
    if existing.is_none() {
        let _ = response.add_cookie(&SessionCookie::StaffSignIn.build(pre, secure));
    }
    response
}

/// `GET /s/sign-in`.
async fn sign_in_form(req: HttpRequest, state: State) -> HttpResponse {
    sign_in_page(&req, &state, StatusCode::OK, None, String::new())
}

#[derive(Deserialize)]
struct SignInForm {
    csrf: String,
    username: String,
    password: String,
    #[serde(default)]
    totp: String,
}

/// `POST /s/sign-in`: the same checks as the API (rate limit, lockout, no enumeration);
/// a refusal shows the form again with the username kept and one message for all causes.
async fn sign_in(req: HttpRequest, state: State, form: web::Form<SignInForm>) -> HttpResponse {
    let form = form.into_inner();
    let password = Zeroizing::new(form.password);
    let pre = SessionCookie::StaffSignIn
        .value(&req, !state.settings.insecure_http)
        .unwrap_or_default();
    let refuse =
        |status, message| sign_in_page(&req, &state, status, Some(message), form.username.clone());
    if pre.is_empty() || !csrf::matches(&csrf::token(csrf::Purpose::StaffSignIn, &pre), &form.csrf)
    {
        return refuse(StatusCode::FORBIDDEN, Message::CsrfInvalid);
    }
    if let Some(ip) = crate::client_ip::client_ip(&req, &state.settings.trusted_proxies)
        && let Err(retry) = state.limits.check(LimitClass::SignIn, ip)
    {
        let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, Message::TooManyRequests);
        if let Ok(value) = header::HeaderValue::from_str(&retry.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let totp = form.totp.trim().to_owned();
    let request = SignInRequest {
        username: form.username.clone(),
        password: password.to_string(),
        totp: (!totp.is_empty()).then_some(totp),
        recovery_code: None,
    };
    match staff_auth::sign_in(&state, &req, request).await {
        Ok(signed_in) => {
            let secure = !state.settings.insecure_http;
            let next = if signed_in.second_factor_done {
                "/s"
            } else {
                "/s/totp"
            };
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .cookie(staff_auth::session_cookie(&signed_in.token, secure))
                .cookie(SessionCookie::StaffSignIn.cleared(secure))
                .finish()
        }
        Err(e) => refuse(e.status_code(), e.message()),
    }
}

/// `POST /s/sign-out`.
async fn sign_out(
    state: State,
    page: StaffPage,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    page.check_csrf(&form.csrf)?;
    let staff = application::access::signed_in(page.caller.staff());
    application::auth::sign_out(&state.app, &staff, &page.caller.tag).await?;
    let secure = !state.settings.insecure_http;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/s/sign-in"))
        .cookie(staff_auth::cleared_cookie(secure))
        .finish())
}

/// `GET /s/totp`: the enrolment page (start button), or home once enrolled.
async fn totp_page(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    if page.caller.session.totp_enrolled {
        return Ok(see_other(&state, "/s", None));
    }
    let body = TotpPage {
        staff: page.frame(Text::STotpTitle, "/s/totp"),
        secret_base32: None,
        otpauth_uri: None,
        qr_svg: None,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `POST /s/totp/enrol`: a new secret, shown once as a QR code and as text, with the
/// recovery codes; the account is enrolled when the confirm form's code matches.
async fn totp_enrol(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    page.check_csrf(&form.csrf)?;
    let secret = super::staff::start_totp_enrolment(&state, &page.caller).await?;
    let uri = Zeroizing::new(staff_auth::otpauth_uri(
        &page.caller.session.username,
        &secret,
    ));
    let qr_svg = qr_svg_base64(uri.as_bytes(), 200)?;
    let body = TotpPage {
        staff: page.frame(Text::STotpTitle, "/s/totp"),
        secret_base32: Some(Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&secret))),
        otpauth_uri: Some(uri),
        qr_svg: Some(qr_svg),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// A QR code of `data` as an SVG document in base64, for an `<img src="data:…">` (the CSP
/// allows `data:` images; the SVG holds no script).
pub(crate) fn qr_svg_base64(data: &[u8], size: u32) -> Result<String, ApiError> {
    let qr = qrcode::QrCode::new(data).map_err(|e| ApiError::internal(&e))?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .build();
    Ok(data_encoding::BASE64.encode(svg.as_bytes()))
}

#[derive(Deserialize)]
struct ConfirmForm {
    csrf: String,
    code: String,
}

/// `POST /s/totp/confirm`: the first code; shows the recovery codes once.
async fn totp_confirm(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, StaffPageError> {
    page.check_csrf(&form.csrf)?;
    match super::staff::finish_totp_enrolment(&state, &page.caller, &form.code).await {
        Ok(codes) => {
            let mut staff = page.frame(Text::STotpTitle, "/s/totp");
            staff.page.info = Some(Text::STotpDone);
            let body = portal::staff::RecoveryCodesPage {
                staff,
                recovery_codes: codes,
            };
            Ok(render(&req, &state, StatusCode::OK, body))
        }
        Err(e) if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY => Ok(see_other(
            &state,
            "/s/totp",
            Some(Flash::error(e.message(), "form")),
        )),
        Err(e) => Err(e.into()),
    }
}
