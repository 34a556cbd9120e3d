//! The record over the years (issue 17, part A): after a verification, a change holds a new
//! version of the changed person only; that person alone goes to the officer and is
//! verified with the rules of the day, everyone else keeps their verification, and payroll
//! receives the change as an added, changed or ended row (or the full current record).
//! Part B: leaving, re-hiring and per-person disposal (an ended dependant, a superseded
//! number, each on its own date, with two officers).
//! Each scenario runs on SQLite and on PostgreSQL.

use serde_json::{Value, json};
use storage::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::PersonName;
use storage::staff::Role;

use crate::helpers::{
    Db, NUMBER, OTHER_NUMBER, Spawn, TestApp, fixture, json, on_both_backends, spawn_with,
};
use crate::staff_helpers::{Staff, enrolled};

/// A newborn's number.
const NEWBORN_NUMBER: &str = "111222333446";
/// A reissued number.
const REISSUED_NUMBER: &str = "555666777885";

fn payroll_key() -> Option<&'static tests::age::AgeKey> {
    static KEY: std::sync::OnceLock<Option<tests::age::AgeKey>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        tests::age::keygen()
            .map_err(|e| crate::helpers::tool_missing("age-keygen", &e))
            .ok()
    })
    .as_ref()
}

/// An employee (E100, branch TKY) and their spouse, verified by officer A; the provider's
/// client stays signed in.
struct Verified {
    app: TestApp,
    first: Staff,
    second: Staff,
    record: String,
    own: String,
    spouse: String,
}

