//! The employee's side of the annual re-confirmation (年末調整, issue 17 part B): which
//! campaign they are in and how they answered, and the one-tap 「変更なし」. A change is
//! answered through the change routes (`routes::history`): handing it in answers the
//! campaign.

use actix_web::HttpResponse;

use crate::auth::Provider;
use crate::error::ApiError;
use crate::startup::State;

/// `GET /api/v1/provider/campaign` → `{"campaign": {"campaign_id", "year", "answer",
/// "answered_at", "open"} | null}`.
#[utoipa::path(get, path = "/api/v1/provider/campaign", tag = "provider",
    responses((status = 200, description = "The re-confirmation the employee is in (`null`: none), and their answer")))]
pub async fn provider_campaign(state: State, provider: Provider) -> Result<HttpResponse, ApiError> {
    let campaign = application::campaign::of_provider(&state.app, &provider.session).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "campaign": campaign })))
}

/// `POST /api/v1/provider/campaign/no-change` → `{"answer": "no_change", "outcome":
/// "recorded" | "already_answered"}`; 404 when the employee is in no open campaign.
#[utoipa::path(post, path = "/api/v1/provider/campaign/no-change", tag = "provider",
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's token (from the sign-in)")),
    responses((status = 200, description = "Recorded (or already answered: a second tap changes nothing)"),
              (status = 404, description = "The employee is in no open campaign")))]
pub async fn provider_no_change(
    state: State,
    provider: Provider,
) -> Result<HttpResponse, ApiError> {
    let outcome =
        application::campaign::answer_no_change(&state.app, &provider.session, &provider.audit)
            .await?;
    let campaign = application::campaign::of_provider(&state.app, &provider.session).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "answer": campaign.and_then(|c| c.answer),
        "outcome": outcome,
    })))
}
