//! The auditors' and admins' pages (read-only, never a number): the
//! three ledgers as tables with their CSV downloads, alerts, incident records and the
//! sign-in history (the trail and the reviews are in `audit_desk`). Each read goes through the same function as `/api/v1/admin/…` and
//! is itself an audit entry where the API's is.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use portal::Text;
use portal::staff::{AlertsPage, IncidentScopePage, LedgerPage};
use storage::incidents::IncidentStep;
use storage::staff::Role;
use uuid::Uuid;

use super::{StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::ledgers::Ledger;
use crate::routes::admin::incidents::{establish_scope, open_record, record_step};
use crate::routes::provider::pages::{Flash, render, see_other};
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/ledgers/{ledger}").get(ledger))
        .service(crate::routes::endpoint("/s/ledgers/{ledger}/csv").get(ledger_download))
        .service(crate::routes::endpoint("/s/alerts").get(alerts))
        .service(crate::routes::endpoint("/s/incidents").post(open_incident))
        .service(crate::routes::endpoint("/s/incidents/{id}/steps").post(incident_step))
        .service(crate::routes::endpoint("/s/incidents/{id}/scope").post(incident_scope));
}

fn overseer(page: StaffPage) -> Result<StaffPage, StaffPageError> {
    page.require(&[Role::Auditor, Role::Admin])
}

/// A ledger's header and rows for people: the export and disposal ledgers with names and
/// Japan time (`application::audit_desk`); the file ledger with roles and scopes in
/// words. Each is laid out once (`portal::audit_desk`) for the page and its download.
async fn ledger_table(
    state: &State,
    page: &StaffPage,
    ledger: Ledger,
) -> Result<(Vec<String>, Vec<Vec<String>>), StaffPageError> {
    let overseer = application::access::overseer(page.caller.staff())?;
    Ok(match ledger {
        Ledger::Exports => portal::audit_desk::export_table(
            &application::audit_desk::export_ledger(&state.app, &overseer).await?,
        ),
        Ledger::Disposals => portal::audit_desk::disposal_table(
            &application::audit_desk::disposal_ledger(&state.app, &overseer).await?,
        ),
        Ledger::Files => portal::audit_desk::file_table(
            &crate::routes::admin::file_ledger_entries(state, &page.caller).await?,
        ),
    })
}

/// `GET /s/ledgers/{files|exports|disposals}`: a ledger as a table, with its CSV download.
async fn ledger(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Ledger>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    let ledger = path.into_inner();
    let (header, rows) = ledger_table(&state, &page, ledger).await?;
    let body = LedgerPage {
        staff: page.frame(Text::SLedgers, &format!("/s/ledgers/{}", ledger.code())),
        ledger: ledger.code(),
        header,
        rows,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `GET /s/ledgers/{ledger}/csv`: the table of the page as a CSV file for people (UTF-8
/// with a byte-order mark, Japanese headers, no cell starting a formula).
async fn ledger_download(
    state: State,
    page: StaffPage,
    path: web::Path<Ledger>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    let ledger = path.into_inner();
    let (header, rows) = ledger_table(&state, &page, ledger).await?;
    let mut out = verifier::csv_file::CsvFile::for_people();
    let written = std::iter::once(&header)
        .chain(&rows)
        .try_for_each(|row| out.row(row))
        .and_then(|()| out.finish());
    let bytes = written.map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Type", "text/csv; charset=utf-8"))
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"kakunin-{}-ledger.csv\"",
                ledger.code()
            ),
        ))
        .body(bytes.to_vec()))
}

/// `GET /s/alerts`: alerts of the last 30 days, incident records, the latest sign-ins.
async fn alerts(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    let since =
        (time::OffsetDateTime::now_utc() - time::Duration::days(30)).unix_timestamp() * 1000;
    let body = AlertsPage {
        staff: page.frame(Text::SAlerts, "/s/alerts"),
        alerts: state.vault.alerts(since).await?,
        sign_ins: state.vault.sign_in_history(500).await?,
        incidents: state.vault.incident_records().await?,
        staff_names: state.vault.staff_names().await?,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(serde::Deserialize)]
struct OpenIncidentForm {
    csrf: String,
    title: String,
    #[serde(default)]
    description: String,
}

/// A refusal of an incident form goes back to the alerts page as a flash.
fn back(state: &State, result: Result<(), ApiError>) -> Result<HttpResponse, StaffPageError> {
    use actix_web::ResponseError;
    match result {
        Ok(()) => Ok(see_other(
            state,
            "/s/alerts#incidents",
            Some(Flash::info(Text::SRecordedDone)),
        )),
        Err(e) if e.status_code().is_client_error() => Ok(see_other(
            state,
            "/s/alerts#incidents",
            Some(Flash::error(e.message(), "form")),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /s/incidents`: opens an incident record.
async fn open_incident(
    state: State,
    page: StaffPage,
    form: web::Form<OpenIncidentForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    page.check_csrf(&form.csrf)?;
    let result = open_record(&state, &page.caller, &form.title, &form.description)
        .await
        .map(drop);
    back(&state, result)
}

#[derive(serde::Deserialize)]
struct StepForm {
    csrf: String,
    step: IncidentStep,
    #[serde(default)]
    text: String,
}

/// `POST /s/incidents/{id}/steps`: note, reported, notified, closed.
async fn incident_step(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    page.check_csrf(&form.csrf)?;
    let result = record_step(
        &state,
        &page.caller,
        path.into_inner(),
        form.step,
        &form.text,
    )
    .await;
    back(&state, result)
}

#[derive(serde::Deserialize)]
struct ScopeForm {
    csrf: String,
    accounts: String,
    from: String,
    to: String,
}

/// Midnight in Japan of a `YYYY-MM-DD` date, as Unix ms and RFC 3339.
fn jst_midnight(date: time::Date) -> (i64, String) {
    let at = date.midnight().assume_offset(time::macros::offset!(+9));
    let text = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    (at.unix_timestamp() * 1000, text)
}

/// `POST /s/incidents/{id}/scope`: usernames and a period of whole days (Japan time);
/// shows the people affected and records the step.
async fn incident_scope(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<ScopeForm>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    page.check_csrf(&form.csrf)?;
    let incident = path.into_inner();
    let title = state
        .vault
        .incident_records()
        .await?
        .into_iter()
        .find(|r| r.incident_id == incident)
        .map(|r| r.title)
        .ok_or_else(ApiError::not_found)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let dates = time::Date::parse(form.from.trim(), &format)
        .and_then(|from| Ok((from, time::Date::parse(form.to.trim(), &format)?)));
    let Ok((from, to)) = dates else {
        return back(&state, Err(ApiError::invalid(portal::Message::BadRequest)));
    };
    let mut actors = Vec::new();
    for username in form
        .accounts
        .split([',', ' ', '、', '\n'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        match state.vault.staff_credentials(username).await? {
            Some(account) => actors.push(format!("staff:{}", account.account_id)),
            None => return back(&state, Err(ApiError::not_found())),
        }
    }
    let from = jst_midnight(from);
    let to = jst_midnight(to.next_day().unwrap_or(to));
    let scope = match establish_scope(
        &state,
        &page.caller,
        incident,
        &actors,
        (from.0, &from.1),
        (to.0, &to.1),
    )
    .await
    {
        Ok(scope) => scope,
        Err(e) => return back(&state, Err(e)),
    };
    let body = IncidentScopePage {
        staff: page.frame(Text::SScopeTitle, "/s/alerts"),
        title,
        scope,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}
