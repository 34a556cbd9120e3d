//! The auditors' and admins' pages (read-only, never a number): the
//! three ledgers as tables with their CSV downloads, alerts, incident records and the
//! sign-in history (the trail and the reviews are in `audit_desk`). Each read goes through the same function as `/api/v1/admin/…` and
//! is itself an audit entry where the API's is.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use application::access::Overseer;
use application::error::Invalid;
use application::{AppError, incidents};
use portal::Text;
use portal::staff::{AlertsPage, IncidentScopePage, LedgerPage};
use storage::incidents::IncidentStep;
use storage::staff::Role;
use uuid::Uuid;

use super::{StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::ledgers::Ledger;
use crate::page::{Flash, render, see_other};
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/ledgers/{ledger}").get(ledger))
        .service(crate::routes::endpoint("/s/ledgers/{ledger}/csv").get(ledger_download))
        .service(crate::routes::endpoint("/s/alerts").get(alerts))
        .service(crate::routes::endpoint("/s/incidents").post(open_incident))
        .service(crate::routes::endpoint("/s/incidents/{id}/steps").post(incident_step))
        .service(crate::routes::endpoint("/s/incidents/{id}/scope").post(incident_scope));
}

/// The page's caller, if an auditor or an admin, with their capability.
fn overseer(page: StaffPage) -> Result<(StaffPage, Overseer), StaffPageError> {
    let page = page.require(&[Role::Auditor, Role::Admin])?;
    let overseer = application::access::overseer(page.caller.staff())?;
    Ok((page, overseer))
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
            &crate::routes::admin::file_ledger_entries(state, &overseer).await?,
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
    let (page, _) = overseer(page)?;
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
    let (page, _) = overseer(page)?;
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
    let (page, overseer) = overseer(page)?;
    let overview = incidents::overview(&state.app, &overseer, 30).await?;
    let body = AlertsPage {
        staff: page.frame(Text::SAlerts, "/s/alerts"),
        alerts: overview.alerts,
        sign_ins: overview.sign_ins,
        incidents: overview.incidents,
        staff_names: overview.staff_names,
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
fn back(state: &State, result: Result<(), AppError>) -> Result<HttpResponse, StaffPageError> {
    use actix_web::ResponseError;
    match result.map_err(ApiError::from) {
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
    let (page, overseer) = overseer(page)?;
    page.check_csrf(&form.csrf)?;
    let result = incidents::open(&state.app, &overseer, &form.title, &form.description)
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
    let (page, overseer) = overseer(page)?;
    page.check_csrf(&form.csrf)?;
    let result = incidents::record_step(
        &state.app,
        &overseer,
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

/// `POST /s/incidents/{id}/scope`: usernames and a period of whole days (Japan time);
/// shows the people affected and records the step.
async fn incident_scope(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<ScopeForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, overseer) = overseer(page)?;
    page.check_csrf(&form.csrf)?;
    let (Some(from), Some(to)) = (
        application::audit_desk::parse_day(&form.from),
        application::audit_desk::parse_day(&form.to),
    ) else {
        return back(&state, Err(AppError::Invalid(Invalid::Request)));
    };
    let scoped = incidents::establish_scope_of_usernames(
        &state.app,
        &overseer,
        path.into_inner(),
        &form.accounts,
        &incidents::Period::days(from, to),
    )
    .await;
    let (title, scope) = match scoped {
        Ok(scoped) => scoped,
        Err(e) => return back(&state, Err(e)),
    };
    let body = IncidentScopePage {
        staff: page.frame(Text::SScopeTitle, "/s/alerts"),
        title,
        scope,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}
