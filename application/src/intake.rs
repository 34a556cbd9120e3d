//! Intake: filling in a submission — the provider through their own link's session, or an
//! officer or a branch collector on the person's behalf (代理受付) — and handing it in.
//! One function per use case; the JSON routes, the provider's pages and the staff pages
//! call the same ones, so validation, sealing, scope and the state rules are the same
//! whoever files.
//!
//! Who files is a [`Filer`]; every use case takes the [`Filing`] it opens, which only this
//! module makes: a provider's filing is their own session's submission, staff's is one
//! submission in their branches (out of scope is not found, like something that does not
//! exist; `storage::scope`).

use domain::person::{ParsedEdit, ParsedSubject, Relationship};
use domain::{DocumentKind, QrCheck, StaffId, SubjectId, SubmissionId, SubmissionState};
use storage::AuditContext;
use storage::assisted::{AssistedIntake, Channel};
use storage::invitations::{InvitationKind, NewInvitation, ProviderSession};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::PersonName;
use storage::review::QueueEntry;
use storage::submissions::{
    DependantDeclaration, MissingItem, SealedDocument, StoredDocument, SubjectEdit, SubjectInput,
    SubmissionStatus,
};
use uuid::Uuid;

use crate::access::Assistant;
use crate::app::App;
use crate::error::{AppError, Invalid};

/// Who fills in a submission.
#[derive(Debug, Clone, Copy)]
pub enum Filer<'a> {
    /// The provider, through their session (bound to their own submission).
    Provider {
        /// The session.
        session: &'a ProviderSession,
        /// Their audit context.
        audit: &'a AuditContext,
    },
    /// An officer or a branch collector on the person's behalf, for a submission in their
    /// branches.
    Staff {
        /// The staff member.
        staff: &'a Assistant,
        /// The submission (a first collection, or a change event of a verified record).
        submission: SubmissionId,
    },
}

/// A submission as its filer may work on it: made only by [`Filer::open`],
/// [`Filer::look`] and [`Filer::change_filing`], after the scope check.
#[derive(Debug, Clone)]
pub struct Filing {
    pub(crate) session: ProviderSession,
    pub(crate) audit: AuditContext,
    staff: Option<StaffId>,
}

impl Filing {
    /// The submission.
    pub fn submission(&self) -> SubmissionId {
        self.session.submission_id.into()
    }

    /// Employee or payee.
    pub fn kind(&self) -> InvitationKind {
        self.session.kind
    }

    /// Whether staff file on the person's behalf.
    pub fn by_staff(&self) -> bool {
        self.staff.is_some()
    }
}

impl Filer<'_> {
    async fn filing(&self, app: &App, open: bool) -> Result<Filing, AppError> {
        match self {
            Self::Provider { session, audit } => Ok(Filing {
                session: (*session).clone(),
                audit: (*audit).clone(),
                staff: None,
            }),
            Self::Staff { staff, submission } => {
                let session = staff
                    .vault(&app.vault)
                    .assisted_session(staff.audit(), submission.uuid(), open)
                    .await?;
                Ok(Filing {
                    session,
                    audit: staff.audit().clone(),
                    staff: Some(staff.id()),
                })
            }
        }
    }

    /// The filing, to change it: staff's first touch of an untouched invitation opens its
    /// submission (invited → draft), as the provider's sign-in does.
    pub async fn open(&self, app: &App) -> Result<Filing, AppError> {
        self.filing(app, true).await
    }

    /// The filing, to read it (nothing changes).
    pub async fn look(&self, app: &App) -> Result<Filing, AppError> {
        self.filing(app, false).await
    }

    /// The filing of one change event of the filer's verified record (issue 17), to upload
    /// its photos or hand it in: for the provider it must belong to their record, for
    /// staff be in their branches; else not found.
    pub async fn change_filing(&self, app: &App, change: SubmissionId) -> Result<Filing, AppError> {
        match self {
            Self::Provider { session, audit } => {
                let id = app.vault.change_of_record(session, change.uuid()).await?;
                Ok(Filing {
                    session: ProviderSession {
                        submission_id: id,
                        ..(*session).clone()
                    },
                    audit: (*audit).clone(),
                    staff: None,
                })
            }
            Self::Staff { staff, .. } => {
                Self::Staff {
                    staff,
                    submission: change,
                }
                .open(app)
                .await
            }
        }
    }
}

/// The submission as its filer sees it. The provider's card-back QR outcomes are brought
/// up to date first where this instance can (issue 19; a no-op on a public instance);
/// staff see each person's last four digits.
pub async fn status(app: &App, filing: &Filing) -> Result<SubmissionStatus, AppError> {
    let id = filing.session.submission_id;
    if filing.by_staff() {
        let mut status = app.vault.submission_status(id).await?;
        crate::numbers::with_last4s(app, &mut status).await?;
        Ok(status)
    } else {
        crate::numbers::refresh_card_qrs(app, id).await?;
        Ok(app.vault.submission_status(id).await?)
    }
}

