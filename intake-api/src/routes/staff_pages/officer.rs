//! The officer's pages: the queue with its filters, claiming the next item, the item
//! view (typed data beside the documents, zoom and rotate, an audited reveal of the
//! number) and the three decisions. Every action calls the same function as the JSON
//! API (`routes::officer`), so scope, claims, the rule table and the audit trail are
//! the same whichever door an officer uses.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use portal::staff::{
    BranchLabels, ItemPage, QueueFilterView, QueuePage, StaffPerson, VerifyChoices,
};
use portal::{Message, Text};
use serde::Deserialize;
use storage::SubmissionState;
use storage::person::Relationship;
use storage::staff::Role;
use storage::submissions::DocumentKind;
use uuid::Uuid;
use verifier::decisions::{CorrectionReason, RejectionReason};
use verifier::queue::QueueFilter;
use verifier::rules::{
    Choices, IdentityCheck, NumberCheck, ReliedDocument, VerificationClaim, table,
};
use zeroize::Zeroizing;

use super::{CsrfOnly, StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::page::{Flash, render, see_other};
use crate::startup::State;
use application::review::{CorrectionEntry, SubjectVerification};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/queue").get(queue))
        .service(crate::routes::endpoint("/s/claims").post(claim))
        .service(crate::routes::endpoint("/s/submissions/{id}").get(item))
        .service(crate::routes::endpoint("/s/subjects/{id}/reveal").post(reveal))
        .service(crate::routes::endpoint("/s/submissions/{id}/verify").post(verify))
        .service(crate::routes::endpoint("/s/submissions/{id}/corrections").post(corrections))
        .service(crate::routes::endpoint("/s/submissions/{id}/reject").post(reject));
}

fn officer(page: StaffPage) -> Result<StaffPage, StaffPageError> {
    page.require(&[Role::Officer])
}

/// The queue's filters as a page form sends them (empty fields mean "any").
#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    older_than_days: String,
    #[serde(default)]
    flagged_duplicates: String,
    #[serde(default)]
    declined: String,
}

/// The states the filter offers.
const FILTER_STATES: [SubmissionState; 8] = [
    SubmissionState::Submitted,
    SubmissionState::Resubmitted,
    SubmissionState::InReview,
    SubmissionState::CorrectionRequested,
    SubmissionState::Verified,
    SubmissionState::Released,
    SubmissionState::Rejected,
    SubmissionState::Draft,
];

