//! The provider pages: one view model per page, each an askama template compiled into
//! the binary with HTML auto-escaping, plus the static assets they link.
//!
//! A view model holds only what its page shows. Numbers never reach a template: a saved
//! number appears as its last four digits, and a refused form is shown again without
//! the number that was typed.

use std::sync::OnceLock;

use askama::Template;
use sha2::{Digest, Sha256};
use storage::SubmissionState;
use storage::invitations::InvitationKind;
use storage::person::Relationship;
use storage::submissions::{DocumentKind, DocumentSummary, SubjectSummary};
use uuid::Uuid;

use crate::{Lang, Message, Text};

/// What every page carries: language, title, the language switch, the notice of the
/// last action (flash) and, when signed in, the CSRF token of the sign-out button.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The page's language.
    pub l: Lang,
    /// The page title.
    pub title: Text,
    /// The same page in the other language (`?lang=…`).
    pub switch_href: String,
    /// An error from the last submitted form, with the field it concerns.
    pub error: Option<(Message, &'static str)>,
    /// A confirmation of the last action.
    pub info: Option<Text>,
    /// The session's CSRF token, when signed in.
    pub csrf: Option<String>,
    /// The stylesheet's versioned path.
    pub css: &'static str,
    /// The script's versioned path.
    pub js: &'static str,
}

impl Frame {
    /// A frame for `path` (without query) in `l`.
    pub fn new(l: Lang, title: Text, path: &str) -> Self {
        Self {
            l,
            title,
            switch_href: format!("{path}?lang={}", l.other().code()),
            error: None,
            info: None,
            csrf: None,
            css: STYLESHEET.path(),
            js: SCRIPT.path(),
        }
    }

    /// The error message for `field`, if the last form was refused there.
    pub fn error_for(&self, field: &str) -> Option<&'static str> {
        self.error
            .filter(|(_, f)| *f == field)
            .map(|(m, _)| self.l.msg(m))
    }

    /// The error of the last form, in this page's language.
    pub fn error_text(&self) -> Option<&'static str> {
        self.error.map(|(m, _)| self.l.msg(m))
    }

    /// The field the last form was refused at (the summary links to it).
    pub fn error_field(&self) -> &'static str {
        self.error.map_or("", |(_, f)| f)
    }

    /// The confirmation of the last action, in this page's language.
    pub fn info_text(&self) -> Option<&'static str> {
        self.info.map(|t| self.l.t(t))
    }

    /// Whether the last form was refused at `field` (for `aria-invalid`).
    pub fn invalid(&self, field: &str) -> bool {
        self.error_for(field).is_some()
    }
}

/// A purpose of use (利用目的), in both languages, and the provider kinds it concerns. The
/// configured list (`[portal] purposes`) is the one list: the landing page shows a provider
/// the purposes of their kind, and the file ledger lists them with the kinds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Purpose {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
    /// The provider kinds it concerns (`employee`, `payee`); empty: both.
    #[serde(default)]
    pub kinds: Vec<InvitationKind>,
}

impl Purpose {
    /// The purpose in `l`.
    pub fn text(&self, l: &Lang) -> &str {
        l.pick(&self.ja, &self.en)
    }

