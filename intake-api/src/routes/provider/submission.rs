//! Handing in, declining, and the status.

use actix_web::{HttpResponse, web};
use application::intake;
use portal::Message;
use portal::forms::DeclineForm;

use crate::auth::Provider;
use crate::error::ApiError;
use crate::startup::State;

/// `POST /api/v1/provider/submit`: hand in (or hand in corrections).
#[utoipa::path(post, path = "/api/v1/provider/submit", tag = "provider",
    responses((status = 200, description = "`{\"state\"}`"),
              (status = 422, description = "Items are missing (`missing` lists them)"),
              (status = 409, description = "Already handed in")))]
pub async fn submit(state: State, provider: Provider) -> Result<HttpResponse, ApiError> {
    let filing = provider.filer().open(&state.app).await?;
    Ok(handed_in(intake::submit(&state.app, &filing).await?))
}

/// The answer to a hand-in: `{"state"}`, or 422 with what is `missing`.
pub(crate) fn handed_in(
    outcome: Result<storage::SubmissionState, Vec<storage::submissions::MissingItem>>,
) -> HttpResponse {
    match outcome {
        Ok(new_state) => HttpResponse::Ok().json(serde_json::json!({ "state": new_state })),
        Err(missing) => HttpResponse::UnprocessableEntity().json(serde_json::json!({
            "error": {
                "code": Message::Incomplete.code(),
                "message_ja": Message::Incomplete.ja(),
                "message_en": Message::Incomplete.en(),
                "missing": missing,
            }
        })),
    }
}

/// `POST /api/v1/provider/decline` `{"reason"}`: decline to provide (提供しない).
#[utoipa::path(post, path = "/api/v1/provider/decline", tag = "provider", request_body = DeclineForm,
    responses((status = 200, description = "`{\"state\": \"declined\"}`")))]
pub async fn decline(
    state: State,
    provider: Provider,
    form: web::Json<DeclineForm>,
) -> Result<HttpResponse, ApiError> {
    let reason = form.parse()?;
    let filing = provider.filer().open(&state.app).await?;
    let new_state = intake::decline(&state.app, &filing, &reason).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

/// `GET /api/v1/provider/status`: the submission as its provider sees it (numbers masked).
#[utoipa::path(get, path = "/api/v1/provider/status", tag = "provider",
    responses((status = 200, description = "State, people (last 4 digits only) and documents")))]
pub async fn status(state: State, provider: Provider) -> Result<HttpResponse, ApiError> {
    let filing = provider.filer().look(&state.app).await?;
    let status = intake::status(&state.app, &filing).await?;
    Ok(HttpResponse::Ok().json(status))
}
