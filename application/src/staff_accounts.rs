//! Staff accounts and machine clients over their life: grants by two admins, activation by
//! the holder alone, own password changes, disabling, resets and re-enabling by two admins,
//! withdrawing what waits, and revoking or rotating payroll clients (security review
//! findings 6 and 10; the rules are in `storage::staff_lifecycle`).
//!
//! Who receives an activation link is the point of it: the use cases here hand the
//! [`IssuedActivation`] to the adapter, which delivers it to the holder's e-mail address on
//! file (`intake-api`'s mail) or, without one, says that the operator prints a link at the
//! server's console (`kakunin user activation`); it is never part of an admin's answer.

use domain::StaffId;
use storage::SecretToken;
use storage::grants::{GrantOutcome, PendingGrant};
use storage::invitations::EmailAddress;
use storage::org::BranchCode;
use storage::payroll::PayrollClientOverview;
use storage::staff::{Role, Username};
use storage::staff_lifecycle::{
    AccountChangeKind, AccountChangeOutcome, AccountOverview, Activation, ActivationIssuer,
    IssuedActivation, PendingAccountChange,
};
use storage::{AuditContext, StorageError};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::access::{Admin, SignedIn};
use crate::app::App;
use crate::auth::{self, StepUp};
use crate::error::{AppError, Conflict, Invalid};
use crate::password;

fn issuer(app: &App) -> Result<ActivationIssuer<'_>, AppError> {
    Ok(ActivationIssuer {
        key: &app.internal()?.session,
        valid_ms: app.policy.staff.activation_valid_hours * 3_600_000,
    })
}

fn conflict(e: StorageError) -> AppError {
    match e {
        StorageError::Conflict("last admin") => AppError::Conflict(Conflict::LastAdmin),
        StorageError::Conflict("already proposed") => AppError::Conflict(Conflict::AlreadyProposed),
        StorageError::Conflict("not disabled" | "already disabled") => {
            AppError::Conflict(Conflict::NotEditable)
        }
        StorageError::Invalid("own account") => AppError::Invalid(Invalid::OwnAccount),
        StorageError::Invalid("the account is disabled") => {
            AppError::Conflict(Conflict::NotEditable)
        }
        other => other.into(),
    }
}

/// An admin proposes `role` with `scopes` for `username` (a new account, or a change to an
/// existing one); for a new account, `email` is where its activation link will go.
pub async fn propose_grant(
    app: &App,
    admin: &Admin,
    username: &Username,
    role: Role,
    scopes: &[BranchCode],
    email: Option<&EmailAddress>,
) -> Result<Uuid, AppError> {
    Ok(app
        .vault
        .propose_grant(
            admin.audit(),
            admin.id().uuid(),
            username,
            role,
            scopes,
            email,
        )
        .await?)
}

/// The grants waiting for a second admin.
pub async fn pending_grants(app: &App, _admin: &Admin) -> Result<Vec<PendingGrant>, AppError> {
    Ok(app.vault.pending_grants().await?)
}

/// What approving a grant did.
#[derive(Debug)]
pub enum GrantApproved {
    /// A new account, with the link its holder activates it with (deliver it to them).
    Created(IssuedActivation),
    /// An existing account's role and scopes changed (its session ended).
    Changed(Uuid),
}

/// A second admin approves a grant after the step-up. The proposer and the account's holder
/// are refused before the step-up is asked for (and again inside storage's transaction).
pub async fn approve_grant(
    app: &App,
    admin: &Admin,
    grant: Uuid,
    step_up: &StepUp,
) -> Result<GrantApproved, AppError> {
    let pending = app
        .vault
        .pending_grants()
        .await?
        .into_iter()
        .find(|g| g.grant_id == grant)
        .ok_or(AppError::NotFound)?;
    second_admin(
        app,
        admin,
        (pending.proposed_by, &pending.username),
        domain::duties::Duty::ApproveGrantToSelf,
        (
            storage::audit::actions::GRANT_APPROVE,
            format!("grant:{grant}"),
        ),
    )
    .await?;
    auth::step_up(app, admin.staff(), step_up).await?;
    Ok(
        match app
            .vault
            .approve_grant(admin.audit(), admin.id().uuid(), grant, issuer(app)?)
            .await?
        {
            GrantOutcome::Created(issued) => GrantApproved::Created(issued),
            GrantOutcome::Changed(id) => GrantApproved::Changed(id),
        },
    )
}