    /// Whether it concerns providers of this kind.
    pub fn concerns(&self, kind: InvitationKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// The purposes of `list` that concern providers of `kind`, in order.
    pub fn for_kind(list: &[Purpose], kind: InvitationKind) -> Vec<Purpose> {
        list.iter().filter(|p| p.concerns(kind)).cloned().collect()
    }

    /// The purpose as the file ledger lists it: Japanese, with the kinds it concerns.
    pub fn ledger_line(&self) -> String {
        if self.kinds.is_empty() {
            return self.ja.clone();
        }
        let kinds: Vec<&str> = self
            .kinds
            .iter()
            .map(|k| match k {
                InvitationKind::Employee => "従業員",
                InvitationKind::Payee => "個人支払先",
            })
            .collect();
        format!("{}（{}）", self.ja, kinds.join("・"))
    }
}

/// The employer's default purposes of use: the salary and insurance filings concern
/// employees (and through them their dependants), the 支払調書 concerns payees.
pub fn default_purposes() -> Vec<Purpose> {
    use InvitationKind::{Employee, Payee};
    [
        (
            "給与所得・退職所得の源泉徴収票作成事務",
            "Preparing withholding slips for salary and retirement income",
            Employee,
        ),
        (
            "給与所得者の扶養控除等（異動）申告書に関する事務",
            "Handling the employee's dependants declaration (扶養控除等申告書)",
            Employee,
        ),
        (
            "健康保険・厚生年金保険届出事務",
            "Filings for health insurance and employees' pension insurance",
            Employee,
        ),
        (
            "雇用保険届出事務",
            "Filings for employment insurance",
            Employee,
        ),
        (
            "国民年金第3号被保険者の届出事務",
            "Filings for a spouse as a category 3 insured person of the national pension",
            Employee,
        ),
        (
            "報酬・料金等の支払調書作成事務",
            "Preparing payment records for fees paid to individuals (payees)",
            Payee,
        ),
    ]
    .into_iter()
    .map(|(ja, en, kind)| Purpose {
        ja: ja.to_owned(),
        en: en.to_owned(),
        kinds: vec![kind],
    })
    .collect()
}

/// `GET /i/{token}`: who asks, why, how the number is protected, then the sign-in form.
#[derive(Debug, Template)]
#[template(path = "landing.html")]
pub struct LandingPage {
    /// Frame.
    pub page: Frame,
    /// Who asks (the organisation).
    pub organisation: String,
    /// The invited person's name.
    pub name: String,
    /// The purposes of use.
    pub purposes: Vec<Purpose>,
    /// Whether sign-in asks the birth date.
    pub asks_birth_date: bool,
    /// Whether this is a payee (no dependants are asked).
    pub payee: bool,
    /// The form's CSRF token (bound to the invitation link).
    pub form_csrf: String,
    /// The form's action (the same link).
    pub action: String,
}

/// One line of the overview checklist.
#[derive(Debug, Clone)]
pub struct Step {
    /// What.
    pub label: Text,
    /// Where to do it.
    pub href: String,
    /// Whether it is complete.
    pub done: bool,
}

/// One item an officer asked to redo, as the provider's pages show it.
#[derive(Debug, Clone)]
pub struct CorrectionView {
    /// Whose item (the person's name), or `None` for the whole submission.
    pub person: Option<String>,
    /// The document concerned, if any.
    pub document: Option<DocumentKind>,
    /// The reason code.
    pub reason: String,
    /// The officer's message (free text, auto-escaped).
    pub message: String,
    /// Where to fix it.
    pub href: String,
}

/// `GET /p`: the checklist of a submission being filled.
#[derive(Debug, Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    /// Frame.
    pub page: Frame,
    /// The steps.
    pub steps: Vec<Step>,
    /// Whether the officer sent the submission back.
    pub correction: bool,
    /// What the officer asked to correct, item by item.
    pub corrections: Vec<CorrectionView>,
}

/// The values a refused form is shown again with (never the number).
#[derive(Debug, Clone, Default)]
pub struct SubjectValues {
    /// Relationship code.
    pub relationship: String,
    /// Name.
    pub name: String,
    /// Furigana.
    pub name_kana: String,
    /// Birth date.
    pub birth_date: String,
    /// Attestation ticked.
    pub identity_attested: bool,
    /// Category-3 spouse ticked.
    pub category3_spouse: bool,
    /// 住所.
    pub address: String,
    /// アルファベット氏名.
    pub name_alphabetic: String,
    /// 通称.
    pub common_name: String,
    /// 旧姓.
    pub former_surname: String,
    /// Why a dependant has no number (code, empty: has one).
    pub no_number_reason: String,
}

impl From<&SubjectSummary> for SubjectValues {
    fn from(s: &SubjectSummary) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            relationship: s.relationship.code().to_owned(),
            name: s.name.clone(),
            name_kana: s.name_kana.clone(),
            birth_date: s.birth_date.clone(),
            identity_attested: s.identity_attested,
            category3_spouse: s.category3_spouse,
            address: text(&s.address),
            name_alphabetic: text(&s.name_alphabetic),
            common_name: text(&s.common_name),
            former_surname: text(&s.former_surname),
            no_number_reason: text(&s.no_number_reason),
        }
    }
}

/// The relationships a dependant can have, in the order the form lists them.
pub const DEPENDANT_RELATIONSHIPS: [Relationship; 6] = [
    Relationship::Spouse,
    Relationship::Child,
    Relationship::Parent,
    Relationship::Grandparent,
    Relationship::Sibling,
    Relationship::OtherRelative,
];

