//! What the use cases run against: the store, the keys this instance holds, and the
//! policy (the knobs of the rules, read from the settings by the binary).

use serde::{Deserialize, Serialize};
use storage::sealing::Unsealer;
use storage::{InternalKeys, Keyring, Vault};

use crate::error::AppError;

/// The context of every use case.
#[derive(Debug)]
pub struct App {
    /// The store.
    pub vault: Vault,
    /// The sealing keys (no identity on a public instance).
    pub keys: Keyring,
    /// The internal side's keys (instances serving staff only; never a public one).
    pub internal: Option<InternalKeys>,
    /// The rules' settings.
    pub policy: Policy,
}

impl App {
    /// The sealing identity, on instances that may unseal.
    pub fn unsealer(&self) -> Result<&Unsealer, AppError> {
        self.keys.unsealer().ok_or(AppError::NotServedHere)
    }

    /// The internal side's keys, on instances serving staff.
    pub fn internal(&self) -> Result<&InternalKeys, AppError> {
        self.internal.as_ref().ok_or(AppError::NotServedHere)
    }
}

/// The knobs of the rules.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Staff sign-in, sessions, lockout, claims.
    pub staff: StaffPolicy,
    /// Payroll's age recipient: exports are sealed to it; no release is approved without it.
    pub payroll_recipient: Option<String>,
    /// The purposes of use a release may name: the Japanese text of each configured purpose
    /// (`[portal] purposes`, the one list the landing page and the file ledger show).
    pub release_purposes: Vec<String>,
    /// Employees must give their own address too (payees always do: their 支払調書 carries
    /// it); `[portal] employee_address_required`.
    pub employee_address_required: bool,
    /// Minutes of inactivity after which a provider's session ends.
    pub provider_session_idle_minutes: i64,
    /// Days a new or re-issued invitation link works.
    pub invitation_valid_days: i64,
}

/// Staff sign-in, sessions and the officer queue (the `[staff]` section of the settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffPolicy {
    /// Minutes of inactivity after which a staff session ends (the idle clock moves in steps
    /// of a tenth of this, at most a minute, so a session may end up to one step early).
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which a staff session ends whatever its activity.
    pub session_absolute_hours: i64,
    /// Failed sign-ins for one username within the window that lock it.
    pub lockout_failures_per_account: i64,
    /// Failed sign-ins from one address within the window that lock it.
    pub lockout_failures_per_ip: i64,
    /// The lockout window, in minutes (a lock lifts this long after the failures).
    pub lockout_minutes: i64,
    /// Failed step-up re-authentications (approvals) by one account within the lockout
    /// window that lock its step-up.
    pub step_up_failures: i64,
    /// Minutes an officer's claim on a submission lasts.
    pub claim_minutes: i64,
    /// Seconds between two rounds of deriving saved numbers' blind index and last four
    /// digits (done on the internal side only; officers' reads derive their own at once).
    pub index_interval_seconds: u64,
    /// Destroy the ID images' ciphertexts as soon as a submission is verified, keeping the
    /// decision record (which documents were checked, by whom, when). Many employers
    /// prefer to keep no copies; the images are then gone for auditors' re-checks too.
    pub destroy_images_after_verification: bool,
    /// Hours a staff activation link works (a new account's, or after a credentials reset).
    pub activation_valid_hours: i64,
    /// Calendar months between two reviews of access rights (取扱者の権限の見直し); an
    /// overdue review raises the `access_review_overdue` alert. 6 by default: the PPC
    /// guideline asks for reviews but names no interval.
    pub access_review_interval_months: u32,
    /// Days without a sign-in after which the access review highlights an account.
    pub inactive_account_days: i64,
}

impl Default for StaffPolicy {
    fn default() -> Self {
        Self {
            session_idle_minutes: 15,
            session_absolute_hours: 8,
            lockout_failures_per_account: 5,
            lockout_failures_per_ip: 20,
            lockout_minutes: 15,
            step_up_failures: 5,
            claim_minutes: 30,
            index_interval_seconds: 5,
            destroy_images_after_verification: false,
            activation_valid_hours: 72,
            access_review_interval_months: 6,
            inactive_account_days: 90,
        }
    }
}
