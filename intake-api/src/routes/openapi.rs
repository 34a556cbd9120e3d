//! The OpenAPI document of the JSON API, generated from the handlers.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::provider;

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kakunin API", description = "My Number intake: provider API. Errors are `{\"error\": {\"code\", \"message_ja\", \"message_en\"}}`."),
    paths(
        provider::session::sign_in,
        provider::subjects::save_self,
        provider::subjects::add_dependant,
        provider::documents::upload_document,
        provider::submission::submit,
        provider::submission::decline,
        provider::submission::status,
    ),
    components(schemas(portal::forms::SignInForm, portal::forms::SubjectForm, portal::forms::DeclineForm)),
    tags((name = "provider", description = "Employees and payees handing in their numbers"))
)]
#[derive(Debug)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}
