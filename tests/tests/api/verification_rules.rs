//! Issue 16: a verification holds up in an audit. The documents named must be among the
//! person's photos (or the originals a collector recorded as seen), count on the day of
//! the check under the dated rule table, be within their validity, and face-to-face
//! recognition needs the in-person channel. Each refusal and each newly accepted case runs
//! on SQLite and on PostgreSQL.

use serde_json::{Value, json};
use storage::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation};
use storage::org::BranchCode;
use storage::person::PersonName;
use storage::staff::Role;

use crate::helpers::{NUMBER, TestApp, fixture};
use crate::staff_helpers::{Staff, enrolled};

/// One scenario as two tests: on SQLite and on PostgreSQL (skipped without a server).
macro_rules! on_both_backends {
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                super::$scenario(crate::helpers::spawn_app().await).await;
            }
            #[tokio::test]
            async fn on_postgres() {
                if let Some(app) = crate::helpers::spawn_app_on_postgres().await {
                    super::$scenario(app).await;
                }
            }
        }
    };
}

/// An employee of TKY invited and signed in (the app's client); returns the submission.
async fn signed_in_employee(app: &TestApp) -> String {
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
                employee_code: None,
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
    created.submission_id.to_string()
}

/// A submitted employee whose own photos are of these kinds; returns (submission, subject).
async fn handed_in_with(app: &TestApp, kinds: &[&str]) -> (String, String) {
    let submission = signed_in_employee(app).await;
    let saved = app.save_self(NUMBER).await;
    assert_eq!(saved.status(), 200);
    let subject = saved.json::<Value>().await.expect("json")["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    for kind in kinds {
        let uploaded = app
            .upload(&subject, kind, fixture("orientation/landscape_1.jpg"))
            .await;
        assert_eq!(uploaded.status(), 201, "upload {kind}");
    }
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    (submission, subject)
}

/// An officer of the branch who holds the claim on the (only) waiting submission.
async fn claiming_officer(app: &TestApp) -> Staff {
    let officer = enrolled(app, "officer.tky", Role::Officer, &["TKY"]).await;
    let claimed = officer
        .post(app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim");
    assert_eq!(claimed.status(), 200);
    officer
}

async fn verify(app: &TestApp, officer: &Staff, submission: &str, person: Value) -> (u16, Value) {
    let response = officer
        .post(
            app,
            &format!("/api/v1/officer/submissions/{submission}/verify"),
        )
        .json(&json!({ "subjects": [person] }))
        .send()
        .await
        .expect("verify");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A refusal: 422 with this code and a message in both languages.
fn assert_refused(outcome: &(u16, Value), code: &str) {
    assert_eq!(outcome.0, 422, "{}", outcome.1);
    assert_eq!(outcome.1["error"]["code"], code);
    assert!(
        !outcome.1["error"]["message_ja"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    assert!(
        !outcome.1["error"]["message_en"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
}

async fn a_claimed_document_not_among_the_evidence(app: TestApp) {
    // Only a passport photo, yet "My Number card" for both checks (the first case).
    let (submission, subject) = handed_in_with(&app, &["passport"]).await;
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "my_number_card", "identity_check": "my_number_card",
               "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]}),
    )
    .await;
    assert_refused(&outcome, "document_not_in_evidence");
}
on_both_backends!(
    a_document_not_among_the_photos_is_refused,
    a_claimed_document_not_among_the_evidence
);

async fn face_to_face_on_an_online_submission(app: TestApp) {
    let (submission, subject) = handed_in_with(&app, &["drivers_license"]).await;
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "residence_record",
               "identity_check": "face_to_face_known_employee"}),
    )
    .await;
    assert_refused(&outcome, "face_to_face_only_in_person");
}
on_both_backends!(
    face_to_face_recognition_is_refused_on_an_online_submission,
    face_to_face_on_an_online_submission
);

async fn a_health_insurance_card_after_2025_12_01(app: TestApp) {
    let (submission, subject) = handed_in_with(
        &app,
        &["notification_card", "health_insurance_card", "pension_book"],
    )
    .await;
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "notification_card",
               "notification_card_matches_residence_record": true,
               "identity_check": "two_non_photo_documents",
               "identity_documents": [{"kind": "health_insurance_card", "valid_until": "2027-03-31"}, "pension_book"]}),
    )
    .await;
    assert_refused(&outcome, "document_no_longer_counts");
}
on_both_backends!(
    a_health_insurance_card_checked_after_2025_12_01_is_refused,
    a_health_insurance_card_after_2025_12_01
);

