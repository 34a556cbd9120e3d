//! The admins' invitation pages: `/s/invitations` (the list, revoke, re-issue),
//! `/s/invitations/new` (one person, or a roster as a CSV file or pasted), the check page
//! that shows every refused cell or the rows and the exact e-mail, and the printable sheet
//! of links with QR codes. The same functions as `/api/v1/admin/invitations`.
//!
//! The check never creates anything; the create form carries the roster back and it is
//! checked again (a page is not trusted to have stayed as it was shown).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use application::access;
use portal::Text;
use portal::invitations::{
    InvitationFilterView, InvitationsPage, InviteNewPage, InvitePreviewPage, InviteSheetPage,
    PreviewRow, RosterProblem, SheetCard,
};
use portal::roster::{self, RosterError, Row};
use portal::staff::{BranchLabels, jst};
use storage::invitation_admin::LinkState;
use storage::invitations::NewInvitation;
use storage::staff::Role;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{CsrfOnly, StaffPage, StaffPageError, qr_svg_base64};
use crate::mail::invitation_letter;
use crate::page::{Flash, render, see_other};
use crate::routes::admin::invitations::{
    Issued, ListQuery, MailOutcome, issue, next_before, reissue, revoke,
};
use crate::routes::provider::documents::read_fields;
use crate::routes::provider::today_in_japan;
use crate::startup::State;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::routes::endpoint("/s/invitations")
            .get(list)
            .post(create),
    )
    .service(crate::routes::endpoint("/s/invitations/new").get(new_form))
    .service(crate::routes::endpoint("/s/invitations/check").post(check))
    .service(crate::routes::endpoint("/s/invitations/{id}/revoke").post(revoke_one))
    .service(crate::routes::endpoint("/s/invitations/{id}/reissue").post(reissue_one));
}

/// The page's caller, if an admin, with their capability.
fn admin(page: StaffPage) -> Result<(StaffPage, access::Admin), StaffPageError> {
    let page = page.require(&[Role::Admin])?;
    let admin = access::admin(page.caller.staff())?;
    Ok((page, admin))
}

