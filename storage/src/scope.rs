//! Scope: which submissions a staff member reaches. The one place the rule is written.
//!
//! Why it matters (invariant 5 of DESIGN.md): officers and branch collectors handle the
//! numbers of their own branches (or departments) only — 事務取扱担当者 are limited to the
//! 特定個人情報 of their 事務, per the PPC guideline's 人的安全管理措置 / アクセス制御. A
//! submission outside the caller's scope is indistinguishable from a missing one (`NotFound`).
//!
//! The rule: a submission is in a staff member's scope when its branch is one of the
//! branches listed for the account in `staff_scopes`. A submission without a branch is in
//! no one's scope. Three forms of the same condition, for the three ways queries are built:
//!
//! - [`in_scope!`]: a literal for SQL written at compile time, with the account bound as `$1`;
//! - [`scope_join!`]: the same as a join, for listings the planner walks branch by branch;
//! - [`push_in_scope`]: for queries built at run time ([`crate::sql::Sql`]).
//!
//! Storage hands out two handles: [`StaffVault`] (`vault.as_staff(id)`), whose disposal,
//! release and intake functions carry the condition in every query, and [`OperatorVault`]
//! (`vault.as_operator()`), the whole store, for the command line run on the server by an
//! operator (audited as `cli`) and the service's own jobs.

use uuid::Uuid;

use crate::Vault;
use crate::sql::Sql;
use domain::StaffId;

/// The scope condition on `s` (submissions); `$1` is the staff account's id.
macro_rules! in_scope {
    () => {
        "s.branch_code IN (SELECT branch_code FROM staff_scopes WHERE account_id = $1)"
    };
}
pub(crate) use in_scope;

/// The scope as a join: `FROM` this, then `WHERE sc.account_id =` the staff account.
macro_rules! scope_join {
    () => {
        "staff_scopes sc JOIN submissions s ON s.branch_code = sc.branch_code"
    };
}
pub(crate) use scope_join;

/// Whose view of the store a query takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// One staff member's branches.
    Staff(StaffId),
    /// The whole store: an operator on the server, or the service's own jobs.
    Operator,
}

/// Appends ` AND <scope>` to a query built at run time (nothing for an operator).
pub(crate) fn push_in_scope(query: &mut Sql, reach: Reach) {
    if let Reach::Staff(staff) = reach {
        query.push(
            " AND s.branch_code IN (SELECT branch_code FROM staff_scopes WHERE account_id = ",
        );
        query.push_bind(staff.to_string());
        query.push(")");
    }
}

/// The store as one staff member reaches it: only submissions of their branches.
#[derive(Debug, Clone, Copy)]
pub struct StaffVault<'v> {
    pub(crate) vault: &'v Vault,
    pub(crate) staff: StaffId,
}

impl StaffVault<'_> {
    /// Whose handle this is.
    pub fn staff(&self) -> StaffId {
        self.staff
    }

    pub(crate) fn account(&self) -> Uuid {
        self.staff.uuid()
    }
}

/// The whole store, for an operator on the server (the command line) and the service's
/// own jobs: named so that a reader sees where scope does not apply.
#[derive(Debug, Clone, Copy)]
pub struct OperatorVault<'v> {
    pub(crate) vault: &'v Vault,
}

impl Vault {
    /// The store as `staff` reaches it (see the module documentation).
    pub fn as_staff(&self, staff: StaffId) -> StaffVault<'_> {
        StaffVault { vault: self, staff }
    }

    /// The whole store, for an operator on the server or the service's own jobs.
    pub fn as_operator(&self) -> OperatorVault<'_> {
        OperatorVault { vault: self }
    }
}
