//! The plumbing every server-rendered page shares, the provider's and the staff's: the
//! language of a request, the flash a POST leaves for the next page (what was refused and
//! what was typed, never the number), the 303 back to a form, the HTML answer with its
//! headers, and the page's error (a bilingual error page).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use portal::forms::FormError;
use portal::pages::{Frame, NoticePage};
use portal::{Lang, Message, Text};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::startup::State;

const LANG_COOKIE: &str = "lang";
const FLASH_COOKIE: &str = "kakunin_flash";

/// The language of a request: `?lang=` first (the one-tap switch), then the cookie,
/// else Japanese.
pub(crate) fn lang_of(req: &HttpRequest) -> Lang {
    query_lang(req)
        .or_else(|| {
            req.cookie(LANG_COOKIE)
                .and_then(|c| Lang::from_code(c.value()))
        })
        .unwrap_or_default()
}

fn query_lang(req: &HttpRequest) -> Option<Lang> {
    web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.as_deref().and_then(Lang::from_code))
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// What the last POST left for the next page: an error (with its field) or a
/// confirmation, and what was typed (never the number), kept in a short-lived cookie.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct Flash {
    /// A `Message` code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The refused field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
    /// A `Text` index (confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) info: Option<usize>,
    /// Values typed into a refused form (relationship, name, …; never the number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) relationship: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name_kana: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) identity_attested: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) category3_spouse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name_alphabetic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) common_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) former_surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) no_number_reason: Option<String>,
}

/// Cookies are limited to about 4 KB; beyond this the typed values are dropped and only
/// the message is kept.
const FLASH_MAX_BYTES: usize = 3000;

impl Flash {
    pub(crate) fn error(message: Message, field: &'static str) -> Self {
        Self {
            error: Some(message.code().to_owned()),
            field: Some(field.to_owned()),
            ..Self::default()
        }
    }

    pub(crate) fn info(text: Text) -> Self {
        Self {
            info: Text::ALL.iter().position(|t| *t == text),
            ..Self::default()
        }
    }

    pub(crate) fn read(req: &HttpRequest) -> Option<Self> {
        let cookie = req.cookie(FLASH_COOKIE)?;
        serde_urlencoded::from_str(cookie.value()).ok()
    }

    pub(crate) fn apply(&self, frame: &mut Frame) {
        if let Some(message) = self.error.as_deref().and_then(Message::from_code) {
            let field = match self.field.as_deref() {
                Some("relationship") => "relationship",
                Some("name") => "name",
                Some("name_kana") => "name_kana",
                Some("birth_date") => "birth_date",
                Some("address") => "address",
                Some("name_alphabetic") => "name_alphabetic",
                Some("common_name") => "common_name",
                Some("former_surname") => "former_surname",
                Some("no_number_reason") => "no_number_reason",
                Some("number") => "number",
                Some("kind") => "kind",
                Some("file") => "file",
                Some("reason") => "reason",
                Some("effective_on") => "effective_on",
                _ => "form",
            };
            frame.error = Some((message, field));
        }
        frame.info = self.info.and_then(|i| Text::ALL.get(i).copied());
    }

    fn cookie(&self, secure: bool) -> Cookie<'static> {
        let mut value = serde_urlencoded::to_string(self).unwrap_or_default();
        if value.len() > FLASH_MAX_BYTES {
            let bare = Self {
                error: self.error.clone(),
                field: self.field.clone(),
                info: self.info,
                ..Self::default()
            };
            value = serde_urlencoded::to_string(&bare).unwrap_or_default();
        }
        Cookie::build(FLASH_COOKIE, value)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict)
            .max_age(CookieDuration::minutes(5))
            .finish()
    }
}

pub(crate) fn cleared(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// 303 See Other to `location`, leaving `flash` for the next page.
pub(crate) fn see_other(state: &State, location: &str, flash: Option<Flash>) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, location.to_owned()));
    if let Some(flash) = flash {
        response.cookie(flash.cookie(!state.settings.insecure_http));
    }
    response.finish()
}

/// Back to the form with the refusal and the typed values (the caller leaves the number
/// out of `kept`).
pub(crate) fn refused(
    state: &State,
    location: &str,
    error: FormError,
    kept: Flash,
) -> HttpResponse {
    let flash = Flash {
        error: Some(error.message.code().to_owned()),
        field: Some(error.field.to_owned()),
        ..kept
    };
    see_other(state, location, Some(flash))
}

/// Renders a page: HTML, `no-store` (the default header), the language cookie when the
/// switch was used, and the flash cookie cleared once shown.
pub(crate) fn render(
    req: &HttpRequest,
    state: &State,
    status: StatusCode,
    page: impl Template,
) -> HttpResponse {
    let body = match page.render() {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            return PageError::from(ApiError::internal(&e)).error_response();
        }
    };
    let secure = !state.settings.insecure_http;
    let mut response = HttpResponse::build(status);
    response.content_type(ContentType::html());
    if let Some(lang) = query_lang(req) {
        response.cookie(
            Cookie::build(LANG_COOKIE, lang.code())
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::days(365))
                .finish(),
        );
    }
    if req.cookie(FLASH_COOKIE).is_some() {
        response.cookie(cleared(FLASH_COOKIE, secure));
    }
    response.body(body)
}

/// An error a page answers with: an HTML page in both languages (the language of the
/// request is not known to `ResponseError`), never JSON, never a cause.
#[derive(Debug)]
pub(crate) struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<application::AppError> for PageError {
    fn from(e: application::AppError) -> Self {
        Self(e.into())
    }
}

/// A use case's refusal that a form can fix, at its field (or at `otherwise`); anything
/// else (forbidden, not found, no longer editable) is the error page.
pub(crate) fn on_form(
    e: impl Into<ApiError>,
    otherwise: Option<&'static str>,
) -> Result<FormError, ApiError> {
    let e = e.into();
    e.form_error(otherwise).ok_or(e)
}

impl From<storage::StorageError> for PageError {
    fn from(e: storage::StorageError) -> Self {
        Self(ApiError::from(e))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let message = self.0.message();
        let page = NoticePage {
            page: Frame::new(Lang::Ja, Text::ErrorTitle, "/p"),
            ja: message.ja(),
            en: message.en(),
        };
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type(ContentType::html())
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match page.render() {
            Ok(body) => response.body(body),
            Err(_) => response.body(message.en()),
        }
    }
}

pub(crate) fn forbidden() -> PageError {
    PageError(ApiError::new(StatusCode::FORBIDDEN, Message::CsrfInvalid))
}
