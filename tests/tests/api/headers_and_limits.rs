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
    assert_eq!(
        ready,
        serde_json::json!({"status": "ready"}),
        "nothing about the instance"
    );
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
        "/api/v1/provider/campaign/no-change",
        "/api/v1/admin/campaigns",
        "/api/v1/admin/campaigns/{id}/close",
        "/api/v1/payroll/releases",
        "/api/v1/payroll/releases/{id}/export",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["payroll_token"]["scheme"],
        "bearer"
    );
    assert!(
        doc["paths"]["/api/v1/payroll/releases/{id}/export"]["post"]["responses"]["410"]
            .is_object()
    );
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
    // Not the upload's "file too large (20 MB)": this was a form, not a file.
    assert_eq!(json(refused).await["error"]["code"], "request_too_large");
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

/// The batch endpoints take a real batch: the admin API a whole roster (5,000 rows, as
/// the CSV upload does), a release proposal a company-wide list of ids. Past their own
/// limit the answer is a bilingual 413 that says to split the batch, and nothing is made.
#[tokio::test]
async fn batch_endpoints_take_a_whole_roster_and_refuse_more_plainly() {
    use crate::staff_helpers::enrolled;
    use storage::staff::Role;

    let app = spawn_app().await;
    let admin = enrolled(&app, "hr.batch", Role::Admin, &[]).await;
    let row = |i: usize| {
        serde_json::json!({
            "employee_code": format!("E{i:05}"),
            "name": "山田 太郎",
            "name_kana": "ヤマダ タロウ",
            "email": format!("taro.yamada.{i}@example.co.jp"),
            "branch": "TKY",
            "birth_date": "1990-04-01",
        })
    };
    let roster =
        |rows: usize| serde_json::json!({ "invitations": (0..rows).map(row).collect::<Vec<_>>() });
    let count = async || {
        app.app
            .vault
            .invited_employee_codes()
            .await
            .expect("codes")
            .len()
    };

    // Over the endpoint's own limit (4 MiB): 413, with the batch message, nothing made.
    let mut padded = roster(10);
    padded["invitations"][0]["name"] = serde_json::json!("x".repeat(5 * 1024 * 1024));
    let too_large = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&padded)
        .send()
        .await
        .expect("create");
    assert_eq!(too_large.status(), 413);
    let body = json(too_large).await;
    assert_eq!(body["error"]["code"], "request_too_large");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| m.contains("分けて"))
    );
    assert!(
        body["error"]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("smaller batches"))
    );
    assert_eq!(count().await, 0);

    // One row more than a roster may hold: refused as a whole, by the roster's own rule.
    let over = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&roster(5_001))
        .send()
        .await
        .expect("create");
    assert_eq!(over.status(), 422);
    assert_eq!(count().await, 0);

    // A whole roster, 5,000 rows (about 1 MiB of JSON; the old 64 KiB limit took ~600).
    let created = admin
        .post(&app, "/api/v1/admin/invitations")
        .json(&roster(5_000))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    assert_eq!(
        json(created).await["items"].as_array().map(Vec::len),
        Some(5_000)
    );
    assert_eq!(count().await, 5_000);

    // A release proposal naming 5,000 ids is read (here: none is in scope, so 404 for the
    // first unknown id), not refused for its size as the old limit did past ~1,680 ids.
    let officer = enrolled(&app, "officer.batch", Role::Officer, &["TKY"]).await;
    let ids: Vec<String> = (0..5_000)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let proposal = officer
        .post(&app, "/api/v1/officer/releases")
        .json(
            &serde_json::json!({ "submission_ids": ids, "purpose": tests::staff::RELEASE_PURPOSE }),
        )
        .send()
        .await
        .expect("propose");
    assert_eq!(proposal.status(), 404);
}

#[tokio::test]
async fn the_provider_cookie_is_host_prefixed_secure_httponly_and_strict() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    let response = app.sign_in(&token, None).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("__Host-kakunin_provider="))
        .expect("provider cookie, __Host- prefixed over TLS");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
}
