//! The document photos of one person: what was uploaded, what was removed from each
//! photo (the scrub report), quality warnings asking for a retake, and the upload form.
//! The form posts here without JavaScript; the script sends the same photo to the JSON
//! endpoint instead, with a progress bar and an Idempotency-Key.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use portal::Text;
use portal::forms::FormError;
use portal::pages::{DocumentsPage, fresh_key};
use storage::submissions::DocumentKind;
use uuid::Uuid;

use super::{Flash, PageError, SignedIn, refused, render, see_other};
use crate::error::ApiError;
use crate::routes::provider::documents::accept_upload;
use crate::startup::State;

#[derive(serde::Deserialize)]
pub(super) struct Uploaded {
    uploaded: Option<String>,
}

/// `GET /p/subjects/{id}/documents` (`?uploaded=1` after the script's upload).
pub(super) async fn show(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    id: web::Path<Uuid>,
    query: web::Query<Uploaded>,
) -> Result<HttpResponse, PageError> {
    let status = signed.status(&state).await?;
    let subject = status
        .subjects
        .iter()
        .find(|s| s.subject_id == *id)
        .ok_or_else(ApiError::not_found)?;
    let documents: Vec<_> = status
        .documents
        .iter()
        .filter(|d| d.subject_id == *id)
        .collect();
    let path = format!("/p/subjects/{id}/documents");
    let mut page = signed.frame(Text::DocumentsTitle, &path);
    if query.uploaded.is_some() && page.info.is_none() {
        page.info = Some(Text::UploadedOk);
    }
    // Suggest the next card side: the back once the front is in.
    let has = |k| documents.iter().any(|d| d.kind == k);
    let selected_kind =
        if has(DocumentKind::MyNumberCardFront) && !has(DocumentKind::MyNumberCardBack) {
            Some(DocumentKind::MyNumberCardBack)
        } else {
            None
        };
    let next = if signed.is_payee() {
        "/p/review"
    } else {
        "/p/dependants"
    };
    let page = DocumentsPage {
        page,
        subject_name: subject.name.clone(),
        api_action: format!("/api/v1/provider/subjects/{id}/documents"),
        action: path,
        idempotency_key: fresh_key(),
        kinds: &DocumentKind::ALL,
        selected_kind,
        documents: documents.into_iter().map(Into::into).collect(),
        next: next.to_owned(),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/subjects/{id}/documents`: the plain multipart form (CSRF field inside).
pub(super) async fn upload(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    id: web::Path<Uuid>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let here = format!("/p/subjects/{id}/documents");
    match accept_upload(
        &req,
        &state,
        &signed.provider,
        *id,
        payload,
        Some(&signed.csrf),
    )
    .await
    {
        Ok(_) => Ok(see_other(
            &state,
            &here,
            Some(Flash::info(Text::UploadedOk)),
        )),
        Err(e)
            if e.status_code().is_client_error()
                && !matches!(
                    e.status_code(),
                    StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::CONFLICT
                ) =>
        {
            let field = if e.message() == portal::Message::DocumentKindInvalid {
                "kind"
            } else {
                "file"
            };
            let error = FormError {
                field,
                message: e.message(),
            };
            Ok(refused(&state, &here, error, Flash::default()))
        }
        Err(e) => Err(e.into()),
    }
}
