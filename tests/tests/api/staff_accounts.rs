//! Staff accounts and machine clients over their life, over HTTP and the command line
//! (security review, findings 6 and 10): nobody but the holder ever knows a staff password
//! (activation links reach the holder alone, by e-mail through a real relay or from the
//! operator's console), every right can be taken back (accounts disabled at once, reset and
//! enabled again by two admins, proposals withdrawn, payroll clients revoked or rotated).

use storage::staff::Role;

use crate::helpers::{TestApp, csrf_in, delivered, json, spawn_app, spawn_with_relay};
use crate::staff_helpers::{STAFF_PASSWORD, Staff, enrolled, sign_in_request};

/// Opens an activation link like a browser and sets `password` through its form.
pub async fn activate(app: &TestApp, token: &str, password: &str) {
    let (status, body) = activation_attempt(app, token, password, password).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#"id="activated""#), "{body}");
}

/// The link's page, then its form with the two passwords: the answer's status and page.
async fn activation_attempt(
    app: &TestApp,
    token: &str,
    password: &str,
    again: &str,
) -> (u16, String) {
    let client = app.new_client();
    let url = app.url(&format!("/s/activate/{token}"));
    let form = client.get(&url).send().await.expect("page");
    let status = form.status().as_u16();
    let html = form.text().await.expect("html");
    if status != 200 {
        return (status, html);
    }
    let answer = client
        .post(&url)
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("password", password),
            ("password_again", again),
        ])
        .send()
        .await
        .expect("submit");
    (answer.status().as_u16(), answer.text().await.expect("html"))
}

async fn step_up_body(admin: &Staff) -> serde_json::Value {
    serde_json::json!({ "password": STAFF_PASSWORD, "totp": admin.step_up_code().await })
}

