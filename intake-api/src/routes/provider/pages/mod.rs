//! The provider pages: server-rendered HTML that works without JavaScript, calling the
//! same domain functions as the JSON API (the vault, `portal::forms`, the upload
//! pipeline). Every POST carries a CSRF token; a refused form redirects back (303) with
//! a flash message and what was typed, except the number, which is never echoed.

pub(crate) mod assets;
mod changes;
mod documents;
mod landing;
pub(crate) mod subjects;
mod submission;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use application::intake::{self, Filing};
use askama::Template;
use portal::forms::FormError;
use portal::pages::{CorrectionView, Frame, NoticePage, PersonView};
use portal::{Lang, Message, Text};
use serde::{Deserialize, Serialize};
use storage::person::Relationship;
use storage::submissions::SubmissionStatus;

use crate::auth::{self, Provider};
use crate::csrf;
use crate::error::ApiError;
use crate::startup::State;

/// Mounts the pages and their static assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::routes::endpoint("/i/{token}")
            .get(landing::show)
            .post(landing::sign_in),
    )
    .service(crate::routes::endpoint("/p").get(submission::overview))
    .service(
        crate::routes::endpoint("/p/self")
            .get(subjects::edit_self)
            .post(subjects::save_self),
    )
    .service(crate::routes::endpoint("/p/self/card").post(subjects::read_card))
    .service(
        crate::routes::endpoint("/p/dependants")
            .get(subjects::list_dependants)
            .post(subjects::add_dependant),
    )
    .service(crate::routes::endpoint("/p/dependants/new").get(subjects::new_dependant))
    .service(
        crate::routes::endpoint("/p/dependants/{id}")
            .get(subjects::edit_dependant)
            .post(subjects::save_dependant),
    )
    .service(crate::routes::endpoint("/p/dependants/{id}/remove").post(subjects::remove_dependant))
    .service(
        crate::routes::endpoint("/p/subjects/{id}/documents")
            .get(documents::show)
            .post(documents::upload),
    )
    .service(crate::routes::endpoint("/p/review").get(submission::review))
    .service(crate::routes::endpoint("/p/submit").post(submission::submit))
    .service(
        crate::routes::endpoint("/p/decline")
            .get(submission::decline_form)
            .post(submission::decline),
    )
    .service(crate::routes::endpoint("/p/status").get(submission::status))
    .service(crate::routes::endpoint("/p/campaign/no-change").post(submission::campaign_no_change))
    .service(
        crate::routes::endpoint("/p/changes/dependant")
            .get(changes::new_dependant)
            .post(changes::add_dependant),
    )
    .service(
        crate::routes::endpoint("/p/changes/other")
            .get(changes::other_form)
            .post(changes::other_change),
    )
    .service(crate::routes::endpoint("/p/sign-out").post(submission::sign_out));
}

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
    error: Option<String>,
    /// The refused field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// A `Text` index (confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    info: Option<usize>,
    /// Values typed into a refused form (relationship, name, …; never the number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relationship: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_kana: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity_attested: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category3_spouse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_alphabetic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    common_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    former_surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    no_number_reason: Option<String>,
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

fn forbidden() -> PageError {
    PageError(ApiError::new(StatusCode::FORBIDDEN, Message::CsrfInvalid))
}

/// A signed-in provider on a page: the session, its CSRF token, the language and the
/// flash of the last POST. Without a live session the page says how to come back (the
/// invitation link), and that nothing saved was lost.
pub(crate) struct SignedIn {
    provider: Provider,
    csrf: String,
    lang: Lang,
    flash: Option<Flash>,
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let provider = Provider::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let provider = provider.await?;
            let cookie = req
                .app_data::<State>()
                .and_then(|state| auth::session_token(&req, state))
                .unwrap_or_default();
            Ok(Self {
                provider,
                csrf: csrf::token(csrf::Purpose::Session, &cookie),
                lang: lang_of(&req),
                flash: Flash::read(&req),
            })
        })
    }
}

impl SignedIn {
    /// The frame of a page at `path`, with the flash applied.
    fn frame(&self, title: Text, path: &str) -> Frame {
        let mut frame = Frame::new(self.lang, title, path);
        frame.csrf = Some(self.csrf.clone());
        if let Some(flash) = &self.flash {
            flash.apply(&mut frame);
        }
        frame
    }

    /// Refuses a form whose CSRF token is missing or wrong (403).
    fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        if csrf::matches(&self.csrf, given) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// The provider's own submission, for the intake use cases.
    async fn filing(&self, state: &State) -> Result<Filing, PageError> {
        Ok(self.provider.filer().open(&state.app).await?)
    }

    async fn status(&self, state: &State) -> Result<SubmissionStatus, PageError> {
        Ok(intake::status(&state.app, &self.filing(state).await?).await?)
    }

    fn is_payee(&self) -> bool {
        self.provider.session.kind == storage::invitations::InvitationKind::Payee
    }
}

/// The open correction requests, each with the person's name and where to fix it: a
/// photo on its person's documents page (the retake form preselected), a person's
/// details on their form, anything else on the review page.
fn corrections(status: &SubmissionStatus) -> Vec<CorrectionView> {
    status
        .corrections
        .iter()
        .map(|c| {
            let subject = c
                .subject_id
                .or_else(|| {
                    let doc = status
                        .documents
                        .iter()
                        .find(|d| Some(d.document_id) == c.document_id)?;
                    Some(doc.subject_id)
                })
                .and_then(|id| status.subjects.iter().find(|s| s.subject_id == id));
            let document = c
                .document_id
                .and_then(|id| status.documents.iter().find(|d| d.document_id == id));
            let href = match (subject, document) {
                (Some(s), Some(d)) => format!(
                    "/p/subjects/{}/documents?replace={}#upload",
                    s.subject_id, d.document_id
                ),
                (Some(s), None) if c.reason == "back_side_missing" => {
                    format!("/p/subjects/{}/documents#upload", s.subject_id)
                }
                (Some(s), None) if s.relationship == Relationship::Myself => "/p/self".to_owned(),
                (Some(s), None) => format!("/p/dependants/{}", s.subject_id),
                (None, _) => "/p/review".to_owned(),
            };
            CorrectionView {
                person: subject.map(|s| s.name.clone()),
                document: document.map(|d| d.kind),
                reason: c.reason.clone(),
                message: c.message.clone(),
                href,
            }
        })
        .collect()
}

/// The people of a submission as the review and status pages show them, the provider
/// first.
fn people(status: &SubmissionStatus) -> Vec<PersonView> {
    let mut people: Vec<PersonView> = status
        .subjects
        .iter()
        .map(|s| {
            let is_self = s.relationship == Relationship::Myself;
            PersonView {
                subject: s.clone(),
                documents: status
                    .documents
                    .iter()
                    .filter(|d| d.subject_id == s.subject_id)
                    .map(Into::into)
                    .collect(),
                edit_href: if is_self {
                    "/p/self".to_owned()
                } else {
                    format!("/p/dependants/{}", s.subject_id)
                },
                documents_href: format!("/p/subjects/{}/documents", s.subject_id),
            }
        })
        .collect();
    people.sort_by_key(|p| p.subject.relationship != Relationship::Myself);
    people
}
