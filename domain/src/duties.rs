//! Separation of duties: what one person may not do alone. Every use case that takes two
//! people asks this module, and nothing else decides it.
//!
//! Kakunin's rule (DESIGN.md: releases to payroll, disposals and role grants take two
//! people; it implements the PPC guideline's organisational measures — 個人情報保護委員会
//! 「特定個人情報の適正な取扱いに関するガイドライン（事業者編）」別添1 安全管理措置, 組織的安全
//! 管理措置 — as dual control rather than as policy on paper):
//! - the person who proposes a release, a disposal or a role grant never approves it;
//! - nobody proposes or approves a role for themselves.
//!
//! A refusal is one error, [`SeparationOfDuties`], whatever the flow: one HTTP status and one
//! bilingual message everywhere, and an audit entry of the refusal.

use crate::ids::StaffId;

/// Which duty was asked of one person alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Duty {
    /// Approving what one proposed oneself (a release, a disposal, a grant).
    ApproveOwnProposal,
    /// Proposing a role for oneself.
    GrantToSelf,
    /// Approving a role for oneself.
    ApproveGrantToSelf,
    /// Proposing or approving a change to one's own account (a credentials reset,
    /// enabling it again).
    ChangeOwnAccount,
}

/// One person was asked to do what takes two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("separation of duties: {} takes a second person", <&'static str>::from(self.0))]
pub struct SeparationOfDuties(pub Duty);

impl SeparationOfDuties {
    /// The duty's code, for the audit entry of the refusal.
    pub fn code(self) -> &'static str {
        self.0.into()
    }
}

/// The approver of a proposal is not its proposer.
pub fn second_person(proposer: StaffId, approver: StaffId) -> Result<(), SeparationOfDuties> {
    if proposer == approver {
        Err(SeparationOfDuties(Duty::ApproveOwnProposal))
    } else {
        Ok(())
    }
}

/// A role grant is neither proposed nor approved by the account it is about (compared by
/// username: the grant may create the account).
pub fn not_about_oneself(
    actor_username: &str,
    subject_username: &str,
    duty: Duty,
) -> Result<(), SeparationOfDuties> {
    if actor_username == subject_username {
        Err(SeparationOfDuties(duty))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_never_holds_both_ends() {
        let (a, b) = (StaffId::new(), StaffId::new());
        assert!(second_person(a, b).is_ok());
        assert_eq!(
            second_person(a, a),
            Err(SeparationOfDuties(Duty::ApproveOwnProposal))
        );
        assert!(not_about_oneself("alice", "bob", Duty::GrantToSelf).is_ok());
        assert_eq!(
            not_about_oneself("alice", "alice", Duty::GrantToSelf).map_err(|e| e.code()),
            Err("grant_to_self")
        );
    }
}