/// Any admin withdraws a pending grant.
pub async fn withdraw_grant(app: &App, admin: &Admin, grant: Uuid) -> Result<(), AppError> {
    Ok(app
        .vault
        .withdraw_grant(admin.audit(), admin.id().uuid(), grant)
        .await?)
}

/// Every account with its rights and state (never a secret).
pub async fn accounts(app: &App, _admin: &Admin) -> Result<Vec<AccountOverview>, AppError> {
    Ok(app.vault.account_overview().await?)
}

/// One admin disables an account at once (not their own; never the last admin).
pub async fn disable(app: &App, admin: &Admin, account: StaffId) -> Result<(), AppError> {
    app.vault
        .disable_staff_account(admin.audit(), admin.id().uuid(), account.uuid())
        .await
        .map_err(conflict)
}

/// An admin proposes a change that takes a second admin (a credentials reset, enabling).
pub async fn propose_change(
    app: &App,
    admin: &Admin,
    account: StaffId,
    kind: AccountChangeKind,
) -> Result<Uuid, AppError> {
    app.vault
        .propose_account_change(admin.audit(), admin.id().uuid(), account.uuid(), kind)
        .await
        .map_err(conflict)
}

/// The account changes waiting for a second admin.
pub async fn pending_changes(
    app: &App,
    _admin: &Admin,
) -> Result<Vec<PendingAccountChange>, AppError> {
    Ok(app.vault.pending_account_changes().await?)
}

/// A second admin approves an account change after the step-up (refused for the proposer
/// and the holder before the step-up is asked for).
pub async fn approve_change(
    app: &App,
    admin: &Admin,
    change: Uuid,
    step_up: &StepUp,
) -> Result<AccountChangeOutcome, AppError> {
    let pending = app
        .vault
        .pending_account_changes()
        .await?
        .into_iter()
        .find(|c| c.change_id == change)
        .ok_or(AppError::NotFound)?;
    second_admin(
        app,
        admin,
        (pending.proposed_by, &pending.username),
        domain::duties::Duty::ChangeOwnAccount,
        (
            storage::audit::actions::ACCOUNT_CHANGE_APPROVE,
            format!("staff:{}", pending.account_id),
        ),
    )
    .await?;
    auth::step_up(app, admin.staff(), step_up).await?;
    app.vault
        .approve_account_change(admin.audit(), admin.id().uuid(), change, issuer(app)?)
        .await
        .map_err(conflict)
}

/// Any admin withdraws a pending account change.
pub async fn withdraw_change(app: &App, admin: &Admin, change: Uuid) -> Result<(), AppError> {
    Ok(app
        .vault
        .withdraw_account_change(admin.audit(), admin.id().uuid(), change)
        .await?)
}

/// The live activation link of `token` (the page greets its holder), or `NotFound`.
pub async fn activation(app: &App, token: &SecretToken) -> Result<Activation, AppError> {
    app.vault
        .activation(&app.internal()?.session, token)
        .await?
        .ok_or(AppError::NotFound)
}

/// The holder sets their password through the link (once; the password policy applies).
/// TOTP follows at the first sign-in, as for every account without one.
pub async fn activate(
    app: &App,
    token: &SecretToken,
    new_password: &Zeroizing<String>,
    source_ip: Option<String>,
) -> Result<Uuid, AppError> {
    let activation = activation(app, token).await?;
    check_new_password(new_password, &activation.username)?;
    let hash = hash(new_password).await?;
    Ok(app
        .vault
        .activate(source_ip, &app.internal()?.session, token, &hash)
        .await?)
}

/// A signed-in staff member changes their own password: the current one and a TOTP code
/// first (the step-up, with its lockout), then the policy; their other sessions end.
pub async fn change_own_password(
    app: &App,
    me: &SignedIn,
    current: &StepUp,
    new_password: &Zeroizing<String>,
    session: &storage::internal_keys::SessionTag,
) -> Result<(), AppError> {
    check_new_password(new_password, &me.staff().username)?;
    auth::step_up(app, me.staff(), current).await?;
    let hash = hash(new_password).await?;
    Ok(app
        .vault
        .change_own_password(me.audit(), me.id().uuid(), session, &hash)
        .await?)
}

/// The operator at the server's console issues a new activation link for `username` (the
/// break-glass path where no e-mail reaches the holder): the account's credentials are
/// forgotten at once.
pub async fn issue_activation_at_console(
    app: &App,
    username: &str,
) -> Result<IssuedActivation, AppError> {
    app.vault
        .issue_activation_at_console(&AuditContext::cli(), issuer(app)?, username)
        .await
        .map_err(conflict)
}