async fn an_expired_licence(app: TestApp) {
    let (submission, subject) =
        handed_in_with(&app, &["residence_record", "drivers_license"]).await;
    let officer = claiming_officer(&app).await;
    let person = |valid_until: &str| {
        json!({"subject_id": subject, "number_check": "residence_record", "identity_check": "photo_id",
               "identity_documents": [{"kind": "drivers_license", "valid_until": valid_until}]})
    };
    let expired = verify(&app, &officer, &submission, person("2025-06-30")).await;
    assert_refused(&expired, "document_expired");
    let undated = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "residence_record", "identity_check": "photo_id",
               "identity_documents": ["drivers_license"]}),
    )
    .await;
    assert_refused(&undated, "document_validity_required");
    let valid = verify(&app, &officer, &submission, person("2031-01-15")).await;
    assert_eq!(valid.0, 200, "{}", valid.1);
}
on_both_backends!(an_expired_licence_is_refused, an_expired_licence);

async fn the_number_notice(app: TestApp) {
    // At upload time the provider is told why, in both languages; nothing is stored.
    let (submission, subject) = handed_in_with(&app, &["residence_record", "passport"]).await;
    let refused = app
        .upload(
            &subject,
            "number_notice",
            fixture("orientation/landscape_1.jpg"),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "number_notice_not_accepted");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .expect("ja")
            .contains("個人番号通知書")
    );
    assert!(
        body["error"]["message_en"]
            .as_str()
            .expect("en")
            .contains("individual number notice")
    );
    // Named by an officer as the number check, it is refused too.
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "number_notice", "identity_check": "photo_id",
               "identity_documents": [{"kind": "passport", "valid_until": "2032-02-02"}]}),
    )
    .await;
    assert_refused(&outcome, "number_notice_not_proof");
}
on_both_backends!(
    the_individual_number_notice_never_counts_for_the_number_check,
    the_number_notice
);

/// The recorded verification of the submission, as the officer's item shows it.
async fn recorded(app: &TestApp, officer: &Staff, submission: &str) -> Value {
    let item: Value = officer
        .get(app, &format!("/api/v1/officer/submissions/{submission}"))
        .send()
        .await
        .expect("item")
        .json()
        .await
        .expect("json");
    assert_eq!(item["state"], "verified");
    item["verifications"][0].clone()
}

async fn a_qualification_certificate_and_a_pension_notice(app: TestApp) {
    let (submission, subject) = handed_in_with(
        &app,
        &[
            "residence_record",
            "qualification_certificate",
            "basic_pension_number_notice",
        ],
    )
    .await;
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "residence_record",
               "identity_check": "two_non_photo_documents",
               "identity_documents": [{"kind": "qualification_certificate", "valid_until": "2027-07-31"},
                                      "basic_pension_number_notice"]}),
    )
    .await;
    assert_eq!(outcome.0, 200, "{}", outcome.1);
    let record = recorded(&app, &officer, &submission).await;
    assert_eq!(
        record["rule_version"], "2026-11-30",
        "verifier::rules::table::VERSION"
    );
    assert_eq!(
        record["relied_on"],
        json!([
            {"kind": "residence_record", "valid_until": null},
            {"kind": "qualification_certificate", "valid_until": "2027-07-31"},
            {"kind": "basic_pension_number_notice", "valid_until": null},
        ])
    );
    assert_eq!(record["checked_by"], "officer.tky");
}
on_both_backends!(
    a_qualification_certificate_with_a_basic_pension_number_notice_is_accepted,
    a_qualification_certificate_and_a_pension_notice
);

