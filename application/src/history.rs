//! Changes on a verified record (issue 17): one use case per kind of change, each available
//! to the provider (through their own link's session) and to an officer or a branch
//! collector on the person's behalf (scoped like assisted intake: a record outside the
//! staff member's branches is not found). Each change opens (or continues) the person's
//! change event, which holds a new version of the changed person only; handing it in puts
//! that person alone in the officer's queue, verified with the rule table of the day,
//! while everyone else keeps their verification. See `storage::history` for the model.

use domain::person::{ParsedChange, ParsedSubject};
use storage::history::{Change, PersonHistory, RecordedChange};
use storage::person::{Address, NameKana, PersonName};
use storage::submissions::{DependantDeclaration, MissingItem};
use uuid::Uuid;

use crate::app::App;
use crate::error::{AppError, Invalid};
use crate::intake::{Filer, Filing};

/// A change's effective date (`YYYY-MM-DD`).
pub fn parse_effective_on(text: &str) -> Result<time::Date, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).map_err(|_| AppError::Invalid(Invalid::Date))
}

async fn record(
    app: &App,
    by: Filer<'_>,
    change: Change,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let filing = by.look(app).await?;
    Ok(app
        .vault
        .record_change(&filing.audit, &filing.session, &change, effective_on)
        .await?)
}

/// Records one parsed change through its use case: the one dispatch the API, the
/// provider's change pages and staff's change pages share. `person` is whom it changes; a
/// new name, address or number without one is the record's own person's (the employee or
/// payee), and the other kinds must name one.
pub async fn record_parsed(
    app: &App,
    by: Filer<'_>,
    parsed: ParsedChange,
    effective_on: time::Date,
    person: Option<Uuid>,
) -> Result<RecordedChange, AppError> {
    let named = || person.ok_or(AppError::Invalid(Invalid::Request));
    match parsed {
        ParsedChange::AddDependant(subject, attested, category3) => {
            let declaration = DependantDeclaration {
                identity_attested: attested,
                category3_spouse: category3,
            };
            add_dependant(app, by, *subject, declaration, effective_on).await
        }
        ParsedChange::EndDependant => end_dependant(app, by, named()?, effective_on).await,
        ParsedChange::Name(name, kana, former) => {
            change_name(app, by, person, name, kana, former, effective_on).await
        }
        ParsedChange::Address(address) => {
            change_address(app, by, person, address, effective_on).await
        }
        ParsedChange::Number(number) => change_number(app, by, person, &number, effective_on).await,
        ParsedChange::Category3Start => start_category3(app, by, named()?, effective_on).await,
        ParsedChange::Category3End => end_category3(app, by, named()?, effective_on).await,
    }
}

/// `person`, or the record's own person (the employee or payee) when none is named.
async fn or_self(app: &App, by: Filer<'_>, person: Option<Uuid>) -> Result<Uuid, AppError> {
    if let Some(person) = person {
        return Ok(person);
    }
    history(app, by)
        .await?
        .iter()
        .find(|p| p.kind != "dependant")
        .map(|p| p.person_id)
        .ok_or(AppError::Invalid(Invalid::Request))
}

/// A new dependant (a newborn: the number may be pending, with `newborn_not_yet_numbered`).
pub async fn add_dependant(
    app: &App,
    by: Filer<'_>,
    subject: ParsedSubject,
    declaration: DependantDeclaration,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let change = Change::AddDependant {
        input: Box::new(crate::intake::seal(app, subject)?),
        declaration,
    };
    record(app, by, change, effective_on).await
}

/// A dependant leaves the record from `effective_on`.
pub async fn end_dependant(
    app: &App,
    by: Filer<'_>,
    person: Uuid,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::EndDependant { person }, effective_on).await
}

/// A new name (of `person`, else of the record's own person); the old one stays in the
/// history and, unless another is given, its surname becomes the 旧姓.
pub async fn change_name(
    app: &App,
    by: Filer<'_>,
    person: Option<Uuid>,
    name: PersonName,
    name_kana: NameKana,
    former_surname: Option<PersonName>,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let change = Change::Name {
        person: or_self(app, by, person).await?,
        name,
        name_kana,
        former_surname,
    };
    record(app, by, change, effective_on).await
}

/// A new address (of `person`, else of the record's own person).
pub async fn change_address(
    app: &App,
    by: Filer<'_>,
    person: Option<Uuid>,
    address: Address,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let person = or_self(app, by, person).await?;
    record(app, by, Change::Address { person, address }, effective_on).await
}

/// A reissued number (or a newborn's first one), of `person`, else of the record's own
/// person: sealed here; the old one stays sealed, superseded once the officer verifies the
/// new one, and is never exported as current.
pub async fn change_number(
    app: &App,
    by: Filer<'_>,
    person: Option<Uuid>,
    number: &domain::MyNumber,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    let person = or_self(app, by, person).await?;
    let number = app
        .keys
        .seal_number(number)
        .map_err(|e| AppError::internal(&e))?;
    record(app, by, Change::Number { person, number }, effective_on).await
}

/// A spouse starts being a 国民年金第3号被保険者 (the employer verifies them: photos needed).
pub async fn start_category3(
    app: &App,
    by: Filer<'_>,
    person: Uuid,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::Category3Start { person }, effective_on).await
}

/// A spouse stops being a 国民年金第3号被保険者.
pub async fn end_category3(
    app: &App,
    by: Filer<'_>,
    person: Uuid,
    effective_on: time::Date,
) -> Result<RecordedChange, AppError> {
    record(app, by, Change::Category3End { person }, effective_on).await
}

/// The provider hands in their change event (its filing, [`Filer::change_filing`]): the
/// changed people go to the officer's queue. Staff hand a change in with how it arrived
/// ([`crate::intake::hand_in_received`]).
pub async fn hand_in(
    app: &App,
    change: &Filing,
) -> Result<Result<domain::SubmissionState, Vec<MissingItem>>, AppError> {
    let outcome = crate::intake::submit(app, change).await?;
    if outcome.is_ok() && app.internal().is_ok() {
        // On an instance holding the keys, the new numbers are indexed at once (duplicate
        // check before the officer looks); elsewhere the internal side's pass does it.
        crate::numbers::index_pending(app, Some(change.submission().uuid())).await?;
    }
    Ok(outcome)
}

/// Everyone of the record with every version (no number, no image), for the provider or
/// for staff in scope.
pub async fn history(app: &App, by: Filer<'_>) -> Result<Vec<PersonHistory>, AppError> {
    let filing = by.look(app).await?;
    Ok(app
        .vault
        .record_history(filing.session.submission_id)
        .await?)
}