/// The payroll clients, live and revoked.
pub async fn payroll_clients(
    app: &App,
    _admin: &Admin,
) -> Result<Vec<PayrollClientOverview>, AppError> {
    Ok(app.vault.payroll_clients().await?)
}

/// The payroll clients, for the operator at the console (`kakunin payroll-client list`).
pub async fn payroll_clients_at_console(app: &App) -> Result<Vec<PayrollClientOverview>, AppError> {
    Ok(app.vault.payroll_clients().await?)
}

/// Why the console refused to register a payroll client.
#[derive(Debug)]
pub enum PayrollClientRefused {
    /// The name is not 3–64 lower-case letters, digits, '.', '_' or '-', starting with a
    /// letter or a digit (the rule of usernames: it names the client in the audit trail).
    Name,
    /// Storage refused it (a name in use), with the reason to print.
    Conflict(String),
}

/// The operator registers a payroll system's machine client at the console (`kakunin
/// payroll-client add`), optionally bound to the SHA-256 of its TLS client certificate;
/// the token is shown there once.
pub async fn add_payroll_client(
    app: &App,
    name: &str,
    cert_sha256: Option<[u8; 32]>,
) -> Result<Result<(storage::payroll::PayrollClient, SecretToken), PayrollClientRefused>, AppError>
{
    if Username::parse(name).is_err() {
        return Ok(Err(PayrollClientRefused::Name));
    }
    match app
        .vault
        .create_payroll_client(&AuditContext::cli(), name, cert_sha256)
        .await
    {
        Ok(created) => Ok(Ok(created)),
        Err(StorageError::Conflict(why)) => {
            Ok(Err(PayrollClientRefused::Conflict(why.to_string())))
        }
        Err(e) => Err(e.into()),
    }
}

/// An admin (or the operator, `ctx` = the console) revokes a payroll client at once.
pub async fn revoke_payroll_client(
    app: &App,
    ctx: &AuditContext,
    name: &str,
) -> Result<Uuid, AppError> {
    Ok(app.vault.revoke_payroll_client(ctx, name).await?)
}

/// An admin revokes a payroll client (see [`revoke_payroll_client`]).
pub async fn revoke_payroll_client_as_admin(
    app: &App,
    admin: &Admin,
    name: &str,
) -> Result<Uuid, AppError> {
    revoke_payroll_client(app, admin.audit(), name).await
}

/// The operator replaces a payroll client's token at the console (the new one is shown
/// there once; the old one stops working at once).
pub async fn rotate_payroll_client_token(app: &App, name: &str) -> Result<SecretToken, AppError> {
    Ok(app
        .vault
        .rotate_payroll_client_token(&AuditContext::cli(), name)
        .await?)
}

/// An admin replaces a payroll client's token on the admin's page (the same audited storage
/// function as the console's): the new token is shown to them once, the old one stops
/// working at once.
pub async fn rotate_payroll_client_token_as_admin(
    app: &App,
    admin: &Admin,
    name: &str,
) -> Result<SecretToken, AppError> {
    Ok(app
        .vault
        .rotate_payroll_client_token(admin.audit(), name)
        .await?)
}

/// Refuses, before any step-up is asked for and with an audited refusal, an approval by the
/// proposal's own proposer or by the account holder it is about (storage checks again
/// inside the approval's transaction).
async fn second_admin(
    app: &App,
    admin: &Admin,
    (proposer, subject): (Uuid, &str),
    about_oneself: domain::duties::Duty,
    (action, target): (&'static str, String),
) -> Result<(), AppError> {
    let refused = domain::duties::second_person(proposer.into(), admin.id()).and_then(|()| {
        domain::duties::not_about_oneself(&admin.staff().username, subject, about_oneself)
    });
    match refused {
        Ok(()) => Ok(()),
        Err(refused) => Err(app
            .vault
            .refuse_duty(admin.audit(), action, Some(target), refused)
            .await
            .into()),
    }
}

fn check_new_password(new_password: &str, username: &str) -> Result<(), AppError> {
    password::check_password_policy(new_password)
        .map_err(|_| AppError::Invalid(Invalid::Password))?;
    if new_password.contains(username) {
        return Err(AppError::Invalid(Invalid::Password));
    }
    Ok(())
}

async fn hash(new_password: &Zeroizing<String>) -> Result<String, AppError> {
    let new_password = new_password.clone();
    tokio::task::spawn_blocking(move || password::hash_password(&new_password))
        .await
        .map_err(|e| AppError::internal(&e))?
        .map_err(|e| AppError::internal(&e))
}
