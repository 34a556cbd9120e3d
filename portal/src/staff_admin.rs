//! The admin's desk: staff accounts over their life (propose and approve with two admins,
//! disable, reset, enable again), payroll clients (revoke, rotate the token) and the
//! periodic access review. Templates only: the rules are `application`'s, the handlers
//! `intake-api`'s `staff_pages::accounts`. No page shows a password, a link or a token,
//! except the rotated payroll token on the one answer that made it.

use askama::Template;
use storage::access_review::AccessReview;
use storage::branches::Branch;
use storage::grants::PendingGrant;
use storage::payroll::PayrollClientOverview;
use storage::payroll_recipient::RecipientChange;
use storage::staff::Role;
use storage::staff_lifecycle::{AccountChangeKind, AccountOverview, PendingAccountChange};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::staff::{StaffFrame, jst};
use crate::{Lang, Text};

/// Who proposed what, by name: the accounts an admin page lists.
fn name_in(accounts: &[AccountOverview], id: Uuid) -> String {
    accounts
        .iter()
        .find(|a| a.account_id == id)
        .map(|a| a.username.clone())
        .unwrap_or_default()
}

fn when_opt(ms: Option<i64>) -> String {
    ms.map(jst).unwrap_or_default()
}

/// `GET /s/accounts`: every account, the proposal form, and what waits for a second admin.
#[derive(Debug, Template)]
#[template(path = "staff/accounts.html")]
pub struct AccountsPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Every account, by username.
    pub accounts: Vec<AccountOverview>,
    /// Grants waiting for a second admin.
    pub grants: Vec<PendingGrant>,
    /// Account changes waiting for a second admin.
    pub changes: Vec<PendingAccountChange>,
    /// The signed-in admin.
    pub me: Uuid,
    /// The roles the proposal form offers.
    pub roles: &'static [Role],
}

impl AccountsPage {
    /// The username of an account id (proposers).
    pub fn name_of(&self, id: &Uuid) -> String {
        name_in(&self.accounts, *id)
    }

    /// A time in Japan time, or empty.
    pub fn when(&self, ms: &Option<i64>) -> String {
        when_opt(*ms)
    }

    /// A time in Japan time.
    pub fn at(&self, ms: &i64) -> String {
        jst(*ms)
    }

    /// The code of a kind of account change (small print).
    pub fn kind_code(&self, kind: &AccountChangeKind) -> &'static str {
        kind.into()
    }
}

/// `GET /s/payroll-clients`: the payroll clients; after a rotation, its new token once.
#[derive(Debug, Template)]
#[template(path = "staff/payroll_clients.html")]
pub struct PayrollClientsPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Live and revoked clients.
    pub clients: Vec<PayrollClientOverview>,
    /// The client just rotated and its new token (shown on this answer only).
    pub new_token: Option<(String, Zeroizing<String>)>,
    /// Payroll's recipient in force, if any.
    pub recipient: Option<String>,
    /// Who approved it and when, when two admins set it (else it is the settings').
    pub recipient_approved: Option<(String, i64)>,
    /// A recipient proposal waiting, with its proposer's name.
    pub recipient_pending: Option<(RecipientChange, String)>,
    /// The signed-in admin.
    pub me: Uuid,
}

impl PayrollClientsPage {
    /// A time in Japan time, or empty.
    pub fn when(&self, ms: &Option<i64>) -> String {
        when_opt(*ms)
    }

    /// A time in Japan time.
    pub fn at(&self, ms: &i64) -> String {
        jst(*ms)
    }
}

/// One account on the review sheet.
#[derive(Debug, Clone)]
pub struct ReviewLine {
    /// The account, its rights and state.
    pub account: AccountOverview,
    /// Enabled and without a sign-in for the inactivity period.
    pub inactive: bool,
}

/// `GET /s/access-review`: every account with its rights, what waits, the sign-off form
/// and the past reviews.
#[derive(Debug, Template)]
#[template(path = "staff/access_review.html")]
pub struct AccessReviewPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Every account.
    pub lines: Vec<ReviewLine>,
    /// Grants waiting for a second admin.
    pub grants: Vec<PendingGrant>,
    /// Account changes waiting for a second admin.
    pub changes: Vec<PendingAccountChange>,
    /// Past reviews, newest first.
    pub reviews: Vec<AccessReview>,
    /// When the next review is due (Unix ms).
    pub due_at: Option<i64>,
    /// Whether it is overdue.
    pub overdue: bool,
    /// The inactivity period, in days.
    pub inactive_days: i64,
    /// The remarks typed before a refusal.
    pub remarks: String,
}

impl AccessReviewPage {
    /// A time in Japan time, or empty.
    pub fn when(&self, ms: &Option<i64>) -> String {
        when_opt(*ms)
    }

    /// A time in Japan time.
    pub fn at(&self, ms: &i64) -> String {
        jst(*ms)
    }

    /// The username of an account id (proposers).
    pub fn name_of(&self, id: &Uuid) -> String {
        self.lines
            .iter()
            .find(|l| l.account.account_id == *id)
            .map(|l| l.account.username.clone())
            .unwrap_or_default()
    }
}

/// Admin-desk labels (codes to words).
impl Lang {
    /// An account's state.
    pub fn account_state(self, a: &AccountOverview) -> &'static str {
        self.t(if a.disabled_at.is_some() {
            Text::SAccountDisabled
        } else if a.activation_pending {
            Text::SAccountActivationPending
        } else {
            Text::SAccountEnabled
        })
    }

    /// A kind of account change.
    pub fn account_change(self, kind: impl crate::text::Value<AccountChangeKind>) -> &'static str {
        self.t(match kind.value() {
            AccountChangeKind::ResetCredentials => Text::SChangeReset,
            AccountChangeKind::Enable => Text::SChangeEnable,
        })
    }

    /// Branch codes, or "none".
    pub fn scopes(self, scopes: &[String]) -> String {
        if scopes.is_empty() {
            self.t(Text::SAllScopes).to_owned()
        } else {
            scopes.join(", ")
        }
    }
}

/// `GET /s/branches`: the named branches and the form to name one.
#[derive(Debug, Template)]
#[template(path = "staff/branches.html")]
pub struct BranchesPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The named branches, by code.
    pub branches: Vec<Branch>,
}

impl BranchesPage {
    /// A Unix-ms time in Japan time.
    pub fn when(&self, ms: &i64) -> String {
        jst(*ms)
    }
}
