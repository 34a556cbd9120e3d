//! The provider pages, server side: every form refuses bad input with a clear message in
//! both languages and keeps what was typed except the number; no page ever shows a full
//! number; CSRF is checked on every POST; the landing page stays small.

use crate::helpers::*;

/// A phone that does not follow redirects, so the 303s can be seen.
pub(crate) fn phone(app: &TestApp) -> reqwest::Client {
    let cert = std::fs::read(app.settings.tls_cert_path()).expect("cert");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).expect("pem"))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub(crate) async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

pub(crate) async fn post_form(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.expect("post")
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Invites (employee, no birth date asked), opens the link, signs in through the page.
pub(crate) async fn signed_in(app: &TestApp) -> (reqwest::Client, String) {
    let c = phone(app);
    let token = app.invite(None).await;
    let (status, landing) = page(&c, app, &format!("/i/{token}")).await;
    assert_eq!(status, 200);
    let r = post_form(
        &c,
        app,
        &format!("/i/{token}"),
        &[("csrf", &csrf_in(&landing)), ("next", "start")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/p");
    let (_, overview) = page(&c, app, "/p").await;
    (c, csrf_in(&overview))
}

pub(crate) fn person<'a>(
    csrf: &'a str,
    number: &'a str,
    kana: &'a str,
    birth: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "山田 太郎"),
        ("name_kana", kana),
        ("birth_date", birth),
        ("number", number),
    ]
}

#[tokio::test]
async fn the_landing_page_says_who_asks_why_and_how_before_any_input_and_is_small() {
    let app = spawn_app().await;
    let c = phone(&app);
    let token = app.invite(Some("1990-04-01")).await;
    let r = c
        .get(app.url(&format!("/i/{token}")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.expect("body");
    let purposes = html
        .find("給与所得・退職所得の源泉徴収票作成事務")
        .expect("purposes");
    let protection = html.find("暗号化").expect("protection");
    let first_input = html.find("<input id=").expect("an input");
    assert!(purposes < first_input && protection < first_input);
    assert!(html.contains("健康保険・厚生年金保険届出事務") && html.contains("雇用保険届出事務"));
    assert!(html.contains("type=\"date\""), "the birth date is asked");
    assert!(
        !html.contains("style=") && !html.contains("<script>"),
        "CSP: nothing inline"
    );

    let mut total = html.len();
    for asset in [
        portal::pages::STYLESHEET.path(),
        portal::pages::SCRIPT.path(),
    ] {
        assert!(html.contains(asset), "{asset} linked");
        let r = c.get(app.url(asset)).send().await.expect("asset");
        assert_eq!(r.status(), 200);
        let content_type = r.headers()["content-type"].to_str().expect("ct").to_owned();
        assert!(
            content_type == "text/css; charset=utf-8"
                || content_type == "text/javascript; charset=utf-8"
        );
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        total += r.bytes().await.expect("bytes").len();
    }
    eprintln!("landing page with its CSS and JS: {total} bytes");
    assert!(total < 100 * 1024, "landing page weighs {total} bytes");

    let (status, english) = page(&c, &app, &format!("/i/{token}?lang=en")).await;
    assert_eq!(status, 200);
    assert!(english.contains("Purposes of use") && english.contains("lang=\"en\""));
    let (_, still_english) = page(&c, &app, &format!("/i/{token}")).await;
    assert!(
        still_english.contains("Purposes of use"),
        "the choice is remembered"
    );

    let (status, unknown) = page(&c, &app, &format!("/i/{}", "A".repeat(43))).await;
    assert_eq!(status, 404);
    assert!(unknown.contains("この招待リンクは無効") && unknown.contains("not valid"));
}

#[tokio::test]
async fn every_post_form_without_the_csrf_token_is_forbidden() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    let c = phone(&app);
    let r = post_form(&c, &app, &format!("/i/{token}"), &[("next", "start")]).await;
    assert_eq!(r.status(), 403, "sign-in");
    let (c, csrf) = signed_in(&app).await;
    let wrong = format!("{csrf}x");
    for path in [
        "/p/self",
        "/p/dependants",
        "/p/submit",
        "/p/decline",
        "/p/sign-out",
    ] {
        for given in ["", wrong.as_str()] {
            let mut form = person(given, NUMBER, "ヤマダ", "1990-04-01");
            form.push(("reason", "x"));
            let r = post_form(&c, &app, path, &form).await;
            assert_eq!(r.status(), 403, "{path} with csrf {given:?}");
            let body = r.text().await.expect("body");
            assert!(body.contains("有効期限") && body.contains("expired"));
            assert!(!body.contains(NUMBER));
        }
    }
    let upload = reqwest::multipart::Form::new()
        .text("kind", "my_number_card_front")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("phone/phone-gps-orientation6.jpg")),
        );
    let r = c
        .post(app.url(&format!("/p/subjects/{}/documents", uuid::Uuid::nil())))
        .multipart(upload)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 403, "upload form");
    // Nothing was changed by the refused forms.
    let (_, overview) = page(&c, &app, "/p").await;
    assert!(overview.contains("未入力"));
}

