//! What a use case answers when it does not do what was asked: domain errors, each with a
//! stable meaning the adapters map to one HTTP status and one bilingual message (in
//! `intake-api`'s `error.rs`) or one exit status (the command line). Never carries personal
//! data or a number.

use domain::SeparationOfDuties;
use storage::StorageError;
use verifier::rules::RuleViolation;

/// Why something that can lock locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Staff sign-in (a username or an address).
    SignIn,
    /// The step-up re-authentication of approvals.
    StepUp,
    /// An invitation link, after wrong birth dates.
    Invitation,
}

/// Why an invitation link did not sign its holder in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Unknown, expired or revoked.
    Invalid,
    /// This invitation asks for the birth date.
    BirthDateRequired,
    /// The birth date did not match.
    BirthDateWrong,
}

/// A state conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Another change won; trying again may work.
    Concurrent,
    /// The submission's state does not allow this (e.g. handed in, no longer editable).
    NotEditable,
    /// Corrections were asked for: only the flagged items can change.
    OnlyFlaggedItems,
    /// A decision needs the officer's own, unexpired claim.
    ClaimRequired,
    /// The employee code already has an invitation in use.
    AlreadyInvited(String),
    /// A proposal for this already waits (a release, a disposal).
    AlreadyProposed,
    /// Gone for good (a one-time export already taken).
    Gone,
    /// Something the flow needs is not configured (e.g. payroll's recipient).
    NotConfigured,
    /// The last enabled admin cannot be disabled (nobody could approve anything again).
    LastAdmin,
    /// Another branch already has this display name.
    BranchNameTaken,
    /// The re-confirmation campaign is closed.
    CampaignClosed,
    /// The invitation is revoked already.
    Revoked,
}

/// A request that is well-formed but refused by a rule of the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Free text (a message, a note, a purpose) is empty, too long or holds what typed
    /// text refuses.
    Message,
    /// Every person of a submission needs exactly one verification.
    VerificationIncomplete,
    /// A date is not a date.
    Date,
    /// A new password breaks the policy (12 to 128 characters, not a common one, not the
    /// username).
    Password,
    /// An admin acting on their own account where that is not allowed (disabling it).
    OwnAccount,
    /// A release names a purpose that is not one of the configured purposes of use.
    PurposeNotListed,
    /// Not a branch code.
    BranchCode,
    /// A branch's display name is empty, too long, or not plain typed text.
    BranchName,
    /// A date searched for is not a date, or the period ends before it starts.
    SearchDate,
    /// An audit review's period, what was looked at, or its remarks are refused.
    AuditReview,
    /// Payroll's recipient is not one age X25519 recipient (`age1…`).
    PayrollRecipient,
    /// The filer's own address is required (a payee's, or an employee's where the employer
    /// asks for it).
    AddressRequired,
    /// A person's own details need their number, and none is saved yet.
    NumberRequired,
    /// The document proves nothing (the 個人番号通知書 since 2020-05-25).
    ProvesNothing,
    /// Not a document kind.
    DocumentKind,
    /// A decline reason is refused (it may not carry a number).
    DeclineReason,
    /// A TOTP code that does not confirm the pending secret.
    TotpCode,
    /// Anything else the request got wrong.
    Request,
}

/// A use case's refusal.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or outside the caller's scope (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// No valid session.
    #[error("sign in first")]
    Unauthenticated,
    /// Wrong username, password or second factor (which one is never said).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// An invitation link that does not sign its holder in.
    #[error("invitation link refused: {0:?}")]
    Link(LinkRefusal),
    /// Refused unchecked until `retry_after_secs` (lockout).
    #[error("locked for {retry_after_secs} s")]
    Locked {
        /// What locked.
        lock: Lock,
        /// Seconds until it lifts.
        retry_after_secs: u64,
    },
    /// The role must enrol its second factor before anything else.
    #[error("the second factor must be enrolled first")]
    SecondFactorRequired,
    /// The caller's role may not do this.
    #[error("not allowed for this role")]
    Forbidden,
    /// What takes two people was asked of one ([`domain::duties`]).
    #[error(transparent)]
    SeparationOfDuties(#[from] SeparationOfDuties),
    /// A state conflict.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// Refused by a rule of the domain.
    #[error("invalid: {0:?}")]
    Invalid(Invalid),
    /// Refused by the 本人確認 rule table.
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    /// This instance does not serve this (a public instance holds no identity).
    #[error("not served by this instance")]
    NotServedHere,
    /// Something failed that the caller cannot fix; the cause goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// An internal failure, its cause kept for the log.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::NotFound,
            StorageError::Illegal(_) => Self::Conflict(Conflict::NotEditable),
            StorageError::Conflict(_) => Self::Conflict(Conflict::Concurrent),
            StorageError::ClaimRequired => Self::Conflict(Conflict::ClaimRequired),
            StorageError::NotFlagged => Self::Conflict(Conflict::OnlyFlaggedItems),
            StorageError::AlreadyInvited(code) => Self::Conflict(Conflict::AlreadyInvited(code)),
            StorageError::SeparationOfDuties(refused) => Self::SeparationOfDuties(refused),
            StorageError::Invalid(_) => Self::Invalid(Invalid::Request),
            other => Self::internal(&other),
        }
    }
}
