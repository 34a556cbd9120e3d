//! The provider's forms: what a client sends, its raw limits (validator), and its parse
//! into domain types. The JSON API and the HTML pages both go through these, so a rule
//! is written once.

use serde::Deserialize;
use storage::person::{
    Address, AlphabeticName, BirthDate, FilingDetails, NameKana, NoNumberReason, PersonError,
    PersonName, Relationship,
};
pub use storage::person::{ParsedChange, ParsedEdit, ParsedSubject};
use storage::typed_text::{self, Lines};
use storage::{MyNumber, MyNumberError};
use time::Date;
use validator::Validate;

use crate::Message;

/// A refused field: which one, and the sentence to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormError {
    /// The field's name in the form.
    pub field: &'static str,
    /// What to tell the person.
    pub message: Message,
}

impl FormError {
    fn at(field: &'static str) -> impl Fn(Message) -> Self {
        move |message| Self { field, message }
    }
}

/// Bilingual message of a number error.
pub fn number_message(e: MyNumberError) -> Message {
    match e {
        MyNumberError::NotDigits => Message::NumberNotDigits,
        MyNumberError::WrongLength => Message::NumberWrongLength,
        MyNumberError::CheckDigit => Message::NumberCheckDigit,
    }
}

/// Bilingual message of a personal-detail error.
pub fn person_message(e: PersonError) -> Message {
    match e {
        PersonError::NameEmpty => Message::NameEmpty,
        PersonError::NameInvalid => Message::NameInvalid,
        PersonError::NameFormulaStart => Message::NameFormulaStart,
        PersonError::KanaEmpty => Message::KanaEmpty,
        PersonError::KanaInvalid => Message::KanaInvalid,
        PersonError::DateFormat => Message::BirthDateFormat,
        PersonError::DateRange => Message::BirthDateRange,
        PersonError::Relationship => Message::RelationshipInvalid,
        PersonError::AddressInvalid => Message::AddressInvalid,
        PersonError::AlphabeticNameInvalid => Message::AlphabeticNameInvalid,
    }
}

/// Sign-in with an invitation token and, where asked, the birth date.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
pub struct SignInForm {
    /// The token from the invitation link.
    #[validate(length(max = 128))]
    pub token: String,
    /// `YYYY-MM-DD`, when the invitation asks for it.
    #[validate(length(max = 32))]
    pub birth_date: Option<String>,
}

/// A person's details: the provider themself (`relationship` absent or `self`) or a
/// dependant.
#[derive(Deserialize, Validate, utoipa::ToSchema)]
pub struct SubjectForm {
    /// Relationship code (`spouse`, `child`, …); ignored for the provider themself.
    #[validate(length(max = 32))]
    pub relationship: Option<String>,
    /// The number as typed.
    #[validate(length(max = 64))]
    pub number: String,
    /// Name.
    #[validate(length(max = 400))]
    pub name: String,
    /// Furigana.
    #[validate(length(max = 400))]
    pub name_kana: String,
    /// Birth date `YYYY-MM-DD`.
    #[validate(length(max = 32))]
    pub birth_date: String,
    /// 住所 (required for payees; for employees as the employer configures).
    #[serde(default)]
    #[validate(length(max = 800))]
    pub address: String,
    /// アルファベット氏名 of a foreign resident.
    #[serde(default)]
    #[validate(length(max = 400))]
    pub name_alphabetic: String,
    /// 通称.
    #[serde(default)]
    #[validate(length(max = 400))]
    pub common_name: String,
    /// 旧姓.
    #[serde(default)]
    #[validate(length(max = 400))]
    pub former_surname: String,
    /// For a dependant without a number: `living_abroad` or `newborn_not_yet_numbered`
    /// (the number is then left blank).
    #[serde(default)]
    #[validate(length(max = 64))]
    pub no_number_reason: String,
}

impl std::fmt::Debug for SubjectForm {
    // The raw form holds the typed number: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectForm(…)")
    }
}

impl Drop for SubjectForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.number);
    }
}

/// A dependant as the JSON API receives it: the person, and what the employee declares.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DependantForm {
    /// The person.
    #[serde(flatten)]
    pub subject: SubjectForm,
    /// The employee checked this dependant's identity (required before submitting).
    #[serde(default)]
    pub identity_attested: bool,
    /// A spouse filing as 国民年金第3号被保険者 (documents then required).
    #[serde(default)]
    pub category3_spouse: bool,
}

