//! Staff session API: sign in, who am I, TOTP enrolment and confirmation, sign out.

use actix_web::{HttpRequest, HttpResponse, web};
use application::access;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::ratelimit::LimitClass;
use crate::staff_auth::{self, SignInRequest, StaffCaller};
use crate::startup::State;

/// Mounts `/api/v1/staff/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/staff")
            .service(
                crate::routes::endpoint("/session")
                    .post(sign_in)
                    .get(whoami)
                    .delete(sign_out),
            )
            .service(crate::routes::endpoint("/totp/enrol").post(enrol_totp))
            .service(crate::routes::endpoint("/totp/confirm").post(confirm_totp))
            .service(crate::routes::endpoint("/password").post(change_password)),
    );
}

/// `POST /api/v1/staff/session` `{"username", "password", "totp"? | "recovery_code"?}`
/// → the cookie, and `{"csrf_token", "role", "second_factor_done"}`.
async fn sign_in(
    req: HttpRequest,
    state: State,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, ApiError> {
    if let Some(ip) = crate::client_ip::client_ip(&req, &state.settings.trusted_proxies) {
        state
            .limits
            .check(LimitClass::SignIn, ip)
            .map_err(ApiError::too_many_requests)?;
    }
    let signed_in = staff_auth::sign_in(&state, &req, body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .cookie(staff_auth::session_cookie(
            &signed_in.token,
            !state.settings.insecure_http,
        ))
        .json(serde_json::json!({
            "csrf_token": signed_in.csrf_token,
            "role": signed_in.role,
            "second_factor_done": signed_in.second_factor_done,
        })))
}

/// A password change: the current password and a TOTP code, then the new one (all wiped
/// when dropped).
#[derive(Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
struct PasswordChange {
    current_password: String,
    totp: String,
    new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// `POST /api/v1/staff/password` `{"current_password", "totp", "new_password"}` → 204; the
/// account's other sessions end.
async fn change_password(
    state: State,
    me: staff_auth::SignedIn,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let current = staff_auth::StepUp {
        password: body.current_password.clone(),
        totp: body.totp.clone(),
    };
    let new_password = Zeroizing::new(body.new_password.clone());
    application::staff_accounts::change_own_password(
        &state.app,
        me.access(),
        &current,
        &new_password,
        &me.0.tag,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/staff/session`: the signed-in account.
async fn whoami(caller: StaffCaller) -> HttpResponse {
    let s = &caller.session;
    HttpResponse::Ok().json(serde_json::json!({
        "account_id": s.account_id,
        "username": s.username,
        "role": s.role,
        "totp_enrolled": s.totp_enrolled,
        "second_factor_done": s.second_factor_done,
        "absolute_expires_at": s.absolute_expires_at,
    }))
}

/// `DELETE /api/v1/staff/session`: sign out.
async fn sign_out(state: State, caller: StaffCaller) -> Result<HttpResponse, ApiError> {
    let staff = access::signed_in(caller.staff());
    application::auth::sign_out(&state.app, &staff, &caller.tag).await?;
    Ok(HttpResponse::NoContent()
        .cookie(staff_auth::cleared_cookie(!state.settings.insecure_http))
        .finish())
}

/// `POST /api/v1/staff/totp/enrol` → `{"secret", "otpauth_uri"}`; the secret is kept
/// (encrypted) until a first code confirms it.
async fn enrol_totp(state: State, caller: StaffCaller) -> Result<HttpResponse, ApiError> {
    let secret = start_totp_enrolment(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "secret": data_encoding::BASE32_NOPAD.encode(&secret),
        "otpauth_uri": staff_auth::otpauth_uri(&caller.session.username, &secret),
    })))
}

/// A new TOTP secret for the caller (`application::auth::start_totp_enrolment`).
pub(crate) async fn start_totp_enrolment(
    state: &State,
    caller: &StaffCaller,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let staff = access::signed_in(caller.staff());
    Ok(
        application::auth::start_totp_enrolment(&state.app, &staff, caller.session.totp_enrolled)
            .await?,
    )
}

#[derive(Debug, Deserialize)]
struct ConfirmBody {
    code: String,
}

/// `POST /api/v1/staff/totp/confirm` `{"code"}` → `{"recovery_codes": […]}` (shown once);
/// the session is then past the second factor.
async fn confirm_totp(
    state: State,
    caller: StaffCaller,
    body: web::Json<ConfirmBody>,
) -> Result<HttpResponse, ApiError> {
    let codes = finish_totp_enrolment(&state, &caller, &body.code).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "recovery_codes": codes })))
}

/// Confirms the pending secret (`application::auth::finish_totp_enrolment`).
pub(crate) async fn finish_totp_enrolment(
    state: &State,
    caller: &StaffCaller,
    code: &str,
) -> Result<Vec<String>, ApiError> {
    let staff = access::signed_in(caller.staff());
    Ok(application::auth::finish_totp_enrolment(&state.app, &staff, &caller.tag, code).await?)
}