#[tokio::test]
async fn bad_details_are_refused_with_a_clear_message_in_both_languages_keeping_all_but_the_number()
{
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    let bad_number = "123456789019";
    let cases: [(&str, &str, &str, &str, &str); 3] = [
        (
            bad_number,
            "ヤマダ タロウ",
            "1990-04-01",
            "チェックデジット",
            "check digit",
        ),
        (
            NUMBER,
            "",
            "1990-04-01",
            "フリガナを入力してください",
            "furigana",
        ),
        (
            NUMBER,
            "ヤマダ",
            "2999-01-01",
            "未来の日付",
            "cannot be in the future",
        ),
    ];
    for (number, kana, birth, ja, en) in cases {
        let r = post_form(&c, &app, "/p/self", &person(&csrf, number, kana, birth)).await;
        assert_eq!(r.status(), 303, "{ja}");
        assert_eq!(location(&r), "/p/self");
        let (_, html) = page(&c, &app, "/p/self").await;
        assert!(html.contains(ja), "{ja} shown");
        assert!(html.contains("value=\"山田 太郎\""), "the name is kept");
        assert!(
            html.contains(&format!("value=\"{birth}\"")),
            "the birth date is kept"
        );
        assert!(!html.contains(number), "the number is never echoed");
        assert!(html.contains("aria-invalid=\"true\""));
        // The flash is shown once.
        let (_, again) = page(&c, &app, "/p/self").await;
        assert!(!again.contains("notice error"));
        // The same refusal in English.
        let r = post_form(&c, &app, "/p/self", &person(&csrf, number, kana, birth)).await;
        assert_eq!(r.status(), 303);
        let (_, english) = page(&c, &app, "/p/self?lang=en").await;
        assert!(english.contains(en), "{en} shown in English");
        let _ = page(&c, &app, "/p/self?lang=ja").await;
    }
    // The first save needs a number.
    let r = post_form(
        &c,
        &app,
        "/p/self",
        &person(&csrf, "", "ヤマダ", "1990-04-01"),
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, &app, "/p/self").await;
    assert!(html.contains("個人番号を入力してください"));
}

