//! The overview checklist, review and submit, declining, the status page, sign-out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use application::intake;
use portal::forms::DeclineForm;
use portal::pages::{
    CampaignView, DeclinePage, Frame, NoticePage, OverviewPage, ReviewPage, StatusPage, Step,
};
use portal::{Message, Text};
use serde::Deserialize;
use storage::SecretToken;
use storage::person::Relationship;
use storage::submissions::MissingItem;

use super::subjects::CsrfOnly;
use super::{Flash, PageError, SignedIn, corrections, on_form, people, refused, render, see_other};
use crate::auth;
use crate::startup::State;

/// `GET /p`: the checklist, or the status once nothing can be changed.
pub(super) async fn overview(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let status = signed.status(&state).await?;
    if !status.state.provider_can_edit() {
        return Ok(see_other(&state, "/p/status", None));
    }
    let own = status
        .subjects
        .iter()
        .find(|s| s.relationship == Relationship::Myself);
    let own_documents = own.is_some_and(|o| {
        status
            .documents
            .iter()
            .any(|d| d.subject_id == o.subject_id)
    });
    let missing = intake::missing(&state.app, &signed.filing(&state).await?).await?;
    let mut steps = vec![
        Step {
            label: Text::StepOwn,
            href: "/p/self".to_owned(),
            done: own.is_some_and(|o| o.number_saved),
        },
        Step {
            label: Text::StepDocuments,
            href: own.map_or_else(
                || "/p/self".to_owned(),
                |o| format!("/p/subjects/{}/documents", o.subject_id),
            ),
            done: own_documents,
        },
    ];
    if !signed.is_payee() {
        steps.push(Step {
            label: Text::StepDependants,
            href: "/p/dependants".to_owned(),
            done: !missing.iter().any(|m| {
                matches!(
                    m,
                    MissingItem::DependantAttestation | MissingItem::SpouseDocuments
                )
            }),
        });
    }
    steps.push(Step {
        label: Text::StepReview,
        href: "/p/review".to_owned(),
        done: false,
    });
    let page = OverviewPage {
        page: signed.frame(Text::Overview, "/p"),
        steps,
        correction: status.state == storage::SubmissionState::CorrectionRequested,
        corrections: corrections(&status),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

fn missing_text(item: &MissingItem) -> Text {
    match item {
        MissingItem::OwnDetails => Text::MissingOwnDetails,
        MissingItem::OwnDocuments => Text::MissingOwnDocuments,
        MissingItem::DependantAttestation => Text::MissingAttestation,
        MissingItem::SpouseDocuments => Text::MissingSpouseDocuments,
    }
}

/// `GET /p/review`.
pub(super) async fn review(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let status = signed.status(&state).await?;
    if !status.state.provider_can_edit() {
        return Ok(see_other(&state, "/p/status", None));
    }
    let missing = intake::missing(&state.app, &signed.filing(&state).await?).await?;
    let people = people(&status);
    let page = ReviewPage {
        page: signed.frame(Text::ReviewTitle, "/p/review"),
        warnings_remain: people.iter().any(|p| p.has_warnings()),
        people,
        missing: missing.iter().map(missing_text).collect(),
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/submit`.
pub(super) async fn submit(
    state: State,
    signed: SignedIn,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    let filing = signed.filing(&state).await?;
    match intake::submit(&state.app, &filing).await? {
        Ok(_) => Ok(see_other(&state, "/p/status", None)),
        Err(_) => Ok(see_other(
            &state,
            "/p/review",
            Some(Flash::error(Message::Incomplete, "form")),
        )),
    }
}

/// `GET /p/decline`.
pub(super) async fn decline_form(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let reason = signed
        .flash
        .as_ref()
        .and_then(|f| f.reason.clone())
        .unwrap_or_default();
    let page = DeclinePage {
        page: signed.frame(Text::DeclineTitle, "/p/decline"),
        reason,
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

#[derive(Deserialize)]
pub(super) struct DeclinePageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /p/decline`: recorded, not an error.
pub(super) async fn decline(
    state: State,
    signed: SignedIn,
    form: web::Form<DeclinePageForm>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    let shared = DeclineForm {
        reason: form.reason.clone(),
    };
    let kept = || Flash {
        reason: Some(form.reason.chars().take(500).collect()),
        ..Flash::default()
    };
    let reason = match shared.parse() {
        Ok(reason) => reason,
        Err(e) => return Ok(refused(&state, "/p/decline", e, kept())),
    };
    let filing = signed.filing(&state).await?;
    if let Err(e) = intake::decline(&state.app, &filing, &reason).await {
        return Ok(refused(&state, "/p/decline", on_form(e, None)?, kept()));
    }
    Ok(see_other(&state, "/p/status", None))
}

/// `GET /p/status`: the only page once handed in.
pub(super) async fn status(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
) -> Result<HttpResponse, PageError> {
    let status = signed.status(&state).await?;
    let campaign = application::campaign::of_provider(&state.app, &signed.provider.session)
        .await
        .map_err(crate::error::ApiError::from)?
        .map(|c| CampaignView {
            year: c.year,
            answer: c.answer,
            open: c.open,
        });
    let page = StatusPage {
        page: signed.frame(Text::StatusTitle, "/p/status"),
        state: status.state,
        people: people(&status),
        corrections: corrections(&status),
        campaign,
    };
    Ok(render(&req, &state, StatusCode::OK, page))
}

/// `POST /p/campaign/no-change`: the year's re-confirmation answered 「変更なし」 in one tap
/// (a second tap changes nothing); back to the status page, which says so.
pub(super) async fn campaign_no_change(
    state: State,
    signed: SignedIn,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    let p = &signed.provider;
    application::campaign::answer_no_change(&state.app, &p.session, &p.audit)
        .await
        .map_err(crate::error::ApiError::from)?;
    Ok(see_other(&state, "/p/status", None))
}

/// `POST /p/sign-out`: ends the session; what was saved stays.
pub(super) async fn sign_out(
    req: HttpRequest,
    state: State,
    signed: SignedIn,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    signed.check_csrf(&form.csrf)?;
    if let Some(token) = auth::session_token(&req, &state).and_then(|v| SecretToken::parse(&v).ok())
    {
        application::provider_session::sign_out(&state.app, &token).await?;
    }
    let mut frame = Frame::new(signed.lang, Text::SignOut, "/p");
    frame.info = None;
    let page = NoticePage {
        page: frame,
        ja: Text::SignedOut.ja(),
        en: Text::SignedOut.en(),
    };
    let mut response = render(&req, &state, StatusCode::OK, page);
    response
        .add_cookie(&auth::cleared_cookie(!state.settings.insecure_http))
        .map_err(|e| crate::error::ApiError::internal(&e))?;
    Ok(response)
}
