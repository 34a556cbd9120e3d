//! The pages for taking a submission in on a person's behalf: the roster of the staff
//! member's branches, a new record for paper without an invitation, and one person's
//! page (details, photos or scans, how it arrived, hand-in). Each action calls the same
//! function as `/api/v1/assisted/…`, so scope and validation are the same.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::intake;
use domain::{SubjectId, SubmissionId};
use portal::Text;
use portal::forms::FormError;
use portal::pages::fresh_key;
use portal::staff::{BranchLabels, PeoplePage, PersonPage};
use serde::Deserialize;
use storage::person::Relationship;
use storage::submissions::DocumentKind;

use super::{StaffPage, StaffPageError};
use crate::page::{Flash, on_form, refused as provider_refused, render, see_other};
use crate::routes::assisted::{HandIn, NewRecordForm, filer, hand_in_for};
use crate::routes::provider::documents::{accept_upload, form_refusal};
use crate::routes::provider::pages::subjects::{SubjectPageForm, values as subject_values};
use crate::routes::provider::today_in_japan;
use crate::secret_body::SecretForm;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/people").get(people))
        .service(crate::routes::endpoint("/s/people/new").post(new_record))
        .service(crate::routes::endpoint("/s/people/{id}").get(person))
        .service(crate::routes::endpoint("/s/people/{id}/self").post(save_self))
        .service(
            crate::routes::endpoint("/s/people/{id}/subjects/{subject}/documents").post(upload),
        )
        .service(crate::routes::endpoint("/s/people/{id}/hand-in").post(hand_in));
}

/// `GET /s/people`.
async fn people(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    let body = PeoplePage {
        staff: page.frame(Text::SPeople, "/s/people"),
        entries: intake::people(&state.app, &staff).await?,
        branches: intake::branches(&state.app, &staff).await?,
        branch_labels: BranchLabels(application::branches::labels(&state.app).await?),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(Deserialize)]
struct NewRecordPageForm {
    csrf: String,
    #[serde(flatten)]
    record: NewRecordForm,
}

/// `POST /s/people/new`.
async fn new_record(
    state: State,
    page: StaffPage,
    form: web::Form<NewRecordPageForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    page.check_csrf(&form.csrf)?;
    let created = match form.record.parse() {
        Ok(record) => intake::new_record(&state.app, &staff, record)
            .await
            .map_err(Into::into),
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(see_other(&state, &format!("/s/people/{id}"), None)),
        Err(e) if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY => Ok(see_other(
            &state,
            "/s/people",
            Some(Flash::error(e.message(), "name")),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /s/people/{id}`.
async fn person(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<SubmissionId>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    let id = path.into_inner();
    let filing = filer(&staff, id).look(&state.app).await?;
    let status = intake::status(&state.app, &filing).await?;
    let display_name = intake::people(&state.app, &staff)
        .await?
        .into_iter()
        .find(|e| e.submission_id == id.uuid())
        .map(|e| e.display_name)
        .unwrap_or_default();
    let own = status
        .subjects
        .iter()
        .find(|s| s.relationship == Relationship::Myself)
        .cloned();
    // What was typed before a refusal, else what is saved, else the name the record was
    // made with (the roster's name and furigana, or what the collector typed).
    let mut values = subject_values(page.flash(), own.as_ref());
    if own.is_none() && page.flash().is_none() {
        let (name, kana) = intake::roster_name(&state.app, &filing).await?;
        values.name = if name.is_empty() {
            display_name.clone()
        } else {
            name
        };
        values.name_kana = kana.unwrap_or_default();
    }
    let body = PersonPage {
        staff: page.frame(Text::SOnBehalf, &format!("/s/people/{id}")),
        display_name,
        editable: status.state.provider_can_edit()
            || status.state == storage::SubmissionState::Invited,
        values,
        own,
        status,
        kinds: DocumentKind::ALL,
        idempotency_key: fresh_key(),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// Back to the person's page with a refusal and what was typed (never the number).
fn refused(state: &State, id: SubmissionId, error: FormError, kept: Flash) -> HttpResponse {
    provider_refused(state, &format!("/s/people/{id}"), error, kept)
}

/// `POST /s/people/{id}/self`.
async fn save_self(
    state: State,
    page: StaffPage,
    path: web::Path<SubmissionId>,
    form: SecretForm<SubjectPageForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    let mut form = form.into_inner();
    page.check_csrf(&form.csrf)?;
    let id = path.into_inner();
    let filing = filer(&staff, id).open(&state.app).await?;
    let parsed = match form.subject().parse(true, today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(&state, id, e, form.kept())),
    };
    if let Err(e) = intake::save_self(&state.app, &filing, parsed).await {
        return Ok(refused(&state, id, on_form(e, None)?, form.kept()));
    }
    Ok(see_other(
        &state,
        &format!("/s/people/{id}"),
        Some(Flash::info(Text::Saved)),
    ))
}

/// `POST /s/people/{id}/subjects/{subject}/documents`: the plain multipart form.
async fn upload(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<(SubmissionId, SubjectId)>,
    payload: Multipart,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    let (id, subject) = path.into_inner();
    let filing = filer(&staff, id).open(&state.app).await?;
    let here = format!("/s/people/{id}");
    match accept_upload(&req, &state, &filing, subject, payload, Some(page.csrf())).await {
        Ok(_) => Ok(see_other(
            &state,
            &here,
            Some(Flash::info(Text::UploadedOk)),
        )),
        Err(e) => match form_refusal(&e) {
            Some(error) => Ok(refused(&state, id, error, Flash::default())),
            None => Err(e.into()),
        },
    }
}

/// `POST /s/people/{id}/hand-in`: `channel`, `documents_seen` (repeated), `note`.
async fn hand_in(
    state: State,
    page: StaffPage,
    path: web::Path<SubmissionId>,
    form: SecretForm<Vec<(String, String)>>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    page.check_csrf(csrf)?;
    let id = path.into_inner();
    let body = HandIn::from_fields(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let filing = filer(&staff, id).open(&state.app).await?;
    match hand_in_for(&state, &filing, &body).await {
        Ok(_) => Ok(see_other(
            &state,
            "/s/people",
            Some(Flash::info(Text::SHandedIn)),
        )),
        Err(e) if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY => Ok(see_other(
            &state,
            &format!("/s/people/{id}"),
            Some(Flash::error(e.message(), "form")),
        )),
        Err(e) => Err(e.into()),
    }
}
