//! Kakunin's vault and the domain types every other crate shares.
//!
//! This is the only crate that talks SQL. It guarantees invariant 1 of DESIGN.md by
//! construction: its write functions take [`SealedNumber`] and [`SealedDocument`], never
//! plaintext, and reading plaintext back requires an [`AuditReceipt`].
#![deny(missing_docs)]

pub use domain::{org, person, state, typed_text};

pub mod access_review;
pub mod alerts;
pub mod assisted;
pub mod audit;
pub mod audit_anchor;
pub mod audit_desk;
pub mod backup;
pub mod branches;
pub mod campaign;
pub mod card_qr;
pub mod card_reads;
pub mod db_roles;
pub mod grants;
pub mod history;
pub mod incidents;
pub mod internal_keys;
pub mod invitation_admin;
pub mod invitations;
pub mod keys;
pub mod ledgers;
pub mod lifecycle;
pub mod lockout;
pub mod notices;
pub mod number_index;
pub mod payroll;
pub mod payroll_recipient;
pub mod release;
pub mod retention;
pub mod review;
pub mod rotation;
pub mod scope;
pub mod sealing;
mod secret_token;
mod sql;
pub mod staff;
pub mod staff_lifecycle;
pub mod submissions;
#[cfg(feature = "test-support")]
pub mod test_support;
mod totp_key;
mod vault;

pub use audit::{Actor, AuditContext, AuditEvent, AuditReceipt};
pub use domain::{IllegalTransition, SubmissionState};
pub use domain::{MyNumber, MyNumberError};
pub use internal_keys::{InternalKeys, SessionKey, SessionTag};
pub use keys::{KeyFiles, Keyring, SealedNumber};
pub use number_index::NumberIndexKey;
pub use secret_token::{SecretToken, TokenError, TokenHash};
pub use submissions::{DocumentKind, SealedDocument, SealedQr};
pub use totp_key::{TotpKey, TotpKeyMismatch};
pub use vault::{Backend, Vault};

/// What can go wrong in storage. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed or refused.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database URL is neither `sqlite:` nor `postgres://`.
    #[error("database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    /// No such record in the caller's scope.
    #[error("not found")]
    NotFound,
    /// The submission's state does not allow this.
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    /// A decision needs the officer's own, unexpired claim on the submission.
    #[error("claim the submission first")]
    ClaimRequired,
    /// A concurrent change won.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The request makes no sense for the domain.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// Separation of duties forbids this caller (approving their own proposal, a role for
    /// themselves): [`domain::duties`] decides, inside the transaction that reads the
    /// proposal.
    #[error(transparent)]
    SeparationOfDuties(#[from] domain::SeparationOfDuties),
    /// An employee code already has an invitation in use (one live invitation per code).
    #[error("the employee code already has an invitation in use")]
    AlreadyInvited(String),
    /// Corrections were requested: only the items an officer flagged can change.
    #[error("only the items an officer asked to correct can change")]
    NotFlagged,
    /// A stored value does not parse: the database was changed outside Kakunin.
    #[error("corrupt stored value: {0}")]
    Corrupt(&'static str),
    /// A public instance was pointed at SQLite.
    #[error(
        "mode public needs PostgreSQL: on SQLite the public and internal sides would share one file on one host, so nothing would keep the staff side out of the public one's reach"
    )]
    PublicNeedsPostgres,
    /// A public instance found a schema other than the one it was built for.
    #[error(
        "the database schema is not the one this build expects: start an internal instance of the same version first (it migrates; a public instance never does)"
    )]
    SchemaNotCurrent,
    /// A public instance's database role reaches staff tables.
    #[error(
        "mode public connects with a role that can reach {0}: give it the role `kakunin db roles` creates (public_db_role), never the owner's"
    )]
    RoleBeyondPublicGrants(String),
}
