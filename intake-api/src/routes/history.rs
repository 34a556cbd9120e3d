//! Changes on a verified record (issue 17), for the provider (their own link's session) and
//! for an officer or a branch collector on the person's behalf (in their scope). Each
//! handler parses, seals a new number, and calls one use case of `application::history`.
//!
//! Staff upload the change's photos and hand it in through the assisted routes with the
//! change's id (`/api/v1/assisted/{change_id}/subjects/{subject_id}/documents`,
//! `…/{change_id}/hand-in`): a change is a submission of the same branch.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use application::history;
use application::intake::Filer;
use domain::{SubjectId, SubmissionId};
use portal::Message;
use portal::forms::{ChangeForm, FormError};
use storage::history::RecordedChange;

use crate::auth::Provider;
use crate::error::ApiError;
use crate::routes::provider::documents::{
    Upload, accept_upload, form_refusal, seal_upload, store_sealed, upload_response,
};
use crate::routes::provider::submission::handed_in;
use crate::routes::provider::today_in_japan;
use crate::secret_body::SecretJson;
use crate::staff_auth::Assistant;
use crate::startup::State;

/// Parses the form and records the change through its use case.
async fn change(state: &State, by: Filer<'_>, form: &ChangeForm) -> Result<HttpResponse, ApiError> {
    let (parsed, effective_on) = form.parse(today_in_japan())?;
    let recorded =
        history::record_parsed(&state.app, by, parsed, effective_on, form.person_id).await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Which change page a form comes from: the new dependant's, or the one for any other
/// change (which names the kind in `change_kind`). Also the last segment of the staff
/// pages' path (`/s/people/{id}/changes/{dependant|other}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChangePage {
    /// A new dependant.
    Dependant,
    /// A name, an address, a number, a dependant's end, 第3号 start or end.
    Other,
}

/// A change page's multipart form (the provider's `/p/changes/…` and staff's
/// `/s/people/{id}/changes/…`): the change's fields and, if one came, a photo for the
/// changed person's new version. The photo goes through the pipeline first, so a refused
/// photo leaves nothing recorded; then the change is recorded and the photo stored with
/// it. A refused field comes back as the form's error (`Ok(Err(…))`); handing the change
/// in is the caller's (the provider hands in their own, staff record how it arrived).
pub(crate) async fn record_from_page(
    state: &State,
    by: Filer<'_>,
    page: ChangePage,
    upload: Upload,
) -> Result<Result<RecordedChange, FormError>, ApiError> {
    let kind = match page {
        ChangePage::Dependant => "add_dependant",
        // The other-change page names any kind but a new dependant (which has its own),
        // and always whose.
        ChangePage::Other => match upload.field("change_kind") {
            "add_dependant" => return Err(ApiError::invalid(Message::BadRequest)),
            named => named,
        },
    };
    let form = ChangeForm::from_page(kind, |name| upload.field(name));
    if page == ChangePage::Other && form.person_id.is_none() {
        return Err(ApiError::invalid(Message::BadRequest));
    }
    let (parsed, effective_on) = match form.parse(today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(e)),
    };
    let photo = if upload.has_file() {
        match seal_upload(state, upload).await {
            Ok(sealed) => Some(sealed),
            Err(e) => match form_refusal(&e) {
                Some(refusal) => return Ok(Err(refusal)),
                None => return Err(e),
            },
        }
    } else {
        None
    };
    let recorded =
        history::record_parsed(&state.app, by, parsed, effective_on, form.person_id).await?;
    if let Some(photo) = photo {
        let change = by
            .change_filing(&state.app, recorded.change_id.into())
            .await?;
        store_sealed(state, &change, recorded.subject_id.into(), photo).await?;
    }
    Ok(Ok(recorded))
}

/// `POST /api/v1/provider/changes`: one change on the provider's verified record →
/// 201 `{"change_id", "subject_id", "person_id"}` (upload the new version's photos to
/// `…/changes/{change_id}/subjects/{subject_id}/documents`, then hand it in).
#[utoipa::path(post, path = "/api/v1/provider/changes", tag = "provider", request_body = ChangeForm,
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 201, description = "`{\"change_id\", \"subject_id\", \"person_id\"}`"),
              (status = 404, description = "No such person in the caller's record"),
              (status = 409, description = "The record is not verified yet, or this person's earlier change waits for an officer"),
              (status = 422, description = "A field is invalid (`field` names it)")))]
