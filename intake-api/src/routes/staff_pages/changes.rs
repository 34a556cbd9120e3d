//! Changes on a verified record, made by an officer or a branch collector on the person's
//! behalf (issue 17): the record's history, a new dependant, and any other change, each
//! with how it was received. The same use cases as the provider's change pages and
//! `/api/v1/assisted/{record}/changes` (`routes::history::record_from_page`, then the
//! assisted hand-in), so scope, validation and the queue are the same: only the changed
//! person waits for an officer; everyone else keeps their verification.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::access::Assistant;
use application::history;
use domain::SubmissionId;
use portal::Text;
use portal::pages::{ChangeablePerson, current_name, other_change_kinds};
use portal::staff::{ChangeFormPage, ChangesPage};
use storage::history::PersonHistory;
use storage::submissions::DocumentKind;

use super::{StaffPage, StaffPageError};
use crate::page::{Flash, refused, render, see_other};
use crate::routes::assisted::{HandIn, filer, hand_in_for};
use crate::routes::history::{ChangePage, record_from_page};
use crate::routes::provider::documents::read_checked_upload;
use crate::routes::provider::today_in_japan;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/people/{id}/changes").get(overview))
        .service(
            crate::routes::endpoint("/s/people/{id}/changes/{form}")
                .get(form_page)
                .post(send),
        );
}

/// The record's people with their history (scoped: a record outside the caller's
/// branches is not found).
async fn record_of(
    state: &State,
    staff: &Assistant,
    record: SubmissionId,
) -> Result<Vec<PersonHistory>, StaffPageError> {
    Ok(history::history(&state.app, filer(staff, record)).await?)
}

/// The record holder's current name (the employee or payee).
fn holder_name(people: &[PersonHistory]) -> String {
    people
        .iter()
        .find(|p| p.kind != "dependant")
        .map(|p| current_name(p).to_owned())
        .unwrap_or_default()
}

/// `GET /s/people/{id}/changes`: the record's history and the two change forms' links.
async fn overview(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<SubmissionId>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, staff) = page.assistant()?;
    let id = path.into_inner();
    let people = record_of(&state, &staff, id).await?;
    let here = format!("/s/people/{id}/changes");
    let body = ChangesPage {
        staff: page.frame(Text::SChangesOnBehalf, &here),
        submission_id: id.uuid(),
        display_name: holder_name(&people),
        history: people,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// The path of a change form on the staff pages.
fn form_path(id: SubmissionId, form: ChangePage) -> String {
    match form {
        ChangePage::Dependant => format!("/s/people/{id}/changes/dependant"),
        ChangePage::Other => format!("/s/people/{id}/changes/other"),
    }
}

/// `GET /s/people/{id}/changes/{dependant|other}`: one change form.
async fn form_page(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<(SubmissionId, ChangePage)>,
) -> Result<HttpResponse, StaffPageError> {
    let (id, form) = path.into_inner();
    let (page, staff) = page.assistant()?;
    let people = record_of(&state, &staff, id).await?;
    let title = match form {
        ChangePage::Dependant => Text::SChangesAddTitle,
        ChangePage::Other => Text::SChangesOtherTitle,
    };
    let body = ChangeFormPage {
        staff: page.frame(title, &form_path(id, form)),
        submission_id: id.uuid(),
        display_name: holder_name(&people),
        dependant: form == ChangePage::Dependant,
        people: ChangeablePerson::of_record(&people),
        change_kinds: other_change_kinds(people.iter().any(|p| p.kind == "payee")),
        relationships: &portal::pages::DEPENDANT_RELATIONSHIPS,
        documents: verifier::rules::table::kinds_offered_on(today_in_japan()),
        seen_kinds: DocumentKind::ALL,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `POST /s/people/{id}/changes/{dependant|other}` (multipart): records the change from the
/// page's form, then hands it in with how it was received;
/// a refused field goes back to the form, a recorded change to the record's history.
async fn send(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<(SubmissionId, ChangePage)>,
    payload: Multipart,
) -> Result<HttpResponse, StaffPageError> {
    let (id, form) = path.into_inner();
    let (page, staff) = page.assistant()?;
    let here = form_path(id, form);
    let upload = read_checked_upload(&req, &state, id.uuid(), payload, Some(page.csrf())).await?;
    // How it was received, checked before anything is recorded.
    let how = HandIn::from_fields(upload.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    if let Err(e) = how.intake() {
        return Ok(see_other(
            &state,
            &here,
            Some(Flash::error(e.message(), "note")),
        ));
    }
    let by = filer(&staff, id);
    let recorded = match record_from_page(&state, by, form, upload).await? {
        Ok(recorded) => recorded,
        Err(refusal) => return Ok(refused(&state, &here, refusal, Flash::default())),
    };
    let change = by
        .change_filing(&state.app, recorded.change_id.into())
        .await?;
    match hand_in_for(&state, &change, &how).await {
        Ok(_) => Ok(see_other(
            &state,
            &format!("/s/people/{id}/changes"),
            Some(Flash::info(Text::SChangesRecorded)),
        )),
        // Still missing a photo (a new version of the person themself or of a 第3号
        // spouse needs one): the change stays recorded and the same form with a photo
        // completes it.
        Err(e) if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY => Ok(see_other(
            &state,
            &here,
            Some(Flash::error(e.message(), "file")),
        )),
        Err(e) => Err(e.into()),
    }
}
