//! Invitations managed by admins: create one or many (the roster), list with each link's
//! state, revoke, re-issue. Creating and re-issuing hand back the links once (tokens are
//! stored hashed) and e-mail them where the person has an address and SMTP is set up; the
//! admins' pages and `/api/v1/admin/invitations` both go through [`issue`] and [`reissue`].

use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use portal::Message;
use portal::roster::{Column, Row};
use serde::{Deserialize, Serialize};
use storage::invitation_admin::{InvitationLine, InvitationQuery, LinkState};
use storage::invitations::{CreatedInvitation, EmailAddress, InvitationKind, NewInvitation};
use storage::org::BranchCode;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::mail::invitation_letter;
use crate::routes::provider::today_in_japan;
use crate::staff_auth::Admin;
use crate::startup::State;
use application::access;

/// What became of a link's e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailOutcome {
    /// Not asked for: the link is on the sheet.
    NotRequested,
    /// The person has no address: the link is on the sheet.
    NoAddress,
    /// SMTP is not set up: the link is on the sheet.
    NotConfigured,
    /// The relay accepted it.
    Sent,
    /// The relay refused it or was unreachable: the link is on the sheet.
    Failed,
}

impl MailOutcome {
    /// Whether the link must be handed over on paper.
    pub fn needs_sheet(self) -> bool {
        self != Self::Sent
    }
}

/// Who a link is for, as the sheet and the e-mail need it.
#[derive(Debug, Clone)]
pub struct Addressee {
    /// Employee or payee.
    pub kind: InvitationKind,
    /// Name.
    pub name: String,
    /// Employee code.
    pub employee_code: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Address.
    pub email: Option<EmailAddress>,
}

impl From<&NewInvitation> for Addressee {
    fn from(new: &NewInvitation) -> Self {
        Self {
            kind: new.kind,
            name: new.name.as_str().to_owned(),
            employee_code: new.employee_code.as_ref().map(|c| c.as_str().to_owned()),
            branch: new.branch.as_ref().map(|c| c.as_str().to_owned()),
            email: new.email.clone(),
        }
    }
}

impl From<&InvitationLine> for Addressee {
    fn from(line: &InvitationLine) -> Self {
        Self {
            kind: line.kind,
            name: line.name.clone(),
            employee_code: line.employee_code.clone(),
            branch: line.branch.clone(),
            email: line
                .email
                .as_deref()
                .and_then(|e| EmailAddress::parse(e).ok()),
        }
    }
}

/// A link just issued: shown once.
#[derive(Debug)]
pub struct Issued {
    /// The invitation.
    pub id: Uuid,
    /// Its submission.
    pub submission_id: Uuid,
    /// Who it is for.
    pub to: Addressee,
    /// The link (a bearer credential).
    pub url: Zeroizing<String>,
    /// When it stops working (Unix ms).
    pub expires_at: i64,
    /// Whether it was e-mailed.
    pub mail: MailOutcome,
}

/// E-mails at most this many links at once (the relay's connection pool).
const MAIL_CONCURRENCY: usize = 4;

/// The letter carrying a link: who it is for, the link, until when.
pub(crate) type LetterFor<'a> = &'a (dyn Fn(&Addressee, &str, i64) -> crate::mail::Letter + Sync);

/// The invitation's own letter.
fn invitation_letter_for(
    state: &State,
) -> impl Fn(&Addressee, &str, i64) -> crate::mail::Letter + Sync + '_ {
    move |to: &Addressee, url: &str, expires_at: i64| {
        invitation_letter(
            &state.settings.portal.organisation_name,
            &to.name,
            to.kind,
            Some(url),
            expires_at,
        )
    }
}

