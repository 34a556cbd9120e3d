//! Branches and their display names (issue 18): `GET /api/v1/admin/branches`,
//! `PUT /api/v1/admin/branches/{code}`. The rules are `application::branches`'.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::ApiError;
use crate::staff_auth::Admin;
use crate::startup::State;

/// `GET /api/v1/admin/branches` → `{"items": [{"code", "display_name", "updated_at"}]}`.
pub(super) async fn list(state: State, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let items = application::branches::list(&state.app).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Debug, Deserialize)]
pub(super) struct NameBody {
    display_name: String,
}

/// `PUT /api/v1/admin/branches/{code}` `{"display_name"}` → 204 (audited `branch.set`);
/// 422 `branch_invalid` / `branch_name_invalid`, 409 `branch_name_taken`.
pub(super) async fn set(
    state: State,
    admin: Admin,
    path: web::Path<String>,
    body: web::Json<NameBody>,
) -> Result<HttpResponse, ApiError> {
    application::branches::set_as_admin(&state.app, admin.access(), &path, &body.display_name)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
