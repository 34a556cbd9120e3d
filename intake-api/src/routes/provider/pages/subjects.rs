//! The details forms: the provider's own (with the number) and the dependants (add,
//! change, remove, with the employee's attestation and the category-3 spouse flag).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use application::intake;
use domain::{MyNumber, SubjectId};
use portal::forms::{FormError, SubjectForm};
use portal::pages::{
    CardReading, CorrectionView, DEPENDANT_RELATIONSHIPS, DependantsPage, SubjectFormPage,
    SubjectValues,
};
use portal::{Message, Text};
use serde::Deserialize;
use storage::SealedQr;
use storage::person::Relationship;
use storage::submissions::{DependantDeclaration, DocumentKind, SubjectSummary, SubmissionStatus};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Flash, PageError, SignedIn, on_form, people, refused, render, see_other};
use crate::error::ApiError;
use crate::routes::provider::documents::{form_refusal, pipeline_error, read_checked_upload};
use crate::routes::provider::today_in_japan;
use crate::secret_body::SecretForm;
use crate::startup::State;

/// A details form as posted by a page: the fields of [`SubjectForm`] plus the CSRF token
/// and the dependant's declaration checkboxes.
#[derive(Deserialize)]
pub(crate) struct SubjectPageForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    relationship: Option<String>,
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_kana: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    identity_attested: Option<String>,
    #[serde(default)]
    category3_spouse: Option<String>,
    #[serde(default)]
    address: String,
    #[serde(default)]
    name_alphabetic: String,
    #[serde(default)]
    common_name: String,
    #[serde(default)]
    former_surname: String,
    #[serde(default)]
    no_number_reason: String,
    /// Photo first: the card read whose number this form confirms (its photo becomes the
    /// person's card-back document once the details are saved).
    #[serde(default)]
    card_read: Option<Uuid>,
}

impl Drop for SubjectPageForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.number);
    }
}

impl SubjectPageForm {
    /// The shared form model; the number moves into it (and is wiped when it drops).
    pub(crate) fn subject(&mut self) -> SubjectForm {
        SubjectForm {
            relationship: self.relationship.clone(),
            number: std::mem::take(&mut self.number),
            name: self.name.clone(),
            name_kana: self.name_kana.clone(),
            birth_date: self.birth_date.clone(),
            address: self.address.clone(),
            name_alphabetic: self.name_alphabetic.clone(),
            common_name: self.common_name.clone(),
            former_surname: self.former_surname.clone(),
            no_number_reason: self.no_number_reason.clone(),
        }
    }

    fn declaration(&self) -> DependantDeclaration {
        DependantDeclaration {
            identity_attested: self.identity_attested.is_some(),
            category3_spouse: self.category3_spouse.is_some(),
        }
    }

    /// What was typed, to show again in the form (never the number).
    fn values(&self) -> SubjectValues {
        SubjectValues {
            relationship: self.relationship.clone().unwrap_or_default(),
            name: self.name.clone(),
            name_kana: self.name_kana.clone(),
            birth_date: self.birth_date.clone(),
            identity_attested: self.identity_attested.is_some(),
            category3_spouse: self.category3_spouse.is_some(),
            address: self.address.clone(),
            name_alphabetic: self.name_alphabetic.clone(),
            common_name: self.common_name.clone(),
            former_surname: self.former_surname.clone(),
            no_number_reason: self.no_number_reason.clone(),
        }
    }

    /// What to show again after a refusal: everything typed except the number.
    pub(crate) fn kept(&self) -> Flash {
        let clip = |s: &str| s.chars().take(200).collect::<String>();
        Flash {
            relationship: self.relationship.as_deref().map(clip),
            name: Some(clip(&self.name)),
            name_kana: Some(clip(&self.name_kana)),
            birth_date: Some(clip(&self.birth_date)),
            identity_attested: self.identity_attested.as_ref().map(|_| "1".to_owned()),
            category3_spouse: self.category3_spouse.as_ref().map(|_| "1".to_owned()),
            address: Some(clip(&self.address)),
            name_alphabetic: Some(clip(&self.name_alphabetic)),
            common_name: Some(clip(&self.common_name)),
            former_surname: Some(clip(&self.former_surname)),
            no_number_reason: Some(clip(&self.no_number_reason)),
            ..Flash::default()
        }
    }
}

