//! The life of a submission, in one place: one function per transition.
//!
//! `invited → draft → submitted → in_review → {verified | correction_requested | rejected}`,
//! `correction_requested → resubmitted → in_review`, `verified → released`,
//! any live state → `declined`, `verified | released → disposed`.
//! An illegal transition is an error, never a silent no-op.

use serde::Serialize;

/// Where a submission stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SubmissionState {
    /// The invitation exists; nobody has opened it yet.
    Invited,
    /// The provider is entering details.
    Draft,
    /// Handed in, waiting for an officer.
    Submitted,
    /// An officer has claimed it.
    InReview,
    /// Identity confirmed (本人確認済み).
    Verified,
    /// The provider must redo some items (差戻し).
    CorrectionRequested,
    /// The provider redid them; waiting for an officer again.
    Resubmitted,
    /// Refused (e.g. suspected fraud).
    Rejected,
    /// Handed to payroll (提供済み).
    Released,
    /// The provider declined to provide (提供しない).
    Declined,
    /// Number and images destroyed after retention (廃棄済み).
    Disposed,
}

/// A transition that the current state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a submission in state {from:?} cannot be {attempted}")]
pub struct IllegalTransition {
    /// The state it was in.
    pub from: SubmissionState,
    /// What was attempted, e.g. "submitted".
    pub attempted: &'static str,
}

crate::codes!(SubmissionState);

impl SubmissionState {
    /// Whether the provider may still change details and documents.
    pub fn provider_can_edit(self) -> bool {
        matches!(
            self,
            Self::Invited | Self::Draft | Self::CorrectionRequested
        )
    }

    fn illegal(self, attempted: &'static str) -> IllegalTransition {
        IllegalTransition {
            from: self,
            attempted,
        }
    }

    /// The provider opened the invitation for the first time.
    pub fn open(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Invited => Ok(Self::Draft),
            other => Err(other.illegal("opened")),
        }
    }

    /// The provider handed in the submission (or its corrections).
    pub fn submit(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Draft => Ok(Self::Submitted),
            Self::CorrectionRequested => Ok(Self::Resubmitted),
            other => Err(other.illegal("submitted")),
        }
    }

    /// An officer claimed it for review.
    pub fn claim(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Submitted | Self::Resubmitted => Ok(Self::InReview),
            other => Err(other.illegal("claimed")),
        }
    }

    /// An officer confirmed identity.
    pub fn verify(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::InReview => Ok(Self::Verified),
            other => Err(other.illegal("verified")),
        }
    }

    /// An officer asked for corrections.
    pub fn request_correction(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::InReview => Ok(Self::CorrectionRequested),
            other => Err(other.illegal("sent back for correction")),
        }
    }

    /// An officer rejected it.
    pub fn reject(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::InReview => Ok(Self::Rejected),
            other => Err(other.illegal("rejected")),
        }
    }

    /// A claim expired or was given up without a decision.
    pub fn unclaim(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::InReview => Ok(Self::Submitted),
            other => Err(other.illegal("returned to the queue")),
        }
    }

    /// Two officers released it to payroll.
    pub fn release(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Verified => Ok(Self::Released),
            other => Err(other.illegal("released")),
        }
    }

    /// The provider declined to provide a number.
    pub fn decline(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Invited
            | Self::Draft
            | Self::Submitted
            | Self::CorrectionRequested
            | Self::Resubmitted => Ok(Self::Declined),
            other => Err(other.illegal("declined")),
        }
    }

    /// Number and images were destroyed after retention.
    pub fn dispose(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Verified | Self::Released => Ok(Self::Disposed),
            other => Err(other.illegal("disposed")),
        }
    }

    /// Number and images were destroyed because the collection ended without a record
    /// to keep: rejected, declined, or left unfinished (invited, draft, sent back) on an
    /// invitation that was revoked. Storage allows the unfinished states only once the
    /// invitation is revoked, since until then the person may still hand in.
    pub fn discard(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Rejected
            | Self::Declined
            | Self::Invited
            | Self::Draft
            | Self::CorrectionRequested => Ok(Self::Disposed),
            other => Err(other.illegal("discarded")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SubmissionState::*;
    use super::*;

    const ALL: [SubmissionState; 11] = [
        Invited,
        Draft,
        Submitted,
        InReview,
        Verified,
        CorrectionRequested,
        Resubmitted,
        Rejected,
        Released,
        Declined,
        Disposed,
    ];

    #[test]
    fn the_happy_path_and_the_correction_loop_are_allowed() {
        let verified = Invited
            .open()
            .and_then(SubmissionState::submit)
            .and_then(SubmissionState::claim)
            .and_then(SubmissionState::verify);
        assert_eq!(verified, Ok(Verified));
        assert_eq!(
            Verified.release().and_then(SubmissionState::dispose),
            Ok(Disposed)
        );
        let corrected = InReview
            .request_correction()
            .and_then(SubmissionState::submit)
            .and_then(SubmissionState::claim);
        assert_eq!(corrected, Ok(InReview));
    }

    #[test]
    fn illegal_transitions_are_errors() {
        assert!(Draft.verify().is_err());
        assert!(Submitted.release().is_err());
        assert!(Verified.submit().is_err());
        assert!(Released.decline().is_err());
        assert!(Disposed.dispose().is_err());
        assert!(Rejected.claim().is_err());
        // Only the live, undecided states can be declined.
        let declinable: Vec<_> = ALL.into_iter().filter(|s| s.decline().is_ok()).collect();
        assert_eq!(
            declinable,
            [Invited, Draft, Submitted, CorrectionRequested, Resubmitted]
        );
        // What an officer still has to decide (or has decided to keep) is never discarded.
        let discardable: Vec<_> = ALL.into_iter().filter(|s| s.discard().is_ok()).collect();
        assert_eq!(
            discardable,
            [Invited, Draft, CorrectionRequested, Rejected, Declined]
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in ALL {
            assert_eq!(SubmissionState::from_code(s.code()), Some(s));
        }
        assert_eq!(SubmissionState::from_code("bogus"), None);
    }
}