#[tokio::test]
async fn a_new_accounts_link_reaches_its_holder_by_email_and_no_admin() {
    let Some((app, mut relay, maildir)) = spawn_with_relay().await else {
        return;
    };
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let second = enrolled(&app, "admin.b", Role::Admin, &[]).await;

    let bad_address = first
        .post(&app, "/api/v1/admin/grants")
        .json(&serde_json::json!({"username": "officer.mail", "role": "officer", "email": "not an address"}))
        .send()
        .await
        .expect("propose");
    assert_eq!(bad_address.status(), 422);
    let proposed = first
        .post(&app, "/api/v1/admin/grants")
        .json(&serde_json::json!({
            "username": "officer.mail", "role": "officer", "scopes": ["TKY"],
            "email": "officer.mail@example.jp",
        }))
        .send()
        .await
        .expect("propose");
    assert_eq!(proposed.status(), 201);
    let grant = json(proposed).await["grant_id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The approver sees where the link will go before approving.
    let pending = json(
        second
            .get(&app, "/api/v1/admin/grants")
            .send()
            .await
            .expect("pending"),
    )
    .await;
    assert_eq!(pending["items"][0]["email"], "officer.mail@example.jp");
    let approved = second
        .post(&app, &format!("/api/v1/admin/grants/{grant}/approve"))
        .json(&step_up_body(&second).await)
        .send()
        .await
        .expect("approve");
    assert_eq!(approved.status(), 200);
    let answer = approved.text().await.expect("body");
    assert!(answer.contains(r#""activation":"email""#), "{answer}");
    assert!(
        !answer.contains("/s/activate/") && !answer.contains("password"),
        "the approver learns no credential: {answer}"
    );

    let mails = delivered(&maildir);
    assert_eq!(mails.len(), 1, "one e-mail, to the holder");
    let message = mail_parser::MessageParser::default()
        .parse(&mails[0])
        .expect("a message");
    let to = message
        .to()
        .and_then(|t| t.first())
        .and_then(|a| a.address())
        .expect("to");
    assert_eq!(to, "officer.mail@example.jp");
    let body = message.body_text(0).expect("text").into_owned();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/s/activate/"))
        .expect("the link")
        .to_owned();
    let token = link.rsplit('/').next().expect("token").to_owned();
    assert!(body.contains("officer.mail"));

    // Wrong twice, too weak: refused in both languages, the link still good.
    let (status, page) =
        activation_attempt(&app, &token, "one passphrase here", "another one here").await;
    assert_eq!(status, 422);
    assert!(page.contains("パスワードが一致しません"), "{page}");
    let (status, page) = activation_attempt(&app, &token, "short", "short").await;
    assert_eq!(status, 422);
    assert!(page.contains("12文字以上"), "{page}");
    let chosen = "a passphrase only the officer knows";
    activate(&app, &token, chosen).await;
    // Once only.
    let (status, page) = activation_attempt(&app, &token, chosen, chosen).await;
    assert_eq!(status, 404);
    assert!(page.contains("この設定用リンクは無効です"), "{page}");

    let client = app.new_client();
    let signed_in = sign_in_request(&app, &client, "officer.mail", chosen, None).await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(
        json(signed_in).await["second_factor_done"],
        false,
        "TOTP is enrolled by the holder at the first sign-in"
    );
    let _ = relay.kill();
}

#[tokio::test]
async fn accounts_are_disabled_at_once_and_reset_or_enabled_by_two_admins() {
    let app = spawn_app().await;
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let second = enrolled(&app, "admin.b", Role::Admin, &[]).await;
    let officer = enrolled(&app, "officer.x", Role::Officer, &["TKY"]).await;
    let listed = json(
        first
            .get(&app, "/api/v1/admin/accounts")
            .send()
            .await
            .expect("list"),
    )
    .await;
    let row = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["username"] == "officer.x")
        .expect("listed")
        .clone();
    assert_eq!(row["role"], "officer");
    assert_eq!(row["scopes"], serde_json::json!(["TKY"]));
    assert_eq!(row["totp_enrolled"], true);
    assert!(row["last_sign_in_at"].is_i64());
    let id = row["account_id"].as_str().expect("id").to_owned();
    assert_eq!(
        officer
            .get(&app, "/api/v1/admin/accounts")
            .send()
            .await
            .expect("officer")
            .status(),
        403,
        "only admins review accounts"
    );

    // One admin disables at once: the session ends, sign-in fails.
    let disabled = first
        .post(&app, &format!("/api/v1/admin/accounts/{id}/disable"))
        .send()
        .await
        .expect("disable");
    assert_eq!(disabled.status(), 204);
    assert_eq!(
        officer
            .get(&app, "/api/v1/officer/queue")
            .send()
            .await
            .expect("queue")
            .status(),
        401
    );
    let client = app.new_client();
    assert_eq!(
        sign_in_request(
            &app,
            &client,
            "officer.x",
            STAFF_PASSWORD,
            Some(&officer.next_code())
        )
        .await
        .status(),
        401
    );
    // Nobody disables themselves.
    let me = json(
        first
            .get(&app, "/api/v1/staff/session")
            .send()
            .await
            .expect("me"),
    )
    .await["account_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let own = first
        .post(&app, &format!("/api/v1/admin/accounts/{me}/disable"))
        .send()
        .await
        .expect("own");
    assert_eq!(own.status(), 422);
    assert_eq!(json(own).await["error"]["code"], "own_account");

    // Enabling takes a second admin.
    let change = json(
        first
            .post(&app, &format!("/api/v1/admin/accounts/{id}/changes"))
            .json(&serde_json::json!({"kind": "enable"}))
            .send()
            .await
            .expect("propose"),
    )
    .await["change_id"]
        .as_str()
        .expect("change")
        .to_owned();
    let again = first
        .post(&app, &format!("/api/v1/admin/accounts/{id}/changes"))
        .json(&serde_json::json!({"kind": "enable"}))
        .send()
        .await
        .expect("again");
    assert_eq!(again.status(), 409);
    assert_eq!(json(again).await["error"]["code"], "already_proposed");
    let by_proposer = first
        .post(
            &app,
            &format!("/api/v1/admin/account-changes/{change}/approve"),
        )
        .json(&step_up_body(&first).await)
        .send()
        .await
        .expect("self");
    assert_eq!(by_proposer.status(), 403);
    assert_eq!(
        json(by_proposer).await["error"]["code"],
        "separation_of_duties"
    );
    let enabled = second
        .post(
            &app,
            &format!("/api/v1/admin/account-changes/{change}/approve"),
        )
        .json(&step_up_body(&second).await)
        .send()
        .await
        .expect("approve");
    assert_eq!(enabled.status(), 200);
    assert_eq!(
        sign_in_request(
            &app,
            &client,
            "officer.x",
            STAFF_PASSWORD,
            Some(&officer.step_up_code().await)
        )
        .await
        .status(),
        200,
        "enabled again, with the same credentials"
    );

    // A reset forgets password and TOTP: the holder activates again and re-enrols.
    let reset = json(
        second
            .post(&app, &format!("/api/v1/admin/accounts/{id}/changes"))
            .json(&serde_json::json!({"kind": "reset_credentials"}))
            .send()
            .await
            .expect("propose"),
    )
    .await["change_id"]
        .as_str()
        .expect("change")
        .to_owned();
    let done = first
        .post(
            &app,
            &format!("/api/v1/admin/account-changes/{reset}/approve"),
        )
        .json(&step_up_body(&first).await)
        .send()
        .await
        .expect("approve");
    assert_eq!(done.status(), 200);
    let done = json(done).await;
    assert_eq!(done["activation"], "console");
    assert_eq!(
        sign_in_request(&app, &app.new_client(), "officer.x", STAFF_PASSWORD, None)
            .await
            .status(),
        401,
        "the old password is gone"
    );
    let issued = application::staff_accounts::issue_activation_at_console(&app.app, "officer.x")
        .await
        .expect("link");
    activate(&app, issued.token.expose(), "the officer's new passphrase").await;
    let fresh = sign_in_request(
        &app,
        &app.new_client(),
        "officer.x",
        "the officer's new passphrase",
        None,
    )
    .await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(
        json(fresh).await["second_factor_done"],
        false,
        "TOTP enrolled afresh"
    );

    // A pending grant is withdrawn by any admin; it can no longer be approved.
    let grant = json(
        first
            .post(&app, "/api/v1/admin/grants")
            .json(&serde_json::json!({"username": "auditor.y", "role": "auditor"}))
            .send()
            .await
            .expect("grant"),
    )
    .await["grant_id"]
        .as_str()
        .expect("grant")
        .to_owned();
    assert_eq!(
        second
            .post(&app, &format!("/api/v1/admin/grants/{grant}/withdraw"))
            .send()
            .await
            .expect("withdraw")
            .status(),
        204
    );
    assert_eq!(
        second
            .post(&app, &format!("/api/v1/admin/grants/{grant}/approve"))
            .json(&step_up_body(&second).await)
            .send()
            .await
            .expect("approve")
            .status(),
        404
    );
    let trail = app.app.vault.audit_entries(0, 1000).await.expect("trail");
    for action in [
        "staff.disable",
        "account_change.propose",
        "account_change.approve",
        "staff.activate",
        "staff.activation_issue",
        "grant.withdraw",
    ] {
        assert!(trail.iter().any(|e| e.action == action), "{action} audited");
    }
    assert!(!format!("{trail:?}").contains(issued.token.expose()));
}

#[tokio::test]
async fn staff_change_their_own_password_with_the_current_one_and_a_code() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "officer.p", Role::Officer, &["TKY"]).await;
    let change = |current: &'static str, code: String, new: &'static str| {
        officer
            .post(&app, "/api/v1/staff/password")
            .json(&serde_json::json!({
                "current_password": current, "totp": code, "new_password": new,
            }))
            .send()
    };
    // Refused before any code is spent: a wrong current password, a weak new one.
    let wrong = change(
        "not my password",
        officer.next_code(),
        "a new passphrase for me",
    )
    .await
    .expect("wrong");
    assert_eq!(wrong.status(), 401);
    let weak = change(STAFF_PASSWORD, officer.next_code(), "short")
        .await
        .expect("weak");
    assert_eq!(weak.status(), 422);
    assert_eq!(json(weak).await["error"]["code"], "password_policy");
    let changed = change(
        STAFF_PASSWORD,
        officer.step_up_code().await,
        "a new passphrase for me",
    )
    .await
    .expect("change");
    assert_eq!(changed.status(), 204);
    // This session goes on; the stored hash is the new password's, not the old one's.
    assert_eq!(
        officer
            .get(&app, "/api/v1/staff/session")
            .send()
            .await
            .expect("me")
            .status(),
        200
    );
    let stored = app
        .app
        .vault
        .staff_credentials("officer.p")
        .await
        .expect("read")
        .expect("account")
        .password_hash;
    assert!(intake_api::password::verify_password(
        "a new passphrase for me",
        &stored
    ));
    assert!(!intake_api::password::verify_password(
        STAFF_PASSWORD,
        &stored
    ));
    assert_eq!(
        sign_in_request(
            &app,
            &app.new_client(),
            "officer.p",
            STAFF_PASSWORD,
            Some(&officer.next_code())
        )
        .await
        .status(),
        401
    );
}

#[tokio::test]
async fn a_revoked_payroll_client_pulls_nothing_and_a_rotated_token_replaces_the_old() {
    let app = spawn_app().await;
    let admin = enrolled(&app, "admin.p", Role::Admin, &[]).await;
    let (_, token) = app
        .app
        .vault
        .create_payroll_client(&storage::AuditContext::cli(), "payroll.host", None)
        .await
        .expect("client");
    let pull = |token: String| {
        app.program_client()
            .get(app.url("/api/v1/payroll/releases"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        pull(token.expose().to_owned())
            .await
            .expect("pull")
            .status(),
        200
    );

    // The operator rotates the token at the console: the old one stops at once.
    let rotated =
        application::staff_accounts::rotate_payroll_client_token(&app.app, "payroll.host")
            .await
            .expect("rotate");
    assert_eq!(
        pull(token.expose().to_owned())
            .await
            .expect("pull")
            .status(),
        401
    );
    assert_eq!(
        pull(rotated.expose().to_owned())
            .await
            .expect("pull")
            .status(),
        200
    );

    // An admin revokes it: nothing more is pulled with any token it had.
    let listed = json(
        admin
            .get(&app, "/api/v1/admin/payroll-clients")
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(listed["items"][0]["name"], "payroll.host");
    assert!(listed["items"][0]["revoked_at"].is_null());
    assert!(!listed.to_string().contains(rotated.expose()));
    assert_eq!(
        admin
            .post(&app, "/api/v1/admin/payroll-clients/payroll.host/revoke")
            .send()
            .await
            .expect("revoke")
            .status(),
        204
    );
    assert_eq!(
        pull(rotated.expose().to_owned())
            .await
            .expect("pull")
            .status(),
        401
    );
    assert_eq!(
        admin
            .post(&app, "/api/v1/admin/payroll-clients/payroll.host/revoke")
            .send()
            .await
            .expect("again")
            .status(),
        404
    );
}