/// Hands each link over: e-mailed where asked and possible (the e-mail's outcome audited),
/// else left for the printed sheet.
pub(crate) async fn deliver(
    state: &State,
    admin: &access::Admin,
    created: Vec<(Addressee, CreatedInvitation)>,
    send_email: bool,
    letter: LetterFor<'_>,
) -> Result<Vec<Issued>, ApiError> {
    let results = futures_util::stream::iter(created)
        .map(|(to, created)| async move {
            let url = Zeroizing::new(state.settings.invitation_url(created.token.expose()));
            let mail = match (&to.email, &state.mailer, send_email) {
                (_, _, false) => MailOutcome::NotRequested,
                (None, _, true) => MailOutcome::NoAddress,
                (Some(_), None, true) => MailOutcome::NotConfigured,
                (Some(address), Some(mailer), true) => {
                    let letter = letter(&to, url.as_str(), created.expires_at);
                    let sent = mailer.send(address, letter).await;
                    if let Err(e) = &sent {
                        tracing::warn!(invitation = %created.id, error = %e, "invitation e-mail not sent");
                    }
                    application::invitations::note_emailed(
                        &state.app,
                        admin,
                        created.id.into(),
                        sent.is_ok(),
                    )
                    .await?;
                    if sent.is_ok() {
                        MailOutcome::Sent
                    } else {
                        MailOutcome::Failed
                    }
                }
            };
            Ok::<_, ApiError>(Issued {
                id: created.id,
                submission_id: created.submission_id,
                to,
                url,
                expires_at: created.expires_at,
                mail,
            })
        })
        .buffered(MAIL_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    results.into_iter().collect()
}

/// Creates the invitations (all or none) and delivers their links.
pub async fn issue(
    state: &State,
    admin: &access::Admin,
    batch: Vec<NewInvitation>,
    send_email: bool,
) -> Result<Vec<Issued>, ApiError> {
    let created = application::invitations::create(&state.app, admin, &batch).await?;
    let pairs = batch.iter().map(Addressee::from).zip(created).collect();
    deliver(
        state,
        admin,
        pairs,
        send_email,
        &invitation_letter_for(state),
    )
    .await
}

/// Replaces an invitation's link and delivers the new one.
pub async fn reissue(
    state: &State,
    admin: &access::Admin,
    id: Uuid,
    send_email: bool,
) -> Result<Issued, ApiError> {
    let (line, created) = application::invitations::reissue(&state.app, admin, id.into()).await?;
    let mut issued = deliver(
        state,
        admin,
        vec![(Addressee::from(&line), created)],
        send_email,
        &invitation_letter_for(state),
    )
    .await?;
    issued.pop().ok_or_else(|| ApiError::internal(&"reissue"))
}

/// Revokes an invitation: 409 when it already is.
pub async fn revoke(state: &State, admin: &access::Admin, id: Uuid) -> Result<(), ApiError> {
    Ok(application::invitations::revoke(&state.app, admin, id.into()).await?)
}

/// A refused row of the API's batch.
#[derive(Debug, Serialize)]
struct RowError {
    index: usize,
    column: &'static str,
    code: &'static str,
    message_ja: &'static str,
    message_en: &'static str,
}

fn column_code(column: Column) -> &'static str {
    match column {
        Column::Kind => "kind",
        Column::EmployeeCode => "employee_code",
        Column::Name => "name",
        Column::NameKana => "name_kana",
        Column::Email => "email",
        Column::Branch => "branch",
        Column::BirthDate => "birth_date",
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    invitations: Vec<Row>,
    #[serde(default)]
    send_email: bool,
}

/// `POST /api/v1/admin/invitations` `{"invitations": [{"kind"?, "employee_code", "name",
/// "name_kana"?, "email"?, "branch"?, "birth_date"?}], "send_email"?}` → 201 `{"items":
/// [{"id", "submission_id", "url", "expires_at", "mail"}]}`, or 422 with every refused
/// field in `rows` and nothing created.
pub(super) async fn create(
    state: State,
    admin: Admin,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let known = portal::roster::Known {
        taken: application::invitations::taken_employee_codes(&state.app, admin.access()).await?,
        branches: application::branches::codes_by_name(&state.app).await?,
    };
    let rows = body.invitations.into_iter().enumerate().collect();
    let batch = match portal::roster::check(
        rows,
        today_in_japan(),
        state.settings.invitation_valid_days,
        &known,
    ) {
        Ok(batch) => batch,
        Err(errors) if errors.iter().all(|e| e.column.is_none()) => {
            // The batch as a whole (empty or too large).
            return Err(ApiError::invalid(errors[0].message));
        }
        Err(errors) => {
            let rows: Vec<RowError> = errors
                .into_iter()
                .filter_map(|e| {
                    e.column.map(|column| RowError {
                        index: e.line,
                        column: column_code(column),
                        code: e.message.code(),
                        message_ja: e.message.ja(),
                        message_en: e.message.en(),
                    })
                })
                .collect();
            let message = Message::BadRequest;
            return Ok(HttpResponse::UnprocessableEntity()
                .insert_header(("Cache-Control", "no-store"))
                .json(serde_json::json!({
                    "error": { "code": message.code(), "message_ja": message.ja(), "message_en": message.en() },
                    "rows": rows,
                })));
        }
    };
    let issued = issue(&state, admin.access(), batch, body.send_email).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "items": issued.iter().map(issued_json).collect::<Vec<_>>() })))
}

