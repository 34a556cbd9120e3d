//! The payroll system's pulls: a machine client (`kakunin payroll-client add`) presents its
//! bearer token, lists the approved releases and takes each sealed export once. The files
//! were sealed to payroll's own age recipient when the second officer approved, so nothing
//! here unseals anything. Every pull is an export-ledger row and an audit entry; every
//! refused one an audit entry too.

use domain::ReleaseId;
use storage::audit::actions::EXPORT_PULL;
use storage::payroll::{PayrollClient, PendingRelease};
use storage::{Actor, AuditContext, AuditEvent, SecretToken};

use crate::app::App;
use crate::error::{AppError, Conflict};

/// A live payroll client, past its token and (where bound) its certificate: made only by
/// [`authenticate`].
#[derive(Debug)]
pub struct PayrollCaller {
    client: PayrollClient,
    audit: AuditContext,
}

/// The client whose token `token` is, calling from `source_ip` with the TLS client
/// certificate whose SHA-256 is `presented` (if any). A client registered with its
/// certificate (`--cert`) must present exactly that one (mutual TLS): a stolen token alone
/// is not enough, and the refusal is audited. Anything wrong is `InvalidCredentials`.
pub async fn authenticate(
    app: &App,
    token: &SecretToken,
    presented: Option<[u8; 32]>,
    source_ip: Option<String>,
) -> Result<PayrollCaller, AppError> {
    let client = app
        .vault
        .payroll_client(&token.hash())
        .await?
        .ok_or(AppError::InvalidCredentials)?;
    let audit = AuditContext {
        actor: Actor::Payroll(client.id),
        source_ip,
    };
    if let Some(expected) = &client.cert_sha256 {
        let matches = presented
            .is_some_and(|p| bool::from(subtle::ConstantTimeEq::ct_eq(&p[..], &expected[..])));
        if !matches {
            let reason = if presented.is_some() {
                "certificate_mismatch"
            } else {
                "certificate_missing"
            };
            app.vault
                .record(
                    &audit,
                    AuditEvent::denied(EXPORT_PULL, None)
                        .with_detail(serde_json::json!({ "reason": reason })),
                )
                .await?;
            return Err(AppError::InvalidCredentials);
        }
    }
    Ok(PayrollCaller { client, audit })
}

/// The approved releases not yet handed over, oldest first.
pub async fn pending(app: &App, _caller: &PayrollCaller) -> Result<Vec<PendingRelease>, AppError> {
    Ok(app.vault.pending_releases().await?)
}

/// Takes one approved release's sealed file, once: a second pull is `Gone`, and audited as
/// refused.
pub async fn pull(
    app: &App,
    caller: &PayrollCaller,
    release: ReleaseId,
) -> Result<Vec<u8>, AppError> {
    match app
        .vault
        .pull_release(&caller.audit, &caller.client, release.uuid())
        .await
    {
        Ok(sealed) => Ok(sealed),
        Err(storage::StorageError::Conflict(_)) => {
            app.vault
                .record(
                    &caller.audit,
                    AuditEvent::denied(EXPORT_PULL, format!("release:{release}")),
                )
                .await?;
            Err(AppError::Conflict(Conflict::Gone))
        }
        Err(other) => Err(other.into()),
    }
}
