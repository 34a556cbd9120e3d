//! Handing in, declining, and the status.

use actix_web::{HttpResponse, web};
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
    match state
        .vault
        .submit(&provider.audit, &provider.session)
        .await?
    {
        Ok(new_state) => Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state }))),
        Err(missing) => Ok(HttpResponse::UnprocessableEntity().json(serde_json::json!({
            "error": {
                "code": Message::Incomplete.code(),
                "message_ja": Message::Incomplete.ja(),
                "message_en": Message::Incomplete.en(),
                "missing": missing,
            }
        }))),
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
    let new_state = state
        .vault
        .decline(&provider.audit, &provider.session, &reason)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "state": new_state })))
}

/// `GET /api/v1/provider/status`: the submission as its provider sees it (numbers masked).
#[utoipa::path(get, path = "/api/v1/provider/status", tag = "provider",
    responses((status = 200, description = "State, people (last 4 digits only) and documents")))]
pub async fn status(state: State, provider: Provider) -> Result<HttpResponse, ApiError> {
    let status = state
        .vault
        .submission_status(provider.session.submission_id)
        .await?;
    Ok(HttpResponse::Ok().json(status))
}