impl SubjectForm {
    /// Parses every field for a change; a blank number means "keep the saved one".
    pub fn parse_edit(&self, as_self: bool, today: Date) -> Result<ParsedEdit, FormError> {
        // Fields in the order the form shows them: details first, then the number.
        let details = self.parse_details(as_self, today)?;
        let number = if self.number.trim().is_empty() {
            None
        } else {
            Some(self.parse_number()?)
        };
        Ok(ParsedEdit { number, ..details })
    }

    fn parse_number(&self) -> Result<MyNumber, FormError> {
        if self.number.trim().is_empty() {
            return Err(FormError {
                field: "number",
                message: Message::NumberRequired,
            });
        }
        MyNumber::parse(&self.number)
            .map_err(number_message)
            .map_err(FormError::at("number"))
    }

    /// Parses every field; the first refused field is reported. A dependant's number may
    /// be left blank with a reason (living abroad, a newborn not yet numbered).
    pub fn parse(&self, as_self: bool, today: Date) -> Result<ParsedSubject, FormError> {
        let details = self.parse_details(as_self, today)?;
        let (number, no_number_reason) = match details.no_number_reason {
            Some(reason) if self.number.trim().is_empty() => (None, Some(reason)),
            _ => (Some(self.parse_number()?), None),
        };
        Ok(ParsedSubject {
            relationship: details.relationship,
            name: details.name,
            name_kana: details.name_kana,
            birth_date: details.birth_date,
            number,
            no_number_reason,
            details: details.details,
        })
    }

    fn parse_details(&self, as_self: bool, today: Date) -> Result<ParsedEdit, FormError> {
        if self.validate().is_err() {
            return Err(FormError {
                field: "form",
                message: Message::BadRequest,
            });
        }
        let relationship = if as_self {
            Relationship::Myself
        } else {
            let code = self.relationship.as_deref().unwrap_or_default();
            match Relationship::from_code(code) {
                Some(Relationship::Myself) | None => {
                    return Err(FormError {
                        field: "relationship",
                        message: Message::RelationshipInvalid,
                    });
                }
                Some(r) => r,
            }
        };
        Ok(ParsedEdit {
            relationship,
            number: None,
            name: PersonName::parse(&self.name)
                .map_err(person_message)
                .map_err(FormError::at("name"))?,
            name_kana: NameKana::parse(&self.name_kana)
                .map_err(person_message)
                .map_err(FormError::at("name_kana"))?,
            birth_date: BirthDate::parse(&self.birth_date, today)
                .map_err(person_message)
                .map_err(FormError::at("birth_date"))?,
            no_number_reason: self.parse_no_number_reason(as_self)?,
            details: self.parse_filing_details()?,
        })
    }

    fn parse_no_number_reason(&self, as_self: bool) -> Result<Option<NoNumberReason>, FormError> {
        let code = self.no_number_reason.trim();
        if code.is_empty() {
            return Ok(None);
        }
        match NoNumberReason::from_code(code) {
            // The provider themself always gives a number.
            Some(reason) if !as_self => Ok(Some(reason)),
            _ => Err(FormError {
                field: "no_number_reason",
                message: Message::NoNumberReasonInvalid,
            }),
        }
    }

    fn parse_filing_details(&self) -> Result<FilingDetails, FormError> {
        let optional_name = |text: &str, field: &'static str| {
            if text.trim().is_empty() {
                return Ok(None);
            }
            PersonName::parse(text)
                .map(Some)
                .map_err(person_message)
                .map_err(FormError::at(field))
        };
        Ok(FilingDetails {
            address: Address::parse_optional(&self.address)
                .map_err(person_message)
                .map_err(FormError::at("address"))?,
            name_alphabetic: AlphabeticName::parse_optional(&self.name_alphabetic)
                .map_err(person_message)
                .map_err(FormError::at("name_alphabetic"))?,
            common_name: optional_name(&self.common_name, "common_name")?,
            former_surname: optional_name(&self.former_surname, "former_surname")?,
        })
    }
}

/// Longest decline reason.
const MAX_DECLINE_REASON_CHARS: usize = 500;