/// What is still needed before the submission can be handed in.
pub async fn missing(app: &App, filing: &Filing) -> Result<Vec<MissingItem>, AppError> {
    Ok(app
        .vault
        .missing_items(filing.session.submission_id)
        .await?)
}

/// The name and furigana the record was made with (the HR roster's, or what staff typed
/// for a record without a link), to start the own-details form from.
pub async fn roster_name(app: &App, filing: &Filing) -> Result<(String, Option<String>), AppError> {
    Ok(app
        .vault
        .invitation_roster_name(filing.session.invitation_id)
        .await?)
}

/// The filer's own address is required of payees and of employees when the employer
/// configured so (`[portal] employee_address_required`). A payee's 支払調書 (所得税法第225条
/// 第1項) names the payee by address: 国税庁「報酬、料金、契約金及び賞金の支払調書」の記載
/// 要領, 「支払を受ける者」の「住所（居所）又は所在地」. (The 施行規則 article that lists the
/// form's entries was not confirmed here.)
fn own_address_required(
    app: &App,
    filing: &Filing,
    details: &domain::person::FilingDetails,
) -> Result<(), AppError> {
    let required = filing.kind() == InvitationKind::Payee || app.policy.employee_address_required;
    if required && details.address.is_none() {
        return Err(AppError::Invalid(Invalid::AddressRequired));
    }
    Ok(())
}

/// Saves the person's own details and number (a first save, or a new number).
pub async fn save_self(
    app: &App,
    filing: &Filing,
    parsed: ParsedSubject,
) -> Result<SubjectId, AppError> {
    own_address_required(app, filing, &parsed.details)?;
    let input = seal(app, parsed)?;
    let id = app
        .vault
        .save_self_subject(&filing.audit, &filing.session, &input)
        .await?;
    Ok(id.into())
}

/// Saves the person's own details from the form that may leave the number blank: blank
/// keeps the saved number (a saved number is never shown back), and is refused when none
/// is saved yet.
pub async fn save_own_details(
    app: &App,
    filing: &Filing,
    parsed: ParsedEdit,
) -> Result<SubjectId, AppError> {
    own_address_required(app, filing, &parsed.details)?;
    if parsed.number.is_some() {
        let subject = ParsedSubject {
            relationship: parsed.relationship,
            number: parsed.number,
            // The person themself always gives a number.
            no_number_reason: None,
            name: parsed.name,
            name_kana: parsed.name_kana,
            birth_date: parsed.birth_date,
            details: parsed.details,
        };
        return save_self(app, filing, subject).await;
    }
    let status = app
        .vault
        .submission_status(filing.session.submission_id)
        .await?;
    let Some(saved) = status
        .subjects
        .iter()
        .find(|s| s.relationship == Relationship::Myself)
    else {
        return Err(AppError::Invalid(Invalid::NumberRequired));
    };
    let edit = seal_edit(app, parsed)?;
    app.vault
        .edit_subject(
            &filing.audit,
            &filing.session,
            saved.subject_id,
            &edit,
            None,
        )
        .await?;
    Ok(saved.subject_id.into())
}

/// Adds a dependant with what the employee declares about them.
pub async fn add_dependant(
    app: &App,
    filing: &Filing,
    parsed: ParsedSubject,
    declaration: DependantDeclaration,
) -> Result<SubjectId, AppError> {
    let input = seal(app, parsed)?;
    let id = app
        .vault
        .add_dependant_declared(&filing.audit, &filing.session, &input, declaration)
        .await?;
    Ok(id.into())
}

/// Changes a dependant (a blank number keeps the saved one).
pub async fn edit_dependant(
    app: &App,
    filing: &Filing,
    subject: SubjectId,
    parsed: ParsedEdit,
    declaration: DependantDeclaration,
) -> Result<(), AppError> {
    let edit = seal_edit(app, parsed)?;
    app.vault
        .edit_subject(
            &filing.audit,
            &filing.session,
            subject.uuid(),
            &edit,
            Some(declaration),
        )
        .await?;
    Ok(())
}

/// Removes a dependant.
pub async fn remove_dependant(
    app: &App,
    filing: &Filing,
    subject: SubjectId,
) -> Result<(), AppError> {
    app.vault
        .remove_dependant(&filing.audit, &filing.session, subject.uuid())
        .await?;
    Ok(())
}

