//! Invitations managed by admins: create one or many (the roster), list each link's state,
//! revoke, re-issue. A link is a bearer credential: its token is handed back once and kept
//! hashed. One live invitation per employee code is storage's rule, held by a partial
//! unique index so that two concurrent rosters cannot both pass (`storage::invitations`);
//! [`taken_employee_codes`] lets a roster name every clash before anything is created.

use domain::InvitationId;
use storage::invitation_admin::{InvitationLine, InvitationQuery};
use storage::invitations::{CreatedInvitation, NewInvitation};

use crate::access::Admin;
use crate::app::App;
use crate::error::{AppError, Conflict};

/// Creates the invitations, all or none; returns each one's link once.
pub async fn create(
    app: &App,
    admin: &Admin,
    batch: &[NewInvitation],
) -> Result<Vec<CreatedInvitation>, AppError> {
    Ok(app.vault.create_invitations(admin.audit(), batch).await?)
}

/// The operator creates one invitation at the console (`kakunin invite`); the same rule of
/// one live invitation per employee code holds (`Conflict::AlreadyInvited`).
pub async fn create_at_console(
    app: &App,
    new: &NewInvitation,
) -> Result<CreatedInvitation, AppError> {
    Ok(app
        .vault
        .create_invitation(&storage::AuditContext::cli(), new)
        .await?)
}

/// Replaces an invitation's link with a new one valid for the configured days (the old
/// link stops working); returns who it is for and the new link, once.
pub async fn reissue(
    app: &App,
    admin: &Admin,
    id: InvitationId,
) -> Result<(InvitationLine, CreatedInvitation), AppError> {
    let line = app.vault.invitation(id.uuid()).await?;
    let created = app
        .vault
        .reissue_invitation(admin.audit(), id.uuid(), app.policy.invitation_valid_days)
        .await?;
    Ok((line, created))
}

/// Revokes an invitation (its link stops working; what was saved stays for its retention);
/// one already revoked is a conflict.
pub async fn revoke(app: &App, admin: &Admin, id: InvitationId) -> Result<(), AppError> {
    match app.vault.revoke_invitation(admin.audit(), id.uuid()).await {
        Err(storage::StorageError::Conflict(_)) => Err(AppError::Conflict(Conflict::Revoked)),
        other => Ok(other?),
    }
}

/// The invitations matching `query`, each with its link's state.
pub async fn list(
    app: &App,
    _admin: &Admin,
    query: &InvitationQuery,
) -> Result<Vec<InvitationLine>, AppError> {
    Ok(app.vault.invitations(query).await?)
}

/// The employee codes that already have an invitation in use.
pub async fn taken_employee_codes(
    app: &App,
    _admin: &Admin,
) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(app.vault.invited_employee_codes().await?)
}

/// Records whether a link's e-mail went out (the letter itself is the adapter's).
pub async fn note_emailed(
    app: &App,
    admin: &Admin,
    id: InvitationId,
    sent: bool,
) -> Result<(), AppError> {
    Ok(app
        .vault
        .note_invitation_emailed(admin.audit(), id.uuid(), sent)
        .await?)
}
