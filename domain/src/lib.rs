//! Kakunin's vocabulary, shared by every layer: the parsed newtypes (a value that exists is
//! valid), the typed ids (two ids of different kinds cannot swap places), the submission's
//! states and their transitions, the kinds of document and staff role, and the stable codes
//! they are stored and exchanged as. No I/O, no SQL, no HTTP.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod code;
pub mod document;
pub mod duties;
pub mod history;
pub mod ids;
pub mod ledger;
pub mod org;
pub mod person;
pub mod role;
pub mod state;
pub mod typed_text;

pub use document::{DocumentKind, QrCheck};
pub use duties::SeparationOfDuties;
pub use history::{ChangeKind, ChangeMark};
pub use ids::{
    DisposalId, DocumentId, GrantId, IncidentId, InvitationId, PayrollClientId, PersonId,
    ReleaseId, StaffId, SubjectId, SubmissionId,
};
pub use my_number::{MyNumber, MyNumberError};
pub use role::Role;
pub use state::{IllegalTransition, SubmissionState};
