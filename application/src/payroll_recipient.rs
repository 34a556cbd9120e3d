//! Payroll's age recipient (the public key released numbers are sealed to), set or changed
//! by two admins on the admin's desk instead of a hand edit of `kakunin.toml` and a
//! restart (issue 18). One admin proposes, a different one approves after the step-up; the
//! approved recipient is in force at once on every instance, because the release use case
//! reads it from the database ([`in_force`]) at each approval. Before any approval, the
//! settings' `payroll_recipient` stays in force.

use storage::payroll_recipient::RecipientChange;
use uuid::Uuid;

use crate::access::Admin;
use crate::app::App;
use crate::auth::{self, StepUp};
use crate::error::{AppError, Conflict, Invalid};

/// Where payroll's recipient stands.
#[derive(Debug, Clone)]
pub struct RecipientState {
    /// The recipient approved by two admins and in force, if any.
    pub approved: Option<RecipientChange>,
    /// The settings' recipient (in force while none is approved).
    pub from_settings: Option<String>,
    /// A proposal waiting for a second admin.
    pub pending: Option<RecipientChange>,
}

impl RecipientState {
    /// The recipient exports are sealed to now.
    pub fn in_force(&self) -> Option<&str> {
        self.approved
            .as_ref()
            .map(|c| c.recipient.as_str())
            .or(self.from_settings.as_deref())
    }
}

/// The recipient exports are sealed to now: the latest one two admins approved, else the
/// settings'.
pub async fn in_force(app: &App) -> Result<Option<String>, AppError> {
    Ok(match app.vault.payroll_recipient_in_force().await? {
        Some(approved) => Some(approved.recipient),
        None => app.policy.payroll_recipient.clone(),
    })
}

/// What the admin's page shows.
pub async fn state(app: &App, _admin: &Admin) -> Result<RecipientState, AppError> {
    Ok(RecipientState {
        approved: app.vault.payroll_recipient_in_force().await?,
        from_settings: app.policy.payroll_recipient.clone(),
        pending: app.vault.pending_payroll_recipient().await?,
    })
}

/// Checks a typed recipient: one line, one age X25519 recipient (`age1…`).
fn parse_recipient(typed: &str) -> Result<String, AppError> {
    let recipient = typed.trim();
    if recipient.lines().count() != 1
        || !recipient.starts_with("age1")
        || storage::sealing::Sealer::from_recipients_file(recipient).is_err()
    {
        return Err(AppError::Invalid(Invalid::PayrollRecipient));
    }
    Ok(recipient.to_owned())
}

/// An admin proposes a recipient for a second admin to approve.
pub async fn propose(app: &App, admin: &Admin, typed: &str) -> Result<Uuid, AppError> {
    let recipient = parse_recipient(typed)?;
    app.vault
        .propose_payroll_recipient(admin.audit(), admin.id().uuid(), &recipient)
        .await
        .map_err(|e| match e {
            storage::StorageError::Conflict("already proposed") => {
                AppError::Conflict(Conflict::AlreadyProposed)
            }
            other => other.into(),
        })
}

/// A second admin approves the waiting proposal after the step-up; the proposer is refused
/// before the step-up is asked for (and again inside storage's transaction).
pub async fn approve(
    app: &App,
    admin: &Admin,
    change: Uuid,
    step_up: &StepUp,
) -> Result<String, AppError> {
    let pending = app
        .vault
        .pending_payroll_recipient()
        .await?
        .filter(|p| p.change_id == change)
        .ok_or(AppError::NotFound)?;
    if let Err(refused) = domain::duties::second_person(pending.proposed_by.into(), admin.id()) {
        return Err(app
            .vault
            .refuse_duty(
                admin.audit(),
                storage::audit::actions::PAYROLL_RECIPIENT_APPROVE,
                Some(format!("payroll_recipient:{change}")),
                refused,
            )
            .await
            .into());
    }
    auth::step_up(app, admin.staff(), step_up).await?;
    Ok(app
        .vault
        .approve_payroll_recipient(admin.audit(), admin.id().uuid(), change)
        .await?)
}

/// Any admin withdraws the waiting proposal.
pub async fn withdraw(app: &App, admin: &Admin, change: Uuid) -> Result<(), AppError> {
    Ok(app
        .vault
        .withdraw_payroll_recipient(admin.audit(), admin.id().uuid(), change)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_age_recipient_is_taken() {
        let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
        assert_eq!(
            parse_recipient(&format!("  {recipient}\n")).expect("one"),
            recipient
        );
        for refused in [
            "",
            "ssh-ed25519 AAAA",
            "age1notakey",
            &format!("{recipient}\n{recipient}"),
        ] {
            assert!(parse_recipient(refused).is_err(), "{refused:?}");
        }
    }
}
