//! Governance over HTTP: disposal with two officers, the auditors' trail search, alerts
//! and ledgers (JSON and CSV) — never a number, every read itself audited.

use storage::AuditContext;
use storage::staff::Role;
use uuid::Uuid;

use crate::helpers::{NUMBER, TestApp, csrf_in, json, spawn_app, spawn_app_on_postgres};
use crate::staff_helpers::{
    STAFF_PASSWORD, Staff, claim_and_verify, drafted_as, enrolled, submitted_as,
};

/// A verified submission in TKY whose numbers stopped being needed long ago.
async fn overdue_submission(app: &TestApp, officer: &Staff) -> String {
    let handed = vec![submitted_as(app, "TKY", "E100").await];
    let id = claim_and_verify(app, officer, &handed).await;
    app.app
        .vault
        .as_operator()
        .set_needed_until(
            &AuditContext::cli(),
            Uuid::parse_str(&id).expect("uuid"),
            time::macros::date!(2010 - 03 - 31),
        )
        .await
        .expect("needed until");
    id
}

/// `officer`'s list of what is due, over the API.
async fn due_list(app: &TestApp, officer: &Staff) -> serde_json::Value {
    json(
        officer
            .get(app, "/api/v1/officer/disposals/due")
            .send()
            .await
            .expect("due"),
    )
    .await
}

