//! Every HTTP handler, organised by audience: `provider` (the portal's API and pages),
//! `staff` (staff sign-in and TOTP), `staff_pages` (the staff's HTML pages), `officer` (queue, decisions, release), `admin` (auditors and
//! admins), `payroll` (the payroll system's pull API), and the service's own endpoints (health, OpenAPI). Staff rooms are mounted
//! only in modes `all` and `internal`.

pub mod admin;
pub mod assisted;
pub mod campaign;
pub mod health;
pub mod history;
pub mod officer;
pub mod openapi;
pub mod payroll;
pub mod provider;
pub mod staff;
pub mod staff_pages;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, HttpRequest, Responder, error::JsonPayloadError, web};
use portal::Message;

use crate::config::Mode;
use crate::error::ApiError;

/// Mounts the routes this instance's mode serves.
pub fn configure(cfg: &mut web::ServiceConfig, mode: Mode) {
    cfg.service(endpoint("/healthz").get(health::healthz))
        .service(endpoint("/readyz").get(health::readyz))
        .service(endpoint("/api/v1/openapi.json").get(openapi::document))
        // The pages' stylesheet and scripts (provider portal and staff pages alike).
        .service(endpoint("/static/{file}").get(provider::pages::assets::serve));
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

/// One path and the methods it answers: every route is mounted through this, so that
/// a method the path does not list answers 405 with `Allow` (the resource's own default),
/// and so that the checks running before the router can tell such a request apart.
#[must_use]
pub(crate) fn endpoint(path: &str) -> Endpoint {
    Endpoint {
        resource: web::resource(path),
        path: path.to_owned(),
        methods: Vec::new(),
    }
}

/// See [`endpoint`].
pub(crate) struct Endpoint {
    resource: actix_web::Resource,
    path: String,
    methods: Vec<Method>,
}

macro_rules! method {
    ($name:ident, $method:ident) => {
        #[doc = concat!("Answers ", stringify!($method), " with `handler`.")]
        pub(crate) fn $name<F, Args>(mut self, handler: F) -> Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.methods.push(Method::$method);
            self.resource = self
                .resource
                .route(web::method(Method::$method).to(handler));
            self
        }
    };
}

impl Endpoint {
    method!(get, GET);
    method!(post, POST);
    method!(put, PUT);
    method!(delete, DELETE);

    /// Data for this path's handlers only (a larger JSON limit, say).
    pub(crate) fn app_data<U: 'static>(mut self, data: U) -> Self {
        self.resource = self.resource.app_data(data);
        self
    }
}

/// The resource's name carries its methods (`"GET,POST /path"`), read back by
/// [`routes_method`].
const METHODS_END: char = ' ';

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        let methods: Vec<&str> = self.methods.iter().map(Method::as_str).collect();
        let name = format!("{}{METHODS_END}{}", methods.join(","), self.path);
        self.resource.name(&name).register(config);
    }
}

/// Whether the router would hand `req` to a handler: `false` when no path matches (404)
/// or the matching path does not list the method (405). A resource mounted otherwise
/// than through [`endpoint`] counts as routing every method.
pub(crate) fn routes_method(req: &HttpRequest) -> bool {
    let map = req.resource_map();
    if !map.has_resource(req.path()) {
        return false;
    }
    match map
        .match_name(req.path())
        .and_then(|name| name.split_once(METHODS_END))
    {
        Some((methods, _)) => methods.split(',').any(|m| m == req.method().as_str()),
        None => true,
    }
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
            Message::UnsupportedMediaType,
        ),
        _ => ApiError::bad_request(Message::BadRequest),
    };
    api.into()
}