pub async fn provider_change(
    state: State,
    provider: Provider,
    form: SecretJson<ChangeForm>,
) -> Result<HttpResponse, ApiError> {
    change(&state, provider.filer(), &form).await
}

/// `GET /api/v1/provider/record`: the people of the provider's record, each with every
/// version (no number).
#[utoipa::path(get, path = "/api/v1/provider/record", tag = "provider",
    responses((status = 200, description = "`{\"people\": [{\"person_id\", \"kind\", \"relationship\", \"started_on\", \"ended_on\", \"category3_periods\", \"versions\"}]}`")))]
pub async fn provider_record(state: State, provider: Provider) -> Result<HttpResponse, ApiError> {
    let people = history::history(&state.app, provider.filer()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "people": people })))
}

/// `POST /api/v1/provider/changes/{change_id}/subjects/{subject_id}/documents`: a photo for
/// the new version of a changed person, as `…/subjects/{subject_id}/documents` takes it.
#[utoipa::path(post, path = "/api/v1/provider/changes/{change_id}/subjects/{subject_id}/documents", tag = "provider",
    params(("change_id" = uuid::Uuid, Path, description = "A change of the caller's record (`change_id` of `POST /api/v1/provider/changes`)"),
           ("subject_id" = uuid::Uuid, Path, description = "The changed person's new version (`subject_id` of the same answer)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry key"),
           ("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    request_body(content_type = "multipart/form-data", content = crate::routes::provider::documents::UploadForm,
                 description = "The photo and what it shows, as for the first collection's uploads"),
    responses((status = 201, description = "`{\"document_id\", \"removed_metadata\", \"width\", \"height\", \"warnings\", \"qr_check\"}`"),
              (status = 404, description = "No such change or person in the caller's record"),
              (status = 409, description = "The change was handed in already"),
              (status = 413, description = "Body too large"),
              (status = 415, description = "Not JPEG, PNG or WebP (HEIC explained)"),
              (status = 422, description = "Corrupt image or too many pixels")))]
pub async fn provider_upload(
    req: HttpRequest,
    state: State,
    provider: Provider,
    path: web::Path<(SubmissionId, SubjectId)>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let (change, subject) = path.into_inner();
    let filing = provider.filer().change_filing(&state.app, change).await?;
    let stored = accept_upload(&req, &state, &filing, subject, payload, None).await?;
    Ok(upload_response(stored))
}

/// `POST /api/v1/provider/changes/{change_id}/submit`: hands the change in (the changed
/// people go to the officer's queue) → `{"state"}`, or 422 with `missing`.
#[utoipa::path(post, path = "/api/v1/provider/changes/{change_id}/submit", tag = "provider",
    params(("change_id" = uuid::Uuid, Path, description = "A change of the caller's record"),
           ("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 200, description = "`{\"state\"}`: the changed people wait for an officer"),
              (status = 404, description = "No such change in the caller's record"),
              (status = 409, description = "Handed in already"),
              (status = 422, description = "Items are missing (`missing` lists them: a new version of the person themself needs a photo)")))]
pub async fn provider_submit(
    state: State,
    provider: Provider,
    path: web::Path<SubmissionId>,
) -> Result<HttpResponse, ApiError> {
    let filing = provider
        .filer()
        .change_filing(&state.app, path.into_inner())
        .await?;
    Ok(handed_in(history::hand_in(&state.app, &filing).await?))
}

/// `POST /api/v1/assisted/{submission}/changes`: a change on a verified record in the
/// staff member's scope, on the person's behalf.
pub(crate) async fn staff_change(
    state: State,
    staff: Assistant,
    path: web::Path<SubmissionId>,
    form: SecretJson<ChangeForm>,
) -> Result<HttpResponse, ApiError> {
    let by = Filer::Staff {
        staff: staff.access(),
        submission: path.into_inner(),
    };
    change(&state, by, &form).await
}

/// `GET /api/v1/assisted/{submission}/record`: the record's people and versions.
pub(crate) async fn staff_record(
    state: State,
    staff: Assistant,
    path: web::Path<SubmissionId>,
) -> Result<HttpResponse, ApiError> {
    let by = Filer::Staff {
        staff: staff.access(),
        submission: path.into_inner(),
    };
    let people = history::history(&state.app, by).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "people": people })))
}
