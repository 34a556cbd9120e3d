//! Release to payroll with dual control, and the age-sealed export payroll opens with the
//! standard `age` tool.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use sqlx::Connection;
use storage::staff::Role;
use tests::age::AgeKey;

use crate::helpers::{NUMBER, Spawn, csrf_in, json, spawn_with, tool_missing};
use crate::staff_helpers::{STAFF_PASSWORD, claim_and_verify, enrolled, submitted_as};

/// Payroll's key pair, made with `age-keygen` once per test process.
static PAYROLL: OnceLock<Option<AgeKey>> = OnceLock::new();

fn payroll_key() -> Option<&'static AgeKey> {
    PAYROLL
        .get_or_init(|| {
            tests::age::keygen()
                .map_err(|e| tool_missing("age-keygen", &e))
                .ok()
        })
        .as_ref()
}

#[tokio::test]
async fn two_officers_release_and_payroll_opens_exactly_the_released_records() {
    let Some(key) = payroll_key() else { return };
    let app = spawn_with(Spawn {
        tweak: |s| s.payroll_recipient = payroll_key().map(|k| k.recipient.clone()),
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let handed = vec![
        submitted_as(&app, "TKY", "E001").await,
        submitted_as(&app, "TKY", "E002").await,
        submitted_as(&app, "TKY", "E003").await,
    ];
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let mut verified = Vec::new();
    for _ in 0..3 {
        verified.push(claim_and_verify(&app, &first, &handed).await);
    }
    let released = &verified[..2];

    let release_id = first
        .propose_release(&app, released, "年末調整 (year-end adjustment)")
        .await;
    let approve_path = format!("/api/v1/officer/releases/{release_id}/approve");

    // The proposer can never approve, even with the right password and code.
    let own = first
        .post(&app, &approve_path)
        .json(&serde_json::json!({"password": STAFF_PASSWORD, "totp": first.next_code()}))
        .send()
        .await
        .expect("approve");
    assert_eq!(own.status(), 403);
    assert_eq!(json(own).await["error"]["code"], "separation_of_duties");
    // The second officer must give password and TOTP again.
    let wrong = second
        .post(&app, &approve_path)
        .json(&serde_json::json!({"password": "not my passphrase at all", "totp": second.next_code()}))
        .send()
        .await
        .expect("approve");
    assert_eq!(wrong.status(), 401);
    let approved = second
        .approve_release(&app, &release_id, &second.next_code())
        .await;
    assert_eq!(approved["records"], 2);

    let export_path = format!("/api/v1/officer/releases/{release_id}/export");
    // Taking the export consumes it: a GET (a link, a prefetch, an <img>) cannot.
    let by_get = second.get(&app, &export_path).send().await.expect("get");
    assert_eq!(by_get.status(), 405);
    assert_eq!(
        by_get.headers().get("allow").map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    assert_eq!(json(by_get).await["error"]["code"], "method_not_allowed");
    let download = second
        .post(&app, &export_path)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200, "the GET consumed nothing");
    let sealed = download.bytes().await.expect("bytes").to_vec();
    assert!(sealed.starts_with(b"age-encryption.org/v1"));
    assert!(!sealed.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()));
    let again = first
        .post(&app, &export_path)
        .send()
        .await
        .expect("download");
    assert_eq!(again.status(), 410, "downloadable once");

    let csv = String::from_utf8(tests::age::decrypt(&key.identity, &sealed).expect("age"))
        .expect("utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "employee_code,name,furigana,relationship,number,verification_method,checker,date,person_id,birth_date,address,no_number_reason,change,change_date"
    );
    assert_eq!(
        lines.len(),
        3,
        "exactly the two released records: {lines:?}"
    );
    let mut codes: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().expect("code"))
        .collect();
    codes.sort_unstable();
    let expected: Vec<&str> = handed
        .iter()
        .filter(|h| released.contains(&h.submission_id))
        .map(|h| {
            ["E001", "E002", "E003"][handed
                .iter()
                .position(|x| x.submission_id == h.submission_id)
                .expect("pos")]
        })
        .collect();
    assert_eq!(codes, expected);
    for line in &lines[1..] {
        assert!(
            line.contains(NUMBER)
                && line.contains("officer.a")
                && line.contains("my_number_card+my_number_card")
        );
    }

    // The export ledger names both officers, the records, the recipient and the hash.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
    let (count, recipient, sha, officers): (i64, String, Vec<u8>, String) = sqlx::query_as(
        "SELECT record_count, recipient, sha256, officers FROM export_ledger WHERE release_id = $1",
    )
    .bind(release_id.clone())
    .fetch_one(&mut conn)
    .await
    .expect("ledger row");
    assert_eq!(count, 2);
    assert_eq!(recipient, key.recipient);
    assert_eq!(sha, Sha256::digest(&sealed).to_vec());
    assert!(officers.contains("approved_by") && officers.contains("proposed_by"));
    let (state,): (String,) = sqlx::query_as("SELECT state FROM submissions WHERE id = $1")
        .bind(verified[2].clone())
        .fetch_one(&mut conn)
        .await
        .expect("state");
    assert_eq!(state, "verified", "the unreleased one stays");

    // The auditor's export ledger names the officers and the people, in Japan time, and its
    // download is the same table for Excel.
    let auditor = enrolled(&app, "auditor.l", Role::Auditor, &[]).await;
    let page = auditor
        .get(&app, "/s/ledgers/exports")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("officer.a") && page.contains("山田 太郎") && page.contains("申請者"));
    assert!(!page.contains(NUMBER) && !page.contains(&release_id));
    let csv = auditor
        .get(&app, "/s/ledgers/exports/csv")
        .send()
        .await
        .expect("csv")
        .bytes()
        .await
        .expect("bytes");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let csv = std::str::from_utf8(&csv[3..]).expect("utf-8");
    assert!(csv.starts_with("日時（日本時間）,提供,申請者,承認者"));
    assert!(csv.contains("officer.a") && csv.contains("山田 太郎"));
}

