//! The auditor's desk on SQLite and PostgreSQL alike: the trail newest first in pages that
//! stay put while entries are appended, narrowed by staff member, family and time; the
//! sign-in history the same way; reviews, the unreviewed months and the overdue alert.

use storage::alerts::{AlertRules, OVERDUE_AUDIT_REVIEW};
use storage::audit::{AuditContext, AuditEvent, actions};
use storage::audit_desk::{
    ActionFamily, Direction, NewAuditReview, ReviewedLedger, SignInFilter, TrailFilter,
    jst_midnight_ms, next_month,
};
use storage::on_both_backends;
use storage::staff::{NewStaffAccount, Role, SignInAttempt, SignInOutcome, Username};
use storage::test_support::TestDatabase;
use storage::{StorageError, Vault};
use uuid::Uuid;

on_both_backends!(
    the_trail_pages_newest_first_and_a_page_stays_put_under_new_entries,
    the_trail_narrows_by_staff_member_family_and_time,
    the_sign_in_history_pages_newest_first_by_username,
    a_review_is_audited_and_closes_its_months,
    an_unreviewed_month_raises_one_alert_after_its_due_day,
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

    async fn account(&self, username: &str, role: Role) -> Uuid {
        self.vault
            .create_staff_account(
                &AuditContext::cli(),
                &NewStaffAccount {
                    username: Username::parse(username).expect("username"),
                    role,
                    password_hash: "$argon2id$placeholder".into(),
                    scopes: vec![],
                },
            )
            .await
            .expect("account")
    }

    async fn act(&self, who: Uuid, action: &'static str, n: usize) {
        let ctx = AuditContext {
            actor: storage::audit::Actor::Staff(who),
            source_ip: None,
        };
        for _ in 0..n {
            self.vault
                .record(&ctx, AuditEvent::success(action, None))
                .await
                .expect("record");
        }
    }
}

fn seqs(page: &storage::audit_desk::TrailPage) -> Vec<i64> {
    page.entries.iter().map(|e| e.seq).collect()
}

async fn the_trail_pages_newest_first_and_a_page_stays_put_under_new_entries(f: Fixture) {
    let a = f.account("auditor.a", Role::Auditor).await;
    f.act(a, actions::LEDGER_READ, 7).await;
    let mine = TrailFilter {
        staff: Some(a),
        ..TrailFilter::default()
    };
    let first = f.vault.trail_page(&mine, None, 3).await.expect("page 1");
    let s = seqs(&first);
    assert_eq!(s.len(), 3);
    assert!(s.windows(2).all(|w| w[0] > w[1]), "newest first: {s:?}");
    assert!(first.newer.is_none(), "nothing newer than the newest page");
    let older = first.older.expect("more pages");

    // New entries arrive while the auditor reads.
    f.act(a, actions::LEDGER_READ, 5).await;
    let second = f
        .vault
        .trail_page(&mine, Some((older, Direction::Older)), 3)
        .await
        .expect("page 2");
    assert_eq!(seqs(&second), vec![s[2] - 1, s[2] - 2, s[2] - 3]);
    let back = f
        .vault
        .trail_page(
            &mine,
            Some((second.newer.expect("newer"), Direction::Newer)),
            3,
        )
        .await
        .expect("back to page 1");
    assert_eq!(seqs(&back), s, "the previous page is the page read before");
    let third = f
        .vault
        .trail_page(
            &mine,
            Some((second.older.expect("page 3"), Direction::Older)),
            3,
        )
        .await
        .expect("page 3");
    assert_eq!(third.entries.len(), 1, "7 of the first batch: 3 + 3 + 1");
    assert!(third.older.is_none(), "the last page");
}

async fn the_trail_narrows_by_staff_member_family_and_time(f: Fixture) {
    let a = f.account("officer.a", Role::Officer).await;
    let b = f.account("auditor.b", Role::Auditor).await;
    f.act(a, actions::RELEASE_PROPOSE, 2).await;
    f.act(a, actions::DOCUMENT_UNSEAL, 3).await;
    f.act(b, actions::LEDGER_READ, 4).await;
    let count = |filter: TrailFilter| {
        let vault = &f.vault;
        async move {
            vault
                .trail_page(&filter, None, 100)
                .await
                .expect("page")
                .entries
                .len()
        }
    };
    assert_eq!(
        count(TrailFilter {
            staff: Some(a),
            ..Default::default()
        })
        .await,
        5
    );
    assert_eq!(
        count(TrailFilter {
            staff: Some(a),
            family: Some(ActionFamily::Unseal),
            ..Default::default()
        })
        .await,
        3
    );
    assert_eq!(
        count(TrailFilter {
            family: Some(ActionFamily::Oversight),
            ..Default::default()
        })
        .await,
        4
    );
    let now = storage::audit_desk::jst_midnight_ms(
        time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+9))
            .date(),
    );
    assert_eq!(
        count(TrailFilter {
            staff: Some(b),
            from_ms: Some(now + 86_400_000),
            ..Default::default()
        })
        .await,
        0,
        "nothing tomorrow"
    );
    assert_eq!(
        count(TrailFilter {
            staff: Some(b),
            from_ms: Some(now),
            to_ms: Some(now + 86_400_000),
            ..Default::default()
        })
        .await,
        4,
        "all of it today"
    );
    assert_eq!(
        count(TrailFilter {
            person: Some("nobody_by_this%name".into()),
            ..Default::default()
        })
        .await,
        0
    );
}

