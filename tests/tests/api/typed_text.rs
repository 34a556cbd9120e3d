//! Control, bidirectional and invisible characters in what a person types: refused where an
//! account or a text is created, neutralised (U+FFFD) where it is recorded without a chance
//! to refuse it (the username of a failed sign-in, the `User-Agent`), so no staff page or
//! history shows a raw CR, LF or U+202E.

use clap::Parser;
use intake_api::cli::{Cli, run};
use storage::staff::Role;
use storage::typed_text::{Lines, is_refused};

use crate::helpers::{TestApp, json, spawn_app, spawn_app_on_postgres};
use crate::staff_helpers::{STAFF_PASSWORD, enrolled, sign_in_request};

/// Usernames that would split a line of the history or reverse what follows.
const BAD_USERNAMES: [&str; 4] = [
    "evil\r\nadmin",
    "evil\nadmin",
    "admin\u{202E}nimda",
    "\u{202E}officer.a",
];

/// Whether the command refuses (an error, or a non-zero exit status).
async fn kakunin_refuses(argv: &[&str]) -> bool {
    !matches!(run(Cli::parse_from(argv)).await, Ok(0))
}

#[tokio::test]
async fn a_username_with_a_line_break_or_a_bidi_control_is_refused_when_an_account_is_created() {
    let app = spawn_app().await;
    let admin = enrolled(&app, "admin.a", Role::Admin, &[]).await;
    for username in BAD_USERNAMES.into_iter().chain(["-officer", ".officer"]) {
        let refused = admin
            .post(&app, "/api/v1/admin/grants")
            .json(&serde_json::json!({"username": username, "role": "officer", "scopes": ["TKY"]}))
            .send()
            .await
            .expect("grant");
        assert_eq!(refused.status(), 422, "{username:?}");
        let error = json(refused).await["error"].clone();
        assert_eq!(error["code"], "username_invalid", "{username:?}");
        assert_eq!(error["field"], "username");
    }

    let password = app.data_path().join("password.txt");
    std::fs::write(&password, STAFF_PASSWORD).expect("password file");
    let password = password.display().to_string();
    let data_dir = app.data_path().display().to_string();
    for username in BAD_USERNAMES {
        let argv = [
            "kakunin",
            "user",
            "add",
            "--role",
            "officer",
            "--username",
            username,
            "--password-file",
            &password,
            "--data-dir",
            &data_dir,
            "--database-url",
            &app.db.url,
        ];
        assert!(
            kakunin_refuses(&argv).await,
            "kakunin user add {username:?} is refused"
        );
    }
    // The first admin of `kakunin init` follows the same rule, before anything is written.
    let fresh = tempfile::tempdir().expect("tmp");
    let data = fresh.path().join("data");
    for username in BAD_USERNAMES {
        let argv = [
            "kakunin",
            "init",
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--admin",
            username,
        ];
        assert!(
            kakunin_refuses(&argv).await,
            "kakunin init --admin {username:?} is refused"
        );
        assert!(!data.join("keys").exists(), "nothing was written");
    }
    let accounts = app
        .app
        .vault
        .staff_credentials("evil\r\nadmin")
        .await
        .expect("lookup");
    assert!(accounts.is_none(), "no account was created");
}

#[tokio::test]
async fn a_failed_sign_in_with_control_characters_is_recorded_neutralised_on_sqlite() {
    failed_sign_in_is_recorded_neutralised(spawn_app().await).await;
}

#[tokio::test]
async fn a_failed_sign_in_with_control_characters_is_recorded_neutralised_on_postgresql() {
    if let Some(app) = spawn_app_on_postgres().await {
        failed_sign_in_is_recorded_neutralised(app).await;
    }
}

fn raw_characters(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| is_refused(*c, Lines::One))
        .collect()
}

