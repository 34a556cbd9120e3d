//! Deployment modes: a public instance seals but can neither unseal, nor derive anything
//! from a number, nor act as staff — even for an attacker who holds its host, its files
//! and its database credentials (invariant 6).

use intake_api::config::{Mode, Settings};
use intake_api::startup::{Application, StartError};
use sqlx::{Connection, Row};

use crate::helpers::*;
use crate::staff_helpers::*;

/// The PostgreSQL role public instances of these tests connect as (roles are cluster-wide;
/// each test database gets its own grants).
const PUBLIC_ROLE: &str = "kakunin_test_public";

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
async fn a_public_instance_refuses_every_key_only_the_internal_side_may_hold() {
    let internal = spawn_app().await;
    for file in storage::InternalKeys::FILES {
        let dir = public_data_dir(&internal);
        std::fs::copy(
            internal.data_path().join("keys").join(file),
            dir.path().join("keys").join(file),
        )
        .expect("copy the key");
        let settings = public_settings(dir.path(), &internal.db.url);
        let err = Application::build(settings, None)
            .await
            .expect_err("must refuse");
        assert!(
            matches!(&err, StartError::InternalKeyOnPublicInstance(p) if p.ends_with(file)),
            "{file}: {err}"
        );
    }
}

#[tokio::test]
async fn a_public_instance_refuses_sqlite_and_the_database_owners_role() {
    // On SQLite both sides would share one file on one host: no split to make.
    let internal = spawn_app().await;
    let dir = public_data_dir(&internal);
    let err = Application::build(public_settings(dir.path(), &internal.db.url), None)
        .await
        .expect_err("must refuse SQLite");
    assert!(
        matches!(
            err,
            StartError::Storage(storage::StorageError::PublicNeedsPostgres)
        ),
        "{err}"
    );
    // On PostgreSQL, the owner's credentials reach the staff side: refused too.
    let Some(internal) = spawn_app_on_postgres().await else {
        return;
    };
    let dir = public_data_dir(&internal);
    let err = Application::build(public_settings(dir.path(), &internal.db.url), None)
        .await
        .expect_err("must refuse the owner's role");
    match err {
        StartError::Storage(storage::StorageError::RoleBeyondPublicGrants(tables)) => {
            assert!(tables.contains("staff_sessions"), "{tables}");
            assert!(tables.contains("number_index"), "{tables}");
        }
        other => panic!("{other}"),
    }
}

