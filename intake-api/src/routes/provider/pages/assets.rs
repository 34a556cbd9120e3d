//! The portal's stylesheet and script: compiled in, under content-hashed names, so they
//! are cached for a year (`immutable`) with their exact content types.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

/// `GET /static/{file}`.
pub(crate) async fn serve(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let asset = portal::pages::asset_at(req.path()).ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(asset.body))
}
