//! The periodic review of access rights on SQLite and PostgreSQL alike: a sign-off is kept
//! with its reviewer, remarks and what it covered, audited in the same transaction; the next
//! review is counted from it (before the first, from the first account), and an overdue
//! review raises its alert once per due date.

use storage::Vault;
use storage::alerts::AlertRules;
use storage::audit::AuditContext;
use storage::on_both_backends;
use storage::staff::{NewStaffAccount, Role, Username};
use storage::test_support::TestDatabase;

on_both_backends!(
    a_sign_off_is_kept_and_audited_and_moves_the_due_date,
    an_overdue_review_raises_one_alert_per_due_date,
);

struct Fixture {
    vault: Vault,
}

impl Fixture {
    async fn new(db: &TestDatabase) -> Self {
        Self {
            vault: Vault::connect(&db.url).await.expect("connect"),
        }
    }

    async fn admin(&self) -> uuid::Uuid {
        self.vault
            .create_staff_account(
                &AuditContext::cli(),
                &NewStaffAccount {
                    username: Username::parse("admin.r").expect("username"),
                    role: Role::Admin,
                    password_hash: "$argon2id$placeholder".into(),
                    scopes: vec![],
                },
            )
            .await
            .expect("account")
    }

    /// Moves every account's creation `days` into the past (the instance's first day).
    async fn accounts_made_days_ago(&self, days: i64) {
        let at = (time::OffsetDateTime::now_utc().unix_timestamp() - days * 86_400) * 1000;
        self.vault
            .tamper_for_tests_owned(format!("UPDATE staff_accounts SET created_at = {at}"))
            .await
            .expect("age the accounts");
    }

    async fn overdue_alerts(&self) -> usize {
        self.vault
            .raise_alerts(&AlertRules::default(), 0)
            .await
            .expect("alerts")
            .iter()
            .filter(|a| a.rule == "access_review_overdue" && a.actor == "system")
            .count()
    }
}

async fn a_sign_off_is_kept_and_audited_and_moves_the_due_date(f: Fixture) {
    assert_eq!(
        f.vault.access_review_counted_from().await.expect("from"),
        None
    );
    let admin = f.admin().await;
    let first_day = f.vault.access_review_counted_from().await.expect("from");
    assert!(first_day.is_some(), "counted from the first account");
    let snapshot = serde_json::json!({ "accounts": [{ "username": "admin.r", "role": "admin" }] });
    let id = f
        .vault
        .sign_off_access_review(&AuditContext::cli(), admin, 1, "looked at all", &snapshot)
        .await
        .expect("sign off");
    let reviews = f.vault.access_reviews(10).await.expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].review_id, id);
    assert_eq!(reviews[0].reviewer, "admin.r");
    assert_eq!(reviews[0].remarks, "looked at all");
    assert_eq!(
        f.vault.access_review_counted_from().await.expect("from"),
        Some(reviews[0].reviewed_at)
    );
    let trail = f.vault.audit_entries(0, 1_000).await.expect("trail");
    let entry = trail
        .iter()
        .find(|e| e.action == "access_review.sign_off")
        .expect("audited");
    assert_eq!(
        entry.target.as_deref(),
        Some(format!("review:{id}").as_str())
    );
}

async fn an_overdue_review_raises_one_alert_per_due_date(f: Fixture) {
    let admin = f.admin().await;
    f.accounts_made_days_ago(150).await;
    assert_eq!(f.overdue_alerts().await, 0, "five months: not due yet");
    f.accounts_made_days_ago(200).await;
    assert_eq!(f.overdue_alerts().await, 1, "over six months: overdue");
    assert_eq!(f.overdue_alerts().await, 0, "raised once");
    f.vault
        .sign_off_access_review(
            &AuditContext::cli(),
            admin,
            1,
            "done",
            &serde_json::json!({}),
        )
        .await
        .expect("sign off");
    assert_eq!(f.overdue_alerts().await, 0, "signed off: due in six months");
}
