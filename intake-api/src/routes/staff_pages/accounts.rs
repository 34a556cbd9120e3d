//! The admin's desk: staff accounts (`/s/accounts`), payroll clients and payroll's
//! recipient (`/s/payroll-clients`) and the periodic access review (`/s/access-review`).
//! Thin adapters over `application::staff_accounts`, `payroll_recipient` and
//! `access_review`, the same
//! functions as `/api/v1/admin/…` and the command line, so dual control (proposer ≠
//! approver, never about oneself), the step-up and the audit trail are the same whichever
//! door is used. No page shows a password or an activation link; a rotated payroll token is
//! shown once, on the answer to the rotation.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::access::Admin;
use application::staff_accounts::{self, GrantApproved};
use application::{access::admin as admin_access, access_review, payroll_recipient};
use portal::Text;
use portal::staff_admin::{
    AccessReviewPage, AccountsPage, BranchesPage, PayrollClientsPage, ReviewLine,
};
use serde::Deserialize;
use storage::staff::Role;
use storage::staff_lifecycle::{AccountChangeKind, AccountChangeOutcome};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::duties::{StepUpForm, back_with};
use super::{CsrfOnly, StaffPage, StaffPageError};
use crate::activation::{Delivery, deliver};
use crate::error::ApiError;
use crate::page::render;
use crate::routes::admin::grants::parse_grant;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::routes::endpoint("/s/accounts").get(accounts))
        .service(crate::routes::endpoint("/s/accounts/grants").post(propose_grant))
        .service(crate::routes::endpoint("/s/accounts/grants/{id}/approve").post(approve_grant))
        .service(crate::routes::endpoint("/s/accounts/grants/{id}/withdraw").post(withdraw_grant))
        .service(crate::routes::endpoint("/s/accounts/{id}/disable").post(disable))
        .service(crate::routes::endpoint("/s/accounts/{id}/changes").post(propose_change))
        .service(crate::routes::endpoint("/s/accounts/changes/{id}/approve").post(approve_change))
        .service(crate::routes::endpoint("/s/accounts/changes/{id}/withdraw").post(withdraw_change))
        .service(crate::routes::endpoint("/s/payroll-clients").get(payroll_clients))
        .service(crate::routes::endpoint("/s/payroll-clients/revoke").post(revoke_client))
        .service(crate::routes::endpoint("/s/payroll-clients/rotate").post(rotate_client))
        .service(crate::routes::endpoint("/s/payroll-clients/recipient").post(propose_recipient))
        .service(
            crate::routes::endpoint("/s/payroll-clients/recipient/{id}/approve")
                .post(approve_recipient),
        )
        .service(
            crate::routes::endpoint("/s/payroll-clients/recipient/{id}/withdraw")
                .post(withdraw_recipient),
        )
        .service(
            crate::routes::endpoint("/s/access-review")
                .get(access_review)
                .post(sign_off),
        )
        .service(
            crate::routes::endpoint(BRANCHES)
                .get(branches)
                .post(name_branch),
        );
}

/// The page's caller as an admin (past the second factor), with the capability the use
/// cases take.
fn admin(page: StaffPage) -> Result<(StaffPage, Admin), StaffPageError> {
    let page = page.require(&[Role::Admin])?;
    let admin = admin_access(page.caller.staff())?;
    Ok((page, admin))
}

const ACCOUNTS: &str = "/s/accounts";

