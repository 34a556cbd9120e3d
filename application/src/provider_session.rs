//! The provider's sessions: a person signs in with their invitation link (and the birth
//! date, where the invitation asks for it), keeps a session that ends when idle, and signs
//! out. The link's token and the session's are 256-bit secrets; the database holds their
//! hashes only. Wrong birth dates lock the invitation for a while (counted in storage).

use storage::invitations::{InvitationPreview, ProviderSession, SignInError, StartedSession};
use storage::person::BirthDate;
use storage::{Actor, AuditContext, SecretToken};

use crate::app::App;
use crate::error::{AppError, LinkRefusal, Lock};

fn idle_millis(app: &App) -> i64 {
    app.policy.provider_session_idle_minutes * 60_000
}

/// Signs in with an invitation link's token and, where asked, the birth date.
pub async fn sign_in(
    app: &App,
    token: &SecretToken,
    birth_date: Option<BirthDate>,
    source_ip: Option<String>,
) -> Result<StartedSession, AppError> {
    let ctx = AuditContext {
        actor: Actor::System,
        source_ip,
    };
    app.vault
        .start_provider_session(&ctx, token, birth_date, idle_millis(app))
        .await
        .map_err(|e| match e {
            SignInError::InvalidLink => AppError::Link(LinkRefusal::Invalid),
            SignInError::SecondFactorRequired => AppError::Link(LinkRefusal::BirthDateRequired),
            SignInError::SecondFactorWrong { .. } => AppError::Link(LinkRefusal::BirthDateWrong),
            SignInError::Locked { until } => AppError::Locked {
                lock: Lock::Invitation,
                retry_after_secs: ((until - crate::time_jp::now_millis()) / 1000).max(1) as u64,
            },
            SignInError::Storage(cause) => AppError::internal(&cause),
        })
}

/// The live session a session token stands for (its idle clock moved on), with the audit
/// context of a request from `source_ip`; `Unauthenticated` when there is none.
pub async fn resume(
    app: &App,
    token: &SecretToken,
    source_ip: Option<String>,
) -> Result<(ProviderSession, AuditContext), AppError> {
    let session = app
        .vault
        .provider_session(token, idle_millis(app))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let audit = session.audit_context(source_ip);
    Ok((session, audit))
}

/// Ends the session a token stands for; what was saved stays.
pub async fn sign_out(app: &App, token: &SecretToken) -> Result<(), AppError> {
    Ok(app.vault.end_provider_session(token).await?)
}

/// What the landing page of a link shows before sign-in (the kind, the name the link was
/// made for, whether the birth date is asked), or `None` for a link that does not work.
pub async fn preview(
    app: &App,
    token: &SecretToken,
) -> Result<Option<InvitationPreview>, AppError> {
    Ok(app.vault.preview_invitation(token).await?)
}
