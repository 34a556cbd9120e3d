//! Changes on a verified record, made by an officer or a branch collector on the person's
//! behalf (issue 17): the record's history, a new dependant, and any other change, each
//! with how it was received. The same use cases as the provider's change pages and
//! `/api/v1/assisted/{record}/changes` (`routes::history::record_from_page`, then the
//! assisted hand-in), so scope, validation and the queue are the same: only the changed
//! person waits for an officer; everyone else keeps their verification.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::history::{self, ChangedBy};
use portal::pages::{ChangeablePerson, current_name, other_change_kinds};
use portal::staff::{ChangeFormPage, ChangesPage};
use portal::{Message, Text};
use storage::history::PersonHistory;
use storage::staff::Role;
use storage::submissions::DocumentKind;
use uuid::Uuid;

use super::{StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::routes::assisted::{HandIn, hand_in_for};
use crate::routes::history::record_from_page;
use crate::routes::provider::documents::{Upload, read_checked_upload};
use crate::routes::provider::pages::{Flash, refused, render, see_other};
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

/// The page's caller, who may take changes in on a person's behalf (an officer or a
/// branch collector), and their capability for the use cases.
fn assistant(
    page: StaffPage,
) -> Result<(StaffPage, application::access::Assistant), StaffPageError> {
    let page = page.require(&[Role::Officer, Role::Collector])?;
    let access = application::access::assistant(page.caller.staff()).map_err(ApiError::from)?;
    Ok((page, access))
}

/// The record's people with their history (scoped: a record outside the caller's
/// branches is not found).
async fn record_of(
    state: &State,
    access: &application::access::Assistant,
    record: Uuid,
) -> Result<Vec<PersonHistory>, ApiError> {
    let by = ChangedBy::Staff {
        staff: access,
        record: record.into(),
    };
    Ok(history::history(&state.app, by).await?)
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
    path: web::Path<Uuid>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, access) = assistant(page)?;
    let id = path.into_inner();
    let people = record_of(&state, &access, id).await?;
    let here = format!("/s/people/{id}/changes");
    let body = ChangesPage {
        staff: page.frame(Text::SChangesOnBehalf, &here),
        submission_id: id,
        display_name: holder_name(&people),
        history: people,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// Which change form: a new dependant, or any other change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Form {
    Dependant,
    Other,
}

impl Form {
    fn path(self, id: Uuid) -> String {
        match self {
            Self::Dependant => format!("/s/people/{id}/changes/dependant"),
            Self::Other => format!("/s/people/{id}/changes/other"),
        }
    }
}

/// `GET /s/people/{id}/changes/{dependant|other}`: one change form.
async fn form_page(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<(Uuid, Form)>,
) -> Result<HttpResponse, StaffPageError> {
    let (id, form) = path.into_inner();
    let (page, access) = assistant(page)?;
    let people = record_of(&state, &access, id).await?;
    let title = match form {
        Form::Dependant => Text::SChangesAddTitle,
        Form::Other => Text::SChangesOtherTitle,
    };
    let body = ChangeFormPage {
        staff: page.frame(title, &form.path(id)),
        submission_id: id,
        display_name: holder_name(&people),
        dependant: form == Form::Dependant,
        people: ChangeablePerson::of_record(&people),
        change_kinds: other_change_kinds(people.iter().any(|p| p.kind == "payee")),
        relationships: &portal::pages::DEPENDANT_RELATIONSHIPS,
        documents: verifier::rules::table::kinds_offered_on(today_in_japan()),
        seen_kinds: DocumentKind::ALL,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// How staff received the change (`channel`, `documents_seen`, `note` of the form).
fn received(upload: &Upload) -> Result<HandIn, ApiError> {
    Ok(HandIn {
        channel: serde_json::from_value(serde_json::Value::String(
            upload.field("channel").to_owned(),
        ))
        .map_err(|_| ApiError::bad_request(Message::BadRequest))?,
        documents_seen: upload
            .fields
            .iter()
            .filter(|(name, _)| name == "documents_seen")
            .map(|(_, value)| value.trim().to_owned())
            .collect(),
        note: upload.field("note").to_owned(),
    })
}

/// `POST /s/people/{id}/changes/{dependant|other}` (multipart): records the change from the
/// page's form, then hands it in with how it was received;
/// a refused field goes back to the form, a recorded change to the record's history.
async fn send(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<(Uuid, Form)>,
    payload: Multipart,
) -> Result<HttpResponse, StaffPageError> {
    let (id, form) = path.into_inner();
    let (page, access) = assistant(page)?;
    let here = form.path(id);
    let page_kind = match form {
        Form::Dependant => "add_dependant",
        Form::Other => "other",
    };
    let upload = read_checked_upload(&req, &state, id, payload, Some(page.csrf())).await?;
    let how = received(&upload)?;
    let by = ChangedBy::Staff {
        staff: &access,
        record: id.into(),
    };
    let audit = &page.caller.audit;
    let recorded = match record_from_page(&state, by, audit, page_kind, upload).await? {
        Ok(recorded) => recorded,
        Err(refusal) => return Ok(refused(&state, &here, refusal, Flash::default())),
    };
    match hand_in_for(&state, &page.caller, recorded.change_id, &how).await {
        Ok(_) => Ok(see_other(
            &state,
            &format!("/s/people/{id}/changes"),
            Some(Flash::info(Text::SChangesRecorded)),
        )),
        // Still missing a photo (a new version of the person themself or of a 第3号
        // spouse needs one), or an unknown document kind seen: the change stays recorded
        // and the same form with a photo completes it.
        Err(e) if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY => Ok(see_other(
            &state,
            &here,
            Some(Flash::error(e.message(), "file")),
        )),
        Err(e) => Err(e.into()),
    }
}
