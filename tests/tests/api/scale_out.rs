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
    // would send them (cookies are per host, not per port, like behind one public name;
    // its pages' Origin is that name).
    let a = a.behind_one_public_name();
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
    .expect("spawn")
    .behind_one_public_name();
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

/// The same as the first test, with two real `kakunin serve` processes (each its own
/// copy of the data directory, as two hosts would have) on one PostgreSQL database and
/// requests alternating between them: providers' sessions, officers' sessions, claims
/// raced from both sides, one live session per account across instances, and one audit
/// chain that both instances' anchor files confirm.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_serve_processes_on_one_postgresql_share_sessions_and_never_hand_out_a_claim_twice() {
    use crate::process::{ServerProcess, init_data_dir, kakunin_cli, upload_photo};
    use crate::staff_helpers::{STAFF_PASSWORD, first_sign_in, sign_in_request};

    let Some(db) = storage::test_support::TestDatabase::postgres().await else {
        return;
    };
    let root = tempfile::tempdir().expect("tmp");
    let (dir_a, dir_b) = (root.path().join("a"), root.path().join("b"));
    init_data_dir(&dir_a, Some(&db.url), "");
    // The second host gets the same configuration and keys.
    copy_dir(&dir_a, &dir_b);
    let a = ServerProcess::start(&dir_a, Some(&db.url));
    let b = ServerProcess::start(&dir_b, Some(&db.url));
    assert_ne!(a.base, b.base);

    // Providers sign in and save on A; upload on B; hand in on A; read their status on B.
    const SUBMISSIONS: usize = 6;
    let photo = fixture("orientation/landscape_1.jpg");
    for _ in 0..SUBMISSIONS {
        let (phone, subject) = a.signed_in_provider_in(Some("TKY"), NUMBER).await;
        let upload = b.url(&format!("/api/v1/provider/subjects/{subject}/documents"));
        let document = upload_photo(&phone, &upload, photo.clone())
            .await
            .expect("an upload on B with the session made on A");
        let submitted = phone
            .post(a.url("/api/v1/provider/submit"))
            .send()
            .await
            .expect("submit on A");
        assert_eq!(submitted.status(), 200);
        let status = phone
            .get(b.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status on B");
        assert_eq!(status.status(), 200);
        assert!(status.text().await.expect("body").contains(&document));
    }

    // Two officers, created with the CLI; one signs in on A, the other on B.
    let password = root.path().join("officer.password");
    std::fs::write(&password, STAFF_PASSWORD).expect("password file");
    for name in ["officer.a", "officer.b"] {
        let (status, _) = kakunin_cli(
            &dir_a,
            Some(&db.url),
            &[
                "user",
                "add",
                "--role",
                "officer",
                "--username",
                name,
                "--password-file",
                &password.display().to_string(),
                "--scope",
                "TKY",
            ],
        );
        assert_eq!(status, 0, "kakunin user add {name}");
    }
    let mut officer_a = first_sign_in(&a, "officer.a").await;
    officer_a.enrol_totp(&a).await;
    let mut officer_b = first_sign_in(&b, "officer.b").await;
    officer_b.enrol_totp(&b).await;

    // They race for claims, each on the other's instance every second round, until the
    // queue is empty: every submission is handed out exactly once.
    let mut claimed: Vec<String> = Vec::new();
    for round in 0.. {
        assert!(
            round < 3 * SUBMISSIONS,
            "the claims did not drain the queue"
        );
        let (on_a, on_b): (&ServerProcess, &ServerProcess) =
            if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (ra, rb) = tokio::join!(
            officer_a.post(on_a, "/api/v1/officer/claims").send(),
            officer_b.post(on_b, "/api/v1/officer/claims").send()
        );
        let mut empty = 0;
        for response in [ra.expect("claim"), rb.expect("claim")] {
            match response.status().as_u16() {
                200 => claimed.push(
                    json(response).await["submission_id"]
                        .as_str()
                        .expect("id")
                        .to_owned(),
                ),
                204 => empty += 1,
                other => panic!("claim answered {other}"),
            }
        }
        if empty == 2 {
            break;
        }
    }
    let mut distinct = claimed.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        claimed.len(),
        "a claim handed out twice: {claimed:?}"
    );
    assert_eq!(claimed.len(), SUBMISSIONS);

    // One live session per account across instances: signing in again on B ends A's.
    let before = officer_a
        .get(&a, "/api/v1/officer/queue")
        .send()
        .await
        .expect("queue");
    assert_eq!(before.status(), 200);
    let again = sign_in_request(
        &b,
        &b.new_client(),
        "officer.a",
        STAFF_PASSWORD,
        Some(&officer_a.next_code()),
    )
    .await;
    if again.status() != 200 {
        eprintln!(
            "{}",
            std::fs::read_to_string(&b.log_path).unwrap_or_default()
        );
    }
    assert_eq!(again.status(), 200);
    let after = officer_a
        .get(&a, "/api/v1/officer/queue")
        .send()
        .await
        .expect("queue");
    assert_eq!(
        after.status(),
        401,
        "the first session ended on the other instance"
    );

    // One chain: each instance anchored it in its own file, and both files verify.
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    for dir in [&dir_a, &dir_b] {
        let anchors = std::fs::read_to_string(dir.join("audit-anchor.log")).unwrap_or_default();
        assert!(
            anchors.lines().count() > 0,
            "{} anchored nothing",
            dir.display()
        );
        let (status, out) = kakunin_cli(dir, Some(&db.url), &["audit", "verify"]);
        assert_eq!(
            status,
            0,
            "kakunin audit verify in {}: {out}",
            dir.display()
        );
    }
}

/// An instance holding another internal key than the instances sharing its database (a
/// data directory made apart instead of copied) refuses to start, rather than failing
/// every staff sign-in that a balancer sends to it or missing every duplicate number:
/// each of the three internal keys is checked.
#[tokio::test]
async fn an_instance_holding_another_internal_key_refuses_to_start() {
    let a = spawn_app().await;
    for file in storage::InternalKeys::FILES {
        let dir = tempfile::tempdir().expect("tmp");
        copy_dir(a.data_path(), dir.path());
        let path = dir.path().join("keys").join(file);
        std::fs::remove_file(&path).expect("remove the key");
        if file == storage::NumberIndexKey::FILE {
            std::fs::write(&path, storage::NumberIndexKey::generate_file().as_bytes())
                .expect("another key");
        }
        let mut settings = Settings::load(dir.path()).expect("settings");
        settings.listen = "127.0.0.1:0".parse().expect("addr");
        settings.database_url = Some(a.db.url.clone());
        let refused = Application::build(settings, None)
            .await
            .expect_err("must refuse");
        assert!(
            matches!(&refused, intake_api::startup::StartError::InternalKeyDiffers(p) if p.ends_with(file)),
            "{file}: {refused}"
        );
    }
}
