//! The auditor's desk as pages: the trail (`/s/audit`), the sign-in history
//! (`/s/sign-ins`), each with the CSV of the same search, and the periodic audit review
//! (`/s/audit/reviews`). Thin adapters over `application::audit_desk`: they read the
//! query, call one use case and render. A value the use case refuses (a date that is not
//! one) shows the same page again with the bilingual message and the form as it was filled.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::audit_desk::{self as desk, ReviewSignOff, SignInSearch, TrailSearch};
use portal::Text;
use portal::audit_desk::{
    AuditReviewsPageView, Labels, SignInForm, SignInsPageView, TrailForm, TrailPageView,
};
use storage::audit_desk::{Cursor, Direction};
use storage::staff::Role;

use super::{StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::page::{Flash, render, see_other};
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/audit").get(trail))
        .service(crate::routes::endpoint("/s/audit.csv").get(trail_csv))
        .service(crate::routes::endpoint("/s/sign-ins").get(sign_ins))
        .service(crate::routes::endpoint("/s/sign-ins.csv").get(sign_ins_csv))
        .service(
            crate::routes::endpoint("/s/audit/reviews")
                .get(reviews)
                .post(sign_off),
        );
}

/// The most rows a CSV download holds.
const CSV_CAP: usize = 50_000;

