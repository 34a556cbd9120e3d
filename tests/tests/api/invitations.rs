//! Invitations for admins, over HTTP: the roster from the pages (Shift_JIS from Excel,
//! checked before anything is created, every refused cell named), the printable sheet
//! whose links open, revoke and re-issue; the same through `/api/v1/admin/invitations`;
//! and e-mail through a real SMTP relay (Debian's aiosmtpd) that demands STARTTLS.

use storage::staff::Role;

use crate::helpers::{TestApp, csrf_in, delivered, json, spawn_app, spawn_with_relay};
use crate::staff_helpers::{Staff, enrolled};

/// Every invitation link on a page.
fn links_in(html: &str, app: &TestApp) -> Vec<String> {
    let prefix = format!("{}/i/", app.settings.public_url.trim_end_matches('/'));
    let mut links: Vec<String> = html
        .match_indices(&prefix)
        .map(|(at, _)| {
            html[at..]
                .split(['<', '"', ' ', '\n', '\r'])
                .next()
                .expect("link")
                .to_owned()
        })
        .collect();
    links.dedup();
    links
}

async fn page(app: &TestApp, who: &Staff, path: &str) -> (u16, String) {
    let r = who.client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

async fn multipart(
    app: &TestApp,
    who: &Staff,
    path: &str,
    form: reqwest::multipart::Form,
) -> (u16, String) {
    let r = who
        .client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.expect("html"))
}

