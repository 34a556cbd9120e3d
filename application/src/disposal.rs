//! Disposal (廃棄) with dual control, the same for the pages, the API and the command line:
//! the list of what is due, a proposal by one officer, the approval by another after typing
//! the password and a TOTP code again, after which the numbers' and images' ciphertexts are
//! gone and the disposal ledger holds the record. 番号法 第20条 (保管制限) allows keeping a
//! number only while a purpose of 第19条 needs it, and the PPC guideline (特定個人情報の適正な
//! 取扱いに関するガイドライン（事業者編）, 第4-3-(3) 保管制限と廃棄) asks for deletion or
//! disposal, by means that cannot be undone, as soon as possible once the retention period
//! of the law concerned has passed. Both officers must have the submission in scope: storage
//! refuses anything else by itself.

use domain::{DisposalId, SubmissionId};
use storage::AuditEvent;
use storage::retention::{DisposalDue, DisposalRecord, PendingDisposal};

use crate::access::Officer;
use crate::app::App;
use crate::auth::{self, StepUp, SteppedUp};
use crate::error::{AppError, Conflict};
use crate::time_jp;

/// The longest notice period a list may ask for.
pub const MAX_NOTICE_DAYS: i64 = 366;

/// What is due (or due within `notice_days`) in the officer's scope; the read is audited.
pub async fn due(
    app: &App,
    officer: &Officer,
    notice_days: i64,
) -> Result<Vec<DisposalDue>, AppError> {
    let notice = notice_days.clamp(0, MAX_NOTICE_DAYS);
    let items = officer
        .vault(&app.vault)
        .disposal_list(time_jp::today(), notice)
        .await?;
    app.vault
        .record(
            officer.audit(),
            AuditEvent::success(storage::audit::actions::DISPOSAL_LIST, None)
                .with_detail(serde_json::json!({ "notice_days": notice, "items": items.len() })),
        )
        .await?;
    Ok(items)
}

/// Disposals in scope waiting for a second officer.
pub async fn pending(app: &App, officer: &Officer) -> Result<Vec<PendingDisposal>, AppError> {
    Ok(officer.vault(&app.vault).pending_disposals().await?)
}

/// An officer proposes disposing of a submission in scope.
pub async fn propose(
    app: &App,
    officer: &Officer,
    submission: SubmissionId,
) -> Result<DisposalId, AppError> {
    officer
        .vault(&app.vault)
        .propose_disposal(officer.audit(), submission.uuid())
        .await
        .map(DisposalId::from)
        .map_err(|e| match e {
            storage::StorageError::Conflict(_) => AppError::Conflict(Conflict::AlreadyProposed),
            other => other.into(),
        })
}

/// Proposes every overdue item in the officer's scope (the command line's `--propose-due`);
/// what already waits for its approver is left as it is. Returns what was proposed.
pub async fn propose_overdue(
    app: &App,
    officer: &Officer,
) -> Result<Vec<(DisposalId, DisposalDue)>, AppError> {
    let vault = officer.vault(&app.vault);
    let mut proposed = Vec::new();
    for due in vault.disposal_list(time_jp::today(), 0).await? {
        if !due.overdue {
            continue;
        }
        match vault
            .propose_disposal(officer.audit(), due.submission_id)
            .await
        {
            Ok(id) => proposed.push((id.into(), due)),
            Err(storage::StorageError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(proposed)
}

/// A second officer approves a disposal in scope after the step-up; the proposer is refused
/// (separation of duties, audited).
pub async fn approve(
    app: &App,
    officer: &Officer,
    disposal: DisposalId,
    step_up: &StepUp,
) -> Result<DisposalRecord, AppError> {
    // Out of scope (or gone) before the step-up: nothing to type a password for.
    if !officer
        .vault(&app.vault)
        .pending_disposals()
        .await?
        .iter()
        .any(|p| p.disposal_id == disposal.uuid())
    {
        return Err(AppError::NotFound);
    }
    let proof = auth::step_up(app, officer.staff(), step_up).await?;
    approve_stepped_up(app, officer, disposal, proof).await
}

/// The approval itself, for an officer who has just re-authenticated (the pages and the
/// API through [`approve`]; the console through `auth::sign_at_console`).
pub async fn approve_stepped_up(
    app: &App,
    officer: &Officer,
    disposal: DisposalId,
    proof: SteppedUp,
) -> Result<DisposalRecord, AppError> {
    if proof.staff() != officer.id() {
        return Err(AppError::Unauthenticated);
    }
    Ok(officer
        .vault(&app.vault)
        .approve_disposal(officer.audit(), disposal.uuid())
        .await?)
}
