//! The periodic review of access rights (取扱者の権限の見直し).
//!
//! The PPC guideline for businesses (特定個人情報の適正な取扱いに関するガイドライン（事業者編）,
//! 別添1 特定個人情報に関する安全管理措置) asks that access to numbers be limited to the staff
//! who handle them (F 技術的安全管理措置 a アクセス制御; b アクセス者の識別と認証) and that how
//! they are handled be checked and the measures reviewed (C 組織的安全管理措置 e 取扱状況の把握
//! 及び安全管理措置の見直し). The guideline names no interval: the six months here is this
//! product's default, not a legal period. An admin reviews here: they see every account with its
//! role, scopes, state and last sign-in, and sign the review off with remarks. What the
//! signature covered is kept with it (a snapshot without any secret), and the sign-off is an
//! audit entry in the same transaction. How often a review is due is the application's
//! setting (`[staff] access_review_interval_months`, 6 by default); an overdue review raises
//! the `access_review_overdue` alert (`alerts.rs`).

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditEvent, actions};
use crate::invitations::parse_uuid;
use crate::vault::now_millis;
use crate::{AuditContext, StorageError, Vault};

/// A signed-off review.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReview {
    /// The review.
    pub review_id: Uuid,
    /// Who signed it off.
    pub reviewed_by: Uuid,
    /// Their username.
    pub reviewer: String,
    /// When (Unix ms).
    pub reviewed_at: i64,
    /// How many accounts it covered.
    pub accounts: i64,
    /// The reviewer's remarks (typed text, checked by the application).
    pub remarks: String,
}

impl Vault {
    /// Records a review signed off by `reviewer` over `snapshot` (what they were shown, as
    /// JSON; never a secret), audited as `access_review.sign_off` in the same transaction.
    pub async fn sign_off_access_review(
        &self,
        ctx: &AuditContext,
        reviewer: Uuid,
        accounts: i64,
        remarks: &str,
        snapshot: &serde_json::Value,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO access_reviews (id, reviewed_by, reviewed_at, accounts, remarks, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(reviewer.to_string())
        .bind(now_millis())
        .bind(accounts)
        .bind(remarks.to_owned())
        .bind(snapshot.to_string())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(actions::ACCESS_REVIEW_SIGN_OFF, format!("review:{id}"))
                .with_detail(serde_json::json!({ "accounts": accounts })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The reviews signed off, newest first (at most `limit`).
    pub async fn access_reviews(&self, limit: i64) -> Result<Vec<AccessReview>, StorageError> {
        sqlx::query(
            "SELECT r.id, r.reviewed_by, a.username, r.reviewed_at, r.accounts, r.remarks \
             FROM access_reviews r JOIN staff_accounts a ON a.id = r.reviewed_by \
             ORDER BY r.reviewed_at DESC, r.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AccessReview {
                review_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                reviewed_by: parse_uuid(&r.try_get::<String, _>("reviewed_by")?)?,
                reviewer: r.try_get("username")?,
                reviewed_at: r.try_get("reviewed_at")?,
                accounts: r.try_get("accounts")?,
                remarks: r.try_get("remarks")?,
            })
        })
        .collect()
    }

    /// From when the next review is counted: the last sign-off, or, before the first one,
    /// when the first staff account was made (the instance's first day). `None` without
    /// any account.
    pub async fn access_review_counted_from(&self) -> Result<Option<i64>, StorageError> {
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(reviewed_at) FROM access_reviews")
            .fetch_one(&self.pool)
            .await?;
        if last.is_some() {
            return Ok(last);
        }
        Ok(
            sqlx::query_scalar("SELECT MIN(created_at) FROM staff_accounts")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// When a review counted from `from` (Unix ms) falls due: `months` calendar months later in
/// Japan time (the day clamped to the month's last, 31 August + 6 months = 28/29 February).
pub fn review_due_at(from: i64, months: u32) -> i64 {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let Ok(start) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(from) * 1_000_000)
    else {
        return from;
    };
    let start = start.to_offset(jst);
    let total = i64::from(start.month() as u8 - 1) + i64::from(months);
    let year = start.year() + i32::try_from(total / 12).unwrap_or(0);
    let Ok(month) = time::Month::try_from(u8::try_from(total % 12 + 1).unwrap_or(1)) else {
        return from;
    };
    let day = start.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(date) => {
            let due = start.replace_date(date);
            i64::try_from(due.unix_timestamp_nanos() / 1_000_000).unwrap_or(from)
        }
        Err(_) => from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u8, d: u8) -> i64 {
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).expect("m"), d)
            .expect("date");
        let t = date
            .with_hms(10, 0, 0)
            .expect("time")
            .assume_offset(time::UtcOffset::from_hms(9, 0, 0).expect("jst"));
        (t.unix_timestamp_nanos() / 1_000_000) as i64
    }

    #[test]
    fn a_review_falls_due_calendar_months_later_in_japan_time() {
        assert_eq!(review_due_at(ms(2026, 5, 15), 6), ms(2026, 11, 15));
        assert_eq!(review_due_at(ms(2026, 8, 31), 6), ms(2027, 2, 28));
        assert_eq!(review_due_at(ms(2027, 8, 31), 6), ms(2028, 2, 29));
        assert_eq!(review_due_at(ms(2026, 12, 1), 12), ms(2027, 12, 1));
    }
}
