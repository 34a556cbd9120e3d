//! The provider's change pages (issue 17): from a verified record's status page, "変更を
//!届け出る". A new dependant (a newborn) takes one form — details, the number or why there
//! is none yet, the attestation, and the photo of the number document — sent as one
//! multipart POST that records the change, stores the photo and hands the change in: the
//! status page, the form, and the status page again (three page loads).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use application::history::{self, ChangedBy};
use portal::Message;
use portal::Text;
use portal::forms::{ChangeForm, DependantForm, FormError, ParsedChange, SubjectForm};
use portal::pages::{
    ChangeDependantPage, ChangeOtherPage, ChangeablePerson, DEPENDANT_RELATIONSHIPS,
};
use storage::person::Relationship;
use storage::submissions::DependantDeclaration;

use super::{Flash, PageError, SignedIn, refused, render, see_other};
use crate::routes::provider::documents::{
    form_refusal, read_checked_upload, seal_upload, store_sealed,
};
use crate::routes::provider::subjects::seal;
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
        kinds: verifier::rules::table::kinds_offered_on(today_in_japan()),
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
    let p = &signed.provider;
    let upload = read_checked_upload(
        &req,
        &state,
        p.session.submission_id,
        payload,
        Some(signed.csrf.as_str()),
    )
    .await?;
    let form = ChangeForm {
        kind: "add_dependant".to_owned(),
        effective_on: upload.field("effective_on").to_owned(),
        person_id: None,
        dependant: Some(DependantForm {
            subject: SubjectForm {
                relationship: Some(upload.field("relationship").to_owned()),
                number: upload.field("number").to_owned(),
                name: upload.field("name").to_owned(),
                name_kana: upload.field("name_kana").to_owned(),
                birth_date: upload.field("birth_date").to_owned(),
                address: String::new(),
                name_alphabetic: String::new(),
                common_name: String::new(),
                former_surname: String::new(),
                no_number_reason: upload.field("no_number_reason").to_owned(),
            },
            identity_attested: upload.field("identity_attested") == "1",
            category3_spouse: false,
        }),
        name: String::new(),
        name_kana: String::new(),
        former_surname: String::new(),
        address: String::new(),
        number: String::new(),
    };
    let (parsed, effective_on) = match form.parse(today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(&state, PATH, e, Flash::default())),
    };
    let ParsedChange::AddDependant(subject, attested, _) = parsed else {
        return Err(crate::error::ApiError::invalid(Message::BadRequest).into());
    };
    // The photo goes through the pipeline first: a refused photo leaves nothing recorded.
    let photo = if upload.has_file() {
        match seal_upload(&state, upload).await {
            Ok(sealed) => Some(sealed),
            Err(e) => match form_refusal(&e) {
                Some(refusal) => return Ok(refused(&state, PATH, refusal, Flash::default())),
                None => return Err(e.into()),
            },
        }
    } else {
        None
    };
    let input = seal(&state, *subject)?;
    let by = ChangedBy::Provider {
        session: &p.session,
        audit: &p.audit,
    };
    let declaration = DependantDeclaration {
        identity_attested: attested,
        category3_spouse: false,
    };
    let recorded = history::add_dependant(&state.app, by, input, declaration, effective_on)
        .await
        .map_err(crate::error::ApiError::from)?;
    if let Some(photo) = photo {
        store_sealed(
            &state,
            &p.audit,
            recorded.change_id,
            recorded.subject_id,
            photo,
        )
        .await?;
    }
    let handed = history::hand_in(&state.app, &p.session, &p.audit, recorded.change_id.into())
        .await
        .map_err(crate::error::ApiError::from)?;
    match handed {
        Ok(_) => Ok(see_other(
            &state,
            "/p/status",
            Some(Flash::info(Text::ChangeSent)),
        )),
        Err(_) => Ok(refused(
            &state,
            PATH,
            FormError {
                field: "identity_attested",
                message: Message::Incomplete,
            },
            Flash::default(),
        )),
    }
}

const OTHER: &str = "/p/changes/other";