/// The attacker of the security review's first finding, played out: they hold the public
/// instance's data directory and its database role. A provider hands in through that
/// instance; the same number is handed in twice. The attacker finds no key and no digit,
/// nothing readable that equal numbers share (so nothing to test a guess against), no way
/// into a staff table, and no way to make a session row the internal side believes — not
/// even with the owner's write access.
#[tokio::test]
async fn a_compromised_public_instance_can_neither_recover_a_number_nor_act_as_staff() {
    if !ensure_public_role().await {
        return;
    }
    let Some(internal) = spawn_with(Spawn {
        db: Db::Postgres,
        mode: Mode::Internal,
        tweak: |s| s.public_db_role = Some(PUBLIC_ROLE.to_owned()),
    })
    .await
    else {
        return;
    };
    let owner_url = internal.db.url.clone();
    let database = owner_url.rsplit('/').next().expect("db name").to_owned();
    let public_url = format!("postgres://{PUBLIC_ROLE}@127.0.0.1:5432/{database}");
    {
        // What `kakunin db roles --apply` runs, once, as the owner.
        let mut owner = sqlx::AnyConnection::connect(&owner_url)
            .await
            .expect("owner");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "GRANT CONNECT ON DATABASE \"{database}\" TO {PUBLIC_ROLE}"
        )))
        .execute(&mut owner)
        .await
        .expect("grant connect");
    }
    let public_dir = public_data_dir(&internal);
    let public = Application::build(public_settings(public_dir.path(), &public_url), None)
        .await
        .expect("the public instance starts with its own role");
    let public_base = format!("https://localhost:{}", public.address().port());
    tokio::spawn(public.run_until_stopped());

    // Two people hand in through the public instance, with the same number.
    let mut subjects = Vec::new();
    for name in ["山田 太郎", "佐藤 花子"] {
        let token = internal.invite(None).await;
        // A phone on the public instance's pages (its Origin is the public name).
        let phone = internal.public_name_client();
        let url = |p: &str| format!("{public_base}{p}");
        let signed_in = phone
            .post(url("/api/v1/provider/session"))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .expect("sign in");
        assert_eq!(signed_in.status(), 200);
        let saved = phone
            .put(url("/api/v1/provider/subjects/self"))
            .json(&serde_json::json!({"number": NUMBER, "name": name, "name_kana": "テスト", "birth_date": "1990-04-01"}))
            .send()
            .await
            .expect("save");
        assert_eq!(saved.status(), 200);
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
            .expect("upload");
        assert_eq!(uploaded.status(), 201);
        if name == "山田 太郎" {
            // Issue 19: a card back's QR cannot be compared here (no identity): 照合中.
            let form = reqwest::multipart::Form::new()
                .text("kind", "my_number_card_back")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(crate::card_qr::card_back_photo(Some(NUMBER))),
                );
            let card = phone
                .post(url(&format!(
                    "/api/v1/provider/subjects/{subject}/documents"
                )))
                .multipart(form)
                .send()
                .await
                .expect("card back");
            assert_eq!(card.status(), 201);
            assert_eq!(json(card).await["qr_check"], "pending");
            let documents = phone
                .get(url(&format!("/p/subjects/{subject}/documents")))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            assert!(
                documents.contains("data-qr=\"pending\""),
                "the person sees 照合中"
            );
        } else {
            // Photo first on the public pages: the read waits in card_reads (the public
            // role may write and delete it), and handing in clears what was not used.
            let html = phone
                .get(url("/p/self"))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf_in(&html))
                .text("name", name)
                .text("name_kana", "テスト")
                .text("birth_date", "1990-04-01")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(crate::card_qr::card_back_photo(Some(NUMBER))),
                );
            let read = phone
                .post(url("/p/self/card"))
                .multipart(form)
                .send()
                .await
                .expect("read card");
            assert_eq!(read.status(), 200);
            assert!(
                read.text()
                    .await
                    .expect("html")
                    .contains("name=\"card_read\"")
            );
        }
        let status = phone
            .get(url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status");
        let status_text = status.text().await.expect("body");
        assert!(
            !status_text.contains(&NUMBER[8..]) && status_text.contains("\"number_saved\":true"),
            "the provider sees that a number is saved, no digit of it: {status_text}"
        );
        let handed_in = phone
            .post(url("/api/v1/provider/submit"))
            .send()
            .await
            .expect("submit");
        assert_eq!(handed_in.status(), 200);
        subjects.push(subject);
    }
    // The internal side derives the last four digits and sees the duplicate.
    let officer = enrolled(&internal, "officer", storage::staff::Role::Officer, &[]).await;
    drop(officer);
    let stored_last4 = internal
        .app
        .vault
        .index_pending_numbers(
            &internal
                .app
                .internal
                .as_ref()
                .expect("internal keys")
                .number_index,
            internal.app.keys.unsealer().expect("identity"),
            None,
            100,
        )
        .await
        .expect("derive");
    // The internal side's own periodic pass may have derived some already.
    assert!(stored_last4 <= 2);
    {
        let mut owner = sqlx::AnyConnection::connect(&owner_url)
            .await
            .expect("owner");
        let pending: i64 = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM subjects WHERE number_pending <> 0",
        )
        .fetch_one(&mut owner)
        .await
        .expect("pending")
        .try_get("n")
        .expect("n");
        assert_eq!(pending, 0, "both numbers derived on the internal side");
    }
    // The internal side's pass compares the card back's QR: 照合中 becomes a match.
    let compared = application::numbers::check_card_qrs(&internal.app, None)
        .await
        .expect("compare");
    assert!(
        compared <= 1,
        "the one pending card back was compared (here or by the pass)"
    );
    {
        let mut owner = sqlx::AnyConnection::connect(&owner_url)
            .await
            .expect("owner");
        let outcome: String = sqlx::query(
            "SELECT qr_check FROM documents WHERE subject_id = $1 AND kind = 'my_number_card_back'",
        )
        .bind(subjects[0].clone())
        .fetch_one(&mut owner)
        .await
        .expect("card back")
        .try_get("qr_check")
        .expect("outcome");
        assert_eq!(outcome, "matches");
        let left: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM card_reads")
            .fetch_one(&mut owner)
            .await
            .expect("card reads")
            .try_get("n")
            .expect("n");
        assert_eq!(left, 0, "handing in cleared the unused card read");
    }

    // 1. Files: the public data directory holds the recipient and nothing secret.
    let keys: Vec<String> = std::fs::read_dir(public_dir.path().join("keys"))
        .expect("keys dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(keys, ["recipient.txt"], "no key but the recipient");
    for file in walk(public_dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).expect("read")).into_owned();
        assert!(!text.contains("AGE-SECRET-KEY"), "{}", file.display());
    }

    // 2. The public role reaches no staff table and no derivation of a number.
    let mut attacker = sqlx::AnyConnection::connect(&public_url)
        .await
        .expect("the public role connects");
    for table in [
        "staff_accounts",
        "staff_sessions",
        "staff_recovery_codes",
        "number_index",
        "duplicate_numbers",
        "key_checks",
        "verifications",
        "releases",
        "export_ledger",
        "payroll_clients",
        "role_grants",
        "attempt_counters",
        "staff_activations",
        "account_changes",
        "access_reviews",
        "payroll_recipient_changes",
    ] {
        let read = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM {table} LIMIT 1"
        )))
        .execute(&mut attacker)
        .await;
        assert!(
            read.is_err_and(|e| e.to_string().contains("permission denied")),
            "{table} must be out of the public role's reach"
        );
    }
    let forged = sqlx::raw_sql(
        "INSERT INTO staff_sessions (token_hash, account_id, second_factor_done, \
         created_at, last_seen_at, absolute_expires_at, row_mac) \
         SELECT '\\x00'::bytea, id, 1, 0, 0, 0, '\\x00'::bytea FROM staff_accounts",
    )
    .execute(&mut attacker)
    .await;
    assert!(
        forged.is_err(),
        "the public role cannot write a session row"
    );

    // 3. Nothing the public role reads holds a digit, or anything two equal numbers share.
    let rows = sqlx::query("SELECT * FROM subjects WHERE id = $1 OR id = $2 ORDER BY name")
        .bind(subjects[0].clone())
        .bind(subjects[1].clone())
        .fetch_all(&mut attacker)
        .await
        .expect("the public role reads subjects");
    assert_eq!(rows.len(), 2);
    let columns: Vec<String> = rows[0]
        .columns()
        .iter()
        .map(|c| sqlx::Column::name(c).to_owned())
        .collect();
    for column in &columns {
        let a = value_bytes(&rows[0], column);
        let b = value_bytes(&rows[1], column);
        for value in [&a, &b] {
            assert!(
                !contains(value, NUMBER.as_bytes()) && !contains(value, &NUMBER.as_bytes()[8..]),
                "column {column} holds digits of the number"
            );
        }
        if a == b && !a.is_empty() {
            assert!(
                [
                    "relationship",
                    "name_kana",
                    "birth_date",
                    "identity_attested",
                    "category3_spouse",
                    "removed_at",
                    // The mark that the internal side has derived the number: a flag.
                    "number_pending"
                ]
                .contains(&column.as_str()),
                "column {column} is equal for two people with the same number: a guess could be tested against it"
            );
        }
    }
    let tables_readable: Vec<&str> = storage::db_roles::PUBLIC_GRANTS
        .iter()
        .filter(|(_, privileges)| privileges.contains("SELECT"))
        .map(|(t, _)| *t)
        .collect();
    for table in tables_readable {
        let dump: Vec<String> = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(t AS TEXT) AS row FROM {table} t"
        )))
        .fetch_all(&mut attacker)
        .await
        .expect("dump")
        .iter()
        .map(|r| r.try_get::<String, _>("row").expect("row"))
        .collect();
        for row in dump {
            assert!(!row.contains(NUMBER), "{table} holds the number in clear");
        }
    }

    // 4. Acting as staff: the public instance serves no staff route, and a session row
    //    written even with the owner's write access (what SQLite's single file would give)
    //    lets nobody in: the internal side keys its rows with a key the attacker lacks.
    let browser = internal.new_client();
    let on_public = browser
        .get(format!("{public_base}/api/v1/officer/queue"))
        .send()
        .await
        .expect("request");
    assert_eq!(on_public.status(), 404);
    let token = storage::SecretToken::generate();
    {
        let mut owner = sqlx::AnyConnection::connect(&owner_url)
            .await
            .expect("owner");
        sqlx::raw_sql("DELETE FROM staff_sessions")
            .execute(&mut owner)
            .await
            .expect("clear");
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, account_id, second_factor_done, \
             created_at, last_seen_at, absolute_expires_at, row_mac) \
             SELECT $1, id, 1, $2, $2, $3, $4 FROM staff_accounts WHERE username = 'officer'",
        )
        .bind(token.hash().0.to_vec())
        .bind(now_ms())
        .bind(now_ms() + 3_600_000)
        .bind(vec![0u8; 32])
        .execute(&mut owner)
        .await
        .expect("the owner can write the row");
    }
    let forged = internal
        .new_client()
        .get(internal.url("/api/v1/officer/queue"))
        .header("Cookie", format!("__Host-kakunin_staff={}", token.expose()))
        .send()
        .await
        .expect("request");
    assert_eq!(
        forged.status(),
        401,
        "a forged session row is not a session"
    );

    // 5. Nor does an activation link written the same way set anyone's password (finding
    //    6: links are keyed like sessions).
    let link = storage::SecretToken::generate();
    {
        let mut owner = sqlx::AnyConnection::connect(&owner_url)
            .await
            .expect("owner");
        sqlx::query(
            "INSERT INTO staff_activations (token_tag, account_id, purpose, created_at, \
             expires_at, row_mac) SELECT $1, id, 'reset', $2, $3, $4 FROM staff_accounts \
             WHERE username = 'officer'",
        )
        .bind(link.hash().0.to_vec())
        .bind(now_ms())
        .bind(now_ms() + 3_600_000)
        .bind(vec![0u8; 32])
        .execute(&mut owner)
        .await
        .expect("the owner can write the row");
    }
    let page = internal
        .new_client()
        .get(internal.url(&format!("/s/activate/{}", link.expose())))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 404, "a forged activation row is no link");
}

