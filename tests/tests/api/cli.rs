//! The command line: `kakunin audit verify` and `kakunin invite --json`.

use clap::Parser;
use intake_api::cli::{Cli, run};

use crate::helpers::*;

async fn kakunin(app: &TestApp, args: &[&str]) -> u8 {
    let data_dir = app.data_path().display().to_string();
    let mut argv = vec!["kakunin"];
    argv.extend_from_slice(args);
    argv.extend(["--data-dir", &data_dir, "--database-url", &app.db.url]);
    run(Cli::parse_from(argv)).await.expect("command runs")
}

#[tokio::test]
async fn audit_verify_passes_untouched_and_fails_after_an_edit() {
    let app = spawn_app().await;
    app.signed_in_with_self().await;
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 0);

    app.app.vault.drop_audit_triggers_for_tests().await;
    app.app
        .vault
        .tamper_for_tests("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3")
        .await
        .expect("tamper");
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 2);
    let report = app.app.vault.verify_audit_chain().await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.seq), Some(3));
}

#[tokio::test]
async fn an_invitation_from_the_cli_signs_in() {
    let app = spawn_app().await;
    assert_eq!(
        kakunin(
            &app,
            &["invite", "--kind", "payee", "--name", "佐藤 花子", "--json"]
        )
        .await,
        0
    );
    // The token went to stdout; the database shows the invitation and its audit entry.
    let entries = app.app.vault.audit_entries(0, 100).await.expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e.action == "invitation.create" && e.actor == "cli")
    );
}

#[tokio::test]
async fn audit_verify_catches_a_cut_tail_through_the_anchor_outside_the_database() {
    let app = spawn_app().await;
    app.signed_in_with_self().await;
    app.app
        .vault
        .anchor_audit_head(&app.settings.audit_anchor_path())
        .await
        .expect("anchor");
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 0);
    app.app.vault.drop_audit_triggers_for_tests().await;
    app.app
        .vault
        .tamper_for_tests("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .await
        .expect("cut");
    app.app
        .vault
        .tamper_for_tests(
            "UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)) WHERE id = 1",
        )
        .await
        .expect("reset head");
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 2);
}

#[tokio::test]
async fn key_rotation_reseals_everything_and_retired_identities_can_be_destroyed() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let uploaded = app
        .upload(&subject, "passport", fixture("orientation/landscape_1.jpg"))
        .await;
    let document = json(uploaded).await["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let old_identity = std::fs::read_to_string(app.identity_path()).expect("identity");

    assert_eq!(kakunin(&app, &["keys", "rotate", "--batch", "1"]).await, 0);
    let new_identity = std::fs::read_to_string(app.identity_path()).expect("identity");
    assert_ne!(old_identity, new_identity);
    // The stored document opens with the new identity through the standard tool...
    let sealed = app.sealed_document(&document).await;
    if let Some(jpeg) = app.open_with_age_cli(&sealed) {
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    }
    // ...and no longer with the old one.
    let old = storage::sealing::Unsealer::from_identity_file(&old_identity).expect("old");
    assert!(!old.can_open(&sealed));
    let retired = std::fs::read_dir(app.data_path().join("keys/retired"))
        .expect("retired")
        .count();
    assert_eq!(retired, 1);
    assert_eq!(kakunin(&app, &["keys", "destroy-retired"]).await, 0);
    let retired = std::fs::read_dir(app.data_path().join("keys/retired"))
        .expect("retired")
        .count();
    assert_eq!(retired, 0);
    assert_eq!(kakunin(&app, &["audit", "verify"]).await, 0);
}
