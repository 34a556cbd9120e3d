//! Taking a submission in on a person's behalf: a branch collector in person, an officer
//! with paper by post. Scope holds (another branch is a 404), the same validation and
//! pipeline apply, and the officer sees how it arrived, who took it and when.

use storage::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation};
use storage::org::BranchCode;
use storage::person::PersonName;
use storage::staff::Role;

use crate::helpers::{
    NUMBER, OTHER_NUMBER, TestApp, fixture, json, spawn_app, spawn_app_on_postgres,
};
use crate::staff_helpers::{Staff, enrolled};

async fn invited(app: &TestApp, name: &str, branch: &str) -> String {
    let created = app
        .app
        .vault
        .create_invitation(
            &AuditContext::cli(),
            &NewInvitation {
                kind: InvitationKind::Employee,
                name: PersonName::parse(name).expect("name"),
                name_kana: None,
                email: None,
                employee_code: None,
                branch: Some(BranchCode::parse(branch).expect("branch")),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("invite");
    created.submission_id.to_string()
}

async fn put_self(
    app: &TestApp,
    staff: &Staff,
    submission: &str,
    number: &str,
) -> reqwest::Response {
    staff
        .client
        .put(app.url(&format!("/api/v1/assisted/{submission}/subjects/self")))
        .header("X-CSRF-Token", &staff.csrf)
        .json(&serde_json::json!({"number": number, "name": "佐々木 五郎", "name_kana": "ササキ ゴロウ", "birth_date": "1975-07-07"}))
        .send()
        .await
        .expect("put")
}

#[tokio::test]
async fn a_collector_takes_a_colleague_in_and_the_officer_sees_how_it_arrived() {
    collector_and_officer(spawn_app().await).await;
}

#[tokio::test]
async fn the_same_on_postgresql() {
    if let Some(app) = spawn_app_on_postgres().await {
        collector_and_officer(app).await;
    }
}

async fn collector_and_officer(app: TestApp) {
    let tky = invited(&app, "佐々木 五郎", "TKY").await;
    let osk = invited(&app, "大阪 花子", "OSK").await;
    // Collectors enrol TOTP like every staff role (issue 18).
    let collector = enrolled(&app, "collector.tky", Role::Collector, &["TKY"]).await;

    // The roster shows the branch's people only.
    let people = json(
        collector
            .get(&app, "/api/v1/assisted/people")
            .send()
            .await
            .expect("people"),
    )
    .await;
    let ids: Vec<&str> = people["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["submission_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [tky.as_str()]);
    // Another branch's person does not exist for this collector.
    assert_eq!(put_self(&app, &collector, &osk, NUMBER).await.status(), 404);
    assert_eq!(
        collector
            .get(&app, &format!("/api/v1/assisted/{osk}"))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );

    // The same validation as the provider's own form, then the details and a photo.
    let refused = put_self(&app, &collector, &tky, "123456789019").await;
    assert_eq!(refused.status(), 422);
    assert_eq!(json(refused).await["error"]["code"], "number_check_digit");
    let saved = put_self(&app, &collector, &tky, NUMBER).await;
    assert_eq!(saved.status(), 200);
    let subject = json(saved).await["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    // Handing in before any photo: what is missing is said.
    let early = collector
        .post(&app, &format!("/api/v1/assisted/{tky}/hand-in"))
        .json(&serde_json::json!({"channel": "in_person"}))
        .send()
        .await
        .expect("early");
    assert_eq!(early.status(), 422);
    let form = reqwest::multipart::Form::new()
        .text("kind", "my_number_card_front")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("phone/phone-gps-orientation6.jpg")),
        );
    let uploaded = collector
        .post(
            &app,
            &format!("/api/v1/assisted/{tky}/subjects/{subject}/documents"),
        )
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status(), 201);
    assert!(
        json(uploaded).await["removed_metadata"]
            .as_array()
            .expect("report")
            .iter()
            .any(|m| m == "gps_position")
    );
    // Issue 19 on the collector's upload: the card back's QR is compared with the number
    // the collector typed, like on the provider's own upload (the same pipeline).
    for (payload, outcome) in [(OTHER_NUMBER, "differs"), (NUMBER, "matches")] {
        let form = reqwest::multipart::Form::new()
            .text("kind", "my_number_card_back")
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::card_qr::card_back_photo(Some(payload))),
            );
        let back = collector
            .post(
                &app,
                &format!("/api/v1/assisted/{tky}/subjects/{subject}/documents"),
            )
            .multipart(form)
            .send()
            .await
            .expect("upload the back");
        assert_eq!(back.status(), 201);
        let body = json(back).await;
        assert_eq!(body["qr_check"], outcome, "{body}");
        assert!(
            !body.to_string().contains(payload),
            "no digits in the answer"
        );
    }
    let handed = collector
        .post(&app, &format!("/api/v1/assisted/{tky}/hand-in"))
        .json(&serde_json::json!({"channel": "in_person", "documents_seen": ["my_number_card_front", "my_number_card_back"], "note": "窓口で原本確認"}))
        .send()
        .await
        .expect("hand in");
    assert_eq!(handed.status(), 200);
    assert_eq!(json(handed).await["state"], "submitted");

    // The officer sees who took it in, how, and what they saw.
    let officer = enrolled(&app, "officer.tky", Role::Officer, &["TKY"]).await;
    let item = json(
        officer
            .get(&app, &format!("/api/v1/officer/submissions/{tky}"))
            .send()
            .await
            .expect("item"),
    )
    .await;
    let record = &item["assisted"][0];
    assert_eq!(record["channel"], "in_person");
    assert_eq!(record["taken_by"], "collector.tky");
    assert_eq!(record["taken_by_role"], "collector");
    assert_eq!(
        record["documents_seen"],
        serde_json::json!(["my_number_card_front", "my_number_card_back"])
    );
    let trail = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("intake.assisted".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("trail");
    assert_eq!(trail.len(), 1);
    assert!(
        trail[0].actor.starts_with("staff:"),
        "audited as the collector: {}",
        trail[0].actor
    );
    assert!(!format!("{trail:?}").contains(NUMBER));

    // An officer opens a record for paper received by post, only in their own branch.
    let record = officer
        .post(&app, "/api/v1/assisted/records")
        .json(&serde_json::json!({"kind": "employee", "name": "郵送 太郎", "branch": "TKY"}))
        .send()
        .await
        .expect("record");
    assert_eq!(record.status(), 201);
    let elsewhere = officer
        .post(&app, "/api/v1/assisted/records")
        .json(&serde_json::json!({"kind": "employee", "name": "郵送 次郎", "branch": "OSK"}))
        .send()
        .await
        .expect("record");
    assert_eq!(elsewhere.status(), 404);
    // An auditor can do none of this.
    let auditor = enrolled(&app, "auditor.a", Role::Auditor, &[]).await;
    assert_eq!(
        auditor
            .get(&app, "/api/v1/assisted/people")
            .send()
            .await
            .expect("a")
            .status(),
        403
    );
}
