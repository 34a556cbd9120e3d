//! The officer's pages over HTTP, like a browser without JavaScript: sign-in with the
//! form (CSRF, one message for every refusal), TOTP enrolment with a QR code, the queue,
//! claiming, the item view (masked number, audited reveal, images from the audited
//! endpoint), refusals by the rule table shown on the page, a decision, and scope.

use storage::staff::Role;
use totp_rs::{Algorithm, Builder, Secret};

use crate::helpers::{NUMBER, TestApp, csrf_in, spawn_app};
use crate::staff_helpers::{STAFF_PASSWORD, create_staff, enrolled, submitted_in_branch};

/// A browser: its own cookies, redirects not followed (the tests read `Location`).
fn browser(app: &TestApp) -> reqwest::Client {
    let cert = std::fs::read(app.settings.tls_cert_path()).expect("cert");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).expect("pem"))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn an_officer_signs_in_enrols_and_verifies_from_the_pages() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    create_staff(&app, "officer.p", Role::Officer, &["TKY"]).await;
    let b = browser(&app);

    // No session: the sign-in form.
    let r = b.get(app.url("/s/queue")).send().await.expect("queue");
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/s/sign-in");
    let (_, form) = page(&app, &b, "/s/sign-in").await;
    let csrf = csrf_in(&form);

    // A forged form, then a wrong password: refused, the username kept, nothing told.
    let forged = post(
        &app,
        &b,
        "/s/sign-in",
        &[
            ("csrf", "x"),
            ("username", "officer.p"),
            ("password", STAFF_PASSWORD),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);
    let wrong = post(
        &app,
        &b,
        "/s/sign-in",
        &[
            ("csrf", &csrf),
            ("username", "officer.p"),
            ("password", "not it at all"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), 401);
    let text = wrong.text().await.expect("html");
    assert!(text.contains(r#"value="officer.p""#));
    let unknown = post(
        &app,
        &b,
        "/s/sign-in",
        &[
            ("csrf", &csrf),
            ("username", "nobody.here"),
            ("password", "not it at all"),
        ],
    )
    .await;
    assert_eq!(unknown.status(), 401);
    let unknown_text = unknown.text().await.expect("html");
    let notice = |t: &str| {
        t[t.find("notice error").expect("notice")..]
            .split("</div>")
            .next()
            .expect("end")
            .to_owned()
    };
    assert_eq!(notice(&text), notice(&unknown_text), "no user enumeration");

    // The right password: enrolment comes first.
    let ok = post(
        &app,
        &b,
        "/s/sign-in",
        &[
            ("csrf", &csrf),
            ("username", "officer.p"),
            ("password", STAFF_PASSWORD),
        ],
    )
    .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/s/totp");
    let r = b.get(app.url("/s/queue")).send().await.expect("queue");
    assert_eq!(location(&r), "/s/totp", "no queue before the second factor");
    let (_, totp_page) = page(&app, &b, "/s/totp").await;
    let session_csrf = csrf_in(&totp_page);
    let enrol = post(&app, &b, "/s/totp/enrol", &[("csrf", &session_csrf)]).await;
    assert_eq!(enrol.status(), 200);
    let enrol = enrol.text().await.expect("html");
    assert!(enrol.contains("data:image/svg+xml;base64,"), "a QR code");
    let at = enrol.find(r#"id="totp-secret">"#).expect("secret") + 17;
    let secret = enrol[at..].split('<').next().expect("secret");
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).expect("b32"))
        .build()
        .expect("totp");
    let confirmed = post(
        &app,
        &b,
        "/s/totp/confirm",
        &[
            ("csrf", &session_csrf),
            ("code", &totp.generate_current().to_string()),
        ],
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    assert!(
        confirmed
            .text()
            .await
            .expect("html")
            .contains(r#"id="recovery-codes""#)
    );

    // The queue, then the next item.
    let (status, queue) = page(&app, &b, "/s/queue").await;
    assert_eq!(status, 200);
    assert!(queue.contains(&format!("/s/submissions/{}", handed.submission_id)));
    let claimed = post(&app, &b, "/s/claims", &[("csrf", &session_csrf)]).await;
    let item_path = format!("/s/submissions/{}", handed.submission_id);
    assert_eq!(location(&claimed), item_path);
    let (_, item) = page(&app, &b, &item_path).await;
    assert!(!item.contains(NUMBER), "masked until revealed");
    assert!(item.contains(&format!("****&nbsp;****&nbsp;{}", &NUMBER[8..])));
    assert!(item.contains(&format!(
        "/api/v1/officer/documents/{}/image",
        handed.document_id
    )));

    // Reveal: refused without the token, shown (and audited first) with it.
    let reveal_path = format!("/s/subjects/{}/reveal", handed.subject_id);
    let forged = post(
        &app,
        &b,
        &reveal_path,
        &[("csrf", "x"), ("submission", &handed.submission_id)],
    )
    .await;
    assert_eq!(forged.status(), 403);
    let revealed = post(
        &app,
        &b,
        &reveal_path,
        &[
            ("csrf", &session_csrf),
            ("submission", &handed.submission_id),
        ],
    )
    .await;
    assert_eq!(revealed.status(), 200);
    assert_eq!(revealed.headers()["cache-control"], "no-store");
    assert!(revealed.text().await.expect("html").contains(NUMBER));
    let trail = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("number.unseal".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("trail");
    assert_eq!(trail.len(), 1, "one reveal, one entry");

    // The rule table refuses a notification card without the residence-record match; the
    // page says why, in both languages.
    let verify_path = format!("/s/submissions/{}/verify", handed.submission_id);
    let nc = format!("number_check.{}", handed.subject_id);
    let ic = format!("identity_check.{}", handed.subject_id);
    let idd = format!("identity_documents.{}", handed.subject_id);
    let vu = format!("valid_until.my_number_card_front.{}", handed.subject_id);
    let refused = post(
        &app,
        &b,
        &verify_path,
        &[
            ("csrf", &session_csrf),
            (&nc, "notification_card"),
            (&ic, "my_number_card"),
        ],
    )
    .await;
    assert_eq!(location(&refused), item_path);
    let (_, again) = page(&app, &b, &item_path).await;
    assert!(
        again.contains("通知カードは、氏名・住所が現在の住民票と一致することを確認した場合のみ")
    );
    // An empty correction request is refused too.
    let empty = post(
        &app,
        &b,
        &format!("/s/submissions/{}/corrections", handed.submission_id),
        &[("csrf", &session_csrf)],
    )
    .await;
    assert_eq!(location(&empty), item_path);

    let verified = post(
        &app,
        &b,
        &verify_path,
        &[
            ("csrf", &session_csrf),
            (&nc, "my_number_card"),
            (&ic, "my_number_card"),
            (&idd, "my_number_card_front"),
            (&vu, "2030-12-31"),
        ],
    )
    .await;
    assert_eq!(location(&verified), "/s/queue");
    let (_, queue) = page(&app, &b, "/s/queue").await;
    assert!(queue.contains("本人確認を記録しました"));
    let (_, verified_item) = page(&app, &b, &item_path).await;
    assert!(verified_item.contains(r#"data-state="verified""#));

    // Another branch's officer: the same page is a 404, like something that does not exist.
    let other = enrolled(&app, "officer.osk", Role::Officer, &["OSK"]).await;
    let r = other
        .client
        .get(app.url(&item_path))
        .send()
        .await
        .expect("other");
    assert_eq!(r.status(), 404);
    // An auditor is past the second factor but has no queue.
    let auditor = enrolled(&app, "auditor.a", Role::Auditor, &[]).await;
    let r = auditor
        .client
        .get(app.url("/s/queue"))
        .send()
        .await
        .expect("auditor");
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_auditor_reads_the_trail_the_ledgers_and_the_alerts_from_the_pages() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    let auditor = enrolled(&app, "auditor.p", Role::Auditor, &[]).await;
    let officer = enrolled(&app, "officer.p", Role::Officer, &["TKY"]).await;
    let get = |who: &crate::staff_helpers::Staff, path: &str| {
        let request = who.client.get(app.url(path));
        async move {
            let r = request.send().await.expect("get");
            (r.status().as_u16(), r.text().await.expect("html"))
        }
    };
    let _ = &handed;
    let (status, trail) = get(&auditor, "/s/audit?family=review").await;
    assert_eq!(status, 200);
    assert!(
        trail.contains("submission.transition"),
        "the submission's entries"
    );
    assert!(!trail.contains(NUMBER));
    let searches = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("audit.search".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("trail");
    assert_eq!(searches.len(), 1, "the page's search is itself audited");
    for ledger in ["files", "exports", "disposals"] {
        let (status, html) = get(&auditor, &format!("/s/ledgers/{ledger}")).await;
        assert_eq!(status, 200, "{ledger}");
        assert!(html.contains(&format!("/s/ledgers/{ledger}/csv")));
        assert!(!html.contains(NUMBER));
    }
    let files = get(&auditor, "/s/ledgers/files").await.1;
    assert!(
        files.contains("officer.p"),
        "who can handle numbers, from live accounts"
    );
    // Laid out for people (not its machine CSV read back): the role in words, no code.
    assert!(files.contains("officer.p（事務取扱担当者、"), "{files}");
    assert!(!files.contains("(officer:"), "{files}");
    let download = auditor
        .get(&app, "/s/ledgers/files/csv")
        .send()
        .await
        .expect("csv")
        .bytes()
        .await
        .expect("bytes");
    assert!(
        download.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark for Excel"
    );
    let text = String::from_utf8_lossy(&download);
    assert!(
        text.contains("取り扱う担当者") && text.contains("officer.p"),
        "{text}"
    );
    assert_eq!(get(&auditor, "/s/ledgers/other").await.0, 404);
    let (status, alerts) = get(&auditor, "/s/alerts").await;
    assert_eq!(status, 200);
    assert!(alerts.contains("auditor.p"), "the sign-in history");
    // Officers have no oversight pages; auditors no queue.
    assert_eq!(get(&officer, "/s/audit").await.0, 403);
    assert_eq!(get(&auditor, "/s/queue").await.0, 403);
}

#[tokio::test]
async fn an_auditor_records_an_incident_and_finds_who_was_affected_from_the_pages() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    let officer = enrolled(&app, "officer.leak", Role::Officer, &["TKY"]).await;
    let auditor = enrolled(&app, "auditor.i", Role::Auditor, &[]).await;
    // The officer looks at the card photo: an unseal in the trail.
    let claimed = officer
        .post(&app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim");
    assert_eq!(claimed.status(), 200);
    let image = officer
        .get(
            &app,
            &format!("/api/v1/officer/documents/{}/image", handed.document_id),
        )
        .send()
        .await
        .expect("image");
    assert_eq!(image.status(), 200);

    let (_, alerts) = page(&app, &auditor.client, "/s/alerts").await;
    let csrf = csrf_in(&alerts);
    let opened = auditor
        .client
        .post(app.url("/s/incidents"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "USB メモリ紛失"),
            ("description", "<b>調査中</b>"),
        ])
        .send()
        .await
        .expect("open");
    assert_eq!(opened.status(), 200, "followed back to the alerts page");
    let html = opened.text().await.expect("html");
    assert!(html.contains("USB メモリ紛失") && html.contains("&lt;b&gt;調査中"));
    let marker = r#"action="/s/incidents/"#;
    let at = html.find(marker).expect("step forms") + marker.len();
    let incident = html[at..].split('/').next().expect("id").to_owned();

    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(9))
        .date()
        .to_string();
    let scoped = auditor
        .client
        .post(app.url(&format!("/s/incidents/{incident}/scope")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("accounts", "officer.leak"),
            ("from", today.as_str()),
            ("to", today.as_str()),
        ])
        .send()
        .await
        .expect("scope");
    assert_eq!(scoped.status(), 200);
    let html = scoped.text().await.expect("html");
    assert!(html.contains("影響を受けた方 (1)"), "{html}");
    assert!(html.contains("報告基準（100人超）に達していません"));
    assert!(!html.contains(NUMBER));
    let unknown = auditor
        .client
        .post(app.url(&format!("/s/incidents/{incident}/scope")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("accounts", "nobody"),
            ("from", today.as_str()),
            ("to", today.as_str()),
        ])
        .send()
        .await
        .expect("unknown");
    assert!(unknown.text().await.expect("html").contains("notice error"));

    let closed = auditor
        .client
        .post(app.url(&format!("/s/incidents/{incident}/steps")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("step", "closed"),
            ("text", "回収済み"),
        ])
        .send()
        .await
        .expect("close");
    let html = closed.text().await.expect("html");
    assert!(html.contains("記録しました"));
    assert!(html.contains("closed") && html.contains("回収済み"));
    assert!(
        !html.contains(&format!(r#"action="/s/incidents/{incident}/steps""#)),
        "no steps after closing"
    );
    let records = app.app.vault.incident_records().await.expect("records");
    let kinds: Vec<&str> = records[0]
        .timeline
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["opened", "scope", "closed"]);

    // An officer cannot reach the incident forms.
    let forbidden = officer
        .client
        .post(app.url("/s/incidents"))
        .form(&[("csrf", "x"), ("title", "t")])
        .send()
        .await
        .expect("officer");
    assert_eq!(forbidden.status(), 403);
}