/// The details form: the provider's own (`is_self`) or a dependant's.
#[derive(Debug, Template)]
#[template(path = "subject_form.html")]
pub struct SubjectFormPage {
    /// Frame.
    pub page: Frame,
    /// Heading.
    pub heading: Text,
    /// Where the form posts.
    pub action: String,
    /// The provider themself (no relationship, no declaration).
    pub is_self: bool,
    /// What to show in the fields.
    pub values: SubjectValues,
    /// Photo first (the provider's own details only): the card-back photo field, and
    /// after a read, the number it gave and the read to confirm.
    pub card_reading: Option<CardReading>,
    /// Whether a number is saved (never any digit of it: invariant 6).
    pub number_saved: bool,
    /// Where the remove button posts, for an existing dependant.
    pub remove_action: Option<String>,
    /// Relationship choices.
    pub relationships: &'static [Relationship],
    /// What the officer asked to correct in these details.
    pub corrections: Vec<CorrectionView>,
}

/// Photo first on the own-details form: after a card-back photo was read, the number its
/// QR holds, shown in the number field for the person who sent the photo to check against
/// their card, and the read their save confirms. This one response is the only place the
/// digits appear; they are wiped with the page model.
#[derive(Debug, Default)]
pub struct CardReading {
    /// The card read to confirm (a hidden field).
    pub read: Option<Uuid>,
    /// The number read, in groups of four.
    pub number: Option<zeroize::Zeroizing<String>>,
}

/// A stored document as a page shows it.
#[derive(Debug, Clone)]
pub struct DocumentView {
    /// Its id (the retake link names it).
    pub document_id: Uuid,
    /// What.
    pub kind: DocumentKind,
    /// Removed metadata codes.
    pub removed: Vec<String>,
    /// Quality warning codes.
    pub warnings: Vec<String>,
    /// What the officer asked about this photo (reason code, message).
    pub corrections: Vec<(String, String)>,
    /// What the card-back QR said against the typed number (`None`: not looked for).
    pub qr_check: Option<domain::QrCheck>,
}

impl DocumentView {
    /// The notice class of the QR outcome: a difference or a failed read asks for action.
    pub fn qr_class(&self) -> &'static str {
        match self.qr_check {
            Some(domain::QrCheck::Matches) => "ok",
            Some(domain::QrCheck::Differs) => "error",
            Some(domain::QrCheck::NoQr | domain::QrCheck::Unreadable) => "warn",
            _ => "info",
        }
    }

    /// Whether the QR outcome asks the person to correct the number or the photo.
    pub fn qr_needs_action(&self) -> bool {
        matches!(
            self.qr_check,
            Some(domain::QrCheck::Differs | domain::QrCheck::NoQr | domain::QrCheck::Unreadable)
        )
    }
}

impl From<&DocumentSummary> for DocumentView {
    fn from(d: &DocumentSummary) -> Self {
        // One report line per kind of information, each once.
        let mut removed: Vec<String> = Vec::new();
        for code in &d.removed_metadata {
            let line = crate::text::scrub_line(code);
            if !removed.iter().any(|r| crate::text::scrub_line(r) == line) {
                removed.push(code.clone());
            }
        }
        Self {
            document_id: d.document_id,
            kind: d.kind,
            removed,
            warnings: d.warnings.clone(),
            corrections: Vec::new(),
            qr_check: d.qr_check,
        }
    }
}

/// The document photos of one subject, with the upload form.
#[derive(Debug, Template)]
#[template(path = "documents.html")]
pub struct DocumentsPage {
    /// Frame.
    pub page: Frame,
    /// Whose documents.
    pub subject_name: String,
    /// The upload form's action (works without JavaScript).
    pub action: String,
    /// The JSON endpoint the script uploads to (with progress and an Idempotency-Key).
    pub api_action: String,
    /// A fresh key for the plain form, so a resent form stores the photo once.
    pub idempotency_key: String,
    /// The kinds to choose from (those the rule table counts today).
    pub kinds: Vec<DocumentKind>,
    /// The kind preselected.
    pub selected_kind: Option<DocumentKind>,
    /// Stored documents.
    pub documents: Vec<DocumentView>,
    /// The photo being retaken (`?replace=`), which the upload replaces.
    pub replacing: Option<DocumentView>,
    /// What the officer asked about this person beyond single photos.
    pub corrections: Vec<CorrectionView>,
    /// Where "continue" leads.
    pub next: String,
    /// Where the person corrects the typed number (the QR check's link).
    pub number_href: String,
}

