//! The admin's desk over HTTP, like a browser without JavaScript (issue 18): staff accounts
//! run through their life by two admins on `/s/accounts` (propose, approve after seeing
//! what is proposed, activation by the holder, disable, enable again, reset), payroll
//! clients rotated and revoked on `/s/payroll-clients`, and the periodic access review
//! signed off on `/s/access-review` (an overdue one raises an alert). Dual control is the
//! application's: the proposer is refused with the one separation-of-duties error. Every
//! form refuses a wrong CSRF token. Collectors enrol TOTP like every staff role.

use sqlx::Connection;
use storage::staff::Role;

use crate::helpers::{TestApp, csrf_in, json, spawn_app, spawn_app_on_postgres};
use crate::staff_accounts::activate;
use crate::staff_helpers::{STAFF_PASSWORD, Staff, create_staff, enrolled, first_sign_in};
use tests::staff::first_sign_in_with;

/// A page as the signed-in staff member sees it.
async fn page(app: &TestApp, staff: &Staff, path: &str) -> (u16, String) {
    let r = staff.get(app, path).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

/// Submits a form of `path`'s page (its CSRF token first) to `action`; redirects are
/// followed, so a success or an explained refusal answers the page with its notice.
async fn submit(
    app: &TestApp,
    staff: &Staff,
    path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, html) = page(app, staff, path).await;
    let csrf = csrf_in(&html);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = staff
        .client
        .post(app.url(action))
        .form(&form)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.expect("html"))
}

/// The `id` in the first `prefix{id}"` of `html` (a pending proposal's element id).
fn id_after(html: &str, prefix: &str) -> String {
    let at = html
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in page"))
        + prefix.len();
    html[at..].split('"').next().expect("id").to_owned()
}

/// The `data-state` of an account's row.
fn account_state(html: &str, username: &str) -> String {
    let row = format!(r#"id="account-{username}" data-state=""#);
    id_after(html, &row)
}

/// The actions the trail recorded as done (not refused), in chain order.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.app
        .vault
        .audit_entries(0, 100_000)
        .await
        .expect("trail")
        .into_iter()
        .filter(|e| e.outcome == "success")
        .map(|e| e.action)
        .collect()
}

async fn step_up(staff: &Staff) -> String {
    staff.step_up_code().await
}

async fn account_id(app: &TestApp, username: &str) -> String {
    app.app
        .vault
        .account_overview()
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.username == username)
        .expect("account")
        .account_id
        .to_string()
}

#[tokio::test]
async fn two_admins_run_an_accounts_life_cycle_from_the_pages() {
    account_life_cycle(spawn_app().await).await;
}

#[tokio::test]
async fn two_admins_run_an_accounts_life_cycle_from_the_pages_on_postgresql() {
    if let Some(app) = spawn_app_on_postgres().await {
        account_life_cycle(app).await;
    }
}