async fn failed_sign_in_is_recorded_neutralised(app: TestApp) {
    let auditor = enrolled(&app, "auditor.a", Role::Auditor, &[]).await;
    let forged = "officer.a\r\n2026-12-01 success admin\u{202E}";
    let client = app.new_client();
    for _ in 0..2 {
        let refused =
            sign_in_request(&app, &client, forged, "not the right passphrase", None).await;
        assert_eq!(refused.status(), 401);
    }
    // A tab is the one control character an HTTP header may carry.
    let refused = client
        .post(app.url("/api/v1/staff/session"))
        .header("User-Agent", "Mozilla/5.0\t(forged)")
        .json(&serde_json::json!({"username": "nobody", "password": "not the right passphrase"}))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(refused.status(), 401);

    let history = json(
        auditor
            .get(&app, "/api/v1/admin/sign-ins")
            .send()
            .await
            .expect("history"),
    )
    .await;
    let rows = history.as_array().expect("rows");
    for row in rows {
        for field in ["username", "user_agent"] {
            let text = row[field].as_str().unwrap_or_default();
            assert!(raw_characters(text).is_empty(), "{field} {text:?} is raw");
        }
    }
    let neutralised = "officer.a\u{FFFD}\u{FFFD}2026-12-01 success admin\u{FFFD}";
    let forged_rows = rows.iter().filter(|r| r["username"] == neutralised).count();
    assert_eq!(forged_rows, 2, "both attempts, counted under one name");
    assert!(
        rows.iter()
            .any(|r| r["user_agent"] == "Mozilla/5.0\u{FFFD}(forged)")
    );

    let page = auditor
        .client
        .get(app.url("/s/alerts"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(neutralised),
        "the page shows the neutralised name"
    );
    assert!(!page.contains('\u{202E}') && !page.contains('\r'));
    assert!(!page.contains("officer.a\n"));
}

#[tokio::test]
async fn free_text_with_a_bidi_control_is_refused_wherever_staff_read_it() {
    let app = spawn_app().await;
    // A provider's decline reason (the officers read it).
    let token = app.invite(None).await;
    assert_eq!(app.sign_in(&token, None).await.status(), 200);
    let declined = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({"reason": "理由\u{202E}txt.exe"}))
        .send()
        .await
        .expect("decline");
    assert_eq!(declined.status(), 422);
    assert_eq!(
        json(declined).await["error"]["code"],
        "decline_reason_invalid"
    );
    // Several lines are fine there, whichever line ends the browser sends.
    let declined = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({"reason": "カードがありません。\r\n後日提出します。"}))
        .send()
        .await
        .expect("decline");
    assert_eq!(declined.status(), 200);

    // A release's note beside its purpose (the export ledger): one line, no bidi control.
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    for note in ["年末調整\u{202E}", "年末調整\n2026", "\u{200B}"] {
        let proposed = officer
            .post(&app, "/api/v1/officer/releases")
            .json(&serde_json::json!({"submission_ids": [], "purpose": tests::staff::RELEASE_PURPOSE, "note": note}))
            .send()
            .await
            .expect("propose");
        assert_eq!(proposed.status(), 422, "{note:?}");
        assert_eq!(json(proposed).await["error"]["code"], "message_invalid");
    }
    // The purpose itself is one of the configured purposes of use, nothing else.
    for purpose in [
        "年末調整",
        "",
        "給与所得・退職所得の源泉徴収票作成事務\u{202E}",
    ] {
        let proposed = officer
            .post(&app, "/api/v1/officer/releases")
            .json(&serde_json::json!({"submission_ids": [], "purpose": purpose}))
            .send()
            .await
            .expect("propose");
        assert_eq!(proposed.status(), 422, "{purpose:?}");
        let error = json(proposed).await["error"].clone();
        assert_eq!(error["code"], "purpose_not_listed");
        assert!(
            error["message_ja"]
                .as_str()
                .expect("ja")
                .contains("利用目的")
        );
    }

    // An incident's title (one line) and a step's text.
    let auditor = enrolled(&app, "auditor.a", Role::Auditor, &[]).await;
    for (title, description) in [("漏えい\n疑い", ""), ("漏えい", "詳細\u{2066}")] {
        let opened = auditor
            .post(&app, "/api/v1/admin/incidents")
            .json(&serde_json::json!({"title": title, "description": description}))
            .send()
            .await
            .expect("open");
        assert_eq!(opened.status(), 422, "{title:?} {description:?}");
        assert_eq!(json(opened).await["error"]["code"], "message_invalid");
    }
}
