//! Cross-site request forgery: one check for every state-changing request, and the
//! tokens it accepts.
//!
//! [`guard`] runs before any handler, for the provider and the staff, the JSON API and
//! the pages alike. A POST, PUT, PATCH or DELETE passes only with one of:
//!
//! - proof from the browser that it comes from this instance's own pages: an `Origin`
//!   equal to this instance's origin, or (no `Origin`, or the `null` that forms send
//!   under our `Referrer-Policy: no-referrer`) `Sec-Fetch-Site: same-origin`;
//! - a token only this instance's pages or the session's holder can know: the session's
//!   token in `X-CSRF-Token` (returned by the provider and staff sign-ins), or the pages'
//!   form field `csrf` (for browsers that send neither header).
//!
//! A browser that names another origin (`Origin`, or `Sec-Fetch-Site: same-site` /
//! `cross-site`) is refused whatever it carries: cookies are not isolated by port
//! (RFC 6265 §8.5), so a page on another port of this host can plant a session cookie
//! whose token it knows (login CSRF); only the browser's own word on where the request
//! comes from stops that. Anything else is 403 `csrf_token_invalid` — unless no handler
//! would take the request at all (an unknown path or method), which the router answers
//! with 404 or 405 as for anyone.
//!
//! Some requests need no token, and why:
//! - the two JSON sign-ins (`POST /api/v1/provider/session`, `/api/v1/staff/session`):
//!   no session exists yet to bind a token to; they take only `application/json`, which a
//!   page elsewhere can send only after a CORS preflight this server never grants
//!   (Fetch standard, "CORS-safelisted request-header"), and a browser's own `Origin` /
//!   `Sec-Fetch-Site` is still checked above. The pages' sign-in forms do need their
//!   token, bound to a random pre-session cookie (see [`crate::cookies`]);
//! - the payroll pull API (`/api/v1/payroll/…`): it reads no cookie, only the bearer
//!   token in `Authorization`, which a browser never attaches by itself, so no other page
//!   can make a browser call it with anyone's authority.
//!
//! Tokens are derived from the cookie they protect (SHA-256 over a purpose label and the
//! cookie's secret), so no extra state is kept and any instance can check them.

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use portal::Message;
use sha2::{Digest, Sha256};

use crate::cookies::SessionCookie;
use crate::error::ApiError;
use crate::startup::State;

type BoxedPayloadStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>>;

/// What a token protects, so a token for one purpose is useless for the other.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Forms of a signed-in provider (bound to the session cookie).
    Session,
    /// The sign-in form of an invitation link (bound to a pre-session cookie).
    SignIn,
    /// Forms of a signed-in staff member's pages (bound to the staff session cookie).
    StaffSession,
    /// The staff sign-in form (bound to a short-lived pre-session cookie).
    StaffSignIn,
}

/// The header a JSON API client sends its session's token in.
pub const HEADER: &str = "X-CSRF-Token";

/// The token for `secret` (a session or invitation token, never shown) and `purpose`.
pub fn token(purpose: Purpose, secret: &str) -> String {
    let label: &[u8] = match purpose {
        Purpose::Session => b"kakunin csrf session\0",
        Purpose::SignIn => b"kakunin csrf sign-in\0",
        Purpose::StaffSession => b"kakunin csrf staff session\0",
        Purpose::StaffSignIn => b"kakunin csrf staff sign-in\0",
    };
    let digest = Sha256::new()
        .chain_update(label)
        .chain_update(secret.as_bytes())
        .finalize();
    data_encoding::BASE64URL_NOPAD.encode(&digest)
}

/// Whether `given` equals `expected`, in constant time.
pub fn matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            given.as_bytes(),
        ))
}

/// How a state-changing request stands before any token is looked at.
#[derive(Debug, PartialEq, Eq)]
enum Provenance {
    /// The browser says it comes from this instance's own origin.
    SameOrigin,
    /// The browser says it comes from elsewhere.
    Foreign,
    /// No browser said anything (a program, or an older browser): a token decides.
    Unknown,
}

