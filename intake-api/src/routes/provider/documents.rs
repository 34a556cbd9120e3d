//! Document uploads: multipart `kind` + `file`, through the shared pipeline.
//!
//! The client's file name and content type are ignored; the type comes from magic bytes.
//! The body is read into memory under the size cap (never to a temp file) and wiped after
//! sealing.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use application::intake::{self, Filing};
use domain::SubjectId;
use futures_util::StreamExt;
use portal::Message;
use storage::submissions::{DocumentKind, SealedDocument, StoredDocument};
use zeroize::Zeroizing;

use crate::auth::Provider;
use crate::error::ApiError;
use crate::pipeline::PipelineError;
use crate::pipeline::scrub::ScrubError;
use crate::ratelimit::LimitClass;
use crate::startup::State;

/// The multipart body of an upload, for the OpenAPI document (the handler reads the
/// fields as they stream).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct UploadForm {
    /// What the photo shows: `my_number_card_front`, `my_number_card_back`,
    /// `notification_card`, `residence_record`, `drivers_license`, `passport`,
    /// `residence_card`, `other_photo_id`, `health_insurance_card`, `pension_book`,
    /// `other_document`.
    kind: String,
    /// The photo: JPEG, PNG or WebP, up to 20 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// For a retake: the document of the same person it replaces.
    replaces: Option<uuid::Uuid>,
    /// `1`: this photo shows the person's My Number card, look for the QR code on it
    /// (always done for `my_number_card_back`).
    read_qr: Option<String>,
}

/// `POST /api/v1/provider/subjects/{subject_id}/documents`: multipart fields `kind` and
/// `file`, and `replaces` (a document id of the same person) for a retake; an optional
/// `Idempotency-Key` header makes a retry return the first upload.
#[utoipa::path(post, path = "/api/v1/provider/subjects/{subject_id}/documents", tag = "provider",
    params(("subject_id" = uuid::Uuid, Path, description = "A subject of the caller's submission"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry key"),
           ("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    request_body(content_type = "multipart/form-data", content = UploadForm,
                 description = "The photo and what it shows; the file's name and type are ignored (the type comes from its bytes)"),
    responses((status = 201, description = "`{\"document_id\", \"removed_metadata\", \"width\", \"height\", \"warnings\", \"qr_check\"}`: `qr_check` is null unless the photo was looked at for the card's QR code, else `matches`, `differs`, `no_qr`, `unreadable` or `pending` (compared by the internal side later)"),
              (status = 413, description = "Body too large"),
              (status = 415, description = "Not JPEG, PNG or WebP (HEIC explained)"),
              (status = 422, description = "Corrupt image or too many pixels"),
              (status = 404, description = "No such subject in the caller's submission")))]
pub async fn upload_document(
    req: HttpRequest,
    state: State,
    provider: Provider,
    path: web::Path<SubjectId>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let filing = provider.filer().open(&state.app).await?;
    let stored = accept_upload(&req, &state, &filing, path.into_inner(), payload, None).await?;
    Ok(upload_response(stored))
}

/// Where a page shows an upload refusal: on the form, at the field it concerns (the kind,
/// else the file), or `None` for an error page (forbidden, not found, no longer editable).
pub(crate) fn form_refusal(e: &ApiError) -> Option<portal::forms::FormError> {
    e.form_error(Some("file"))
}

/// The answer to an accepted upload: 201 for a new document, 200 for a retry.
pub(crate) fn upload_response(stored: StoredDocument) -> HttpResponse {
    let status = if stored.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let s = stored.summary;
    HttpResponse::build(status).json(serde_json::json!({
        "document_id": s.document_id,
        "kind": s.kind,
        "removed_metadata": s.removed_metadata,
        "width": s.width,
        "height": s.height,
        "warnings": s.warnings,
        "qr_check": s.qr_check,
    }))
}

/// Receives one document photo for a subject of the caller's submission: rate limit,
/// size caps, multipart read into memory, the pipeline (sniff → scrub → seal), then the
/// vault. Shared by the JSON API and the page form; the page passes the CSRF token its
/// form must carry (a `csrf` field), checked before anything is decoded. The retry key
/// is the `Idempotency-Key` header or, from a plain form, its `idempotency_key` field.
pub(crate) async fn accept_upload(
    req: &HttpRequest,
    state: &State,
    filing: &Filing,
    subject: SubjectId,
    payload: Multipart,
    expected_csrf: Option<&str>,
) -> Result<StoredDocument, ApiError> {
    let submission = filing.submission().uuid();
    let upload = read_checked_upload(req, state, submission, payload, expected_csrf).await?;
    let sealed = seal_upload(state, upload).await?;
    store_sealed(state, filing, subject, sealed).await
}