/// `officer` proposes disposing of `submission` over the API: the disposal's id.
async fn propose_disposal(app: &TestApp, officer: &Staff, submission: &str) -> String {
    let proposed = officer
        .post(app, "/api/v1/officer/disposals")
        .json(&serde_json::json!({ "submission_id": submission }))
        .send()
        .await
        .expect("propose");
    assert_eq!(proposed.status(), 201);
    json(proposed).await["disposal_id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// `officer` approves `disposal` with password and a fresh code: the disposal record.
async fn approve_disposal(app: &TestApp, officer: &Staff, disposal: &str) -> serde_json::Value {
    let approved = officer
        .post(
            app,
            &format!("/api/v1/officer/disposals/{disposal}/approve"),
        )
        .json(&serde_json::json!({ "password": STAFF_PASSWORD, "totp": officer.next_code() }))
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 200);
    json(approved).await
}

#[tokio::test]
async fn two_officers_dispose_and_the_ledgers_and_trail_show_it_without_a_number() {
    let app = spawn_app().await;
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let elsewhere = enrolled(&app, "officer.osaka", Role::Officer, &["OSA"]).await;
    let auditor = enrolled(&app, "auditor", Role::Auditor, &[]).await;
    let submission = overdue_submission(&app, &first).await;

    // Due: on the list of officers in scope, not on the list of the Osaka officer.
    let due = due_list(&app, &first).await;
    let items = due["items"].as_array().expect("items");
    assert!(
        items
            .iter()
            .any(|i| i["submission_id"] == submission.as_str() && i["overdue"] == true)
    );
    let other = due_list(&app, &elsewhere).await;
    assert_eq!(other["items"].as_array().map(Vec::len), Some(0));

    // Out of scope looks like missing; an auditor is not an officer.
    let body = serde_json::json!({ "submission_id": submission });
    let out_of_scope = elsewhere
        .post(&app, "/api/v1/officer/disposals")
        .json(&body)
        .send()
        .await
        .expect("propose");
    assert_eq!(out_of_scope.status(), 404);
    let not_officer = auditor
        .post(&app, "/api/v1/officer/disposals")
        .json(&body)
        .send()
        .await
        .expect("propose");
    assert_eq!(not_officer.status(), 403);

    let disposal = propose_disposal(&app, &first, &submission).await;
    let twice = second
        .post(&app, "/api/v1/officer/disposals")
        .json(&body)
        .send()
        .await
        .expect("again");
    assert_eq!(twice.status(), 409, "one open proposal per submission");
    let approve = format!("/api/v1/officer/disposals/{disposal}/approve");

    // The proposer can never approve; the second officer must type password and code again.
    let own = first
        .post(&app, &approve)
        .json(&serde_json::json!({ "password": STAFF_PASSWORD, "totp": first.next_code() }))
        .send()
        .await
        .expect("approve");
    assert_eq!(own.status(), 403);
    assert_eq!(json(own).await["error"]["code"], "separation_of_duties");
    let wrong = second
        .post(&app, &approve)
        .json(&serde_json::json!({ "password": "not the passphrase at all", "totp": second.next_code() }))
        .send()
        .await
        .expect("approve");
    assert_eq!(wrong.status(), 401);
    let osaka = elsewhere
        .post(&app, &approve)
        .json(&serde_json::json!({ "password": STAFF_PASSWORD, "totp": elsewhere.next_code() }))
        .send()
        .await
        .expect("approve");
    assert_eq!(osaka.status(), 404);
    let record = approve_disposal(&app, &second, &disposal).await;
    assert_eq!(record["numbers_destroyed"], 1);
    assert_eq!(record["documents_destroyed"], 1);

    // The ciphertexts are gone; the person's other data and the history remain.
    let status = app
        .app
        .vault
        .submission_status(Uuid::parse_str(&submission).expect("uuid"))
        .await
        .expect("status");
    assert_eq!(status.state.code(), "disposed");
    assert!(!status.subjects.is_empty(), "names and decisions are kept");

    // The auditor: the disposal ledger as JSON and as CSV, no number anywhere.
    let ledger = json(
        auditor
            .get(&app, "/api/v1/admin/ledgers/disposals")
            .send()
            .await
            .expect("ledger"),
    )
    .await;
    assert_eq!(ledger.as_array().map(Vec::len), Some(1));
    assert_eq!(ledger[0]["submission_id"], submission.as_str());
    for which in ["files", "exports", "disposals"] {
        let csv = auditor
            .get(&app, &format!("/api/v1/admin/ledgers/{which}?format=csv"))
            .send()
            .await
            .expect("csv");
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(
            csv.headers()["content-disposition"]
                .to_str()
                .expect("ascii")
                .contains(which)
        );
        let text = csv.text().await.expect("text");
        assert!(!text.contains(NUMBER), "{which} ledger holds a number");
        if which == "disposals" {
            assert!(text.contains(&submission));
        }
    }
    let unknown = auditor
        .get(&app, "/api/v1/admin/ledgers/everything")
        .send()
        .await
        .expect("ledger");
    assert_eq!(unknown.status(), 404);

    // The trail about this submission: proposal, refused self-approval, approval.
    let trail = json(
        auditor
            .get(
                &app,
                &format!("/api/v1/admin/audit?action=disposal.&about={submission}"),
            )
            .send()
            .await
            .expect("search"),
    )
    .await;
    let actions: Vec<(&str, &str)> = trail["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("disposal.propose", "success"),
            ("disposal.approve", "success")
        ],
        "the refused self-approval names the disposal, not the submission"
    );
    let by_disposal = json(
        auditor
            .get(&app, &format!("/api/v1/admin/audit?about={disposal}"))
            .send()
            .await
            .expect("search"),
    )
    .await;
    let outcomes: Vec<(&str, &str)> = by_disposal["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("disposal.propose", "success"),
            ("disposal.approve", "denied"),
            ("disposal.approve", "success"),
            // The search itself, audited before it ran.
            ("audit.search", "success")
        ]
    );
    let whole = auditor
        .get(&app, "/api/v1/admin/audit?limit=1000")
        .send()
        .await
        .expect("all");
    let whole = whole.text().await.expect("text");
    assert!(!whole.contains(NUMBER), "the trail holds a number");
    assert!(
        whole.contains("ledger.read"),
        "ledger reads are themselves audited"
    );
}

#[tokio::test]
async fn the_trail_search_refuses_wildcards_and_bad_dates_and_officers_cannot_read_it() {
    trail_search(spawn_app().await).await;
}

#[tokio::test]
async fn the_trail_search_works_the_same_on_postgresql() {
    if let Some(app) = spawn_app_on_postgres().await {
        trail_search(app).await;
    }
}

