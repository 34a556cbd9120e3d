//! Disposal (廃棄) with dual control, the same for the pages, the API and the command line:
//! the list of what is due, a proposal by one officer, the approval by another after typing
//! the password and a TOTP code again, after which the numbers' and images' ciphertexts are
//! gone and the disposal ledger holds the record. 番号法 第20条 (保管制限) allows keeping a
//! number only while a purpose of 第19条 needs it, and the PPC guideline (特定個人情報の適正な
//! 取扱いに関するガイドライン（事業者編）, 第4-3-(3) 保管制限と廃棄) asks for deletion or
//! disposal, by means that cannot be undone, as soon as possible once the retention period
//! of the law concerned has passed. Both officers must have the submission in scope: storage
//! refuses anything else by itself.
//!
//! Besides whole records, one person or one version of a record falls due on its own date
//! (issue 17, part B; `storage::lifecycle`): an ended dependant (扶養から外れた家族: the PPC
//! guideline's 第4-3-(3) applies to each number on its own, so theirs goes once the
//! retention period from the end of the relationship has run, without waiting for the
//! employee's record), a superseded version (an old number after a reissue) and photos
//! retaken before the verification. They are proposed and approved the same way.

use domain::{DisposalId, PersonId, SubjectId, SubmissionId};
use storage::AuditEvent;
use storage::retention::{DisposalDue, DisposalRecord, DisposalTarget, PendingDisposal};

use crate::access::Officer;
use crate::app::App;
use crate::auth::{self, StepUp, SteppedUp};
use crate::error::{AppError, Conflict, Invalid};
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

/// What a proposal names: a whole record, or one person or version of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A whole record (a submission).
    Record(SubmissionId),
    /// An ended dependant, all of their versions.
    Person(PersonId),
    /// One version: superseded, or holding replaced photos.
    Version(SubjectId),
}

impl Target {
    /// The target of an item of the list.
    pub fn of(due: &DisposalDue) -> Self {
        match (due.subject_id, due.person_id) {
            (Some(subject), _) => Self::Version(subject.into()),
            (None, Some(person)) => Self::Person(person.into()),
            (None, None) => Self::Record(due.submission_id.into()),
        }
    }

    /// From the one id a request names (exactly one of the three).
    pub fn named(
        submission: Option<SubmissionId>,
        person: Option<PersonId>,
        subject: Option<SubjectId>,
    ) -> Result<Self, AppError> {
        match (submission, person, subject) {
            (Some(id), None, None) => Ok(Self::Record(id)),
            (None, Some(id), None) => Ok(Self::Person(id)),
            (None, None, Some(id)) => Ok(Self::Version(id)),
            _ => Err(AppError::Invalid(Invalid::Request)),
        }
    }

    fn storage(self) -> DisposalTarget {
        match self {
            Self::Record(id) => DisposalTarget::Record(id.uuid()),
            Self::Person(id) => DisposalTarget::Person(id.uuid()),
            Self::Version(id) => DisposalTarget::Version(id.uuid()),
        }
    }
}

/// An officer proposes disposing of a record in scope, or of a person or version of it
/// that is due on its own date.
pub async fn propose(app: &App, officer: &Officer, target: Target) -> Result<DisposalId, AppError> {
    officer
        .vault(&app.vault)
        .propose_disposal(officer.audit(), target.storage(), time_jp::today())
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
            .propose_disposal(
                officer.audit(),
                Target::of(&due).storage(),
                time_jp::today(),
            )
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
