//! The OpenAPI document of the JSON API, generated from the handlers.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::{payroll, provider};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kakunin API", description = "My Number intake: the provider API and the payroll pull API (the staff API is described in the README). Errors are `{\"error\": {\"code\", \"message_ja\", \"message_en\"}}`."),
    paths(
        provider::session::sign_in,
        provider::subjects::save_self,
        provider::subjects::add_dependant,
        provider::documents::upload_document,
        provider::submission::submit,
        provider::submission::decline,
        provider::submission::status,
        payroll::pending,
        payroll::pull,
    ),
    modifiers(&PayrollToken),
    components(schemas(portal::forms::SignInForm, portal::forms::SubjectForm, portal::forms::DeclineForm)),
    tags((name = "provider", description = "Employees and payees handing in their numbers"),
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

/// `GET /api/v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}
