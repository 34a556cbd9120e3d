//! The admins' invitation pages: the list, the forms (one person, or a roster), the check
//! before creating (every refused cell, or the rows and the exact e-mail text), and the
//! printable sheet of links with their QR codes, shown once.

use askama::Template;
use storage::invitation_admin::{InvitationLine, LinkState};
use storage::invitations::InvitationKind;
use zeroize::Zeroizing;

use crate::staff::{StaffFrame, jst};
use crate::{Lang, Message, Text};

/// The list's filters as the form shows them.
#[derive(Debug, Clone, Default)]
pub struct InvitationFilterView {
    /// Link state code or empty.
    pub link: String,
    /// Branch or empty.
    pub branch: String,
    /// Employee code or empty.
    pub employee_code: String,
}

/// `GET /s/invitations`.
#[derive(Debug, Template)]
#[template(path = "staff/invitations.html")]
pub struct InvitationsPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The lines (newest first).
    pub lines: Vec<InvitationLine>,
    /// The filters in force.
    pub filter: InvitationFilterView,
    /// The link states the filter offers.
    pub link_states: &'static [LinkState],
    /// The next page, if any.
    pub next_href: Option<String>,
    /// Whether SMTP is set up (the re-issue-and-e-mail button).
    pub mail_on: bool,
    /// How branches are named.
    pub branches: crate::staff::BranchLabels,
}

impl InvitationsPage {
    /// A Unix-ms time in Japan time.
    pub fn when(&self, ms: &i64) -> String {
        jst(*ms)
    }
}

impl Lang {
    /// A link state in words.
    pub fn link_state(self, s: impl crate::text::Value<LinkState>) -> &'static str {
        self.t(match s.value() {
            LinkState::Active => Text::SLinkActive,
            LinkState::Expired => Text::SLinkExpired,
            LinkState::Revoked => Text::SLinkRevoked,
        })
    }

    /// An invitation kind in words.
    pub fn invitation_kind(self, k: impl crate::text::Value<InvitationKind>) -> &'static str {
        self.t(match k.value() {
            InvitationKind::Employee => Text::SKindEmployee,
            InvitationKind::Payee => Text::SKindPayee,
        })
    }
}

/// `GET /s/invitations/new`.
#[derive(Debug, Template)]
#[template(path = "staff/invite_new.html")]
pub struct InviteNewPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Whether SMTP is set up.
    pub mail_on: bool,
}

/// One row as the check shows it.
#[derive(Debug, Clone)]
pub struct PreviewRow {
    /// Employee or payee.
    pub kind: InvitationKind,
    /// Name.
    pub name: String,
    /// Furigana.
    pub name_kana: String,
    /// Employee code.
    pub employee_code: String,
    /// Branch.
    pub branch: String,
    /// Address.
    pub email: String,
    /// Whether the birth date will be asked.
    pub second_factor: bool,
    /// Whether the link goes by e-mail.
    pub by_email: bool,
}

/// One refused cell.
#[derive(Debug, Clone)]
pub struct RosterProblem {
    /// The line (0: the whole file).
    pub line: usize,
    /// The column's name (ja, en), if one is at fault.
    pub column: Option<(&'static str, &'static str)>,
    /// The refused value as it was in the file.
    pub value: Option<String>,
    /// What is wrong.
    pub message: Message,
}

/// `POST /s/invitations/check`: the refusals, or the rows and the e-mail as it will go.
#[derive(Debug, Template)]
#[template(path = "staff/invite_preview.html")]
pub struct InvitePreviewPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The refusals (nothing can be created while there is one).
    pub problems: Vec<RosterProblem>,
    /// The rows.
    pub rows: Vec<PreviewRow>,
    /// The roster as CSV, carried to the create form (checked again there).
    pub roster: String,
    /// Whether links are e-mailed.
    pub send_email: bool,
    /// The e-mail's subject.
    pub subject: String,
    /// The e-mail's body, with a placeholder for the link.
    pub body: String,
    /// How many go by e-mail.
    pub by_email: usize,
    /// How many go on the sheet.
    pub by_sheet: usize,
    /// How branches are named.
    pub branches: crate::staff::BranchLabels,
}

/// One link on the sheet.
#[derive(Debug)]
pub struct SheetCard {
    /// Name.
    pub name: String,
    /// Employee code.
    pub employee_code: String,
    /// Branch.
    pub branch: String,
    /// The link.
    pub url: Zeroizing<String>,
    /// Its QR code: an SVG document, base64.
    pub qr_svg: String,
    /// Expiry in Japan time.
    pub expires: String,
    /// What became of the e-mail.
    pub mail: Text,
}

/// The sheet of links just issued (`no-store`; shown once).
#[derive(Debug, Template)]
#[template(path = "staff/invite_sheet.html")]
pub struct InviteSheetPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The employer, printed on each card.
    pub organisation: String,
    /// Links to hand over on paper.
    pub cards: Vec<SheetCard>,
    /// Links that went by e-mail (the link is not shown again).
    pub emailed: Vec<SheetCard>,
    /// Each card's heading (an invitation's, or the year's re-confirmation).
    pub card_title: Text,
    /// Where the page's last link goes back to, and its label.
    pub back: (&'static str, Text),
}
