//! The payroll export's content: one CSV line (UTF-8) per released person. The caller
//! unseals the numbers (with an audit receipt) and seals the result to payroll's key;
//! this module only lays out the text.

use zeroize::Zeroizing;

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

/// The header line.
pub const HEADER: &str =
    "employee_code,name,furigana,relationship,number,verification_method,checker,date";

fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The date of a timestamp in Japan (UTC+9), `YYYY-MM-DD`.
pub fn date_in_japan(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        + time::Duration::hours(9);
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The CSV text (CRLF line ends, RFC 4180), zeroized when dropped.
pub fn csv(lines: &[ExportLine<'_>]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(128 * (lines.len() + 1)));
    out.push_str(HEADER);
    out.push_str("\r\n");
    for line in lines {
        let method = format!("{}+{}", line.number_check, line.identity_check);
        let date = date_in_japan(line.checked_at_ms);
        let fields = [
            line.employee_code,
            line.name,
            line.name_kana,
            line.relationship,
            line.number,
            &method,
            line.checker,
            &date,
        ];
        for (i, value) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, value);
        }
        out.push_str("\r\n");
    }
    out
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
        let text = csv(&[line]);
        let body: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(body[0], HEADER);
        assert_eq!(
            body[1],
            "E001,\"山田, \"\"太郎\"\"\",やまだ たろう,self,123456789018,my_number_card+my_number_card,officer.a,2026-04-01"
        );
    }
}
