//! Liveness and readiness.

use actix_web::HttpResponse;

use crate::error::ApiError;
use crate::startup::State;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers too. It says nothing about this instance (not
/// its mode, nor its version): the endpoint is unauthenticated, and which rooms an
/// instance serves is no one's business but its operator's.
pub async fn readyz(state: State) -> Result<HttpResponse, ApiError> {
    state.vault.ping().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready"})))
}