/// Declining to provide, with the reason.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
pub struct DeclineForm {
    /// Why (free text, shown to officers).
    #[validate(length(min = 1, max = 1000))]
    pub reason: String,
}

impl DeclineForm {
    /// The reason, if acceptable: several lines, nothing [`storage::typed_text`] refuses.
    pub fn parse(&self) -> Result<String, FormError> {
        let refused = FormError {
            field: "reason",
            message: Message::DeclineReasonInvalid,
        };
        if self.validate().is_err() {
            return Err(refused);
        }
        match typed_text::parse(&self.reason, Lines::Many, MAX_DECLINE_REASON_CHARS) {
            Ok(reason) if !reason.is_empty() => Ok(reason),
            _ => Err(refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(number: &str, kana: &str, birth: &str) -> SubjectForm {
        SubjectForm {
            relationship: Some("child".into()),
            number: number.into(),
            name: "<b>山田</b> 花子".into(),
            name_kana: kana.into(),
            birth_date: birth.into(),
            address: String::new(),
            name_alphabetic: String::new(),
            common_name: String::new(),
            former_surname: String::new(),
            no_number_reason: String::new(),
        }
    }

    #[test]
    fn each_field_is_reported_by_name() {
        let today = time::macros::date!(2026 - 11 - 22);
        let ok =
            form("１２３４ ５６７８ ９０１８", "やまだ はなこ", "2015-05-05").parse(false, today);
        assert!(ok.is_ok());
        let e = form("123456789019", "ヤマダ", "2015-05-05")
            .parse(false, today)
            .expect_err("cd");
        assert_eq!((e.field, e.message), ("number", Message::NumberCheckDigit));
        let e = form("123456789018", "", "2015-05-05")
            .parse(false, today)
            .expect_err("kana");
        assert_eq!((e.field, e.message), ("name_kana", Message::KanaEmpty));
        let e = form("123456789018", "ヤマダ", "2030-01-01")
            .parse(false, today)
            .expect_err("future");
        assert_eq!(
            (e.field, e.message),
            ("birth_date", Message::BirthDateRange)
        );
        let mut selfish = form("123456789018", "ヤマダ", "2015-05-05");
        selfish.relationship = Some("self".into());
        assert_eq!(
            selfish.parse(false, today).expect_err("self").field,
            "relationship"
        );
        assert!(selfish.parse(true, today).is_ok());
    }

    #[test]
    fn oversize_fields_are_refused_before_parsing() {
        let today = time::macros::date!(2026 - 11 - 22);
        let e = form(&"1".repeat(100), "ヤマダ", "2015-05-05")
            .parse(false, today)
            .expect_err("long");
        assert_eq!(e.message, Message::BadRequest);
    }
}

/// A change on a verified record (issue 17) as the JSON API receives it: the kind, the
/// date it takes effect, whose (the person's stable id; the provider themself when left
/// out), and the fields the kind needs.
#[derive(Deserialize, Validate, utoipa::ToSchema)]
pub struct ChangeForm {
    /// `add_dependant`, `end_dependant`, `name`, `address`, `number`, `category3_start`,
    /// `category3_end`.
    #[validate(length(max = 32))]
    pub kind: String,
    /// From when, `YYYY-MM-DD` (a birth, the day a dependant leaves, the marriage, …).
    #[validate(length(max = 32))]
    pub effective_on: String,
    /// The person changed (their `person_id` in the record); the provider when absent.
    #[serde(default)]
    pub person_id: Option<uuid::Uuid>,
    /// For `add_dependant`: the dependant, as `POST /api/v1/provider/subjects` takes it.
    #[serde(default)]
    pub dependant: Option<DependantForm>,
    /// For `name`: the new name.
    #[serde(default)]
    #[validate(length(max = 400))]
    pub name: String,
    /// For `name`: its furigana.
    #[serde(default)]
    #[validate(length(max = 400))]
    pub name_kana: String,
    /// For `name`: the 旧姓 to record (default: the old name's surname).
    #[serde(default)]
    #[validate(length(max = 400))]
    pub former_surname: String,
    /// For `address`: the new address.
    #[serde(default)]
    #[validate(length(max = 800))]
    pub address: String,
    /// For `number`: the new (reissued) number.
    #[serde(default)]
    #[validate(length(max = 64))]
    pub number: String,
}

/// Prints the kind only: the form may carry a number.
impl std::fmt::Debug for ChangeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeForm")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The number a change may carry is wiped with the form.
impl Drop for ChangeForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.number);
    }
}