/// `GET /s/invitations?link&branch&employee_code&before`.
async fn list(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let query = query.into_inner();
    let q = query.query()?;
    let lines = application::invitations::list(&state.app, &admin, &q).await?;
    let filter = InvitationFilterView {
        link: q.link.map(|l| l.code().to_owned()).unwrap_or_default(),
        branch: q
            .branch
            .as_ref()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default(),
        employee_code: q.employee_code.clone().unwrap_or_default(),
    };
    let next_href = next_before(&lines, q.limit).map(|before| {
        let query = serde_urlencoded::to_string([
            ("link", filter.link.as_str()),
            ("branch", filter.branch.as_str()),
            ("employee_code", filter.employee_code.as_str()),
            ("before", before.as_str()),
        ])
        .unwrap_or_default();
        format!("/s/invitations?{query}")
    });
    let body = InvitationsPage {
        staff: page.frame(Text::SInvitations, "/s/invitations"),
        lines,
        filter,
        link_states: LinkState::ALL,
        next_href,
        mail_on: state.mailer.is_some(),
        branches: branch_labels(&state).await?,
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// `GET /s/invitations/new`.
async fn new_form(
    req: HttpRequest,
    state: State,
    page: StaffPage,
) -> Result<HttpResponse, StaffPageError> {
    let (page, _) = admin(page)?;
    let body = InviteNewPage {
        staff: page.frame(Text::SNewInvitations, "/s/invitations/new"),
        mail_on: state.mailer.is_some(),
    };
    Ok(render(&req, &state, StatusCode::OK, body))
}

/// What the forms send: the roster (a file, pasted, or carried from the check page), or
/// one person's fields; whether to e-mail.
#[derive(Default)]
struct InviteForm {
    csrf: String,
    send_email: bool,
    roster_file: Vec<u8>,
    roster: String,
    one: Row,
}

async fn read_form(payload: Multipart) -> Result<InviteForm, StaffPageError> {
    let fields = read_fields(payload, roster::MAX_BYTES + 64 * 1024).await?;
    let mut form = InviteForm::default();
    for (name, bytes) in fields {
        if name == "roster_file" {
            form.roster_file = bytes;
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => form.csrf = text,
            "send_email" => form.send_email = text == "true",
            "roster" => form.roster = text,
            "kind" => form.one.kind = text,
            "employee_code" => form.one.employee_code = text,
            "name" => form.one.name = text,
            "name_kana" => form.one.name_kana = text,
            "email" => form.one.email = text,
            "branch" => form.one.branch = text,
            "birth_date" => form.one.birth_date = text,
            _ => {}
        }
    }
    Ok(form)
}

impl InviteForm {
    /// The roster as text: the uploaded file, else the pasted or carried text, else the
    /// one person's fields written as a one-line roster with its header.
    fn roster_text(&self) -> Result<String, RosterError> {
        if !self.roster_file.is_empty() {
            return roster::decode(&self.roster_file);
        }
        if !self.roster.trim().is_empty() {
            return roster::decode(self.roster.as_bytes());
        }
        let one = &self.one;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let written = writer
            .write_record([
                "kind",
                "employee_code",
                "name",
                "name_kana",
                "email",
                "branch",
                "birth_date",
            ])
            .and_then(|()| {
                writer.write_record([
                    &one.kind,
                    &one.employee_code,
                    &one.name,
                    &one.name_kana,
                    &one.email,
                    &one.branch,
                    &one.birth_date,
                ])
            });
        let bytes = written
            .ok()
            .and_then(|()| writer.into_inner().ok())
            .unwrap_or_default();
        Ok(String::from_utf8(bytes).unwrap_or_default())
    }
}

/// The roster read and checked: the text (carried to the create form) and the rows, or
/// the refusals.
async fn checked(
    state: &State,
    admin: &access::Admin,
    form: &InviteForm,
) -> Result<(String, Result<Vec<NewInvitation>, Vec<RosterError>>), StaffPageError> {
    let text = match form.roster_text() {
        Ok(text) => text,
        Err(e) => return Ok((String::new(), Err(vec![e]))),
    };
    let known = roster::Known {
        taken: application::invitations::taken_employee_codes(&state.app, admin).await?,
        branches: application::branches::codes_by_name(&state.app).await?,
    };
    let parsed = roster::parse(
        &text,
        today_in_japan(),
        state.settings.invitation_valid_days,
        &known,
    );
    Ok((text, parsed))
}

fn problems(errors: Vec<RosterError>) -> Vec<RosterProblem> {
    errors
        .into_iter()
        .map(|e| RosterProblem {
            line: e.line,
            column: e.column.map(roster::Column::label),
            value: e.value,
            message: e.message,
        })
        .collect()
}

/// How the pages name branches.
pub(super) async fn branch_labels(state: &State) -> Result<BranchLabels, StaffPageError> {
    Ok(BranchLabels(
        application::branches::labels(&state.app).await?,
    ))
}

fn preview_page(
    page: &StaffPage,
    state: &State,
    text: String,
    parsed: Result<Vec<NewInvitation>, Vec<RosterError>>,
    send_email: bool,
    branches: BranchLabels,
) -> (StatusCode, InvitePreviewPage) {
    let send_email = send_email && state.mailer.is_some();
    let staff = page.frame(Text::SPreviewTitle, "/s/invitations/new");
    let letter = invitation_letter(
        &state.settings.portal.organisation_name,
        "（氏名 / name）",
        storage::invitations::InvitationKind::Employee,
        None,
        (time::OffsetDateTime::now_utc()
            + time::Duration::days(state.settings.invitation_valid_days))
        .unix_timestamp()
            * 1000,
    );
    let mut body = InvitePreviewPage {
        staff,
        problems: Vec::new(),
        rows: Vec::new(),
        roster: String::new(),
        send_email,
        subject: letter.subject,
        body: letter.body,
        by_email: 0,
        by_sheet: 0,
        branches,
    };
    match parsed {
        Err(errors) => {
            body.problems = problems(errors);
            (StatusCode::UNPROCESSABLE_ENTITY, body)
        }
        Ok(rows) => {
            body.rows = rows
                .iter()
                .map(|new| PreviewRow {
                    kind: new.kind,
                    name: new.name.as_str().to_owned(),
                    name_kana: new
                        .name_kana
                        .as_ref()
                        .map(|k| k.as_str().to_owned())
                        .unwrap_or_default(),
                    employee_code: new
                        .employee_code
                        .as_ref()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                    branch: new
                        .branch
                        .as_ref()
                        .map(|b| b.as_str().to_owned())
                        .unwrap_or_default(),
                    email: new
                        .email
                        .as_ref()
                        .map(|e| e.as_str().to_owned())
                        .unwrap_or_default(),
                    second_factor: new.birth_date.is_some(),
                    by_email: send_email && new.email.is_some(),
                })
                .collect();
            body.by_email = body.rows.iter().filter(|r| r.by_email).count();
            body.by_sheet = body.rows.len() - body.by_email;
            body.roster = text;
            (StatusCode::OK, body)
        }
    }
}

/// `POST /s/invitations/check` (multipart): nothing is created here.
async fn check(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    payload: Multipart,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let form = read_form(payload).await?;
    page.check_csrf(&form.csrf)?;
    let (text, parsed) = checked(&state, &admin, &form).await?;
    let (status, body) = preview_page(
        &page,
        &state,
        text,
        parsed,
        form.send_email,
        branch_labels(&state).await?,
    );
    Ok(render(&req, &state, status, body))
}

/// `POST /s/invitations` (multipart, from the check page): checks again, creates all or
/// none, e-mails where asked, and shows the sheet.
async fn create(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    payload: Multipart,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    let form = read_form(payload).await?;
    page.check_csrf(&form.csrf)?;
    let (text, parsed) = checked(&state, &admin, &form).await?;
    let batch = match parsed {
        Ok(batch) => batch,
        Err(errors) => {
            let (status, body) = preview_page(
                &page,
                &state,
                text,
                Err(errors),
                form.send_email,
                branch_labels(&state).await?,
            );
            return Ok(render(&req, &state, status, body));
        }
    };
    let issued = issue(&state, &admin, batch, form.send_email).await?;
    sheet(&req, &state, &page, issued, &branch_labels(&state).await?)
}

/// `POST /s/invitations/{id}/revoke`.
async fn revoke_one(
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let flash = match revoke(&state, &admin, path.into_inner()).await {
        Ok(()) => Flash::info(Text::SRevokedDone),
        Err(e) if e.status_code() == StatusCode::CONFLICT => Flash::error(e.message(), "form"),
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(&state, "/s/invitations", Some(flash)))
}

#[derive(serde::Deserialize)]
struct ReissueForm {
    csrf: String,
    #[serde(default)]
    send_email: Option<String>,
}

/// `POST /s/invitations/{id}/reissue`: a new link on a sheet (or by e-mail).
async fn reissue_one(
    req: HttpRequest,
    state: State,
    page: StaffPage,
    path: web::Path<Uuid>,
    form: web::Form<ReissueForm>,
) -> Result<HttpResponse, StaffPageError> {
    let (page, admin) = admin(page)?;
    page.check_csrf(&form.csrf)?;
    let send = form.send_email.as_deref() == Some("true");
    match reissue(&state, &admin, path.into_inner(), send).await {
        Ok(issued) => sheet(
            &req,
            &state,
            &page,
            vec![issued],
            &branch_labels(&state).await?,
        ),
        Err(e) if e.status_code() == StatusCode::CONFLICT => Ok(see_other(
            &state,
            "/s/invitations",
            Some(Flash::error(portal::Message::InvitationRevoked, "form")),
        )),
        Err(e) => Err(e.into()),
    }
}

fn mail_text(outcome: MailOutcome) -> Text {
    match outcome {
        MailOutcome::NotRequested => Text::SMailNotRequested,
        MailOutcome::NoAddress => Text::SMailNoAddress,
        MailOutcome::NotConfigured => Text::SMailNotConfigured,
        MailOutcome::Sent => Text::SMailSent,
        MailOutcome::Failed => Text::SMailFailed,
    }
}

/// The sheet: a card with the link and its QR code for each link to hand over on paper;
/// the e-mailed ones by name only.
pub(super) fn sheet(
    req: &HttpRequest,
    state: &State,
    page: &StaffPage,
    issued: Vec<Issued>,
    branches: &BranchLabels,
) -> Result<HttpResponse, StaffPageError> {
    sheet_of(
        req,
        state,
        page,
        issued,
        branches,
        Text::SSheetCardTitle,
        ("/s/invitations", Text::SInvitations),
    )
}

/// The sheet with its cards' heading and the way back (invitations, or a campaign).
pub(super) fn sheet_of(
    req: &HttpRequest,
    state: &State,
    page: &StaffPage,
    issued: Vec<Issued>,
    branches: &BranchLabels,
    card_title: Text,
    back: (&'static str, Text),
) -> Result<HttpResponse, StaffPageError> {
    let mut cards = Vec::new();
    let mut emailed = Vec::new();
    for item in issued {
        let paper = item.mail.needs_sheet();
        let (url, qr_svg) = if paper {
            let qr = qr_svg_base64(item.url.as_bytes(), 160)?;
            (item.url, qr)
        } else {
            (Zeroizing::new(String::new()), String::new())
        };
        let card = SheetCard {
            name: item.to.name,
            employee_code: item.to.employee_code.unwrap_or_default(),
            branch: item
                .to
                .branch
                .map(|b| branches.of(&b).to_owned())
                .unwrap_or_default(),
            url,
            qr_svg,
            expires: jst(item.expires_at),
            mail: mail_text(item.mail),
        };
        if paper {
            cards.push(card);
        } else {
            emailed.push(card);
        }
    }
    let body = InviteSheetPage {
        staff: page.frame(Text::SSheetTitle, "/s/invitations"),
        organisation: state.settings.portal.organisation_name.clone(),
        cards,
        emailed,
        card_title,
        back,
    };
    Ok(render(req, state, StatusCode::OK, body))
}