/// `GET /p/changes/other`: who and what changed.
pub(super) async fn other_form(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let p = &signed.provider;
    let by = ChangedBy::Provider {
        session: &p.session,
        audit: &p.audit,
    };
    let people = history::history(&state.app, by)
        .await
        .map_err(crate::error::ApiError::from)?
        .into_iter()
        .filter(|person| person.ended_on.is_none())
        .filter_map(|person| {
            let current = person
                .versions
                .iter()
                .rev()
                .find(|v| v.superseded_at.is_none())?;
            Some(ChangeablePerson {
                person_id: person.person_id,
                name: current.name.clone(),
                relationship: person
                    .relationship
                    .as_deref()
                    .and_then(Relationship::from_code)
                    .unwrap_or(Relationship::Myself),
            })
        })
        .collect();
    let mut kinds = vec![
        ("name", Text::SChangeName),
        ("address", Text::SChangeAddress),
        ("number", Text::SChangeNumber),
    ];
    if !signed.is_payee() {
        kinds.extend([
            ("end_dependant", Text::SChangeEndDependant),
            ("category3_start", Text::SChangeCategory3Start),
            ("category3_end", Text::SChangeCategory3End),
        ]);
    }
    let page = ChangeOtherPage {
        page: signed.frame(Text::ChangeOtherTitle, OTHER),
        people,
        kinds,
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
    let p = &signed.provider;
    let upload = read_checked_upload(
        &req,
        &state,
        p.session.submission_id,
        payload,
        Some(signed.csrf.as_str()),
    )
    .await?;
    let Ok(person) = upload.field("person_id").trim().parse::<uuid::Uuid>() else {
        return Err(crate::error::ApiError::invalid(Message::BadRequest).into());
    };
    let form = ChangeForm {
        kind: upload.field("change_kind").to_owned(),
        effective_on: upload.field("effective_on").to_owned(),
        person_id: Some(person),
        dependant: None,
        name: upload.field("name").to_owned(),
        name_kana: upload.field("name_kana").to_owned(),
        former_surname: String::new(),
        address: upload.field("address").to_owned(),
        number: upload.field("number").to_owned(),
    };
    let (parsed, effective_on) = match form.parse(today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(&state, OTHER, e, Flash::default())),
    };
    let photo = if upload.has_file() {
        match seal_upload(&state, upload).await {
            Ok(sealed) => Some(sealed),
            Err(e) => match form_refusal(&e) {
                Some(refusal) => return Ok(refused(&state, OTHER, refusal, Flash::default())),
                None => return Err(e.into()),
            },
        }
    } else {
        None
    };
    let by = ChangedBy::Provider {
        session: &p.session,
        audit: &p.audit,
    };
    let app = &state.app;
    let recorded = match parsed {
        ParsedChange::Name(name, kana, former) => {
            history::change_name(app, by, person, name, kana, former, effective_on).await
        }
        ParsedChange::Address(address) => {
            history::change_address(app, by, person, address, effective_on).await
        }
        ParsedChange::Number(number) => {
            let sealed = state
                .keys
                .seal_number(&number)
                .map_err(|e| crate::error::ApiError::internal(&e))?;
            history::change_number(app, by, person, sealed, effective_on).await
        }
        ParsedChange::EndDependant => history::end_dependant(app, by, person, effective_on).await,
        ParsedChange::Category3Start => {
            history::start_category3(app, by, person, effective_on).await
        }
        ParsedChange::Category3End => history::end_category3(app, by, person, effective_on).await,
        ParsedChange::AddDependant(..) => {
            return Err(crate::error::ApiError::invalid(Message::BadRequest).into());
        }
    }
    .map_err(crate::error::ApiError::from)?;
    if let Some(photo) = photo {
        store_sealed(
            &state,
            &p.audit,
            recorded.change_id,
            recorded.subject_id,
            photo,
        )
        .await?;
    }
    let handed = history::hand_in(app, &p.session, &p.audit, recorded.change_id.into())
        .await
        .map_err(crate::error::ApiError::from)?;
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
            OTHER,
            FormError {
                field: "file",
                message: Message::Incomplete,
            },
            Flash::default(),
        )),
    }
}