/// The values of the form: what was typed before a refusal (each field the refusal did not
/// carry back: what is saved), else what is saved.
pub(crate) fn values(flash: Option<&Flash>, saved: Option<&SubjectSummary>) -> SubjectValues {
    let base = saved.map(SubjectValues::from).unwrap_or_default();
    match flash {
        Some(flash) if flash.error.is_some() => {
            let typed = |v: &Option<String>, saved: String| v.clone().unwrap_or(saved);
            SubjectValues {
                relationship: typed(&flash.relationship, base.relationship),
                name: typed(&flash.name, base.name),
                name_kana: typed(&flash.name_kana, base.name_kana),
                birth_date: typed(&flash.birth_date, base.birth_date),
                identity_attested: flash.identity_attested.is_some(),
                category3_spouse: flash.category3_spouse.is_some(),
                address: typed(&flash.address, base.address),
                name_alphabetic: typed(&flash.name_alphabetic, base.name_alphabetic),
                common_name: typed(&flash.common_name, base.common_name),
                former_surname: typed(&flash.former_surname, base.former_surname),
                no_number_reason: typed(&flash.no_number_reason, base.no_number_reason),
            }
        }
        _ => base,
    }
}

fn own(subjects: &[SubjectSummary]) -> Option<&SubjectSummary> {
    subjects
        .iter()
        .find(|s| s.relationship == Relationship::Myself)
}

fn dependant(subjects: &[SubjectSummary], id: Uuid) -> Result<&SubjectSummary, PageError> {
    subjects
        .iter()
        .find(|s| s.subject_id == id && s.relationship != Relationship::Myself)
        .ok_or_else(|| ApiError::not_found().into())
}

/// Payees hand in their own number only.
fn employees_only(signed: &SignedIn) -> Result<(), PageError> {
    if signed.is_payee() {
        Err(ApiError::not_found().into())
    } else {
        Ok(())
    }
}