/// Reads an upload's multipart body under the rate limits and size caps (charged to
/// `submission_id`) and checks the page's CSRF token; nothing is decoded yet.
pub(crate) async fn read_checked_upload(
    req: &HttpRequest,
    state: &State,
    submission_id: uuid::Uuid,
    payload: Multipart,
    expected_csrf: Option<&str>,
) -> Result<Upload, ApiError> {
    if let Some(ip) = crate::client_ip::client_ip(req, &state.settings.trusted_proxies) {
        state
            .limits
            .check(LimitClass::Upload, ip)
            .map_err(ApiError::too_many_requests)?;
    }
    state
        .limits
        .check_submission_upload(submission_id)
        .map_err(ApiError::too_many_requests)?;
    let limit = state.settings.upload.max_body_bytes;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let header_key = idempotency_key(req)?;
    let mut upload = read_upload(payload, limit, declared.unwrap_or(0)).await?;
    if let Some(expected) = expected_csrf
        && !crate::csrf::matches(expected, upload.csrf.as_deref().unwrap_or_default())
    {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Message::CsrfInvalid));
    }
    upload.idempotency_key = match header_key {
        Some(key) => Some(key),
        None => upload
            .idempotency_key
            .as_deref()
            .map(valid_key)
            .transpose()?,
    };
    Ok(upload)
}

/// A read upload after the pipeline: scrubbed and sealed, not yet stored.
pub(crate) struct SealedUpload {
    document: SealedDocument,
    idempotency_key: Option<String>,
    replaces: Option<uuid::Uuid>,
}

impl std::fmt::Debug for SealedUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedUpload(..)")
    }
}

/// Runs a read upload through the pipeline (sniff → scrub → seal).
pub(crate) async fn seal_upload(state: &State, upload: Upload) -> Result<SealedUpload, ApiError> {
    let idempotency_key = upload.idempotency_key.clone();
    let kind = upload
        .kind
        .ok_or_else(|| ApiError::invalid_at("kind", Message::DocumentKindInvalid))?;
    let read_qr = intake::admit_photo(kind, upload.read_qr)?;
    let file = upload
        .file
        .ok_or_else(|| ApiError::invalid(Message::FileMissing))?;
    let processed = state
        .pipeline
        .process(file, state.keys.sealer().clone(), read_qr)
        .await
        .map_err(pipeline_error)?;
    Ok(SealedUpload {
        document: processed.into_document(kind),
        idempotency_key,
        replaces: upload.replaces,
    })
}

/// Stores a sealed upload for one person of the filing (`application::intake::store_photo`).
pub(crate) async fn store_sealed(
    state: &State,
    filing: &Filing,
    subject: SubjectId,
    sealed: SealedUpload,
) -> Result<StoredDocument, ApiError> {
    Ok(intake::store_photo(
        &state.app,
        filing,
        subject,
        &sealed.document,
        sealed.idempotency_key.as_deref(),
        sealed.replaces,
    )
    .await?)
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::bad_request(Message::BadRequest))?;
    valid_key(key).map(Some)
}

fn valid_key(key: &str) -> Result<String, ApiError> {
    let key = key.trim();
    let ok = (1..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(key.to_owned())
    } else {
        Err(ApiError::bad_request(Message::BadRequest))
    }
}

/// A multipart upload read into memory: the photo, what it shows, and the form's other
/// short text fields (a change page sends the new dependant's details with the photo).
pub(crate) struct Upload {
    kind: Option<DocumentKind>,
    pub(crate) file: Option<Zeroizing<Vec<u8>>>,
    csrf: Option<String>,
    idempotency_key: Option<String>,
    replaces: Option<uuid::Uuid>,
    read_qr: bool,
    /// Other fields, each at most [`MAX_TEXT_FIELD`] bytes, wiped when dropped.
    pub(crate) fields: Vec<(String, Zeroizing<String>)>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Upload(..)")
    }
}

impl Upload {
    /// Whether a non-empty photo came with the form (a page's file input left empty
    /// sends an empty part).
    pub(crate) fn has_file(&self) -> bool {
        self.file.as_ref().is_some_and(|f| !f.is_empty())
    }

    /// A text field's value ("" when absent).
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// The largest other text field an upload form may carry.
const MAX_TEXT_FIELD: usize = 1024;

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Message::PayloadTooLarge)
}