async fn account_life_cycle(app: TestApp) {
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let second = enrolled(&app, "admin.b", Role::Admin, &[]).await;

    // Every account with its rights; no form acts on one's own account.
    let (status, html) = page(&app, &first, "/s/accounts").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("admin.b") && html.contains("管理者"),
        "{html}"
    );
    assert_eq!(account_state(&html, "admin.b"), "enabled");
    let own = account_id(&app, "admin.a").await;
    assert!(!html.contains(&format!("/s/accounts/{own}/disable")));

    // The first admin proposes a new officer; the page says it waits for another admin,
    // and offers its proposer no approve form.
    let (status, html) = submit(
        &app,
        &first,
        "/s/accounts",
        "/s/accounts/grants",
        &[
            ("username", "officer.new"),
            ("role", "officer"),
            ("scopes", "TKY, OSK"),
            ("email", ""),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("別の管理者の承認を待ちます"), "{html}");
    let grant = id_after(&html, r#"<li id="grant-"#);
    assert!(html.contains("あなたの提案です"));
    assert!(!html.contains(&format!("/s/accounts/grants/{grant}/approve")));

    // The proposer approving anyway (a forged form) is refused with the one
    // separation-of-duties error, before any step-up, and the grant still waits.
    let code = first.next_code();
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        &format!("/s/accounts/grants/{grant}/approve"),
        &[("password", STAFF_PASSWORD), ("totp", &code)],
    )
    .await;
    assert!(
        html.contains("この操作は別の担当者が行う必要があります"),
        "{html}"
    );
    assert!(html.contains(&format!(r#"id="grant-{grant}""#)));

    // The second admin sees what is proposed — who, which role and branches, where the
    // link goes, who proposed — and approves with the step-up. No link is shown.
    let (_, html) = page(&app, &second, "/s/accounts").await;
    for seen in [
        "officer.new",
        "事務取扱担当者",
        "TKY, OSK",
        "メールなし",
        "admin.a",
    ] {
        assert!(html.contains(seen), "{seen} on the approver's page");
    }
    let code = step_up(&second).await;
    let (_, html) = submit(
        &app,
        &second,
        "/s/accounts",
        &format!("/s/accounts/grants/{grant}/approve"),
        &[("password", STAFF_PASSWORD), ("totp", &code)],
    )
    .await;
    assert!(html.contains("kakunin user activation"), "{html}");
    assert!(!html.contains("/s/activate/"));
    assert_eq!(account_state(&html, "officer.new"), "activation_pending");

    // The holder activates through the operator's link, signs in and enrols.
    let issued = application::staff_accounts::issue_activation_at_console(&app.app, "officer.new")
        .await
        .expect("link");
    activate(&app, issued.token.expose(), "the new officer's passphrase").await;
    let mut officer = first_sign_in_with(&app, "officer.new", "the new officer's passphrase").await;
    officer.enrol_totp(&app).await;
    let (_, html) = page(&app, &first, "/s/accounts").await;
    assert_eq!(account_state(&html, "officer.new"), "enabled");
    let row = &html[html.find(r#"id="account-officer.new""#).expect("row")..];
    let row = &row[..row.find("</tr>").expect("end")];
    assert!(row.contains("登録済み") && !row.contains("なし"), "{row}");

    // One admin disables it at once: its session ends.
    let officer_id = account_id(&app, "officer.new").await;
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        &format!("/s/accounts/{officer_id}/disable"),
        &[],
    )
    .await;
    assert!(html.contains("無効化しました"), "{html}");
    assert_eq!(account_state(&html, "officer.new"), "disabled");
    assert_eq!(
        officer
            .get(&app, "/api/v1/staff/session")
            .send()
            .await
            .expect("me")
            .status(),
        401
    );

    // Enabling it again takes two admins as well.
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        &format!("/s/accounts/{officer_id}/changes"),
        &[("kind", "enable")],
    )
    .await;
    let change = id_after(&html, r#"<li id="change-"#);
    assert!(!html.contains(&format!("/s/accounts/changes/{change}/approve")));
    let code = step_up(&second).await;
    let (_, html) = submit(
        &app,
        &second,
        "/s/accounts",
        &format!("/s/accounts/changes/{change}/approve"),
        &[("password", STAFF_PASSWORD), ("totp", &code)],
    )
    .await;
    assert!(html.contains("アカウントは再び有効です"), "{html}");
    assert_eq!(account_state(&html, "officer.new"), "enabled");

    // A reset proposed and withdrawn; proposed again and approved: the holder activates
    // again and the authenticator is gone.
    let (_, html) = submit(
        &app,
        &second,
        "/s/accounts",
        &format!("/s/accounts/{officer_id}/changes"),
        &[("kind", "reset_credentials")],
    )
    .await;
    let change = id_after(&html, r#"<li id="change-"#);
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        &format!("/s/accounts/changes/{change}/withdraw"),
        &[],
    )
    .await;
    assert!(html.contains("取り下げました"));
    assert!(!html.contains(&format!(r#"id="change-{change}""#)));
    let (_, html) = submit(
        &app,
        &second,
        "/s/accounts",
        &format!("/s/accounts/{officer_id}/changes"),
        &[("kind", "reset_credentials")],
    )
    .await;
    let change = id_after(&html, r#"<li id="change-"#);
    let code = step_up(&first).await;
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        &format!("/s/accounts/changes/{change}/approve"),
        &[("password", STAFF_PASSWORD), ("totp", &code)],
    )
    .await;
    assert!(html.contains("kakunin user activation"), "{html}");
    assert_eq!(account_state(&html, "officer.new"), "activation_pending");

    // Everything is in the trail under the admins' own names.
    let trail = audit_actions(&app).await;
    for action in [
        "grant.propose",
        "grant.approve",
        "staff.disable",
        "account_change.propose",
        "account_change.approve",
        "account_change.withdraw",
    ] {
        assert!(trail.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn every_admin_desk_form_refuses_a_wrong_csrf_token_and_changes_nothing() {
    let app = spawn_app().await;
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let _second = enrolled(&app, "admin.b", Role::Admin, &[]).await;
    create_staff(&app, "officer.x", Role::Officer, &["TKY"]).await;
    app.app
        .vault
        .create_payroll_client(&storage::AuditContext::cli(), "payroll.host", None)
        .await
        .expect("client");
    let officer = account_id(&app, "officer.x").await;
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        "/s/accounts/grants",
        &[("username", "auditor.new"), ("role", "auditor")],
    )
    .await;
    let grant = id_after(&html, r#"<li id="grant-"#);
    let (_, html) = submit(
        &app,
        &first,
        "/s/accounts",
        &format!("/s/accounts/{officer}/changes"),
        &[("kind", "reset_credentials")],
    )
    .await;
    let change = id_after(&html, r#"<li id="change-"#);
    let before = audit_actions(&app).await.len();

    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/s/accounts/grants".into(),
            vec![("username", "x.new"), ("role", "officer")],
        ),
        (
            format!("/s/accounts/grants/{grant}/approve"),
            vec![("password", STAFF_PASSWORD), ("totp", "000000")],
        ),
        (format!("/s/accounts/grants/{grant}/withdraw"), vec![]),
        (format!("/s/accounts/{officer}/disable"), vec![]),
        (
            format!("/s/accounts/{officer}/changes"),
            vec![("kind", "enable")],
        ),
        (
            format!("/s/accounts/changes/{change}/approve"),
            vec![("password", STAFF_PASSWORD), ("totp", "000000")],
        ),
        (format!("/s/accounts/changes/{change}/withdraw"), vec![]),
        (
            "/s/payroll-clients/rotate".into(),
            vec![("name", "payroll.host")],
        ),
        (
            "/s/payroll-clients/revoke".into(),
            vec![("name", "payroll.host")],
        ),
        ("/s/access-review".into(), vec![("remarks", "looked")]),
    ];
    for (action, fields) in &forms {
        for token in ["", "forged"] {
            let mut form = vec![("csrf", token)];
            form.extend_from_slice(fields);
            let r = first
                .client
                .post(app.url(action))
                .form(&form)
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 403, "{action} with csrf {token:?}");
            let body = r.text().await.expect("html");
            assert!(!body.contains("payroll.host</code>"), "{action}");
        }
        // A page on another origin is refused whatever it carries.
        let (_, html) = page(&app, &first, "/s/accounts").await;
        let csrf = csrf_in(&html);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let r = first
            .client
            .post(app.url(action))
            .header("Origin", "https://evil.example")
            .form(&form)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{action} from another origin");
    }
    assert_eq!(
        audit_actions(&app).await.len(),
        before,
        "nothing changed, nothing audited"
    );
    let (_, html) = page(&app, &first, "/s/accounts").await;
    assert!(html.contains(&format!(r#"id="grant-{grant}""#)));
    assert!(html.contains(&format!(r#"id="change-{change}""#)));
    assert_eq!(account_state(&html, "officer.x"), "enabled");
}

#[tokio::test]
async fn an_admin_rotates_and_revokes_a_payroll_client_from_the_page() {
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
    let (_, html) = page(&app, &admin, "/s/payroll-clients").await;
    assert!(html.contains("payroll.host"));
    let row = &html[html.find(r#"data-name="payroll.host""#).expect("row")..];
    assert!(
        row[..row.find("</tr>").expect("end")].contains("なし"),
        "never used"
    );
    assert_eq!(
        pull(token.expose().to_owned())
            .await
            .expect("pull")
            .status(),
        200
    );
    let (_, html) = page(&app, &admin, "/s/payroll-clients").await;
    let row = &html[html.find(r#"data-name="payroll.host""#).expect("row")..];
    assert!(
        !row[..row.find("</tr>").expect("end")].contains("なし"),
        "last used shown"
    );

    // Rotating shows the new token once, with the warning to copy it now.
    let (status, html) = submit(
        &app,
        &admin,
        "/s/payroll-clients",
        "/s/payroll-clients/rotate",
        &[("name", "payroll.host")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("今すぐ給与システムの設定にコピーしてください"));
    let new_token = id_after(&html, r#"<code class="break" id="new-token">"#);
    let new_token = new_token.split('<').next().expect("token").to_owned();
    assert!(new_token.len() >= 32, "{new_token}");
    assert_eq!(
        pull(token.expose().to_owned())
            .await
            .expect("pull")
            .status(),
        401
    );
    assert_eq!(pull(new_token.clone()).await.expect("pull").status(), 200);
    let (_, again) = page(&app, &admin, "/s/payroll-clients").await;
    assert!(!again.contains(&new_token), "shown once");

    // Revoking: at once, for good.
    let (_, html) = submit(
        &app,
        &admin,
        "/s/payroll-clients",
        "/s/payroll-clients/revoke",
        &[("name", "payroll.host")],
    )
    .await;
    assert!(
        html.contains("このトークンではもう取得できません"),
        "{html}"
    );
    assert!(html.contains(r#"data-state="revoked""#));
    assert_eq!(pull(new_token).await.expect("pull").status(), 401);
    let trail = audit_actions(&app).await;
    assert!(trail.iter().any(|a| a == "payroll.client_rotate"));
    assert!(trail.iter().any(|a| a == "payroll.client_revoke"));
}

#[tokio::test]
async fn the_access_review_is_signed_off_and_an_overdue_one_raises_an_alert() {
    access_review(spawn_app().await).await;
}

#[tokio::test]
async fn the_access_review_is_signed_off_and_an_overdue_one_raises_an_alert_on_postgresql() {
    if let Some(app) = spawn_app_on_postgres().await {
        access_review(app).await;
    }
}

async fn access_review(app: TestApp) {
    let admin = enrolled(&app, "admin.r", Role::Admin, &[]).await;
    create_staff(&app, "officer.idle", Role::Officer, &["TKY"]).await;
    // The instance's accounts were made seven months ago, and the idle officer never
    // signed in: the review is overdue, and the idle account is marked.
    let seven_months_ago = application::time_jp::now_millis() - 213 * 86_400_000;
    {
        let mut db = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
        sqlx::query("UPDATE staff_accounts SET created_at = $1")
            .bind(seven_months_ago)
            .execute(&mut db)
            .await
            .expect("age the accounts");
    }
    let rules = storage::alerts::AlertRules::default();
    assert_eq!(rules.access_review_interval_months, 6, "every six months");
    let raised = app.app.vault.raise_alerts(&rules, 0).await.expect("alerts");
    assert_eq!(
        raised
            .iter()
            .filter(|a| a.rule == "access_review_overdue")
            .count(),
        1
    );
    let again = app.app.vault.raise_alerts(&rules, 0).await.expect("alerts");
    assert!(
        again.iter().all(|a| a.rule != "access_review_overdue"),
        "once"
    );

    let (status, html) = page(&app, &admin, "/s/access-review").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="review-overdue""#));
    assert!(html.contains(r#"id="review-officer.idle" class="flagged" data-inactive="true""#));
    assert!(
        html.contains(r#"<tr id="review-admin.r">"#),
        "signed in today"
    );
    assert!(html.contains("事務取扱担当者") && html.contains("TKY"));

    // Remarks are typed text: a bidi override is refused, and what was typed comes back.
    let (status, html) = submit(
        &app,
        &admin,
        "/s/access-review",
        "/s/access-review",
        &[("remarks", "checked \u{202E}all")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("checked"), "kept");
    let (status, html) = submit(
        &app,
        &admin,
        "/s/access-review",
        "/s/access-review",
        &[("remarks", "")],
    )
    .await;
    assert_eq!(status, 422, "{html}");

    let (status, html) = submit(
        &app,
        &admin,
        "/s/access-review",
        "/s/access-review",
        &[(
            "remarks",
            "全アカウントを確認。officer.idle は来月無効化する。",
        )],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("アクセス権の見直しを記録しました"), "{html}");
    assert!(html.contains("officer.idle は来月無効化する"));
    assert!(!html.contains(r#"id="review-overdue""#));
    let reviews = app.app.vault.access_reviews(10).await.expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].reviewer, "admin.r");
    // Every account then: the first admin `init` made, admin.r and officer.idle.
    assert_eq!(reviews[0].accounts, 3);
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|a| a == "access_review.sign_off")
    );
    // Signed off: nothing is overdue until six months from now.
    let after = app.app.vault.raise_alerts(&rules, 0).await.expect("alerts");
    assert!(after.iter().all(|a| a.rule != "access_review_overdue"));

    // Only admins review.
    let auditor = enrolled(&app, "auditor.r", Role::Auditor, &[]).await;
    let (status, _) = page(&app, &auditor, "/s/access-review").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_collector_enrols_totp_and_then_changes_their_own_password_with_the_step_up() {
    let app = spawn_app().await;
    create_staff(&app, "collector.t", Role::Collector, &["TKY"]).await;
    let mut collector = first_sign_in(&app, "collector.t").await;
    let before = collector
        .get(&app, "/api/v1/assisted/people")
        .send()
        .await
        .expect("people");
    assert_eq!(before.status(), 403);
    assert_eq!(
        json(before).await["error"]["code"],
        "totp_enrolment_required"
    );
    collector.enrol_totp(&app).await;
    let people = collector
        .get(&app, "/api/v1/assisted/people")
        .send()
        .await
        .expect("people");
    assert_eq!(people.status(), 200);
    let changed = collector
        .post(&app, "/api/v1/staff/password")
        .json(&serde_json::json!({
            "current_password": STAFF_PASSWORD,
            "totp": collector.step_up_code().await,
            "new_password": "the collector's own new passphrase",
        }))
        .send()
        .await
        .expect("change");
    assert_eq!(changed.status(), 204);
}

/// Payroll's recipient set by two admins on the page (no `payroll_recipient` in the
/// settings, no restart): the next release is sealed to it and opens with its identity.
#[tokio::test]
async fn two_admins_set_payrolls_recipient_and_the_next_release_is_sealed_to_it() {
    let key = match tests::age::keygen() {
        Ok(key) => key,
        Err(e) => {
            crate::helpers::tool_missing("age-keygen", &e);
            return;
        }
    };
    let app = spawn_app().await;
    let first = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    let second = enrolled(&app, "admin.b", Role::Admin, &[]).await;
    let (_, html) = page(&app, &first, "/s/payroll-clients").await;
    assert!(html.contains("未設定（提供は承認できません）"), "{html}");

    // Not an age recipient: refused, in Japanese, nothing proposed.
    let (_, html) = submit(
        &app,
        &first,
        "/s/payroll-clients",
        "/s/payroll-clients/recipient",
        &[("recipient", "age1notakey")],
    )
    .await;
    assert!(html.contains("受取鍵は age の公開鍵"), "{html}");
    let (_, html) = submit(
        &app,
        &first,
        "/s/payroll-clients",
        "/s/payroll-clients/recipient",
        &[("recipient", &key.recipient)],
    )
    .await;
    let change = id_after(&html, "/s/payroll-clients/recipient/");
    let change = change.split('/').next().expect("id").to_owned();
    assert!(!html.contains(&format!("/s/payroll-clients/recipient/{change}/approve")));
    // The proposer's forged approval: the one separation-of-duties error.
    let (_, html) = submit(
        &app,
        &first,
        "/s/payroll-clients",
        &format!("/s/payroll-clients/recipient/{change}/approve"),
        &[("password", STAFF_PASSWORD), ("totp", &first.next_code())],
    )
    .await;
    assert!(html.contains("この操作は別の担当者が行う必要があります"));
    let code = step_up(&second).await;
    let (_, html) = submit(
        &app,
        &second,
        "/s/payroll-clients",
        &format!("/s/payroll-clients/recipient/{change}/approve"),
        &[("password", STAFF_PASSWORD), ("totp", &code)],
    )
    .await;
    assert!(
        html.contains("これからの提供はこの受取鍵に暗号化されます"),
        "{html}"
    );
    assert!(html.contains(&key.recipient) && html.contains("admin.b"));
    let trail = audit_actions(&app).await;
    assert!(trail.iter().any(|a| a == "payroll.recipient_propose"));
    assert!(trail.iter().any(|a| a == "payroll.recipient_approve"));

    // Two officers release: the file opens with payroll's identity.
    let handed = vec![crate::staff_helpers::submitted_as(&app, "TKY", "E001").await];
    let proposer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let approver = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let verified = crate::staff_helpers::claim_and_verify(&app, &proposer, &handed).await;
    let release = proposer
        .propose_release(&app, &[verified], "年末調整")
        .await;
    let approved = approver
        .approve_release(&app, &release, &approver.next_code())
        .await;
    assert_eq!(approved["records"], 1);
    let sealed = approver
        .post(&app, &format!("/api/v1/officer/releases/{release}/export"))
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let csv = String::from_utf8(tests::age::decrypt(&key.identity, &sealed).expect("age"))
        .expect("utf-8");
    assert!(csv.contains(crate::helpers::NUMBER), "payroll opens it");
}