impl ChangeForm {
    /// Parses the kind and the fields it needs; the first refused field is reported.
    pub fn parse(&self, today: Date) -> Result<(ParsedChange, Date), FormError> {
        if self.validate().is_err() {
            return Err(FormError {
                field: "form",
                message: Message::BadRequest,
            });
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let effective_on =
            Date::parse(self.effective_on.trim(), &format).map_err(|_| FormError {
                field: "effective_on",
                message: Message::BirthDateFormat,
            })?;
        let kind = domain::ChangeKind::from_code(self.kind.trim()).ok_or(FormError {
            field: "kind",
            message: Message::BadRequest,
        })?;
        let change = match kind {
            domain::ChangeKind::AddDependant => {
                let form = self.dependant.as_ref().ok_or(FormError {
                    field: "dependant",
                    message: Message::BadRequest,
                })?;
                ParsedChange::AddDependant(
                    Box::new(form.subject.parse(false, today)?),
                    form.identity_attested,
                    form.category3_spouse,
                )
            }
            domain::ChangeKind::EndDependant => ParsedChange::EndDependant,
            domain::ChangeKind::Name => ParsedChange::Name(
                PersonName::parse(&self.name)
                    .map_err(person_message)
                    .map_err(FormError::at("name"))?,
                NameKana::parse(&self.name_kana)
                    .map_err(person_message)
                    .map_err(FormError::at("name_kana"))?,
                if self.former_surname.trim().is_empty() {
                    None
                } else {
                    Some(
                        PersonName::parse(&self.former_surname)
                            .map_err(person_message)
                            .map_err(FormError::at("former_surname"))?,
                    )
                },
            ),
            domain::ChangeKind::Address => ParsedChange::Address(
                Address::parse_optional(&self.address)
                    .map_err(person_message)
                    .map_err(FormError::at("address"))?
                    .ok_or(FormError {
                        field: "address",
                        message: Message::AddressRequired,
                    })?,
            ),
            domain::ChangeKind::Number => {
                if self.number.trim().is_empty() {
                    return Err(FormError {
                        field: "number",
                        message: Message::NumberRequired,
                    });
                }
                ParsedChange::Number(
                    MyNumber::parse(&self.number)
                        .map_err(number_message)
                        .map_err(FormError::at("number"))?,
                )
            }
            domain::ChangeKind::Category3Start => ParsedChange::Category3Start,
            domain::ChangeKind::Category3End => ParsedChange::Category3End,
        };
        Ok((change, effective_on))
    }

    /// The form of a change page (the provider's and staff's alike), read from its fields
    /// by name. `kind` is the page's: `add_dependant` on the new-dependant page (which
    /// sends the dependant's details), else what the page's `change_kind` names (a person
    /// chosen in `person_id`, the new values in `name`, `name_kana`, `address`, `number`).
    pub fn from_page<'a>(kind: &str, field: impl Fn(&str) -> &'a str) -> Self {
        let text = |name: &str| field(name).to_owned();
        let dependant = (kind == "add_dependant").then(|| DependantForm {
            subject: SubjectForm {
                relationship: Some(text("relationship")),
                number: text("number"),
                name: text("name"),
                name_kana: text("name_kana"),
                birth_date: text("birth_date"),
                address: String::new(),
                name_alphabetic: String::new(),
                common_name: String::new(),
                former_surname: String::new(),
                no_number_reason: text("no_number_reason"),
            },
            identity_attested: field("identity_attested") == "1",
            category3_spouse: field("category3_spouse") == "1",
        });
        let other = |name: &str| {
            if dependant.is_some() {
                String::new()
            } else {
                text(name)
            }
        };
        Self {
            kind: kind.to_owned(),
            effective_on: text("effective_on"),
            person_id: field("person_id").trim().parse().ok(),
            name: other("name"),
            name_kana: other("name_kana"),
            former_surname: other("former_surname"),
            address: other("address"),
            number: other("number"),
            dependant,
        }
    }
}
