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

    /// [`Self::tamper_for_tests`] with a statement built at run time (tests only).
    pub async fn tamper_for_tests_owned(&self, sql: String) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .map(|_| ())
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

/// The shape of a seeded backlog (benchmarks).
#[derive(Debug, Clone, Copy)]
pub struct Backlog {
    /// Submissions in all.
    pub submissions: usize,
    /// Spread evenly over this many branches (`B00`, `B01`, …).
    pub branches: usize,
    /// One in this many numbers repeats another person's (flagged duplicates).
    pub duplicate_every: usize,
}

impl crate::Vault {
    /// Seeds a backlog with plain SQL (no sealing: the queue never reads ciphertexts):
    /// invitations, submissions in every state (mostly waiting), one subject each.
    /// Multi-row inserts in one transaction, so 100,000 take seconds on either backend.
    pub async fn seed_backlog_for_bench(&self, shape: Backlog) -> Result<(), sqlx::Error> {
        use std::fmt::Write as _;
        const STATES: [&str; 10] = [
            "submitted",
            "submitted",
            "submitted",
            "submitted",
            "resubmitted",
            "in_review",
            "verified",
            "released",
            "correction_requested",
            "draft",
        ];
        let blob = |bytes: &[u8]| -> String {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            match self.backend() {
                crate::Backend::Sqlite => format!("X'{hex}'"),
                crate::Backend::Postgres => format!("'\\x{hex}'::bytea"),
            }
        };
        let mut tx = self.pool.begin().await?;
        let base: i64 = 1_700_000_000_000;
        for chunk_start in (0..shape.submissions).step_by(500) {
            let end = (chunk_start + 500).min(shape.submissions);
            let (mut inv, mut sub, mut subj, mut idx) =
                (String::new(), String::new(), String::new(), String::new());
            for n in chunk_start..end {
                let sep = if n == chunk_start { "" } else { "," };
                let invitation = uuid::Uuid::new_v4();
                let submission = uuid::Uuid::new_v4();
                let subject = uuid::Uuid::new_v4();
                let branch = format!("B{:02}", n % shape.branches.max(1));
                let at = base + n as i64 * 1000;
                let state = STATES[n % STATES.len()];
                let submitted = if state == "draft" {
                    "NULL".to_owned()
                } else {
                    at.to_string()
                };
                let token = *uuid::Uuid::new_v4().as_bytes();
                let index_seed = if shape.duplicate_every > 0 && n % shape.duplicate_every == 1 {
                    n - 1
                } else {
                    n
                };
                let index: [u8; 32] = sha2::Digest::finalize(
                    <sha2::Sha256 as sha2::Digest>::new_with_prefix(index_seed.to_le_bytes()),
                )
                .into();
                let _ = write!(
                    inv,
                    "{sep}('{invitation}', {}, 'employee', '従業員 {n}', '{branch}', 'cli', {at}, {})",
                    blob(&token),
                    at + 30 * 86_400_000
                );
                let _ = write!(
                    sub,
                    "{sep}('{submission}', '{invitation}', '{state}', '{branch}', {at}, {at}, {submitted})"
                );
                let _ = write!(
                    subj,
                    "{sep}('{subject}', '{submission}', 'self', '従業員 {n}', 'ジュウギョウイン', '1990-01-01', {}, '{subject}', {at}, {at}, {at})",
                    blob(&token)
                );
                let _ = write!(
                    idx,
                    "{sep}('{subject}', '{subject}', {}, {}, {at})",
                    blob(&index),
                    blob(&token)
                );
            }
            for sql in [
                format!(
                    "INSERT INTO invitations (id, token_hash, kind, display_name, branch_code, created_by, created_at, expires_at) VALUES {inv}"
                ),
                format!(
                    "INSERT INTO submissions (id, invitation_id, state, branch_code, created_at, updated_at, submitted_at) VALUES {sub}"
                ),
                format!(
                    "INSERT INTO subjects (id, submission_id, relationship, name, name_kana, birth_date, number_sealed, number_ref, number_saved_at, created_at, updated_at) VALUES {subj}"
                ),
                format!(
                    "INSERT INTO number_index (subject_id, number_ref, blind_index, last4_sealed, indexed_at) VALUES {idx}"
                ),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::raw_sql(
            "INSERT INTO duplicate_numbers (blind_index, first_seen_at) \
             SELECT n.blind_index, MIN(s.created_at) FROM subjects s JOIN number_index n ON n.subject_id = s.id \
             WHERE s.removed_at IS NULL GROUP BY n.blind_index \
             HAVING MIN(s.name) <> MAX(s.name) OR MIN(s.birth_date) <> MAX(s.birth_date) \
             ON CONFLICT (blind_index) DO NOTHING",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::raw_sql(
            "UPDATE submissions SET duplicate_flag = 1 WHERE id IN (SELECT s.submission_id FROM subjects s \
             JOIN number_index x ON x.subject_id = s.id \
             JOIN duplicate_numbers n ON n.blind_index = x.blind_index WHERE s.removed_at IS NULL)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sqlx::raw_sql("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }
}

impl crate::Vault {
    /// The database's plan for one queue page (benchmarks): `EXPLAIN QUERY PLAN` on
    /// SQLite, `EXPLAIN` on PostgreSQL.
    pub async fn queue_plan_for_bench(
        &self,
        officer: uuid::Uuid,
        q: &crate::review::QueueQuery,
    ) -> Result<Vec<String>, sqlx::Error> {
        use sqlx::Row;
        let prefix = match self.backend() {
            crate::Backend::Sqlite => "EXPLAIN QUERY PLAN ",
            crate::Backend::Postgres => "EXPLAIN ",
        };
        let sql = crate::review::queue_sql(officer, q, prefix);
        let rows = sql.query().fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let column = r.columns().len().saturating_sub(1);
                r.try_get::<String, _>(column).unwrap_or_default()
            })
            .collect())
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
