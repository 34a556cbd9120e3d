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
use application::access;
use application::intake::{self, Filer, Filing, NewRecord};
use domain::{SubjectId, SubmissionId};
use portal::Message;
use portal::forms::{DependantForm, SubjectForm};
use serde::Deserialize;
use storage::SubmissionState;
use storage::assisted::{AssistedIntake, Channel};
use storage::invitations::InvitationKind;
use storage::org::{BranchCode, EmployeeCode};
use storage::person::PersonName;
use storage::submissions::DependantDeclaration;

use crate::error::ApiError;
use crate::routes::provider::documents::{accept_upload, upload_response};
use crate::routes::provider::today_in_japan;
use crate::secret_body::SecretJson;
use crate::staff_auth::Assistant;
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

/// `GET /api/v1/assisted/people`: everyone in the caller's scope with their state.
async fn people(state: State, staff: Assistant) -> Result<HttpResponse, ApiError> {
    let entries = intake::people(&state.app, staff.access()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries })))
}

/// A new record for someone who was never sent a link (paper by post, say), as typed.
#[derive(Debug, Deserialize)]
pub(crate) struct NewRecordForm {
    kind: InvitationKind,
    name: String,
    #[serde(default)]
    employee_code: Option<String>,
    branch: String,
}

impl NewRecordForm {
    /// The record, parsed (422 names the field refused).
    pub(crate) fn parse(&self) -> Result<NewRecord, ApiError> {
        let branch = BranchCode::parse(&self.branch)
            .map_err(|_| ApiError::invalid_at("branch", Message::BranchInvalid))?;
        let name = PersonName::parse(&self.name)
            .map_err(|_| ApiError::invalid_at("name", Message::NameInvalid))?;
        let employee_code = self
            .employee_code
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| EmployeeCode::parse(c.trim()))
            .transpose()
            .map_err(|_| ApiError::invalid_at("employee_code", Message::BadRequest))?;
        Ok(NewRecord {
            kind: self.kind,
            name,
            employee_code,
            branch,
        })
    }
}

/// `POST /api/v1/assisted/records` `{"kind", "name", "employee_code"?, "branch"}` →
/// `{"submission_id"}`.
async fn create_record(
    state: State,
    staff: Assistant,
    body: web::Json<NewRecordForm>,
) -> Result<HttpResponse, ApiError> {
    let id = intake::new_record(&state.app, staff.access(), body.parse()?).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "submission_id": id })))
}

/// Staff filing `submission` on the person's behalf (scope checked by the use cases).
pub(crate) fn filer(staff: &access::Assistant, submission: impl Into<SubmissionId>) -> Filer<'_> {
    Filer::Staff {
        staff,
        submission: submission.into(),
    }
}

/// `GET /api/v1/assisted/{submission}`: the submission (numbers as their last 4 digits).
async fn status(
    state: State,
    staff: Assistant,
    path: web::Path<SubmissionId>,
) -> Result<HttpResponse, ApiError> {
    let filing = filer(staff.access(), *path).look(&state.app).await?;
    let status = intake::status(&state.app, &filing).await?;
    Ok(HttpResponse::Ok().json(status))
}

/// `PUT /api/v1/assisted/{submission}/subjects/self`: the person's details and number.
async fn save_self(
    state: State,
    staff: Assistant,
    path: web::Path<SubmissionId>,
    form: SecretJson<SubjectForm>,
) -> Result<HttpResponse, ApiError> {
    let filing = filer(staff.access(), *path).open(&state.app).await?;
    let parsed = form.parse(true, today_in_japan())?;
    let id = intake::save_self(&state.app, &filing, parsed).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "subject_id": id })))
}

/// `POST /api/v1/assisted/{submission}/subjects`: a dependant.
async fn add_dependant(
    state: State,
    staff: Assistant,
    path: web::Path<SubmissionId>,
    form: SecretJson<DependantForm>,
) -> Result<HttpResponse, ApiError> {
    let filing = filer(staff.access(), *path).open(&state.app).await?;
    let parsed = form.subject.parse(false, today_in_japan())?;
    let declaration = DependantDeclaration {
        identity_attested: form.identity_attested,
        category3_spouse: form.category3_spouse,
    };
    let id = intake::add_dependant(&state.app, &filing, parsed, declaration).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "subject_id": id })))
}

/// `POST /api/v1/assisted/{submission}/subjects/{subject}/documents`: a photo or scan,
/// through the same pipeline as the provider's (multipart `kind`, `file`).
async fn upload(
    req: HttpRequest,
    state: State,
    staff: Assistant,
    path: web::Path<(SubmissionId, SubjectId)>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let (submission, subject) = path.into_inner();
    let filing = filer(staff.access(), submission).open(&state.app).await?;
    let stored = accept_upload(&req, &state, &filing, subject, payload, None).await?;
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

    /// What staff state, checked (`application::intake::received`): known document
    /// kinds, a note without a number (422 otherwise). A change page checks it before
    /// recording anything.
    pub(crate) fn intake(&self) -> Result<AssistedIntake, ApiError> {
        Ok(intake::received(
            self.channel,
            &self.documents_seen,
            &self.note,
        )?)
    }
}

/// Records how it arrived and hands the filing in; what is still missing is 422.
pub(crate) async fn hand_in_for(
    state: &State,
    filing: &Filing,
    body: &HandIn,
) -> Result<SubmissionState, ApiError> {
    let intake = body.intake()?;
    match intake::hand_in_received(&state.app, filing, &intake).await? {
        Ok(new_state) => Ok(new_state),
        Err(_missing) => Err(ApiError::invalid(Message::Incomplete)),
    }
}

/// `POST /api/v1/assisted/{submission}/hand-in` `{"channel": "post"|"in_person",
/// "documents_seen": [kinds], "note"}` → `{"state"}`.
async fn hand_in(
    state: State,
    staff: Assistant,
    path: web::Path<SubmissionId>,
    body: web::Json<HandIn>,
) -> Result<HttpResponse, ApiError> {
    let filing = filer(staff.access(), *path).open(&state.app).await?;
    let new_state = hand_in_for(&state, &filing, &body).await?;
    Ok(HttpResponse::build(StatusCode::OK).json(serde_json::json!({ "state": new_state })))
}