async fn verified_employee(db: Db) -> Option<Verified> {
    payroll_key()?;
    let app = spawn_with(Spawn {
        db,
        tweak: |s| s.payroll_recipient = payroll_key().map(|k| k.recipient.clone()),
        ..Spawn::default()
    })
    .await?;
    let created = app
        .app
        .vault
        .create_invitation(
            &AuditContext::cli(),
            &NewInvitation {
                kind: InvitationKind::Employee,
                name: PersonName::parse("山田 太郎").expect("name"),
                name_kana: None,
                email: None,
                employee_code: Some(EmployeeCode::parse("E100").expect("code")),
                branch: Some(BranchCode::parse("TKY").expect("branch")),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("invite");
    assert_eq!(
        app.sign_in(created.token.expose(), None).await.status(),
        200
    );
    let record = created.submission_id.to_string();
    let own = id_of(app.save_self(NUMBER).await, 200, "subject_id").await;
    let spouse = app
        .client
        .post(app.url("/api/v1/provider/subjects"))
        .json(&json!({
            "relationship": "spouse", "number": OTHER_NUMBER, "name": "山田 花子",
            "name_kana": "ヤマダ ハナコ", "birth_date": "1991-05-05", "identity_attested": true
        }))
        .send()
        .await
        .expect("spouse");
    let spouse = id_of(spouse, 201, "subject_id").await;
    let card = app
        .upload(
            &own,
            "my_number_card_front",
            fixture("orientation/landscape_1.jpg"),
        )
        .await;
    assert_eq!(card.status(), 201);
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    assert_eq!(claim(&app, &first).await, record);
    let verified = verify(
        &app,
        &first,
        &record,
        json!([by_card(&own), attested(&spouse)]),
    )
    .await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    Some(Verified {
        app,
        first,
        second,
        record,
        own,
        spouse,
    })
}

async fn id_of(response: reqwest::Response, status: u16, field: &str) -> String {
    let got = response.status().as_u16();
    let body = json(response).await;
    assert_eq!(got, status, "{body}");
    body[field].as_str().expect("id").to_owned()
}

fn by_card(subject: &str) -> Value {
    json!({"subject_id": subject, "number_check": "my_number_card", "identity_check": "my_number_card",
           "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]})
}

fn attested(subject: &str) -> Value {
    json!({"subject_id": subject, "number_check": "employee_attestation", "identity_check": "employee_attestation"})
}

async fn claim(app: &TestApp, officer: &Staff) -> String {
    let claimed = officer
        .post(app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim");
    id_of(claimed, 200, "submission_id").await
}

async fn verify(app: &TestApp, officer: &Staff, submission: &str, people: Value) -> (u16, Value) {
    let response = officer
        .post(
            app,
            &format!("/api/v1/officer/submissions/{submission}/verify"),
        )
        .json(&json!({ "subjects": people }))
        .send()
        .await
        .expect("verify");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The provider records a change → (change id, new version's subject id).
async fn change(app: &TestApp, body: Value) -> (String, String) {
    let response = app
        .client
        .post(app.url("/api/v1/provider/changes"))
        .json(&body)
        .send()
        .await
        .expect("change");
    let got = response.status().as_u16();
    let body = json(response).await;
    assert_eq!(got, 201, "{body}");
    (
        body["change_id"].as_str().expect("change").to_owned(),
        body["subject_id"].as_str().expect("subject").to_owned(),
    )
}

async fn upload_to_change(app: &TestApp, change: &str, subject: &str, kind: &str) {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("orientation/landscape_1.jpg"))
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    let uploaded = app
        .client
        .post(app.url(&format!(
            "/api/v1/provider/changes/{change}/subjects/{subject}/documents"
        )))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status(), 201);
}

async fn hand_in(app: &TestApp, change: &str) {
    let submitted = app
        .client
        .post(app.url(&format!("/api/v1/provider/changes/{change}/submit")))
        .send()
        .await
        .expect("submit change");
    let status = submitted.status();
    assert_eq!(status, 200, "{}", json(submitted).await);
}

/// Releases `submissions` (A proposes, B approves) and returns the CSV lines payroll opens.
async fn release(v: &Verified, submissions: &[String], mode: &str) -> Vec<Vec<String>> {
    let proposed = v
        .first
        .post(&v.app, "/api/v1/officer/releases")
        .json(&json!({"submission_ids": submissions, "purpose": tests::staff::RELEASE_PURPOSE, "note": "扶養異動", "mode": mode}))
        .send()
        .await
        .expect("propose");
    let release = id_of(proposed, 201, "release_id").await;
    v.second
        .approve_release(&v.app, &release, &v.second.step_up_code().await)
        .await;
    let sealed = v
        .second
        .post(
            &v.app,
            &format!("/api/v1/officer/releases/{release}/export"),
        )
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    let key = payroll_key().expect("key");
    let csv = tests::age::decrypt(&key.identity, &sealed).expect("age");
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[12..], ["change", "change_date"]);
    reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect()
}

/// The people of the record with their versions, as the provider sees it.
async fn record(app: &TestApp) -> Vec<Value> {
    let response = app
        .client
        .get(app.url("/api/v1/provider/record"))
        .send()
        .await
        .expect("record");
    assert_eq!(response.status(), 200);
    json(response).await["people"]
        .as_array()
        .expect("people")
        .clone()
}

fn person<'a>(people: &'a [Value], id: &str) -> &'a Value {
    people
        .iter()
        .find(|p| p["person_id"] == id)
        .unwrap_or_else(|| panic!("person {id} in {people:?}"))
}

async fn a_newborn_added_after_verification_is_verified_alone_and_released_as_an_added_row(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let (change_id, newborn) = change(
        app,
        json!({"kind": "add_dependant", "effective_on": "2026-11-20", "dependant": {
            "relationship": "child", "number": NEWBORN_NUMBER, "name": "山田 一郎",
            "name_kana": "ヤマダ イチロウ", "birth_date": "2026-11-20", "identity_attested": true
        }}),
    )
    .await;
    upload_to_change(app, &change_id, &newborn, "residence_record").await;
    hand_in(app, &change_id).await;

    // Only the newborn goes to the officer: the queue hands out the change, which holds
    // one person, and the employee and spouse keep their verification.
    assert_eq!(claim(app, &v.first).await, change_id);
    let item = json(
        v.first
            .get(app, &format!("/api/v1/officer/submissions/{change_id}"))
            .send()
            .await
            .expect("item"),
    )
    .await;
    let people = item["subjects"].as_array().expect("subjects");
    assert_eq!(people.len(), 1, "{item}");
    assert_eq!(people[0]["subject_id"], newborn.as_str());
    let verified = verify(app, &v.first, &change_id, json!([attested(&newborn)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    let original = json(
        v.first
            .get(app, &format!("/api/v1/officer/submissions/{}", v.record))
            .send()
            .await
            .expect("item"),
    )
    .await;
    assert_eq!(original["state"], "verified");
    assert_eq!(
        original["verifications"].as_array().expect("list").len(),
        2,
        "the employee and the spouse keep their verification"
    );

    let rows = release(&v, std::slice::from_ref(&change_id), "changes").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row[0], "E100");
    assert_eq!(row[3], "child");
    assert_eq!(row[4], NEWBORN_NUMBER);
    assert_eq!(row[5], "employee_attestation+employee_attestation");
    assert_eq!(row[8], newborn, "the newborn's person id");
    assert_eq!(row[12..], ["added", "2026-11-20"]);

    let people = record(app).await;
    assert_eq!(people.len(), 3);
    assert_eq!(person(&people, &newborn)["started_on"], "2026-11-20");
}

async fn a_category3_spouse_starts_and_ends(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let (start, version) = change(
        app,
        json!({"kind": "category3_start", "person_id": v.spouse, "effective_on": "2026-12-01"}),
    )
    .await;
    // The employer verifies a 第3号 spouse: without photos the change cannot be handed in.
    let early = app
        .client
        .post(app.url(&format!("/api/v1/provider/changes/{start}/submit")))
        .send()
        .await
        .expect("submit");
    assert_eq!(early.status(), 422);
    assert_eq!(json(early).await["error"]["missing"][0], "spouse_documents");
    upload_to_change(app, &start, &version, "my_number_card_front").await;
    hand_in(app, &start).await;
    assert_eq!(claim(app, &v.first).await, start);
    let refused = verify(app, &v.first, &start, json!([attested(&version)])).await;
    assert_eq!(
        refused.0, 422,
        "the employee's attestation is no check of a 第3号 spouse"
    );
    let verified = verify(app, &v.first, &start, json!([by_card(&version)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    let people = record(app).await;
    let spouse = person(&people, &v.spouse);
    assert_eq!(spouse["category3_periods"], json!([["2026-12-01", null]]));
    assert_eq!(spouse["versions"].as_array().expect("versions").len(), 2);
    assert!(spouse["versions"][0]["superseded_at"].is_i64());

    let (end, ended) = change(
        app,
        json!({"kind": "category3_end", "person_id": v.spouse, "effective_on": "2027-04-01"}),
    )
    .await;
    hand_in(app, &end).await;
    assert_eq!(claim(app, &v.first).await, end);
    let verified = verify(app, &v.first, &end, json!([attested(&ended)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    let people = record(app).await;
    assert_eq!(
        person(&people, &v.spouse)["category3_periods"],
        json!([["2026-12-01", "2027-04-01"]])
    );
    let rows = release(&v, &[start, end], "changes").await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r[8] == v.spouse && r[12] == "changed"));
    assert!(rows.iter().any(|r| r[13] == "2026-12-01"));
    assert!(rows.iter().any(|r| r[13] == "2027-04-01"));
}

async fn a_marriage_changes_the_name_and_keeps_the_old_one(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let (change_id, version) = change(
        app,
        json!({"kind": "name", "name": "佐藤 太郎", "name_kana": "サトウ タロウ", "effective_on": "2026-10-10"}),
    )
    .await;
    upload_to_change(app, &change_id, &version, "my_number_card_front").await;
    hand_in(app, &change_id).await;
    assert_eq!(claim(app, &v.first).await, change_id);
    let item = json(
        v.first
            .get(app, &format!("/api/v1/officer/submissions/{change_id}"))
            .send()
            .await
            .expect("item"),
    )
    .await;
    assert_eq!(item["subjects"][0]["name"], "佐藤 太郎");
    assert_eq!(item["subjects"][0]["former_surname"], "山田");
    // The same number on two versions of one person is no duplicate.
    let flagged = json(
        v.first
            .get(app, "/api/v1/officer/queue?flagged_duplicates=true")
            .send()
            .await
            .expect("queue"),
    )
    .await;
    assert_eq!(
        flagged["items"].as_array().map(Vec::len),
        Some(0),
        "{flagged}"
    );
    let verified = verify(app, &v.first, &change_id, json!([by_card(&version)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);

    let people = record(app).await;
    let own = person(&people, &v.own);
    let versions = own["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["name"], "山田 太郎",
        "the old name stays in the history"
    );
    assert!(versions[0]["superseded_at"].is_i64());
    assert_eq!(versions[1]["change_kind"], "name");
    let rows = release(&v, &[change_id], "snapshot").await;
    assert_eq!(rows.len(), 2, "the whole current record: {rows:?}");
    let me = rows.iter().find(|r| r[3] == "self").expect("self");
    assert_eq!(me[1], "佐藤 太郎");
    assert_eq!(me[8], v.own);
    assert_eq!(me[12..], ["", ""], "a snapshot carries no marks");
}

async fn a_reissued_number_is_exported_alone_and_the_old_one_is_superseded(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let (change_id, version) = change(
        app,
        json!({"kind": "number", "number": REISSUED_NUMBER, "effective_on": "2026-11-01"}),
    )
    .await;
    upload_to_change(app, &change_id, &version, "my_number_card_front").await;
    hand_in(app, &change_id).await;
    assert_eq!(claim(app, &v.first).await, change_id);
    let verified = verify(app, &v.first, &change_id, json!([by_card(&version)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    let people = record(app).await;
    let own = person(&people, &v.own);
    assert!(own["versions"][0]["superseded_at"].is_i64(), "{own}");
    assert_eq!(own["versions"][0]["number_saved"], true, "kept, sealed");

    let rows = release(&v, std::slice::from_ref(&change_id), "snapshot").await;
    let numbers: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert!(numbers.contains(&REISSUED_NUMBER));
    assert!(numbers.contains(&OTHER_NUMBER), "the spouse, unchanged");
    assert!(!numbers.contains(&NUMBER), "never the superseded number");
    // Nothing plaintext at rest: neither number is in the database file in the clear.
    if let Some(path) = app.db.sqlite_path() {
        for suffix in ["", "-wal"] {
            let bytes = std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default();
            for number in [NUMBER, REISSUED_NUMBER] {
                assert!(!bytes.windows(12).any(|w| w == number.as_bytes()));
            }
        }
    }
}

async fn a_change_waits_for_the_verification_and_an_officer_can_make_it(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    // Staff on the person's behalf: the spouse leaves the record.
    let ended = v
        .first
        .post(app, &format!("/api/v1/assisted/{}/changes", v.record))
        .json(
            &json!({"kind": "end_dependant", "person_id": v.spouse, "effective_on": "2026-12-31"}),
        )
        .send()
        .await
        .expect("end");
    let change_id = id_of(ended, 201, "change_id").await;
    let handed = v
        .first
        .post(app, &format!("/api/v1/assisted/{change_id}/hand-in"))
        .json(&json!({"channel": "in_person", "documents_seen": [], "note": "扶養から外れた旨を窓口で確認"}))
        .send()
        .await
        .expect("hand in");
    assert_eq!(handed.status(), 200, "{}", json(handed).await);
    // A second change of the same person waits for the first to be decided.
    let again = app
        .client
        .post(app.url("/api/v1/provider/changes"))
        .json(
            &json!({"kind": "end_dependant", "person_id": v.spouse, "effective_on": "2026-12-31"}),
        )
        .send()
        .await
        .expect("again");
    assert_eq!(again.status(), 409);
    assert_eq!(claim(app, &v.first).await, change_id);
    let verified = verify(app, &v.first, &change_id, json!([])).await;
    assert_eq!(
        verified.0, 200,
        "nothing to check for an ended dependant: {}",
        verified.1
    );
    let rows = release(&v, std::slice::from_ref(&change_id), "changes").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][8], v.spouse);
    assert_eq!(rows[0][4], "", "an ended row carries no number");
    assert_eq!(rows[0][12..], ["ended", "2026-12-31"]);
    let people = record(app).await;
    assert_eq!(person(&people, &v.spouse)["ended_on"], "2026-12-31");
    // The trail names the change, never a number.
    let trail = crate::helpers::captured_logs();
    assert!(!trail.contains(OTHER_NUMBER));
}

/// What is due now in the officer's scope (records, people and versions).
async fn due_now(app: &TestApp, officer: &Staff) -> Vec<Value> {
    let response = officer
        .get(app, "/api/v1/officer/disposals/due?notice_days=0")
        .send()
        .await
        .expect("due");
    assert_eq!(response.status(), 200);
    json(response).await["items"]
        .as_array()
        .expect("items")
        .clone()
}

async fn propose_disposal(app: &TestApp, officer: &Staff, target: &Value) -> reqwest::Response {
    officer
        .post(app, "/api/v1/officer/disposals")
        .json(target)
        .send()
        .await
        .expect("propose")
}

async fn approve_disposal(app: &TestApp, officer: &Staff, disposal: &str) -> reqwest::Response {
    officer
        .post(app, &format!("/api/v1/officer/disposals/{disposal}/approve"))
        .json(&json!({"password": crate::staff_helpers::STAFF_PASSWORD, "totp": officer.step_up_code().await}))
        .send()
        .await
        .expect("approve")
}

/// Straight from the database: (number ciphertexts, image ciphertexts) left among the
/// versions of `person` (or of the one version `subject`).
async fn ciphertexts(app: &TestApp, column: &str, id: &str) -> (i64, i64) {
    use sqlx::Connection;
    let mut db = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
    let (numbers,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM subjects WHERE {column} = $1 AND number_sealed IS NOT NULL"
    )))
    .bind(id.to_owned())
    .fetch_one(&mut db)
    .await
    .expect("numbers");
    let (images,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM documents d JOIN subjects t ON t.id = d.subject_id \
         WHERE t.{column} = $1 AND d.sealed IS NOT NULL"
    )))
    .bind(id.to_owned())
    .fetch_one(&mut db)
    .await
    .expect("images");
    (numbers, images)
}

async fn a_dependant_ended_is_disposed_on_its_own_date_while_the_employee_record_stays(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    // The spouse left 扶養 years ago (entered late, by an officer on the person's behalf).
    let ended = v
        .first
        .post(app, &format!("/api/v1/assisted/{}/changes", v.record))
        .json(
            &json!({"kind": "end_dependant", "person_id": v.spouse, "effective_on": "2015-03-31"}),
        )
        .send()
        .await
        .expect("end");
    let change_id = id_of(ended, 201, "change_id").await;
    let handed = v
        .first
        .post(app, &format!("/api/v1/assisted/{change_id}/hand-in"))
        .json(&json!({"channel": "in_person", "documents_seen": [], "note": "扶養から外れた"}))
        .send()
        .await
        .expect("hand in");
    assert_eq!(handed.status(), 200, "{}", json(handed).await);
    assert_eq!(claim(app, &v.first).await, change_id);
    let verified = verify(app, &v.first, &change_id, json!([])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    assert_eq!(ciphertexts(app, "person_id", &v.spouse).await.0, 1);

    // Due on the relationship's end date plus the retention period; the employee's record,
    // still needed, is not on the list at all.
    let due = due_now(app, &v.first).await;
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0]["person_id"], v.spouse.as_str());
    assert_eq!(due[0]["name"], "山田 花子");
    assert_eq!(due[0]["relationship"], "spouse");
    assert_eq!(due[0]["reason"], "dependant_ended");
    assert_eq!(due[0]["needed_until"], "2015-03-31");
    assert_eq!(due[0]["due_on"], "2022-03-31");
    assert_eq!(due[0]["overdue"], true);

    // The officers' page lists the dependant on a row of their own, proposed by person.
    let page = v
        .first
        .get(app, "/s/disposals")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("山田 花子"), "{page}");
    assert!(page.contains("扶養から外れた家族"));
    assert!(page.contains(&format!("name=\"person_id\" value=\"{}\"", v.spouse)));

    // Same scope rules as a record: another branch's officer finds nothing.
    let osaka = enrolled(app, "officer.osk", Role::Officer, &["OSK"]).await;
    assert!(due_now(app, &osaka).await.is_empty());
    let target = json!({"person_id": v.spouse});
    assert_eq!(propose_disposal(app, &osaka, &target).await.status(), 404);
    // The employee is no ended dependant: never disposed of alone.
    let own = propose_disposal(app, &v.first, &json!({"person_id": v.own})).await;
    assert_eq!(own.status(), 404);

    let disposal = id_of(
        propose_disposal(app, &v.first, &target).await,
        201,
        "disposal_id",
    )
    .await;
    assert_eq!(
        propose_disposal(app, &v.second, &target).await.status(),
        409,
        "one open proposal per person"
    );
    let mine = approve_disposal(app, &v.first, &disposal).await;
    assert_eq!(mine.status(), 403, "the proposer never approves");
    assert_eq!(json(mine).await["error"]["code"], "separation_of_duties");
    assert_eq!(approve_disposal(app, &osaka, &disposal).await.status(), 404);

    // Two officers approve at once: it is done once.
    let third = enrolled(app, "officer.c", Role::Officer, &["TKY"]).await;
    let (b, c) = tokio::join!(
        approve_disposal(app, &v.second, &disposal),
        approve_disposal(app, &third, &disposal)
    );
    let mut statuses = [b.status().as_u16(), c.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 404]);
    let done = if b.status() == 200 { b } else { c };
    let record = json(done).await;
    assert_eq!(record["numbers_destroyed"], 1, "{record}");
    assert_eq!(record["person_id"], v.spouse.as_str());
    assert_eq!(record["reason"], "dependant_ended");

    // In the database: the dependant's ciphertext is gone, the employee's is there.
    assert_eq!(ciphertexts(app, "person_id", &v.spouse).await, (0, 0));
    assert_eq!(ciphertexts(app, "person_id", &v.own).await, (1, 1));
    let ledger = app.app.vault.disposal_ledger().await.expect("ledger");
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].person_name.as_deref(), Some("山田 花子"));
    assert!(due_now(app, &v.first).await.is_empty());

    // The employee's record stays verified and their number still goes to payroll.
    let rows = release(&v, std::slice::from_ref(&v.record), "snapshot").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][3], "self");
    assert_eq!(rows[0][4], NUMBER);
    let trail = crate::helpers::captured_logs();
    assert!(!trail.contains(OTHER_NUMBER));
}

