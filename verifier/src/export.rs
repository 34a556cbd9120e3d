//! The payroll export's content: one CSV line (UTF-8, no byte-order mark) per released
//! person, written by [`CsvFile::for_payroll_system`]. The caller unseals the numbers (with
//! an audit receipt) and seals the result to payroll's key; this module only lays out the
//! text.
//!
//! The layout ([`COLUMNS`]): the first eight columns keep their meaning; columns added later
//! come after them, so a reader by position keeps working.
//!
//! | # | column | content |
//! |---|---|---|
//! | 1 | employee_code | the employer's code of the employee (empty for a payee without one) |
//! | 2 | name | name as on the documents |
//! | 3 | furigana | full-width katakana |
//! | 4 | relationship | `self`, `spouse`, `child`, `parent`, `grandparent`, `sibling`, `other_relative` |
//! | 5 | number | the 12 digits; empty for a dependant without a number (column 12) |
//! | 6 | verification_method | `<number_check>+<identity_check>`; empty without a number |
//! | 7 | checker | the officer's username; empty without a number |
//! | 8 | date | the day of the check in Japan, `YYYY-MM-DD`; empty without a number |
//! | 9 | person_id | the id of the person's record (a UUID, the same in every export of it) |
//! | 10 | birth_date | `YYYY-MM-DD` |
//! | 11 | address | 住所 as given (empty if none) |
//! | 12 | no_number_reason | `living_abroad`, `newborn_not_yet_numbered`, or empty |
//! | 13 | change | in a release of changes: `added`, `changed` or `ended`; empty in a snapshot |
//! | 14 | change_date | in a release of changes: from when, `YYYY-MM-DD`; empty in a snapshot |
//!
//! Column 9 is the person's stable id (issue 17): the same for every version of the person,
//! across collections and changes. An `ended` row names the person and the date and carries
//! no number; a `changed` row carries the person's current values (a reissued number only
//! ever as the new one).

use zeroize::Zeroizing;

use crate::csv_file::CsvFile;

/// One person as payroll receives them.
#[derive(Debug)]
pub struct ExportLine<'a> {
    /// The employer's code of the employee.
    pub employee_code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Furigana.
    pub name_kana: &'a str,
    /// `self`, `spouse`, …
    pub relationship: &'a str,
    /// The 12-digit number (plaintext, in memory only); empty without one.
    pub number: &'a str,
    /// Number check code (empty without a number).
    pub number_check: &'a str,
    /// Identity check code (empty without a number).
    pub identity_check: &'a str,
    /// The checker's username (empty without a number).
    pub checker: &'a str,
    /// When checked (Unix ms), if checked.
    pub checked_at_ms: Option<i64>,
    /// The person record's id.
    pub person_id: &'a str,
    /// Birth date `YYYY-MM-DD`.
    pub birth_date: &'a str,
    /// 住所 (empty if none).
    pub address: &'a str,
    /// Why there is no number (empty when there is one).
    pub no_number_reason: &'a str,
    /// `added`, `changed`, `ended` in a release of changes; empty in a snapshot.
    pub change: &'a str,
    /// From when (`YYYY-MM-DD`) in a release of changes; empty in a snapshot.
    pub change_date: &'a str,
}

/// The columns, in order (see the module's table).
pub const COLUMNS: [&str; 14] = [
    "employee_code",
    "name",
    "furigana",
    "relationship",
    "number",
    "verification_method",
    "checker",
    "date",
    "person_id",
    "birth_date",
    "address",
    "no_number_reason",
    "change",
    "change_date",
];

/// The date of a timestamp in Japan (UTC+9), `YYYY-MM-DD`.
pub fn date_in_japan(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        + time::Duration::hours(9);
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The CSV bytes (a header line, CRLF line ends, RFC 4180), wiped when dropped.
pub fn csv(lines: &[ExportLine<'_>]) -> Result<Zeroizing<Vec<u8>>, csv::Error> {
    let mut file = CsvFile::for_payroll_system(128 * (lines.len() + 1));
    file.row(COLUMNS)?;
    for line in lines {
        let method = if line.number_check.is_empty() {
            String::new()
        } else {
            format!("{}+{}", line.number_check, line.identity_check)
        };
        let date = line.checked_at_ms.map(date_in_japan).unwrap_or_default();
        file.row([
            line.employee_code,
            line.name,
            line.name_kana,
            line.relationship,
            line.number,
            &method,
            line.checker,
            &date,
            line.person_id,
            line.birth_date,
            line.address,
            line.no_number_reason,
            line.change,
            line.change_date,
        ])?;
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_quoted_only_when_needed_and_dated_in_japan() {
        let line = ExportLine {
            employee_code: "E001",
            name: "山田, \"太郎\"",
            name_kana: "やまだ たろう",
            relationship: "self",
            number: "123456789018",
            number_check: "my_number_card",
            identity_check: "my_number_card",
            checker: "officer.a",
            // 2026-03-31T20:00:00Z is already April 1st in Japan.
            checked_at_ms: Some(1_774_987_200_000),
            person_id: "0192f3a0-0000-7000-8000-000000000001",
            birth_date: "1990-04-01",
            address: "東京都千代田区千代田1-1",
            no_number_reason: "",
            change: "",
            change_date: "",
        };
        let abroad = ExportLine {
            employee_code: "E001",
            name: "Nguyen Thi Mai",
            name_kana: "グエン＝ティ マイ",
            relationship: "parent",
            number: "",
            number_check: "",
            identity_check: "",
            checker: "",
            checked_at_ms: None,
            person_id: "0192f3a0-0000-7000-8000-000000000002",
            birth_date: "1960-02-02",
            address: "",
            no_number_reason: "living_abroad",
            change: "added",
            change_date: "2026-12-01",
        };
        let bytes = csv(&[line, abroad]).expect("csv");
        let text = std::str::from_utf8(&bytes).expect("utf-8");
        let body: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            body[0],
            "employee_code,name,furigana,relationship,number,verification_method,checker,date,\
             person_id,birth_date,address,no_number_reason,change,change_date"
        );
        assert_eq!(
            body[1],
            "E001,\"山田, \"\"太郎\"\"\",やまだ たろう,self,123456789018,my_number_card+my_number_card,officer.a,2026-04-01,\
             0192f3a0-0000-7000-8000-000000000001,1990-04-01,東京都千代田区千代田1-1,,,"
        );
        assert_eq!(
            body[2],
            "E001,Nguyen Thi Mai,グエン＝ティ マイ,parent,,,,,0192f3a0-0000-7000-8000-000000000002,1960-02-02,,living_abroad,added,2026-12-01"
        );
    }
}
