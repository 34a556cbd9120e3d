//! The payroll system's pull API. A machine client (`kakunin payroll-client add`) presents
//! its bearer token; it lists approved releases and pulls each sealed export once. The
//! files were sealed to payroll's own age recipient when the second officer approved, so
//! this room never unseals anything and holds nothing a client could open without
//! payroll's identity. Every pull is an export-ledger row and an audit entry. A client
//! registered with its TLS certificate (`--cert`, with `payroll_client_ca` set) must also
//! present that certificate: a stolen token alone is not enough.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use application::payroll_pull;
use domain::ReleaseId;
use portal::Message;
use storage::SecretToken;

use crate::auth::source_ip;
use crate::error::ApiError;
use crate::startup::{AppState, State};
use crate::tls::PeerCertificate;

/// Mounts `/api/v1/payroll/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/payroll")
            .service(crate::routes::endpoint("/releases").get(pending))
            .service(crate::routes::endpoint("/releases/{id}/export").post(pull)),
    );
}

/// A request carrying a live payroll client's bearer token (and, where bound, its
/// certificate): `application::payroll_pull::authenticate`.
#[derive(Debug)]
pub struct PayrollCaller(payroll_pull::PayrollCaller);

impl FromRequest for PayrollCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal(&"no application state"))?;
            let token = req
                .headers()
                .get("Authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .and_then(|t| SecretToken::parse(t).ok())
                .ok_or_else(unauthorized)?;
            let presented = req.conn_data::<PeerCertificate>().map(|p| p.0);
            let caller =
                payroll_pull::authenticate(&state.app, &token, presented, source_ip(&req, &state))
                    .await?;
            Ok(Self(caller))
        })
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Message::InvalidCredentials)
}

/// `GET /api/v1/payroll/releases` → `{"releases": [{"release_id", "approved_at",
/// "records", "sha256"}]}`: approved releases not yet handed over, oldest first.
#[utoipa::path(get, path = "/api/v1/payroll/releases", tag = "payroll",
    security(("payroll_token" = [])),
    responses((status = 200, description = "`{\"releases\": [{\"release_id\", \"approved_at\", \"records\", \"sha256\"}]}`: approved releases not yet handed over, oldest first"),
              (status = 401, description = "No live payroll client token, or (for a client bound to a certificate) not that certificate")))]
pub(crate) async fn pending(state: State, caller: PayrollCaller) -> Result<HttpResponse, ApiError> {
    let releases = payroll_pull::pending(&state.app, &caller.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "releases": releases })))
}

/// `POST /api/v1/payroll/releases/{id}/export` → the age file (sealed to payroll's
/// recipient), once; 410 when it was already handed over.
#[utoipa::path(post, path = "/api/v1/payroll/releases/{id}/export", tag = "payroll",
    security(("payroll_token" = [])),
    params(("id" = uuid::Uuid, Path, description = "A release listed by `GET /api/v1/payroll/releases`")),
    responses((status = 200, content_type = "application/octet-stream", description = "The CSV sealed with age to payroll's recipient (`age -d -i payroll.key`); its SHA-256 is the one listed. UTF-8 without BOM, CRLF, one header line; columns: employee_code, name, furigana, relationship, number, verification_method, checker, date, person_id (stable across the years), birth_date, address, no_number_reason, change, change_date. A release of changes marks each row `added`, `changed` or `ended` in `change` with the date it takes effect in `change_date` (an ended row carries no number; a reissued number appears only as the new one); a snapshot leaves both empty and lists every person's current values"),
              (status = 401, description = "No live payroll client token, or not the bound certificate"),
              (status = 404, description = "No such approved release"),
              (status = 410, description = "Already handed over: each export is given once")))]
pub(crate) async fn pull(
    state: State,
    caller: PayrollCaller,
    path: web::Path<ReleaseId>,
) -> Result<HttpResponse, ApiError> {
    let release_id = path.into_inner();
    let sealed = payroll_pull::pull(&state.app, &caller.0, release_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "application/octet-stream"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"kakunin-release-{release_id}.csv.age\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(sealed))
}