impl DocumentsPage {
    /// Whether `kind` is the preselected choice.
    pub fn is_selected(&self, kind: &DocumentKind) -> bool {
        self.selected_kind == Some(*kind)
    }

    /// Whether any stored photo asks for a retake.
    pub fn any_warnings(&self) -> bool {
        self.documents.iter().any(|d| !d.warnings.is_empty())
    }
}

/// A person on the review and status pages.
#[derive(Debug, Clone)]
pub struct PersonView {
    /// The summary (last four digits only).
    pub subject: SubjectSummary,
    /// The person's documents.
    pub documents: Vec<DocumentView>,
    /// Link to their details (review page only).
    pub edit_href: String,
    /// Link to their documents.
    pub documents_href: String,
}

impl PersonView {
    /// Whether any of this person's photos asks for a retake.
    pub fn has_warnings(&self) -> bool {
        self.documents.iter().any(|d| !d.warnings.is_empty())
    }
}

/// The dependants list.
#[derive(Debug, Template)]
#[template(path = "dependants.html")]
pub struct DependantsPage {
    /// Frame.
    pub page: Frame,
    /// The dependants.
    pub people: Vec<PersonView>,
}

/// `GET /p/review`: everything, what is missing, and the submit button.
#[derive(Debug, Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    /// Frame.
    pub page: Frame,
    /// Everyone on the submission (the provider first).
    pub people: Vec<PersonView>,
    /// What still blocks submitting.
    pub missing: Vec<Text>,
    /// Whether any photo asks for a retake.
    pub warnings_remain: bool,
}

/// `GET /p/status`: where the submission stands (the only page after submitting).
#[derive(Debug, Template)]
#[template(path = "status.html")]
pub struct StatusPage {
    /// Frame.
    pub page: Frame,
    /// The state.
    pub state: SubmissionState,
    /// The people (last four digits only).
    pub people: Vec<PersonView>,
    /// What the officer asked to correct, item by item.
    pub corrections: Vec<CorrectionView>,
    /// The year's re-confirmation the employee is in (issue 17), if any.
    pub campaign: Option<CampaignView>,
}

/// The re-confirmation (年末調整) on the employee's status page.
#[derive(Debug, Clone)]
pub struct CampaignView {
    /// The year.
    pub year: i32,
    /// `no_change`, `changed`, or `None`.
    pub answer: Option<String>,
    /// Whether answers are still taken.
    pub open: bool,
}

impl CampaignView {
    /// What the page says of the answer, once there is one (or of a closed campaign).
    pub fn answer_text(&self) -> Option<Text> {
        match (self.answer.as_deref(), self.open) {
            (Some("no_change"), _) => Some(Text::CampaignAnsweredNoChange),
            (Some(_), _) => Some(Text::CampaignAnsweredChanged),
            (None, false) => Some(Text::CampaignClosed),
            (None, true) => None,
        }
    }
}

/// `GET /p/changes/dependant`: a dependant added after the verification (a newborn, a
/// marriage), with the photo of the number document, in one form (issue 17).
#[derive(Debug, Template)]
#[template(path = "change_dependant.html")]
pub struct ChangeDependantPage {
    /// Frame.
    pub page: Frame,
    /// The relationships a dependant can have.
    pub relationships: &'static [Relationship],
    /// The document kinds offered today (the number document first).
    pub documents: Vec<DocumentKind>,
}

/// One person of the record a change can name: the stable id, the current name and the
/// relationship.
#[derive(Debug, Clone)]
pub struct ChangeablePerson {
    /// The stable id.
    pub person_id: Uuid,
    /// The current name.
    pub name: String,
    /// The relationship (self for the provider).
    pub relationship: Relationship,
}

/// A person's current name in their history: the latest version not replaced.
pub fn current_name(person: &storage::history::PersonHistory) -> &str {
    person
        .versions
        .iter()
        .rev()
        .find(|v| v.superseded_at.is_none())
        .or_else(|| person.versions.last())
        .map_or("", |v| v.name.as_str())
}

impl ChangeablePerson {
    /// Everyone of a record a change can name: people whose relationship has not ended,
    /// by their current name.
    pub fn of_record(people: &[storage::history::PersonHistory]) -> Vec<Self> {
        people
            .iter()
            .filter(|p| p.ended_on.is_none())
            .map(|p| Self {
                person_id: p.person_id,
                name: current_name(p).to_owned(),
                relationship: p
                    .relationship
                    .as_deref()
                    .and_then(Relationship::from_code)
                    .unwrap_or(Relationship::Myself),
            })
            .collect()
    }
}