async fn a_reissued_numbers_old_ciphertext_is_disposed_on_its_own_date(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let (change_id, version) = change(
        app,
        json!({"kind": "number", "number": REISSUED_NUMBER, "effective_on": "2016-01-01"}),
    )
    .await;
    upload_to_change(app, &change_id, &version, "my_number_card_front").await;
    hand_in(app, &change_id).await;
    assert_eq!(claim(app, &v.first).await, change_id);
    let verified = verify(app, &v.first, &change_id, json!([by_card(&version)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    // The old number is kept, superseded, while a purpose may need it...
    assert_eq!(ciphertexts(app, "id", &v.own).await, (1, 1));
    // ...until the retention period from the reissue has run (2016 + 7 years).
    let due = due_now(app, &v.first).await;
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0]["subject_id"], v.own.as_str());
    assert_eq!(due[0]["person_id"], v.own.as_str());
    assert_eq!(due[0]["reason"], "superseded");
    assert_eq!(due[0]["relationship"], "self");
    assert_eq!(due[0]["needed_until"], "2016-01-01");
    // The current version is not due: refused.
    let current = propose_disposal(app, &v.first, &json!({"subject_id": version})).await;
    assert_eq!(current.status(), 422);

    let target = json!({"subject_id": v.own});
    let disposal = id_of(
        propose_disposal(app, &v.first, &target).await,
        201,
        "disposal_id",
    )
    .await;
    let done = approve_disposal(app, &v.second, &disposal).await;
    assert_eq!(done.status(), 200);
    let approved = json(done).await;
    assert_eq!(approved["numbers_destroyed"], 1, "{approved}");
    assert_eq!(
        approved["documents_destroyed"], 1,
        "the old version's card photo"
    );
    assert_eq!(ciphertexts(app, "id", &v.own).await, (0, 0));
    assert_eq!(ciphertexts(app, "id", &version).await, (1, 1));
    let people = record(app).await;
    let own = person(&people, &v.own);
    assert_eq!(own["versions"][0]["number_saved"], false);
    assert_eq!(own["versions"][1]["number_saved"], true);
    let rows = release(&v, std::slice::from_ref(&change_id), "snapshot").await;
    let numbers: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert!(numbers.contains(&REISSUED_NUMBER), "{rows:?}");
    assert!(!numbers.contains(&NUMBER));
}

async fn a_rehired_employee_is_linked_to_the_earlier_record(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let invite = || NewInvitation {
        kind: InvitationKind::Employee,
        name: PersonName::parse("山田 太郎").expect("name"),
        name_kana: None,
        email: None,
        employee_code: Some(EmployeeCode::parse("E100").expect("code")),
        branch: Some(BranchCode::parse("TKY").expect("branch")),
        birth_date: None,
        valid_days: 30,
    };
    // Still employed: a second invitation is refused, as before.
    let twice = app
        .app
        .vault
        .create_invitation(&AuditContext::cli(), &invite())
        .await;
    assert!(matches!(
        twice,
        Err(storage::StorageError::AlreadyInvited(_))
    ));
    // HR's leaving date, through the same CSV as ever.
    let csv = app.data_path().join("leavers.csv");
    std::fs::write(&csv, "employee_code,needed_until\nE100,2026-03-31\n").expect("csv");
    let set = intake_api::cli::run(<intake_api::cli::Cli as clap::Parser>::parse_from([
        "kakunin",
        "retention",
        "set",
        "--csv",
        &csv.display().to_string(),
        "--data-dir",
        &app.data_path().display().to_string(),
        "--database-url",
        &app.db.url,
    ]))
    .await
    .expect("retention set");
    assert_eq!(set, 0);

    // Invited again: the new collection links to the same person.
    let again = app
        .app
        .vault
        .create_invitation(&AuditContext::cli(), &invite())
        .await
        .expect("re-hire");
    assert_eq!(app.sign_in(again.token.expose(), None).await.status(), 200);
    let rehired = again.submission_id.to_string();
    let own = id_of(app.save_self(NUMBER).await, 200, "subject_id").await;
    let card = app
        .upload(
            &own,
            "my_number_card_front",
            fixture("orientation/landscape_1.jpg"),
        )
        .await;
    assert_eq!(card.status(), 201);
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    assert_eq!(claim(app, &v.first).await, rehired);
    let verified = verify(app, &v.first, &rehired, json!([by_card(&own)])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);

    // The history holds both employments: the earlier own version superseded, the earlier
    // employment's spouse ended on the leaving date (declared anew if still a dependant).
    let people = record(app).await;
    let me = person(&people, &v.own);
    let versions = me["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2, "{me}");
    assert!(versions[0]["superseded_at"].is_i64());
    assert_eq!(person(&people, &v.spouse)["ended_on"], "2026-03-31");

    // Payroll sees the same person id as before.
    let rows = release(&v, std::slice::from_ref(&rehired), "snapshot").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][3], "self");
    assert_eq!(rows[0][4], NUMBER);
    assert_eq!(
        rows[0][8], v.own,
        "the same person id as the earlier record"
    );
    let trail = app
        .app
        .vault
        .audit_entries(0, 100_000)
        .await
        .expect("trail");
    assert!(trail.iter().any(|e| e.action == "record.rehire"));
}