/// `GET /s/accounts`.
async fn accounts(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let body = AccountsPage {
        staff: page.frame(Text::SAccounts, ACCOUNTS),
        accounts: staff_accounts::accounts(&state.app, &admin).await?,
        grants: staff_accounts::pending_grants(&state.app, &admin).await?,
        changes: staff_accounts::pending_changes(&state.app, &admin).await?,
        me: admin.id().uuid(),
        roles: Role::ALL,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(Deserialize)]
struct GrantForm {
    csrf: String,
    username: String,
    role: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    email: String,
}

/// `POST /s/accounts/grants`: a new account or a change of rights, for a second admin.
async fn propose_grant(
    state: State,
    page: StaffPage,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let scopes: Vec<String> = form
        .scopes
        .split([',', '、', ' ', '　'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let result = match parse_grant(
        &form.username,
        &form.role,
        &scopes,
        Some(form.email.as_str()),
    ) {
        Ok((username, role, scopes, email)) => staff_accounts::propose_grant(
            &state.app,
            &admin,
            &username,
            role,
            &scopes,
            email.as_ref(),
        )
        .await
        .map(|_| Text::SAdminProposed)
        .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    back_with(&state, ACCOUNTS, result)
}

/// `POST /s/accounts/grants/{id}/approve`: a second admin, with the password and a code
/// again; a new account's link goes to its holder (the flash says how, never the link).
async fn approve_grant(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<StepUpForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let (csrf, step_up) = form.into_inner().step_up();
    page.check_csrf(&csrf)?;
    let result = match staff_accounts::approve_grant(
        &state.app,
        &admin,
        path.into_inner(),
        &step_up,
    )
    .await
    {
        Ok(GrantApproved::Created(issued)) => Ok(match deliver(&state, issued).await {
            Delivery::Email => Text::SGrantApprovedEmail,
            Delivery::Console => Text::SGrantApprovedConsole,
        }),
        Ok(GrantApproved::Changed(_)) => Ok(Text::SGrantApprovedChanged),
        Err(e) => Err(ApiError::from(e)),
    };
    back_with(&state, ACCOUNTS, result)
}

/// `POST /s/accounts/grants/{id}/withdraw`.
async fn withdraw_grant(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = staff_accounts::withdraw_grant(&state.app, &admin, path.into_inner())
        .await
        .map(|()| Text::SWithdrawnDone)
        .map_err(ApiError::from);
    back_with(&state, ACCOUNTS, result)
}

/// `POST /s/accounts/{id}/disable`: one admin, at once.
async fn disable(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = staff_accounts::disable(&state.app, &admin, path.into_inner().into())
        .await
        .map(|()| Text::SDisabledDone)
        .map_err(ApiError::from);
    back_with(&state, ACCOUNTS, result)
}

#[derive(Deserialize)]
struct ChangeForm {
    csrf: String,
    kind: String,
}

/// `POST /s/accounts/{id}/changes` (`kind`: `reset_credentials` or `enable`).
async fn propose_change(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let kind: AccountChangeKind = form
        .kind
        .parse()
        .map_err(|_| ApiError::invalid(portal::Message::BadRequest))?;
    let result = staff_accounts::propose_change(&state.app, &admin, path.into_inner().into(), kind)
        .await
        .map(|_| Text::SAdminProposed)
        .map_err(ApiError::from);
    back_with(&state, ACCOUNTS, result)
}

/// `POST /s/accounts/changes/{id}/approve`: a second admin, not the holder, with the
/// step-up; a reset's new link goes to the holder.
async fn approve_change(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<StepUpForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let (csrf, step_up) = form.into_inner().step_up();
    page.check_csrf(&csrf)?;
    let result =
        match staff_accounts::approve_change(&state.app, &admin, path.into_inner(), &step_up).await
        {
            Ok(AccountChangeOutcome::Reset(issued)) => Ok(match deliver(&state, issued).await {
                Delivery::Email => Text::SGrantApprovedEmail,
                Delivery::Console => Text::SGrantApprovedConsole,
            }),
            Ok(AccountChangeOutcome::Enabled(_)) => Ok(Text::SEnabledDone),
            Err(e) => Err(ApiError::from(e)),
        };
    back_with(&state, ACCOUNTS, result)
}

/// `POST /s/accounts/changes/{id}/withdraw`.
async fn withdraw_change(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = staff_accounts::withdraw_change(&state.app, &admin, path.into_inner())
        .await
        .map(|()| Text::SWithdrawnDone)
        .map_err(ApiError::from);
    back_with(&state, ACCOUNTS, result)
}

const PAYROLL_CLIENTS: &str = "/s/payroll-clients";

async fn payroll_page(
    req: &HttpRequest,
    state: &State,
    page: &StaffPage,
    admin: &Admin,
    new_token: Option<(String, Zeroizing<String>)>,
) -> Result<HttpResponse, StaffPageError> {
    let recipient = payroll_recipient::state(&state.app, admin).await?;
    let names = staff_accounts::accounts(&state.app, admin).await?;
    let name_of = |id: Uuid| {
        names
            .iter()
            .find(|a| a.account_id == id)
            .map(|a| a.username.clone())
            .unwrap_or_default()
    };
    let body = PayrollClientsPage {
        staff: page.frame(Text::SPayrollClients, PAYROLL_CLIENTS),
        clients: staff_accounts::payroll_clients(&state.app, admin).await?,
        new_token,
        recipient: recipient.in_force().map(str::to_owned),
        recipient_approved: recipient
            .approved
            .as_ref()
            .and_then(|a| Some((name_of(a.decided_by?), a.decided_at?))),
        recipient_pending: recipient.pending.map(|p| {
            let proposer = name_of(p.proposed_by);
            (p, proposer)
        }),
        me: admin.id().uuid(),
    };
    let mut response = render(req, state, StatusCode::OK, body);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `GET /s/payroll-clients`.
async fn payroll_clients(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    payroll_page(&req, &state, &page, &admin, None).await
}

#[derive(Deserialize)]
struct ClientForm {
    csrf: String,
    name: String,
}

/// `POST /s/payroll-clients/revoke`: at once, for good.
async fn revoke_client(
    state: State,
    page: StaffPage,
    form: web::Form<ClientForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = staff_accounts::revoke_payroll_client_as_admin(&state.app, &admin, &form.name)
        .await
        .map(|_| Text::SClientRevokedDone)
        .map_err(ApiError::from);
    back_with(&state, PAYROLL_CLIENTS, result)
}

/// `POST /s/payroll-clients/rotate`: the new token on this answer only (never a redirect,
/// never a cookie), the old one refused from now on.
async fn rotate_client(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    form: web::Form<ClientForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    match staff_accounts::rotate_payroll_client_token_as_admin(&state.app, &admin, &form.name).await
    {
        Ok(token) => {
            let shown = (form.name.clone(), Zeroizing::new(token.expose().to_owned()));
            payroll_page(&req, &state, &page, &admin, Some(shown)).await
        }
        Err(e) => back_with(&state, PAYROLL_CLIENTS, Err(ApiError::from(e))),
    }
}

#[derive(Deserialize)]
struct RecipientForm {
    csrf: String,
    recipient: String,
}

/// `POST /s/payroll-clients/recipient`: an admin proposes payroll's recipient.
async fn propose_recipient(
    state: State,
    page: StaffPage,
    form: web::Form<RecipientForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = payroll_recipient::propose(&state.app, &admin, &form.recipient)
        .await
        .map(|_| Text::SAdminProposed)
        .map_err(ApiError::from);
    back_with(&state, PAYROLL_CLIENTS, result)
}

/// `POST /s/payroll-clients/recipient/{id}/approve`: a second admin, with the step-up; in
/// force for the next release at once.
async fn approve_recipient(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<StepUpForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let (csrf, step_up) = form.into_inner().step_up();
    page.check_csrf(&csrf)?;
    let result = payroll_recipient::approve(&state.app, &admin, path.into_inner(), &step_up)
        .await
        .map(|_| Text::SRecipientApproved)
        .map_err(ApiError::from);
    back_with(&state, PAYROLL_CLIENTS, result)
}

/// `POST /s/payroll-clients/recipient/{id}/withdraw`.
async fn withdraw_recipient(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = payroll_recipient::withdraw(&state.app, &admin, path.into_inner())
        .await
        .map(|()| Text::SWithdrawnDone)
        .map_err(ApiError::from);
    back_with(&state, PAYROLL_CLIENTS, result)
}

const ACCESS_REVIEW: &str = "/s/access-review";

async fn review_page(
    req: &HttpRequest,
    state: &State,
    page: &StaffPage,
    admin: &Admin,
    refused: Option<ApiError>,
    remarks: String,
) -> Result<HttpResponse, StaffPageError> {
    let sheet = access_review::sheet(&state.app, admin).await?;
    let mut staff = page.frame(Text::SAccessReview, ACCESS_REVIEW);
    let status = match &refused {
        Some(e) => {
            staff.page.error = Some((e.message(), "form"));
            e.status_code()
        }
        None => StatusCode::OK,
    };
    let body = AccessReviewPage {
        staff,
        lines: sheet
            .accounts
            .into_iter()
            .map(|a| ReviewLine {
                account: a.account,
                inactive: a.inactive,
            })
            .collect(),
        grants: sheet.pending_grants,
        changes: sheet.pending_changes,
        reviews: sheet.reviews,
        due_at: sheet.due_at,
        overdue: sheet.overdue,
        inactive_days: sheet.inactive_days,
        remarks,
    };
    Ok(render(req, state, status, body))
}

/// `GET /s/access-review`.
async fn access_review(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    review_page(&req, &state, &page, &admin, None, String::new()).await
}

#[derive(Deserialize)]
struct SignOffForm {
    csrf: String,
    #[serde(default)]
    remarks: String,
}

/// `POST /s/access-review`: the sign-off; refused remarks come back as typed, with why.
async fn sign_off(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    form: web::Form<SignOffForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    match access_review::sign_off(&state.app, &admin, &form.remarks).await {
        Ok(_) => back_with(&state, ACCESS_REVIEW, Ok(Text::SSignedOffDone)),
        Err(e) => {
            let e = ApiError::from(e);
            if e.status_code() == StatusCode::UNPROCESSABLE_ENTITY {
                review_page(&req, &state, &page, &admin, Some(e), form.remarks.clone()).await
            } else {
                Err(e.into())
            }
        }
    }
}

const BRANCHES: &str = "/s/branches";

/// `GET /s/branches`: the named branches and the form to name one.
async fn branches(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, _admin) = admin(page)?;
    let body = BranchesPage {
        staff: page.frame(Text::SBranches, BRANCHES),
        branches: application::branches::list(&state.app).await?,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

#[derive(Deserialize)]
struct BranchForm {
    csrf: String,
    code: String,
    display_name: String,
}

/// `POST /s/branches`: names a branch (or renames it), like `PUT /api/v1/admin/branches/{code}`.
async fn name_branch(
    state: State,
    page: StaffPage,
    form: web::Form<BranchForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let result = application::branches::set_as_admin(
        &state.app,
        &admin,
        form.code.trim(),
        form.display_name.trim(),
    )
    .await
    .map(|()| Text::SBranchSaved)
    .map_err(ApiError::from);
    back_with(&state, BRANCHES, result)
}
