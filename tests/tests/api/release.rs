//! Release to payroll with dual control, and the age-sealed export payroll opens with the
//! standard `age` tool.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use sqlx::Connection;
use storage::staff::Role;

use crate::helpers::{NUMBER, Spawn, json, spawn_with, tool_missing};
use crate::staff_helpers::{STAFF_PASSWORD, claim_and_verify, enrolled, submitted_as};

/// Payroll's key pair, made with `age-keygen` once per test process.
struct PayrollKey {
    _dir: tempfile::TempDir,
    identity: std::path::PathBuf,
    recipient: String,
}

static PAYROLL: OnceLock<Option<PayrollKey>> = OnceLock::new();

fn payroll_key() -> Option<&'static PayrollKey> {
    PAYROLL
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tmp");
            let identity = dir.path().join("payroll.key");
            match std::process::Command::new("age-keygen")
                .arg("-o")
                .arg(&identity)
                .output()
            {
                Ok(out) if out.status.success() => {}
                Ok(out) => panic!(
                    "age-keygen failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(e) => {
                    tool_missing("age-keygen", &e);
                    return None;
                }
            }
            let text = std::fs::read_to_string(&identity).expect("key");
            let recipient = text
                .lines()
                .find_map(|l| l.strip_prefix("# public key: "))
                .expect("public key line")
                .to_owned();
            Some(PayrollKey {
                _dir: dir,
                identity,
                recipient,
            })
        })
        .as_ref()
}

#[tokio::test]
async fn two_officers_release_and_payroll_opens_exactly_the_released_records() {
    let Some(key) = payroll_key() else { return };
    let app = spawn_with(Spawn {
        tweak: |s| s.payroll_recipient = payroll_key().map(|k| k.recipient.clone()),
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let handed = vec![
        submitted_as(&app, "TKY", "E001").await,
        submitted_as(&app, "TKY", "E002").await,
        submitted_as(&app, "TKY", "E003").await,
    ];
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let mut verified = Vec::new();
    for _ in 0..3 {
        verified.push(claim_and_verify(&app, &first, &handed).await);
    }
    let released = &verified[..2];

    let proposed = first
        .post(&app, "/api/v1/officer/releases")
        .json(&serde_json::json!({"submission_ids": released, "purpose": "年末調整 (year-end adjustment)"}))
        .send()
        .await
        .expect("propose");
    assert_eq!(proposed.status(), 201);
    let release_id = json(proposed).await["release_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let approve_path = format!("/api/v1/officer/releases/{release_id}/approve");

    // The proposer can never approve, even with the right password and code.
    let own = first
        .post(&app, &approve_path)
        .json(&serde_json::json!({"password": STAFF_PASSWORD, "totp": first.next_code()}))
        .send()
        .await
        .expect("approve");
    assert_eq!(own.status(), 403);
    // The second officer must give password and TOTP again.
    let wrong = second
        .post(&app, &approve_path)
        .json(&serde_json::json!({"password": "not my passphrase at all", "totp": second.next_code()}))
        .send()
        .await
        .expect("approve");
    assert_eq!(wrong.status(), 401);
    let approved = second
        .post(&app, &approve_path)
        .json(&serde_json::json!({"password": STAFF_PASSWORD, "totp": second.next_code()}))
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 200);
    let approved = json(approved).await;
    assert_eq!(approved["records"], 2);

    let export_path = format!("/api/v1/officer/releases/{release_id}/export");
    let download = second
        .get(&app, &export_path)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    let sealed = download.bytes().await.expect("bytes").to_vec();
    assert!(sealed.starts_with(b"age-encryption.org/v1"));
    assert!(!sealed.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()));
    let again = first
        .get(&app, &export_path)
        .send()
        .await
        .expect("download");
    assert_eq!(again.status(), 410, "downloadable once");

    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("export.csv.age");
    std::fs::write(&file, &sealed).expect("write");
    let out = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(&key.identity)
        .arg(&file)
        .output()
        .expect("age");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "employee_code,name,furigana,relationship,number,verification_method,checker,date"
    );
    assert_eq!(
        lines.len(),
        3,
        "exactly the two released records: {lines:?}"
    );
    let mut codes: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().expect("code"))
        .collect();
    codes.sort_unstable();
    let expected: Vec<&str> = handed
        .iter()
        .filter(|h| released.contains(&h.submission_id))
        .map(|h| {
            ["E001", "E002", "E003"][handed
                .iter()
                .position(|x| x.submission_id == h.submission_id)
                .expect("pos")]
        })
        .collect();
    assert_eq!(codes, expected);
    for line in &lines[1..] {
        assert!(
            line.contains(NUMBER)
                && line.contains("officer.a")
                && line.contains("my_number_card+my_number_card")
        );
    }

    // The export ledger names both officers, the records, the recipient and the hash.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
    let (count, recipient, sha, officers): (i64, String, Vec<u8>, String) = sqlx::query_as(
        "SELECT record_count, recipient, sha256, officers FROM export_ledger WHERE release_id = $1",
    )
    .bind(release_id.clone())
    .fetch_one(&mut conn)
    .await
    .expect("ledger row");
    assert_eq!(count, 2);
    assert_eq!(recipient, key.recipient);
    assert_eq!(sha, Sha256::digest(&sealed).to_vec());
    assert!(officers.contains("approved_by") && officers.contains("proposed_by"));
    let (state,): (String,) = sqlx::query_as("SELECT state FROM submissions WHERE id = $1")
        .bind(verified[2].clone())
        .fetch_one(&mut conn)
        .await
        .expect("state");
    assert_eq!(state, "verified", "the unreleased one stays");
}