fn provenance(req: &ServiceRequest, own: &[String]) -> Provenance {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match header("origin") {
        Some("null") | None => {}
        Some(origin) => {
            let origin = origin.to_ascii_lowercase();
            return if own.contains(&origin) {
                Provenance::SameOrigin
            } else {
                Provenance::Foreign
            };
        }
    }
    match header("sec-fetch-site") {
        Some("same-origin") => Provenance::SameOrigin,
        Some("same-site" | "cross-site") => Provenance::Foreign,
        _ => Provenance::Unknown,
    }
}

/// `scheme://host[:port]` of an absolute URL, lower-cased, as browsers serialize an origin.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let default_port = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// This instance's own origins: the configured public URL's, and the one the browser
/// addressed (scheme of this listener and the `Host` it sent). A page elsewhere cannot
/// make the victim's browser send another `Host`, so the second is safe to believe.
fn own_origins(req: &ServiceRequest, state: &crate::startup::AppState) -> Vec<String> {
    let scheme = if state.settings.insecure_http {
        "http"
    } else {
        "https"
    };
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    [
        origin_of(&state.settings.public_url),
        host.and_then(|h| origin_of(&format!("{scheme}://{h}"))),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The tokens a request may carry, from the cookies it sent.
fn expected_tokens(req: &ServiceRequest, secure: bool) -> Vec<String> {
    let cookie = |c: SessionCookie| {
        req.cookie(c.name(secure))
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty())
    };
    [
        (SessionCookie::Provider, Purpose::Session),
        (SessionCookie::Staff, Purpose::StaffSession),
        (SessionCookie::LinkSignIn, Purpose::SignIn),
        (SessionCookie::StaffSignIn, Purpose::StaffSignIn),
    ]
    .into_iter()
    .filter_map(|(c, purpose)| cookie(c).map(|secret| token(purpose, &secret)))
    .collect()
}

/// Requests that need no token (see the module documentation).
fn needs_no_token(req: &ServiceRequest) -> bool {
    req.path().starts_with("/api/v1/payroll/")
        || (req.method() == Method::POST
            && matches!(
                req.path(),
                "/api/v1/provider/session" | "/api/v1/staff/session"
            ))
}

/// The largest URL-encoded form body read here to find its token (the pages' forms are a
/// few fields; actix's form extractor stops at 16 KiB).
const FORM_PEEK_LIMIT: usize = 64 * 1024;

/// The `csrf` field of a page's form body, leaving the body in place for the handler.
/// URL-encoded forms are read whole (bounded); multipart forms only up to their first
/// field, which our templates make the token.
async fn form_token(req: &mut ServiceRequest) -> Option<String> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        let mut replay: Vec<Result<Bytes, PayloadError>> = Vec::new();
        let mut whole = true;
        while let Some(chunk) = payload.next().await {
            match chunk {
                Ok(chunk) if body.len() + chunk.len() <= FORM_PEEK_LIMIT => {
                    body.extend_from_slice(&chunk);
                    replay.push(Ok(chunk));
                }
                other => {
                    // Too large or broken: the handler meets the same and answers it.
                    replay.push(other);
                    whole = false;
                    break;
                }
            }
        }
        let found = whole
            .then(|| serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).ok())
            .flatten()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf"))
            .map(|(_, v)| v);
        let rest = futures_util::stream::iter(replay).chain(payload);
        req.set_payload(Payload::from(Box::pin(rest) as BoxedPayloadStream));
        return found;
    }
    if content_type.starts_with("multipart/form-data") {
        return first_multipart_field(req).await;
    }
    None
}

