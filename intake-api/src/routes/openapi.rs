//! The OpenAPI document of the JSON API, generated from the handlers.
//!
//! The handlers' annotations say what each operation means (its success and its own
//! refusals); [`ErrorResponses`] adds, to every operation, the error statuses the layers
//! in front of every handler answer, each with the error body's schema, so that the
//! document covers everything the server answers (checked by `scripts/schemathesis.sh`):
//! 400/413/415 where a body is read, 401 where a session is needed, 403 (CSRF) on every
//! state-changing call of a cookie session, 404 where a path names something, 408 when a
//! body arrives too slowly, 409 where a submission may no longer change, 422 where a body
//! is validated, 429 and 503 anywhere. A method a path does not list answers
//! 405 with `Allow`.

use actix_web::HttpResponse;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use super::{payroll, provider};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kakunin API", description = "My Number intake: the provider API and the payroll pull API (the staff API is described in the README). Errors are `{\"error\": {\"code\", \"message_ja\", \"message_en\"}}`. State-changing provider calls carry the `csrf_token` the sign-in returned in `X-CSRF-Token` (or come from this instance's own pages, as their `Origin` says); without it they are refused with 403 `csrf_token_invalid`."),
    paths(
        provider::session::sign_in,
        provider::session::sign_out,
        provider::subjects::save_self,
        provider::subjects::add_dependant,
        provider::documents::upload_document,
        provider::submission::submit,
        provider::submission::decline,
        provider::submission::status,
        super::history::provider_change,
        super::history::provider_record,
        super::history::provider_upload,
        super::history::provider_submit,
        super::campaign::provider_campaign,
        super::campaign::provider_no_change,
        super::admin::campaigns::create,
        super::admin::campaigns::list,
        super::admin::campaigns::progress,
        super::admin::campaigns::unanswered,
        super::admin::campaigns::reminders,
        super::admin::campaigns::close,
        payroll::pending,
        payroll::pull,
    ),
    modifiers(&PayrollToken, &ErrorResponses),
    components(schemas(portal::forms::SignInForm, portal::forms::SubjectForm, portal::forms::DeclineForm,
                        portal::forms::ChangeForm, portal::forms::DependantForm,
                        provider::documents::UploadForm, super::admin::campaigns::OpenBody, crate::error::ErrorBody, crate::error::ErrorDetail)),
    tags((name = "provider", description = "Employees and payees handing in their numbers"),
         (name = "admin", description = "Admins: the annual re-confirmation (年末調整) campaigns (a staff session past TOTP)"),
         (name = "payroll", description = "Payroll systems pulling released, age-sealed exports (`kakunin payroll-client add`)"))
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The payroll clients' bearer token (`Authorization: Bearer <token>`).
#[derive(Debug)]
struct PayrollToken;

impl utoipa::Modify for PayrollToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "payroll_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token `kakunin payroll-client add` printed once; a client \
                         registered with --cert must also present that TLS client certificate",
                    ))
                    .build(),
            ),
        );
    }
}

/// The error statuses of the layers in front of every handler (see the module
/// documentation), added to each operation that does not describe them itself.
#[derive(Debug)]
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let payroll = path.starts_with("/api/v1/payroll/");
            let session = path == "/api/v1/provider/session";
            for (method, operation) in [
                ("GET", item.get.as_mut()),
                ("POST", item.post.as_mut()),
                ("PUT", item.put.as_mut()),
                ("PATCH", item.patch.as_mut()),
                ("DELETE", item.delete.as_mut()),
            ] {
                let Some(operation) = operation else { continue };
                let changes_state = method != "GET";
                let signs_in = session && method == "POST";
                let edits_submission = changes_state && !payroll && !session;
                let reads_body = operation.request_body.is_some();
                let names_something = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path));
                let mut add = |status: &str, description: &str, applies: bool| {
                    if applies {
                        add_error(operation, status, description);
                    }
                };
                add(
                    "400",
                    "The body or a parameter could not be read",
                    reads_body,
                );
                add("401", "No live session (or payroll token)", !signs_in);
                add(
                    "403",
                    "State-changing call without the session's `X-CSRF-Token` or from another origin (`csrf_token_invalid`)",
                    changes_state && !payroll,
                );
                add(
                    "404",
                    "Nothing of that id in the caller's reach",
                    names_something,
                );
                add(
                    "409",
                    "The submission can no longer be changed (handed in, declined)",
                    edits_submission,
                );
                add("422", "A field is invalid (`field` names it)", reads_body);
                add(
                    "408",
                    "The body arrived too slowly (`request_timeout`)",
                    reads_body,
                );
                add(
                    "413",
                    "The body is larger than this endpoint takes",
                    reads_body,
                );
                add(
                    "415",
                    "The body is not of the type this endpoint takes",
                    reads_body,
                );
                add(
                    "429",
                    "Too many requests from this address (`Retry-After`)",
                    true,
                );
                add(
                    "503",
                    "Too many connections from this address (`too_many_connections`)",
                    true,
                );
            }
        }
    }
}

fn error_content() -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build()
}

/// Adds `status` with the error body to `operation`, unless it describes it already;
/// every error it describes gets the error body's schema.
fn add_error(operation: &mut Operation, status: &str, description: &str) {
    let responses = &mut operation.responses.responses;
    for (code, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && (code.starts_with('4') || code.starts_with('5'))
            && response.content.is_empty()
        {
            response
                .content
                .insert("application/json".to_owned(), error_content());
        }
    }
    if responses.contains_key(status) {
        return;
    }
    responses.insert(
        status.to_owned(),
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content("application/json", error_content())
                .build(),
        ),
    );
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}
