//! Role grants by two admins: `POST /api/v1/admin/grants` proposes, a different admin
//! approves with a step-up (password and TOTP again). A new account gets no password: its
//! one-time activation link goes to the holder (by e-mail to the address the proposal
//! named, which the approver sees; or, without one, printed by the operator with `kakunin
//! user activation`), never to either admin (security review, finding 6). `kakunin user
//! add` stays the operator's bootstrap path (audited as `cli`).

use actix_web::{HttpResponse, web};
use application::staff_accounts::{self, GrantApproved};
use portal::Message;
use portal::forms::FormError;
use serde::Deserialize;
use storage::invitations::EmailAddress;
use storage::org::BranchCode;
use storage::staff::{Role, Username};
use uuid::Uuid;

use crate::error::ApiError;
use crate::staff_auth::{Admin, StepUp};
use crate::startup::State;

#[derive(Debug, Deserialize)]
pub(super) struct GrantBody {
    username: String,
    role: String,
    #[serde(default)]
    scopes: Vec<String>,
    /// Where a new account's activation link goes.
    #[serde(default)]
    email: Option<String>,
}

/// A proposed grant as typed (the API's body, the accounts page's form): the username, a
/// role code, branch codes and, for a new account, the holder's address (empty = none).
pub(crate) fn parse_grant(
    username: &str,
    role: &str,
    scopes: &[String],
    email: Option<&str>,
) -> Result<(Username, Role, Vec<BranchCode>, Option<EmailAddress>), ApiError> {
    let username = Username::parse(username).map_err(|_| FormError {
        field: "username",
        message: Message::UsernameInvalid,
    })?;
    let role = Role::from_code(role).ok_or_else(|| ApiError::invalid(Message::BadRequest))?;
    let scopes = scopes
        .iter()
        .map(|s| BranchCode::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::invalid(Message::BadRequest))?;
    let email = email
        .filter(|e| !e.trim().is_empty())
        .map(EmailAddress::parse)
        .transpose()
        .map_err(|_| FormError {
            field: "email",
            message: Message::EmailInvalid,
        })?;
    Ok((username, role, scopes, email))
}

/// `POST /api/v1/admin/grants` `{"username", "role", "scopes", "email"?}` → 201 `{"grant_id"}`.
pub(super) async fn propose(
    state: State,
    admin: Admin,
    body: web::Json<GrantBody>,
) -> Result<HttpResponse, ApiError> {
    let (username, role, scopes, email) = parse_grant(
        &body.username,
        &body.role,
        &body.scopes,
        body.email.as_deref(),
    )?;
    let id = staff_accounts::propose_grant(
        &state.app,
        admin.access(),
        &username,
        role,
        &scopes,
        email.as_ref(),
    )
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "grant_id": id })))
}

/// `GET /api/v1/admin/grants`: the grants waiting for a second admin.
pub(super) async fn pending(state: State, admin: Admin) -> Result<HttpResponse, ApiError> {
    let items = staff_accounts::pending_grants(&state.app, admin.access()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /api/v1/admin/grants/{id}/approve` `{"password", "totp"}` → `{"account_id",
/// "created", "activation"?}` where `activation` says how the link reached the holder
/// (`email` or `console`) and never holds it; 403 for the proposer or the subject.
pub(super) async fn approve(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
    body: web::Json<StepUp>,
) -> Result<HttpResponse, ApiError> {
    let outcome =
        staff_accounts::approve_grant(&state.app, admin.access(), path.into_inner(), &body).await?;
    Ok(match outcome {
        GrantApproved::Created(issued) => {
            let account_id = issued.account_id;
            let delivery = crate::activation::deliver(&state, issued).await;
            HttpResponse::Ok().json(serde_json::json!({
                "account_id": account_id, "created": true, "activation": delivery,
            }))
        }
        GrantApproved::Changed(id) => {
            HttpResponse::Ok().json(serde_json::json!({ "account_id": id, "created": false }))
        }
    })
}

/// `POST /api/v1/admin/grants/{id}/withdraw` → 204.
pub(super) async fn withdraw(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff_accounts::withdraw_grant(&state.app, admin.access(), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
