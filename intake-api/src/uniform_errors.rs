//! Every error answers in the form its audience reads, whoever produced it.
//!
//! Handlers answer [`ApiError`] (JSON) or the pages' bilingual HTML page. Errors raised
//! before a handler runs — actix's own extractors (path, query, form, JSON, multipart,
//! payload), the router's 404 and 405, the middleware — would otherwise answer actix's
//! `text/plain` parser text, which can echo what the client sent (a query value, a field)
//! and which no client of ours can read. This middleware replaces any error response that
//! is not already in the right form with the catalogue's message for its status: the
//! JSON error body on the API and the machine endpoints, the bilingual error page
//! everywhere else. Headers a client needs (`Allow` on 405, `Retry-After`) are kept.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use portal::Message;

use crate::error::ApiError;
use crate::page::PageError;

/// Whether `path` is read by programs (JSON errors) rather than people (HTML errors).
pub fn answers_json(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path == "/healthz" || path == "/readyz"
}

/// `error` as the audience of `path` reads it: the JSON body or the bilingual page.
pub fn response_for(path: &str, error: ApiError) -> HttpResponse {
    if answers_json(path) {
        error.error_response()
    } else {
        PageError::from(error).error_response()
    }
}

/// The catalogue's message for an error status that came without one of ours.
fn message_for(status: StatusCode) -> Message {
    match status {
        StatusCode::UNAUTHORIZED => Message::SessionRequired,
        StatusCode::FORBIDDEN => Message::Forbidden,
        StatusCode::NOT_FOUND => Message::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Message::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => Message::RequestTimeout,
        StatusCode::CONFLICT | StatusCode::GONE => Message::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => Message::RequestTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Message::UnsupportedMediaType,
        StatusCode::TOO_MANY_REQUESTS => Message::TooManyRequests,
        s if s.is_server_error() => Message::Internal,
        _ => Message::BadRequest,
    }
}

fn in_right_form(path: &str, headers: &HeaderMap) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if answers_json(path) {
        content_type.starts_with("application/json")
    } else {
        content_type.starts_with("text/html")
    }
}

/// Middleware: see the module documentation.
pub async fn uniform(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_owned();
    // (The request is not cloned here: the router needs it unshared to record the match.)
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || in_right_form(&path, response.headers())
    {
        return Ok(response);
    }
    let error = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>().cloned())
        .filter(|e| e.status_code() == status)
        .unwrap_or_else(|| ApiError::new(status, message_for(status)));
    let (request, original) = response.into_parts();
    let mut replaced = response_for(&path, error);
    for name in [header::ALLOW, header::RETRY_AFTER, header::CONNECTION] {
        if let Some(value) = original.headers().get(&name) {
            replaced.headers_mut().insert(name, value.clone());
        }
    }
    Ok(ServiceResponse::new(request, replaced))
}
