//! Role grants by two admins: `POST /api/v1/admin/grants` proposes, a different admin
//! approves with a step-up (password and TOTP again). A new account's first password is
//! generated and shown once, to the approver, who hands it over; the proposer never sees
//! it. `kakunin user add` stays the operator's bootstrap and break-glass path (audited as
//! `cli`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use portal::Message;
use portal::forms::FormError;
use serde::Deserialize;
use storage::grants::GrantOutcome;
use storage::org::BranchCode;
use storage::staff::{Role, Username};
use uuid::Uuid;

use crate::error::ApiError;
use crate::staff_auth::{self, Admin, StepUp};
use crate::startup::State;

#[derive(Debug, Deserialize)]
pub(super) struct GrantBody {
    username: String,
    role: String,
    #[serde(default)]
    scopes: Vec<String>,
}

/// `POST /api/v1/admin/grants` `{"username", "role", "scopes"}` → 201 `{"grant_id"}`.
pub(super) async fn propose(
    state: State,
    admin: Admin,
    body: web::Json<GrantBody>,
) -> Result<HttpResponse, ApiError> {
    let username = Username::parse(&body.username).map_err(|_| FormError {
        field: "username",
        message: Message::UsernameInvalid,
    })?;
    let role = Role::from_code(&body.role).ok_or_else(|| ApiError::invalid(Message::BadRequest))?;
    let scopes = body
        .scopes
        .iter()
        .map(|s| BranchCode::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::invalid(Message::BadRequest))?;
    let id = state
        .vault
        .propose_grant(
            &admin.0.audit,
            admin.0.session.account_id,
            &username,
            role,
            &scopes,
        )
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "grant_id": id })))
}

/// `GET /api/v1/admin/grants`: the grants waiting for a second admin.
pub(super) async fn pending(state: State, _admin: Admin) -> Result<HttpResponse, ApiError> {
    Ok(
        HttpResponse::Ok()
            .json(serde_json::json!({ "items": state.vault.pending_grants().await? })),
    )
}

/// `POST /api/v1/admin/grants/{id}/approve` `{"password", "totp"}` → `{"account_id",
/// "created", "first_password"?}`; 403 for the proposer or the subject themselves.
pub(super) async fn approve(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
    body: web::Json<StepUp>,
) -> Result<HttpResponse, ApiError> {
    let grant_id = path.into_inner();
    // Refuse the proposer and the subject before asking for the step-up (storage checks
    // again inside the approval's transaction).
    let session = &admin.0.session;
    let grant = state
        .vault
        .pending_grants()
        .await?
        .into_iter()
        .find(|g| g.grant_id == grant_id)
        .ok_or_else(ApiError::not_found)?;
    if grant.proposed_by == session.account_id || grant.username == session.username {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Message::Forbidden));
    }
    staff_auth::reauthenticate(&state, &admin.0, &body).await?;
    let first_password = crate::password::generate_password();
    let hash =
        crate::password::hash_password(&first_password).map_err(|e| ApiError::internal(&e))?;
    let outcome = state
        .vault
        .approve_grant(&admin.0.audit, admin.0.session.account_id, grant_id, &hash)
        .await?;
    Ok(match outcome {
        GrantOutcome::Created(id) => HttpResponse::build(StatusCode::OK)
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({
                "account_id": id, "created": true, "first_password": first_password.as_str(),
            })),
        GrantOutcome::Changed(id) => {
            HttpResponse::Ok().json(serde_json::json!({ "account_id": id, "created": false }))
        }
    })
}
