//! Request bodies that carry a number (the subject forms, as JSON or as a page form) are
//! read into a buffer that is wiped when dropped, instead of actix's `web::Json` /
//! `web::Form` buffers, which are freed without wiping. The buffer never reallocates in
//! place: when it must grow, the contents move to a larger wiped buffer and the old one is
//! wiped as it drops. (The connection's own receive buffers — rustls, the HTTP codec — are
//! outside the code's reach; BENCHMARKS.md "Memory hygiene" has the measured effect.)

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use portal::Message;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::page::PageError;

/// The largest such body.
const LIMIT: usize = 64 * 1024;

/// A JSON body read into a wiped buffer.
#[derive(Debug)]
pub struct SecretJson<T>(pub T);

/// A form body (`application/x-www-form-urlencoded`) read into a wiped buffer.
#[derive(Debug)]
pub(crate) struct SecretForm<T>(pub(crate) T);

impl<T> SecretForm<T> {
    /// The value.
    pub(crate) fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for SecretJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::Deref for SecretForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Message::RequestTooLarge)
}

/// Reads the whole body, at most `LIMIT` bytes, into a wiped buffer.
async fn read(req: &HttpRequest, mut payload: Payload) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > LIMIT) {
        return Err(too_large());
    }
    let mut body = Zeroizing::new(Vec::with_capacity(declared.unwrap_or(1024).max(64)));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request(Message::BadRequest))?;
        if body.len() + chunk.len() > LIMIT {
            return Err(too_large());
        }
        crate::pipeline::scrub::append_wiped(&mut body, &chunk);
    }
    Ok(body)
}

fn content_type_is(req: &HttpRequest, expected: &str) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

impl<T: DeserializeOwned + 'static> FromRequest for SecretJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            if !content_type_is(&req, "application/json") {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Message::UnsupportedMediaType,
                ));
            }
            let body = read(&req, payload).await?;
            serde_json::from_slice(&body)
                .map(SecretJson)
                .map_err(|_| ApiError::bad_request(Message::BadRequest))
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for SecretForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            if !content_type_is(&req, "application/x-www-form-urlencoded") {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Message::UnsupportedMediaType,
                )
                .into());
            }
            let body = read(&req, payload).await?;
            serde_urlencoded::from_bytes(&body)
                .map(SecretForm)
                .map_err(|_| ApiError::bad_request(Message::BadRequest).into())
        })
    }
}
