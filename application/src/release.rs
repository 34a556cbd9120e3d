//! Release to payroll (提供) with dual control: one officer proposes verified records with
//! a purpose, a different officer approves after typing the password and a TOTP code again;
//! the numbers are unsealed in memory (audited first), laid out as CSV, sealed to payroll's
//! own age recipient, and the file is handed out once. Every hand-over is a row of the export
//! ledger (持出管理記録簿).

use domain::{ReleaseId, SubmissionId, duties};
use sha2::{Digest, Sha256};
use storage::release::{ApprovedExport, ReleaseLine, ReleaseMode};
use verifier::decisions::parse_purpose;
use verifier::export::{self, ExportLine};

use crate::access::Officer;
use crate::app::App;
use crate::auth::{self, StepUp};
use crate::error::{AppError, Conflict, Invalid};

/// The route recorded in the export ledger for a download by an officer.
pub const DOWNLOAD_ROUTE: &str = "https-download";

/// An officer proposes releasing verified submissions in scope, for one of the configured
/// purposes of use (番号法第9条・第19条: a number is provided only for the purpose it was
/// collected for, the purposes the person was told at collection — the landing page shows
/// the same list), with an optional note (e.g. 2026年分 年末調整) kept beside it.
pub async fn propose(
    app: &App,
    officer: &Officer,
    submissions: &[SubmissionId],
    purpose: &str,
    note: Option<&str>,
) -> Result<ReleaseId, AppError> {
    propose_as(
        app,
        officer,
        submissions,
        purpose,
        note,
        ReleaseMode::Snapshot,
    )
    .await
}

/// An officer proposes releasing verified submissions in scope, for a configured purpose
/// of use with an optional note, as the full current record of the people concerned
/// (`snapshot`) or as the changes the submissions hold (`changes`: each row marked added,
/// changed or ended with its date; issue 17).
pub async fn propose_as(
    app: &App,
    officer: &Officer,
    submissions: &[SubmissionId],
    purpose: &str,
    note: Option<&str>,
    mode: ReleaseMode,
) -> Result<ReleaseId, AppError> {
    let purpose = purpose.trim();
    if !app.policy.release_purposes.iter().any(|p| p == purpose) {
        return Err(AppError::Invalid(Invalid::PurposeNotListed));
    }
    let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(note) => Some(parse_purpose(note).map_err(|_| AppError::Invalid(Invalid::Message))?),
        None => None,
    };
    let ids: Vec<uuid::Uuid> = submissions.iter().map(|s| s.uuid()).collect();
    match officer
        .vault(&app.vault)
        .propose_release_as(officer.audit(), &ids, purpose, note.as_deref(), mode)
        .await
    {
        Ok(id) => Ok(id.into()),
        // Retrying cannot help: say what waits (not "try again").
        Err(storage::StorageError::Conflict("already proposed for release")) => {
            Err(AppError::Conflict(Conflict::AlreadyProposed))
        }
        Err(e) => Err(e.into()),
    }
}

/// An approved release: how many records, and the SHA-256 of the sealed file.
#[derive(Debug)]
pub struct Approved {
    /// Records (people) in the file.
    pub records: usize,
    /// SHA-256 of the sealed file.
    pub sha256: Vec<u8>,
}