async fn a_special_permanent_resident(app: TestApp) {
    let (submission, subject) = handed_in_with(
        &app,
        &["residence_record", "special_permanent_resident_certificate"],
    )
    .await;
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "residence_record", "identity_check": "photo_id",
               "identity_documents": [{"kind": "special_permanent_resident_certificate", "valid_until": "2033-04-01"}]}),
    )
    .await;
    assert_eq!(outcome.0, 200, "{}", outcome.1);
    let record = recorded(&app, &officer, &submission).await;
    assert_eq!(
        record["documents"],
        json!(["special_permanent_resident_certificate"])
    );
}
on_both_backends!(
    a_special_permanent_resident_certificate_is_accepted,
    a_special_permanent_resident
);

async fn an_old_record_keeps_its_rule_version(app: TestApp) {
    // A verification recorded before rule versions were kept (a 健康保険証 relied on in
    // 2025) stays what it was: the migration marks it `legacy` and it is shown so.
    let (submission, subject) = handed_in_with(&app, &["residence_record", "passport"]).await;
    let officer = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &officer,
        &submission,
        json!({"subject_id": subject, "number_check": "residence_record", "identity_check": "photo_id",
               "identity_documents": [{"kind": "passport", "valid_until": "2032-02-02"}]}),
    )
    .await;
    assert_eq!(outcome.0, 200, "{}", outcome.1);
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut db = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
        sqlx::query(
            "UPDATE verifications SET identity_check = 'two_non_photo_documents', \
             documents = '[\"health_insurance_card\",\"pension_book\"]', relied_on = '[]', \
             rule_version = 'legacy', checked_at = 1764201600000 WHERE subject_id = $1",
        )
        .bind(subject.clone())
        .execute(&mut db)
        .await
        .expect("as recorded on 2025-11-27");
    }
    let record = recorded(&app, &officer, &submission).await;
    assert_eq!(record["rule_version"], "legacy");
    assert_eq!(
        record["documents"],
        json!(["health_insurance_card", "pension_book"])
    );
}
on_both_backends!(
    an_old_verification_keeps_the_rule_version_it_was_checked_against,
    an_old_record_keeps_its_rule_version
);

