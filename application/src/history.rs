//! Changes on a verified record (issue 17): one use case per kind of change, each available
//! to the provider (through their own link's session) and to an officer or a branch
//! collector on the person's behalf (scoped like assisted intake: a record outside the
//! staff member's branches is not found). Each change opens (or continues) the person's
//! change event, which holds a new version of the changed person only; handing it in puts
//! that person alone in the officer's queue, verified with the rule table of the day,
//! while everyone else keeps their verification. See `storage::history` for the model.

use domain::SubmissionId;
use storage::AuditContext;
use storage::history::{Change, PersonHistory, RecordedChange};
use storage::invitations::ProviderSession;
use storage::keys::SealedNumber;
use storage::person::{Address, NameKana, PersonName};
use storage::submissions::{DependantDeclaration, MissingItem, SubjectInput};
use uuid::Uuid;

use crate::access::Assistant;
use crate::app::App;
use crate::error::{AppError, Invalid};

/// Who makes the change.
#[derive(Debug, Clone, Copy)]
pub enum ChangedBy<'a> {
    /// The provider, through their session (bound to their verified record).
    Provider {
        /// The session.
        session: &'a ProviderSession,
        /// Their audit context.
        audit: &'a AuditContext,
    },
    /// An officer or a branch collector on the person's behalf, for a record in scope.
    Staff {
        /// The staff member.
        staff: &'a Assistant,
        /// The verified record (its collection, or any of its events).
        record: SubmissionId,
    },
}

impl ChangedBy<'_> {
    /// The session the change is made under and whose audit context records it: the
    /// provider's own, or staff's assisted session on the record (in scope, else not found).
    async fn session(&self, app: &App) -> Result<(ProviderSession, AuditContext), AppError> {
        match self {
            Self::Provider { session, audit } => Ok(((*session).clone(), (*audit).clone())),
            Self::Staff { staff, record } => {
                let session = staff
                    .vault(&app.vault)
                    .assisted_session(staff.audit(), record.uuid(), false)
                    .await?;
                Ok((session, staff.audit().clone()))
            }
        }
    }
}

/// A change's effective date (`YYYY-MM-DD`).
pub fn parse_effective_on(text: &str) -> Result<time::Date, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).map_err(|_| AppError::Invalid(Invalid::Date))
}

async fn record(
    app: &App,
    by: ChangedBy<'_>,
    change: Change,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let (session, audit) = by.session(app).await?;
    Ok(app
        .vault
        .record_change(&audit, &session, &change, effective_on)
        .await?)
}

/// A new dependant (a newborn: the number may be pending, with `newborn_not_yet_numbered`).
pub async fn add_dependant(
    app: &App,
    by: ChangedBy<'_>,
    input: SubjectInput,
    declaration: DependantDeclaration,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let change = Change::AddDependant {
        input: Box::new(input),
        declaration,
    };
    record(app, by, change, effective_on).await
}

/// A dependant leaves the record from `effective_on`.
pub async fn end_dependant(
    app: &App,
    by: ChangedBy<'_>,
    person: Uuid,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::EndDependant { person }, effective_on).await
}

/// A new name; the old one stays in the history and, unless another is given, its
/// surname becomes the 旧姓.
pub async fn change_name(
    app: &App,
    by: ChangedBy<'_>,
    person: Uuid,
    name: PersonName,
    name_kana: NameKana,
    former_surname: Option<PersonName>,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let change = Change::Name {
        person,
        name,
        name_kana,
        former_surname,
    };
    record(app, by, change, effective_on).await
}

/// A new address.
pub async fn change_address(
    app: &App,
    by: ChangedBy<'_>,
    person: Uuid,
    address: Address,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::Address { person, address }, effective_on).await
}

/// A reissued number (or a newborn's first one): the old one stays sealed, superseded once
/// the officer verifies the new one, and is never exported as current.
pub async fn change_number(
    app: &App,
    by: ChangedBy<'_>,
    person: Uuid,
    number: SealedNumber,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::Number { person, number }, effective_on).await
}

/// A spouse starts being a 国民年金第3号被保険者 (the employer verifies them: photos needed).
pub async fn start_category3(
    app: &App,
    by: ChangedBy<'_>,
    person: Uuid,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::Category3Start { person }, effective_on).await
}

/// A spouse stops being a 国民年金第3号被保険者.
pub async fn end_category3(
    app: &App,
    by: ChangedBy<'_>,
    person: Uuid,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::Category3End { person }, effective_on).await
}

/// The provider's session on one of their change events (to upload its photos or hand it
/// in): the event must belong to the provider's record, else not found.
pub async fn change_session(
    app: &App,
    session: &ProviderSession,
    change: SubmissionId,
) -> Result<ProviderSession, AppError> {
    let id = app.vault.change_of_record(session, change.uuid()).await?;
    Ok(ProviderSession {
        submission_id: id,
        ..session.clone()
    })
}

/// The provider hands in their change event: the changed people go to the officer's queue.
pub async fn hand_in(
    app: &App,
    session: &ProviderSession,
    audit: &AuditContext,
    change: SubmissionId,
) -> Result<Result<domain::SubmissionState, Vec<MissingItem>>, AppError> {
    let session = change_session(app, session, change).await?;
    let outcome = app.vault.submit(audit, &session).await?;
    if outcome.is_ok() && app.internal().is_ok() {
        // On an instance holding the keys, the new numbers are indexed at once (duplicate
        // check before the officer looks); elsewhere the internal side's pass does it.
        crate::numbers::index_pending(app, Some(change.uuid())).await?;
    }
    Ok(outcome)
}

/// Everyone of the record with every version (no number, no image), for the provider or
/// for staff in scope.
pub async fn history(app: &App, by: ChangedBy<'_>) -> Result<Vec<PersonHistory>, AppError> {
    let (session, _) = by.session(app).await?;
    Ok(app.vault.record_history(session.submission_id).await?)
}
