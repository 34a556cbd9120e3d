//! The employer's own codes: employee codes and branch (or department) codes.

use std::fmt;

use serde::Serialize;

/// A code was empty, too long, held characters outside `A-Z a-z 0-9 - _ .`, or did not start
/// with a letter or a digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("codes use 1 to 32 letters, digits, '-', '_' or '.', starting with a letter or a digit")]
pub struct CodeError;

/// A code starts with a letter or a digit: one starting with `-` would be read as a formula
/// by a spreadsheet (OWASP, "CSV Injection"), and the employee code is the first column of
/// the payroll export, which must reach payroll systems unchanged.
fn parse_code(input: &str) -> Result<String, CodeError> {
    let s = input.trim();
    let ok = (1..=32).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(s.to_owned()) } else { Err(CodeError) }
}

macro_rules! org_code {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks a typed or stored code.
            pub fn parse(input: &str) -> Result<Self, CodeError> {
                parse_code(input).map(Self)
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

org_code!(
    /// The employer's code for an employee (社員番号).
    EmployeeCode
);
org_code!(
    /// A branch or department code: the unit that scopes collectors and officers.
    BranchCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_accept_plain_identifiers_only() {
        assert_eq!(
            BranchCode::parse(" osaka-01 ").map(|c| c.0),
            Ok("osaka-01".into())
        );
        assert!(EmployeeCode::parse("E-000123").is_ok());
        assert_eq!(BranchCode::parse(""), Err(CodeError));
        assert_eq!(BranchCode::parse("大阪"), Err(CodeError));
        assert_eq!(BranchCode::parse("a/../b"), Err(CodeError));
        assert_eq!(BranchCode::parse(&"x".repeat(33)), Err(CodeError));
        assert_eq!(EmployeeCode::parse("-1"), Err(CodeError));
        assert_eq!(EmployeeCode::parse(".E1"), Err(CodeError));
    }
}
