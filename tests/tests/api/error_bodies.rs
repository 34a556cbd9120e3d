//! Errors raised before a handler runs — actix's extractors (path, query, form, JSON,
//! multipart) and the router's 404 and 405 — answer like every other error: the JSON
//! error body on the API, the bilingual error page on the pages, never parser text.

use storage::staff::Role;

use crate::helpers::*;
use crate::staff_helpers::enrolled;

/// The API's error body with this status and code; nothing of actix's parser text.
async fn assert_api_error(response: reqwest::Response, status: u16, code: &str, what: &str) {
    assert_eq!(response.status(), status, "{what}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body");
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {content_type}: {text}"
    );
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["error"]["code"], code, "{what}: {text}");
    for language in ["message_ja", "message_en"] {
        assert!(
            body["error"][language]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {language}"
        );
    }
    for parser_text in ["deserialize", "parsing", "UUID", "Content type"] {
        assert!(!text.contains(parser_text), "{what}: {text}");
    }
}

/// The bilingual error page with this status, showing `ja` and `en`.
async fn assert_error_page(
    response: reqwest::Response,
    status: u16,
    ja: &str,
    en: &str,
    what: &str,
) {
    assert_eq!(response.status(), status, "{what}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body");
    assert!(
        content_type.starts_with("text/html"),
        "{what}: {content_type}: {text}"
    );
    assert!(text.contains(ja) && text.contains(en), "{what}: {text}");
    for parser_text in ["deserialize", "parsing", "UUID", "Content type"] {
        assert!(!text.contains(parser_text), "{what}: {text}");
    }
}

#[tokio::test]
async fn path_query_json_and_multipart_errors_on_the_api_answer_the_json_error_body() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    // Path: an id that is not one.
    let r = app
        .client
        .post(app.url("/api/v1/provider/subjects/not-a-uuid/documents"))
        .multipart(reqwest::multipart::Form::new().text("kind", "my_number_card_front"))
        .send()
        .await
        .expect("upload");
    assert_api_error(r, 404, "not_found", "path").await;
    // JSON: a field of the wrong type, and another content type.
    let r = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .json(&serde_json::json!({"number": 123456789018_u64, "name": 1}))
        .send()
        .await
        .expect("put");
    assert_api_error(r, 400, "bad_request", "json field type").await;
    let r = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("put");
    assert_api_error(r, 415, "unsupported_media_type", "json content type").await;
    // Multipart: not multipart at all.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/provider/subjects/{subject}/documents")))
        .header("content-type", "text/plain")
        .body("kind=my_number_card_front")
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    assert!(matches!(status, 400 | 415), "multipart: {status}");
    assert_api_error(
        r,
        status,
        if status == 415 {
            "unsupported_media_type"
        } else {
            "bad_request"
        },
        "multipart",
    )
    .await;
    // Query: a number that is not one.
    let officer = enrolled(&app, "officer.q", Role::Officer, &["TKY"]).await;
    let r = officer
        .get(&app, "/api/v1/officer/queue?older_than_days=soon")
        .send()
        .await
        .expect("queue");
    assert_api_error(r, 400, "bad_request", "query").await;
}

#[tokio::test]
async fn the_router_answers_404_and_405_with_the_json_error_body_on_the_api() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .expect("get");
    assert_api_error(r, 404, "not_found", "unknown path").await;
    let r = app
        .client
        .delete(app.url("/api/v1/provider/status"))
        .send()
        .await
        .expect("delete");
    let allow = r
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(allow, "GET", "405 says what is allowed");
    assert_api_error(r, 405, "method_not_allowed", "unknown method").await;
    let r = app
        .client
        .patch(app.url("/healthz"))
        .send()
        .await
        .expect("patch");
    assert_api_error(r, 405, "method_not_allowed", "a machine endpoint").await;
}

#[tokio::test]
async fn path_query_and_form_errors_on_the_pages_answer_the_bilingual_error_page() {
    let app = spawn_app().await;
    app.signed_in_with_self().await;
    let r = app
        .client
        .get(app.url("/p/subjects/not-a-uuid/documents"))
        .send()
        .await
        .expect("get");
    assert_error_page(r, 404, "見つかりません", "Not found", "path").await;
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    let subject = status["subjects"][0]["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    let r = app
        .client
        .get(app.url(&format!(
            "/p/subjects/{subject}/documents?replace=not-a-uuid"
        )))
        .send()
        .await
        .expect("get");
    assert_error_page(r, 400, "読み取れませんでした", "could not be read", "query").await;
    // A form that does not read as the page's form: a field twice (the browser's Origin
    // passes the CSRF check).
    let r = app
        .client
        .post(app.url("/p/submit"))
        .form(&[("csrf", "a"), ("csrf", "b")])
        .send()
        .await
        .expect("post");
    assert_error_page(r, 400, "読み取れませんでした", "could not be read", "form").await;
    let r = app
        .client
        .post(app.url("/p/submit"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_error_page(
        r,
        415,
        "形式が違います",
        "not in a format",
        "form content type",
    )
    .await;
    // A staff page's query, too.
    let admin = enrolled(&app, "admin.f", Role::Admin, &[]).await;
    let r = admin
        .client
        .get(app.url("/s/invitations?limit=many"))
        .send()
        .await
        .expect("queue");
    assert_error_page(
        r,
        400,
        "読み取れませんでした",
        "could not be read",
        "staff query",
    )
    .await;
}

#[tokio::test]
async fn the_router_answers_404_and_405_with_the_error_page_on_the_pages() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/p/no-such-page"))
        .send()
        .await
        .expect("get");
    assert_error_page(r, 404, "見つかりません", "Not found", "unknown page").await;
    let r = app
        .client
        .put(app.url("/s/sign-in"))
        .send()
        .await
        .expect("put");
    assert!(
        r.headers().get("allow").is_some(),
        "405 says what is allowed"
    );
    assert_error_page(
        r,
        405,
        "その操作はできません",
        "does not accept that method",
        "unknown method",
    )
    .await;
}

/// Issue 18, bug 5: a mistyped id in a staff URL answers the bilingual error page, never
/// actix's `text/plain` "UUID parsing failed"; the staff API answers the JSON error body.
#[tokio::test]
async fn a_mistyped_id_in_a_staff_url_answers_the_error_page_or_the_json_body() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "officer.typo", Role::Officer, &["TKY"]).await;
    let r = officer
        .get(&app, "/s/submissions/not-a-uuid")
        .send()
        .await
        .expect("page");
    assert_error_page(r, 404, "見つかりません", "Not found", "staff page path").await;
    let r = officer
        .get(&app, "/api/v1/officer/submissions/not-a-uuid")
        .send()
        .await
        .expect("api");
    assert_eq!(r.status(), 404);
    let body = json(r).await;
    assert_eq!(body["error"]["code"], "not_found", "{body}");
}
