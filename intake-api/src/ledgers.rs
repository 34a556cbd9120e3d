//! The ledgers as CSV for people (UTF-8 with a byte-order mark, every cell neutralised:
//! [`verifier::csv_file`]), the same bytes for `kakunin ledger …` and for the auditors'
//! download: 特定個人情報ファイル台帳, 持出管理記録簿 and 廃棄記録. None holds a number.

use application::audit_desk::LedgerRows;
use verifier::csv_file::CsvFile;

pub use domain::ledger::Ledger;

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The ledger's rows with the file ledger's purposes of use from the configured list (the
/// one the landing page shows), each with the provider kinds it concerns.
pub fn with_purposes(mut rows: LedgerRows, purposes: &[portal::pages::Purpose]) -> LedgerRows {
    if let LedgerRows::Files(entries) = &mut rows {
        for e in entries {
            e.purposes = purposes
                .iter()
                .map(portal::pages::Purpose::ledger_line)
                .collect();
        }
    }
    rows
}

/// The rows as JSON.
pub fn json(rows: &LedgerRows) -> serde_json::Value {
    match rows {
        LedgerRows::Files(entries) => serde_json::json!(entries),
        LedgerRows::Exports(entries) => serde_json::json!(entries),
        LedgerRows::Disposals(entries) => serde_json::json!(entries),
    }
}

/// The rows as CSV with a header line (purposes filled in first: [`with_purposes`]).
pub fn csv(rows: &LedgerRows) -> Result<Vec<u8>, csv::Error> {
    let mut out = CsvFile::for_people();
    match rows {
        LedgerRows::Files(entries) => {
            out.row([
                "file",
                "storage",
                "purposes",
                "retention_years",
                "live_records",
                "disposed_records",
                "handlers",
            ])?;
            for e in entries {
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
        LedgerRows::Exports(entries) => {
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
            for e in entries {
                out.row([
                    e.id.clone(),
                    rfc3339(e.at),
                    e.release_id.clone(),
                    e.officers.clone(),
                    e.record_ids.clone(),
                    e.record_count.to_string(),
                    e.recipient.clone(),
                    e.purpose.clone(),
                    e.purpose_note.clone().unwrap_or_default(),
                    e.route.clone(),
                    e.sha256.clone(),
                ])?;
            }
        }
        LedgerRows::Disposals(records) => {
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
            for d in records {
                out.row([
                    d.disposal_id.to_string(),
                    d.submission_id.to_string(),
                    d.proposed_by.clone(),
                    d.approved_by.clone(),
                    rfc3339(d.approved_at),
                    d.method.clone(),
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
