//! The ledgers as CSV for people (UTF-8 with a byte-order mark, every cell neutralised:
//! [`verifier::csv_file`]), the same bytes for `kakunin ledger …` and for the auditors'
//! download: 特定個人情報ファイル台帳, 持出管理記録簿 and 廃棄記録. None holds a number.

use storage::{StorageError, Vault};
use verifier::csv_file::CsvFile;

/// Which ledger.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Ledger {
    /// 特定個人情報ファイル台帳: the files holding numbers, derived from live data.
    Files,
    /// 持出管理記録簿: everything that left.
    Exports,
    /// 廃棄記録: every disposal.
    Disposals,
}

domain::codes!(Ledger);

/// A ledger that could not be laid out.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Reading it failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Writing CSV failed.
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The file ledger with the purposes of use from the configured list (the one the landing
/// page shows), each with the provider kinds it concerns.
pub async fn file_ledger(
    vault: &Vault,
    purposes: &[portal::pages::Purpose],
) -> Result<Vec<storage::ledgers::FileLedgerEntry>, storage::StorageError> {
    let mut entries = vault.file_ledger().await?;
    for e in &mut entries {
        e.purposes = purposes
            .iter()
            .map(portal::pages::Purpose::ledger_line)
            .collect();
    }
    Ok(entries)
}

/// The ledger as CSV with a header line.
pub async fn csv(
    vault: &Vault,
    ledger: Ledger,
    purposes: &[portal::pages::Purpose],
) -> Result<Vec<u8>, LedgerError> {
    let mut out = CsvFile::for_people();
    match ledger {
        Ledger::Files => {
            out.row([
                "file",
                "storage",
                "purposes",
                "retention_years",
                "live_records",
                "disposed_records",
                "handlers",
            ])?;
            for e in file_ledger(vault, purposes).await? {
                let handlers: Vec<String> = e
                    .handlers
                    .iter()
                    .map(|h| {
                        let scopes = if h.scopes.is_empty() {
                            "all".to_owned()
                        } else {
                            h.scopes.join(" ")
                        };
                        format!("{} ({}: {scopes})", h.username, h.role)
                    })
                    .collect();
                out.row([
                    e.file.to_owned(),
                    e.storage.to_owned(),
                    e.purposes.join(" / "),
                    e.retention_years.to_string(),
                    e.live_records.to_string(),
                    e.disposed_records.to_string(),
                    handlers.join("; "),
                ])?;
            }
        }
        Ledger::Exports => {
            out.row([
                "export_id",
                "at",
                "release_id",
                "officers",
                "record_ids",
                "record_count",
                "recipient",
                "purpose",
                "purpose_note",
                "route",
                "sha256",
            ])?;
            for e in vault.export_ledger().await? {
                out.row([
                    e.id,
                    rfc3339(e.at),
                    e.release_id,
                    e.officers,
                    e.record_ids,
                    e.record_count.to_string(),
                    e.recipient,
                    e.purpose,
                    e.purpose_note.unwrap_or_default(),
                    e.route,
                    e.sha256,
                ])?;
            }
        }
        Ledger::Disposals => {
            out.row([
                "disposal_id",
                "submission_id",
                "proposed_by",
                "approved_by",
                "approved_at",
                "method",
                "numbers_destroyed",
                "documents_destroyed",
                "person_id",
                "subject_id",
                "reason",
            ])?;
            for d in vault.disposal_ledger().await? {
                out.row([
                    d.disposal_id.to_string(),
                    d.submission_id.to_string(),
                    d.proposed_by,
                    d.approved_by,
                    rfc3339(d.approved_at),
                    d.method,
                    d.numbers_destroyed.to_string(),
                    d.documents_destroyed.to_string(),
                    d.person_id.map(|p| p.to_string()).unwrap_or_default(),
                    d.subject_id.map(|p| p.to_string()).unwrap_or_default(),
                    d.reason.map(|r| r.code().to_owned()).unwrap_or_default(),
                ])?;
            }
        }
    }
    Ok(out.finish()?.to_vec())
}