async fn a_foreign_resident_with_a_dependant_abroad(app: TestApp) {
    // The furigana keeps the ＝ between the parts of the name; the parent living abroad has
    // no number, is shown so to the officer, needs no attestation and is not verified.
    let id = signed_in_employee(&app).await;
    let saved = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .json(&json!({
            "number": NUMBER, "name": "グエン ヴァン アン", "name_kana": "グエン＝ヴァン アン",
            "name_alphabetic": "NGUYEN VAN AN", "birth_date": "1992-09-02",
            "address": "東京都新宿区西新宿2-8-1"
        }))
        .send()
        .await
        .expect("save self");
    assert_eq!(saved.status(), 200);
    let own = saved.json::<Value>().await.expect("json")["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    let refused = app
        .client
        .post(app.url("/api/v1/provider/subjects"))
        .json(&json!({
            "relationship": "parent", "number": "", "name": "グエン ティ マイ",
            "name_kana": "グエン＝ティ マイ", "birth_date": "1965-01-20"
        }))
        .send()
        .await
        .expect("no number, no reason");
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.json::<Value>().await.expect("json")["error"]["code"],
        "number_required"
    );
    let parent = app
        .client
        .post(app.url("/api/v1/provider/subjects"))
        .json(&json!({
            "relationship": "parent", "number": "", "no_number_reason": "living_abroad",
            "name": "グエン ティ マイ", "name_kana": "グエン＝ティ マイ", "birth_date": "1965-01-20"
        }))
        .send()
        .await
        .expect("parent abroad");
    assert_eq!(parent.status(), 201);
    let uploaded = app
        .upload(
            &own,
            "residence_card",
            fixture("orientation/landscape_1.jpg"),
        )
        .await;
    assert_eq!(uploaded.status(), 201);
    let uploaded = app
        .upload(
            &own,
            "residence_record",
            fixture("orientation/landscape_1.jpg"),
        )
        .await;
    assert_eq!(uploaded.status(), 201);
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(
        submitted.status(),
        200,
        "nothing missing: no attestation asked for"
    );
    let officer = claiming_officer(&app).await;
    let item: Value = officer
        .get(&app, &format!("/api/v1/officer/submissions/{id}"))
        .send()
        .await
        .expect("item")
        .json()
        .await
        .expect("json");
    let people = item["subjects"].as_array().expect("subjects");
    let me = people
        .iter()
        .find(|p| p["relationship"] == "self")
        .expect("self");
    assert_eq!(me["name_kana"], "グエン＝ヴァン アン");
    assert_eq!(me["name_alphabetic"], "NGUYEN VAN AN");
    assert_eq!(me["address"], "東京都新宿区西新宿2-8-1");
    let abroad = people
        .iter()
        .find(|p| p["relationship"] == "parent")
        .expect("parent");
    assert_eq!(abroad["no_number_reason"], "living_abroad");
    assert_eq!(abroad["number_saved"], false);
    let page = officer
        .get(&app, &format!("/s/submissions/{id}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("国外居住のため番号がない"),
        "shown to the officer"
    );
    let outcome = verify(
        &app,
        &officer,
        &id,
        json!({"subject_id": own, "number_check": "residence_record", "identity_check": "photo_id",
               "identity_documents": [{"kind": "residence_card", "valid_until": "2029-09-30"}]}),
    )
    .await;
    assert_eq!(
        outcome.0, 200,
        "only the person with a number is verified: {}",
        outcome.1
    );
}
on_both_backends!(
    a_foreign_name_with_an_equals_sign_and_a_dependant_abroad_without_a_number_are_accepted,
    a_foreign_resident_with_a_dependant_abroad
);

/// Payroll's key pair, made with `age-keygen` once per test process.
static PAYROLL: std::sync::OnceLock<Option<tests::age::AgeKey>> = std::sync::OnceLock::new();

fn payroll_key() -> Option<&'static tests::age::AgeKey> {
    PAYROLL
        .get_or_init(|| {
            tests::age::keygen()
                .map_err(|e| crate::helpers::tool_missing("age-keygen", &e))
                .ok()
        })
        .as_ref()
}

async fn payroll_gets_the_new_columns_and_the_dependant_abroad(db: crate::helpers::Db) {
    let Some(key) = payroll_key() else { return };
    let Some(app) = crate::helpers::spawn_with(crate::helpers::Spawn {
        db,
        tweak: |s| s.payroll_recipient = payroll_key().map(|k| k.recipient.clone()),
        ..crate::helpers::Spawn::default()
    })
    .await
    else {
        return;
    };
    let submission = signed_in_employee(&app).await;
    let saved = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .json(&json!({
            "number": NUMBER, "name": "グエン ヴァン アン", "name_kana": "グエン＝ヴァン アン",
            "birth_date": "1992-09-02", "address": "東京都新宿区西新宿2-8-1"
        }))
        .send()
        .await
        .expect("save self");
    assert_eq!(saved.status(), 200);
    let own = saved.json::<Value>().await.expect("json")["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    let parent = app
        .client
        .post(app.url("/api/v1/provider/subjects"))
        .json(&json!({
            "relationship": "parent", "number": "", "no_number_reason": "living_abroad",
            "name": "グエン ティ マイ", "name_kana": "グエン＝ティ マイ", "birth_date": "1965-01-20"
        }))
        .send()
        .await
        .expect("parent abroad");
    assert_eq!(parent.status(), 201);
    let parent = parent.json::<Value>().await.expect("json")["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    for kind in ["residence_record", "passport"] {
        let uploaded = app
            .upload(&own, kind, fixture("orientation/landscape_1.jpg"))
            .await;
        assert_eq!(uploaded.status(), 201);
    }
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    let first = claiming_officer(&app).await;
    let outcome = verify(
        &app,
        &first,
        &submission,
        json!({"subject_id": own, "number_check": "residence_record", "identity_check": "photo_id",
               "identity_documents": [{"kind": "passport", "valid_until": "2032-02-02"}]}),
    )
    .await;
    assert_eq!(outcome.0, 200, "{}", outcome.1);
    let second = enrolled(&app, "officer.tky2", Role::Officer, &["TKY"]).await;
    let release = first
        .propose_release(&app, std::slice::from_ref(&submission), "年末調整")
        .await;
    let approved = second
        .approve_release(&app, &release, &second.next_code())
        .await;
    assert_eq!(approved["records"], 2, "the dependant abroad goes too");
    let sealed = second
        .post(&app, &format!("/api/v1/officer/releases/{release}/export"))
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    let csv = String::from_utf8(tests::age::decrypt(&key.identity, &sealed).expect("age"))
        .expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "employee_code,name,furigana,relationship,number,verification_method,checker,date,\
         person_id,birth_date,address,no_number_reason,change,change_date"
    );
    let line_of = |id: &str| {
        lines
            .iter()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("a line for {id}: {lines:?}"))
            .split(',')
            .collect::<Vec<_>>()
    };
    let me = line_of(&own);
    assert_eq!(me[2], "グエン＝ヴァン アン");
    assert_eq!(me[4], NUMBER);
    assert_eq!(me[5], "residence_record+photo_id");
    assert_eq!(
        &me[8..],
        [
            own.as_str(),
            "1992-09-02",
            "東京都新宿区西新宿2-8-1",
            "",
            "",
            ""
        ]
    );
    let abroad = line_of(&parent);
    assert_eq!(abroad[3], "parent");
    assert_eq!(
        &abroad[4..8],
        ["", "", "", ""],
        "no number, nothing verified"
    );
    assert_eq!(
        &abroad[8..],
        [parent.as_str(), "1965-01-20", "", "living_abroad", "", ""]
    );
}