async fn trail_search(app: TestApp) {
    let auditor = enrolled(&app, "auditor", Role::Auditor, &[]).await;
    let admin = enrolled(&app, "admin2", Role::Admin, &[]).await;
    let officer = enrolled(&app, "officer", Role::Officer, &["TKY"]).await;
    for query in [
        "about=%25",
        "about=a*b",
        "actor=x'%20OR%201=1--",
        "from=yesterday",
        "action=",
    ] {
        let response = auditor
            .get(&app, &format!("/api/v1/admin/audit?{query}"))
            .send()
            .await
            .expect("search");
        assert_eq!(response.status(), 400, "{query}");
        let body = json(response).await;
        assert!(body["error"]["message_ja"].is_string() && body["error"]["message_en"].is_string());
    }
    let period = auditor
        .get(&app, "/api/v1/admin/audit?action=staff.sign_in&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00%2B09:00")
        .send()
        .await
        .expect("search");
    assert_eq!(period.status(), 200);
    let entries = json(period).await["entries"]
        .as_array()
        .expect("entries")
        .len();
    assert!(entries >= 3, "three sign-ins at least, got {entries}");
    let none = auditor
        .get(
            &app,
            "/api/v1/admin/audit?action=staff.sign_in&to=2000-01-01T00:00:00Z",
        )
        .send()
        .await
        .expect("search");
    assert_eq!(
        json(none).await["entries"].as_array().map(Vec::len),
        Some(0)
    );
    let alerts = admin
        .get(&app, "/api/v1/admin/alerts")
        .send()
        .await
        .expect("alerts");
    assert_eq!(alerts.status(), 200);
    assert!(json(alerts).await["alerts"].is_array());
    for path in [
        "/api/v1/admin/audit",
        "/api/v1/admin/alerts",
        "/api/v1/admin/ledgers/files",
    ] {
        let response = officer.get(&app, path).send().await.expect("get");
        assert_eq!(response.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn a_role_grant_takes_two_admins_and_nobody_grants_to_themselves() {
    let app = spawn_app().await;
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let second = enrolled(&app, "admin.b", Role::Admin, &[]).await;
    let auditor = enrolled(&app, "auditor", Role::Auditor, &[]).await;
    let propose = |who: &Staff, body: serde_json::Value| {
        who.post(&app, "/api/v1/admin/grants").json(&body).send()
    };
    let approve = |who: &Staff, id: &str, password: &str, totp: String| {
        who.post(&app, &format!("/api/v1/admin/grants/{id}/approve"))
            .json(&serde_json::json!({"password": password, "totp": totp}))
            .send()
    };

    // Nobody proposes for themselves; auditors propose nothing.
    let own = propose(
        &first,
        serde_json::json!({"username": "admin.a", "role": "officer", "scopes": ["TKY"]}),
    )
    .await
    .expect("own");
    // Separation of duties: one status and one code in every flow (issue 15).
    assert_eq!(own.status(), 403);
    assert_eq!(json(own).await["error"]["code"], "separation_of_duties");
    let by_auditor = propose(
        &auditor,
        serde_json::json!({"username": "x.y", "role": "admin"}),
    )
    .await
    .expect("auditor");
    assert_eq!(by_auditor.status(), 403);

    let proposed = propose(
        &first,
        serde_json::json!({"username": "officer.new", "role": "officer", "scopes": ["TKY"]}),
    )
    .await
    .expect("propose");
    assert_eq!(proposed.status(), 201);
    let grant = json(proposed).await["grant_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let pending = json(
        second
            .get(&app, "/api/v1/admin/grants")
            .send()
            .await
            .expect("pending"),
    )
    .await;
    assert_eq!(pending["items"][0]["username"], "officer.new");
    // The proposer cannot approve; a wrong step-up is refused; the second admin can.
    assert_eq!(
        approve(&first, &grant, STAFF_PASSWORD, first.next_code())
            .await
            .expect("self")
            .status(),
        403
    );
    assert_eq!(
        approve(&second, &grant, "not the password", second.next_code())
            .await
            .expect("wrong")
            .status(),
        401
    );
    let approved = approve(&second, &grant, STAFF_PASSWORD, second.next_code())
        .await
        .expect("approve");
    assert_eq!(approved.status(), 200);
    let approved = json(approved).await;
    assert_eq!(approved["created"], true);
    // Neither admin learns a credential of the new account (finding 6): without an e-mail
    // address the operator prints the holder's link at the console.
    assert_eq!(approved["activation"], "console");
    assert!(approved.get("first_password").is_none(), "{approved}");
    let client = app.new_client();
    for guess in ["", "!", STAFF_PASSWORD] {
        assert_eq!(
            crate::staff_helpers::sign_in_request(&app, &client, "officer.new", guess, None)
                .await
                .status(),
            401,
            "no password opens the account before its holder sets one"
        );
    }
    let issued = application::staff_accounts::issue_activation_at_console(&app.app, "officer.new")
        .await
        .expect("the operator's link");
    let first_password = "the holder's own passphrase";
    crate::staff_accounts::activate(&app, issued.token.expose(), first_password).await;
    let signed_in =
        crate::staff_helpers::sign_in_request(&app, &client, "officer.new", first_password, None)
            .await;
    assert_eq!(
        signed_in.status(),
        200,
        "the new officer signs in with the password they chose"
    );
    assert_eq!(
        json(
            second
                .get(&app, "/api/v1/admin/grants")
                .send()
                .await
                .expect("p")
        )
        .await["items"],
        serde_json::json!([])
    );

    // A change of role for an existing account ends its session.
    let change = propose(
        &second,
        serde_json::json!({"username": "officer.new", "role": "auditor"}),
    )
    .await
    .expect("change");
    let change = json(change).await["grant_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let changed = approve(&first, &change, STAFF_PASSWORD, first.next_code())
        .await
        .expect("approve");
    assert_eq!(json(changed).await["created"], false);
    let whoami = client
        .get(app.url("/api/v1/staff/session"))
        .send()
        .await
        .expect("whoami");
    assert_eq!(whoami.status(), 401);

    // A grant about the approver themselves cannot be approved by them.
    let about_second = propose(
        &first,
        serde_json::json!({"username": "admin.b", "role": "auditor"}),
    )
    .await
    .expect("p");
    let about_second = json(about_second).await["grant_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        approve(&second, &about_second, STAFF_PASSWORD, second.next_code())
            .await
            .expect("a")
            .status(),
        403
    );

    let trail = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("grant.".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("trail");
    let actions: Vec<&str> = trail
        .iter()
        .filter(|e| e.outcome == "success")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "grant.propose",
            "grant.approve",
            "grant.propose",
            "grant.approve",
            "grant.propose"
        ]
    );
    // Every refusal by separation of duties is in the trail too, with its reason.
    let refused: Vec<String> = trail
        .iter()
        .filter(|e| e.outcome == "denied")
        .map(|e| e.detail.clone())
        .collect();
    assert!(
        refused.iter().any(|d| d.contains("grant_to_self")),
        "{refused:?}"
    );
    assert!(
        !format!("{trail:?}").contains(first_password)
            && !format!("{trail:?}").contains(issued.token.expose()),
        "no password and no link in the trail"
    );
}

#[tokio::test]
async fn an_incident_record_keeps_its_timeline_and_the_affected_people_without_a_number() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let admin = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let handed = submitted_as(&app, "TKY", "E100").await;
    // The officer looks at the number: the unseal the incident is about.
    assert_eq!(
        json(
            officer
                .post(&app, "/api/v1/officer/claims")
                .send()
                .await
                .expect("c")
        )
        .await["submission_id"],
        handed.submission_id.as_str()
    );
    let revealed = officer
        .post(
            &app,
            &format!("/api/v1/officer/subjects/{}/reveal", handed.subject_id),
        )
        .send()
        .await
        .expect("reveal");
    assert_eq!(revealed.status(), 200);
    let officer_id = json(
        officer
            .get(&app, "/api/v1/staff/session")
            .send()
            .await
            .expect("me"),
    )
    .await["account_id"]
        .as_str()
        .expect("id")
        .to_owned();

    let opened = admin
        .post(&app, "/api/v1/admin/incidents")
        .json(
            &serde_json::json!({"title": "端末紛失", "description": "officer.a のノートPCを紛失"}),
        )
        .send()
        .await
        .expect("open");
    assert_eq!(opened.status(), 201);
    let incident = json(opened).await["incident_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let scope = admin
        .post(&app, &format!("/api/v1/admin/incidents/{incident}/scope"))
        .json(&serde_json::json!({"actors": [format!("staff:{officer_id}")], "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}))
        .send()
        .await
        .expect("scope");
    assert_eq!(scope.status(), 200);
    let scope_text = scope.text().await.expect("text");
    assert!(
        !scope_text.contains(NUMBER),
        "names and counts, never a number"
    );
    let scope: serde_json::Value = serde_json::from_str(&scope_text).expect("json");
    assert_eq!(scope["people"][0]["subject_id"], handed.subject_id.as_str());
    assert_eq!(scope["ppc_report_due"], false);
    for (step, text) in [
        ("reported", "PPC へ速報"),
        ("notified", "本人へ通知"),
        ("closed", "再発防止策を実施"),
    ] {
        let added = admin
            .post(&app, &format!("/api/v1/admin/incidents/{incident}/steps"))
            .json(&serde_json::json!({"step": step, "text": text}))
            .send()
            .await
            .expect("step");
        assert_eq!(added.status(), 204, "{step}");
    }
    // Closed: nothing more is added.
    let late = admin
        .post(&app, &format!("/api/v1/admin/incidents/{incident}/steps"))
        .json(&serde_json::json!({"step": "note", "text": "late"}))
        .send()
        .await
        .expect("late");
    assert_eq!(late.status(), 409);
    let records = json(
        admin
            .get(&app, "/api/v1/admin/incidents")
            .send()
            .await
            .expect("list"),
    )
    .await;
    let timeline: Vec<&str> = records["items"][0]["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        timeline,
        ["opened", "scope", "reported", "notified", "closed"]
    );
    assert!(records["items"][0]["closed_at"].is_i64());
    // Officers cannot open or read incident records.
    assert_eq!(
        officer
            .get(&app, "/api/v1/admin/incidents")
            .send()
            .await
            .expect("o")
            .status(),
        403
    );
}

async fn page_of(app: &TestApp, who: &Staff, path: &str) -> (u16, String) {
    let r = who.client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

#[tokio::test]
async fn two_officers_dispose_from_the_pages_with_the_step_up() {
    let app = spawn_app().await;
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let elsewhere = enrolled(&app, "officer.osaka", Role::Officer, &["OSA"]).await;
    let submission = overdue_submission(&app, &first).await;

    let (status, due) = page_of(&app, &first, "/s/disposals").await;
    assert_eq!(status, 200);
    assert!(
        due.contains(&format!(r#"value="{submission}""#)),
        "due, with a propose button"
    );
    assert!(due.contains("期限超過"));
    assert!(!due.contains(NUMBER));
    let (_, osaka) = page_of(&app, &elsewhere, "/s/disposals").await;
    assert!(!osaka.contains(&submission), "out of scope is not listed");

    let proposed = first
        .client
        .post(app.url("/s/disposals"))
        .form(&[
            ("csrf", csrf_in(&due).as_str()),
            ("submission_id", submission.as_str()),
        ])
        .send()
        .await
        .expect("propose");
    assert_eq!(proposed.status(), 200);
    let html = proposed.text().await.expect("html");
    assert!(html.contains("提案しました"));
    assert!(
        html.contains("あなたの提案です"),
        "the proposer gets no approve form"
    );
    assert!(!html.contains(r#"action="/s/disposals/"#));

    // The second officer: a wrong code is refused on the page and nothing is destroyed.
    let (_, pending) = page_of(&app, &second, "/s/disposals").await;
    let marker = r#"action="/s/disposals/"#;
    let at = pending.find(marker).expect("an approve form") + marker.len();
    let disposal = pending[at..].split('/').next().expect("id").to_owned();
    let approve = format!("/s/disposals/{disposal}/approve");
    let csrf = csrf_in(&pending);
    let wrong = second
        .client
        .post(app.url(&approve))
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", STAFF_PASSWORD),
            ("totp", "000000"),
        ])
        .send()
        .await
        .expect("wrong code");
    assert_eq!(wrong.status(), 200);
    assert!(wrong.text().await.expect("html").contains("notice error"));
    assert!(
        app.app
            .vault
            .disposal_ledger()
            .await
            .expect("ledger")
            .is_empty()
    );

    let approved = second
        .client
        .post(app.url(&approve))
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", STAFF_PASSWORD),
            ("totp", second.next_code().as_str()),
        ])
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 200);
    assert!(
        approved
            .text()
            .await
            .expect("html")
            .contains("廃棄しました")
    );
    let ledger = app.app.vault.disposal_ledger().await.expect("ledger");
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].submission_id.to_string(), submission);
    assert!(ledger[0].numbers_destroyed >= 1);
    let (_, after) = page_of(&app, &first, "/s/disposals").await;
    assert!(!after.contains(&submission), "nothing left to do");
}

/// A number saved for a collection that ended without a record to keep has no purpose:
/// a draft left on a revoked invitation, a rejected submission and a declined one are due
/// at once, each with its reason, and go the same two-officer way as a retention disposal.
/// A draft whose link still works is not listed and cannot be disposed of.
#[tokio::test]
async fn what_a_revoked_invitation_a_rejection_or_a_decline_left_behind_is_due_at_once() {
    left_behind(spawn_app().await).await;
}

#[tokio::test]
async fn what_was_left_behind_is_due_at_once_on_postgresql_too() {
    if let Some(app) = spawn_app_on_postgres().await {
        left_behind(app).await;
    }
}

/// A draft in TKY: the invitation's id and the submission's.
async fn draft(app: &TestApp, code: &str) -> (Uuid, String) {
    let (invitation, handed) = drafted_as(app, "TKY", code).await;
    (invitation, handed.submission_id)
}

async fn left_behind(app: TestApp) {
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;

    let (revoked_invitation, revoked) = draft(&app, "E201").await;
    app.app
        .vault
        .revoke_invitation(&AuditContext::cli(), revoked_invitation)
        .await
        .expect("revoke");
    let (_, live) = draft(&app, "E202").await;
    let (_, declined) = draft(&app, "E203").await;
    let decline = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({ "reason": "別の会社で提出済みのため" }))
        .send()
        .await
        .expect("decline");
    assert_eq!(decline.status(), 200);
    let handed = submitted_as(&app, "TKY", "E204").await;
    let claimed = first
        .post(&app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim");
    assert_eq!(
        json(claimed).await["submission_id"],
        handed.submission_id.as_str()
    );
    let rejected = first
        .post(
            &app,
            &format!(
                "/api/v1/officer/submissions/{}/reject",
                handed.submission_id
            ),
        )
        .json(&serde_json::json!({ "reason": "wrong_person" }))
        .send()
        .await
        .expect("reject");
    assert_eq!(rejected.status(), 200);

    let due = due_list(&app, &first).await;
    let mut listed: Vec<(String, String, bool)> = due["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["submission_id"].as_str().expect("id").to_owned(),
                i["reason"].as_str().expect("reason").to_owned(),
                i["overdue"].as_bool().expect("overdue"),
            )
        })
        .collect();
    listed.sort();
    let mut expected = vec![
        (revoked.clone(), "invitation_revoked".to_owned(), true),
        (declined.clone(), "declined".to_owned(), true),
        (handed.submission_id.clone(), "rejected".to_owned(), true),
    ];
    expected.sort();
    assert_eq!(listed, expected, "the live draft is not listed");
    let (_, page) = page_of(&app, &first, "/s/disposals").await;
    assert!(page.contains("招待の取消（未提出）") && page.contains("却下"));
    assert!(!page.contains(NUMBER));

    // The person may still finish the live draft: no disposal of it.
    let refused = first
        .post(&app, "/api/v1/officer/disposals")
        .json(&serde_json::json!({ "submission_id": live }))
        .send()
        .await
        .expect("propose");
    assert_eq!(refused.status(), 409);

    // The revoked draft: proposed by one officer, approved by another, ciphertexts gone.
    let disposal = propose_disposal(&app, &first, &revoked).await;
    let record = approve_disposal(&app, &second, &disposal).await;
    assert_eq!(record["numbers_destroyed"], 1);
    assert_eq!(record["documents_destroyed"], 1);
    let status = app
        .app
        .vault
        .submission_status(Uuid::parse_str(&revoked).expect("uuid"))
        .await
        .expect("status");
    assert_eq!(status.state.code(), "disposed");
    let again = due_list(&app, &first).await;
    assert!(!again.to_string().contains(&revoked), "nothing left to do");
}

/// Security review, finding 9: the step-up re-authentication of approvals (password and an
/// authenticator code again) had no attempt limit, so a stolen session could guess the
/// password without end. After five wrong step-ups even the right one is refused for the
/// lockout window, with its own bilingual message, and the refusal is audited.
#[tokio::test]
async fn the_step_up_of_approvals_locks_after_five_wrong_attempts() {
    let app = spawn_app().await;
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let second = enrolled(&app, "admin.b", Role::Admin, &[]).await;
    let proposed = first
        .post(&app, "/api/v1/admin/grants")
        .json(&serde_json::json!({"username": "officer.new", "role": "officer", "scopes": ["TKY"]}))
        .send()
        .await
        .expect("propose");
    assert_eq!(proposed.status(), 201);
    let grant = json(proposed).await["grant_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let approve = |password: &'static str, totp: String| {
        second
            .post(&app, &format!("/api/v1/admin/grants/{grant}/approve"))
            .json(&serde_json::json!({"password": password, "totp": totp}))
            .send()
    };
    for n in 0..5 {
        let wrong = approve("not the password", second.next_code())
            .await
            .expect("wrong");
        assert_eq!(wrong.status(), 401, "attempt {n}");
    }
    let locked = approve(STAFF_PASSWORD, second.step_up_code().await)
        .await
        .expect("right, too late");
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    let body = json(locked).await;
    assert_eq!(body["error"]["code"], "step_up_locked");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let pending = json(
        second
            .get(&app, "/api/v1/admin/grants")
            .send()
            .await
            .expect("pending"),
    )
    .await;
    assert_eq!(
        pending["items"][0]["username"], "officer.new",
        "not approved"
    );
    let denied = app
        .app
        .vault
        .audit_entries(0, 1000)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "staff.reauthenticate" && e.outcome == "denied")
        .count();
    assert_eq!(denied, 6);
}