/// `GET /s/queue`.
async fn queue(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    let q = query.into_inner();
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let filter = QueueFilter {
        state: nonempty(&q.state),
        branch: nonempty(&q.branch),
        older_than_days: nonempty(&q.older_than_days).and_then(|d| d.parse().ok()),
        flagged_duplicates: q.flagged_duplicates == "true",
        declined: q.declined == "true",
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let query = filter
        .query(now)
        .map_err(|_| ApiError::bad_request(Message::BadRequest))?;
    let account = page.caller.session.account_id;
    let entries = application::review::queue(&state.app, &page.officer()?, &query).await?;
    let body = QueuePage {
        staff: page.frame(Text::SQueue, "/s/queue"),
        entries,
        filter: QueueFilterView {
            state: q.state,
            branch: q.branch,
            older_than_days: q.older_than_days,
            flagged_duplicates: filter.flagged_duplicates,
            declined: filter.declined,
        },
        states: &FILTER_STATES,
        me: account,
        branches: BranchLabels(application::branches::labels(&state.app).await?),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `POST /s/claims`: the oldest waiting item in scope, or back to the queue.
async fn claim(
    state: State,
    page: StaffPage,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(&form.csrf)?;
    let claimed = application::review::claim_next(&state.app, &page.officer()?).await?;
    Ok(match claimed {
        Some(id) => see_other(&state, &format!("/s/submissions/{id}"), None),
        None => see_other(&state, "/s/queue", Some(Flash::info(Text::SNothingToClaim))),
    })
}

/// The item page, with `revealed` shown for one person (the response to a reveal).
async fn item_page(
    req: &HttpRequest,
    state: &State,
    page: &StaffPage,
    submission: Uuid,
    revealed: Option<(Uuid, Zeroizing<String>)>,
) -> Result<HttpResponse, StaffPageError> {
    let account = page.caller.session.account_id;
    let item = application::review::item(&state.app, &page.officer()?, submission.into()).await?;
    let mut revealed = revealed;
    let choices = application::review::verify_choices(&item)?;
    let mut people: Vec<StaffPerson> = item
        .status
        .subjects
        .iter()
        .map(|s| StaffPerson {
            choices: choices
                .iter()
                .find(|(id, _)| id.uuid() == s.subject_id)
                .map(|(_, c)| verify_choices(c))
                .unwrap_or_default(),
            subject: s.clone(),
            revealed: revealed
                .take_if(|(id, _)| *id == s.subject_id)
                .map(|(_, n)| n),
            documents: item
                .status
                .documents
                .iter()
                .filter(|d| d.subject_id == s.subject_id)
                .cloned()
                .collect(),
        })
        .collect();
    people.sort_by_key(|p| p.subject.relationship != Relationship::Myself);
    let mine = item.claimed_by == Some(account) && item.status.state == SubmissionState::InReview;
    let branch_name = match &item.branch_code {
        Some(code) => Some(
            application::branches::labels(&state.app)
                .await?
                .remove(code)
                .unwrap_or_else(|| code.clone()),
        ),
        None => None,
    };
    let body = ItemPage {
        staff: page.frame(Text::SItemTitle, &format!("/s/submissions/{submission}")),
        item,
        people,
        mine,
        branch_name,
        correction_reasons: CorrectionReason::CODES,
        rejection_reasons: RejectionReason::CODES,
    };
    Ok(render(req, state, StatusCode::OK, body))
}

/// The verify form's choices for one person, as the page shows them.
fn verify_choices(c: &Choices) -> VerifyChoices {
    VerifyChoices {
        number_checks: c.number_checks.iter().map(|n| n.code()).collect(),
        identity_checks: c.identity_checks.iter().map(|i| i.code()).collect(),
        identity_documents: c
            .identity_documents
            .iter()
            .map(|k| {
                (
                    *k,
                    table::row(*k).has_validity,
                    c.suggested_documents.contains(k),
                )
            })
            .collect(),
        number_check: c.suggested_number_check.map(NumberCheck::code),
        identity_check: c.suggested_identity_check.map(IdentityCheck::code),
    }
}

/// `GET /s/submissions/{id}`.
async fn item(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    item_page(&req, &state, &page, path.into_inner(), None).await
}

#[derive(Deserialize)]
struct RevealForm {
    csrf: String,
    submission: Uuid,
}

/// `POST /s/subjects/{id}/reveal`: the item page again with this person's number,
/// unsealed after its audit entry committed; the response is `no-store` like every page
/// and the number is never put in a link, a cookie or a redirect.
async fn reveal(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<RevealForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(&form.csrf)?;
    let subject = path.into_inner();
    let officer = page.officer()?;
    let item = application::review::item(&state.app, &officer, form.submission.into()).await?;
    if !item.status.subjects.iter().any(|s| s.subject_id == subject) {
        return Err(ApiError::not_found().into());
    }
    let number = application::review::reveal_number(&state.app, &officer, subject.into()).await?;
    item_page(
        &req,
        &state,
        &page,
        form.submission,
        Some((subject, number)),
    )
    .await
}

/// A decision form's fields: repeated keys (`identity_documents.<id>`) kept in order.
type Fields = Vec<(String, String)>;

fn csrf_of(fields: &Fields) -> &str {
    fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str())
}

/// Reads a serde enum (snake_case code) from a form value.
fn code<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| ApiError::bad_request(Message::BadRequest))
}

/// After a decision: the queue with a confirmation, or the item again with the reason
/// it was refused (the officer's choices are re-made on the page; nothing is lost).
fn decided(
    state: &State,
    submission: Uuid,
    outcome: Result<SubmissionState, ApiError>,
    done: Text,
) -> Result<HttpResponse, StaffPageError> {
    match outcome {
        Ok(_) => Ok(see_other(state, "/s/queue", Some(Flash::info(done)))),
        Err(e) => refused_decision(state, submission, e),
    }
}

/// The item again with why the decision was refused (a client error), else the error.
fn refused_decision(
    state: &State,
    submission: Uuid,
    e: ApiError,
) -> Result<HttpResponse, StaffPageError> {
    match e {
        e if e.status_code().is_client_error() && e.status_code() != StatusCode::NOT_FOUND => {
            Ok(see_other(
                state,
                &format!("/s/submissions/{submission}"),
                Some(Flash::error(e.message(), "form")),
            ))
        }
        e => Err(e.into()),
    }
}

