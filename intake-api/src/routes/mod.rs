//! Every HTTP handler, organised by audience: `provider` (the portal's API and pages),
//! `staff` (staff sign-in and TOTP), `staff_pages` (the staff's HTML pages), `officer` (queue, decisions, release), `admin` (auditors and
//! admins), `payroll` (the payroll system's pull API), and the service's own endpoints (health, OpenAPI). Staff rooms are mounted
//! only in modes `all` and `internal`.

pub mod admin;
pub mod assisted;
pub mod health;
pub mod officer;
pub mod openapi;
pub mod payroll;
pub mod provider;
pub mod staff;
pub mod staff_pages;

use actix_web::{HttpRequest, error::JsonPayloadError, web};
use portal::Message;

use crate::config::Mode;
use crate::error::ApiError;

/// Mounts the routes this instance's mode serves.
pub fn configure(cfg: &mut web::ServiceConfig, mode: Mode) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/api/v1/openapi.json", web::get().to(openapi::document))
        // The pages' stylesheet and scripts (provider portal and staff pages alike).
        .route(
            "/static/{file}",
            web::get().to(provider::pages::assets::serve),
        );
    if mode.serves_providers() {
        provider::configure(cfg);
    }
    if mode.serves_staff() {
        staff::configure(cfg);
        staff_pages::configure(cfg);
        assisted::configure(cfg);
        officer::configure(cfg);
        admin::configure(cfg);
        payroll::configure(cfg);
    }
    cfg.default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

/// The JSON body limit of every endpoint that does not set its own: requests are a few
/// fields each.
pub(crate) const JSON_LIMIT: usize = 64 * 1024;

/// How JSON bodies are read: at most `limit` bytes, errors in the API's bilingual form.
/// Mounted app-wide with [`JSON_LIMIT`]; batch endpoints mount their own on their resource.
pub(crate) fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(json_error)
}

/// Turns JSON body errors into the API's bilingual error (413 for oversize bodies).
fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                Message::RequestTooLarge,
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Message::BadRequest,
        ),
        _ => ApiError::bad_request(Message::BadRequest),
    };
    api.into()
}
