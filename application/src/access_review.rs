//! The periodic review of access rights (取扱者の権限の見直し): an admin sees every account
//! with its rights — role, scopes, pending grants and changes, state, last sign-in — and
//! signs the review off with remarks. The PPC guideline for businesses (別添1 安全管理措置,
//! C 組織的安全管理措置 e 取扱状況の把握及び安全管理措置の見直し; F 技術的安全管理措置 a アクセス
//! 制御) asks for it without naming an interval; the interval is
//! [`crate::StaffPolicy::access_review_interval_months`] (6 by default) and an overdue review
//! raises an alert (`storage::alerts`). Accounts without a sign-in for
//! [`crate::StaffPolicy::inactive_account_days`] (90 by default) are marked, because a right
//! nobody uses is the first one to take back.

use storage::access_review::{AccessReview, review_due_at};
use storage::grants::PendingGrant;
use storage::staff_lifecycle::{AccountOverview, PendingAccountChange};
use uuid::Uuid;

use crate::access::Admin;
use crate::app::App;
use crate::error::{AppError, Invalid};
use crate::time_jp;

/// Remarks longer than this are refused (a review note, not a report).
pub const REMARKS_MAX_CHARS: usize = 2_000;

/// One account as the review shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReviewedAccount {
    /// The account, its rights and state.
    #[serde(flatten)]
    pub account: AccountOverview,
    /// Enabled, and no successful sign-in for the inactivity period (since it was made,
    /// when it never signed in).
    pub inactive: bool,
}

/// What the review page shows.
#[derive(Debug, Clone)]
pub struct ReviewSheet {
    /// Every account.
    pub accounts: Vec<ReviewedAccount>,
    /// Grants waiting for a second admin (rights not given yet).
    pub pending_grants: Vec<PendingGrant>,
    /// Account changes waiting for a second admin.
    pub pending_changes: Vec<PendingAccountChange>,
    /// The reviews signed off, newest first.
    pub reviews: Vec<AccessReview>,
    /// When the next review is due (Unix ms), if any account exists.
    pub due_at: Option<i64>,
    /// Whether it is overdue.
    pub overdue: bool,
    /// The inactivity period in days.
    pub inactive_days: i64,
}

/// The review sheet: every account with its rights, what waits, and the past sign-offs.
pub async fn sheet(app: &App, _admin: &Admin) -> Result<ReviewSheet, AppError> {
    let policy = &app.policy.staff;
    let now = time_jp::now_millis();
    let inactive_before = now - policy.inactive_account_days * 86_400_000;
    let accounts = app
        .vault
        .account_overview()
        .await?
        .into_iter()
        .map(|account| ReviewedAccount {
            inactive: account.disabled_at.is_none()
                && account.last_sign_in_at.unwrap_or(account.created_at) < inactive_before,
            account,
        })
        .collect();
    let due_at = app
        .vault
        .access_review_counted_from()
        .await?
        .map(|from| review_due_at(from, policy.access_review_interval_months));
    Ok(ReviewSheet {
        accounts,
        pending_grants: app.vault.pending_grants().await?,
        pending_changes: app.vault.pending_account_changes().await?,
        reviews: app.vault.access_reviews(20).await?,
        overdue: due_at.is_some_and(|due| due <= now),
        due_at,
        inactive_days: policy.inactive_account_days,
    })
}

/// An admin signs the review off: the remarks are typed text (several lines, no control,
/// bidi or invisible character, at most [`REMARKS_MAX_CHARS`]; required). What the
/// admin was shown is stored with the signature, without any secret.
pub async fn sign_off(app: &App, admin: &Admin, remarks: &str) -> Result<Uuid, AppError> {
    let remarks =
        domain::typed_text::parse(remarks, domain::typed_text::Lines::Many, REMARKS_MAX_CHARS)
            .map_err(|_| AppError::Invalid(Invalid::Message))?;
    if remarks.is_empty() {
        return Err(AppError::Invalid(Invalid::Message));
    }
    let sheet = sheet(app, admin).await?;
    let snapshot = serde_json::json!({
        "accounts": sheet.accounts,
        "pending_grants": sheet.pending_grants,
        "pending_changes": sheet.pending_changes,
    });
    Ok(app
        .vault
        .sign_off_access_review(
            admin.audit(),
            admin.id().uuid(),
            i64::try_from(sheet.accounts.len()).unwrap_or(i64::MAX),
            &remarks,
            &snapshot,
        )
        .await?)
}