mod payroll_csv_carries_the_person_id_birth_date_address_and_the_dependant_abroad {
    use crate::helpers::Db;

    #[tokio::test]
    async fn on_sqlite() {
        super::payroll_gets_the_new_columns_and_the_dependant_abroad(Db::Sqlite).await;
    }

    #[tokio::test]
    async fn on_postgres() {
        super::payroll_gets_the_new_columns_and_the_dependant_abroad(Db::Postgres).await;
    }
}

#[tokio::test]
async fn each_provider_kind_is_shown_its_own_purposes_and_the_file_ledger_lists_the_same_list() {
    use crate::portal_pages::{page, phone};
    let app = crate::helpers::spawn_app().await;
    let employee = app.invite(None).await;
    let payee = app
        .app
        .vault
        .create_invitation(
            &AuditContext::cli(),
            &NewInvitation {
                kind: InvitationKind::Payee,
                name: PersonName::parse("佐藤 次郎").expect("name"),
                name_kana: None,
                email: None,
                employee_code: None,
                branch: None,
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("invite payee");
    let (_, to_employee) = page(&phone(&app), &app, &format!("/i/{employee}")).await;
    assert!(to_employee.contains("給与所得・退職所得の源泉徴収票作成事務"));
    assert!(to_employee.contains("国民年金第3号被保険者の届出事務"));
    assert!(
        !to_employee.contains("支払調書"),
        "no payee purpose for an employee"
    );
    let (_, to_payee) = page(&phone(&app), &app, &format!("/i/{}", payee.token.expose())).await;
    assert!(to_payee.contains("報酬・料金等の支払調書作成事務"));
    assert!(
        !to_payee.contains("源泉徴収票"),
        "no salary purpose for a payee"
    );
    assert!(
        !to_payee.contains("健康保険"),
        "no insurance purpose for a payee"
    );

    let auditor = enrolled(&app, "auditor.a", Role::Auditor, &[]).await;
    let ledger: Value = auditor
        .get(&app, "/api/v1/admin/ledgers/files")
        .send()
        .await
        .expect("ledger")
        .json()
        .await
        .expect("json");
    let purposes = ledger[0]["purposes"].as_array().expect("purposes");
    assert_eq!(purposes.len(), 6, "the six purposes people are shown");
    assert!(
        purposes
            .iter()
            .any(|p| p == "報酬・料金等の支払調書作成事務（個人支払先）")
    );
    assert!(purposes.iter().any(|p| p == "雇用保険届出事務（従業員）"));
}
