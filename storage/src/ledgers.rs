//! The registers the PPC guideline asks for, derived from live data rather than typed:
//! the register of files holding numbers (特定個人情報ファイル台帳). The disposal ledger
//! lives with disposals (`retention.rs`), the export ledger with releases.

use serde::Serialize;
use sqlx::Row;

use crate::{StorageError, Vault};

/// Who may handle a file, from the live accounts and their scopes.
#[derive(Debug, Clone, Serialize)]
pub struct Handler {
    /// Sign-in name.
    pub username: String,
    /// Role code.
    pub role: String,
    /// Branches or departments in scope (empty: all).
    pub scopes: Vec<String>,
}

/// One kind of file holding numbers.
#[derive(Debug, Clone, Serialize)]
pub struct FileLedgerEntry {
    /// The file's name in the register.
    pub file: &'static str,
    /// Where it is kept.
    pub storage: &'static str,
    /// Purposes of use (利用目的).
    pub purposes: Vec<String>,
    /// Retention in years after the numbers stop being needed.
    pub retention_years: i64,
    /// Records live now.
    pub live_records: i64,
    /// Records whose numbers or images were destroyed.
    pub disposed_records: i64,
    /// Who can handle it (officers; admins and auditors never see numbers).
    pub handlers: Vec<Handler>,
}

impl Vault {
    /// The register of files holding numbers, from live data.
    pub async fn file_ledger(&self) -> Result<Vec<FileLedgerEntry>, StorageError> {
        let purposes: Vec<String> =
            sqlx::query("SELECT name_ja FROM retention_purposes ORDER BY code")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get("name_ja"))
                .collect::<Result<_, _>>()?;
        let retention_years = self.retention_years().await?;
        let handlers = self.number_handlers().await?;
        let count = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(&self.pool).await?;
            Ok::<i64, StorageError>(row.try_get("n")?)
        };
        Ok(vec![
            FileLedgerEntry {
                file: "個人番号（従業員・扶養家族・個人支払先） / My Numbers of employees, dependants and payees",
                storage: "database table subjects, column number_sealed (age ciphertext)",
                purposes: purposes.clone(),
                retention_years,
                live_records: count("SELECT COUNT(*) AS n FROM subjects WHERE number_sealed IS NOT NULL").await?,
                disposed_records: count(
                    "SELECT COUNT(*) AS n FROM subjects s JOIN submissions b ON b.id = s.submission_id \
                     WHERE s.number_sealed IS NULL AND b.state = 'disposed'",
                )
                .await?,
                handlers: handlers.clone(),
            },
            FileLedgerEntry {
                file: "本人確認書類の画像 / Images of identity documents",
                storage: "database table documents, column sealed (age ciphertext of a scrubbed JPEG)",
                purposes,
                retention_years,
                live_records: count("SELECT COUNT(*) AS n FROM documents WHERE sealed IS NOT NULL").await?,
                disposed_records: count("SELECT COUNT(*) AS n FROM documents WHERE sealed IS NULL").await?,
                handlers,
            },
        ])
    }

    /// Accounts that may see numbers: live officers and collectors with their scopes.
    async fn number_handlers(&self) -> Result<Vec<Handler>, StorageError> {
        let rows = sqlx::query(
            "SELECT a.username, a.role, s.branch_code FROM staff_accounts a \
             LEFT JOIN staff_scopes s ON s.account_id = a.id \
             WHERE a.disabled_at IS NULL AND a.role IN ('officer', 'collector') ORDER BY a.username, s.branch_code",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut handlers: Vec<Handler> = Vec::new();
        for r in &rows {
            let username: String = r.try_get("username")?;
            let scope: Option<String> = r.try_get("branch_code")?;
            match handlers.last_mut() {
                Some(h) if h.username == username => h.scopes.extend(scope),
                _ => handlers.push(Handler {
                    username,
                    role: r.try_get("role")?,
                    scopes: scope.into_iter().collect(),
                }),
            }
        }
        Ok(handlers)
    }
}

/// One row of the export ledger (持出管理記録簿): what left, when, to whom, by whose hands.
#[derive(Debug, Clone, Serialize)]
pub struct ExportLedgerEntry {
    /// The row.
    pub id: String,
    /// When it left (Unix ms).
    pub at: i64,
    /// The release batch.
    pub release_id: String,
    /// Proposer and approver (`staff:<id>` …).
    pub officers: String,
    /// The submissions in it.
    pub record_ids: String,
    /// How many records.
    pub record_count: i64,
    /// The age recipient it was sealed to.
    pub recipient: String,
    /// Why: a configured purpose of use.
    pub purpose: String,
    /// The proposer's note beside the purpose.
    pub purpose_note: Option<String>,
    /// How (download, pull API).
    pub route: String,
    /// SHA-256 of the bytes that left, hex.
    pub sha256: String,
}

impl Vault {
    /// The export ledger, oldest first.
    pub async fn export_ledger(&self) -> Result<Vec<ExportLedgerEntry>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, at, release_id, officers, record_ids, record_count, recipient, purpose, purpose_note, route, sha256 \
             FROM export_ledger ORDER BY at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let digest: Vec<u8> = r.try_get("sha256")?;
                Ok(ExportLedgerEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    release_id: r.try_get("release_id")?,
                    officers: r.try_get("officers")?,
                    record_ids: r.try_get("record_ids")?,
                    record_count: r.try_get("record_count")?,
                    recipient: r.try_get("recipient")?,
                    purpose: r.try_get("purpose")?,
                    purpose_note: r.try_get("purpose_note")?,
                    route: r.try_get("route")?,
                    sha256: data_encoding::HEXLOWER.encode(&digest),
                })
            })
            .collect()
    }
}
