//! Several instances, no sticky routing: state that must be shared (sessions, submissions)
//! lives in the database; rate-limit counters live in each instance.
//!
//! Rate limits are per instance by design (see `intake-api/src/ratelimit.rs`): behind N
//! instances without sticky routing a client gets at most N × the quota of each class.
//! The tests below pin both halves: the shared state works across instances, and a client
//! limited on one instance is not limited on the other.

use intake_api::config::Settings;
use intake_api::startup::Application;

use crate::helpers::*;

/// A second instance of the same service: same settings, same database, its own port.
async fn second_instance(settings: &Settings) -> String {
    let app = Application::build(settings.clone(), None)
        .await
        .expect("second instance");
    let port = app.address().port();
    tokio::spawn(app.run_until_stopped());
    format!("https://localhost:{port}")
}

#[tokio::test]
async fn two_instances_on_one_postgresql_share_sessions_and_submissions() {
    let Some(a) = spawn_app_on_postgres().await else {
        return;
    };
    let b = second_instance(&a.settings).await;
    // One phone; its requests alternate between the instances as a round-robin balancer
    // would send them (cookies are per host, not per port, like behind one public name).
    let token = a.invite(None).await;
    assert_eq!(a.sign_in(&token, None).await.status(), 200);
    let saved = a
        .client
        .put(format!("{b}/api/v1/provider/subjects/self"))
        .json(&serde_json::json!({
            "number": NUMBER, "name": "山田 太郎", "name_kana": "やまだ たろう", "birth_date": "1990-04-01"
        }))
        .send()
        .await
        .expect("save on B");
    assert_eq!(saved.status(), 200, "a session made on A works on B");
    let subject = json(saved).await["subject_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let uploaded = a
        .upload(
            &subject,
            "my_number_card_front",
            fixture("orientation/landscape_1.jpg"),
        )
        .await;
    assert_eq!(uploaded.status(), 201);
    let document = json(uploaded).await["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let on_b = a
        .client
        .get(format!("{b}/api/v1/provider/status"))
        .send()
        .await
        .expect("status on B");
    assert_eq!(on_b.status(), 200);
    let on_b = on_b.text().await.expect("body");
    let on_a = a
        .client
        .get(a.url("/api/v1/provider/status"))
        .send()
        .await
        .expect("status on A")
        .text()
        .await
        .expect("body");
    assert!(on_b.contains(&document), "B serves the upload made on A");
    assert_eq!(on_a, on_b, "both instances serve the same submission");
}

#[tokio::test]
async fn rate_limits_are_per_instance() {
    let a = spawn_with(Spawn {
        tweak: |s| {
            s.rate_limits.sign_in.burst = 2;
            s.rate_limits.sign_in.per_minute = 1;
        },
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let b = second_instance(&a.settings).await;
    // A malformed token: refused (401) without touching an invitation, so no per-invitation
    // lockout mixes into what is measured here.
    let wrong = serde_json::json!({ "token": "not-a-token" });
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = a
            .client
            .post(a.url("/api/v1/provider/session"))
            .json(&wrong)
            .send()
            .await
            .expect("sign in on A");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses.last(),
        Some(&429),
        "A limits after its burst: {statuses:?}"
    );
    let on_b = a
        .client
        .post(format!("{b}/api/v1/provider/session"))
        .json(&wrong)
        .send()
        .await
        .expect("sign in on B");
    // B has its own counters: the same client is not yet limited there (N × quota).
    assert_ne!(on_b.status(), 429);
}

/// Sign-in attempts from one connection that claims a new `X-Forwarded-For` each time;
/// returns how many were answered before the first 429 (or all of them).
async fn attempts_before_limit(app: &TestApp) -> usize {
    for i in 0..12 {
        let r = app
            .client
            .post(app.url("/api/v1/provider/session"))
            .header("x-forwarded-for", format!("198.51.100.{}", i + 1))
            .json(&serde_json::json!({ "token": "not-a-token" }))
            .send()
            .await
            .expect("sign in");
        if r.status() == 429 {
            return i;
        }
    }
    12
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit() {
    let app = spawn_with(Spawn {
        tweak: |s| {
            s.rate_limits.sign_in.burst = 3;
            s.rate_limits.sign_in.per_minute = 1;
        },
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    assert_eq!(attempts_before_limit(&app).await, 3);
}

#[tokio::test]
async fn forwarded_for_from_a_configured_proxy_names_the_client() {
    let app = spawn_with(Spawn {
        tweak: |s| {
            s.rate_limits.sign_in.burst = 3;
            s.rate_limits.sign_in.per_minute = 1;
            // The test client connects from loopback: here it plays the reverse proxy.
            s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
        },
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    // Each claimed client address has its own bucket, so none is limited.
    assert_eq!(attempts_before_limit(&app).await, 12);
}
