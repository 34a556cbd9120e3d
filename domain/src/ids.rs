//! Typed ids: a submission's id and a person's id are both UUIDs, but never the same thing.
//! Each is a newtype over the UUID with the same text form (what the database and the API
//! hold), so a function taking a `SubjectId` cannot be handed a `SubmissionId`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    )*};
}

typed_id! {
    /// A submission: one collection from one person (with their dependants).
    SubmissionId;
    /// A person on a submission: the provider or a dependant (one version of a person).
    SubjectId;
    /// A person over the years (an employee, a payee or a dependant): the stable id their
    /// versions share.
    PersonId;
    /// A stored document photo.
    DocumentId;
    /// A staff account.
    StaffId;
    /// An invitation (its link is a secret token; this is not).
    InvitationId;
    /// A release to payroll.
    ReleaseId;
    /// A disposal (proposed, then approved).
    DisposalId;
    /// A role grant (proposed by one admin, decided by another).
    GrantId;
    /// An incident record.
    IncidentId;
    /// A payroll system's machine client.
    PayrollClientId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_prints_as_its_uuid() {
        let id = SubmissionId::new();
        let text = id.to_string();
        assert_eq!(text.parse::<SubmissionId>().expect("parse"), id);
        assert_eq!(Uuid::from(id).to_string(), text);
        assert_eq!(
            serde_json::to_string(&id).expect("json"),
            format!("\"{text}\"")
        );
        assert!("not-a-uuid".parse::<SubjectId>().is_err());
    }
}
