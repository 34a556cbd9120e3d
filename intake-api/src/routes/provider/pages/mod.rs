//! The provider pages: server-rendered HTML that works without JavaScript, calling the
//! same domain functions as the JSON API (the vault, `portal::forms`, the upload
//! pipeline). Every POST carries a CSRF token; a refused form redirects back (303) with
//! a flash message and what was typed, except the number, which is never echoed.

pub(crate) mod assets;
mod changes;
mod documents;
mod landing;
pub(crate) mod subjects;
mod submission;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use application::intake::{self, Filing};
use portal::pages::{CorrectionView, Frame, PersonView};
use portal::{Lang, Text};
use storage::person::Relationship;
use storage::submissions::SubmissionStatus;

pub(crate) use crate::page::{
    Flash, PageError, forbidden, lang_of, on_form, refused, render, see_other,
};

use crate::auth::{self, Provider};
use crate::csrf;
use crate::startup::State;

/// Mounts the pages and their static assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::routes::endpoint("/i/{token}")
            .get(landing::show)
            .post(landing::sign_in),
    )
    .service(crate::routes::endpoint("/p").get(submission::overview))
    .service(
        crate::routes::endpoint("/p/self")
            .get(subjects::edit_self)
            .post(subjects::save_self),
    )
    .service(crate::routes::endpoint("/p/self/card").post(subjects::read_card))
    .service(
        crate::routes::endpoint("/p/dependants")
            .get(subjects::list_dependants)
            .post(subjects::add_dependant),
    )
    .service(crate::routes::endpoint("/p/dependants/new").get(subjects::new_dependant))
    .service(
        crate::routes::endpoint("/p/dependants/{id}")
            .get(subjects::edit_dependant)
            .post(subjects::save_dependant),
    )
    .service(crate::routes::endpoint("/p/dependants/{id}/remove").post(subjects::remove_dependant))
    .service(
        crate::routes::endpoint("/p/subjects/{id}/documents")
            .get(documents::show)
            .post(documents::upload),
    )
    .service(crate::routes::endpoint("/p/review").get(submission::review))
    .service(crate::routes::endpoint("/p/submit").post(submission::submit))
    .service(
        crate::routes::endpoint("/p/decline")
            .get(submission::decline_form)
            .post(submission::decline),
    )
    .service(crate::routes::endpoint("/p/status").get(submission::status))
    .service(crate::routes::endpoint("/p/campaign/no-change").post(submission::campaign_no_change))
    .service(
        crate::routes::endpoint("/p/changes/dependant")
            .get(changes::new_dependant)
            .post(changes::add_dependant),
    )
    .service(
        crate::routes::endpoint("/p/changes/other")
            .get(changes::other_form)
            .post(changes::other_change),
    )
    .service(crate::routes::endpoint("/p/sign-out").post(submission::sign_out));
}

/// A signed-in provider on a page: the session, its CSRF token, the language and the
/// flash of the last POST. Without a live session the page says how to come back (the
/// invitation link), and that nothing saved was lost.
pub(crate) struct SignedIn {
    provider: Provider,
    csrf: String,
    lang: Lang,
    flash: Option<Flash>,
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let provider = Provider::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let provider = provider.await?;
            let cookie = req
                .app_data::<State>()
                .and_then(|state| auth::session_token(&req, state))
                .unwrap_or_default();
            Ok(Self {
                provider,
                csrf: csrf::token(csrf::Purpose::Session, &cookie),
                lang: lang_of(&req),
                flash: Flash::read(&req),
            })
        })
    }
}

impl SignedIn {
    /// The frame of a page at `path`, with the flash applied.
    fn frame(&self, title: Text, path: &str) -> Frame {
        let mut frame = Frame::new(self.lang, title, path);
        frame.csrf = Some(self.csrf.clone());
        if let Some(flash) = &self.flash {
            flash.apply(&mut frame);
        }
        frame
    }

    /// Refuses a form whose CSRF token is missing or wrong (403).
    fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        if csrf::matches(&self.csrf, given) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// The provider's own submission, for the intake use cases.
    async fn filing(&self, state: &State) -> Result<Filing, PageError> {
        Ok(self.provider.filer().open(&state.app).await?)
    }

    async fn status(&self, state: &State) -> Result<SubmissionStatus, PageError> {
        Ok(intake::status(&state.app, &self.filing(state).await?).await?)
    }

    fn is_payee(&self) -> bool {
        self.provider.session.kind == storage::invitations::InvitationKind::Payee
    }
}

/// The open correction requests, each with the person's name and where to fix it: a
/// photo on its person's documents page (the retake form preselected), a person's
/// details on their form, anything else on the review page.
fn corrections(status: &SubmissionStatus) -> Vec<CorrectionView> {
    status
        .corrections
        .iter()
        .map(|c| {
            let subject = c
                .subject_id
                .or_else(|| {
                    let doc = status
                        .documents
                        .iter()
                        .find(|d| Some(d.document_id) == c.document_id)?;
                    Some(doc.subject_id)
                })
                .and_then(|id| status.subjects.iter().find(|s| s.subject_id == id));
            let document = c
                .document_id
                .and_then(|id| status.documents.iter().find(|d| d.document_id == id));
            let href = match (subject, document) {
                (Some(s), Some(d)) => format!(
                    "/p/subjects/{}/documents?replace={}#upload",
                    s.subject_id, d.document_id
                ),
                (Some(s), None) if c.reason == "back_side_missing" => {
                    format!("/p/subjects/{}/documents#upload", s.subject_id)
                }
                (Some(s), None) if s.relationship == Relationship::Myself => "/p/self".to_owned(),
                (Some(s), None) => format!("/p/dependants/{}", s.subject_id),
                (None, _) => "/p/review".to_owned(),
            };
            CorrectionView {
                person: subject.map(|s| s.name.clone()),
                document: document.map(|d| d.kind),
                reason: c.reason.clone(),
                message: c.message.clone(),
                href,
            }
        })
        .collect()
}

/// The people of a submission as the review and status pages show them, the provider
/// first.
fn people(status: &SubmissionStatus) -> Vec<PersonView> {
    let mut people: Vec<PersonView> = status
        .subjects
        .iter()
        .map(|s| {
            let is_self = s.relationship == Relationship::Myself;
            PersonView {
                subject: s.clone(),
                documents: status
                    .documents
                    .iter()
                    .filter(|d| d.subject_id == s.subject_id)
                    .map(Into::into)
                    .collect(),
                edit_href: if is_self {
                    "/p/self".to_owned()
                } else {
                    format!("/p/dependants/{}", s.subject_id)
                },
                documents_href: format!("/p/subjects/{}/documents", s.subject_id),
            }
        })
        .collect();
    people.sort_by_key(|p| p.subject.relationship != Relationship::Myself);
    people
}
