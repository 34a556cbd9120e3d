//! Security headers, rate limits, health and the OpenAPI document.

use crate::helpers::*;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/api/v1/provider/status", "/no/such/page"] {
        let response = app.client.get(app.url(path)).send().await.expect("request");
        let h = response.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            h.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert_eq!(
            h.get("referrer-policy").map(|v| v.as_bytes()),
            Some(&b"no-referrer"[..]),
            "{path}"
        );
        assert!(
            h.get("strict-transport-security").is_some(),
            "{path}: HSTS over TLS"
        );
        assert_eq!(
            h.get("cache-control").map(|v| v.as_bytes()),
            Some(&b"no-store"[..]),
            "{path}"
        );
    }
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    let token = app.invite(Some("1990-04-01")).await;
    let mut limited = None;
    for _ in 0..30 {
        let response = app.sign_in(&token, Some("1990-04-02")).await;
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("sign-in is limited within 30 attempts");
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .expect("Retry-After");
    assert!(retry_after >= 1);
    let body = json(response).await;
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        body["error"]["message_en"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test]
async fn health_readiness_and_the_openapi_document_answer() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("r")
            .status(),
        200
    );
    let ready = json(app.client.get(app.url("/readyz")).send().await.expect("r")).await;
    assert_eq!(ready["status"], "ready");
    let doc = json(
        app.client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("r"),
    )
    .await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/v1/provider/session",
        "/api/v1/provider/subjects/self",
        "/api/v1/provider/subjects",
        "/api/v1/provider/subjects/{subject_id}/documents",
        "/api/v1/provider/submit",
        "/api/v1/provider/status",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

#[tokio::test]
async fn uploads_into_one_invitation_are_limited_whatever_the_address() {
    let app = spawn_with(Spawn {
        tweak: |s| {
            s.rate_limits.upload_per_invitation = intake_api::config::Quota {
                per_minute: 1,
                burst: 2,
            };
        },
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let photo = fixture("orientation/landscape_1.jpg");
    let subject = app.signed_in_with_self().await;
    for _ in 0..2 {
        let stored = app
            .upload(&subject, "my_number_card_front", photo.clone())
            .await;
        assert_eq!(stored.status(), 201);
    }
    let limited = app
        .upload(&subject, "my_number_card_back", photo.clone())
        .await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    let body = json(limited).await;
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    // Another person's invitation, from the same address, is not affected.
    let other = TestApp {
        client: app.new_client(),
        ..app
    };
    let other_subject = other.signed_in_with_self().await;
    let stored = other
        .upload(&other_subject, "my_number_card_front", photo)
        .await;
    assert_eq!(stored.status(), 201);
}

#[tokio::test]
async fn a_subject_body_that_is_too_large_or_not_json_is_refused_plainly() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    assert_eq!(app.sign_in(&token, None).await.status(), 200);
    let huge = serde_json::json!({
        "number": NUMBER, "name": "x".repeat(70 * 1024), "name_kana": "ヤマダ", "birth_date": "1990-04-01"
    });
    let refused = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .json(&huge)
        .send()
        .await
        .expect("put");
    assert_eq!(refused.status(), 413);
    assert_eq!(json(refused).await["error"]["code"], "payload_too_large");
    let wrong_type = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .header("Content-Type", "text/plain")
        .body(format!("{{\"number\":\"{NUMBER}\"}}"))
        .send()
        .await
        .expect("put");
    assert_eq!(wrong_type.status(), 415);
    let malformed = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .header("Content-Type", "application/json")
        .body("{\"number\": ")
        .send()
        .await
        .expect("put");
    assert_eq!(malformed.status(), 400);
    let body = json(malformed).await;
    assert!(
        body["error"]["message_en"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    // The session is still usable after the refusals.
    assert_eq!(app.save_self(NUMBER).await.status(), 200);
}
