//! The staff pages (officers first): sign-in with the second factor, TOTP enrolment, the
//! queue, and the item view where an officer looks at the documents beside the typed data
//! and decides. Same rules as the provider pages: askama, auto-escaped, no inline script;
//! a number appears only on the response to an audited reveal, never in a link or cookie.

use askama::Template;
use domain::QrCheck;
use storage::SubmissionState;
use storage::person::Relationship;
use storage::review::{QueueEntry, ReviewItem};
use storage::submissions::SubmissionStatus;
use storage::submissions::{CorrectionNotice, DocumentKind, DocumentSummary, SubjectSummary};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::pages::{Asset, Frame};
use crate::{Lang, Message, Text};

/// The staff pages' script: zoom and rotate of document images (enhancement only).
pub static STAFF_SCRIPT: Asset = Asset::new(
    "staff",
    "js",
    include_str!("../static/staff.js"),
    "text/javascript; charset=utf-8",
);

/// What every staff page carries besides the frame: who is signed in.
#[derive(Debug, Clone)]
pub struct StaffFrame {
    /// The common frame (language, title, flash, CSRF token of the sign-out form).
    pub page: Frame,
    /// The signed-in account's name, if any.
    pub username: Option<String>,
    /// Whether the signed-in account is an officer (the queue link).
    pub officer: bool,
    /// Whether it is an auditor or admin (the oversight links).
    pub overseer: bool,
    /// Whether it is an admin (the invitations link).
    pub admin: bool,
    /// The staff script's versioned path.
    pub staff_js: &'static str,
}

impl StaffFrame {
    /// A staff frame around `page`.
    pub fn new(page: Frame, username: Option<String>, officer: bool, overseer: bool) -> Self {
        Self {
            page,
            username,
            officer,
            overseer,
            admin: false,
            staff_js: STAFF_SCRIPT.path(),
        }
    }
}

/// `GET /s/sign-in`: username, password, and the authenticator code.
#[derive(Debug, Template)]
#[template(path = "staff/sign_in.html")]
pub struct SignInPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The form's CSRF token (bound to a pre-session cookie).
    pub form_csrf: String,
    /// The username typed before a refusal.
    pub username: String,
}

/// `GET /s/activate/{token}`: the holder of a new or reset account sets their password.
#[derive(Debug, Template)]
#[template(path = "staff/activate.html")]
pub struct ActivatePage {
    /// Frame.
    pub staff: StaffFrame,
    /// The account's sign-in name (`None` when the link is not valid).
    pub username: Option<String>,
    /// Until when the link works (Japan time, for display).
    pub expires: String,
    /// The form's target (the link's own path).
    pub action: String,
    /// The form's CSRF token (bound to a pre-session cookie).
    pub form_csrf: String,
    /// The password is set: show the way to sign in.
    pub done: bool,
}

/// `GET /s/totp`: enrolment of the authenticator app (secret shown once, then confirmed).
#[derive(Debug, Template)]
#[template(path = "staff/totp.html")]
pub struct TotpPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The secret in base32, to type into the app (after the enrol button).
    pub secret_base32: Option<Zeroizing<String>>,
    /// The `otpauth://` URI.
    pub otpauth_uri: Option<Zeroizing<String>>,
    /// The QR code of the URI: an SVG document (rendered by the `qrcode` crate), base64.
    pub qr_svg: Option<String>,
}

/// After enrolment: the recovery codes, shown once.
#[derive(Debug, Template)]
#[template(path = "staff/recovery.html")]
pub struct RecoveryCodesPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The codes.
    pub recovery_codes: Vec<String>,
}

/// `GET /s`: what this account can do.
#[derive(Debug, Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    /// Frame.
    pub staff: StaffFrame,
    /// The role code.
    pub role: &'static str,
}

/// The queue filters as the form shows them.
#[derive(Debug, Clone, Default)]
pub struct QueueFilterView {
    /// State code or empty.
    pub state: String,
    /// Branch code or empty.
    pub branch: String,
    /// Days or empty.
    pub older_than_days: String,
    /// Only flagged duplicates.
    pub flagged_duplicates: bool,
    /// Declined instead of open.
    pub declined: bool,
}

