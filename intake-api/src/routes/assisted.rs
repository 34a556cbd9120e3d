//! Taking a submission in on a person's behalf (代理受付): an officer with paper received
//! by post or in person, a branch collector with a colleague in front of them. The staff
//! member works on a submission in their scope through the provider's own domain
//! functions (validation, sealing, the upload pipeline), audited as themselves, and hands
//! it in with how it arrived and which documents they saw. An officer then verifies it in
//! the queue like any other.
//!
//! Outside the caller's scope everything answers 404.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use portal::Message;
use portal::forms::{DependantForm, SubjectForm};
use serde::Deserialize;
use storage::SubmissionState;
use storage::assisted::{AssistedIntake, Channel};
use storage::invitations::{InvitationKind, NewInvitation, ProviderSession};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::PersonName;
use storage::submissions::{DependantDeclaration, DocumentKind};
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::provider::documents::{accept_upload, upload_response};
use crate::routes::provider::subjects::seal;
use crate::routes::provider::today_in_japan;
use crate::secret_body::SecretJson;
use crate::staff_auth::{Assistant, StaffCaller};
use crate::startup::State;

/// Mounts `/api/v1/assisted/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/assisted")
            .service(crate::routes::endpoint("/people").get(people))
            .service(crate::routes::endpoint("/records").post(create_record))
            .service(crate::routes::endpoint("/{submission}").get(status))
            .service(crate::routes::endpoint("/{submission}/subjects/self").put(save_self))
            .service(crate::routes::endpoint("/{submission}/subjects").post(add_dependant))
            .service(
                crate::routes::endpoint("/{submission}/subjects/{subject}/documents").post(upload),
            )
            .service(crate::routes::endpoint("/{submission}/hand-in").post(hand_in))
            .service(
                crate::routes::endpoint("/{submission}/changes")
                    .post(crate::routes::history::staff_change),
            )
            .service(
                crate::routes::endpoint("/{submission}/record")
                    .get(crate::routes::history::staff_record),
            ),
    );
}

/// Every state a person in scope can be in, for the roster.
pub(crate) const ROSTER_STATES: [SubmissionState; 10] = [
    SubmissionState::Invited,
    SubmissionState::Draft,
    SubmissionState::Submitted,
    SubmissionState::Resubmitted,
    SubmissionState::InReview,
    SubmissionState::CorrectionRequested,
    SubmissionState::Verified,
    SubmissionState::Released,
    SubmissionState::Rejected,
    SubmissionState::Declined,
];

/// `GET /api/v1/assisted/people`: everyone in the caller's scope with their state.
async fn people(state: State, staff: Assistant) -> Result<HttpResponse, ApiError> {
    let entries = state
        .vault
        .as_staff(staff.0.session.account_id.into())
        .queue(&ROSTER_STATES)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries })))
}

/// A new record for someone who was never sent a link (paper by post, say).
#[derive(Debug, Deserialize)]
pub(crate) struct NewRecord {
    pub(crate) kind: InvitationKind,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) employee_code: Option<String>,
    pub(crate) branch: String,
}

/// Creates the record (an invitation whose link is never shown, and its submission) in
/// one of the caller's branches; returns the submission id.
pub(crate) async fn new_record(
    state: &State,
    staff: &StaffCaller,
    record: &NewRecord,
) -> Result<Uuid, ApiError> {
    let branch =
        BranchCode::parse(&record.branch).map_err(|_| ApiError::invalid(Message::BadRequest))?;
    if !state
        .vault
        .staff_has_scope(staff.session.account_id, &branch)
        .await?
    {
        return Err(ApiError::not_found());
    }
    let name =
        PersonName::parse(&record.name).map_err(|_| ApiError::invalid(Message::NameInvalid))?;
    let employee_code = record
        .employee_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| EmployeeCode::parse(c.trim()))
        .transpose()
        .map_err(|_| ApiError::invalid(Message::BadRequest))?;
    let created = state
        .vault
        .create_invitation(
            &staff.audit,
            &NewInvitation {
                kind: record.kind,
                name,
                name_kana: None,
                email: None,
                employee_code,
                branch: Some(branch),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await?;
    // The link is not shown to anyone: the person hands over on paper.
    drop(created.token);
    Ok(created.submission_id)
}

/// `POST /api/v1/assisted/records` `{"kind", "name", "employee_code"?, "branch"}` →
/// `{"submission_id"}`.
async fn create_record(
    state: State,
    staff: Assistant,
    body: web::Json<NewRecord>,
) -> Result<HttpResponse, ApiError> {
    let id = new_record(&state, &staff.0, &body).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "submission_id": id })))
}

/// The submission as the caller may work on it (scope checked; opened when `open`).
pub(crate) async fn session(
    state: &State,
    staff: &StaffCaller,
    submission: Uuid,
    open: bool,
) -> Result<ProviderSession, ApiError> {
    Ok(state
        .vault
        .as_staff(staff.session.account_id.into())
        .assisted_session(&staff.audit, submission, open)
        .await?)
}

/// `GET /api/v1/assisted/{submission}`: the submission (numbers as their last 4 digits).
async fn status(
    state: State,
    staff: Assistant,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let s = session(&state, &staff.0, path.into_inner(), false).await?;
    let mut status = state.vault.submission_status(s.submission_id).await?;
    application::numbers::with_last4s(&state.app, &mut status).await?;
    Ok(HttpResponse::Ok().json(status))
}

