//! Taking rights back and giving credentials back to their holder (security review,
//! finding 10): staff accounts listed with their rights, disabled by one admin at once,
//! reset (password and TOTP) or enabled again by two; pending proposals withdrawn; payroll
//! clients listed and revoked. The rules are `application::staff_accounts`'.

use actix_web::{HttpResponse, web};
use application::staff_accounts;
use portal::Message;
use serde::Deserialize;
use storage::staff_lifecycle::{AccountChangeKind, AccountChangeOutcome};
use uuid::Uuid;

use crate::error::ApiError;
use crate::staff_auth::{Admin, StepUp};
use crate::startup::State;

/// `GET /api/v1/admin/accounts`: every account with role, scopes and state.
pub(super) async fn list(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let items = staff_accounts::accounts(&state.app, admin.access()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /api/v1/admin/accounts/{id}/disable` → 204: at once, its session ends.
pub(super) async fn disable(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff_accounts::disable(&state.app, admin.access(), path.into_inner().into()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
pub(super) struct ChangeBody {
    kind: String,
}

/// `POST /api/v1/admin/accounts/{id}/changes` `{"kind": "reset_credentials" | "enable"}` →
/// 201 `{"change_id"}`, for a second admin to approve.
pub(super) async fn propose_change(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
    body: web::Json<ChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let kind: AccountChangeKind = body
        .kind
        .parse()
        .map_err(|_| ApiError::invalid(Message::BadRequest))?;
    let id =
        staff_accounts::propose_change(&state.app, admin.access(), path.into_inner().into(), kind)
            .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "change_id": id })))
}

/// `GET /api/v1/admin/account-changes`: what waits for a second admin.
pub(super) async fn pending_changes(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let items = staff_accounts::pending_changes(&state.app, admin.access()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /api/v1/admin/account-changes/{id}/approve` `{"password", "totp"}` →
/// `{"account_id", "kind", "activation"?}` (`activation` says how the reset's link reaches
/// the holder, never the link).
pub(super) async fn approve_change(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
    body: web::Json<StepUp>,
) -> Result<HttpResponse, ApiError> {
    let outcome =
        staff_accounts::approve_change(&state.app, admin.access(), path.into_inner(), &body)
            .await?;
    Ok(match outcome {
        AccountChangeOutcome::Reset(issued) => {
            let account_id = issued.account_id;
            let delivery = crate::activation::deliver(&state, issued).await;
            HttpResponse::Ok().json(serde_json::json!({
                "account_id": account_id, "kind": "reset_credentials", "activation": delivery,
            }))
        }
        AccountChangeOutcome::Enabled(id) => {
            HttpResponse::Ok().json(serde_json::json!({ "account_id": id, "kind": "enable" }))
        }
    })
}

/// `POST /api/v1/admin/account-changes/{id}/withdraw` → 204.
pub(super) async fn withdraw_change(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff_accounts::withdraw_change(&state.app, admin.access(), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/admin/payroll-clients`: live and revoked clients (never a token).
pub(super) async fn payroll_clients(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let items = staff_accounts::payroll_clients(&state.app, admin.access()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /api/v1/admin/payroll-clients/{name}/revoke` → 204: its token stops working.
pub(super) async fn revoke_payroll_client(
    state: State,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    staff_accounts::revoke_payroll_client_as_admin(&state.app, admin.access(), &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
