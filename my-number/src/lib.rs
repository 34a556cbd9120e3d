//! The 12-digit individual number (個人番号), parsed once and never printable.
//!
//! A [`MyNumber`] can only be built by [`MyNumber::parse`], which normalizes what people
//! actually type (full-width digits, spaces, hyphens) and checks the check digit of
//! 番号法施行令 art. 8. Once built it is valid, its digits are wiped from memory on drop,
//! and neither `Debug` nor `Display` shows more than the last four digits.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Why a typed number was refused. Carries no digits, so it is safe to log and to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MyNumberError {
    /// Something other than digits, spaces or hyphens was typed.
    #[error("a My Number contains only digits")]
    NotDigits,
    /// Not exactly twelve digits after removing spaces and hyphens.
    #[error("a My Number has exactly 12 digits")]
    WrongLength,
    /// Twelve digits, but the last one is not the check digit of the first eleven.
    #[error("the check digit of this My Number does not match")]
    CheckDigit,
}

/// A valid individual number. See the module documentation.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MyNumber([u8; 12]);

impl MyNumber {
    /// Parses what a person typed: ASCII or full-width digits, with any spaces
    /// (ASCII or ideographic) and hyphens (ASCII, full-width, or dashes) between them.
    pub fn parse(input: &str) -> Result<Self, MyNumberError> {
        let mut digits = Zeroizing::new([0u8; 12]);
        let mut count = 0usize;
        for c in input.chars() {
            let digit = match c {
                '0'..='9' => c as u32 - '0' as u32,
                '０'..='９' => c as u32 - '０' as u32,
                ' ' | '\u{3000}' | '\t' | '-' | '－' | 'ー' | '‐' | '−' | '–' | '—' => {
                    continue;
                }
                _ => return Err(MyNumberError::NotDigits),
            };
            if count == 12 {
                return Err(MyNumberError::WrongLength);
            }
            digits[count] = b'0' + digit as u8;
            count += 1;
        }
        if count != 12 {
            return Err(MyNumberError::WrongLength);
        }
        if check_digit(&digits[..11]) != digits[11] - b'0' {
            return Err(MyNumberError::CheckDigit);
        }
        Ok(Self(*digits))
    }

    /// The twelve ASCII digits. Only for sealing and for the blind index; the slice must
    /// never reach a log, an error, a URL or a temp file.
    pub fn expose_digits(&self) -> &[u8; 12] {
        &self.0
    }

    /// Whether `other` is the same number, in time that does not depend on where two
    /// numbers differ (the card-back QR check compares a read number with a typed one).
    pub fn same_as(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0[..].ct_eq(&other.0[..]).into()
    }

    /// The last four digits, the most any screen, ledger or log may show.
    pub fn last4(&self) -> String {
        String::from_utf8_lossy(&self.0[8..]).into_owned()
    }
}

/// The check digit of 番号法施行令 art. 8 for the first eleven ASCII digits.
///
/// With P1..P11 the digits counted from the right (P1 is the eleventh digit),
/// Qn = n + 1 for n ≤ 6 and n − 5 for n ≥ 7; r = Σ Pn·Qn mod 11; the check digit is
/// 0 when r ≤ 1, else 11 − r.
fn check_digit(first_eleven: &[u8]) -> u8 {
    debug_assert_eq!(first_eleven.len(), 11);
    let sum: u32 = first_eleven
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(d - b'0') * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 { 0 } else { (11 - r) as u8 }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MyNumber(****{})", self.last4())
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "****{}", self.last4())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_of_the_design_is_valid() {
        let n = MyNumber::parse("123456789018").expect("valid");
        assert_eq!(n.expose_digits(), b"123456789018");
    }

    #[test]
    fn full_width_digits_spaces_and_hyphens_are_normalized() {
        for typed in [
            "１２３４５６７８９０１８",
            "1234-5678-9018",
            "1234 5678 9018",
            "１２３４－５６７８－９０１８",
            "１２３４\u{3000}５６７８\u{3000}９０１８",
            " 1234 5678 9018 ",
        ] {
            let n = MyNumber::parse(typed).unwrap_or_else(|e| panic!("{typed:?}: {e}"));
            assert_eq!(n.expose_digits(), b"123456789018");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        for last in 0..=9 {
            let typed = format!("12345678901{last}");
            let parsed = MyNumber::parse(&typed);
            if last == 8 {
                assert!(parsed.is_ok());
            } else {
                assert_eq!(parsed, Err(MyNumberError::CheckDigit));
            }
        }
    }

    #[test]
    fn remainder_zero_and_one_give_check_digit_zero() {
        // Search eleven-digit prefixes for both remainders and check the rule's corner.
        let mut seen = [false; 2];
        for prefix in 10_000_000_000u64..10_000_000_200 {
            let s = prefix.to_string();
            let sum: u32 = s
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, d)| {
                    let n = i as u32 + 1;
                    u32::from(d - b'0') * if n <= 6 { n + 1 } else { n - 5 }
                })
                .sum();
            let r = (sum % 11) as usize;
            if r <= 1 {
                seen[r] = true;
                assert!(MyNumber::parse(&format!("{s}0")).is_ok(), "{s}");
            }
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        assert_eq!(MyNumber::parse(""), Err(MyNumberError::WrongLength));
        assert_eq!(
            MyNumber::parse("12345678901"),
            Err(MyNumberError::WrongLength)
        );
        assert_eq!(
            MyNumber::parse("1234567890180"),
            Err(MyNumberError::WrongLength)
        );
        assert_eq!(
            MyNumber::parse("12345678901a"),
            Err(MyNumberError::NotDigits)
        );
        assert_eq!(
            MyNumber::parse("1234'; DROP"),
            Err(MyNumberError::NotDigits)
        );
        assert_eq!(
            MyNumber::parse("١٢٣٤٥٦٧٨٩٠١٨"),
            Err(MyNumberError::NotDigits)
        );
    }

    #[test]
    fn debug_and_display_show_only_the_last_four() {
        let n = MyNumber::parse("123456789018").expect("valid");
        assert_eq!(format!("{n:?}"), "MyNumber(****9018)");
        assert_eq!(format!("{n}"), "****9018");
        assert!(!format!("{n:?}{n}{:?}", Some(&n)).contains("12345678"));
    }
}
