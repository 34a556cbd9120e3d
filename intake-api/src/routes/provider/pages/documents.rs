//! The document photos of one person: what was uploaded, what was removed from each
//! photo (the scrub report), quality warnings asking for a retake, and the upload form.
//! The form posts here without JavaScript; the script sends the same photo to the JSON
//! endpoint instead, with a progress bar and an Idempotency-Key.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use portal::Text;
use portal::pages::{DocumentView, DocumentsPage, fresh_key};
use storage::submissions::DocumentKind;
use uuid::Uuid;

use super::{Flash, PageError, SignedIn, refused, render, see_other};
use crate::error::ApiError;
use crate::routes::provider::documents::{accept_upload, form_refusal};
use crate::startup::State;

#[derive(serde::Deserialize)]
pub(super) struct Uploaded {
    uploaded: Option<String>,
    /// The photo to retake: the upload form then replaces it.
    replace: Option<Uuid>,
}

/// `GET /p/subjects/{id}/documents` (`?uploaded=1` after the script's upload,
/// `?replace=<document>` to retake one photo).
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
    let open = &status.corrections;
    let views: Vec<DocumentView> = documents
        .iter()
        .map(|d| {
            let mut view = DocumentView::from(*d);
            view.corrections = open
                .iter()
                .filter(|c| c.document_id == Some(d.document_id))
                .map(|c| (c.reason.clone(), c.message.clone()))
                .collect();
            view
        })
        .collect();
    let replacing = query
        .replace
        .and_then(|r| views.iter().find(|v| v.document_id == r).cloned());
    // What concerns this person but no single photo still on file.
    let person_corrections: Vec<_> = super::corrections(&status)
        .into_iter()
        .zip(open)
        .filter(|(_, c)| {
            c.subject_id == Some(*id) && !views.iter().any(|v| Some(v.document_id) == c.document_id)
        })
        .map(|(view, _)| view)
        .collect();
    let path = format!("/p/subjects/{id}/documents");
    let mut page = signed.frame(Text::DocumentsTitle, &path);
    if query.uploaded.is_some() && page.info.is_none() {
        page.info = Some(Text::UploadedOk);
    }
    // Suggest the next card side: the back once the front is in.
    let has = |k| documents.iter().any(|d| d.kind == k);
    let selected_kind = if let Some(r) = &replacing {
        Some(r.kind)
    } else if has(DocumentKind::MyNumberCardFront) && !has(DocumentKind::MyNumberCardBack) {
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
        kinds: verifier::rules::table::kinds_offered_on(crate::routes::provider::today_in_japan()),
        selected_kind,
        documents: views,
        replacing,
        corrections: person_corrections,
        next: next.to_owned(),
        number_href: if subject.relationship == storage::person::Relationship::Myself {
            "/p/self".to_owned()
        } else {
            format!("/p/dependants/{id}")
        },
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
    let filing = signed.filing(&state).await?;
    let subject = domain::SubjectId::from(*id);
    match accept_upload(&req, &state, &filing, subject, payload, Some(&signed.csrf)).await {
        Ok(_) => Ok(see_other(
            &state,
            &here,
            Some(Flash::info(Text::UploadedOk)),
        )),
        Err(e) => match form_refusal(&e) {
            Some(error) => Ok(refused(&state, &here, error, Flash::default())),
            None => Err(e.into()),
        },
    }
}
