//! The pages for taking a submission in on a person's behalf: the roster of the staff
//! member's branches, a new record for paper without an invitation, and one person's
//! page (details, photos or scans, how it arrived, hand-in). Each action calls the same
//! function as `/api/v1/assisted/…`, so scope and validation are the same.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use portal::Text;
use portal::forms::FormError;
use portal::pages::fresh_key;
use portal::staff::{BranchLabels, PeoplePage, PersonPage};
use serde::Deserialize;
use storage::person::Relationship;
use storage::staff::Role;
use storage::submissions::DocumentKind;
use uuid::Uuid;

use super::{StaffPage, StaffPageError};
use crate::routes::assisted::{self as api, HandIn, NewRecord, ROSTER_STATES};
use crate::routes::provider::documents::{accept_upload, form_refusal};
use crate::routes::provider::pages::subjects::{SubjectPageForm, values as subject_values};
use crate::routes::provider::pages::{Flash, refused as provider_refused, render, see_other};
use crate::routes::provider::subjects::seal;
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

fn assistant(page: StaffPage) -> Result<StaffPage, StaffPageError> {
    page.require(&[Role::Officer, Role::Collector])
}

/// `GET /s/people`.
async fn people(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let page = assistant(page)?;
    let account = page.caller.session.account_id;
    let body = PeoplePage {
        staff: page.frame(Text::SPeople, "/s/people"),
        entries: state
            .vault
            .as_staff(account.into())
            .queue(&ROSTER_STATES)
            .await?,
        branches: state.vault.staff_scopes(account).await?,
        branch_labels: BranchLabels(application::branches::labels(&state.app).await?),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(Deserialize)]
struct NewRecordForm {
    csrf: String,
    #[serde(flatten)]
    record: NewRecord,
}

/// `POST /s/people/new`.
async fn new_record(
    state: State,
    page: StaffPage,
    form: web::Form<NewRecordForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = assistant(page)?;
    page.check_csrf(&form.csrf)?;
    match api::new_record(&state, &page.caller, &form.record).await {
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
    path: web::Path<Uuid>,
) -> Result<HttpResponse, StaffPageError> {
    let page = assistant(page)?;
    let id = path.into_inner();
    let session = api::session(&state, &page.caller, id, false).await?;
    let mut status = state.vault.submission_status(id).await?;
    application::numbers::with_last4s(&state.app, &mut status).await?;
    let display_name = state
        .vault
        .as_staff(page.caller.session.account_id.into())
        .queue(&ROSTER_STATES)
        .await?
        .into_iter()
        .find(|e| e.submission_id == id)
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
        let (name, kana) = state
            .vault
            .invitation_roster_name(session.invitation_id)
            .await?;
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
fn refused(state: &State, id: Uuid, error: FormError, kept: Flash) -> HttpResponse {
    provider_refused(state, &format!("/s/people/{id}"), error, kept)
}

/// `POST /s/people/{id}/self`.
async fn save_self(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: SecretForm<SubjectPageForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = assistant(page)?;
    let mut form = form.into_inner();
    page.check_csrf(&form.csrf)?;
    let id = path.into_inner();
    let session = api::session(&state, &page.caller, id, true).await?;
    let parsed = match form.subject().parse(true, today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(&state, id, e, form.kept())),
    };
    if let Err(e) = crate::routes::provider::subjects::own_address_required(
        &state,
        session.kind,
        &parsed.details,
    ) {
        return Ok(refused(&state, id, e, form.kept()));
    }
    let input = seal(&state, parsed)?;
    state
        .vault
        .save_self_subject(&page.caller.audit, &session, &input)
        .await?;
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
    path: web::Path<(Uuid, Uuid)>,
    payload: Multipart,
) -> Result<HttpResponse, StaffPageError> {
    let page = assistant(page)?;
    let (id, subject) = path.into_inner();
    let session = api::session(&state, &page.caller, id, true).await?;
    let here = format!("/s/people/{id}");
    match accept_upload(
        &req,
        &state,
        &page.caller.audit,
        session.submission_id,
        subject,
        payload,
        Some(page.csrf()),
    )
    .await
    {
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
    path: web::Path<Uuid>,
    form: SecretForm<Vec<(String, String)>>,
) -> Result<HttpResponse, StaffPageError> {
    let page = assistant(page)?;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    page.check_csrf(csrf)?;
    let id = path.into_inner();
    let body = HandIn::from_fields(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    match api::hand_in_for(&state, &page.caller, id, &body).await {
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