/// Reads a multipart body's first field if it is `csrf`, keeping every byte read so the
/// handler gets the whole body.
async fn first_multipart_field(req: &mut ServiceRequest) -> Option<String> {
    use std::cell::RefCell;
    use std::rc::Rc;

    let source = Rc::new(RefCell::new(req.take_payload()));
    let seen: Rc<RefCell<Vec<Result<Bytes, PayloadError>>>> = Rc::default();
    let tee = {
        let (source, seen) = (source.clone(), seen.clone());
        futures_util::stream::poll_fn(move |cx| {
            let polled = source.borrow_mut().poll_next_unpin(cx);
            match polled {
                std::task::Poll::Ready(Some(Ok(chunk))) => {
                    seen.borrow_mut().push(Ok(chunk.clone()));
                    std::task::Poll::Ready(Some(Ok(chunk)))
                }
                std::task::Poll::Ready(Some(Err(e))) => {
                    seen.borrow_mut().push(Err(e));
                    std::task::Poll::Ready(Some(Err(PayloadError::Incomplete(None))))
                }
                other => other,
            }
        })
    };
    let found = async {
        let mut form = actix_multipart::Multipart::new(req.headers(), tee);
        let mut field = form.next().await?.ok()?;
        if field.name() != Some("csrf") {
            return None;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            value.extend_from_slice(&chunk.ok()?);
            if value.len() > 256 {
                return None;
            }
        }
        String::from_utf8(value).ok()
    }
    .await;
    let replay: Vec<Result<Bytes, PayloadError>> = seen.borrow_mut().drain(..).collect();
    let rest = futures_util::stream::poll_fn(move |cx| source.borrow_mut().poll_next_unpin(cx));
    let whole = futures_util::stream::iter(replay).chain(rest);
    req.set_payload(Payload::from(Box::pin(whole) as BoxedPayloadStream));
    found
}

/// Middleware: see the module documentation.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // A request no handler would take (an unknown path: 404; a method the path does not
    // list: 405) changes nothing: the router answers it, as it does any other.
    if !crate::routes::routes_method(req.request()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<State>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let allowed = match provenance(&req, &own_origins(&req, &state)) {
        Provenance::SameOrigin => true,
        Provenance::Foreign => false,
        Provenance::Unknown if needs_no_token(&req) => true,
        Provenance::Unknown => {
            let expected = expected_tokens(&req, !state.settings.insecure_http);
            let header = req
                .headers()
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let carried = match header {
                Some(header) => Some(header),
                None if expected.is_empty() => None,
                None => form_token(&mut req).await,
            };
            carried.is_some_and(|given| expected.iter().any(|e| matches(e, &given)))
        }
    };
    if allowed {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    // A person on a page most likely holds a stale form: the page says so; a program
    // gets the API's code.
    let message = if crate::uniform_errors::answers_json(req.path()) {
        Message::CsrfTokenInvalid
    } else {
        Message::CsrfInvalid
    };
    drain_small_body(&mut req).await;
    let refusal = crate::uniform_errors::response_for(
        req.path(),
        ApiError::new(StatusCode::FORBIDDEN, message),
    );
    Ok(req.into_response(refusal))
}

/// Reads and drops a small refused body before answering. Over HTTP/2 an answer sent while
/// the client is still sending makes the server reset the stream, and a client may then
/// drop the answer it was sent (curl reported no status at all, about one time in two);
/// reading a body of the size any form or JSON request has (the general JSON limit) costs
/// nothing. A larger one (an upload) is refused at once, and its stream reset.
async fn drain_small_body(req: &mut ServiceRequest) {
    use futures_util::StreamExt;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_none_or(|len| len > crate::routes::JSON_LIMIT) {
        return;
    }
    let mut payload = req.take_payload();
    let mut read = 0;
    while let Some(Ok(chunk)) = payload.next().await {
        read += chunk.len();
        if read > crate::routes::JSON_LIMIT {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_by_purpose_and_secret_and_match_only_themselves() {
        let a = token(Purpose::Session, "secret-a");
        assert_ne!(a, token(Purpose::SignIn, "secret-a"));
        assert_ne!(a, token(Purpose::Session, "secret-b"));
        assert!(matches(&a, &a.clone()));
        assert!(!matches(&a, ""));
        assert!(!matches(&a, &a[1..]));
    }

    #[test]
    fn an_origin_is_read_as_browsers_serialize_it() {
        assert_eq!(
            origin_of("https://Kakunin.example.co.jp/i/x").as_deref(),
            Some("https://kakunin.example.co.jp")
        );
        assert_eq!(
            origin_of("https://localhost:8443").as_deref(),
            Some("https://localhost:8443")
        );
        assert_eq!(
            origin_of("https://example.jp:443/").as_deref(),
            Some("https://example.jp")
        );
        assert_eq!(origin_of("ftp://example.jp"), None);
    }
}
