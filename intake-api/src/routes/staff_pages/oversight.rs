//! The auditors' and admins' pages (read-only, never a number): the trail searched, the
//! three ledgers as tables with their CSV downloads, alerts, incident records and the
//! sign-in history. Each read goes through the same function as `/api/v1/admin/…` and
//! is itself an audit entry where the API's is.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use portal::Text;
use portal::staff::{AlertsPage, AuditPage, AuditSearchView, LedgerPage};
use storage::staff::Role;

use super::{StaffPage, StaffPageError};
use crate::error::ApiError;
use crate::ledgers::Ledger;
use crate::routes::admin::{AuditSearch, ledger_csv, run_audit_search};
use crate::routes::provider::pages::render;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/s/audit", web::get().to(audit))
        .route("/s/ledgers/{ledger}", web::get().to(ledger))
        .route("/s/alerts", web::get().to(alerts));
}

fn overseer(page: StaffPage) -> Result<StaffPage, StaffPageError> {
    page.require(&[Role::Auditor, Role::Admin])
}

/// `GET /s/audit?actor&action&about&from&to&after`.
async fn audit(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    query: web::Query<AuditSearch>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    // A form sends its empty fields: on the page they mean "any" (the API refuses them).
    let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let search = query.into_inner();
    let search = AuditSearch {
        actor: nonempty(search.actor),
        action: nonempty(search.action),
        about: nonempty(search.about),
        from: nonempty(search.from),
        to: nonempty(search.to),
        ..search
    };
    let view = AuditSearchView {
        actor: search.actor.clone().unwrap_or_default(),
        action: search.action.clone().unwrap_or_default(),
        about: search.about.clone().unwrap_or_default(),
        from: search.from.clone().unwrap_or_default(),
        to: search.to.clone().unwrap_or_default(),
    };
    let (entries, next_after) = run_audit_search(&state, &page.caller, search).await?;
    let next_href = next_after.map(|after| {
        let query = serde_urlencoded::to_string([
            ("actor", view.actor.as_str()),
            ("action", view.action.as_str()),
            ("about", view.about.as_str()),
            ("from", view.from.as_str()),
            ("to", view.to.as_str()),
            ("after", &after.to_string()),
        ])
        .unwrap_or_default();
        format!("/s/audit?{query}")
    });
    let body = AuditPage {
        staff: page.frame(Text::SAudit, "/s/audit"),
        search: view,
        entries,
        next_href,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `GET /s/ledgers/{files|exports|disposals}`: the same CSV as the download, as a table.
async fn ledger(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Ledger>,
) -> Result<HttpResponse, StaffPageError> {
    let page = overseer(page)?;
    let ledger = path.into_inner();
    let bytes = ledger_csv(&state, &page.caller, ledger, false).await?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| ApiError::internal(&e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
        .collect::<Result<Vec<Vec<String>>, _>>()
        .map_err(|e| ApiError::internal(&e))?;
    let body = LedgerPage {
        staff: page.frame(Text::SLedgers, &format!("/s/ledgers/{}", ledger.code())),
        ledger: ledger.code(),
        header,
        rows,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
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
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}
