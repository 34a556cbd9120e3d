//! The connection to the database: one code path for SQLite and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver, so every statement is written once, with
//! `$1`-style parameters that both backends accept; only the DDL differs, in one migration
//! directory per backend. SQLite is the embedded default (a file, WAL, `secure_delete`);
//! PostgreSQL is chosen by a `postgres://` URL and lets several instances share one store.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::StorageError;

/// Which database is behind the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file in the data directory.
    Sqlite,
    /// A shared PostgreSQL server for several instances.
    Postgres,
}

/// The store of submissions, sealed numbers and images, and the audit trail.
#[derive(Debug, Clone)]
pub struct Vault {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

/// The database file of a `sqlite:` URL (`None` for an in-memory database).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:" && !rest.contains("mode=memory"))
        .then(|| std::path::PathBuf::from(path))
}

/// Creates the SQLite file readable by its owner only (0600), and narrows an existing
/// file and its `-wal` and `-shm` companions to that: they hold the sealed numbers, the
/// blind index and the audit trail, and no other local account has any business reading
/// them (PPC guideline, 安全管理措置: 技術的安全管理措置, access control). SQLite creates
/// the `-wal` and `-shm` files with the database file's own mode.
fn restrict_sqlite_files(url: &str) -> Result<(), StorageError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(sqlx::Error::Io)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(sqlx::Error::Io)?,
        }
    }
    Ok(())
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Vault {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating a SQLite file if
    /// needed, and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StorageError::UnsupportedUrl);
        };
        if backend == Backend::Sqlite {
            restrict_sqlite_files(url)?;
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            });
        let pool = match backend {
            Backend::Sqlite => {
                pool_options
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; FULL sync makes an
                            // acknowledged upload survive power loss, not only a crash;
                            // secure_delete overwrites freed pages, so disposed ciphertext
                            // does not linger in the file.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA secure_delete = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => pool_options.connect_with(options).await?,
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        Ok(Self { pool, backend })
    }

    /// Connects a public instance (PostgreSQL only): no migration — its role may not
    /// change the schema — but a check that the schema is the one this build expects, and
    /// that the role reaches nothing beyond the public side's grants (invariant 6: the
    /// public instance's database credentials must not reach the staff side). On SQLite
    /// the public and internal sides would share one file on one host, so there is no
    /// split to make and a public instance is refused.
    pub async fn connect_public(url: &str) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StorageError::PublicNeedsPostgres);
        }
        let pool = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(16)
            .connect_with(AnyConnectOptions::from_str(url)?)
            .await?;
        let vault = Self {
            pool,
            backend: Backend::Postgres,
        };
        let expected = POSTGRES_MIGRATIONS.iter().map(|m| m.version).max();
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&vault.pool)
                .await?;
        if applied != expected {
            return Err(StorageError::SchemaNotCurrent);
        }
        let beyond = vault.tables_beyond_public_grants().await?;
        if !beyond.is_empty() {
            return Err(StorageError::RoleBeyondPublicGrants(beyond.join(", ")));
        }
        Ok(vault)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing
    /// when a read lock cannot be upgraded.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StorageError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Runs the backend's integrity check (`PRAGMA integrity_check` on SQLite).
    pub async fn integrity_check(&self) -> Result<bool, StorageError> {
        match self.backend {
            Backend::Sqlite => {
                let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(result == "ok")
            }
            Backend::Postgres => self.ping().await.map(|()| true),
        }
    }

    /// Closes every connection (checkpointing the SQLite WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Unix milliseconds now, the timestamp every table uses.
pub(crate) fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
