//! Cross-site request forgery: every state-changing request, provider or staff, API or
//! page, needs the session's token or the browser's word that it comes from this
//! instance's own origin; a page on another port of the same host gets 403.

use storage::staff::Role;

use crate::helpers::*;
use crate::staff_helpers::{enrolled, submitted_in_branch};

/// A page on the same host, another port: same site, another origin.
fn other_port_origin(app: &TestApp) -> String {
    let port: u16 = app
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    format!("https://localhost:{}", port.wrapping_add(1))
}

async fn assert_refused(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 403, "{what}");
    let body = json(response).await;
    assert_eq!(
        body["error"]["code"], "csrf_token_invalid",
        "{what}: {body}"
    );
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
            && body["error"]["message_en"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
        "{what}: bilingual"
    );
}

/// A provider signed in over the API from a program (no `Origin`): returns the client,
/// the session's CSRF token and the own subject's id.
async fn program_signed_in(app: &TestApp) -> (reqwest::Client, String, String) {
    let client = app.program_client();
    let token = app.invite(None).await;
    // The sign-in needs no token: there is no session yet, and its JSON body cannot be
    // sent from another page without a CORS preflight.
    let signed_in = client
        .post(app.url("/api/v1/provider/session"))
        .json(&serde_json::json!({ "token": token }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 200);
    let csrf = json(signed_in).await["csrf_token"]
        .as_str()
        .expect("the sign-in returns the session's CSRF token")
        .to_owned();
    let saved = client
        .put(app.url("/api/v1/provider/subjects/self"))
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({
            "number": NUMBER, "name": "山田 太郎", "name_kana": "やまだ たろう", "birth_date": "1990-04-01"
        }))
        .send()
        .await
        .expect("save");
    assert_eq!(saved.status(), 200);
    let subject = json(saved).await["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    (client, csrf, subject)
}

fn photo_form() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("kind", "my_number_card_front")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("phone/phone-gps-orientation6.jpg"))
                .file_name("photo.jpg"),
        )
}