/// Admits a photo of `kind` before anything is decoded, and says whether to look for the
/// number's QR code on it: always on the card's back, and on any photo the person marks as
/// their card (`marked`). The 個人番号通知書 proves nothing since 2020-05-25 and is refused
/// with its reason, so the person photographs what counts instead (`verifier::rules`).
pub fn admit_photo(kind: DocumentKind, marked: bool) -> Result<bool, AppError> {
    if verifier::rules::table::proves_nothing(kind) {
        return Err(AppError::Invalid(Invalid::ProvesNothing));
    }
    Ok(kind.carries_number_qr() || marked)
}

/// Stores a scrubbed and sealed photo for one person of the filing; a retry with the same
/// `retry_key` returns the first. A card-back QR is compared with the typed number at once
/// where this instance can (the combined default); on a public one it stays pending until
/// the internal side's pass.
pub async fn store_photo(
    app: &App,
    filing: &Filing,
    subject: SubjectId,
    document: &SealedDocument,
    retry_key: Option<&str>,
    replaces: Option<Uuid>,
) -> Result<StoredDocument, AppError> {
    let mut stored = app
        .vault
        .store_document(
            &filing.audit,
            filing.session.submission_id,
            subject.uuid(),
            document,
            retry_key,
            replaces,
        )
        .await?;
    compare_qr(app, filing, &mut stored).await?;
    Ok(stored)
}

async fn compare_qr(
    app: &App,
    filing: &Filing,
    stored: &mut StoredDocument,
) -> Result<(), AppError> {
    if stored.summary.qr_check == Some(QrCheck::Pending) {
        stored.summary.qr_check = crate::numbers::check_card_qr(
            app,
            filing.session.submission_id,
            stored.summary.document_id,
        )
        .await?;
    }
    Ok(())
}

/// Photo first: keeps a card-back photo whose QR gave a number, sealed, until the person
/// confirms the number in the form; returns the read's id.
pub async fn keep_card_read(
    app: &App,
    filing: &Filing,
    document: &SealedDocument,
) -> Result<Uuid, AppError> {
    Ok(app
        .vault
        .put_card_read(&filing.audit, filing.session.submission_id, document)
        .await?)
}