/// A second officer approves a release in scope after the step-up. The proposer is refused
/// before the step-up and before any number is unsealed.
pub async fn approve(
    app: &App,
    officer: &Officer,
    release: ReleaseId,
    step_up: &StepUp,
) -> Result<Approved, AppError> {
    let vault = officer.vault(&app.vault);
    let summary = vault.release_summary(release.uuid()).await?;
    if let Err(refused) = duties::second_person(summary.proposed_by.into(), officer.id()) {
        return Err(app
            .vault
            .refuse_duty(
                officer.audit(),
                storage::audit::actions::RELEASE_APPROVE,
                Some(format!("release:{release}")),
                refused,
            )
            .await
            .into());
    }
    if summary.state != "proposed" {
        return Err(AppError::Conflict(Conflict::Concurrent));
    }
    // Read at each approval: a recipient two admins approved is in force at once.
    let recipient = crate::payroll_recipient::in_force(app)
        .await?
        .ok_or(AppError::Conflict(Conflict::NotConfigured))?;
    auth::step_up(app, officer.staff(), step_up).await?;
    let (rows, receipt) = vault
        .export_rows_for_approval(officer.audit(), release.uuid())
        .await?;
    let unsealer = app.unsealer()?.clone();
    let sealing_to = recipient.clone();
    let (sealed, record_ids) = tokio::task::spawn_blocking(move || {
        let numbers = rows
            .iter()
            .map(|r| {
                r.number_sealed
                    .as_ref()
                    .map(|sealed| unsealer.unseal(sealed, &receipt))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::internal(&e))?;
        let numbers = numbers
            .iter()
            .map(|n| match n {
                Some(n) => std::str::from_utf8(n).map_err(|e| AppError::internal(&e)),
                None => Ok(""),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let person_ids: Vec<String> = rows.iter().map(|r| r.person_id.to_string()).collect();
        let lines: Vec<ExportLine<'_>> = rows
            .iter()
            .zip(&numbers)
            .zip(&person_ids)
            .map(|((r, number), person_id)| ExportLine {
                employee_code: r.employee_code.as_deref().unwrap_or(""),
                name: &r.name,
                name_kana: &r.name_kana,
                relationship: &r.relationship,
                number,
                number_check: r.number_check.as_deref().unwrap_or(""),
                identity_check: r.identity_check.as_deref().unwrap_or(""),
                checker: r.checker.as_deref().unwrap_or(""),
                checked_at_ms: r.checked_at,
                person_id,
                birth_date: &r.birth_date,
                address: r.address.as_deref().unwrap_or(""),
                no_number_reason: r.no_number_reason.as_deref().unwrap_or(""),
                change: r.change.map(|c| c.code()).unwrap_or(""),
                change_date: r.change_on.as_deref().unwrap_or(""),
            })
            .collect();
        let csv = export::csv(&lines).map_err(|e| AppError::internal(&e))?;
        let payroll = storage::sealing::Sealer::from_recipients_file(&sealing_to)
            .map_err(|e| AppError::internal(&e))?;
        let sealed = payroll.seal(&csv).map_err(|e| AppError::internal(&e))?;
        Ok::<_, AppError>((
            sealed,
            rows.iter().map(|r| r.subject_id).collect::<Vec<_>>(),
        ))
    })
    .await
    .map_err(|e| AppError::internal(&e))??;
    let sha256 = Sha256::digest(&sealed).to_vec();
    let export = ApprovedExport {
        recipient,
        sealed,
        sha256: sha256.clone(),
        route: DOWNLOAD_ROUTE,
    };
    vault
        .approve_release(officer.audit(), release.uuid(), &export, &record_ids)
        .await?;
    Ok(Approved {
        records: record_ids.len(),
        sha256,
    })
}

/// Hands out an approved release's sealed file once; after that it is `Gone`.
pub async fn take_export(
    app: &App,
    officer: &Officer,
    release: ReleaseId,
) -> Result<Vec<u8>, AppError> {
    officer
        .vault(&app.vault)
        .take_export(officer.audit(), release.uuid())
        .await
        .map_err(|e| match e {
            storage::StorageError::Conflict(_) => AppError::Conflict(Conflict::Gone),
            other => other.into(),
        })
}

/// The verified submissions in the officer's scope that can be proposed for release: those
/// already waiting in a proposed release are left out (issue 18, bug 1), so a page never
/// offers what proposing would refuse.
pub async fn releasable(
    app: &App,
    officer: &Officer,
    limit: i64,
) -> Result<Vec<storage::review::QueueEntry>, AppError> {
    let verified = crate::review::queue(
        app,
        officer,
        &storage::review::QueueQuery {
            states: vec![domain::SubmissionState::Verified],
            limit,
            ..storage::review::QueueQuery::default()
        },
    )
    .await?;
    let waiting = officer
        .vault(&app.vault)
        .submissions_in_proposed_releases()
        .await?;
    Ok(verified
        .into_iter()
        .filter(|line| !waiting.contains(&line.submission_id))
        .collect())
}

/// The releases the officer can act on: proposed ones, and approved ones whose file was
/// not taken yet, each only when all its submissions are in scope.
pub async fn open(app: &App, officer: &Officer) -> Result<Vec<ReleaseLine>, AppError> {
    Ok(officer.vault(&app.vault).open_releases().await?)
}