/// A staff session row moved to another account (by whoever can write the database) is no
/// session at all, on SQLite as on PostgreSQL.
#[tokio::test]
async fn a_staff_session_row_moved_to_another_account_lets_nobody_in() {
    for app in [Some(spawn_app().await), spawn_app_on_postgres().await]
        .into_iter()
        .flatten()
    {
        let collector =
            enrolled(&app, "collector", storage::staff::Role::Collector, &["B01"]).await;
        let before = collector
            .client
            .get(app.url("/api/v1/assisted/people"))
            .send()
            .await
            .expect("request");
        assert_eq!(before.status(), 200, "the collector's own session works");
        let admin_id = {
            let mut owner = sqlx::AnyConnection::connect(&app.db.url)
                .await
                .expect("owner");
            let (admin,): (String,) =
                sqlx::query_as("SELECT id FROM staff_accounts WHERE username = 'admin'")
                    .fetch_one(&mut owner)
                    .await
                    .expect("admin");
            sqlx::query("UPDATE staff_sessions SET account_id = $1")
                .bind(admin.clone())
                .execute(&mut owner)
                .await
                .expect("move the row");
            admin
        };
        let as_admin = collector
            .client
            .get(app.url("/api/v1/admin/grants"))
            .send()
            .await
            .expect("request");
        assert_eq!(as_admin.status(), 401, "moved to {admin_id}");
    }
}

