//! The officers' dual-control pages: release to payroll (`/s/releases`) and disposal
//! (`/s/disposals`). One officer proposes, a different one approves after typing the
//! password and a TOTP code again; the same functions as `/api/v1/officer/releases…` and
//! `/api/v1/officer/disposals…` decide, so scope, the two-person rule, the step-up and the
//! audit trail are the same whichever door is used. The step-up fields are never kept.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use portal::Text;
use portal::staff::{DisposalsPage, ReleasesPage};
use serde::Deserialize;
use storage::staff::Role;
use uuid::Uuid;

use super::{StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::page::{Flash, render, see_other};
use crate::routes::officer::release;
use crate::staff_auth::StepUp;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::routes::endpoint("/s/releases")
            .get(releases)
            .post(propose_release),
    )
    .service(crate::routes::endpoint("/s/releases/{id}/approve").post(approve_release))
    .service(crate::routes::endpoint("/s/releases/{id}/export").post(download_release))
    .service(
        crate::routes::endpoint("/s/disposals")
            .get(disposals)
            .post(propose_disposal),
    )
    .service(crate::routes::endpoint("/s/disposals/{id}/approve").post(approve_disposal));
}

fn officer(page: StaffPage) -> Result<StaffPage, StaffPageError> {
    page.require(&[Role::Officer])
}

/// A refusal the page explains (wrong password or code, own proposal, a conflict, bad
/// input) goes back to the page as a flash; anything else is an error page.
pub(super) fn back_with(
    state: &State,
    location: &str,
    result: Result<Text, ApiError>,
) -> Result<HttpResponse, StaffPageError> {
    match result {
        Ok(done) => Ok(see_other(state, location, Some(Flash::info(done)))),
        Err(e)
            if matches!(
                e.status_code(),
                StatusCode::UNAUTHORIZED
                    | StatusCode::FORBIDDEN
                    | StatusCode::CONFLICT
                    | StatusCode::UNPROCESSABLE_ENTITY
                    | StatusCode::TOO_MANY_REQUESTS
            ) =>
        {
            Ok(see_other(
                state,
                location,
                Some(Flash::error(e.message(), "form")),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /s/releases/{id}/export`: the approved release's sealed file, once (the same
/// function as the API's; a POST, as taking it consumes it).
async fn download_release(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<super::CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(&form.csrf)?;
    // A second click (the first one's file is saved, the page was not reloaded) comes back
    // to the page with why, rather than saving an error body as a file.
    match release::export_attachment(&state, &page.officer()?, path.into_inner().into()).await {
        Ok(file) => Ok(file),
        Err(e) if e.status_code() == StatusCode::GONE => Ok(see_other(
            &state,
            "/s/releases",
            Some(Flash::error(e.message(), "form")),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /s/releases`.
async fn releases(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    let officer = page.officer()?;
    let verified = application::release::releasable(&state.app, &officer, 500).await?;
    let body = ReleasesPage {
        staff: page.frame(Text::SReleases, "/s/releases"),
        verified,
        open: application::release::open(&state.app, &officer).await?,
        me: officer.id().uuid(),
        payroll_ready: application::payroll_recipient::in_force(&state.app)
            .await?
            .is_some(),
        purposes: state.settings.portal.purposes.clone(),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `POST /s/releases`: `csrf`, `purpose` (a configured purpose of use), `note`, and one
/// `submission` per ticked record.
async fn propose_release(
    state: State,
    page: StaffPage,
    body: web::Bytes,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::bad_request(portal::Message::BadRequest))?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    page.check_csrf(field("csrf"))?;
    let ids = fields
        .iter()
        .filter(|(k, _)| k == "submission")
        .map(|(_, v)| v.parse::<domain::SubmissionId>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::bad_request(portal::Message::BadRequest))?;
    let result = if ids.is_empty() {
        Err(ApiError::invalid(portal::Message::BadRequest))
    } else {
        application::release::propose(
            &state.app,
            &page.officer()?,
            &ids,
            field("purpose"),
            Some(field("note")),
        )
        .await
        .map(|_| Text::SProposedDone)
        .map_err(ApiError::from)
    };
    back_with(&state, "/s/releases", result)
}

#[derive(Deserialize)]
pub(super) struct StepUpForm {
    csrf: String,
    password: String,
    totp: String,
}

impl StepUpForm {
    pub(super) fn step_up(self) -> (String, StepUp) {
        let Self {
            csrf,
            password,
            totp,
        } = self;
        (csrf, StepUp { password, totp })
    }
}

/// `POST /s/releases/{id}/approve`: a second officer, with the password and a code again.
async fn approve_release(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<StepUpForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    let (csrf, step_up) = form.into_inner().step_up();
    page.check_csrf(&csrf)?;
    let result = application::release::approve(
        &state.app,
        &page.officer()?,
        path.into_inner().into(),
        &step_up,
    )
    .await
    .map(|_| Text::SApprovedRelease)
    .map_err(ApiError::from);
    back_with(&state, "/s/releases", result)
}

/// `GET /s/disposals`: what is due within 30 days, and what waits for approval.
async fn disposals(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    let officer = page.officer()?;
    let due = application::disposal::due(&state.app, &officer, 30).await?;
    let pending = application::disposal::pending(&state.app, &officer).await?;
    let body = DisposalsPage {
        staff: page.frame(Text::SDisposals, "/s/disposals"),
        due,
        pending,
        me: format!("staff:{}", page.caller.session.account_id),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(Deserialize)]
struct ProposeDisposalForm {
    csrf: String,
    submission_id: Option<Uuid>,
    person_id: Option<Uuid>,
    subject_id: Option<Uuid>,
}

/// `POST /s/disposals`.
async fn propose_disposal(
    state: State,
    page: StaffPage,
    form: web::Form<ProposeDisposalForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(&form.csrf)?;
    let target = application::disposal::Target::named(
        form.submission_id.map(Into::into),
        form.person_id.map(Into::into),
        form.subject_id.map(Into::into),
    );
    let result = match target {
        Ok(target) => application::disposal::propose(&state.app, &page.officer()?, target).await,
        Err(e) => Err(e),
    }
    .map(|_| Text::SProposedDone)
    .map_err(ApiError::from);
    back_with(&state, "/s/disposals", result)
}

/// `POST /s/disposals/{id}/approve`.
async fn approve_disposal(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<StepUpForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    let (csrf, step_up) = form.into_inner().step_up();
    page.check_csrf(&csrf)?;
    let result = application::disposal::approve(
        &state.app,
        &page.officer()?,
        path.into_inner().into(),
        &step_up,
    )
    .await
    .map(|_| Text::SDisposedDone)
    .map_err(ApiError::from);
    back_with(&state, "/s/disposals", result)
}
