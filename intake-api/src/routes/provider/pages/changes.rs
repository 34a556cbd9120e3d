//! The provider's change pages (issue 17): from a verified record's status page, "変更を
//!届け出る". A new dependant (a newborn) takes one form — details, the number or why there
//! is none yet, the attestation, and the photo of the number document — sent as one
//! multipart POST that records the change, stores the photo and hands the change in: the
//! status page, the form, and the status page again (three page loads).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use application::history;
use portal::Message;
use portal::Text;
use portal::forms::FormError;
use portal::pages::{
    ChangeDependantPage, ChangeOtherPage, ChangeablePerson, DEPENDANT_RELATIONSHIPS,
    other_change_kinds,
};

use super::{Flash, PageError, SignedIn, refused, render, see_other};
use crate::routes::history::{ChangePage, record_from_page};
use crate::routes::provider::documents::read_checked_upload;
use crate::routes::provider::today_in_japan;
use crate::startup::State;

const PATH: &str = "/p/changes/dependant";

/// `GET /p/changes/dependant`: the form.
pub(super) async fn new_dependant(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = ChangeDependantPage {
        page: signed.frame(Text::ChangeDependantTitle, PATH),
        relationships: &DEPENDANT_RELATIONSHIPS,
        documents: verifier::rules::table::kinds_offered_on(today_in_japan()),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/changes/dependant` (multipart): records the new dependant as a change, stores
/// the photo with it, and hands the change in; a refused field goes back to the form.
pub(super) async fn add_dependant(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    send(req, state, signed, payload, ChangePage::Dependant, PATH).await
}

const OTHER: &str = "/p/changes/other";

/// `GET /p/changes/other`: who and what changed.
pub(super) async fn other_form(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let people = history::history(&state.app, signed.provider.filer()).await?;
    let page = ChangeOtherPage {
        page: signed.frame(Text::ChangeOtherTitle, OTHER),
        people: ChangeablePerson::of_record(&people),
        change_kinds: other_change_kinds(signed.is_payee()),
        documents: verifier::rules::table::kinds_offered_on(today_in_japan()),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/changes/other` (multipart): records the change, stores the photo with it if
/// one came, and hands the change in.
pub(super) async fn other_change(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    send(req, state, signed, payload, ChangePage::Other, OTHER).await
}

/// Records a change page's form (`routes::history::record_from_page`) and hands the change
/// in; a refused field, or a change still missing its photo, goes back to `here`.
async fn send(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    payload: Multipart,
    page_kind: ChangePage,
    here: &str,
) -> Result<HttpResponse, PageError> {
    let p = &signed.provider;
    let upload = read_checked_upload(
        &req,
        &state,
        p.session.submission_id,
        payload,
        Some(signed.csrf.as_str()),
    )
    .await?;
    let by = p.filer();
    let recorded = match record_from_page(&state, by, page_kind, upload).await? {
        Ok(recorded) => recorded,
        Err(refusal) => return Ok(refused(&state, here, refusal, Flash::default())),
    };
    let change = by
        .change_filing(&state.app, recorded.change_id.into())
        .await?;
    let handed = history::hand_in(&state.app, &change).await?;
    match handed {
        Ok(_) => Ok(see_other(
            &state,
            "/p/status",
            Some(Flash::info(Text::ChangeSent)),
        )),
        // A new version of the person themself (or a 第3号 spouse) needs a photo: the
        // change waits, saved, until one is sent with the same form.
        Err(_) => Ok(refused(
            &state,
            here,
            FormError {
                field: match page_kind {
                    ChangePage::Dependant => "identity_attested",
                    ChangePage::Other => "file",
                },
                message: Message::Incomplete,
            },
            Flash::default(),
        )),
    }
}