/// `POST /s/submissions/{id}/verify`: `number_check.<subject>`, `identity_check.<subject>`,
/// `identity_documents.<subject>` (repeated), `valid_until.<kind>.<subject>` (the expiry
/// date of that document), `notification_matches.<subject>`, `qr_override_reason.<subject>`
/// (when a card photo's QR differs from the typed number); `then=next` claims the next
/// waiting item and opens it.
async fn verify(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(csrf_of(&form))?;
    let submission = path.into_inner();
    let officer = page.officer()?;
    let item = application::review::item(&state.app, &officer, submission.into()).await?;
    let mut subjects = Vec::new();
    for s in &item.status.subjects {
        let id = s.subject_id;
        let field = |name: &str| {
            let key = format!("{name}.{id}");
            form.iter()
                .filter(move |(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
        };
        let (Some(number_check), Some(identity_check)) =
            (field("number_check").next(), field("identity_check").next())
        else {
            continue; // the rule check below reports the missing person
        };
        let identity_documents = field("identity_documents")
            .map(|v| {
                let kind = DocumentKind::from_code(v)
                    .ok_or_else(|| ApiError::bad_request(Message::BadRequest))?;
                Ok(ReliedDocument {
                    kind,
                    valid_until: field(&format!("valid_until.{v}"))
                        .next()
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        subjects.push(SubjectVerification {
            subject_id: id.into(),
            claim: VerificationClaim {
                number_check: code(number_check)?,
                notification_card_matches_residence_record: field("notification_matches")
                    .any(|v| v == "true"),
                identity_check: code(identity_check)?,
                identity_documents,
                category3_spouse: s.category3_spouse,
                qr_override_reason: field("qr_override_reason")
                    .next()
                    .map(str::to_owned)
                    .filter(|r| !r.trim().is_empty()),
            },
        });
    }
    let outcome = application::review::verify(&state.app, &officer, submission.into(), &subjects)
        .await
        .map_err(ApiError::from);
    if form.iter().any(|(k, v)| k == "then" && v == "next") {
        // 「記録して次の提出へ」: the next waiting item is claimed at once, so the desk
        // moves on without going back through the queue.
        if let Err(e) = outcome {
            return refused_decision(&state, submission, e);
        }
        return Ok(
            match application::review::claim_next(&state.app, &officer).await? {
                Some(next) => see_other(
                    &state,
                    &format!("/s/submissions/{next}"),
                    Some(Flash::info(Text::SVerifiedNext)),
                ),
                None => see_other(
                    &state,
                    "/s/queue",
                    Some(Flash::info(Text::SVerifiedNothingLeft)),
                ),
            },
        );
    }
    decided(&state, submission, outcome, Text::SVerified)
}

/// `POST /s/submissions/{id}/corrections`: `reason.subject.<id>` / `reason.document.<id>`
/// (empty = fine) with `message.…` beside each.
async fn corrections(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(csrf_of(&form))?;
    let submission = path.into_inner();
    let values: BTreeMap<&str, &str> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut entries = Vec::new();
    for (key, reason) in &values {
        let Some(rest) = key.strip_prefix("reason.") else {
            continue;
        };
        if reason.is_empty() {
            continue;
        }
        let (what, id) = rest
            .split_once('.')
            .ok_or_else(|| ApiError::bad_request(Message::BadRequest))?;
        let id: Uuid = id
            .parse()
            .map_err(|_| ApiError::bad_request(Message::BadRequest))?;
        let message = values
            .get(format!("message.{rest}").as_str())
            .map_or(String::new(), |m| m.trim().to_owned());
        let (subject_id, document_id) = match what {
            "subject" => (Some(id), None),
            "document" => (None, Some(id)),
            _ => return Err(ApiError::bad_request(Message::BadRequest).into()),
        };
        entries.push(CorrectionEntry {
            subject_id: subject_id.map(Into::into),
            document_id: document_id.map(Into::into),
            reason: code(reason)?,
            message,
        });
    }
    let outcome = if entries.is_empty() {
        Err(ApiError::invalid(Message::NothingToCorrect))
    } else {
        application::review::send_back(&state.app, &page.officer()?, submission.into(), &entries)
            .await
            .map_err(ApiError::from)
    };
    decided(&state, submission, outcome, Text::SSentBack)
}

#[derive(Deserialize)]
struct RejectForm {
    csrf: String,
    reason: String,
    #[serde(default)]
    note: String,
}

/// `POST /s/submissions/{id}/reject`.
async fn reject(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<RejectForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = officer(page)?;
    page.check_csrf(&form.csrf)?;
    let submission = path.into_inner();
    let reason = code(&form.reason)?;
    let outcome = application::review::reject(
        &state.app,
        &page.officer()?,
        submission.into(),
        reason,
        form.note.trim(),
    )
    .await
    .map_err(ApiError::from);
    decided(&state, submission, outcome, Text::SRejected)
}
