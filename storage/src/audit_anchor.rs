//! Anchoring the audit chain outside the database.
//!
//! The hash chain catches an edit, but someone with full write access to the database
//! could rewrite the chain from the edited entry onwards, or cut the tail and reset the
//! head. So the service periodically appends the chain head (sequence number and hash)
//! to an append-only file that lives outside the database — ideally on another host or
//! an append-only mount, shipped to syslog, or both. `kakunin audit verify` then checks
//! that every anchored head is still an entry of the chain with the same hash.
//!
//! Line format: `<unix ms> <seq> <hex hash>`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use sqlx::Row;

use crate::audit::ChainBreak;
use crate::{StorageError, Vault};

/// Reading or writing the anchor file failed.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// The file could not be read or written.
    #[error("audit anchor file: {0}")]
    Io(#[from] std::io::Error),
    /// A line of the file is not `<ms> <seq> <hash>`.
    #[error("audit anchor file line {0} is malformed")]
    Malformed(usize),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Vault {
    /// The chain head: the last sequence number and its hash.
    pub async fn audit_head(&self) -> Result<(i64, Vec<u8>), StorageError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }

    async fn audit_hash_at(&self, seq: i64) -> Result<Option<Vec<u8>>, StorageError> {
        let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("hash").map_err(StorageError::from))
            .transpose()
    }

    /// Appends the current head to the anchor file if it moved since the last line.
    /// Returns the anchored sequence number.
    pub async fn anchor_audit_head(&self, path: &Path) -> Result<i64, AnchorError> {
        let (seq, hash) = self.audit_head().await?;
        let last = read_anchors(path)?.last().map(|a| a.seq);
        if seq > 0 && last != Some(seq) {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(path)?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            writeln!(
                file,
                "{now} {seq} {}",
                data_encoding::HEXLOWER.encode(&hash)
            )?;
            file.sync_all()?;
        }
        Ok(seq)
    }

    /// Checks every anchored head against the chain. `None` when all hold (or the file
    /// does not exist yet).
    pub async fn check_audit_anchors(
        &self,
        path: &Path,
    ) -> Result<Option<ChainBreak>, AnchorError> {
        for anchor in read_anchors(path)? {
            match self.audit_hash_at(anchor.seq).await? {
                Some(hash) if hash == anchor.hash => {}
                Some(_) => {
                    return Ok(Some(ChainBreak {
                        seq: anchor.seq,
                        reason: "it differs from the head anchored outside the database (history was rewritten)",
                    }));
                }
                None => {
                    return Ok(Some(ChainBreak {
                        seq: anchor.seq,
                        reason: "it was anchored outside the database but is gone from the chain (entries were deleted)",
                    }));
                }
            }
        }
        Ok(None)
    }
}

struct Anchor {
    seq: i64,
    hash: Vec<u8>,
}

fn read_anchors(path: &Path) -> Result<Vec<Anchor>, AnchorError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let mut parts = line.split_whitespace();
            let (_at, seq, hash) = (parts.next(), parts.next(), parts.next());
            let seq = seq.and_then(|s| s.parse().ok());
            let hash = hash.and_then(|h| data_encoding::HEXLOWER.decode(h.as_bytes()).ok());
            match (seq, hash) {
                (Some(seq), Some(hash)) => Ok(Anchor { seq, hash }),
                _ => Err(AnchorError::Malformed(i + 1)),
            }
        })
        .collect()
}
