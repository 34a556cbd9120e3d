//! Deployment modes: a public instance seals but cannot unseal (invariant 6).

use intake_api::config::{Mode, Settings};
use intake_api::startup::{Application, StartError};

use crate::helpers::*;

#[tokio::test]
async fn a_public_instance_refuses_to_start_with_the_identity_present() {
    let app = spawn_app().await;
    let mut settings = app.settings.clone();
    settings.mode = Mode::Public;
    let err = Application::build(settings, None)
        .await
        .expect_err("must refuse");
    assert!(
        matches!(err, StartError::IdentityOnPublicInstance(_)),
        "{err}"
    );
}

#[tokio::test]
async fn a_public_instance_seals_uploads_it_cannot_open() {
    // The internal side keeps the identity; the public side gets a copy of the data
    // directory without it.
    let internal = spawn_app().await;
    let public_dir = tempfile::tempdir().expect("tmp");
    copy_dir(internal.data_path(), public_dir.path());
    std::fs::remove_file(public_dir.path().join("keys/identity.txt")).expect("remove identity");
    let mut settings = Settings::load(public_dir.path()).expect("settings");
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    settings.mode = Mode::Public;
    settings.database_url = Some(internal.db.url.clone());
    // Nor the key of the staff's second factors (the public side shares the database).
    let refused = Application::build(settings.clone(), None)
        .await
        .expect_err("must refuse the TOTP key");
    assert!(
        matches!(refused, StartError::TotpKeyOnPublicInstance(_)),
        "{refused}"
    );
    std::fs::remove_file(public_dir.path().join("keys/totp.key")).expect("remove totp key");
    let public = Application::build(settings, None)
        .await
        .expect("public instance starts");
    assert!(
        public.state().keys.unsealer().is_none(),
        "no unseal path on the public instance"
    );
    let files: Vec<_> = walk(public_dir.path());
    assert!(
        files.iter().all(|f| !std::fs::read_to_string(f)
            .unwrap_or_default()
            .contains("AGE-SECRET-KEY")),
        "no identity anywhere in the public data directory"
    );
    let port = public.address().port();
    tokio::spawn(public.run_until_stopped());

    let token = internal.invite(None).await;
    // A phone on the public instance's pages (its Origin is the public name).
    let phone = internal.public_name_client();
    let url = |p: &str| format!("https://localhost:{port}{p}");
    assert_eq!(
        phone
            .post(url("/api/v1/provider/session"))
            .json(&serde_json::json!({"token": token}))
            .send()
            .await
            .expect("r")
            .status(),
        200
    );
    let saved = phone
        .put(url("/api/v1/provider/subjects/self"))
        .json(&serde_json::json!({"number": NUMBER, "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1990-04-01"}))
        .send()
        .await
        .expect("r");
    let subject = json(saved).await["subject_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let form = reqwest::multipart::Form::new()
        .text("kind", "passport")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("orientation/landscape_1.jpg")),
        );
    let uploaded = phone
        .post(url(&format!(
            "/api/v1/provider/subjects/{subject}/documents"
        )))
        .multipart(form)
        .send()
        .await
        .expect("r");
    assert_eq!(uploaded.status(), 201);
    let id = json(uploaded).await["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    // What the public side sealed opens only with the internal side's identity.
    let sealed = internal.sealed_document(&id).await;
    if let Some(jpeg) = internal.open_with_age_cli(&sealed) {
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    }
}

#[tokio::test]
async fn plain_http_is_refused_on_a_non_loopback_address() {
    let app = spawn_app().await;
    let mut settings = app.settings.clone();
    settings.insecure_http = true;
    settings.listen = "0.0.0.0:0".parse().expect("addr");
    let err = Application::build(settings, None)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("loopback"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}