/// Reads the multipart body into memory, refusing anything over `limit` bytes in total.
/// The file's buffer is sized from the declared body length (already checked against
/// `limit`), so a photo lands in one allocation: no copies as it grows, and none left
/// unwiped (see `scrub::append_wiped`).
async fn read_upload(
    mut payload: Multipart,
    limit: usize,
    declared: usize,
) -> Result<Upload, ApiError> {
    let mut upload = Upload {
        kind: None,
        file: None,
        csrf: None,
        idempotency_key: None,
        replaces: None,
        read_qr: false,
        fields: Vec::new(),
    };
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        let capacity = if name == "file" {
            declared.saturating_sub(total)
        } else {
            0
        };
        let mut buffer = Zeroizing::new(Vec::with_capacity(capacity));
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            total += chunk.len();
            if total > limit {
                return Err(too_large());
            }
            crate::pipeline::scrub::append_wiped(&mut buffer, &chunk);
        }
        let text = || {
            std::str::from_utf8(&buffer)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        match name.as_str() {
            "kind" => {
                upload.kind =
                    Some(DocumentKind::from_code(&text()).ok_or_else(|| {
                        ApiError::invalid_at("kind", Message::DocumentKindInvalid)
                    })?);
            }
            "file" => upload.file = Some(buffer),
            "csrf" => upload.csrf = Some(text()),
            "idempotency_key" => upload.idempotency_key = Some(text()),
            // "This photo shows my card": look for the number's QR whatever the kind.
            "read_qr" => upload.read_qr = matches!(text().as_str(), "1" | "true" | "on"),
            // A retake of this document (e.g. after a correction request); empty = none.
            "replaces" if !text().is_empty() => {
                upload.replaces = Some(
                    text()
                        .parse()
                        .map_err(|_| ApiError::bad_request(Message::BadRequest))?,
                );
            }
            // Other short text fields are kept for the page that reads them (wiped on
            // drop); longer ones are ignored.
            _ if buffer.len() <= MAX_TEXT_FIELD && upload.fields.len() < 32 => {
                if let Ok(text) = std::str::from_utf8(&buffer) {
                    upload
                        .fields
                        .push((name.clone(), Zeroizing::new(text.to_owned())));
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// Reads a multipart form's fields into memory, `limit` bytes in all: (name, bytes) in
/// the order sent. For forms that carry text or a small file (the invitation roster).
pub(crate) async fn read_fields(
    mut payload: Multipart,
    limit: usize,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let mut fields = Vec::new();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut buffer = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            total += chunk.len();
            if total > limit {
                return Err(too_large());
            }
            buffer.extend_from_slice(&chunk);
        }
        fields.push((name, buffer));
    }
    Ok(fields)
}

fn multipart_error(e: actix_multipart::MultipartError) -> ApiError {
    use actix_multipart::MultipartError as M;
    match e {
        M::Payload(actix_web::error::PayloadError::Overflow) => too_large(),
        M::ContentTypeMissing
        | M::ContentTypeParse
        | M::ContentTypeIncompatible
        | M::BoundaryMissing => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Message::UnsupportedMediaType,
        ),
        _ => ApiError::bad_request(Message::BadRequest),
    }
}

pub(crate) fn pipeline_error(e: PipelineError) -> ApiError {
    let unsupported = |m| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, m);
    match e {
        PipelineError::Refused(ScrubError::UnsupportedType) => {
            unsupported(Message::UnsupportedFileType)
        }
        PipelineError::Refused(ScrubError::Heic) => unsupported(Message::HeicNotSupported),
        PipelineError::Refused(ScrubError::Empty) => ApiError::invalid(Message::EmptyFile),
        PipelineError::Refused(ScrubError::TooManyPixels { .. } | ScrubError::TooLarge) => {
            ApiError::invalid(Message::TooManyPixels)
        }
        PipelineError::Refused(ScrubError::ExtremeShape { .. }) => {
            ApiError::invalid(Message::ImageShapeUnsupported)
        }
        PipelineError::Refused(ScrubError::Corrupt) | PipelineError::DecoderPanic => {
            tracing::warn!(error = %e, "upload refused as corrupt");
            ApiError::invalid(Message::CorruptImage)
        }
        PipelineError::Timeout => ApiError::invalid(Message::ImageTimeout),
        PipelineError::Seal(_) | PipelineError::Task => ApiError::internal(&e),
    }
}
