//! The provider's own details and dependants: parsed here, saved by the intake use cases
//! (`application::intake`), which seal the number.

use actix_web::HttpResponse;
use application::intake;
use portal::forms::{DependantForm, SubjectForm};
use storage::submissions::DependantDeclaration;

use crate::auth::Provider;
use crate::error::ApiError;
use crate::secret_body::SecretJson;
use crate::startup::State;

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
    let filing = provider.filer().open(&state.app).await?;
    let id = intake::save_self(&state.app, &filing, parsed).await?;
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
    let parsed = form.subject.parse(false, super::today_in_japan())?;
    let declaration = DependantDeclaration {
        identity_attested: form.identity_attested,
        category3_spouse: form.category3_spouse,
    };
    let filing = provider.filer().open(&state.app).await?;
    let id = intake::add_dependant(&state.app, &filing, parsed, declaration).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "subject_id": id })))
}