#[tokio::test]
async fn payroll_pulls_a_release_once_with_its_token_and_the_ledger_records_the_pull() {
    let Some(key) = payroll_key() else { return };
    let app = spawn_with(Spawn {
        tweak: |s| s.payroll_recipient = payroll_key().map(|k| k.recipient.clone()),
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let handed = vec![submitted_as(&app, "TKY", "E010").await];
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let verified = claim_and_verify(&app, &first, &handed).await;
    let release_id = first.propose_release(&app, &[verified], "源泉徴収票").await;
    let sha = second
        .approve_release(&app, &release_id, &second.next_code())
        .await["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();

    let (client, token) = app
        .app
        .vault
        .create_payroll_client(&storage::AuditContext::cli(), "payroll.example", None)
        .await
        .expect("client");
    let list = format!("{}/api/v1/payroll/releases", app.base);
    let pull = format!("{}/api/v1/payroll/releases/{release_id}/export", app.base);
    // No token, a malformed one, a well-formed stranger: 401 alike.
    let stranger = storage::SecretToken::generate();
    for auth in [
        None,
        Some("Bearer nope"),
        Some(&*format!("Bearer {}", stranger.expose())),
    ] {
        let mut request = app.new_client().post(&pull);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        assert_eq!(
            request.send().await.expect("pull").status(),
            401,
            "{auth:?}"
        );
    }
    let bearer = format!("Bearer {}", token.expose());
    let pending = json(
        app.new_client()
            .get(&list)
            .header("Authorization", &bearer)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(pending["releases"][0]["release_id"], release_id.as_str());
    assert_eq!(pending["releases"][0]["records"], 1);
    assert_eq!(pending["releases"][0]["sha256"], sha.as_str());

    let pulled = app
        .new_client()
        .post(&pull)
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("pull");
    assert_eq!(pulled.status(), 200);
    let sealed = pulled.bytes().await.expect("bytes").to_vec();
    assert_eq!(
        data_encoding::HEXLOWER.encode(&Sha256::digest(&sealed)),
        sha
    );
    let csv = tests::age::decrypt(&key.identity, &sealed).expect("age");
    assert!(String::from_utf8_lossy(&csv).contains(NUMBER));

    // Once: neither payroll nor an officer gets it again; the list is empty.
    let again = app
        .new_client()
        .post(&pull)
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("pull");
    assert_eq!(again.status(), 410);
    let download = second
        .post(
            &app,
            &format!("/api/v1/officer/releases/{release_id}/export"),
        )
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 410);
    let pending = json(
        app.new_client()
            .get(&list)
            .header("Authorization", &bearer)
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(pending["releases"].as_array().map(Vec::len), Some(0));

    // The ledger: the approval's row and the pull's, naming the client.
    let ledger = app.app.vault.export_ledger().await.expect("ledger");
    let pull_row = ledger
        .iter()
        .find(|e| e.route == "pull-api")
        .expect("pull row");
    assert_eq!(pull_row.release_id, release_id);
    assert_eq!(pull_row.record_count, 1);
    assert_eq!(pull_row.sha256, sha);
    assert!(pull_row.officers.contains(&client.id.to_string()));
    let trail = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("export.pull".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("trail");
    let outcomes: Vec<&str> = trail.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["success", "denied"]);
    assert!(
        trail
            .iter()
            .all(|e| e.actor == format!("payroll:{}", client.id))
    );
}

#[tokio::test]
async fn two_officers_release_from_the_pages_and_payroll_opens_the_file() {
    let Some(app) = spawn_with(Spawn {
        tweak: |s| s.payroll_recipient = payroll_key().map(|k| k.recipient.clone()),
        ..Spawn::default()
    })
    .await
    else {
        return;
    };
    let Some(key) = payroll_key() else { return };
    let first = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let second = enrolled(&app, "officer.b", Role::Officer, &["TKY"]).await;
    let handed = vec![submitted_as(&app, "TKY", "E200").await];
    let id = claim_and_verify(&app, &first, &handed).await;
    let page = |who: &crate::staff_helpers::Staff, path: &str| {
        let request = who.client.get(app.url(path));
        async move {
            let r = request.send().await.expect("get");
            (r.status().as_u16(), r.text().await.expect("html"))
        }
    };
    let (status, html) = page(&first, "/s/releases").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(r#"name="submission" value="{id}""#)));
    assert!(!html.contains(NUMBER));
    // A purpose is required; the refusal is explained on the page.
    let refused = first
        .client
        .post(app.url("/s/releases"))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("submission", id.as_str()),
            ("purpose", ""),
        ])
        .send()
        .await
        .expect("no purpose");
    assert!(refused.text().await.expect("html").contains("notice error"));
    let proposed = first
        .client
        .post(app.url("/s/releases"))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("submission", id.as_str()),
            ("purpose", tests::staff::RELEASE_PURPOSE),
            ("note", "2026年分 年末調整"),
        ])
        .send()
        .await
        .expect("propose");
    let html = proposed.text().await.expect("html");
    assert!(html.contains("提案しました") && html.contains("あなたの提案です"));
    // Issue 18, bug 1: what waits in a proposal is no longer offered for release, and
    // proposing it again says why instead of "try again".
    assert!(
        !html.contains(&format!(r#"name="submission" value="{id}""#)),
        "the proposed record is not offered again"
    );
    let again = first
        .client
        .post(app.url("/s/releases"))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("submission", id.as_str()),
            ("purpose", tests::staff::RELEASE_PURPOSE),
            ("note", "2026年分 年末調整"),
        ])
        .send()
        .await
        .expect("again")
        .text()
        .await
        .expect("html");
    assert!(
        again.contains("同じ内容の提案がすでに承認待ちです")
            && !again.contains("もう一度お試しください"),
        "{again}"
    );

    let (_, html) = page(&second, "/s/releases").await;
    let marker = r#"action="/s/releases/"#;
    let at = html.find(marker).expect("approve form") + marker.len();
    let release = html[at..].split('/').next().expect("id").to_owned();
    let approved = second
        .client
        .post(app.url(&format!("/s/releases/{release}/approve")))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("password", STAFF_PASSWORD),
            ("totp", second.next_code().as_str()),
        ])
        .send()
        .await
        .expect("approve");
    let html = approved.text().await.expect("html");
    assert!(html.contains("承認しました"), "{html}");
    let download = format!("/s/releases/{release}/export");
    assert!(html.contains(&download), "the download form");
    let sealed = second
        .client
        .post(app.url(&download))
        .form(&[("csrf", csrf_in(&html).as_str())])
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    let csv = tests::age::decrypt(&key.identity, &sealed).expect("age");
    assert!(
        String::from_utf8_lossy(&csv).contains(NUMBER),
        "payroll reads the number"
    );
    let (_, after) = page(&second, "/s/releases").await;
    assert!(
        !after.contains(&download),
        "downloaded once: the form is gone"
    );
    // Issue 18, bug 2: a second click on the button of a page not reloaded comes back to
    // the page with why, never a file holding an error.
    let second_click = second
        .client
        .post(app.url(&download))
        .form(&[("csrf", csrf_in(&html).as_str())])
        .send()
        .await
        .expect("again");
    assert_eq!(second_click.status(), 200, "back on the page");
    assert!(second_click.headers().get("content-disposition").is_none());
    let text = second_click.text().await.expect("html");
    assert!(text.contains("すでに受け渡し済みです"), "{text}");
}

