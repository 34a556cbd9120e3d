//! Fresh databases for tests, on both backends (feature `test-support`).
//!
//! PostgreSQL is found at `KAKUNIN_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the test is
//! skipped with a loud message — unless `KAKUNIN_REQUIRE_POSTGRES=1` (CI sets it), which
//! turns the skip into a failure.

use std::path::PathBuf;

use sqlx::Connection;

/// A database created for one test.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to hand to [`crate::Vault::connect`] or to `kakunin serve`.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A new SQLite file in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("kakunin.db").display()
        );
        Self {
            url,
            _dir: Some(dir),
        }
    }

    /// The SQLite file behind [`TestDatabase::sqlite`], to inspect bytes at rest.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self._dir.as_ref().map(|d| d.path().join("kakunin.db"))
    }

    /// A new, empty PostgreSQL database, or `None` (after saying so) when PostgreSQL is
    /// unavailable and not required.
    pub async fn postgres() -> Option<Self> {
        sqlx::any::install_default_drivers();
        let admin_url = std::env::var("KAKUNIN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let required = std::env::var("KAKUNIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(e) if !required => {
                eprintln!(
                    "\n*** SKIPPING a PostgreSQL test: cannot reach {admin_url}: {e}\n\
                     *** (set KAKUNIN_REQUIRE_POSTGRES=1 to make this a failure)\n"
                );
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL is required (KAKUNIN_REQUIRE_POSTGRES=1) but {admin_url} fails: {e}"
            ),
        };
        let name = format!("kakunin_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        Some(Self {
            url: format!("{base}/{name}"),
            _dir: None,
        })
    }
}

impl crate::Vault {
    /// Runs raw SQL, as a database administrator with direct access could (tests only).
    pub async fn tamper_for_tests(&self, sql: &'static str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(sql).execute(&self.pool).await.map(|_| ())
    }

    /// Removes the append-only triggers, as a database administrator could (tests only).
    pub async fn drop_audit_triggers_for_tests(&self) {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
            }
            crate::Backend::Postgres => {
                "DROP TRIGGER audit_log_no_update ON audit_log; DROP TRIGGER audit_log_no_truncate ON audit_log;"
            }
        };
        sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await
            .expect("drop triggers");
    }
}

impl crate::Vault {
    /// Every live ciphertext (numbers and documents), to check what they open with.
    pub async fn sealed_blobs_for_tests(&self) -> Vec<Vec<u8>> {
        let mut blobs: Vec<Vec<u8>> = Vec::new();
        for sql in [
            "SELECT number_sealed FROM subjects WHERE number_sealed IS NOT NULL",
            "SELECT sealed FROM documents WHERE sealed IS NOT NULL",
        ] {
            let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sql)
                .fetch_all(&self.pool)
                .await
                .expect("read blobs");
            blobs.extend(rows.into_iter().map(|(b,)| b));
        }
        blobs
    }
}

impl crate::Vault {
    /// Puts a submission in a state directly, skipping the officer's steps (tests only).
    pub async fn set_state_for_tests(
        &self,
        submission_id: uuid::Uuid,
        state: crate::SubmissionState,
    ) {
        sqlx::query("UPDATE submissions SET state = $1 WHERE id = $2")
            .bind(state.code())
            .bind(submission_id.to_string())
            .execute(&self.pool)
            .await
            .expect("set state");
    }
}

/// Declares storage behaviours once and runs each on SQLite and on PostgreSQL: for every
/// name, a test in `mod sqlite` and one in `mod postgres` call `name(Fixture::new(&db))`,
/// where `Fixture` is the calling test file's own.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                let db = storage::test_support::TestDatabase::sqlite();
                super::$name(super::Fixture::new(&db).await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let Some(db) = storage::test_support::TestDatabase::postgres().await else { return };
                super::$name(super::Fixture::new(&db).await).await;
            })*
        }
    };
}