#[tokio::test]
async fn the_dependant_forms_refuse_bad_details_in_both_languages_and_keep_what_was_saved() {
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    post_form(
        &c,
        &app,
        "/p/self",
        &person(&csrf, NUMBER, "ヤマダ", "1990-04-01"),
    )
    .await;
    let dependant = |number: &'static str,
                     kana: &'static str,
                     birth: &'static str,
                     relationship: &'static str| {
        let mut form = person(&csrf, number, kana, birth);
        form[1] = ("name", "山田 花子");
        form.push(("relationship", relationship));
        form
    };
    // Adding: each bad field is refused on the page, the typed values kept, never the number.
    let cases = [
        (
            dependant("123456789019", "ヤマダ ハナコ", "2015-05-05", "child"),
            "チェックデジット",
            "check digit",
        ),
        (
            dependant(OTHER_NUMBER, "", "2015-05-05", "child"),
            "フリガナを入力してください",
            "furigana",
        ),
        (
            dependant(OTHER_NUMBER, "Hanako", "2015-05-05", "child"),
            "カタカナまたはひらがな",
            "katakana or hiragana",
        ),
        (
            dependant(OTHER_NUMBER, "ヤマダ ハナコ", "2999-01-01", "child"),
            "未来の日付",
            "cannot be in the future",
        ),
        (
            dependant(
                OTHER_NUMBER,
                "ヤマダ ハナコ",
                "2015-05-05",
                "'; DROP TABLE subjects; --",
            ),
            "続柄を選んでください",
            "relationship",
        ),
    ];
    for (form, ja, en) in &cases {
        let r = post_form(&c, &app, "/p/dependants", form).await;
        assert_eq!(r.status(), 303, "{ja}");
        assert_eq!(location(&r), "/p/dependants/new");
        let (_, html) = page(&c, &app, "/p/dependants/new").await;
        assert!(html.contains(ja), "{ja} shown");
        assert!(html.contains("value=\"山田 花子\""), "the name is kept");
        assert!(!html.contains(OTHER_NUMBER) && !html.contains("123456789019"));
        assert!(html.contains("aria-invalid=\"true\""));
        let r = post_form(&c, &app, "/p/dependants", form).await;
        assert_eq!(r.status(), 303);
        let (_, english) = page(&c, &app, "/p/dependants/new?lang=en").await;
        assert!(english.contains(en), "{en} shown in English");
        let _ = page(&c, &app, "/p/dependants/new?lang=ja").await;
    }
    let r = post_form(
        &c,
        &app,
        "/p/dependants",
        &dependant("", "ヤマダ ハナコ", "2015-05-05", "child"),
    )
    .await;
    assert_eq!(location(&r), "/p/dependants/new");
    let (_, html) = page(&c, &app, "/p/dependants/new").await;
    assert!(
        html.contains("個人番号を入力してください"),
        "a new dependant needs a number"
    );
    let (_, list) = page(&c, &app, "/p/dependants").await;
    assert!(
        !list.contains("山田 花子"),
        "nothing was added by a refused form"
    );

    // Changing a saved dependant: a refusal keeps the saved record as it was.
    let r = post_form(
        &c,
        &app,
        "/p/dependants",
        &dependant(OTHER_NUMBER, "ヤマダ ハナコ", "2015-05-05", "child"),
    )
    .await;
    assert_eq!(r.status(), 303);
    let status = json(
        c.get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    let child = status["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .find(|s| s["relationship"] == "child")
        .expect("the child")["subject_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let here = format!("/p/dependants/{child}");
    let r = post_form(
        &c,
        &app,
        &here,
        &dependant("", "ヤマダ ハナコ", "2999-01-01", "child"),
    )
    .await;
    assert_eq!(location(&r), here);
    let (_, html) = page(&c, &app, &here).await;
    assert!(html.contains("未来の日付"));
    let (_, list) = page(&c, &app, "/p/dependants").await;
    assert!(
        list.contains("山田 花子") && list.contains("番号登録済み") && !list.contains("1093"),
        "the saved record is intact"
    );
    let saved = app
        .app
        .vault
        .submission_status(
            uuid::Uuid::parse_str(status["submission_id"].as_str().expect("submission"))
                .expect("uuid"),
        )
        .await
        .expect("status");
    let child = saved
        .subjects
        .iter()
        .find(|s| s.subject_id.to_string() == child)
        .expect("child");
    assert_eq!(
        child.birth_date, "2015-05-05",
        "the refused date did not land"
    );
}

#[tokio::test]
async fn html_in_names_is_shown_escaped() {
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    let mut form = person(&csrf, NUMBER, "ヤマダ", "1990-04-01");
    form[1] = ("name", "<script>alert(1)</script>");
    let r = post_form(&c, &app, "/p/self", &form).await;
    assert_eq!(r.status(), 303);
    for path in ["/p/self", "/p/review", "/p/status"] {
        let (status, html) = page(&c, &app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            html.contains("&lt;script&gt;"),
            "{path} shows the name escaped"
        );
        assert!(!html.contains("<script>alert"), "{path} does not run it");
    }
}

#[tokio::test]
async fn a_corrupt_or_oversize_photo_is_refused_on_the_page_with_a_clear_message() {
    let app = spawn_with(Spawn {
        tweak: |s| s.upload.max_body_bytes = 256 * 1024,
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let (c, csrf) = signed_in(&app).await;
    let r = post_form(
        &c,
        &app,
        "/p/self",
        &person(&csrf, NUMBER, "ヤマダ", "1990-04-01"),
    )
    .await;
    let documents = location(&r);
    assert!(documents.ends_with("/documents"), "{documents}");
    let (_, html) = page(&c, &app, &documents).await;
    assert!(html.contains("capture=\"environment\"") && html.contains("accept=\"image/*\""));
    let key = html
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("key")
        .to_owned();
    let send = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("idempotency_key", key.clone())
            .text("kind", "my_number_card_front")
            .part("file", reqwest::multipart::Part::bytes(bytes));
        c.post(app.url(&documents)).multipart(form).send()
    };
    let corrupt: Vec<u8> = fixture("phone/phone-gps-orientation6.jpg")
        .into_iter()
        .take(40 * 1024)
        .collect();
    let r = send(corrupt).await.expect("corrupt");
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, &app, &documents).await;
    assert!(
        html.contains("画像を読み取れませんでした"),
        "corrupt explained"
    );
    let r = send(fixture("phone/phone-gps-orientation6.jpg")).await;
    if let Ok(r) = r {
        assert_eq!(r.status(), 303);
        let (_, html) = page(&c, &app, &documents).await;
        assert!(
            html.contains("ファイルが大きすぎます"),
            "oversize explained"
        );
    }
    let (_, html) = page(&c, &app, &documents).await;
    assert!(html.contains("まだ写真はありません"), "nothing was stored");
}

#[tokio::test]
async fn a_plain_form_upload_shows_the_scrub_report_and_a_resent_form_stores_once() {
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    let r = post_form(
        &c,
        &app,
        "/p/self",
        &person(&csrf, NUMBER, "ヤマダ", "1990-04-01"),
    )
    .await;
    let documents = location(&r);
    let (_, html) = page(&c, &app, &documents).await;
    let key = html
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("key")
        .to_owned();
    for _ in 0..2 {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("idempotency_key", key.clone())
            .text("kind", "my_number_card_front")
            .part(
                "file",
                reqwest::multipart::Part::bytes(fixture("phone/phone-gps-orientation6.jpg")),
            );
        let r = c
            .post(app.url(&documents))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), 303);
    }
    let (_, html) = page(&c, &app, &documents).await;
    assert!(html.contains("位置情報を削除しました"));
    assert_eq!(html.matches(" id=\"doc-").count(), 1, "stored once");
}

