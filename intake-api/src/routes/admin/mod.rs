//! Auditors' and admins' room: the login history. They never see a number or an image.

use actix_web::{HttpResponse, web};

use crate::error::ApiError;
use crate::staff_auth::Overseer;
use crate::startup::State;

/// Mounts `/api/v1/admin/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1/admin").route("/sign-ins", web::get().to(sign_in_history)));
}

/// `GET /api/v1/admin/sign-ins`: the latest 500 staff sign-in attempts.
async fn sign_in_history(state: State, _caller: Overseer) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.vault.sign_in_history(500).await?))
}
