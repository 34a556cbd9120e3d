//! Delivering a staff activation link to its holder, and only to them (security review,
//! finding 6): by e-mail to the address on file through the `[mail]` relay; without an
//! address or a relay, the operator prints a new link at the server's console (`kakunin
//! user activation USERNAME`) and hands it to the holder. What the approving admin is told
//! is only which of the two happened.

use serde::Serialize;
use storage::invitations::EmailAddress;
use storage::staff_lifecycle::IssuedActivation;

use crate::startup::AppState;

/// How an activation link reached (or will reach) its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Sent to the holder's e-mail address.
    Email,
    /// The operator prints a link at the console (`kakunin user activation`).
    Console,
}

/// The link for `token` on the staff desk.
pub fn activation_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/s/activate/{token}",
        state.settings.staff_url().trim_end_matches('/')
    )
}

/// Sends `issued` to its holder if an address and a relay exist, else leaves it to the
/// console. A failed send is logged (without address or link) and falls back likewise.
pub async fn deliver(state: &AppState, issued: IssuedActivation) -> Delivery {
    let (Some(mailer), Some(address)) = (
        state.mailer.as_ref(),
        issued
            .email
            .as_deref()
            .and_then(|e| EmailAddress::parse(e).ok()),
    ) else {
        return Delivery::Console;
    };
    let link = activation_url(state, issued.token.expose());
    let letter = crate::mail::activation_letter(
        &state.settings.portal.organisation_name,
        &issued.username,
        &link,
        issued.expires_at,
    );
    match mailer.send(&address, letter).await {
        Ok(()) => Delivery::Email,
        Err(e) => {
            tracing::warn!(account = %issued.account_id, error = %e, "activation e-mail not sent: the operator prints a link instead");
            Delivery::Console
        }
    }
}