#[tokio::test]
async fn pages_never_show_a_full_number_and_dependants_can_be_changed_and_removed() {
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    post_form(
        &c,
        &app,
        "/p/self",
        &person(&csrf, NUMBER, "ヤマダ", "1990-04-01"),
    )
    .await;
    let mut dependant = person(&csrf, OTHER_NUMBER, "ヤマダ ハナコ", "1992-02-02");
    dependant[1] = ("name", "山田 花子");
    dependant.push(("relationship", "spouse"));
    dependant.push(("identity_attested", "1"));
    dependant.push(("category3_spouse", "1"));
    let r = post_form(&c, &app, "/p/dependants", &dependant).await;
    assert_eq!(r.status(), 303);
    let spouse_documents = location(&r);
    assert!(
        spouse_documents.ends_with("/documents"),
        "a category-3 spouse needs photos"
    );
    let spouse_id = spouse_documents.split('/').nth(3).expect("id").to_owned();

    let (_, listed) = page(&c, &app, "/p/dependants").await;
    assert!(
        listed.contains("会社が本人確認を行います"),
        "the employer, not the employee, checks a category-3 spouse"
    );
    let (_, review) = page(&c, &app, "/p/review").await;
    assert!(
        review.contains("第3号被保険者の配偶者の書類"),
        "spouse photos missing"
    );
    assert!(!review.contains("action=\"/p/submit\""));

    // Change the spouse without retyping the number: the saved one is kept.
    let (_, edit) = page(&c, &app, &format!("/p/dependants/{spouse_id}")).await;
    assert!(edit.contains("番号は保存済みです") && !edit.contains("1093"));
    let mut change = person(&csrf, "", "ヤマダ ハナ", "1992-02-02");
    change[1] = ("name", "山田 華");
    change.push(("relationship", "spouse"));
    let r = post_form(&c, &app, &format!("/p/dependants/{spouse_id}"), &change).await;
    assert_eq!(r.status(), 303);
    let (_, list) = page(&c, &app, "/p/dependants").await;
    assert!(list.contains("山田 華") && list.contains("番号登録済み") && !list.contains("1093"));
    assert_eq!(
        app.last4_of_subject(&spouse_id).await.as_deref(),
        Some("1093"),
        "the saved number was kept"
    );
    assert!(
        list.contains("本人確認の申告がありません"),
        "the attestation was unticked"
    );

    for path in [
        "/p",
        "/p/self",
        "/p/dependants",
        "/p/review",
        "/p/status",
        &spouse_documents,
    ] {
        let (status, html) = page(&c, &app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !html.contains(NUMBER) && !html.contains(OTHER_NUMBER),
            "{path}"
        );
    }

    let r = post_form(
        &c,
        &app,
        &format!("/p/dependants/{spouse_id}/remove"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, list) = page(&c, &app, "/p/dependants").await;
    assert!(!list.contains("山田 華") && list.contains("削除しました"));
    let logs = captured_logs();
    assert!(!logs.contains(NUMBER) && !logs.contains(OTHER_NUMBER));
}

#[tokio::test]
async fn an_expired_session_loses_nothing_saved_and_signing_in_again_returns_to_it() {
    let app = spawn_app().await;
    let c = phone(&app);
    let token = app.invite(Some("1990-04-01")).await;
    let (_, landing) = page(&c, &app, &format!("/i/{token}")).await;
    let sign_in = [
        ("csrf", csrf_in(&landing)),
        ("birth_date", "1990-04-01".to_owned()),
    ];
    let r = c
        .post(app.url(&format!("/i/{token}")))
        .form(&sign_in)
        .send()
        .await
        .expect("in");
    assert_eq!(r.status(), 303);
    let (_, overview) = page(&c, &app, "/p").await;
    let csrf = csrf_in(&overview);
    post_form(
        &c,
        &app,
        "/p/self",
        &person(&csrf, NUMBER, "ヤマダ", "1990-04-01"),
    )
    .await;

    // Another browser (or this one after the session ended) has no session.
    let other = phone(&app);
    let (status, html) = page(&other, &app, "/p/self").await;
    assert_eq!(status, 401);
    assert!(
        html.contains("保存済みの内容は失われていません") && html.contains("nothing you saved")
    );
    let (_, landing) = page(&other, &app, &format!("/i/{token}")).await;
    let sign_in = [
        ("csrf", csrf_in(&landing)),
        ("birth_date", "1990-04-01".to_owned()),
    ];
    other
        .post(app.url(&format!("/i/{token}")))
        .form(&sign_in)
        .send()
        .await
        .expect("in");
    let (status, html) = page(&other, &app, "/p/self").await;
    assert_eq!(status, 200);
    // What was saved is back; the number as saved, never a digit of it (invariant 6).
    assert!(html.contains("value=\"山田 太郎\"") && html.contains("番号は保存済みです"));
    assert!(!html.contains("9018"));

    // A wrong birth date is explained on the landing page.
    let third = phone(&app);
    let (_, landing) = page(&third, &app, &format!("/i/{token}")).await;
    let wrong = [
        ("csrf", csrf_in(&landing)),
        ("birth_date", "1991-01-01".to_owned()),
    ];
    let r = third
        .post(app.url(&format!("/i/{token}")))
        .form(&wrong)
        .send()
        .await
        .expect("in");
    assert_eq!(r.status(), 303);
    let (_, html) = page(&third, &app, &format!("/i/{token}")).await;
    assert!(html.contains("生年月日が一致しません"));
}

#[tokio::test]
async fn a_payee_has_no_dependants_and_sees_only_the_status_after_submitting() {
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    let _ = (c, csrf);
    let payee = storage::invitations::NewInvitation {
        kind: storage::invitations::InvitationKind::Payee,
        name: storage::person::PersonName::parse("佐藤 次郎").expect("name"),
        name_kana: None,
        email: None,
        employee_code: None,
        branch: None,
        birth_date: None,
        valid_days: 30,
    };
    let token = app
        .app
        .vault
        .create_invitation(&storage::AuditContext::cli(), &payee)
        .await
        .expect("invite")
        .token
        .expose()
        .to_owned();
    let c = phone(&app);
    let (_, landing) = page(&c, &app, &format!("/i/{token}")).await;
    assert!(!landing.contains("扶養家族"));
    post_form(
        &c,
        &app,
        &format!("/i/{token}"),
        &[("csrf", &csrf_in(&landing))],
    )
    .await;
    let (_, overview) = page(&c, &app, "/p").await;
    assert!(!overview.contains("/p/dependants"));
    let (status, _) = page(&c, &app, "/p/dependants").await;
    assert_eq!(status, 404);
    let csrf = csrf_in(&overview);
    // A payee's 支払調書 carries the address: it is asked of payees.
    let mut own = person(&csrf, NUMBER, "サトウ", "1980-03-03");
    own.push(("address", "東京都港区芝公園4-2-8"));
    let r = post_form(&c, &app, "/p/self", &own).await;
    let documents = location(&r);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("kind", "my_number_card_front")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("phone/phone-gps-orientation6.jpg")),
        );
    c.post(app.url(&documents))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let r = post_form(&c, &app, "/p/submit", &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/p/status");
    let r = c.get(app.url("/p")).send().await.expect("overview");
    assert_eq!(location(&r), "/p/status", "only the status once handed in");
    let (_, status) = page(&c, &app, "/p/status").await;
    assert!(status.contains("提出済み") && !status.contains("action=\"/p/submit\""));
}