/// The `csrf` field of the form on a staff page.
fn page_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[at..].split('"').next().expect("value").to_owned()
}

async fn page_text(app: &TestApp, staff: &Staff, path: &str) -> (u16, String) {
    let response = staff.get(app, path).send().await.expect("page");
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

/// The staff change form as a browser sends it: the page's fields, how it was received,
/// and (if any) a photo.
fn change_page_form(csrf: &str, fields: &[(&str, &str)], photo: bool) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_owned());
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    if photo {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(fixture("orientation/landscape_1.jpg"))
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    }
    form
}

async fn post_change_page(
    app: &TestApp,
    staff: &Staff,
    path: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    staff
        .client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .expect("post")
}

/// Staff take changes in on the person's behalf on their own pages (the same use cases
/// as the provider's pages and the assisted API): the record's history, a newborn with a
/// photo and how it was received, a refused number that records nothing, a dependant
/// ended, and another branch's officer who finds nothing.
async fn staff_take_changes_on_the_persons_behalf_on_their_pages(db: Db) {
    let Some(v) = verified_employee(db).await else {
        return;
    };
    let app = &v.app;
    let record = &v.record;
    let (status, person_page) = page_text(app, &v.first, &format!("/s/people/{record}")).await;
    assert_eq!(status, 200);
    assert!(person_page.contains("id=\"changes-link\""), "{person_page}");
    let (status, history) = page_text(app, &v.first, &format!("/s/people/{record}/changes")).await;
    assert_eq!(status, 200);
    assert!(history.contains("山田 太郎") && history.contains("山田 花子"));
    assert!(history.contains("当初の収集"));

    // A number with a wrong check digit: refused at its field, nothing recorded.
    let path = format!("/s/people/{record}/changes/dependant");
    let (status, form_page) = page_text(app, &v.first, &path).await;
    assert_eq!(status, 200);
    let csrf = page_csrf(&form_page);
    let newborn = |number: &'static str| {
        vec![
            ("relationship", "child"),
            ("name", "山田 一郎"),
            ("name_kana", "ヤマダ イチロウ"),
            ("birth_date", "2026-11-20"),
            ("effective_on", "2026-11-20"),
            ("number", number),
            ("identity_attested", "1"),
            ("kind", "residence_record"),
            ("channel", "post"),
            ("documents_seen", "residence_record"),
            ("note", "出生の届出（郵送）"),
        ]
    };
    let refused = post_change_page(
        app,
        &v.first,
        &path,
        change_page_form(&csrf, &newborn("111222333447"), true),
    )
    .await;
    // (The client follows the page's 303 back to the form, which shows the refusal.)
    assert_eq!(refused.url().path(), path);
    let shown = refused.text().await.expect("html");
    assert!(shown.contains("field-error"), "{shown}");
    assert_eq!(record_people(app, &v.first, record).await.len(), 2);
    // Without the page's token: refused, nothing recorded.
    let forged = post_change_page(
        app,
        &v.first,
        &path,
        change_page_form("forged", &newborn(NEWBORN_NUMBER), true),
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(record_people(app, &v.first, record).await.len(), 2);

    // A note carrying a number: refused before anything is recorded.
    let mut with_number = newborn(NEWBORN_NUMBER);
    with_number.retain(|(name, _)| *name != "note");
    with_number.push(("note", "番号は 1112 2233 3446 です"));
    let refused = post_change_page(
        app,
        &v.first,
        &path,
        change_page_form(&csrf, &with_number, true),
    )
    .await;
    assert_eq!(refused.url().path(), path);
    assert_eq!(record_people(app, &v.first, record).await.len(), 2);

    // Another branch's officer: not found, on the pages as on a post.
    let osaka = enrolled(app, "officer.osk", Role::Officer, &["OSK"]).await;
    for page in ["changes", "changes/dependant", "changes/other"] {
        let (status, _) = page_text(app, &osaka, &format!("/s/people/{record}/{page}")).await;
        assert_eq!(status, 404, "{page}");
    }
    let (_, osaka_home) = page_text(app, &osaka, "/s/people").await;
    let osaka_csrf = page_csrf(&osaka_home);
    let cross = post_change_page(
        app,
        &osaka,
        &path,
        change_page_form(&osaka_csrf, &newborn(NEWBORN_NUMBER), true),
    )
    .await;
    assert_eq!(cross.status(), 404);
    assert_eq!(record_people(app, &v.first, record).await.len(), 2);

    // The newborn, with the photo and how it arrived: recorded, handed in, in the queue.
    let sent = post_change_page(
        app,
        &v.first,
        &path,
        change_page_form(&csrf, &newborn(NEWBORN_NUMBER), true),
    )
    .await;
    assert_eq!(sent.url().path(), format!("/s/people/{record}/changes"));
    assert!(
        sent.text()
            .await
            .expect("html")
            .contains("変更を受け付けました")
    );
    let people = record_people(app, &v.first, record).await;
    assert_eq!(people.len(), 3);
    let change_id = claim(app, &v.second).await;
    assert_ne!(&change_id, record, "the change is its own event");
    let (_, history) = page_text(app, &v.first, &format!("/s/people/{record}/changes")).await;
    assert!(history.contains("山田 一郎"));
    assert!(history.contains("扶養家族の追加"));
    // Verified alone, with the rules of the day (the employee attests the newborn).
    let newborn_version = people
        .iter()
        .find(|p| p["versions"][0]["name"] == "山田 一郎")
        .and_then(|p| p["versions"][0]["subject_id"].as_str())
        .expect("newborn")
        .to_owned();
    let verified = verify(
        app,
        &v.second,
        &change_id,
        json!([attested(&newborn_version)]),
    )
    .await;
    assert_eq!(verified.0, 200, "{}", verified.1);

    // Any other change: the spouse leaves the record, received at the desk.
    let other = format!("/s/people/{record}/changes/other");
    let (_, other_page) = page_text(app, &v.first, &other).await;
    let spouse = v.spouse.clone();
    let ended = post_change_page(
        app,
        &v.first,
        &other,
        change_page_form(
            &page_csrf(&other_page),
            &[
                ("person_id", spouse.as_str()),
                ("change_kind", "end_dependant"),
                ("effective_on", "2026-12-31"),
                ("kind", "residence_record"),
                ("channel", "in_person"),
                ("note", "扶養から外れた旨を窓口で確認"),
            ],
            false,
        ),
    )
    .await;
    assert_eq!(ended.url().path(), format!("/s/people/{record}/changes"));
    let ended_change = claim(app, &v.second).await;
    let verified = verify(app, &v.second, &ended_change, json!([])).await;
    assert_eq!(verified.0, 200, "{}", verified.1);
    let people = record_people(app, &v.first, record).await;
    assert_eq!(person(&people, &spouse)["ended_on"], "2026-12-31");
    let (_, history) = page_text(app, &v.first, &format!("/s/people/{record}/changes")).await;
    assert!(
        history.contains("2026/12/31"),
        "the end date, as a person reads it"
    );

    // The trail names the staff member who took each change in, never a number.
    let trail = app
        .app
        .vault
        .audit_entries(0, 100_000)
        .await
        .expect("trail");
    let text = format!("{trail:?}");
    assert!(!text.contains(NEWBORN_NUMBER));
}

/// The record's people as staff see them (`/api/v1/assisted/{record}/record`).
async fn record_people(app: &TestApp, staff: &Staff, record: &str) -> Vec<Value> {
    let response = staff
        .get(app, &format!("/api/v1/assisted/{record}/record"))
        .send()
        .await
        .expect("record");
    assert_eq!(response.status(), 200);
    json(response).await["people"]
        .as_array()
        .expect("people")
        .clone()
}

on_both_backends!(
    a_newborn_added_after_verification_is_verified_alone_and_released_as_an_added_row,
    a_category3_spouse_starts_and_ends,
    a_marriage_changes_the_name_and_keeps_the_old_one,
    a_reissued_number_is_exported_alone_and_the_old_one_is_superseded,
    a_change_waits_for_the_verification_and_an_officer_can_make_it,
    a_dependant_ended_is_disposed_on_its_own_date_while_the_employee_record_stays,
    a_reissued_numbers_old_ciphertext_is_disposed_on_its_own_date,
    a_rehired_employee_is_linked_to_the_earlier_record,
    staff_take_changes_on_the_persons_behalf_on_their_pages,
);
