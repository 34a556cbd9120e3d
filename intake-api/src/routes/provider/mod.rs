//! The provider's JSON API: sign in with an invitation, enter own details and dependants,
//! upload document photos, hand in, decline, read status. The portal's pages call the
//! same domain functions.

pub(crate) mod documents;
pub mod pages;
pub(crate) mod session;
pub(crate) mod subjects;
pub(crate) mod submission;

pub use documents::upload_document;
pub use session::{sign_in, sign_out};
pub use subjects::{add_dependant, save_self};
pub use submission::{decline, status, submit};

use actix_web::web;

/// Mounts the provider API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/provider")
            .route("/session", web::post().to(sign_in))
            .route("/session", web::delete().to(sign_out))
            .route("/subjects/self", web::put().to(save_self))
            .route("/subjects", web::post().to(add_dependant))
            .route(
                "/subjects/{subject_id}/documents",
                web::post().to(upload_document),
            )
            .route("/submit", web::post().to(submit))
            .route("/decline", web::post().to(decline))
            .route("/status", web::get().to(status)),
    );
    pages::configure(cfg);
}

/// Today's date in Japan, against which birth dates are checked.
pub(crate) fn today_in_japan() -> time::Date {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(9)).date()
}
