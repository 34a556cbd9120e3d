//! The annual re-confirmation (年末調整, issue 17 part B): an admin opens a campaign over
//! the verified employees; each answers 「変更なし」 in one tap or hands in a change (which
//! alone goes to the officer); progress per branch; closing lists who did not answer; a
//! reminder through the real relay carries no name, number or link. Each scenario runs on
//! SQLite and on PostgreSQL (the relay's on SQLite, as the other relay tests).

use serde_json::{Value, json};
use storage::AuditContext;
use storage::MyNumber;
use storage::invitations::{EmailAddress, InvitationKind, NewInvitation};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::PersonName;
use storage::staff::Role;

use crate::helpers::{
    Db, Spawn, TestApp, delivered, fixture, json, on_both_backends, spawn_with, spawn_with_relay,
};
use crate::staff_helpers::{Staff, create_staff, enrolled};

/// A valid number, distinct for each `index`.
fn number(index: u64) -> String {
    let eleven = format!("{:011}", 27_182_818_000 + index * 7_919);
    (0..=9)
        .map(|d| format!("{eleven}{d}"))
        .find(|n| MyNumber::parse(n).is_ok())
        .expect("one check digit fits")
}

/// One employee of the roster: their verified record and number.
struct Employee {
    code: &'static str,
    name: &'static str,
    record: String,
    number: String,
}