pub(crate) fn issued_json(issued: &Issued) -> serde_json::Value {
    serde_json::json!({
        "id": issued.id,
        "submission_id": issued.submission_id,
        "url": issued.url.as_str(),
        "expires_at": issued.expires_at,
        "mail": issued.mail,
    })
}

/// The list's filters (`before` is the last line's `created_at:id`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    pub(crate) link: Option<String>,
    pub(crate) branch: Option<String>,
    pub(crate) employee_code: Option<String>,
    pub(crate) before: Option<String>,
    pub(crate) limit: Option<i64>,
}

impl ListQuery {
    /// The storage query, or 400 for a value that does not parse. Empty fields mean "any".
    pub(crate) fn query(&self) -> Result<InvitationQuery, ApiError> {
        let bad = || ApiError::bad_request(Message::BadRequest);
        let link = given(&self.link)
            .map(|code| LinkState::from_code(code).ok_or_else(bad))
            .transpose()?;
        let branch = given(&self.branch)
            .map(|b| BranchCode::parse(b).map_err(|_| bad()))
            .transpose()?;
        let before = given(&self.before)
            .map(|b| {
                let (at, id) = b.split_once(':').ok_or_else(bad)?;
                Ok::<_, ApiError>((
                    at.parse().map_err(|_| bad())?,
                    Uuid::parse_str(id).map_err(|_| bad())?,
                ))
            })
            .transpose()?;
        Ok(InvitationQuery {
            link,
            branch,
            employee_code: given(&self.employee_code).map(str::to_owned),
            before,
            limit: self.limit.unwrap_or(100),
        })
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The cursor of the page after `lines`, if it was full.
pub(crate) fn next_before(lines: &[InvitationLine], limit: i64) -> Option<String> {
    (lines.len() as i64 >= limit.clamp(1, 500))
        .then(|| lines.last().map(|l| format!("{}:{}", l.created_at, l.id)))
        .flatten()
}

/// `GET /api/v1/admin/invitations?link&branch&employee_code&before&limit` →
/// `{"items": [...], "next_before"}`. No link is ever listed: only its state.
pub(super) async fn list(
    state: State,
    admin: Admin,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.query()?;
    let lines = application::invitations::list(&state.app, admin.access(), &q).await?;
    let next = next_before(&lines, q.limit);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "items": lines, "next_before": next })))
}

/// `POST /api/v1/admin/invitations/{id}/revoke` → 204.
pub(super) async fn revoke_one(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    revoke(&state, admin.access(), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReissueBody {
    #[serde(default)]
    send_email: bool,
}

/// `POST /api/v1/admin/invitations/{id}/reissue` `{"send_email"?}` → `{"id", "url",
/// "expires_at", "mail"}`; the old link stops working.
pub(super) async fn reissue_one(
    state: State,
    admin: Admin,
    path: web::Path<Uuid>,
    body: Option<web::Json<ReissueBody>>,
) -> Result<HttpResponse, ApiError> {
    let send = body.is_some_and(|b| b.send_email);
    let issued = reissue(&state, admin.access(), path.into_inner(), send).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(issued_json(&issued)))
}