/// The query's fields, leniently: a malformed query is an empty one, never a bare 400.
fn query_fields(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

fn some(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// `at.seq` (trail) as a cursor.
fn trail_cursor(fields: &[(String, String)]) -> Option<(Cursor, Direction)> {
    let parse = |text: String| {
        let (at, seq) = text.split_once('.')?;
        Some(Cursor {
            at: at.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    };
    parse(field(fields, "older"))
        .map(|c| (c, Direction::Older))
        .or_else(|| parse(field(fields, "newer")).map(|c| (c, Direction::Newer)))
}

/// `at.id` (sign-ins) as a cursor.
fn sign_in_cursor(fields: &[(String, String)]) -> Option<((i64, String), Direction)> {
    let parse = |text: String| {
        let (at, id) = text.split_once('.')?;
        (id.len() <= 40).then_some(())?;
        Some((at.parse().ok()?, id.to_owned()))
    };
    parse(field(fields, "older"))
        .map(|c| (c, Direction::Older))
        .or_else(|| parse(field(fields, "newer")).map(|c| (c, Direction::Newer)))
}

/// A link to `path` with `pairs` (empty ones left out).
fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let pairs: Vec<_> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    if pairs.is_empty() {
        return path.to_owned();
    }
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn trail_form(fields: &[(String, String)]) -> TrailForm {
    TrailForm {
        staff: field(fields, "staff"),
        person: field(fields, "person"),
        family: field(fields, "family"),
        from: field(fields, "from"),
        to: field(fields, "to"),
    }
}

fn trail_search(form: &TrailForm, fields: &[(String, String)]) -> TrailSearch {
    TrailSearch {
        staff: some(&form.staff),
        person: some(&form.person),
        family: some(&form.family),
        from: some(&form.from),
        to: some(&form.to),
        cursor: trail_cursor(fields),
    }
}

fn trail_pairs(form: &TrailForm) -> [(&'static str, &str); 5] {
    [
        ("staff", form.staff.as_str()),
        ("person", form.person.as_str()),
        ("family", form.family.as_str()),
        ("from", form.from.as_str()),
        ("to", form.to.as_str()),
    ]
}

/// A refusal a page shows beside its form (4xx); anything else is the error page.
fn refusal(e: application::AppError) -> Result<ApiError, StaffPageError> {
    let e = ApiError::from(e);
    if e.status_code().is_client_error()
        && !matches!(
            e.status_code(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        )
    {
        Ok(e)
    } else {
        Err(e.into())
    }
}

/// `GET /s/audit?staff&person&family&from&to&older|newer`: the trail, newest first.
async fn trail(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let overseer = application::access::overseer(page.caller.staff())?;
    let fields = query_fields(&req);
    let form = trail_form(&fields);
    let pairs = trail_pairs(&form);
    let staff = page.frame(Text::SAudit, "/s/audit");
    let labels = Labels(staff.page.l);
    let csv_href = href("/s/audit.csv", &pairs);
    let result = desk::trail(
        &state.app,
        &overseer,
        trail_search(&form, &fields),
        desk::PAGE_ROWS,
    )
    .await;
    let (status, body) = match result {
        Ok(trail) => {
            let link = |key: &'static str, c: Cursor| {
                let at = format!("{}.{}", c.at, c.seq);
                let mut all = pairs.to_vec();
                all.push((key, at.as_str()));
                href("/s/audit", &all)
            };
            (
                StatusCode::OK,
                TrailPageView {
                    staff,
                    labels,
                    newer_href: trail.newer.map(|c| link("newer", c)),
                    older_href: trail.older.map(|c| link("older", c)),
                    form,
                    lines: trail.lines,
                    staff_names: trail.staff,
                    no_match: trail.no_match,
                    refused: None,
                    csv_href,
                },
            )
        }
        Err(e) => {
            let e = refusal(e)?;
            (
                e.status_code(),
                TrailPageView {
                    staff,
                    labels,
                    refused: Some(e.message()),
                    form,
                    lines: Vec::new(),
                    staff_names: state.vault.staff_names().await?,
                    no_match: None,
                    newer_href: None,
                    older_href: None,
                    csv_href,
                },
            )
        }
    };
    Ok(render(&req, &state, status, body))
}

/// A CSV download (`Content-Disposition: attachment`, never cached).
pub(crate) fn csv_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Type", "text/csv; charset=utf-8"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}

/// `GET /s/audit.csv?…`: the same search as the page, every matching row, newest first,
/// with Japanese headers (UTF-8 with a byte-order mark, no cell starting a formula).
async fn trail_csv(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let overseer = application::access::overseer(page.caller.staff())?;
    let fields = query_fields(&req);
    let form = trail_form(&fields);
    let mut search = trail_search(&form, &fields);
    search.cursor = None;
    let trail = desk::trail_all(&state.app, &overseer, search, CSV_CAP).await?;
    let bytes = crate::audit_csv::trail(&trail.lines).map_err(|e| ApiError::internal(&e))?;
    Ok(csv_response("kakunin-audit-trail.csv", bytes))
}

fn sign_in_form(fields: &[(String, String)]) -> SignInForm {
    SignInForm {
        username: field(fields, "username"),
        from: field(fields, "from"),
        to: field(fields, "to"),
    }
}

/// `GET /s/sign-ins?username&from&to&older|newer`: the staff sign-in history.
async fn sign_ins(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let overseer = application::access::overseer(page.caller.staff())?;
    let fields = query_fields(&req);
    let form = sign_in_form(&fields);
    let pairs = [
        ("username", form.username.as_str()),
        ("from", form.from.as_str()),
        ("to", form.to.as_str()),
    ];
    let staff = page.frame(Text::SSignIns, "/s/sign-ins");
    let labels = Labels(staff.page.l);
    let csv_href = href("/s/sign-ins.csv", &pairs);
    let search = SignInSearch {
        username: some(&form.username),
        from: some(&form.from),
        to: some(&form.to),
        cursor: sign_in_cursor(&fields),
    };
    let (status, body) = match desk::sign_ins(&state.app, &overseer, search, desk::PAGE_ROWS).await
    {
        Ok((history, staff_names)) => {
            let link = |key: &'static str, (at, id): (i64, String)| {
                let at = format!("{at}.{id}");
                let mut all = pairs.to_vec();
                all.push((key, at.as_str()));
                href("/s/sign-ins", &all)
            };
            (
                StatusCode::OK,
                SignInsPageView {
                    staff,
                    labels,
                    newer_href: history.newer.map(|c| link("newer", c)),
                    older_href: history.older.map(|c| link("older", c)),
                    form,
                    lines: history.lines,
                    refused: None,
                    staff_names,
                    csv_href,
                },
            )
        }
        Err(e) => {
            let e = refusal(e)?;
            (
                e.status_code(),
                SignInsPageView {
                    staff,
                    labels,
                    refused: Some(e.message()),
                    form,
                    lines: Vec::new(),
                    staff_names: state.vault.staff_names().await?,
                    newer_href: None,
                    older_href: None,
                    csv_href,
                },
            )
        }
    };
    Ok(render(&req, &state, status, body))
}

/// `GET /s/sign-ins.csv?…`: the same search as the page, every matching attempt.
async fn sign_ins_csv(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let overseer = application::access::overseer(page.caller.staff())?;
    let fields = query_fields(&req);
    let form = sign_in_form(&fields);
    let mut lines = Vec::new();
    let mut cursor = None;
    loop {
        let search = SignInSearch {
            username: some(&form.username),
            from: some(&form.from),
            to: some(&form.to),
            cursor: cursor.map(|c| (c, Direction::Older)),
        };
        let (history, _) = desk::sign_ins(&state.app, &overseer, search, 500).await?;
        lines.extend(history.lines);
        match history.older {
            Some(c) if lines.len() < CSV_CAP => cursor = Some(c),
            _ => break,
        }
    }
    let bytes = crate::audit_csv::sign_ins(&lines).map_err(|e| ApiError::internal(&e))?;
    Ok(csv_response("kakunin-sign-ins.csv", bytes))
}

/// `GET /s/audit/reviews`: reviews, unreviewed months, and (auditors) the sign-off form,
/// filled with the oldest unreviewed month.
async fn reviews(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let overseer = application::access::overseer(page.caller.staff())?;
    let reviewed = desk::review_desk(&state.app, &overseer).await?;
    let (default_from, default_to) = reviewed
        .unreviewed
        .first()
        .map(|m| {
            let last = storage::audit_desk::next_month(*m)
                .previous_day()
                .unwrap_or(*m);
            (m.to_string(), last.min(reviewed.today).to_string())
        })
        .unwrap_or_else(|| {
            // Nothing left unreviewed: this month so far.
            let today = reviewed.today;
            let first = today.replace_day(1).unwrap_or(today);
            (first.to_string(), today.to_string())
        });
    let staff = page.frame(Text::SAuditReviews, "/s/audit/reviews");
    let body = AuditReviewsPageView {
        labels: Labels(staff.page.l),
        staff,
        desk: reviewed,
        can_sign_off: page.caller.session.role == Role::Auditor,
        default_from,
        default_to,
        due_day: state
            .settings
            .alerts
            .rules()
            .map(|r| r.audit_review_due_day)
            .unwrap_or(10),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `POST /s/audit/reviews`: `csrf`, `from`, `to`, one `looked_at` per ticked box, `remarks`.
async fn sign_off(
    state: State,
    page: StaffPage,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, StaffPageError> {
    let fields = form.into_inner();
    page.check_csrf(&field(&fields, "csrf"))?;
    let auditor = application::access::auditor(page.caller.staff())?;
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let sign_off = ReviewSignOff {
        from: value("from"),
        to: value("to"),
        looked_at: fields
            .iter()
            .filter(|(k, _)| k == "looked_at")
            .map(|(_, v)| v.clone())
            .collect(),
        remarks: value("remarks"),
    };
    match desk::sign_off_review(&state.app, &auditor, sign_off).await {
        Ok(_) => Ok(see_other(
            &state,
            "/s/audit/reviews",
            Some(Flash::info(Text::SReviewRecorded)),
        )),
        Err(e) => {
            let e = refusal(e)?;
            Ok(see_other(
                &state,
                "/s/audit/reviews#sign-off",
                Some(Flash::error(e.message(), "form")),
            ))
        }
    }
}