/// The CA that signs payroll's client certificates in the mutual-TLS test.
static CLIENT_CA: OnceLock<std::path::PathBuf> = OnceLock::new();

#[tokio::test]
async fn a_payroll_client_bound_to_its_certificate_needs_it_as_well_as_the_token() {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
        KeyPair, KeyUsagePurpose,
    };
    let dir = tempfile::tempdir().expect("tmp");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("ca");
    let ca_file = dir.path().join("payroll-ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("ca file");
    CLIENT_CA.set(ca_file).expect("once");
    let client_cert = |name: &str| {
        let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &ca).expect("signed");
        (
            cert.der().to_vec(),
            format!("{}{}", cert.pem(), key.serialize_pem()),
        )
    };
    let (registered_der, registered_pem) = client_cert("payroll.example");
    let (_, other_pem) = client_cert("intruder.example");

    let Some(app) = spawn_with(Spawn {
        tweak: |s| s.payroll_client_ca = CLIENT_CA.get().cloned(),
        ..Spawn::default()
    })
    .await
    else {
        return;
    };
    let digest: [u8; 32] = Sha256::digest(&registered_der).into();
    let (_, token) = app
        .app
        .vault
        .create_payroll_client(&storage::AuditContext::cli(), "payroll.mtls", Some(digest))
        .await
        .expect("client");
    let dev_cert =
        reqwest::Certificate::from_pem(&std::fs::read(app.settings.tls_cert_path()).expect("cert"))
            .expect("pem");
    let client = |identity: Option<&str>| {
        let mut builder = reqwest::Client::builder().add_root_certificate(dev_cert.clone());
        if let Some(pem) = identity {
            builder =
                builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
        }
        builder.build().expect("client")
    };
    let list = |c: reqwest::Client| {
        let url = app.url("/api/v1/payroll/releases");
        let bearer = format!("Bearer {}", token.expose());
        async move {
            c.get(url)
                .header("Authorization", bearer)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        list(client(None)).await,
        401,
        "the token alone is not enough"
    );
    assert_eq!(
        list(client(Some(&other_pem))).await,
        401,
        "another certificate of the same CA"
    );
    assert_eq!(list(client(Some(&registered_pem))).await, 200);
    // Phones and browsers without a certificate still connect.
    let health = client(None)
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let denied = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            action: Some("export.pull".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("trail");
    let reasons: Vec<&str> = denied.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(denied.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].contains("certificate_missing") && reasons[1].contains("certificate_mismatch")
    );
}