/// An employee invited (by the console), who hands in their details and card through
/// `app.client`, and whom `officer` verifies.
async fn verified_employee(
    app: &TestApp,
    officer: &Staff,
    k: u64,
    (code, name, branch): (&'static str, &'static str, &str),
    email: Option<&str>,
) -> Employee {
    let created = app
        .app
        .vault
        .create_invitation(
            &AuditContext::cli(),
            &NewInvitation {
                kind: InvitationKind::Employee,
                name: PersonName::parse(name).expect("name"),
                name_kana: None,
                email: email.map(|e| EmailAddress::parse(e).expect("address")),
                employee_code: Some(EmployeeCode::parse(code).expect("code")),
                branch: Some(BranchCode::parse(branch).expect("branch")),
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
    let number = number(k);
    let saved = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .json(&json!({"number": number, "name": name, "name_kana": "ヤマダ タロウ", "birth_date": "1990-04-01"}))
        .send()
        .await
        .expect("save");
    assert_eq!(saved.status(), 200);
    let own = json(saved).await["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
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
    let record = created.submission_id.to_string();
    assert_eq!(claim(app, officer).await.as_deref(), Some(record.as_str()));
    let verified = officer
        .post(app, &format!("/api/v1/officer/submissions/{record}/verify"))
        .json(&json!({"subjects": [{"subject_id": own, "number_check": "my_number_card", "identity_check": "my_number_card",
            "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]}]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 200, "{}", json(verified).await);
    Employee {
        code,
        name,
        record,
        number,
    }
}

/// The next submission the officer claims (`None`: nothing waits).
async fn claim(app: &TestApp, officer: &Staff) -> Option<String> {
    let claimed = officer
        .post(app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim");
    if claimed.status() == 204 {
        return None;
    }
    assert_eq!(claimed.status(), 200);
    json(claimed).await["submission_id"]
        .as_str()
        .map(str::to_owned)
}

/// Opens a campaign as `admin` → its body (201 asserted).
async fn open(app: &TestApp, admin: &Staff, body: Value) -> Value {
    let opened = admin
        .post(app, "/api/v1/admin/campaigns")
        .json(&body)
        .send()
        .await
        .expect("open");
    let status = opened.status();
    let body = json(opened).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// The link's token of the employee `code` in an opened campaign's items.
fn token_of(opened: &Value, code: &str) -> String {
    opened["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["employee_code"] == code)
        .unwrap_or_else(|| panic!("{code} in {opened}"))["url"]
        .as_str()
        .expect("url")
        .rsplit_once("/i/")
        .expect("link")
        .1
        .to_owned()
}

async fn no_change(app: &TestApp) -> (u16, Value) {
    let answered = app
        .client
        .post(app.url("/api/v1/provider/campaign/no-change"))
        .send()
        .await
        .expect("no change");
    let status = answered.status().as_u16();
    (status, json(answered).await)
}

async fn progress(app: &TestApp, admin: &Staff, id: &str) -> Value {
    let got = admin
        .get(app, &format!("/api/v1/admin/campaigns/{id}"))
        .send()
        .await
        .expect("progress");
    assert_eq!(got.status(), 200);
    json(got).await
}

fn branch<'a>(summary: &'a Value, code: &str) -> &'a Value {
    summary["progress"]
        .as_array()
        .expect("progress")
        .iter()
        .find(|p| p["branch"] == code)
        .unwrap_or_else(|| panic!("{code} in {summary}"))
}

async fn a_campaign_with_no_change_a_change_and_no_answer(db: Db) {
    let Some(app) = spawn_with(Spawn {
        db,
        ..Spawn::default()
    })
    .await
    else {
        return;
    };
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY", "OSK"]).await;
    let admin = enrolled(&app, "hr.admin", Role::Admin, &[]).await;
    let roster = [
        ("C1", "佐藤 一郎", "TKY"),
        ("C2", "鈴木 花子", "TKY"),
        ("C3", "高橋 次郎", "OSK"),
    ];
    // Someone who has left (HR's leaving date, before today) is not asked (made first:
    // the client's session is the last employee's).
    let leaver = verified_employee(&app, &officer, 3, ("C4", "渡辺 退職", "TKY"), None).await;
    let left = officer
        .put(
            &app,
            &format!("/api/v1/officer/submissions/{}/needed-until", leaver.record),
        )
        .json(&json!({"needed_until": "2026-06-30"}))
        .send()
        .await
        .expect("leaving date");
    assert!(left.status().is_success(), "{}", left.status());

    let mut employees = Vec::new();
    for (k, who) in roster.into_iter().enumerate() {
        employees.push(verified_employee(&app, &officer, k as u64, who, None).await);
    }
    // Someone invited who never handed in is not asked to re-confirm.
    app.app
        .vault
        .create_invitation(
            &AuditContext::cli(),
            &NewInvitation {
                kind: InvitationKind::Employee,
                name: PersonName::parse("田中 未提出").expect("name"),
                name_kana: None,
                email: None,
                employee_code: Some(EmployeeCode::parse("C9").expect("code")),
                branch: Some(BranchCode::parse("TKY").expect("branch")),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("invite");

    // Neither an officer nor a collector opens a campaign or reads one.
    create_staff(&app, "collector.t", Role::Collector, &["TKY"]).await;
    let collector = tests::staff::sign_in_and_enrol(&app, "collector.t").await;
    for who in [&officer, &collector] {
        let refused = who
            .post(&app, "/api/v1/admin/campaigns")
            .json(&json!({"year": 2026}))
            .send()
            .await
            .expect("open");
        assert_eq!(refused.status(), 403, "{}", who.username);
        let listed = who
            .get(&app, "/api/v1/admin/campaigns")
            .send()
            .await
            .expect("list");
        assert_eq!(listed.status(), 403);
    }
    // Nor does an employee, signed in with their link.
    let as_provider = app
        .client
        .get(app.url("/api/v1/admin/campaigns"))
        .send()
        .await
        .expect("list");
    assert_eq!(as_provider.status(), 401);

    let opened = open(&app, &admin, json!({"year": 2026})).await;
    assert_eq!(opened["employees"], 3, "{opened}");
    assert!(
        opened["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["employee_code"] != "C4"),
        "the leaver is not in the campaign: {opened}"
    );
    let id = opened["id"].as_str().expect("id").to_owned();
    // The earlier link stops working: the campaign's link replaces it.
    let first = &employees[0];
    assert_eq!(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status")
            .status(),
        401,
        "the old link's session ended"
    );

    // C1: 「変更なし」, once; a second tap changes nothing.
    let token = token_of(&opened, first.code);
    let signed_in = app.sign_in(&token, None).await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(
        json(signed_in).await["submission_id"],
        first.record.as_str()
    );
    let mine = json(
        app.client
            .get(app.url("/api/v1/provider/campaign"))
            .send()
            .await
            .expect("campaign"),
    )
    .await;
    assert_eq!(mine["campaign"]["year"], 2026);
    assert_eq!(mine["campaign"]["answer"], Value::Null);
    assert_eq!(
        no_change(&app).await,
        (200, json!({"answer": "no_change", "outcome": "recorded"}))
    );
    assert_eq!(
        no_change(&app).await,
        (
            200,
            json!({"answer": "no_change", "outcome": "already_answered"})
        )
    );
    // The status page says so, without a number.
    let page = app
        .client
        .get(app.url("/p/status"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("「変更なし」で回答しました"), "{page}");
    assert!(!page.contains(&first.number));

    // C2: a newborn, handed in: that is the answer, and the newborn alone is queued.
    let second = &employees[1];
    assert_eq!(
        app.sign_in(&token_of(&opened, second.code), None)
            .await
            .status(),
        200
    );
    let changed = app
        .client
        .post(app.url("/api/v1/provider/changes"))
        .json(&json!({"kind": "add_dependant", "effective_on": "2026-11-20", "dependant": {
            "relationship": "child", "number": number(50), "name": "鈴木 一郎",
            "name_kana": "スズキ イチロウ", "birth_date": "2026-11-20", "identity_attested": true
        }}))
        .send()
        .await
        .expect("change");
    assert_eq!(changed.status(), 201);
    let change_id = json(changed).await["change_id"]
        .as_str()
        .expect("change")
        .to_owned();
    let handed = app
        .client
        .post(app.url(&format!("/api/v1/provider/changes/{change_id}/submit")))
        .send()
        .await
        .expect("hand in");
    assert_eq!(handed.status(), 200, "{}", json(handed).await);
    let mine = json(
        app.client
            .get(app.url("/api/v1/provider/campaign"))
            .send()
            .await
            .expect("campaign"),
    )
    .await;
    assert_eq!(mine["campaign"]["answer"], "changed");
    assert_eq!(claim(&app, &officer).await, Some(change_id.clone()));
    let item = json(
        officer
            .get(&app, &format!("/api/v1/officer/submissions/{change_id}"))
            .send()
            .await
            .expect("item"),
    )
    .await;
    assert_eq!(item["subjects"].as_array().map(Vec::len), Some(1), "{item}");
    assert_eq!(claim(&app, &officer).await, None, "nobody else waits");

    // Progress per branch, then closing: C3 did not answer.
    let summary = progress(&app, &admin, &id).await;
    assert_eq!(
        branch(&summary, "TKY"),
        &json!({"branch": "TKY", "no_change": 1, "changed": 1, "not_yet": 0})
    );
    assert_eq!(
        branch(&summary, "OSK"),
        &json!({"branch": "OSK", "no_change": 0, "changed": 0, "not_yet": 1})
    );
    let closed = admin
        .post(&app, &format!("/api/v1/admin/campaigns/{id}/close"))
        .send()
        .await
        .expect("close");
    assert_eq!(closed.status(), 200);
    let closed = json(closed).await;
    let unanswered = closed["unanswered"].as_array().expect("list");
    assert_eq!(unanswered.len(), 1, "{closed}");
    assert_eq!(unanswered[0]["name"], employees[2].name);
    assert_eq!(unanswered[0]["branch"], "OSK");
    assert_eq!(unanswered[0]["employee_code"], "C3");
    let again = admin
        .post(&app, &format!("/api/v1/admin/campaigns/{id}/close"))
        .send()
        .await
        .expect("close");
    assert_eq!(again.status(), 409);
    // The CSV: a byte-order mark, Japanese headers, the name and branch, no number.
    let csv = admin
        .get(
            &app,
            &format!("/api/v1/admin/campaigns/{id}/unanswered?format=csv"),
        )
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let bytes = csv.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    assert!(text.starts_with("社員番号,氏名,"), "{text}");
    assert!(text.contains("C3,高橋 次郎,,OSK,用紙"), "{text}");
    assert!(!text.contains("佐藤") && !text.contains("鈴木"), "{text}");
    for e in &employees {
        assert!(!text.contains(&e.number));
    }
    // Closed: no answer is taken any more.
    assert_eq!(
        app.sign_in(&token_of(&opened, employees[2].code), None)
            .await
            .status(),
        200
    );
    assert_eq!(no_change(&app).await.0, 404);
    // The trail names the campaign's steps, never a number or a name.
    let logs = crate::helpers::captured_logs();
    for e in &employees {
        assert!(!logs.contains(&e.number));
    }
}

async fn two_no_change_answers_at_once_count_once(db: Db) {
    let Some(app) = spawn_with(Spawn {
        db,
        ..Spawn::default()
    })
    .await
    else {
        return;
    };
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let admin = enrolled(&app, "hr.admin", Role::Admin, &[]).await;
    let employee = verified_employee(&app, &officer, 7, ("D1", "伊藤 三郎", "TKY"), None).await;
    // Only TKY: a campaign over the branch.
    let opened = open(&app, &admin, json!({"year": 2026, "branches": ["TKY"]})).await;
    let id = opened["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.sign_in(&token_of(&opened, employee.code), None)
            .await
            .status(),
        200
    );
    let (a, b) = tokio::join!(no_change(&app), no_change(&app));
    let mut outcomes = [a.1["outcome"].clone(), b.1["outcome"].clone()];
    outcomes.sort_by_key(Value::to_string);
    assert_eq!(
        outcomes,
        [json!("already_answered"), json!("recorded")],
        "{a:?} {b:?}"
    );
    let summary = progress(&app, &admin, &id).await;
    assert_eq!(summary["total"]["no_change"], 1, "{summary}");
    assert_eq!(summary["total"]["not_yet"], 0);
    // An employee already in an open campaign is not in a second one.
    let second = open(&app, &admin, json!({"year": 2026})).await;
    assert_eq!(second["employees"], 0, "{second}");
}

/// The reminder goes through the test relay to whoever has not answered only, and its
/// bytes hold no name, no number and no link token (of anyone).
#[tokio::test]
async fn a_campaign_reminder_carries_no_name_number_or_link() {
    let Some((app, mut relay, maildir)) = spawn_with_relay().await else {
        return;
    };
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let admin = enrolled(&app, "hr.admin", Role::Admin, &[]).await;
    let answers = verified_employee(
        &app,
        &officer,
        11,
        ("M1", "渡辺 一美", "TKY"),
        Some("kazumi@example.jp"),
    )
    .await;
    let silent = verified_employee(
        &app,
        &officer,
        12,
        ("M2", "中村 二葉", "TKY"),
        Some("futaba@example.jp"),
    )
    .await;
    let opened = open(&app, &admin, json!({"year": 2026, "send_email": true})).await;
    let id = opened["id"].as_str().expect("id").to_owned();
    let items = opened["items"].as_array().expect("items");
    assert!(items.iter().all(|i| i["mail"] == "sent"), "{opened}");
    let letters = delivered(&maildir);
    assert_eq!(letters.len(), 2, "one campaign letter each");
    let tokens = [
        token_of(&opened, answers.code),
        token_of(&opened, silent.code),
    ];
    assert_eq!(app.sign_in(&tokens[0], None).await.status(), 200);
    assert_eq!(no_change(&app).await.0, 200);

    let reminded = admin
        .post(&app, &format!("/api/v1/admin/campaigns/{id}/reminders"))
        .send()
        .await
        .expect("remind");
    assert_eq!(reminded.status(), 200);
    assert_eq!(json(reminded).await, json!({"sent": 1, "failed": 0}));
    let mails = delivered(&maildir);
    assert_eq!(mails.len(), 3, "the reminder went to one person");
    let reminder = mails
        .iter()
        .find(|m| !letters.contains(m))
        .expect("the reminder");
    let raw = String::from_utf8_lossy(reminder);
    assert!(
        raw.contains("futaba@example.jp"),
        "to the one who did not answer"
    );
    assert!(!raw.contains("kazumi@example.jp"));
    let parsed = mail_parser::MessageParser::default()
        .parse(reminder)
        .expect("a message");
    let text = format!(
        "{}\n{}",
        parsed.subject().unwrap_or_default(),
        parsed.body_text(0).unwrap_or_default()
    );
    assert!(
        text.contains("2026年") && text.contains("（再送）"),
        "{text}"
    );
    for secret in [
        answers.name,
        silent.name,
        "渡辺",
        "中村",
        answers.number.as_str(),
        silent.number.as_str(),
        &silent.number[8..],
        tokens[0].as_str(),
        tokens[1].as_str(),
        "/i/",
    ] {
        assert!(
            !text.contains(secret),
            "{secret:?} in the reminder:\n{text}"
        );
    }
    for secret in [&tokens[0], &tokens[1], &answers.number, &silent.number] {
        assert!(
            !raw.contains(secret.as_str()),
            "{secret:?} in the reminder's bytes"
        );
    }
    // At most one a day: a second click sends nothing.
    let again = admin
        .post(&app, &format!("/api/v1/admin/campaigns/{id}/reminders"))
        .send()
        .await
        .expect("remind");
    assert_eq!(json(again).await, json!({"sent": 0, "failed": 0}));
    let _ = relay.kill();
}

on_both_backends!(
    a_campaign_with_no_change_a_change_and_no_answer,
    two_no_change_answers_at_once_count_once,
);
