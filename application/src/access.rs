//! Who may do what: every access decision of Kakunin, in one place.
//!
//! Why this is security-sensitive: the numbers of a whole company sit behind these checks.
//! Invariant 5 of DESIGN.md: a provider reaches only its own submission, a branch collector
//! only its branch, an officer only its departments and branches, and admins and auditors
//! never see a number or an image. So:
//!
//! - a use case never takes a bare staff account: it takes a capability — [`Officer`],
//!   [`Assistant`], [`Admin`], [`Overseer`], [`SignedIn`] — that only the functions of this
//!   module make, after checking the role and that the second factor was passed;
//! - the capabilities of the staff who handle numbers hand out a storage handle bound to
//!   the caller ([`Officer::vault`], [`Assistant::vault`]), whose every query carries the
//!   scope condition (`storage::scope`): out of scope is `NotFound`, like something that
//!   does not exist;
//! - what takes two people is decided by `domain::duties`, inside storage's transaction.
//!
//! | capability | roles | second factor |
//! |---|---|---|
//! | [`Officer`] | officer | required |
//! | [`Assistant`] (takes a submission in on a person's behalf) | officer, collector | where the role has one |
//! | [`Admin`] | admin | required |
//! | [`Overseer`] (the trail, ledgers, alerts, incidents) | auditor, admin | required |
//! | [`Auditor`] (signs off the periodic audit review, 監査責任者) | auditor | required |
//! | [`SignedIn`] (own account: sign out, enrol TOTP) | any | — |

use domain::{Role, StaffId};
use storage::scope::StaffVault;
use storage::staff::StaffSession;
use storage::{AuditContext, Vault};

use crate::error::AppError;

/// A signed-in staff member, as a session says (its role read fresh at every request).
#[derive(Debug, Clone)]
pub struct Staff {
    /// The account.
    pub id: StaffId,
    /// Its sign-in name.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// Whether the second factor was passed in this session.
    pub second_factor_done: bool,
    /// Who and from where, for the audit trail.
    pub audit: AuditContext,
}

impl Staff {
    /// The caller of a live session, from the address `source_ip`.
    pub fn of_session(session: &StaffSession, source_ip: Option<String>) -> Self {
        Self {
            id: session.account_id.into(),
            username: session.username.clone(),
            role: session.role,
            second_factor_done: session.second_factor_done,
            audit: session.audit_context(source_ip),
        }
    }

    fn past_second_factor(&self) -> Result<(), AppError> {
        if !self.second_factor_done {
            Err(AppError::SecondFactorRequired)
        } else {
            Ok(())
        }
    }

    fn with_role(self, allowed: &[Role]) -> Result<Self, AppError> {
        self.past_second_factor()?;
        if allowed.contains(&self.role) {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

macro_rules! capability {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(Staff);

        impl $name {
            /// The staff member.
            pub fn staff(&self) -> &Staff {
                &self.0
            }

            /// The account.
            pub fn id(&self) -> StaffId {
                self.0.id
            }

            /// Who and from where, for the audit trail.
            pub fn audit(&self) -> &AuditContext {
                &self.0.audit
            }
        }
    };
}

capability!(
    /// An officer (事務取扱担当者) past the second factor: the queue, decisions, releases and
    /// disposals, in their branches.
    Officer
);
capability!(
    /// An officer or a branch collector past the second factor where the role has one: takes a
    /// submission in on a person's behalf, in their branches.
    Assistant
);
capability!(
    /// An admin past the second factor: accounts, invitations, settings; never a number.
    Admin
);
capability!(
    /// An auditor or an admin past the second factor: the trail, ledgers, alerts and incident
    /// records; never a number or an image.
    Overseer
);
capability!(
    /// An auditor (監査責任者) past the second factor: signs off the periodic audit review.
    /// Admins read the same pages but cannot sign off: the review checks their work too.
    Auditor
);
capability!(
    /// Any staff member with a live session (own account only: sign out, enrol a second
    /// factor). Holds no right over anyone's data.
    SignedIn
);

impl Officer {
    /// The store as this officer reaches it: their branches only.
    pub fn vault<'v>(&self, vault: &'v Vault) -> StaffVault<'v> {
        vault.as_staff(self.0.id)
    }
}

impl Assistant {
    /// The store as this staff member reaches it: their branches only.
    pub fn vault<'v>(&self, vault: &'v Vault) -> StaffVault<'v> {
        vault.as_staff(self.0.id)
    }
}

/// An officer, or why not.
pub fn officer(staff: Staff) -> Result<Officer, AppError> {
    staff.with_role(&[Role::Officer]).map(Officer)
}

/// An officer or a branch collector, or why not.
pub fn assistant(staff: Staff) -> Result<Assistant, AppError> {
    staff
        .with_role(&[Role::Officer, Role::Collector])
        .map(Assistant)
}

/// An admin, or why not.
pub fn admin(staff: Staff) -> Result<Admin, AppError> {
    staff.with_role(&[Role::Admin]).map(Admin)
}

/// An auditor or an admin, or why not.
pub fn overseer(staff: Staff) -> Result<Overseer, AppError> {
    staff.with_role(&[Role::Auditor, Role::Admin]).map(Overseer)
}

/// An auditor, or why not.
pub fn auditor(staff: Staff) -> Result<Auditor, AppError> {
    staff.with_role(&[Role::Auditor]).map(Auditor)
}

/// Any staff member past the second factor (or a collector), or why not.
pub fn past_second_factor(staff: Staff) -> Result<SignedIn, AppError> {
    staff.past_second_factor()?;
    Ok(SignedIn(staff))
}

/// Any staff member with a live session, second factor or not (TOTP enrolment, sign-out).
pub fn signed_in(staff: Staff) -> SignedIn {
    SignedIn(staff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, second_factor_done: bool) -> Staff {
        Staff {
            id: StaffId::new(),
            username: "someone".into(),
            role,
            second_factor_done,
            audit: AuditContext::cli(),
        }
    }

    #[test]
    fn each_capability_takes_its_roles_past_the_second_factor() {
        assert!(officer(staff(Role::Officer, true)).is_ok());
        assert!(matches!(
            officer(staff(Role::Officer, false)),
            Err(AppError::SecondFactorRequired)
        ));
        for role in [Role::Collector, Role::Auditor, Role::Admin] {
            assert!(matches!(
                officer(staff(role, true)),
                Err(AppError::Forbidden)
            ));
        }
        assert!(
            matches!(
                assistant(staff(Role::Collector, false)),
                Err(AppError::SecondFactorRequired)
            ),
            "collectors enrol TOTP like everyone"
        );
        assert!(assistant(staff(Role::Collector, true)).is_ok());
        assert!(assistant(staff(Role::Officer, true)).is_ok());
        assert!(matches!(
            assistant(staff(Role::Admin, true)),
            Err(AppError::Forbidden)
        ));
        assert!(admin(staff(Role::Admin, true)).is_ok());
        assert!(overseer(staff(Role::Auditor, true)).is_ok());
        assert!(overseer(staff(Role::Admin, true)).is_ok());
        assert!(matches!(
            overseer(staff(Role::Officer, true)),
            Err(AppError::Forbidden)
        ));
        assert!(auditor(staff(Role::Auditor, true)).is_ok());
        assert!(matches!(
            auditor(staff(Role::Admin, true)),
            Err(AppError::Forbidden)
        ));
    }
}
