//! The payroll export's content: one CSV line (UTF-8, no byte-order mark) per released
//! person, written by [`CsvFile::for_payroll_system`]. The caller unseals the numbers (with
//! an audit receipt) and seals the result to payroll's key; this module only lays out the
//! text.

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
    /// The 12-digit number (plaintext, in memory only).
    pub number: &'a str,
    /// Number check code.
    pub number_check: &'a str,
    /// Identity check code.
    pub identity_check: &'a str,
    /// The checker's username.
    pub checker: &'a str,
    /// When checked (Unix ms).
    pub checked_at_ms: i64,
}

/// The columns, in order.
pub const COLUMNS: [&str; 8] = [
    "employee_code",
    "name",
    "furigana",
    "relationship",
    "number",
    "verification_method",
    "checker",
    "date",
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
        let method = format!("{}+{}", line.number_check, line.identity_check);
        let date = date_in_japan(line.checked_at_ms);
        file.row([
            line.employee_code,
            line.name,
            line.name_kana,
            line.relationship,
            line.number,
            &method,
            line.checker,
            &date,
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
            checked_at_ms: 1_774_987_200_000,
        };
        let bytes = csv(&[line]).expect("csv");
        let text = std::str::from_utf8(&bytes).expect("utf-8");
        let body: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            body[0],
            "employee_code,name,furigana,relationship,number,verification_method,checker,date"
        );
        assert_eq!(
            body[1],
            "E001,\"山田, \"\"太郎\"\"\",やまだ たろう,self,123456789018,my_number_card+my_number_card,officer.a,2026-04-01"
        );
    }
}
