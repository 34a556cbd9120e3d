//! The admins' re-confirmation (年末調整) pages: `/s/campaigns` (the campaigns and the form
//! that opens one; opening shows the printable sheet of the links not e-mailed),
//! `/s/campaigns/{id}` (progress per branch, reminders, closing, who has not answered, and
//! its CSV). The same functions as `/api/v1/admin/campaigns`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::access;
use portal::Text;
use portal::campaigns::{CampaignPage, CampaignsPage};
use storage::staff::Role;
use uuid::Uuid;

use super::invitations::{branch_labels, sheet_of};
use super::{CsrfOnly, StaffPage, StaffPageError};
use crate::page::{Flash, render, see_other};
use crate::routes::admin::campaigns::{OpenBody, open, remind, unanswered_csv};
use crate::routes::provider::today_in_japan;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::routes::endpoint("/s/campaigns")
            .get(list)
            .post(create),
    )
    .service(crate::routes::endpoint("/s/campaigns/{id}").get(show))
    .service(crate::routes::endpoint("/s/campaigns/{id}/reminders").post(reminders))
    .service(crate::routes::endpoint("/s/campaigns/{id}/close").post(close))
    .service(crate::routes::endpoint("/s/campaigns/{id}/unanswered.csv").get(csv));
}

/// The page's caller as an admin (the role and the second factor checked).
fn admin(page: StaffPage) -> Result<(StaffPage, access::Admin), StaffPageError> {
    let page = page.require(&[Role::Admin])?;
    let admin = access::admin(page.caller.staff())?;
    Ok((page, admin))
}

/// `GET /s/campaigns`.
async fn list(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let campaigns = application::campaign::list(&state.app, &admin).await?;
    let body = CampaignsPage {
        staff: page.frame(Text::SCampaigns, "/s/campaigns"),
        campaigns,
        this_year: today_in_japan().year(),
        mail_on: state.mailer.is_some(),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(serde::Deserialize)]
struct OpenForm {
    csrf: String,
    year: String,
    #[serde(default)]
    branches: String,
    #[serde(default)]
    send_email: Option<String>,
}

/// `POST /s/campaigns`: opens the campaign and shows the sheet of links to print (those
/// e-mailed by name only).
async fn create(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    form: web::Form<OpenForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let Ok(year) = form.year.trim().parse::<i32>() else {
        return Ok(see_other(
            &state,
            "/s/campaigns",
            Some(Flash::error(portal::Message::BadRequest, "year")),
        ));
    };
    let body = OpenBody {
        year,
        branches: form
            .branches
            .split([',', '、', ' '])
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned)
            .collect(),
        links_valid_days: None,
        send_email: form.send_email.as_deref() == Some("true"),
    };
    match open(&state, &admin, &body).await {
        Ok(opened) => sheet_of(
            &req,
            &state,
            &page,
            opened.issued,
            &branch_labels(&state).await?,
            Text::SCampaignSheetCardTitle,
            ("/s/campaigns", Text::SCampaigns),
        ),
        Err(e) if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY => Ok(see_other(
            &state,
            "/s/campaigns",
            Some(Flash::error(e.message(), "branches")),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /s/campaigns/{id}`.
async fn show(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let id = path.into_inner();
    let campaign = application::campaign::progress(&state.app, &admin, id).await?;
    let unanswered = application::campaign::unanswered(&state.app, &admin, id).await?;
    let body = CampaignPage {
        staff: page.frame(Text::SCampaigns, &format!("/s/campaigns/{id}")),
        campaign,
        unanswered,
        mail_on: state.mailer.is_some(),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `POST /s/campaigns/{id}/reminders`.
async fn reminders(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let id = path.into_inner();
    let back = format!("/s/campaigns/{id}");
    let flash = match remind(&state, &admin, id).await {
        Ok(_) => Flash::info(Text::SCampaignReminded),
        Err(e) if e.status_code() == StatusCode::CONFLICT => Flash::error(e.message(), "form"),
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(&state, &back, Some(flash)))
}

/// `POST /s/campaigns/{id}/close`: closed (audited); the page then lists who did not answer.
async fn close(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let id = path.into_inner();
    let back = format!("/s/campaigns/{id}");
    let flash = match application::campaign::close(&state.app, &admin, id).await {
        Ok(_) => Flash::info(Text::SCampaignClosedDone),
        Err(application::AppError::Conflict(_)) => {
            Flash::error(portal::Message::CampaignClosed, "form")
        }
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(&state, &back, Some(flash)))
}

/// `GET /s/campaigns/{id}/unanswered.csv`: who has not answered (UTF-8 with a BOM).
async fn csv(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, StaffPageError> {
    let (_page, admin) = admin(page)?;
    let id = path.into_inner();
    let lines = application::campaign::unanswered(&state.app, &admin, id).await?;
    Ok(super::audit_desk::csv_response(
        &format!("kakunin-campaign-{id}-unanswered.csv"),
        unanswered_csv(&lines)?,
    ))
}