async fn the_sign_in_history_pages_newest_first_by_username(f: Fixture) {
    for (name, n) in [("officer.x", 4), ("officer.y", 2)] {
        for _ in 0..n {
            f.vault
                .record_sign_in(
                    &SignInAttempt {
                        username: name.into(),
                        account_id: None,
                        source_ip: Some("192.0.2.1".into()),
                        user_agent: None,
                        outcome: SignInOutcome::Failure,
                        reason: "unknown_user",
                    },
                    None,
                )
                .await
                .expect("attempt");
        }
    }
    let x = SignInFilter {
        username: Some("officer.x".into()),
        ..Default::default()
    };
    let first = f.vault.sign_in_page(&x, None, 3).await.expect("page");
    assert_eq!(first.lines.len(), 3);
    assert!(first.lines.iter().all(|l| l.record.username == "officer.x"));
    let rest = f
        .vault
        .sign_in_page(&x, first.older.map(|c| (c, Direction::Older)), 3)
        .await
        .expect("page 2");
    assert_eq!(rest.lines.len(), 1);
    assert!(rest.older.is_none());
    let ids: Vec<_> = first
        .lines
        .iter()
        .chain(&rest.lines)
        .map(|l| l.id.clone())
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "no attempt twice");
}

fn jst_today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date()
}

fn this_month() -> time::Date {
    let t = jst_today();
    time::Date::from_calendar_date(t.year(), t.month(), 1).expect("date")
}

fn day(month: time::Date, d: u8) -> time::Date {
    time::Date::from_calendar_date(month.year(), month.month(), d).expect("date")
}

async fn a_review_is_audited_and_closes_its_months(f: Fixture) {
    let auditor = f.account("auditor.r", Role::Auditor).await;
    let ctx = AuditContext {
        actor: storage::audit::Actor::Staff(auditor),
        source_ip: None,
    };
    let m0 = this_month();
    let m1 = next_month(m0);
    let m2 = next_month(m1);
    let later = day(m2, 15);
    assert_eq!(
        f.vault.unreviewed_audit_months(later).await.expect("gaps"),
        vec![m0, m1]
    );
    let refused = f
        .vault
        .sign_off_audit_review(
            &ctx,
            auditor,
            &NewAuditReview {
                period_from: m0,
                period_to: m1.previous_day().expect("day"),
                looked_at: vec![],
                remarks: String::new(),
            },
        )
        .await;
    assert!(
        matches!(refused, Err(StorageError::Invalid(_))),
        "looked at nothing"
    );
    f.vault
        .sign_off_audit_review(
            &ctx,
            auditor,
            &NewAuditReview {
                period_from: m0,
                period_to: m1.previous_day().expect("day"),
                looked_at: vec![ReviewedLedger::Trail, ReviewedLedger::SignIns],
                remarks: "=異常なし".into(),
            },
        )
        .await
        .expect("sign off");
    assert_eq!(
        f.vault.unreviewed_audit_months(later).await.expect("gaps"),
        vec![m1]
    );
    let reviews = f.vault.audit_reviews().await.expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].reviewed_by_name, "auditor.r");
    assert_eq!(
        reviews[0].looked_at,
        vec![ReviewedLedger::Trail, ReviewedLedger::SignIns]
    );
    let entry = f
        .vault
        .trail_page(
            &TrailFilter {
                staff: Some(auditor),
                ..Default::default()
            },
            None,
            1,
        )
        .await
        .expect("trail")
        .entries
        .remove(0);
    assert_eq!(entry.action, actions::AUDIT_REVIEW_SIGN_OFF);
    assert!(
        !entry.detail.contains("異常"),
        "remarks stay out of the trail"
    );
}

async fn an_unreviewed_month_raises_one_alert_after_its_due_day(f: Fixture) {
    let auditor = f.account("auditor.o", Role::Auditor).await;
    let rules = AlertRules::default();
    let m0 = this_month();
    let m1 = next_month(m0);
    let noon = |d: time::Date| jst_midnight_ms(d) + 12 * 3_600_000;
    assert!(
        f.vault
            .raise_overdue_audit_review(&rules, noon(day(m1, 10)))
            .await
            .expect("alerts")
            .is_none(),
        "due by the 10th: not yet overdue"
    );
    let alert = f
        .vault
        .raise_overdue_audit_review(&rules, noon(day(m1, 11)))
        .await
        .expect("alerts")
        .expect("overdue on the 11th");
    assert_eq!(alert.rule, OVERDUE_AUDIT_REVIEW);
    assert_eq!(alert.window_start, jst_midnight_ms(m0));
    assert!(
        f.vault
            .raise_overdue_audit_review(&rules, noon(day(m1, 12)))
            .await
            .expect("alerts")
            .is_none(),
        "raised once"
    );
    let ctx = AuditContext {
        actor: storage::audit::Actor::Staff(auditor),
        source_ip: None,
    };
    f.vault
        .sign_off_audit_review(
            &ctx,
            auditor,
            &NewAuditReview {
                period_from: m0,
                period_to: m1.previous_day().expect("day"),
                looked_at: vec![ReviewedLedger::Trail],
                remarks: String::new(),
            },
        )
        .await
        .expect("sign off");
    let m2 = next_month(m1);
    let next = f
        .vault
        .raise_overdue_audit_review(&rules, noon(day(m2, 11)))
        .await
        .expect("alerts")
        .expect("the next month is due in its turn");
    assert_eq!((next.window_start, next.count), (jst_midnight_ms(m1), 1));
}
