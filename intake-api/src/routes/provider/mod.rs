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

use crate::routes::{campaign, history};

/// Mounts the provider API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/provider")
            .service(
                crate::routes::endpoint("/session")
                    .post(sign_in)
                    .delete(sign_out),
            )
            .service(crate::routes::endpoint("/subjects/self").put(save_self))
            .service(crate::routes::endpoint("/subjects").post(add_dependant))
            .service(
                crate::routes::endpoint("/subjects/{subject_id}/documents").post(upload_document),
            )
            .service(crate::routes::endpoint("/submit").post(submit))
            .service(crate::routes::endpoint("/decline").post(decline))
            .service(crate::routes::endpoint("/status").get(status))
            .service(crate::routes::endpoint("/changes").post(history::provider_change))
            .service(crate::routes::endpoint("/record").get(history::provider_record))
            .service(crate::routes::endpoint("/campaign").get(campaign::provider_campaign))
            .service(
                crate::routes::endpoint("/campaign/no-change").post(campaign::provider_no_change),
            )
            .service(
                crate::routes::endpoint("/changes/{change_id}/subjects/{subject_id}/documents")
                    .post(history::provider_upload),
            )
            .service(
                crate::routes::endpoint("/changes/{change_id}/submit")
                    .post(history::provider_submit),
            ),
    );
    pages::configure(cfg);
}

/// Today's date in Japan, against which birth dates are checked.
pub(crate) fn today_in_japan() -> time::Date {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(9)).date()
}