/// `GET /s/queue`: the submissions in the officer's scope.
#[derive(Debug, Template)]
#[template(path = "staff/queue.html")]
pub struct QueuePage {
    /// Frame.
    pub staff: StaffFrame,
    /// The lines.
    pub entries: Vec<QueueEntry>,
    /// The filters in force.
    pub filter: QueueFilterView,
    /// The states the filter offers.
    pub states: &'static [SubmissionState],
    /// The signed-in officer (to mark own claims).
    pub me: Uuid,
    /// How branches are named.
    pub branches: BranchLabels,
}

/// How pages name branches: the display name with the code (`大阪支店（OSK）`), keyed by
/// code; a branch without a name is shown by its code.
#[derive(Debug, Clone, Default)]
pub struct BranchLabels(pub std::collections::HashMap<String, String>);

impl BranchLabels {
    /// The label of `code`.
    pub fn of<'a>(&'a self, code: &'a str) -> &'a str {
        self.0.get(code).map_or(code, String::as_str)
    }
}

impl QueuePage {
    /// A Unix-ms time as `YYYY-MM-DD HH:MM` in Japan time.
    pub fn when(&self, ms: &Option<i64>) -> String {
        ms.map(jst).unwrap_or_default()
    }
}

/// A Unix-ms time as `YYYY-MM-DD HH:MM` (JST, the employer's clock).
pub fn jst(ms: i64) -> String {
    let offset = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map(|t| t.to_offset(offset).format(&format).unwrap_or_default())
        .unwrap_or_default()
}

/// One person on the item page.
#[derive(Debug)]
pub struct StaffPerson {
    /// Typed data (last four digits only).
    pub subject: SubjectSummary,
    /// The full number, only on the response to an audited reveal.
    pub revealed: Option<Zeroizing<String>>,
    /// This person's documents.
    pub documents: Vec<DocumentSummary>,
    /// What the verify form offers for this person: only what the evidence and the
    /// channel allow on the day (from the rule table).
    pub choices: VerifyChoices,
}

/// The verify form's choices for one person (codes of the verifier's rule table).
#[derive(Debug, Clone, Default)]
pub struct VerifyChoices {
    /// Number checks the evidence allows.
    pub number_checks: Vec<&'static str>,
    /// Identity checks the evidence and the channel allow.
    pub identity_checks: Vec<&'static str>,
    /// Identity documents among the evidence that count today, each with whether it has
    /// an expiry date to record and whether it is pre-selected.
    pub identity_documents: Vec<(DocumentKind, bool, bool)>,
    /// The number check pre-selected from the uploads.
    pub number_check: Option<&'static str>,
    /// The identity check pre-selected from the uploads.
    pub identity_check: Option<&'static str>,
}

impl VerifyChoices {
    /// Whether a 通知カード is among the number checks offered (its 住民票 match box shows).
    pub fn offers_notification_card(&self) -> bool {
        self.number_checks.contains(&"notification_card")
    }
}

impl StaffPerson {
    /// Whether a card-back photo's QR holds another number than the typed one (the
    /// verify form then asks for the officer's reason).
    pub fn card_qr_differs(&self) -> bool {
        self.documents
            .iter()
            .any(|d| d.qr_check == Some(QrCheck::Differs))
    }
}

/// `GET /s/submissions/{id}`: the typed data beside the documents, and the decisions.
#[derive(Debug, Template)]
#[template(path = "staff/item.html")]
pub struct ItemPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The submission.
    pub item: ReviewItem,
    /// The people, the provider first, with their documents.
    pub people: Vec<StaffPerson>,
    /// Whether the signed-in officer holds the claim (the decision forms show).
    pub mine: bool,
    /// The branch's display name with its code (`大阪支店（OSK）`), if it has a branch.
    pub branch_name: Option<String>,
    /// Reasons of a correction request.
    pub correction_reasons: &'static [&'static str],
    /// Reasons of a rejection.
    pub rejection_reasons: &'static [&'static str],
}

