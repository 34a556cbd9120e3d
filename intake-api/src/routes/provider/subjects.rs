//! The provider's own details and dependants: parsed, the number sealed, stored.

use actix_web::HttpResponse;
use portal::forms::{DependantForm, FormError, ParsedEdit, ParsedSubject, SubjectForm};
use storage::invitations::InvitationKind;
use storage::person::FilingDetails;
use storage::submissions::{DependantDeclaration, SubjectEdit, SubjectInput};

use crate::auth::Provider;
use crate::error::ApiError;
use crate::secret_body::SecretJson;
use crate::startup::State;

/// Seals the number of a parsed subject (shared by the JSON API and the pages).
pub(crate) fn seal(state: &State, parsed: ParsedSubject) -> Result<SubjectInput, ApiError> {
    Ok(SubjectInput {
        number: parsed
            .number
            .as_ref()
            .map(|n| state.keys.seal_number(n))
            .transpose()
            .map_err(|e| ApiError::internal(&e))?,
        no_number_reason: parsed.no_number_reason,
        relationship: parsed.relationship,
        name: parsed.name,
        name_kana: parsed.name_kana,
        birth_date: parsed.birth_date,
        details: parsed.details,
    })
}

/// The provider's own address is required of payees (every 支払調書 carries it) and of
/// employees when the employer configured so.
pub(crate) fn own_address_required(
    state: &State,
    kind: InvitationKind,
    details: &FilingDetails,
) -> Result<(), FormError> {
    if kind == InvitationKind::Payee || state.settings.portal.employee_address_required {
        SubjectForm::require_address(details)?;
    }
    Ok(())
}

/// Seals the new number of a change, if one was typed.
pub(crate) fn seal_edit(state: &State, parsed: ParsedEdit) -> Result<SubjectEdit, ApiError> {
    Ok(SubjectEdit {
        number: parsed
            .number
            .map(|n| state.keys.seal_number(&n))
            .transpose()
            .map_err(|e| ApiError::internal(&e))?,
        no_number_reason: parsed.no_number_reason,
        details: parsed.details,
        relationship: parsed.relationship,
        name: parsed.name,
        name_kana: parsed.name_kana,
        birth_date: parsed.birth_date,
    })
}

/// `PUT /api/v1/provider/subjects/self`: the provider's own details and number.
#[utoipa::path(put, path = "/api/v1/provider/subjects/self", tag = "provider", request_body = SubjectForm,
    responses((status = 200, description = "`{\"subject_id\"}`"),
              (status = 422, description = "A field is invalid (`field` names it)"),
              (status = 409, description = "The submission can no longer be changed")))]
pub async fn save_self(
    state: State,
    provider: Provider,
    form: SecretJson<SubjectForm>,
) -> Result<HttpResponse, ApiError> {
    let parsed = form.parse(true, super::today_in_japan())?;
    own_address_required(&state, provider.session.kind, &parsed.details)?;
    let input = seal(&state, parsed)?;
    let id = state
        .vault
        .save_self_subject(&provider.audit, &provider.session, &input)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "subject_id": id })))
}

/// `POST /api/v1/provider/subjects`: add a dependant.
#[utoipa::path(post, path = "/api/v1/provider/subjects", tag = "provider", request_body = DependantForm,
    responses((status = 201, description = "`{\"subject_id\"}`"),
              (status = 422, description = "A field is invalid (`field` names it)")))]
pub async fn add_dependant(
    state: State,
    provider: Provider,
    form: SecretJson<DependantForm>,
) -> Result<HttpResponse, ApiError> {
    let input = seal(&state, form.subject.parse(false, super::today_in_japan())?)?;
    let declaration = DependantDeclaration {
        identity_attested: form.identity_attested,
        category3_spouse: form.category3_spouse,
    };
    let id = state
        .vault
        .add_dependant_declared(&provider.audit, &provider.session, &input, declaration)
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "subject_id": id })))
}
