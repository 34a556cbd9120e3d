//! Release to payroll over the officer API: propose, approve (a different officer, password
//! and TOTP again), take the age-sealed export once. The flow is `application::release`.

use actix_web::{HttpResponse, web};
use application::release;
use domain::{ReleaseId, SubmissionId};
use serde::Deserialize;

use crate::error::ApiError;
use crate::staff_auth::{Officer, StepUp};
use crate::startup::State;

/// The largest proposal body: about 27,000 submission ids, a company-wide release in one
/// batch (the default JSON limit would stop at about 1,680).
pub(super) const PROPOSE_JSON_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Deserialize)]
pub(super) struct ProposeBody {
    submission_ids: Vec<SubmissionId>,
    purpose: String,
    #[serde(default)]
    note: Option<String>,
    /// `snapshot` (default: each person's full current record) or `changes` (only what
    /// the submissions changed, each row marked added / changed / ended with its date).
    #[serde(default)]
    mode: storage::release::ReleaseMode,
}

/// `POST /api/v1/officer/releases` `{"submission_ids", "purpose", "note"?, "mode"?}` →
/// `{"release_id"}`: `purpose` is one of the configured purposes of use (its Japanese
/// text), `note` an optional line beside it.
pub(super) async fn propose(
    state: State,
    officer: Officer,
    body: web::Json<ProposeBody>,
) -> Result<HttpResponse, ApiError> {
    let id = release::propose_as(
        &state.app,
        officer.access(),
        &body.submission_ids,
        &body.purpose,
        body.note.as_deref(),
        body.mode,
    )
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "release_id": id })))
}

/// `POST /api/v1/officer/releases/{id}/approve` `{"password", "totp"}`: a second officer
/// approves; the numbers are unsealed (audited first), laid out as CSV and sealed to
/// payroll's recipient; the submissions become released; the export ledger gets its row.
pub(super) async fn approve(
    state: State,
    officer: Officer,
    path: web::Path<ReleaseId>,
    body: web::Json<StepUp>,
) -> Result<HttpResponse, ApiError> {
    let release_id = path.into_inner();
    let approved = release::approve(&state.app, officer.access(), release_id, &body).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "release_id": release_id,
        "records": approved.records,
        "sha256": data_encoding::HEXLOWER.encode(&approved.sha256),
    })))
}

/// `POST /api/v1/officer/releases/{id}/export`: the age file, once. A POST, because
/// taking it is a change of state (the export is consumed and the ledger gets its row):
/// no link, prefetch or cross-site `<img>` may spend it.
pub(super) async fn download(
    state: State,
    officer: Officer,
    path: web::Path<ReleaseId>,
) -> Result<HttpResponse, ApiError> {
    export_attachment(&state, officer.access(), path.into_inner()).await
}

/// Hands out an approved release's sealed file once, as an attachment: the API and the
/// staff pages both answer with this.
pub(crate) async fn export_attachment(
    state: &State,
    officer: &application::access::Officer,
    release_id: ReleaseId,
) -> Result<HttpResponse, ApiError> {
    let sealed = release::take_export(&state.app, officer, release_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "application/octet-stream"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"kakunin-release-{release_id}.csv.age\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(sealed))
}
