//! Backups and restores of the embedded SQLite store.
//!
//! A backup is `VACUUM INTO` run through the vault's own pool: SQLite writes a consistent
//! snapshot of one read transaction while the service keeps serving, and the copy is a
//! fresh, compact file (no freed pages carrying old ciphertext). Everything in it is what
//! the database holds — sealed numbers and images, the keyed blind index, last four
//! digits, the audit trail — so a backup holds no plaintext; it is useless without the
//! sealing identity, which is backed up separately (and, after a key rotation and the old
//! identity's destruction, old backups become unreadable, as DESIGN.md intends).
//!
//! PostgreSQL deployments back up with the PostgreSQL tools (`pg_dump`/`pg_basebackup`),
//! which already give consistent online snapshots; Kakunin refuses rather than invent a
//! second mechanism.
//!
//! A restore checks the backup before it replaces anything (SQLite integrity check and the
//! audit hash chain) and refuses to overwrite an existing database unless forced. It is an
//! offline operation: stop the service first.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::audit::{AuditContext, AuditEvent, actions};
use crate::{Backend, StorageError, Vault};

/// Why a backup or restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store is PostgreSQL.
    #[error(
        "this instance stores its data in PostgreSQL: back it up with pg_dump (e.g. `pg_dump -Fc -f kakunin.dump DBNAME`) \
         or pg_basebackup, and restore with pg_restore; `kakunin backup` covers the embedded SQLite store only"
    )]
    PostgresUsePgDump,
    /// The target file exists and is not empty.
    #[error("{0} already exists: choose a new file name (a backup never overwrites)")]
    TargetExists(PathBuf),
    /// The database to restore over exists.
    #[error(
        "{0} exists: stop the service and pass --force to replace it with the backup (the current data is lost)"
    )]
    WouldOverwrite(PathBuf),
    /// The backup file is missing or not a Kakunin SQLite store.
    #[error("{path} is not a usable backup: {reason}")]
    BadBackup {
        /// The backup file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The URL is not a SQLite file URL.
    #[error("the database URL does not name a SQLite file")]
    NotSqliteFile,
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A file could not be written or moved.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a finished backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    /// Bytes written.
    pub bytes: u64,
}

/// What a restore checked and installed.
#[derive(Debug)]
pub struct RestoreReport {
    /// Audit entries in the restored trail (all verified).
    pub audit_entries: i64,
    /// Documents in the restored store.
    pub documents: i64,
}

/// The file behind a `sqlite://PATH?…` (or `sqlite:PATH`) URL.
pub fn sqlite_path_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

impl Vault {
    /// Writes a consistent snapshot of the SQLite store to `out` (created with mode 0600)
    /// while the service may keep serving. The backup's own audit entry is in the copy.
    pub async fn backup_into(
        &self,
        ctx: &AuditContext,
        out: &Path,
    ) -> Result<BackupReport, BackupError> {
        if self.backend() == Backend::Postgres {
            return Err(BackupError::PostgresUsePgDump);
        }
        // VACUUM INTO accepts only a missing or empty file; creating it first (exclusive,
        // 0600) keeps the ciphertext copy private from the first byte.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(out)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => BackupError::TargetExists(out.to_owned()),
                _ => BackupError::Io {
                    path: out.to_owned(),
                    source: e,
                },
            })?;
        let written = async {
            self.record(
                ctx,
                AuditEvent::success(actions::BACKUP_CREATE, None)
                    .with_detail(serde_json::json!({ "file": out.display().to_string() })),
            )
            .await?;
            sqlx::query("VACUUM INTO $1")
                .bind(out.display().to_string())
                .execute(&self.pool)
                .await
                .map_err(StorageError::from)?;
            Ok::<_, BackupError>(())
        }
        .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
        let file = std::fs::File::open(out).map_err(io(out))?;
        file.sync_all().map_err(io(out))?;
        let bytes = file.metadata().map_err(io(out))?.len();
        Ok(BackupReport { bytes })
    }
}

/// Replaces the SQLite database at `database` with the backup `from`, after checking the
/// backup (integrity check and audit chain) in a staging copy next to the target. Refuses
/// to replace an existing database unless `force`; the service must be stopped.
pub async fn restore_sqlite(
    database: &Path,
    from: &Path,
    force: bool,
) -> Result<RestoreReport, BackupError> {
    let bad = |reason: String| BackupError::BadBackup {
        path: from.to_owned(),
        reason,
    };
    if !from.is_file() {
        return Err(bad("no such file".into()));
    }
    let mut magic = [0u8; 16];
    let is_sqlite = std::fs::File::open(from)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && &magic == b"SQLite format 3\0";
    if !is_sqlite {
        return Err(bad("not a SQLite database".into()));
    }
    if database.exists() && !force {
        return Err(BackupError::WouldOverwrite(database.to_owned()));
    }
    let staging = sibling(database, "restoring");
    remove_database_files(&staging)?;
    copy_private(from, &staging)?;
    let checked = check_staged_backup(&staging).await;
    let report = match checked {
        Ok(report) => report,
        Err(reason) => {
            remove_database_files(&staging)?;
            return Err(bad(reason));
        }
    };
    // The old WAL and shared-memory files belong to the old database: left in place they
    // would be replayed into the restored one.
    remove_database_files(database)?;
    std::fs::rename(&staging, database).map_err(io(database))?;
    if let Some(dir) = database.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    Ok(report)
}

async fn check_staged_backup(staging: &Path) -> Result<RestoreReport, String> {
    let url = format!("sqlite://{}", staging.display());
    let vault = Vault::connect(&url).await.map_err(|e| e.to_string())?;
    let result = async {
        if !vault.integrity_check().await.map_err(|e| e.to_string())? {
            return Err("SQLite integrity check failed".to_owned());
        }
        let chain = vault
            .verify_audit_chain()
            .await
            .map_err(|e| e.to_string())?;
        if let Some(b) = chain.first_break {
            return Err(format!(
                "audit trail broken at entry {}: {}",
                b.seq, b.reason
            ));
        }
        let (documents,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM documents")
            .fetch_one(&vault.pool)
            .await
            .map_err(|e| e.to_string())?;
        Ok(RestoreReport {
            audit_entries: chain.entries,
            documents,
        })
    }
    .await;
    // Closing checkpoints the WAL into the file, so the staged file is complete alone.
    vault.close().await;
    result
}

fn sibling(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{suffix}"));
    database.with_file_name(name)
}

fn remove_database_files(database: &Path) -> Result<(), BackupError> {
    for path in [
        database.to_owned(),
        database.with_file_name(wal_name(database, "-wal")),
        database.with_file_name(wal_name(database, "-shm")),
    ] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path)(e)),
        }
    }
    Ok(())
}

fn wal_name(database: &Path, suffix: &str) -> std::ffi::OsString {
    let mut name = database.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    name
}

fn copy_private(from: &Path, to: &Path) -> Result<(), BackupError> {
    let bytes = std::fs::read(from).map_err(io(from))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(io(to))?;
    file.write_all(&bytes).map_err(io(to))?;
    file.sync_all().map_err(io(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path_of("sqlite:///d/kakunin.db?mode=rwc"),
            Some(PathBuf::from("/d/kakunin.db"))
        );
        assert_eq!(
            sqlite_path_of("sqlite:data/k.db"),
            Some(PathBuf::from("data/k.db"))
        );
        assert_eq!(sqlite_path_of("postgres://x/y"), None);
        assert_eq!(sqlite_path_of("sqlite::memory:"), None);
    }
}
