//! `kakunin backup` while serving and `kakunin restore`: the copy is consistent, holds only
//! ciphertext, restores with an intact audit trail and documents that still open.

use clap::Parser;
use intake_api::cli::{Cli, run};
use storage::Vault;

use crate::helpers::*;

async fn kakunin(args: &[&str]) -> Result<u8, String> {
    let mut argv = vec!["kakunin"];
    argv.extend_from_slice(args);
    run(Cli::parse_from(argv))
        .await
        .map_err(|e| format!("{e:#}"))
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_and_opens() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let uploaded = app
        .upload(
            &subject,
            "my_number_card_front",
            fixture("orientation/portrait_2.jpg"),
        )
        .await;
    assert_eq!(uploaded.status(), 201);
    let document_id = json(uploaded).await["document_id"]
        .as_str()
        .expect("id")
        .to_owned();

    let out_dir = tempfile::tempdir().expect("tmp");
    let backup = out_dir.path().join("kakunin-backup.db");
    let data = app.data_path().display().to_string();
    let backup_arg = backup.display().to_string();
    assert_eq!(
        kakunin(&[
            "backup",
            "--data-dir",
            &data,
            "--database-url",
            &app.db.url,
            "--out",
            &backup_arg
        ])
        .await,
        Ok(0)
    );
    // The service kept serving during the backup.
    assert_eq!(app.save_self(NUMBER).await.status(), 200);

    // Ciphertext only: the number is nowhere in the file, in any form it was typed.
    let bytes = std::fs::read(&backup).expect("backup");
    assert!(!bytes.is_empty());
    for needle in [NUMBER.as_bytes(), "１２３４５６７８９０１８".as_bytes()] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "plaintext in the backup"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&backup)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    // A backup never overwrites.
    assert!(
        kakunin(&[
            "backup",
            "--data-dir",
            &data,
            "--database-url",
            &app.db.url,
            "--out",
            &backup_arg
        ])
        .await
        .is_err()
    );

    // Restore into another place, as after losing the server.
    let target = tempfile::tempdir().expect("tmp");
    let restored_db = target.path().join("kakunin.db");
    let restored_url = format!("sqlite://{}?mode=rwc", restored_db.display());
    let target_dir = target.path().display().to_string();
    let restore = |force: bool| {
        let mut args = vec![
            "restore",
            "--data-dir",
            &target_dir,
            "--database-url",
            &restored_url,
            "--from",
            &backup_arg,
        ];
        if force {
            args.push("--force");
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = restore(false);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(kakunin(&args).await, Ok(0));
    // A second restore would overwrite a database: refused unless forced.
    let refused = kakunin(&args).await;
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("--force")),
        "{refused:?}"
    );
    let forced = restore(true);
    let forced: Vec<&str> = forced.iter().map(String::as_str).collect();
    assert_eq!(kakunin(&forced).await, Ok(0));

    let vault = Vault::connect(&restored_url).await.expect("restored vault");
    let chain = vault.verify_audit_chain().await.expect("verify");
    assert!(chain.first_break.is_none());
    let entries = vault.audit_entries(0, 1000).await.expect("entries");
    assert!(entries.iter().any(|e| e.action == "backup.create"));
    vault.close().await;

    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&restored_url)
        .await
        .expect("db");
    let (sealed,): (Vec<u8>,) = sqlx::query_as("SELECT sealed FROM documents WHERE id = $1")
        .bind(document_id)
        .fetch_one(&mut conn)
        .await
        .expect("document restored");
    if let Some(jpeg) = app.open_with_age_cli(&sealed) {
        image::load_from_memory(&jpeg).expect("the restored document opens");
    }
}

#[tokio::test]
async fn a_restore_refuses_a_file_that_is_not_a_backup() {
    let target = tempfile::tempdir().expect("tmp");
    let junk = target.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").expect("junk");
    let url = format!("sqlite://{}?mode=rwc", target.path().join("k.db").display());
    let dir = target.path().display().to_string();
    let junk = junk.display().to_string();
    let result = kakunin(&[
        "restore",
        "--data-dir",
        &dir,
        "--database-url",
        &url,
        "--from",
        &junk,
    ])
    .await;
    assert!(result.is_err(), "{result:?}");
    assert!(!target.path().join("k.db").exists(), "nothing installed");
}

#[tokio::test]
async fn backup_on_postgresql_points_to_pg_dump() {
    let Some(app) = spawn_app_on_postgres().await else {
        return;
    };
    let data = app.data_path().display().to_string();
    let out = app.data_path().join("b.db").display().to_string();
    assert_eq!(
        kakunin(&[
            "backup",
            "--data-dir",
            &data,
            "--database-url",
            &app.db.url,
            "--out",
            &out
        ])
        .await,
        Ok(2)
    );
    assert!(!std::path::Path::new(&out).exists());
}
