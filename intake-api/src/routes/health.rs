//! Liveness and readiness.

use actix_web::HttpResponse;

use crate::error::ApiError;
use crate::startup::State;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers too.
pub async fn readyz(state: State) -> Result<HttpResponse, ApiError> {
    state.vault.ping().await?;
    Ok(
        HttpResponse::Ok()
            .json(serde_json::json!({"status": "ready", "mode": state.settings.mode})),
    )
}