/// The kept card read becomes `subject`'s card-back document, its QR compared with the
/// number now saved. `None` when the read has gone (expired, replaced): the photo is then
/// simply asked for again, like any other.
pub async fn attach_card_read(
    app: &App,
    filing: &Filing,
    subject: SubjectId,
    read: Uuid,
) -> Result<Option<StoredDocument>, AppError> {
    let mut stored = match app
        .vault
        .attach_card_read(
            &filing.audit,
            filing.session.submission_id,
            subject.uuid(),
            read,
        )
        .await
    {
        Ok(stored) => stored,
        Err(storage::StorageError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    compare_qr(app, filing, &mut stored).await?;
    Ok(Some(stored))
}

/// The provider hands in (or hands in corrections); `Err(missing)` lists what is still
/// needed. Staff hand in with how it arrived ([`hand_in_received`]).
pub async fn submit(
    app: &App,
    filing: &Filing,
) -> Result<Result<SubmissionState, Vec<MissingItem>>, AppError> {
    if filing.by_staff() {
        return Err(AppError::Forbidden);
    }
    Ok(app.vault.submit(&filing.audit, &filing.session).await?)
}

/// The provider declines to provide (提供しない), with the reason: free text shown to
/// officers, which may not carry a number (番号法第20条: no collecting or keeping a number
/// outside what the Act allows; DESIGN invariants 1–2).
pub async fn decline(
    app: &App,
    filing: &Filing,
    reason: &str,
) -> Result<SubmissionState, AppError> {
    if filing.by_staff() {
        return Err(AppError::Forbidden);
    }
    if verifier::rules::holds_digit_run(reason, 12) {
        return Err(AppError::Invalid(Invalid::DeclineReason));
    }
    Ok(app
        .vault
        .decline(&filing.audit, &filing.session, reason)
        .await?)
}

/// How staff received a submission, checked: the document kinds they saw (known kinds
/// only) and a note for the officer without a number ([`verifier::decisions::parse_message`]).
pub fn received(
    channel: Channel,
    documents_seen: &[String],
    note: &str,
) -> Result<AssistedIntake, AppError> {
    let documents_seen = documents_seen
        .iter()
        .map(|c| {
            DocumentKind::from_code(c.trim())
                .map(DocumentKind::code)
                .ok_or(AppError::Invalid(Invalid::DocumentKind))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let note = verifier::decisions::parse_message(note)
        .map_err(|_| AppError::Invalid(Invalid::Message))?;
    Ok(AssistedIntake {
        channel,
        documents_seen,
        note,
    })
}

/// Staff hand the filing in with how it arrived; an officer then verifies it in the queue
/// like any other. `Err(missing)` lists what is still needed.
pub async fn hand_in_received(
    app: &App,
    filing: &Filing,
    intake: &AssistedIntake,
) -> Result<Result<SubmissionState, Vec<MissingItem>>, AppError> {
    let Some(staff) = filing.staff else {
        return Err(AppError::Forbidden);
    };
    Ok(app
        .vault
        .as_staff(staff)
        .hand_in_assisted(&filing.audit, &filing.session, intake)
        .await?)
}

/// A record for someone who was never sent a link (paper by post, say).
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// Employee or payee.
    pub kind: InvitationKind,
    /// The person's name.
    pub name: PersonName,
    /// The employer's code for the person.
    pub employee_code: Option<EmployeeCode>,
    /// One of the staff member's branches.
    pub branch: BranchCode,
}

/// Creates the record (an invitation whose link is never shown, and its submission) in one
/// of the staff member's branches; another branch is not found. Returns the submission.
pub async fn new_record(
    app: &App,
    staff: &Assistant,
    record: NewRecord,
) -> Result<SubmissionId, AppError> {
    if !app
        .vault
        .staff_has_scope(staff.id().uuid(), &record.branch)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let created = app
        .vault
        .create_invitation(
            staff.audit(),
            &NewInvitation {
                kind: record.kind,
                name: record.name,
                name_kana: None,
                email: None,
                employee_code: record.employee_code,
                branch: Some(record.branch),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await?;
    // The link is not shown to anyone: the person hands over on paper.
    drop(created.token);
    Ok(created.submission_id.into())
}

/// Every state a person in scope can be in, for the roster.
pub const ROSTER_STATES: [SubmissionState; 10] = [
    SubmissionState::Invited,
    SubmissionState::Draft,
    SubmissionState::Submitted,
    SubmissionState::Resubmitted,
    SubmissionState::InReview,
    SubmissionState::CorrectionRequested,
    SubmissionState::Verified,
    SubmissionState::Released,
    SubmissionState::Rejected,
    SubmissionState::Declined,
];

/// Everyone in the staff member's branches with their state.
pub async fn people(app: &App, staff: &Assistant) -> Result<Vec<QueueEntry>, AppError> {
    Ok(staff.vault(&app.vault).queue(&ROSTER_STATES).await?)
}

/// The staff member's branches (codes).
pub async fn branches(app: &App, staff: &Assistant) -> Result<Vec<String>, AppError> {
    Ok(app.vault.staff_scopes(staff.id().uuid()).await?)
}

/// Seals a parsed person's number (the one place intake seals one).
pub(crate) fn seal(app: &App, parsed: ParsedSubject) -> Result<SubjectInput, AppError> {
    Ok(SubjectInput {
        number: parsed
            .number
            .as_ref()
            .map(|n| app.keys.seal_number(n))
            .transpose()
            .map_err(|e| AppError::internal(&e))?,
        no_number_reason: parsed.no_number_reason,
        relationship: parsed.relationship,
        name: parsed.name,
        name_kana: parsed.name_kana,
        birth_date: parsed.birth_date,
        details: parsed.details,
    })
}

/// Seals the new number of an edit, if one was typed.
pub(crate) fn seal_edit(app: &App, parsed: ParsedEdit) -> Result<SubjectEdit, AppError> {
    Ok(SubjectEdit {
        number: parsed
            .number
            .map(|n| app.keys.seal_number(&n))
            .transpose()
            .map_err(|e| AppError::internal(&e))?,
        no_number_reason: parsed.no_number_reason,
        details: parsed.details,
        relationship: parsed.relationship,
        name: parsed.name,
        name_kana: parsed.name_kana,
        birth_date: parsed.birth_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_notice_is_refused_and_the_card_back_is_read() {
        assert!(matches!(
            admit_photo(DocumentKind::NumberNotice, false),
            Err(AppError::Invalid(Invalid::ProvesNothing))
        ));
        assert!(admit_photo(DocumentKind::MyNumberCardBack, false).unwrap_or(false));
        assert!(admit_photo(DocumentKind::MyNumberCardFront, true).unwrap_or(false));
        assert!(!admit_photo(DocumentKind::Passport, false).unwrap_or(true));
    }

    #[test]
    fn what_staff_state_at_hand_in_is_checked() {
        let ok = received(Channel::Post, &["passport".to_owned()], "郵送で受領");
        assert!(ok.is_ok());
        assert!(matches!(
            received(Channel::Post, &["no_such_kind".to_owned()], ""),
            Err(AppError::Invalid(Invalid::DocumentKind))
        ));
        assert!(matches!(
            received(Channel::InPerson, &[], "番号は123456789018です"),
            Err(AppError::Invalid(Invalid::Message))
        ));
    }
}