/// `GET /p/self`.
pub(super) async fn edit_self(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let status = signed.status(&state).await?;
    let saved = own(&status.subjects);
    let mut values = values(signed.flash.as_ref(), saved);
    if saved.is_none() && signed.flash.is_none() {
        // Nothing saved yet: start from the name and furigana on the HR roster.
        let filing = signed.filing(&state).await?;
        let (name, kana) = intake::roster_name(&state.app, &filing).await?;
        values.name = name;
        values.name_kana = kana.unwrap_or_default();
    }
    let page = SubjectFormPage {
        page: signed.frame(Text::StepOwn, "/p/self"),
        heading: Text::StepOwn,
        action: "/p/self".to_owned(),
        is_self: true,
        values,
        card_reading: Some(CardReading::default()),
        number_saved: saved.is_some_and(|s| s.number_saved),
        remove_action: None,
        relationships: &DEPENDANT_RELATIONSHIPS,
        corrections: saved.map_or_else(Vec::new, |s| details_corrections(&status, s.subject_id)),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/self`: a blank number keeps the saved one.
pub(super) async fn save_self(
    state: State,
    signed: SignedIn,
    form: SecretForm<SubjectPageForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    signed.check_csrf(&form.csrf)?;
    save_own_details(&state, &signed, form).await
}

/// Saves the provider's own details from the form, and the card read it confirms.
async fn save_own_details(
    state: &State,
    signed: &SignedIn,
    mut form: SubjectPageForm,
) -> Result<HttpResponse, PageError> {
    let parsed = match form.subject().parse_edit(true, today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(state, "/p/self", e, form.kept())),
    };
    let filing = signed.filing(state).await?;
    let subject_id = match intake::save_own_details(&state.app, &filing, parsed).await {
        Ok(id) => id,
        Err(e) => return Ok(refused(state, "/p/self", on_form(e, None)?, form.kept())),
    };
    let mut info = Text::Saved;
    if let Some(read) = form.card_read {
        // The photo the number was read from becomes the card-back document. A read that
        // has gone (expired, replaced) only means the photo is asked for on the next page,
        // like any other.
        info = match intake::attach_card_read(&state.app, &filing, subject_id, read).await? {
            Some(_) => Text::SavedWithCardPhoto,
            None => Text::CardReadGone,
        };
    }
    Ok(see_other(
        state,
        &format!("/p/subjects/{subject_id}/documents"),
        Some(Flash::info(info)),
    ))
}

/// `POST /p/self/card`: photo first. The own-details form posted as multipart with a
/// photo of the card's back in `file` (its "read the number" button). The QR's number is
/// shown in the form for the person to check against their card before saving; the photo
/// waits, sealed, to become their card-back document when they save. Without a photo
/// (the form sent by Enter) the details are saved as by `POST /p/self`. Works without
/// JavaScript.
pub(super) async fn read_card(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let p = &signed.provider;
    let upload = match read_checked_upload(
        &req,
        &state,
        p.session.submission_id,
        payload,
        Some(&signed.csrf),
    )
    .await
    {
        Ok(upload) => upload,
        Err(e) => match form_refusal(&e) {
            Some(error) => return Ok(refused(&state, "/p/self", error, Flash::default())),
            None => return Err(e.into()),
        },
    };
    let form = page_form(&upload.fields)?;
    let Some(file) = upload.file.filter(|f| !f.is_empty()) else {
        return save_own_details(&state, &signed, form).await;
    };
    let kept = form.kept();
    let refuse = |message: Message| -> Result<HttpResponse, PageError> {
        let e = FormError {
            field: "file",
            message,
        };
        Ok(refused(&state, "/p/self", e, kept.clone()))
    };
    let (processed, number) = match state
        .pipeline
        .read_card(file, state.keys.sealer().clone())
        .await
    {
        Ok(read) => read,
        Err(e) => {
            let e = pipeline_error(e);
            return match form_refusal(&e) {
                Some(error) => refuse(error.message),
                None => Err(e.into()),
            };
        }
    };
    let Some(number) = number else {
        return match processed.qr {
            Some(SealedQr::Unreadable) => refuse(Message::CardQrUnreadable),
            _ => refuse(Message::CardQrNotFound),
        };
    };
    let document = processed.into_document(DocumentKind::MyNumberCardBack);
    let filing = signed.filing(&state).await?;
    let read = intake::keep_card_read(&state.app, &filing, &document).await?;
    let status = signed.status(&state).await?;
    let saved = own(&status.subjects);
    let mut page = signed.frame(Text::StepOwn, "/p/self");
    page.info = Some(Text::CardReadCheck);
    let page = SubjectFormPage {
        page,
        heading: Text::StepOwn,
        action: "/p/self".to_owned(),
        is_self: true,
        values: form.values(),
        card_reading: Some(CardReading {
            read: Some(read),
            number: Some(grouped(&number)),
        }),
        number_saved: saved.is_some_and(|s| s.number_saved),
        remove_action: None,
        relationships: &DEPENDANT_RELATIONSHIPS,
        corrections: saved.map_or_else(Vec::new, |s| details_corrections(&status, s.subject_id)),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// The number as printed on the card, in groups of four (for the person to compare).
fn grouped(number: &MyNumber) -> Zeroizing<String> {
    let digits = number.expose_digits();
    let mut out = Zeroizing::new(String::with_capacity(14));
    for (i, d) in digits.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(char::from(*d));
    }
    out
}

/// The details form's text fields from a multipart body, read as `POST /p/self` reads
/// its urlencoded body (the same deserialiser, so both forms mean the same).
fn page_form(fields: &[(String, Zeroizing<String>)]) -> Result<SubjectPageForm, PageError> {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let encoded = Zeroizing::new(
        serde_urlencoded::to_string(&pairs)
            .map_err(|_| ApiError::bad_request(Message::BadRequest))?,
    );
    serde_urlencoded::from_str(&encoded)
        .map_err(|_| ApiError::bad_request(Message::BadRequest).into())
}

/// `GET /p/dependants`.
pub(super) async fn list_dependants(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    employees_only(&signed)?;
    let status = signed.status(&state).await?;
    let page = DependantsPage {
        page: signed.frame(Text::DependantsTitle, "/p/dependants"),
        people: people(&status)
            .into_iter()
            .filter(|p| p.subject.relationship != Relationship::Myself)
            .collect(),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// What an officer asked to correct in a person's typed details (not in a photo).
fn details_corrections(status: &SubmissionStatus, subject: Uuid) -> Vec<CorrectionView> {
    super::corrections(status)
        .into_iter()
        .zip(&status.corrections)
        .filter(|(_, c)| c.subject_id == Some(subject) && c.document_id.is_none())
        .map(|(view, _)| view)
        .collect()
}

fn dependant_form(
    signed: &SignedIn,
    saved: Option<&SubjectSummary>,
    path: &str,
    corrections: Vec<CorrectionView>,
) -> SubjectFormPage {
    SubjectFormPage {
        page: signed.frame(
            if saved.is_some() {
                Text::EditDependant
            } else {
                Text::AddDependant
            },
            path,
        ),
        heading: if saved.is_some() {
            Text::EditDependant
        } else {
            Text::AddDependant
        },
        action: saved.map_or_else(
            || "/p/dependants".to_owned(),
            |s| format!("/p/dependants/{}", s.subject_id),
        ),
        is_self: false,
        values: values(signed.flash.as_ref(), saved),
        card_reading: None,
        number_saved: saved.is_some_and(|s| s.number_saved),
        remove_action: saved.map(|s| format!("/p/dependants/{}/remove", s.subject_id)),
        relationships: &DEPENDANT_RELATIONSHIPS,
        corrections,
    }
}

/// `GET /p/dependants/new`.
pub(super) async fn new_dependant(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    employees_only(&signed)?;
    let page = dependant_form(&signed, None, "/p/dependants/new", Vec::new());
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/dependants`: add (the number is required for a new person).
pub(super) async fn add_dependant(
    state: State,
    signed: SignedIn,
    form: SecretForm<SubjectPageForm>,
) -> Result<HttpResponse, PageError> {
    employees_only(&signed)?;
    let mut form = form.into_inner();
    signed.check_csrf(&form.csrf)?;
    let subject = form.subject();
    let parsed = match subject.parse(false, today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(&state, "/p/dependants/new", e, form.kept())),
    };
    let declaration = form.declaration();
    let relationship = parsed.relationship;
    let filing = signed.filing(&state).await?;
    let id = intake::add_dependant(&state.app, &filing, parsed, declaration).await?;
    Ok(after_dependant_saved(&state, id, relationship, declaration))
}

/// A category-3 spouse needs documents: go there next; otherwise back to the list.
fn after_dependant_saved(
    state: &State,
    id: SubjectId,
    relationship: Relationship,
    declaration: DependantDeclaration,
) -> HttpResponse {
    let location = if declaration.category3_spouse && relationship == Relationship::Spouse {
        format!("/p/subjects/{id}/documents")
    } else {
        "/p/dependants".to_owned()
    };
    see_other(state, &location, Some(Flash::info(Text::Saved)))
}

/// `GET /p/dependants/{id}`.
pub(super) async fn edit_dependant(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    employees_only(&signed)?;
    let status = signed.status(&state).await?;
    let saved = dependant(&status.subjects, *id)?;
    let page = dependant_form(
        &signed,
        Some(saved),
        &format!("/p/dependants/{id}"),
        details_corrections(&status, *id),
    );
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/dependants/{id}`: change (a blank number keeps the saved one).
pub(super) async fn save_dependant(
    state: State,
    signed: SignedIn,
    id: web::Path<Uuid>,
    form: SecretForm<SubjectPageForm>,
) -> Result<HttpResponse, PageError> {
    employees_only(&signed)?;
    let mut form = form.into_inner();
    signed.check_csrf(&form.csrf)?;
    let here = format!("/p/dependants/{id}");
    let parsed = match form.subject().parse_edit(false, today_in_japan()) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(refused(&state, &here, e, form.kept())),
    };
    let declaration = form.declaration();
    let relationship = parsed.relationship;
    let filing = signed.filing(&state).await?;
    let subject = SubjectId::from(*id);
    intake::edit_dependant(&state.app, &filing, subject, parsed, declaration).await?;
    Ok(after_dependant_saved(
        &state,
        subject,
        relationship,
        declaration,
    ))
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    pub(super) csrf: String,
}

/// `POST /p/dependants/{id}/remove`.
pub(super) async fn remove_dependant(
    state: State,
    signed: SignedIn,
    id: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    employees_only(&signed)?;
    signed.check_csrf(&form.csrf)?;
    let filing = signed.filing(&state).await?;
    intake::remove_dependant(&state.app, &filing, SubjectId::from(*id)).await?;
    Ok(see_other(
        &state,
        "/p/dependants",
        Some(Flash::info(Text::Removed)),
    ))
}
