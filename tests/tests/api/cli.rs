//! The command line: `kakunin audit verify`, `kakunin invite --json`, `kakunin retention
//! set`, `kakunin retention dispose`.

use clap::Parser;
use intake_api::cli::{Cli, run};

use crate::helpers::*;

async fn kakunin(app: &TestApp, args: &[&str]) -> u8 {
    let data_dir = app.data_path().display().to_string();
    let mut argv = vec!["kakunin"];
    argv.extend_from_slice(args);
    argv.extend(["--data-dir", &data_dir, "--database-url", &app.db.url]);
    run(Cli::parse_from(argv)).await.expect("command runs")
}

#[tokio::test]
async fn audit_verify_passes_untouched_and_fails_after_an_edit() {
    let app = spawn_app().await;
    app.signed_in_with_self().await;
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 0);

    app.app.vault.drop_audit_triggers_for_tests().await;
    app.app
        .vault
        .tamper_for_tests("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3")
        .await
        .expect("tamper");
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 2);
    let report = app.app.vault.verify_audit_chain().await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.seq), Some(3));
}

#[tokio::test]
async fn an_invitation_from_the_cli_signs_in() {
    let app = spawn_app().await;
    assert_eq!(
        kakunin(
            &app,
            &["invite", "--kind", "payee", "--name", "佐藤 花子", "--json"]
        )
        .await,
        0
    );
    // The token went to stdout; the database shows the invitation and its audit entry.
    let entries = app.app.vault.audit_entries(0, 100).await.expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e.action == "invitation.create" && e.actor == "cli")
    );
}

/// Issue 15: `kakunin invite` bypassed the roster's "already invited" rule and made a
/// second, unlinked record of the same employee. It now meets the same rule (exit 1).
#[tokio::test]
async fn kakunin_invite_refuses_an_employee_code_already_invited() {
    let app = spawn_app().await;
    let invite = [
        "invite",
        "--kind",
        "employee",
        "--name",
        "山田 太郎",
        "--employee-code",
        "E1234",
    ];
    assert_eq!(kakunin(&app, &invite).await, 0);
    assert_eq!(
        kakunin(&app, &invite).await,
        1,
        "a second live invitation is refused"
    );
    let codes = app.app.vault.invited_employee_codes().await.expect("codes");
    assert_eq!(codes.len(), 1);
}

#[tokio::test]
async fn audit_verify_catches_a_cut_tail_through_the_anchor_outside_the_database() {
    let app = spawn_app().await;
    app.signed_in_with_self().await;
    app.app
        .vault
        .anchor_audit_head(&app.settings.audit_anchor_path())
        .await
        .expect("anchor");
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 0);
    app.app.vault.drop_audit_triggers_for_tests().await;
    app.app
        .vault
        .tamper_for_tests("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .await
        .expect("cut");
    app.app
        .vault
        .tamper_for_tests(
            "UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)) WHERE id = 1",
        )
        .await
        .expect("reset head");
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 2);
}

#[tokio::test]
async fn key_rotation_reseals_everything_and_retired_identities_can_be_destroyed() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let uploaded = app
        .upload(&subject, "passport", fixture("orientation/landscape_1.jpg"))
        .await;
    let document = json(uploaded).await["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let old_identity = std::fs::read_to_string(app.identity_path()).expect("identity");

    assert_eq!(kakunin(&app, &["keys", "rotate", "--batch", "1"]).await, 0);
    let new_identity = std::fs::read_to_string(app.identity_path()).expect("identity");
    assert_ne!(old_identity, new_identity);
    // The stored document opens with the new identity through the standard tool...
    let sealed = app.sealed_document(&document).await;
    if let Some(jpeg) = app.open_with_age_cli(&sealed) {
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    }
    // ...and no longer with the old one.
    let old = storage::sealing::Unsealer::from_identity_file(&old_identity).expect("old");
    assert!(!old.can_open(&sealed));
    let retired = std::fs::read_dir(app.data_path().join("keys/retired"))
        .expect("retired")
        .count();
    assert_eq!(retired, 1);
    assert_eq!(kakunin(&app, &["keys", "destroy-retired"]).await, 0);
    let retired = std::fs::read_dir(app.data_path().join("keys/retired"))
        .expect("retired")
        .count();
    assert_eq!(retired, 0);
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 0);
}