/// Creates the public role if it does not exist (as `kakunin db roles` prints it); false
/// when PostgreSQL is unavailable and not required.
async fn ensure_public_role() -> bool {
    sqlx::any::install_default_drivers();
    let admin_url = std::env::var("KAKUNIN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let Ok(mut admin) = sqlx::AnyConnection::connect(&admin_url).await else {
        assert!(
            !std::env::var("KAKUNIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1"),
            "PostgreSQL is required"
        );
        eprintln!("\n*** SKIPPING a PostgreSQL test: cannot reach {admin_url}\n");
        return false;
    };
    // Only the role's creation: its grants are per database, applied by the internal
    // instance after it migrates (public_db_role).
    let script = storage::db_roles::create_role_script(PUBLIC_ROLE, "postgres");
    let create = script
        .split("END $$;")
        .next()
        .expect("the DO block")
        .to_owned()
        + "END $$;";
    // Two tests may create it at once: the loser's error is harmless.
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await;
    true
}

/// A data directory as a public host gets it: settings, TLS files, the recipient.
fn public_data_dir(internal: &TestApp) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(internal.data_path(), dir.path());
    let keys = dir.path().join("keys");
    for entry in std::fs::read_dir(&keys).expect("keys") {
        let entry = entry.expect("entry");
        if entry.file_name() != "recipient.txt" {
            if entry.path().is_dir() {
                std::fs::remove_dir_all(entry.path()).expect("remove");
            } else {
                std::fs::remove_file(entry.path()).expect("remove");
            }
        }
    }
    let _ = std::fs::remove_file(dir.path().join("FIRST-RUN.txt"));
    dir
}

fn public_settings(dir: &std::path::Path, database_url: &str) -> Settings {
    let mut settings = Settings::load(dir).expect("settings");
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    settings.mode = Mode::Public;
    settings.database_url = Some(database_url.to_owned());
    settings
}

fn value_bytes(row: &sqlx::any::AnyRow, column: &str) -> Vec<u8> {
    if let Ok(Some(bytes)) = row.try_get::<Option<Vec<u8>>, _>(column) {
        return bytes;
    }
    if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column) {
        return text.into_bytes();
    }
    if let Ok(Some(n)) = row.try_get::<Option<i64>, _>(column) {
        return n.to_string().into_bytes();
    }
    Vec::new()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
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
