//! Release to payroll with dual control: propose, approve (a different officer, password
//! and TOTP again), download the age-sealed export once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use portal::Message;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use storage::release::ApprovedExport;
use uuid::Uuid;
use verifier::decisions::parse_purpose;
use verifier::export::{self, ExportLine};

use crate::error::ApiError;
use crate::staff_auth::{self, Officer, StaffCaller};
use crate::startup::State;

/// The route recorded in the export ledger for a download over the officer API.
const ROUTE: &str = "https-download";

/// The largest proposal body: about 27,000 submission ids, a company-wide release in one
/// batch (the default JSON limit would stop at about 1,680).
pub(super) const PROPOSE_JSON_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Deserialize)]
pub(super) struct ProposeBody {
    submission_ids: Vec<Uuid>,
    purpose: String,
}

/// `POST /api/v1/officer/releases` `{"submission_ids", "purpose"}` → `{"release_id"}`.
pub(super) async fn propose(
    state: State,
    officer: Officer,
    body: web::Json<ProposeBody>,
) -> Result<HttpResponse, ApiError> {
    let id = propose_release(&state, &officer.0, &body.submission_ids, &body.purpose).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "release_id": id })))
}

/// One officer proposes releasing verified submissions in scope, with the purpose.
pub(crate) async fn propose_release(
    state: &State,
    officer: &StaffCaller,
    submission_ids: &[Uuid],
    purpose: &str,
) -> Result<Uuid, ApiError> {
    let purpose = parse_purpose(purpose).map_err(|_| ApiError::invalid(Message::MessageInvalid))?;
    Ok(state
        .vault
        .propose_release(
            &officer.audit,
            officer.session.account_id,
            submission_ids,
            &purpose,
        )
        .await?)
}

/// What the approver types again.
/// `POST /api/v1/officer/releases/{id}/approve` `{"password", "totp"}`: a second officer
/// approves; the numbers are unsealed (audited first), laid out as CSV and sealed to
/// payroll's recipient; the submissions become released; the export ledger gets its row.
pub(super) async fn approve(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
    body: web::Json<staff_auth::StepUp>,
) -> Result<HttpResponse, ApiError> {
    let release_id = path.into_inner();
    let approved = approve_release(&state, &officer.0, release_id, &body).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "release_id": release_id,
        "records": approved.records,
        "sha256": data_encoding::HEXLOWER.encode(&approved.sha256),
    })))
}

/// An approved release: how many records, and the sha256 of the sealed file.
#[derive(Debug)]
pub(crate) struct Approved {
    pub(crate) records: usize,
    pub(crate) sha256: Vec<u8>,
}

/// A second officer approves a release in scope after the step-up: the numbers are
/// unsealed (audited first), laid out as CSV and sealed to payroll's recipient.
pub(crate) async fn approve_release(
    state: &State,
    officer: &StaffCaller,
    release_id: Uuid,
    step_up: &staff_auth::StepUp,
) -> Result<Approved, ApiError> {
    let approver = officer.session.account_id;
    let summary = state.vault.release_summary(approver, release_id).await?;
    // Refused before the step-up and before any number is unsealed.
    if let Err(refused) = domain::duties::second_person(summary.proposed_by.into(), approver.into())
    {
        return Err(state
            .vault
            .refuse_duty(
                &officer.audit,
                storage::audit::actions::RELEASE_APPROVE,
                Some(format!("release:{release_id}")),
                refused,
            )
            .await
            .into());
    }
    if summary.state != "proposed" {
        return Err(ApiError::new(StatusCode::CONFLICT, Message::Conflict));
    }
    let recipient = state
        .settings
        .payroll_recipient
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, Message::NotServedHere))?;
    staff_auth::reauthenticate(state, officer, &step_up.password, &step_up.totp).await?;
    let (rows, receipt) = state
        .vault
        .export_rows_for_approval(&officer.audit, release_id)
        .await?;
    let worker = state.clone();
    let sealing_to = recipient.clone();
    let (sealed, record_ids) = tokio::task::spawn_blocking(move || {
        let unsealer = worker
            .keys
            .unsealer()
            .ok_or_else(|| ApiError::internal(&"no identity on an instance serving officers"))?;
        let numbers = rows
            .iter()
            .map(|r| unsealer.unseal(&r.number_sealed, &receipt))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::internal(&e))?;
        let numbers = numbers
            .iter()
            .map(|n| std::str::from_utf8(n).map_err(|e| ApiError::internal(&e)))
            .collect::<Result<Vec<_>, _>>()?;
        let lines: Vec<ExportLine<'_>> = rows
            .iter()
            .zip(&numbers)
            .map(|(r, number)| ExportLine {
                employee_code: r.employee_code.as_deref().unwrap_or(""),
                name: &r.name,
                name_kana: &r.name_kana,
                relationship: &r.relationship,
                number,
                number_check: &r.number_check,
                identity_check: &r.identity_check,
                checker: &r.checker,
                checked_at_ms: r.checked_at,
            })
            .collect();
        let csv = export::csv(&lines).map_err(|e| ApiError::internal(&e))?;
        let payroll = storage::sealing::Sealer::from_recipients_file(&sealing_to)
            .map_err(|e| ApiError::internal(&e))?;
        let sealed = payroll.seal(&csv).map_err(|e| ApiError::internal(&e))?;
        Ok::<_, ApiError>((
            sealed,
            rows.iter().map(|r| r.subject_id).collect::<Vec<_>>(),
        ))
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    let sha256 = Sha256::digest(&sealed).to_vec();
    let export = ApprovedExport {
        recipient,
        sealed,
        sha256: sha256.clone(),
        route: ROUTE,
    };
    state
        .vault
        .approve_release(&officer.audit, approver, release_id, &export, &record_ids)
        .await?;
    Ok(Approved {
        records: record_ids.len(),
        sha256,
    })
}

/// `POST /api/v1/officer/releases/{id}/export`: the age file, once. A POST, because
/// taking it is a change of state (the export is consumed and the ledger gets its row):
/// no link, prefetch or cross-site `<img>` may spend it.
pub(super) async fn download(
    state: State,
    officer: Officer,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    take_export(&state, &officer.0, path.into_inner()).await
}

/// Hands out an approved release's sealed file once, as an attachment: the API and the
/// staff pages both answer with this.
pub(crate) async fn take_export(
    state: &State,
    officer: &StaffCaller,
    release_id: Uuid,
) -> Result<HttpResponse, ApiError> {
    state
        .vault
        .release_summary(officer.session.account_id, release_id)
        .await?;
    let sealed = state
        .vault
        .take_export(&officer.audit, release_id)
        .await
        .map_err(|e| match e {
            storage::StorageError::Conflict(_) => {
                ApiError::new(StatusCode::GONE, Message::Conflict)
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "application/octet-stream"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"kakunin-release-{release_id}.csv.age\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(sealed))
}