impl ItemPage {
    /// A correction's time, for the history.
    pub fn when(&self, c: &CorrectionNotice) -> String {
        jst(c.requested_at)
    }

    /// Whose item a history line concerns.
    pub fn about(&self, c: &CorrectionNotice) -> String {
        let name = c.subject_id.and_then(|id| {
            self.people
                .iter()
                .find(|p| p.subject.subject_id == id)
                .map(|p| p.subject.name.clone())
        });
        name.unwrap_or_default()
    }
}

/// Staff-side labels of states, checks and reasons (codes to words).
impl Lang {
    /// A state as staff see it (precise, unlike the provider's wording).
    pub fn staff_state(self, s: impl crate::text::Value<SubmissionState>) -> &'static str {
        self.t(match s.value() {
            SubmissionState::Invited => Text::SStateInvited,
            SubmissionState::Draft => Text::StateDraft,
            SubmissionState::Submitted => Text::SStateSubmitted,
            SubmissionState::Resubmitted => Text::SStateResubmitted,
            SubmissionState::InReview => Text::StateInReview,
            SubmissionState::Verified => Text::StateVerified,
            SubmissionState::Released => Text::SStateReleased,
            SubmissionState::CorrectionRequested => Text::StateCorrection,
            SubmissionState::Rejected => Text::SStateRejected,
            SubmissionState::Declined => Text::SStateDeclined,
            SubmissionState::Disposed => Text::StateDisposed,
        })
    }

    /// Why a dependant has no number, from its stored code.
    pub fn no_number_reason(self, code: &str) -> &'static str {
        self.t(match code {
            "living_abroad" => Text::NoNumberLivingAbroad,
            _ => Text::NoNumberNewborn,
        })
    }

    /// A change after verification (issue 17), from its stored code.
    pub fn change_kind(self, code: &str) -> &'static str {
        self.t(match code {
            "add_dependant" => Text::SChangeAddDependant,
            "end_dependant" => Text::SChangeEndDependant,
            "name" => Text::SChangeName,
            "address" => Text::SChangeAddress,
            "number" => Text::SChangeNumber,
            "category3_start" => Text::SChangeCategory3Start,
            _ => Text::SChangeCategory3End,
        })
    }

    /// A number-check or identity-check code.
    pub fn check(self, code: &str) -> &'static str {
        self.t(match code {
            "my_number_card" => Text::SCheckCard,
            "residence_record" => Text::SCheckResidence,
            "notification_card" => Text::SCheckNotification,
            "employee_attestation" => Text::SCheckAttestation,
            "photo_id" => Text::SCheckPhotoId,
            "two_non_photo_documents" => Text::SCheckTwoDocs,
            "face_to_face_known_employee" => Text::SCheckFaceToFace,
            _ => Text::CorrOther,
        })
    }

    /// How a submission taken in on a person's behalf arrived (`post`, `in_person`).
    pub fn channel(self, code: &str) -> &'static str {
        self.t(if code == "post" {
            Text::SChannelPost
        } else {
            Text::SChannelInPerson
        })
    }

    /// A role code.
    pub fn role(self, code: &str) -> &'static str {
        self.t(match code {
            "officer" => Text::SRoleOfficer,
            "collector" => Text::SRoleCollector,
            "auditor" => Text::SRoleAuditor,
            _ => Text::SRoleAdmin,
        })
    }

    /// A rejection reason code.
    pub fn rejection_reason(self, code: &str) -> &'static str {
        self.t(match code {
            "suspected_fraud" => Text::SRejectFraud,
            "wrong_person" => Text::SRejectWrongPerson,
            _ => Text::SRejectOther,
        })
    }
}

/// `GET /s/people`: everyone in the staff member's branches, and a new paper record.
#[derive(Debug, Template)]
#[template(path = "staff/people.html")]
pub struct PeoplePage {
    /// Frame.
    pub staff: StaffFrame,
    /// The people with their state.
    pub entries: Vec<QueueEntry>,
    /// The branches the new-record form offers.
    pub branches: Vec<String>,
    /// How branches are named.
    pub branch_labels: BranchLabels,
}