/// The kinds the other-change form offers (a new dependant has its own form): a payee has
/// no dependants, so no dependant's end and no 第3号 status.
pub fn other_change_kinds(payee: bool) -> Vec<(&'static str, Text)> {
    let mut kinds = vec![
        ("name", Text::SChangeName),
        ("address", Text::SChangeAddress),
        ("number", Text::SChangeNumber),
    ];
    if !payee {
        kinds.extend([
            ("end_dependant", Text::SChangeEndDependant),
            ("category3_start", Text::SChangeCategory3Start),
            ("category3_end", Text::SChangeCategory3End),
        ]);
    }
    kinds
}

/// `GET /p/changes/other`: any other change (a name, an address, a reissued number, a
/// dependant leaving, 第3号 start or end), with a photo where the officer needs one.
#[derive(Debug, Template)]
#[template(path = "change_other.html")]
pub struct ChangeOtherPage {
    /// Frame.
    pub page: Frame,
    /// Who can be named.
    pub people: Vec<ChangeablePerson>,
    /// The kinds offered (every kind but a new dependant, which has its own page).
    pub change_kinds: Vec<(&'static str, Text)>,
    /// The document kinds offered today.
    pub documents: Vec<DocumentKind>,
}

impl StatusPage {
    /// Whether the record is verified, so changes are reported as changes (issue 17).
    pub fn can_report_changes(&self) -> bool {
        matches!(
            self.state,
            SubmissionState::Verified | SubmissionState::Released
        )
    }

    /// Whether the submission waits for an officer or is done (the thank-you line).
    pub fn handed_in(&self) -> bool {
        !matches!(
            self.state,
            SubmissionState::Invited
                | SubmissionState::Draft
                | SubmissionState::CorrectionRequested
                | SubmissionState::Declined
        )
    }

    /// Whether the provider has corrections to make.
    pub fn correction(&self) -> bool {
        self.state == SubmissionState::CorrectionRequested
    }
}

/// `GET /p/decline`: declining with a reason.
#[derive(Debug, Template)]
#[template(path = "decline.html")]
pub struct DeclinePage {
    /// Frame.
    pub page: Frame,
    /// The reason typed before a refusal.
    pub reason: String,
}

/// A page with one sentence: an error, an expired session, a signed-out note.
#[derive(Debug, Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    /// Frame.
    pub page: Frame,
    /// The sentence in Japanese.
    pub ja: &'static str,
    /// The sentence in English.
    pub en: &'static str,
}

/// A static asset compiled into the binary, served under a content-hashed path so it can
/// be cached for a year.
#[derive(Debug)]
pub struct Asset {
    name: &'static str,
    extension: &'static str,
    /// The bytes.
    pub body: &'static str,
    /// The exact content type.
    pub content_type: &'static str,
    path: OnceLock<String>,
}

impl Asset {
    /// An asset named `name.extension` with its bytes and exact content type.
    pub const fn new(
        name: &'static str,
        extension: &'static str,
        body: &'static str,
        content_type: &'static str,
    ) -> Self {
        Self {
            name,
            extension,
            body,
            content_type,
            path: OnceLock::new(),
        }
    }

    /// `/static/{name}.{hash}.{ext}`: a new build with changed content gets a new path.
    pub fn path(&'static self) -> &'static str {
        self.path.get_or_init(|| {
            let hash = Sha256::digest(self.body.as_bytes());
            let short: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
            format!("/static/{}.{short}.{}", self.name, self.extension)
        })
    }
}

/// The one stylesheet.
pub static STYLESHEET: Asset = Asset::new(
    "portal",
    "css",
    include_str!("../static/portal.css"),
    "text/css; charset=utf-8",
);

/// The one script (enhancement only: every page works without it).
pub static SCRIPT: Asset = Asset::new(
    "portal",
    "js",
    include_str!("../static/portal.js"),
    "text/javascript; charset=utf-8",
);

/// The asset served at `path`, if any.
pub fn asset_at(path: &str) -> Option<&'static Asset> {
    [&STYLESHEET, &SCRIPT, &crate::staff::STAFF_SCRIPT]
        .into_iter()
        .find(|a| a.path() == path)
}

/// A fresh random id (idempotency keys of plain upload forms).
pub fn fresh_key() -> String {
    Uuid::new_v4().to_string()
}