/// `PUT /api/v1/assisted/{submission}/subjects/self`: the person's details and number.
async fn save_self(
    state: State,
    staff: Assistant,
    path: web::Path<Uuid>,
    form: SecretJson<SubjectForm>,
) -> Result<HttpResponse, ApiError> {
    let s = session(&state, &staff.0, path.into_inner(), true).await?;
    let parsed = form.parse(true, today_in_japan())?;
    crate::routes::provider::subjects::own_address_required(&state, s.kind, &parsed.details)?;
    let input = seal(&state, parsed)?;
    let id = state
        .vault
        .save_self_subject(&staff.0.audit, &s, &input)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "subject_id": id })))
}

/// `POST /api/v1/assisted/{submission}/subjects`: a dependant.
async fn add_dependant(
    state: State,
    staff: Assistant,
    path: web::Path<Uuid>,
    form: SecretJson<DependantForm>,
) -> Result<HttpResponse, ApiError> {
    let s = session(&state, &staff.0, path.into_inner(), true).await?;
    let input = seal(&state, form.subject.parse(false, today_in_japan())?)?;
    let declaration = DependantDeclaration {
        identity_attested: form.identity_attested,
        category3_spouse: form.category3_spouse,
    };
    let id = state
        .vault
        .add_dependant_declared(&staff.0.audit, &s, &input, declaration)
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "subject_id": id })))
}

/// `POST /api/v1/assisted/{submission}/subjects/{subject}/documents`: a photo or scan,
/// through the same pipeline as the provider's (multipart `kind`, `file`).
async fn upload(
    req: HttpRequest,
    state: State,
    staff: Assistant,
    path: web::Path<(Uuid, Uuid)>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let (submission, subject) = path.into_inner();
    let s = session(&state, &staff.0, submission, true).await?;
    let stored = accept_upload(
        &req,
        &state,
        &staff.0.audit,
        s.submission_id,
        subject,
        payload,
        None,
    )
    .await?;
    Ok(upload_response(stored))
}

/// How the documents arrived, as the staff member states it at hand-in.
#[derive(Debug, Deserialize)]
pub(crate) struct HandIn {
    pub(crate) channel: Channel,
    #[serde(default)]
    pub(crate) documents_seen: Vec<String>,
    #[serde(default)]
    pub(crate) note: String,
}

impl HandIn {
    /// The hand-in of a page's form, from its fields by name (`channel`, `documents_seen`
    /// repeated, `note`): the person's page and the change pages read it alike.
    pub(crate) fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiError> {
        let (mut channel, mut documents_seen, mut note) =
            (String::new(), Vec::new(), String::new());
        for (name, value) in fields {
            match name {
                "channel" => value.clone_into(&mut channel),
                "documents_seen" => documents_seen.push(value.trim().to_owned()),
                "note" => value.clone_into(&mut note),
                _ => {}
            }
        }
        Ok(Self {
            channel: serde_json::from_value(serde_json::Value::String(channel))
                .map_err(|_| ApiError::bad_request(Message::BadRequest))?,
            documents_seen,
            note,
        })
    }

    /// What staff state, checked: known document kinds, a note without a number (422
    /// otherwise). A change page checks it before recording anything.
    pub(crate) fn intake(&self) -> Result<AssistedIntake, ApiError> {
        let documents_seen = self
            .documents_seen
            .iter()
            .map(|c| {
                DocumentKind::from_code(c)
                    .map(DocumentKind::code)
                    .ok_or_else(|| ApiError::invalid(Message::DocumentKindInvalid))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let note = verifier::decisions::parse_message(&self.note)
            .map_err(|_| ApiError::invalid(Message::MessageInvalid))?;
        Ok(AssistedIntake {
            channel: self.channel,
            documents_seen,
            note,
        })
    }
}

/// Records how it arrived and hands the submission in; `Err(missing)` lists what is
/// still needed (422 with the list).
pub(crate) async fn hand_in_for(
    state: &State,
    staff: &StaffCaller,
    submission: Uuid,
    body: &HandIn,
) -> Result<SubmissionState, ApiError> {
    let s = session(state, staff, submission, true).await?;
    let intake = body.intake()?;
    match state
        .vault
        .as_staff(staff.session.account_id.into())
        .hand_in_assisted(&staff.audit, &s, &intake)
        .await?
    {
        Ok(new_state) => Ok(new_state),
        Err(_missing) => Err(ApiError::invalid(Message::Incomplete)),
    }
}

/// `POST /api/v1/assisted/{submission}/hand-in` `{"channel": "post"|"in_person",
/// "documents_seen": [kinds], "note"}` → `{"state"}`.
async fn hand_in(
    state: State,
    staff: Assistant,
    path: web::Path<Uuid>,
    body: web::Json<HandIn>,
) -> Result<HttpResponse, ApiError> {
    let new_state = hand_in_for(&state, &staff.0, path.into_inner(), &body).await?;
    Ok(HttpResponse::build(StatusCode::OK).json(serde_json::json!({ "state": new_state })))
}