/// `GET /s/people/{submission}/changes`: a verified record's history, oldest version first,
/// with the links to report a change on the person's behalf (issue 17).
#[derive(Debug, Template)]
#[template(path = "staff/changes.html")]
pub struct ChangesPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The record (its collection).
    pub submission_id: Uuid,
    /// The employee's or payee's name.
    pub display_name: String,
    /// Everyone of the record with every version, oldest first (no number).
    pub history: Vec<storage::history::PersonHistory>,
}

impl ChangesPage {
    /// A person's relationship as words (the record's own person: 本人).
    pub fn relationship_of(&self, person: &storage::history::PersonHistory) -> &'static str {
        self.staff.page.l.relationship(
            person
                .relationship
                .as_deref()
                .and_then(Relationship::from_code)
                .unwrap_or(Relationship::Myself),
        )
    }

    /// A person's current name.
    pub fn current_name<'a>(&self, person: &'a storage::history::PersonHistory) -> &'a str {
        crate::pages::current_name(person)
    }

    /// A stored `YYYY-MM-DD` date as 2026/12/31, or `none`'s words when there is none.
    pub fn date_or(&self, date: &Option<String>, none: Text) -> String {
        match date {
            Some(d) => d.replace('-', "/"),
            None => self.staff.page.l.t(none).to_owned(),
        }
    }

    /// A Unix-millisecond time in Japan time.
    pub fn when(&self, ms: &i64) -> String {
        jst(*ms)
    }
}

/// `GET /s/people/{submission}/changes/dependant` and `…/other`: one change form on the
/// person's behalf, with how staff received it. The fields are the provider's change
/// pages' own (`change_dependant_fields.html`, `change_other_fields.html`).
#[derive(Debug, Template)]
#[template(path = "staff/change_form.html")]
pub struct ChangeFormPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The record (its collection).
    pub submission_id: Uuid,
    /// The employee's or payee's name.
    pub display_name: String,
    /// The new-dependant form (else any other change).
    pub dependant: bool,
    /// Who a change can name (people whose relationship has not ended).
    pub people: Vec<crate::pages::ChangeablePerson>,
    /// The change kinds of the other-change form.
    pub change_kinds: Vec<(&'static str, Text)>,
    /// The relationships a dependant can have.
    pub relationships: &'static [Relationship],
    /// The document kinds offered today (for the photo).
    pub documents: Vec<DocumentKind>,
    /// Every document kind (what staff saw on paper or at the desk).
    pub seen_kinds: &'static [DocumentKind],
}

/// `GET /s/people/{submission}`: taking one person's submission in on their behalf.
#[derive(Debug, Template)]
#[template(path = "staff/person.html")]
pub struct PersonPage {
    /// Frame.
    pub staff: StaffFrame,
    /// The invited person's name (until their details are saved).
    pub display_name: String,
    /// The submission (last four digits only).
    pub status: SubmissionStatus,
    /// The details shown in the form (never the number).
    pub values: crate::pages::SubjectValues,
    /// The person's own subject, once saved.
    pub own: Option<SubjectSummary>,
    /// Whether it can still be filled in.
    pub editable: bool,
    /// Document kinds.
    pub kinds: &'static [DocumentKind],
    /// A fresh key for the upload form (a resent form stores the photo once).
    pub idempotency_key: String,
}

impl PersonPage {
    /// The own subject's documents, each with its scrub report (one line per kind).
    pub fn own_documents(&self) -> Vec<crate::pages::DocumentView> {
        let own = self.own.as_ref().map(|o| o.subject_id);
        self.status
            .documents
            .iter()
            .filter(|d| Some(d.subject_id) == own)
            .map(Into::into)
            .collect()
    }
}

/// `GET /s/ledgers/{ledger}`: a ledger as a table, with its CSV download.
#[derive(Debug, Template)]
#[template(path = "staff/ledger.html")]
pub struct LedgerPage {
    /// Frame.
    pub staff: StaffFrame,
    /// `files`, `exports` or `disposals`.
    pub ledger: &'static str,
    /// The CSV header.
    pub header: Vec<String>,
    /// The CSV rows.
    pub rows: Vec<Vec<String>>,
}