#[tokio::test]
async fn leaving_dates_from_hr_make_verified_records_due_and_unknown_codes_are_named() {
    use storage::staff::Role;
    let app = spawn_app().await;
    let officer = crate::staff_helpers::enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let handed = vec![crate::staff_helpers::submitted_as(&app, "TKY", "E100").await];
    crate::staff_helpers::claim_and_verify(&app, &officer, &handed).await;
    let today = time_today();
    assert!(
        app.app
            .vault
            .as_operator()
            .disposal_list(today, 30)
            .await
            .expect("list")
            .is_empty()
    );

    let csv = app.data_path().join("leavers.csv");
    std::fs::write(
        &csv,
        "employee_code,needed_until\nE100,2010-03-31\nE999,2011-01-01\n",
    )
    .expect("csv");
    // E999 is unknown: said, and the run fails, but E100 is recorded.
    assert_eq!(
        kakunin(
            &app,
            &["retention", "set", "--csv", &csv.display().to_string()]
        )
        .await,
        1
    );
    let due = app
        .app
        .vault
        .as_operator()
        .disposal_list(today, 30)
        .await
        .expect("list");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].submission_id.to_string(), handed[0].submission_id);
    std::fs::write(&csv, "E100,2010-13-45\n").expect("csv");
    assert!(
        run(Cli::parse_from([
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
        .is_err(),
        "a bad date stops the run with the line named"
    );

    // An officer sets one over the API, in scope only.
    let path = format!(
        "/api/v1/officer/submissions/{}/needed-until",
        handed[0].submission_id
    );
    let set = officer
        .client
        .put(app.url(&path))
        .header("X-CSRF-Token", &officer.csrf)
        .json(&serde_json::json!({"needed_until": "2030-03-31"}))
        .send()
        .await
        .expect("set");
    assert_eq!(set.status(), 204);
    assert!(
        app.app
            .vault
            .as_operator()
            .disposal_list(today, 30)
            .await
            .expect("list")
            .is_empty()
    );
    let elsewhere =
        crate::staff_helpers::enrolled(&app, "officer.osk", Role::Officer, &["OSK"]).await;
    let refused = elsewhere
        .client
        .put(app.url(&path))
        .header("X-CSRF-Token", &elsewhere.csrf)
        .json(&serde_json::json!({"needed_until": "2010-03-31"}))
        .send()
        .await
        .expect("set");
    assert_eq!(refused.status(), 404);
}

#[tokio::test]
async fn two_officers_dispose_from_the_command_line_each_signing_with_password_and_code() {
    use storage::staff::Role;
    let app = spawn_app().await;
    let first = crate::staff_helpers::enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = crate::staff_helpers::enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let handed = vec![crate::staff_helpers::submitted_as(&app, "TKY", "E100").await];
    let id = crate::staff_helpers::claim_and_verify(&app, &first, &handed).await;
    app.app
        .vault
        .as_operator()
        .set_needed_until(
            &storage::AuditContext::cli(),
            uuid::Uuid::parse_str(&id).expect("uuid"),
            time::macros::date!(2010 - 03 - 31),
        )
        .await
        .expect("needed until");
    let password = app.data_path().join("officer.password");
    std::fs::write(&password, crate::staff_helpers::STAFF_PASSWORD).expect("password");
    let password = password.display().to_string();
    let as_officer = |who: &'static str, code: String, action: Vec<String>| {
        let mut args = vec![
            "retention".to_owned(),
            "dispose".to_owned(),
            "--as".to_owned(),
            who.to_owned(),
            "--password-file".to_owned(),
            password.clone(),
            "--totp".to_owned(),
            code,
        ];
        args.extend(action);
        args
    };
    let run_args = |args: Vec<String>| {
        let app = &app;
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            kakunin(app, &refs).await
        }
    };
    // A wrong code is refused and nothing is proposed.
    assert_eq!(
        run_args(as_officer(
            "officer.a",
            "000000".into(),
            vec!["--propose-due".into()]
        ))
        .await,
        1
    );
    let officer_b = app
        .app
        .vault
        .staff_credentials("officer.b")
        .await
        .expect("lookup")
        .expect("account")
        .account_id;
    assert!(
        app.app
            .vault
            .as_staff(officer_b.into())
            .pending_disposals()
            .await
            .expect("p")
            .is_empty()
    );
    assert_eq!(
        run_args(as_officer(
            "officer.a",
            first.next_code(),
            vec!["--propose-due".into()]
        ))
        .await,
        0
    );
    let pending = app
        .app
        .vault
        .as_staff(officer_b.into())
        .pending_disposals()
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1);
    let disposal = pending[0].disposal_id.to_string();
    // The proposer cannot approve their own proposal, even from the command line.
    let next = time::OffsetDateTime::now_utc().unix_timestamp() as u64 + 60;
    let own_code = first
        .totp
        .as_ref()
        .expect("totp")
        .generate(next)
        .to_string();
    assert_eq!(
        run_args(as_officer(
            "officer.a",
            own_code,
            vec!["--approve".into(), disposal.clone()]
        ))
        .await,
        1
    );
    assert!(
        app.app
            .vault
            .disposal_ledger()
            .await
            .expect("ledger")
            .is_empty()
    );
    assert_eq!(
        run_args(as_officer(
            "officer.b",
            second.next_code(),
            vec!["--approve".into(), disposal]
        ))
        .await,
        0
    );
    let ledger = app.app.vault.disposal_ledger().await.expect("ledger");
    assert_eq!(ledger.len(), 1);
    assert_ne!(ledger[0].proposed_by, ledger[0].approved_by);
    assert!(ledger[0].numbers_destroyed >= 1);
    app.app.vault.verify_audit_chain().await.expect("chain");
}

