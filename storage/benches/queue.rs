//! The officer's queue under a large backlog: 100,000 submissions (10 branches, every
//! state, 1 % flagged duplicates) seeded into a fresh database, then one page of the
//! queue (200 lines, oldest first) timed 300 times per case on the warm database.
//!
//! `cargo bench -p storage --bench queue` (SQLite);
//! `KAKUNIN_BENCH_BACKEND=postgres cargo bench -p storage --bench queue` (the PostgreSQL
//! at `KAKUNIN_TEST_POSTGRES_URL`). `KAKUNIN_BENCH_SUBMISSIONS` changes the size.
//! Prints p50, p95 and max per case; the target is p95 ≤ 50 ms.

use std::time::{Duration, Instant};

use storage::AuditContext;
use storage::org::BranchCode;
use storage::review::QueueQuery;
use storage::staff::{NewStaffAccount, Role};
use storage::test_support::{Backlog, TestDatabase};
use storage::{SubmissionState, Vault};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("KAKUNIN_BENCH_SUBMISSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let postgres = std::env::var("KAKUNIN_BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    let db = if postgres {
        TestDatabase::postgres().await.expect("PostgreSQL")
    } else {
        TestDatabase::sqlite()
    };
    let vault = Vault::connect(&db.url).await.expect("connect");
    let officer = |name: &'static str, branches: Vec<String>| {
        let vault = &vault;
        async move {
            vault
                .create_staff_account(
                    &AuditContext::cli(),
                    &NewStaffAccount {
                        username: storage::staff::Username::parse(name).expect("username"),
                        role: Role::Officer,
                        password_hash: "$argon2id$bench".into(),
                        scopes: branches
                            .iter()
                            .map(|b| BranchCode::parse(b).expect("code"))
                            .collect(),
                    },
                )
                .await
                .expect("officer")
        }
    };
    let one_branch = officer("officer.one", vec!["B00".into()]).await;
    let all_branches = officer("officer.all", (0..10).map(|b| format!("B{b:02}")).collect()).await;
    // Accounts first, so the statistics gathered after seeding (ANALYZE) cover them too.
    let seeding = Instant::now();
    vault
        .seed_backlog_for_bench(Backlog {
            submissions: n,
            branches: 10,
            duplicate_every: 100,
        })
        .await
        .expect("seed");
    println!(
        "backend {}, {n} submissions seeded in {:.1} s",
        if postgres { "postgres" } else { "sqlite" },
        seeding.elapsed().as_secs_f64()
    );
    let open = vec![
        SubmissionState::Submitted,
        SubmissionState::Resubmitted,
        SubmissionState::InReview,
    ];
    let cases: Vec<(&str, uuid::Uuid, QueueQuery)> = vec![
        (
            "open, 1 branch in scope (10 %)",
            one_branch,
            QueueQuery {
                states: open.clone(),
                ..Default::default()
            },
        ),
        (
            "open, 10 branches in scope (100 %)",
            all_branches,
            QueueQuery {
                states: open.clone(),
                ..Default::default()
            },
        ),
        (
            "open, one branch filtered",
            all_branches,
            QueueQuery {
                states: open.clone(),
                branch: Some("B03".into()),
                ..Default::default()
            },
        ),
        (
            "flagged duplicates only",
            all_branches,
            QueueQuery {
                states: open.clone(),
                duplicates_only: true,
                ..Default::default()
            },
        ),
        (
            "older than 30 days",
            all_branches,
            QueueQuery {
                states: open.clone(),
                submitted_before: Some(1_700_000_000_000 + 50_000_000),
                ..Default::default()
            },
        ),
        (
            "declined",
            all_branches,
            QueueQuery {
                states: vec![SubmissionState::Declined],
                ..Default::default()
            },
        ),
    ];
    println!("| case | lines | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|");
    for (name, who, query) in cases {
        if std::env::var("KAKUNIN_BENCH_EXPLAIN").is_ok() {
            for line in vault.queue_plan_for_bench(who, &query).await.expect("plan") {
                eprintln!("  plan [{name}]: {line}");
            }
        }
        let mut times = Vec::new();
        let mut lines = 0;
        for i in 0..310 {
            let start = Instant::now();
            let page = vault
                .as_staff(who.into())
                .queue_page(&query)
                .await
                .expect("queue");
            if i >= 10 {
                times.push(start.elapsed());
            }
            lines = page.len();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {name} | {lines} | {:.1} | {:.1} | {:.1} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().expect("times"))
        );
    }
    vault.close().await;
}