/// `GET /s/alerts`: alerts and the staff login history.
#[derive(Debug, Template)]
#[template(path = "staff/alerts.html")]
pub struct AlertsPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Alerts, newest first.
    pub alerts: Vec<storage::alerts::Alert>,
    /// Sign-in attempts, newest first.
    pub sign_ins: Vec<storage::staff::SignInRecord>,
    /// Incident records with their timelines.
    pub incidents: Vec<storage::incidents::IncidentRecord>,
    /// Every staff account (to name the actors).
    pub staff_names: Vec<storage::audit_desk::StaffName>,
}

impl AlertsPage {
    /// Labels in the page's language.
    pub fn labels(&self) -> crate::audit_desk::Labels {
        crate::audit_desk::Labels(self.staff.page.l)
    }

    /// Whom an alert or a timeline step is about: a username for `staff:<id>`, the kind's
    /// label for `system`, `cli`, …; an address as it is.
    pub fn actor(&self, label: &str) -> String {
        if let Some(id) = label.strip_prefix("staff:")
            && let Some(s) = self
                .staff_names
                .iter()
                .find(|s| s.account_id.to_string() == id)
        {
            return s.username.clone();
        }
        match label.split_once(':') {
            Some(("ip", address)) => address.to_owned(),
            Some((kind, id)) => format!(
                "{} {}",
                self.labels().kind(kind),
                id.chars().take(8).collect::<String>()
            ),
            None => self.labels().kind(label),
        }
    }

    /// A Unix-ms time in JST.
    pub fn when(&self, ms: &i64) -> String {
        jst(*ms)
    }

    /// An alert rule's label in the page's language.
    pub fn rule(&self, rule: &str) -> String {
        crate::audit_desk::Labels(self.staff.page.l).alert_rule(rule)
    }
}

/// `GET /s/releases`: verified records to propose, releases to approve or download.
#[derive(Debug, Template)]
#[template(path = "staff/releases.html")]
pub struct ReleasesPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Verified submissions in scope.
    pub verified: Vec<QueueEntry>,
    /// Proposed releases, and approved ones whose file waits.
    pub open: Vec<storage::release::ReleaseLine>,
    /// The signed-in officer (own proposals cannot be approved).
    pub me: Uuid,
    /// Whether payroll's recipient is configured.
    pub payroll_ready: bool,
    /// The purposes of use a release may name (the configured list), in order.
    pub purposes: Vec<crate::pages::Purpose>,
}

/// `GET /s/disposals`: what is due, and the proposals waiting for a second officer.
#[derive(Debug, Template)]
#[template(path = "staff/disposals.html")]
pub struct DisposalsPage {
    /// Frame.
    pub staff: StaffFrame,
    /// Due (or due within the notice period), in scope.
    pub due: Vec<storage::retention::DisposalDue>,
    /// Waiting for approval, in scope.
    pub pending: Vec<storage::retention::PendingDisposal>,
    /// The signed-in officer's label (`staff:<id>`).
    pub me: String,
}

/// A Unix-ms time in Japan time, for templates.
pub fn when(ms: &i64) -> String {
    jst(*ms)
}

/// After establishing an incident's scope: the people affected, for notification.
#[derive(Debug, Template)]
#[template(path = "staff/incident_scope.html")]
pub struct IncidentScopePage {
    /// Frame.
    pub staff: StaffFrame,
    /// The incident's title.
    pub title: String,
    /// The answer.
    pub scope: storage::incidents::IncidentScope,
}

/// An error on a staff page, under the staff header (never the provider portal's): the
/// sentence in both languages and a way back.
#[derive(Debug, Template)]
#[template(path = "staff/notice.html")]
pub struct StaffNoticePage {
    /// Frame.
    pub staff: StaffFrame,
    /// The sentence in Japanese.
    pub ja: &'static str,
    /// The sentence in English.
    pub en: &'static str,
}