async fn invitation_count(app: &TestApp) -> usize {
    app.app
        .vault
        .invitations(&storage::invitation_admin::InvitationQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .expect("list")
        .len()
}

/// What a phone sees at a link: 200 with the name, or the bilingual "not valid" page.
async fn landing(app: &TestApp, link: &str) -> (u16, String) {
    let path = link
        .split_once("/i/")
        .map(|(_, t)| format!("/i/{t}"))
        .expect("path");
    let r = app
        .new_client()
        .get(app.url(&path))
        .send()
        .await
        .expect("landing");
    (r.status().as_u16(), r.text().await.expect("html"))
}

const ROSTER: &str = "社員番号,氏名,フリガナ,メールアドレス,所属,生年月日\r\n\
                      E100,山田 太郎,やまだ たろう,,TKY,1985/04/01\r\n\
                      E101,佐藤 <b>花子</b>,サトウ ハナコ,,TKY,\r\n\
                      E102,鈴木 一郎,スズキ イチロウ,,OSK,\r\n";

#[tokio::test]
async fn an_admin_invites_a_roster_from_the_pages_and_hands_out_the_printed_links() {
    let app = spawn_app().await;
    let admin = enrolled(&app, "hr.admin", Role::Admin, &[]).await;
    let (status, form_page) = page(&app, &admin, "/s/invitations/new").await;
    assert_eq!(status, 200);
    assert!(
        form_page.contains(r#"id="mail-off""#),
        "says e-mail is not set up"
    );
    let csrf = csrf_in(&form_page);

    // A roster with mistakes: every refused cell is named, nothing is created.
    let bad = "社員番号,氏名,フリガナ,メール\nE1,良い 人,ヨイ ヒト,\n,名前,Yamada,not-an-address\n";
    let (status, html) = multipart(
        &app,
        &admin,
        "/s/invitations/check",
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("roster", bad),
    )
    .await;
    assert_eq!(status, 422);
    for code in ["employee_code_required", "kana_invalid", "email_invalid"] {
        assert!(html.contains(&format!(r#"data-code="{code}""#)), "{code}");
    }
    assert!(html.contains("メールアドレスの形式が正しくありません。"));
    assert_eq!(invitation_count(&app).await, 0);

    // The roster as Excel saves it (Shift_JIS): checked, shown, nothing created yet.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(ROSTER);
    let file = reqwest::multipart::Part::bytes(sjis.into_owned())
        .file_name("roster.csv")
        .mime_str("text/csv")
        .expect("mime");
    let (status, check) = multipart(
        &app,
        &admin,
        "/s/invitations/check",
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("roster_file", file),
    )
    .await;
    assert_eq!(status, 200, "{check}");
    assert!(check.contains("山田 太郎") && check.contains("ヤマダ タロウ"));
    assert!(
        check.contains("佐藤 &lt;b&gt;花子&lt;/b&gt;"),
        "HTML in a name is escaped"
    );
    assert!(check.contains(r#"<strong id="count-sheet">3</strong>"#));
    assert_eq!(invitation_count(&app).await, 0, "the check creates nothing");

    // Create: the sheet holds three links with their QR codes, and they open.
    let (status, sheet) = multipart(
        &app,
        &admin,
        "/s/invitations",
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("roster", ROSTER),
    )
    .await;
    assert_eq!(status, 200, "{sheet}");
    let links = links_in(&sheet, &app);
    assert_eq!(links.len(), 3, "{links:?}");
    assert_eq!(sheet.matches("data:image/svg+xml;base64,").count(), 3);
    assert!(!sheet.contains("<b>花子"), "escaped on the sheet too");
    let (status, landing_page) = landing(&app, &links[0]).await;
    assert_eq!(status, 200);
    assert!(landing_page.contains("山田 太郎"));

    // The same roster again would make second records of the same people: refused.
    let (status, again) = multipart(
        &app,
        &admin,
        "/s/invitations",
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("roster", ROSTER),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(again.matches(r#"data-code="already_invited""#).count(), 3);
    assert_eq!(invitation_count(&app).await, 3);

    // The list; revoke one (its link dies), re-issue another (old link dies, new opens).
    let (status, list) = page(&app, &admin, "/s/invitations").await;
    assert_eq!(status, 200);
    assert_eq!(list.matches(r#"<tr id="inv-"#).count(), 3);
    assert!(
        links_in(&list, &app).is_empty(),
        "the list never shows a link"
    );
    let lines = app
        .app
        .vault
        .invitations(&storage::invitation_admin::InvitationQuery {
            employee_code: Some("E100".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("E100");
    let yamada = lines[0].id;
    let suzuki = app
        .app
        .vault
        .invitations(&storage::invitation_admin::InvitationQuery {
            employee_code: Some("E102".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("E102")[0]
        .id;
    let list_csrf = csrf_in(&list);
    let revoked = admin
        .client
        .post(app.url(&format!("/s/invitations/{suzuki}/revoke")))
        .form(&[("csrf", list_csrf.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 200, "followed back to the list");
    assert!(
        revoked
            .text()
            .await
            .expect("html")
            .contains("招待を取り消しました")
    );
    let (status, dead) = landing(&app, &links[2]).await;
    assert_eq!((status, dead.contains("この招待リンクは無効")), (404, true));

    let reissued = admin
        .client
        .post(app.url(&format!("/s/invitations/{yamada}/reissue")))
        .form(&[("csrf", list_csrf.as_str())])
        .send()
        .await
        .expect("reissue");
    assert_eq!(reissued.status(), 200);
    let new_links = links_in(&reissued.text().await.expect("html"), &app);
    assert_eq!(new_links.len(), 1);
    assert_ne!(new_links[0], links[0]);
    assert_eq!(
        landing(&app, &links[0]).await.0,
        404,
        "the old link is dead"
    );
    assert_eq!(
        landing(&app, &new_links[0]).await.0,
        200,
        "the new one opens"
    );

    // A forged form is refused; an officer cannot reach the pages.
    let forged = admin
        .client
        .post(app.url(&format!("/s/invitations/{yamada}/revoke")))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 403);
    let officer = enrolled(&app, "officer.i", Role::Officer, &["TKY"]).await;
    assert_eq!(page(&app, &officer, "/s/invitations").await.0, 403);
    assert_eq!(page(&app, &officer, "/s/invitations/new").await.0, 403);
}

#[tokio::test]
async fn the_api_creates_all_or_nothing_and_names_each_refused_field() {
    let app = spawn_app().await;
    let admin = enrolled(&app, "hr.api", Role::Admin, &[]).await;
    let refused = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&serde_json::json!({ "invitations": [
            { "employee_code": "A1", "name": "良い 人" },
            { "employee_code": "A2", "name": "", "birth_date": "2999-01-01" },
            { "employee_code": "A1", "name": "二度目" },
        ]}))
        .send()
        .await
        .expect("create");
    assert_eq!(refused.status(), 422);
    let body = json(refused).await;
    let rows: Vec<(u64, &str, &str)> = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().expect("index"),
                r["column"].as_str().expect("column"),
                r["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, "name", "name_empty"),
            (1, "birth_date", "birth_date_range"),
            (2, "employee_code", "roster_duplicate_code"),
        ]
    );
    assert!(
        body["rows"][0]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(invitation_count(&app).await, 0);

    let created = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&serde_json::json!({ "invitations": [
            { "employee_code": "A1", "name": "良い 人", "branch": "TKY" },
            { "kind": "payee", "name": "個人 事業主" },
        ]}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    assert_eq!(
        created
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body = json(created).await;
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["mail"], "not_requested");
    let first = items[0]["id"].as_str().expect("id").to_owned();
    let url = items[0]["url"].as_str().expect("url").to_owned();
    assert_eq!(landing(&app, &url).await.0, 200);

    let list = json(
        admin
            .get(&app, "/api/v1/admin/invitations?link=active&branch=TKY")
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    assert!(!list.to_string().contains("/i/"), "no link in the list");
    let bad_filter = admin
        .get(&app, "/api/v1/admin/invitations?link=whatever")
        .send()
        .await
        .expect("list");
    assert_eq!(bad_filter.status(), 400);

    let revoke = |id: String| {
        admin
            .post(&app, &format!("/api/v1/admin/invitations/{id}/revoke"))
            .send()
    };
    assert_eq!(revoke(first.clone()).await.expect("revoke").status(), 204);
    let twice = revoke(first.clone()).await.expect("revoke");
    assert_eq!(twice.status(), 409);
    assert_eq!(json(twice).await["error"]["code"], "invitation_revoked");
    assert_eq!(landing(&app, &url).await.0, 404);
    let reissue_revoked = admin
        .post(&app, &format!("/api/v1/admin/invitations/{first}/reissue"))
        .send()
        .await
        .expect("reissue");
    assert_eq!(reissue_revoked.status(), 409);

    let officer = enrolled(&app, "officer.api", Role::Officer, &["TKY"]).await;
    let forbidden = officer
        .post(&app, "/api/v1/admin/invitations")
        .json(&serde_json::json!({ "invitations": [{ "employee_code": "X", "name": "誰か" }] }))
        .send()
        .await
        .expect("officer");
    assert_eq!(forbidden.status(), 403);
    assert_eq!(invitation_count(&app).await, 2);
}

#[tokio::test]
async fn links_go_by_email_through_a_relay_that_demands_starttls() {
    let Some((app, mut relay, maildir)) = spawn_with_relay().await else {
        return;
    };
    let admin = enrolled(&app, "hr.mail", Role::Admin, &[]).await;

    // The check page shows the e-mail exactly as it will go, with a placeholder link.
    let (_, form_page) = page(&app, &admin, "/s/invitations/new").await;
    assert!(!form_page.contains(r#"id="mail-off""#));
    let roster = "社員番号,氏名,メール\nM1,山田 太郎,taro@example.jp\nM2,佐藤 花子,\n";
    let (status, check) = multipart(
        &app,
        &admin,
        "/s/invitations/check",
        reqwest::multipart::Form::new()
            .text("csrf", csrf_in(&form_page))
            .text("roster", roster)
            .text("send_email", "true"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(check.contains(r#"<strong id="count-email">1</strong>"#));
    assert!(check.contains(r#"<strong id="count-sheet">1</strong>"#));
    assert!(check.contains("【株式会社サンプル】マイナンバーご提出のお願い"));
    assert!(check.contains("本人専用のリンクが入ります"));

    let (status, sheet) = multipart(
        &app,
        &admin,
        "/s/invitations",
        reqwest::multipart::Form::new()
            .text("csrf", csrf_in(&form_page))
            .text("roster", roster)
            .text("send_email", "true"),
    )
    .await;
    assert_eq!(status, 200, "{sheet}");
    let on_paper = links_in(&sheet, &app);
    assert_eq!(
        on_paper.len(),
        1,
        "only the person without an address is on the sheet: {sheet}"
    );
    assert!(sheet.contains(r#"<ul id="emailed"><li>山田 太郎 (M1)"#));

    let mails = delivered(&maildir);
    assert_eq!(mails.len(), 1);
    let message = mail_parser::MessageParser::default()
        .parse(&mails[0])
        .expect("a message");
    assert_eq!(
        message.subject(),
        Some("【株式会社サンプル】マイナンバーご提出のお願い / Please provide your My Number")
    );
    let body = message.body_text(0).expect("text body").into_owned();
    let sent_links = links_in(&body, &app);
    assert_eq!(sent_links.len(), 1);
    assert!(!on_paper.contains(&sent_links[0]));
    assert!(body.starts_with("山田 太郎 様"));
    assert_eq!(
        landing(&app, &sent_links[0]).await.0,
        200,
        "the e-mailed link opens"
    );
    let line = &app
        .app
        .vault
        .invitations(&storage::invitation_admin::InvitationQuery {
            employee_code: Some("M1".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("M1")[0];
    assert!(line.emailed_at.is_some());

    // The relay goes away: the re-issued link is not lost, it lands on the sheet.
    let _ = relay.kill();
    let _ = relay.wait();
    let reissued = json(
        admin
            .post(
                &app,
                &format!("/api/v1/admin/invitations/{}/reissue", line.id),
            )
            .json(&serde_json::json!({ "send_email": true }))
            .send()
            .await
            .expect("reissue"),
    )
    .await;
    assert_eq!(reissued["mail"], "failed");
    assert!(reissued["url"].as_str().is_some_and(|u| u.contains("/i/")));
    let emails = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("invitation.email".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("trail");
    let outcomes: Vec<&str> = emails.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["success", "denied"]);
    assert!(
        emails.iter().all(|e| !e.detail.contains("example.jp")),
        "no address in the trail"
    );
}

#[tokio::test]
async fn a_roster_as_excel_writes_it_names_branches_by_their_display_names_and_shows_refused_values()
 {
    let app = spawn_app().await;
    let admin = enrolled(&app, "hr.admin", Role::Admin, &[]).await;
    // The admin names the branches (issue 18); a second branch may not take the same name,
    // and a name is plain typed text.
    for (code, name, status) in [
        ("osaka", "大阪支店", 204),
        ("TKY", "東京本社", 204),
        ("nagoya", "大阪支店", 409),
        ("nagoya", "=HYPERLINK(\"x\")", 422),
        ("名古屋", "名古屋支店", 422),
    ] {
        let r = admin
            .put(&app, &format!("/api/v1/admin/branches/{code}"))
            .json(&serde_json::json!({ "display_name": name }))
            .send()
            .await
            .expect("set");
        assert_eq!(r.status().as_u16(), status, "{code} {name}");
    }
    let listed = json(
        admin
            .get(&app, "/api/v1/admin/branches")
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["items"][0]["code"], "TKY");
    assert_eq!(listed["items"][0]["display_name"], "東京本社");

    let (_, form_page) = page(&app, &admin, "/s/invitations/new").await;
    let csrf = csrf_in(&form_page);
    // Excel's dates and branch names: read as codes and ISO dates.
    let roster = "社員番号,氏名,フリガナ,所属,生年月日\r\n\
                  X1,山田 太郎,ヤマダ タロウ,大阪支店,1985/2/28\r\n\
                  X2,佐藤 花子,サトウ ハナコ,東京本社,1985/02/28\r\n";
    let (status, html) = multipart(
        &app,
        &admin,
        "/s/invitations/check",
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("roster", roster),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    // A branch nobody named and an impossible date: the line as Excel numbers it (the
    // header is line 1), the column, the value as it was in the file, and the reason.
    let roster = "社員番号,氏名,フリガナ,所属,生年月日\r\n\
                  X1,山田 太郎,ヤマダ タロウ,大阪支店,1985/2/28\r\n\
                  X3,鈴木 一郎,スズキ イチロウ,名古屋支店,1985/2/30\r\n";
    let (status, html) = multipart(
        &app,
        &admin,
        "/s/invitations/check",
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("roster", roster),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("<td>3</td><td>拠点・部署</td><td class=\"value\">名古屋支店</td>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"value\">1985/2/30</td>"));
    assert!(
        html.contains("登録済みの拠点名"),
        "the reason says a name must be registered"
    );
    assert_eq!(invitation_count(&app).await, 0);

    // Through the API too: the branch's name becomes its code on the invitation.
    let created = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&serde_json::json!({"invitations": [
            {"employee_code": "X9", "name": "高橋 三郎", "branch": "大阪支店", "birth_date": "1980/1/5"}
        ]}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let invitations = app
        .app
        .vault
        .invitations(&storage::invitation_admin::InvitationQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        invitations[0].branch.as_deref(),
        Some("osaka"),
        "the code, not the name, is kept"
    );
}