#[tokio::test]
async fn a_cross_origin_upload_and_submit_are_refused_and_the_same_with_the_token_succeed() {
    let app = spawn_app().await;
    let (client, csrf, subject) = program_signed_in(&app).await;
    let upload = format!("/api/v1/provider/subjects/{subject}/documents");
    let foreign = other_port_origin(&app);

    // The page on the other port: its Origin, or (under no-referrer) Sec-Fetch-Site.
    let forged = client
        .post(app.url(&upload))
        .header("Origin", &foreign)
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_refused(forged, "upload from another origin").await;
    let forged = client
        .post(app.url(&upload))
        .header("Origin", "null")
        .header("Sec-Fetch-Site", "same-site")
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_refused(forged, "upload from the same site, another origin").await;
    // A foreign origin is refused even with a token: a page on another port can plant
    // a session cookie whose token it knows.
    let forged = client
        .post(app.url(&upload))
        .header("Origin", &foreign)
        .header("X-CSRF-Token", &csrf)
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_refused(forged, "upload from another origin with a token").await;
    // Neither the browser's word nor a token.
    let bare = client
        .post(app.url(&upload))
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_refused(bare, "upload without a token").await;
    let wrong = client
        .post(app.url(&upload))
        .header("X-CSRF-Token", format!("{csrf}x"))
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_refused(wrong, "upload with a wrong token").await;

    let status = json(
        client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    assert_eq!(
        status["documents"].as_array().map(Vec::len),
        Some(0),
        "no refused upload stored a photo"
    );

    for (origin, what) in [
        (Some(foreign.as_str()), "another origin"),
        (None, "no token"),
    ] {
        let mut submit = client.post(app.url("/api/v1/provider/submit"));
        if let Some(origin) = origin {
            submit = submit.header("Origin", origin);
        }
        assert_refused(submit.send().await.expect("submit"), what).await;
    }

    // The same requests with the session's token.
    let stored = client
        .post(app.url(&upload))
        .header("X-CSRF-Token", &csrf)
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_eq!(stored.status(), 201);
    let submitted = client
        .post(app.url("/api/v1/provider/submit"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    assert_eq!(json(submitted).await["state"], "submitted");

    // And a browser on this instance's own pages, which says so.
    let browser = TestApp {
        client: app.new_client(),
        ..app
    };
    let subject = browser.signed_in_with_self().await;
    let own = browser
        .client
        .post(browser.url(&format!("/api/v1/provider/subjects/{subject}/documents")))
        .multipart(photo_form())
        .send()
        .await
        .expect("upload");
    assert_eq!(own.status(), 201);
}

#[tokio::test]
async fn a_cross_origin_staff_action_is_refused_and_the_same_with_the_token_succeeds() {
    let app = spawn_app().await;
    submitted_in_branch(&app, "TKY").await;
    let officer = enrolled(&app, "officer.csrf", Role::Officer, &["TKY"]).await;
    let foreign = other_port_origin(&app);
    // The officer's browser cookie, used from a page on another port.
    let forged = officer
        .client
        .post(app.url("/api/v1/officer/claims"))
        .header("Origin", &foreign)
        .send()
        .await
        .expect("claim");
    assert_refused(forged, "a claim from another origin").await;
    let forged = officer
        .client
        .post(app.url("/api/v1/officer/claims"))
        .header("Origin", &foreign)
        .header("X-CSRF-Token", &officer.csrf)
        .send()
        .await
        .expect("claim");
    assert_refused(forged, "a claim from another origin with the token").await;
    // A program with the staff cookie but without the token.
    let program = app.program_client();
    let signed_in = program
        .post(app.url("/api/v1/staff/session"))
        .json(&serde_json::json!({
            "username": "officer.csrf",
            "password": crate::staff_helpers::STAFF_PASSWORD,
            "totp": officer.step_up_code().await,
        }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 200);
    let csrf = json(signed_in).await["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let bare = program
        .post(app.url("/api/v1/officer/claims"))
        .send()
        .await
        .expect("claim");
    assert_refused(bare, "a claim without the token").await;
    let claimed = program
        .post(app.url("/api/v1/officer/claims"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("claim");
    assert_eq!(claimed.status(), 200);
    assert!(json(claimed).await["submission_id"].is_string());
}

#[tokio::test]
async fn a_staff_page_form_from_another_origin_is_refused_even_with_its_token() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "officer.form", Role::Officer, &["TKY"]).await;
    let html = officer
        .get(&app, "/s/disposals")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let token = csrf_in(&html);
    let forged = officer
        .client
        .post(app.url("/s/sign-out"))
        .header("Origin", other_port_origin(&app))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .expect("sign out");
    assert_eq!(forged.status(), 403);
    let page = forged.text().await.expect("html");
    assert!(page.contains("<html"), "a page answers a page: {page}");
    assert!(
        page.contains("有効期限") && page.contains("expired"),
        "{page}"
    );
    // Still signed in.
    let whoami = officer
        .get(&app, "/api/v1/staff/session")
        .send()
        .await
        .expect("whoami");
    assert_eq!(whoami.status(), 200);
}

#[tokio::test]
async fn a_sign_in_form_forged_from_the_invitation_link_alone_is_refused() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    // The attacker holds a link of their own and knows how the old token was made; the
    // victim's browser has never opened the link, so it holds no sign-in cookie.
    let victim = app.program_client();
    let forged = victim
        .post(app.url(&format!("/i/{token}")))
        .form(&[
            (
                "csrf",
                intake_api::csrf::token(intake_api::csrf::Purpose::SignIn, &token).as_str(),
            ),
            ("next", "start"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    let status = victim
        .get(app.url("/api/v1/provider/status"))
        .send()
        .await
        .expect("status");
    assert_eq!(status.status(), 401, "not signed into the attacker's link");
}