/// Security review, findings 6 and 10 at the console: the operator prints an activation
/// link for a holder no e-mail reaches, and revokes or rotates a payroll client.
#[tokio::test]
async fn the_operator_issues_activation_links_and_revokes_or_rotates_payroll_clients() {
    let app = spawn_app().await;
    crate::staff_helpers::create_staff(
        &app,
        "officer.cli",
        storage::staff::Role::Officer,
        &["TKY"],
    )
    .await;
    assert_eq!(
        kakunin(&app, &["user", "activation", "--username", "officer.cli"]).await,
        0
    );
    assert_eq!(
        kakunin(&app, &["user", "activation", "--username", "nobody.here"]).await,
        1
    );
    // The account's old password stopped working when the link was printed.
    assert_eq!(
        crate::staff_helpers::sign_in_request(
            &app,
            &app.new_client(),
            "officer.cli",
            crate::staff_helpers::STAFF_PASSWORD,
            None
        )
        .await
        .status(),
        401
    );
    app.app
        .vault
        .create_payroll_client(&storage::AuditContext::cli(), "payroll.cli", None)
        .await
        .expect("client");
    assert_eq!(
        kakunin(&app, &["payroll-client", "rotate", "--name", "payroll.cli"]).await,
        0
    );
    assert_eq!(kakunin(&app, &["payroll-client", "list"]).await, 0);
    assert_eq!(
        kakunin(&app, &["payroll-client", "revoke", "--name", "payroll.cli"]).await,
        0
    );
    assert_eq!(
        kakunin(&app, &["payroll-client", "revoke", "--name", "payroll.cli"]).await,
        1
    );
    let entries = app.app.vault.audit_entries(0, 200).await.expect("entries");
    for action in [
        "staff.activation_issue",
        "payroll.client_rotate",
        "payroll.client_revoke",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e.action == action && e.actor == "cli"),
            "{action}"
        );
    }
}

/// Issue 18: `kakunin serve --public-url` is remembered, so `kakunin invite` prints links
/// under the address the service really answers on; started on the configured address
/// again, the memory goes.
#[tokio::test]
async fn kakunin_invite_prints_links_under_the_public_url_serve_was_given() {
    use crate::process::{ServerProcess, init_data_dir, kakunin_cli};
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    init_data_dir(&data, None, "");
    let invite = |data: &std::path::Path| {
        let (status, out) = kakunin_cli(
            data,
            None,
            &["invite", "--kind", "payee", "--name", "山田 太郎", "--json"],
        );
        assert_eq!(status, 0);
        let body: serde_json::Value = serde_json::from_str(&out).expect("json");
        body["url"].as_str().expect("url").to_owned()
    };
    let server =
        ServerProcess::start_with(&data, None, &["--public-url", "https://kakunin.example.jp"]);
    assert!(
        invite(&data).starts_with("https://kakunin.example.jp/i/"),
        "the link opens where the service answers"
    );
    drop(server);
    let server = ServerProcess::start(&data, None);
    assert!(
        invite(&data).starts_with("https://localhost:8443/i/"),
        "the configured address again"
    );
    drop(server);
}

/// Issue 18: the first start's demo invitation is an invitation like any other: the
/// admins' list shows it, and revoking it there closes its link.
#[tokio::test]
async fn the_first_run_demo_invitation_is_revoked_like_any_other() {
    use crate::process::{ServerProcess, kakunin_cli};
    use tests::staff::{STAFF_PASSWORD, json_of, sign_in_and_enrol};
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let server = ServerProcess::start(&data, None);
    let first_run = std::fs::read_to_string(data.join("FIRST-RUN.txt")).expect("FIRST-RUN.txt");
    let link = first_run
        .lines()
        .find(|l| l.contains("/i/"))
        .expect("the demo link");
    let token = link.trim().rsplit("/i/").next().expect("token").to_owned();
    let phone = server.new_client();
    let opened = phone
        .get(server.url(&format!("/i/{token}")))
        .send()
        .await
        .expect("open");
    assert_eq!(opened.status(), 200, "the demo link opens before");

    let password = dir.path().join("admin.password");
    std::fs::write(&password, STAFF_PASSWORD).expect("password file");
    let password = password.to_str().expect("utf-8 path");
    let (status, _) = kakunin_cli(
        &data,
        None,
        &[
            "user",
            "add",
            "--role",
            "admin",
            "--username",
            "admin.demo",
            "--password-file",
            password,
        ],
    );
    assert_eq!(status, 0);
    let admin = sign_in_and_enrol(&server, "admin.demo").await;
    let list = json_of(
        admin
            .get(&server, "/api/v1/admin/invitations")
            .send()
            .await
            .expect("list"),
        200,
        "the invitations",
    )
    .await;
    let demo = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "デモ 太郎")
        .expect("the demo invitation is listed");
    let revoked = admin
        .post(
            &server,
            &format!(
                "/api/v1/admin/invitations/{}/revoke",
                demo["id"].as_str().expect("id")
            ),
        )
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 204);
    let again = server
        .new_client()
        .get(server.url(&format!("/i/{token}")))
        .send()
        .await
        .expect("open again");
    assert_ne!(again.status(), 200, "the revoked demo link no longer opens");
}
