//! Text a person typed: the one rule for what may reach a staff page, a log line, a ledger
//! or a spreadsheet cell. Every parser of typed text goes through [`parse`] (or a domain type
//! built on it, such as [`crate::person::PersonName`]); text recorded without a chance to
//! refuse it (the username of a failed sign-in, a `User-Agent`) goes through [`neutralise`]
//! before it is stored.
//!
//! Refused, in every field:
//! - control characters (Unicode general category Cc: C0, DEL and C1), which split log
//!   lines and CSV rows or hide text in a terminal. A line feed is allowed only in the fields
//!   that take several lines ([`Lines::Many`]: an officer's message to a provider, a
//!   rejection or hand-in note, a decline reason, an incident's description and step texts);
//!   a CR or CRLF from a browser's textarea is read as that line feed;
//! - format characters (Cf), which draw nothing: the bidirectional controls U+202A–U+202E,
//!   U+2066–U+2069, U+200E, U+200F and U+061C that reorder what a reader sees (UAX #9;
//!   CVE-2021-42574, "Trojan Source"), the zero-width characters U+200B–U+200D and U+2060, the
//!   byte-order mark U+FEFF, the tag characters, and the rest of Cf, which can make two
//!   different strings look alike (Unicode TR #36, "Unicode Security Considerations");
//! - the line and paragraph separators U+2028 and U+2029 (Zl, Zp), line breaks in
//!   JavaScript and some log viewers.
//!
//! Combining marks and variation selectors are kept: Japanese names need the ideographic
//! variation selectors (辻󠄀), and accented Latin names need combining marks.
//!
//! Text for a spreadsheet is a separate matter ([`starts_like_formula`]): a cell that starts
//! with one of [`FORMULA_START`] is read as a formula (OWASP, "CSV Injection").

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether a field takes one line or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line: names, usernames, titles, purposes.
    One,
    /// Several lines separated by a line feed: messages, notes, descriptions.
    Many,
}

/// Why typed text was refused. Carries no input, so it is safe to log and to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TypedTextError {
    /// Nothing was typed where something must be.
    #[error("the text is empty")]
    Empty,
    /// Longer than the field takes.
    #[error("the text is too long")]
    TooLong,
    /// A control, bidirectional or other invisible formatting character.
    #[error("the text contains a control, bidirectional or invisible formatting character")]
    Refused,
}

/// The characters that make a spreadsheet read a cell as a formula: `=`, `+`, `-`, `@`,
/// tab and carriage return (OWASP, "CSV Injection").
pub const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `c` may not appear in typed text of this kind.
pub fn is_refused(c: char, lines: Lines) -> bool {
    if c == '\n' {
        return lines == Lines::One;
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// Checks typed text: trimmed, line ends read as `\n` (for [`Lines::Many`]), at most
/// `max_chars` characters, nothing [`is_refused`]. Empty text is accepted: whether a field
/// may be empty is the caller's rule.
pub fn parse(input: &str, lines: Lines, max_chars: usize) -> Result<String, TypedTextError> {
    let text = match lines {
        Lines::One => input.trim().to_owned(),
        Lines::Many => input.trim().replace("\r\n", "\n").replace('\r', "\n"),
    };
    if text.chars().count() > max_chars {
        return Err(TypedTextError::TooLong);
    }
    if text.chars().any(|c| is_refused(c, lines)) {
        return Err(TypedTextError::Refused);
    }
    Ok(text)
}

/// Text recorded as it came, without a chance to refuse it: each character [`parse`] would
/// refuse in one line becomes U+FFFD (the replacement character), so what is stored shows
/// that something was there and can neither break a line nor reorder what follows.
pub fn neutralise(input: &str) -> String {
    input
        .chars()
        .map(|c| {
            if is_refused(c, Lines::One) {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// Whether a spreadsheet would read `text` as a formula: it starts with one of
/// [`FORMULA_START`], or with spaces and then one of them (some spreadsheet programs skip
/// leading spaces when they guess a cell's type).
pub fn starts_like_formula(text: &str) -> bool {
    text.starts_with(FORMULA_START) || text.trim_start_matches(' ').starts_with(FORMULA_START)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bidi_and_invisible_characters_are_refused() {
        for bad in [
            "a\u{0}b",
            "a\rb",
            "a\tb",
            "a\u{1b}[31mb",
            "a\u{85}b",
            "a\u{202E}b",
            "a\u{202A}b",
            "a\u{2066}b",
            "a\u{2069}b",
            "a\u{200E}b",
            "a\u{200F}b",
            "a\u{061C}b",
            "a\u{200B}b",
            "a\u{2060}b",
            "a\u{FEFF}b",
            "a\u{E0041}b",
            "a\u{2028}b",
            "a\u{2029}b",
        ] {
            assert_eq!(
                parse(bad, Lines::One, 100),
                Err(TypedTextError::Refused),
                "{bad:?}"
            );
            if bad != "a\rb" {
                assert_eq!(
                    parse(bad, Lines::Many, 100),
                    Err(TypedTextError::Refused),
                    "{bad:?}"
                );
            }
        }
    }

    #[test]
    fn a_line_feed_is_allowed_only_where_the_field_takes_several_lines() {
        assert_eq!(parse("a\nb", Lines::One, 10), Err(TypedTextError::Refused));
        assert_eq!(parse(" a\r\nb\rc ", Lines::Many, 10), Ok("a\nb\nc".into()));
    }

    #[test]
    fn names_in_any_script_are_kept() {
        for good in [
            "山田 太郎",
            "グエン＝ヴァン",
            "Smith-Jones",
            "José Müller",
            "O'Brien",
            "辻\u{E0100}",
            "Ｊｏｈｎ",
        ] {
            assert_eq!(parse(good, Lines::One, 100), Ok(good.to_owned()));
        }
    }

    #[test]
    fn length_counts_characters() {
        assert!(parse(&"あ".repeat(5), Lines::One, 5).is_ok());
        assert_eq!(
            parse(&"あ".repeat(6), Lines::One, 5),
            Err(TypedTextError::TooLong)
        );
    }

    #[test]
    fn neutralised_text_keeps_its_length_and_loses_its_tricks() {
        let typed = "admin\r\n2026-01-01 signed_in\u{202E}txt.exe";
        let kept = neutralise(typed);
        assert_eq!(kept.chars().count(), typed.chars().count());
        assert!(kept.chars().all(|c| !is_refused(c, Lines::One)));
        assert_eq!(
            kept,
            "admin\u{FFFD}\u{FFFD}2026-01-01 signed_in\u{FFFD}txt.exe"
        );
    }

    #[test]
    fn formula_starts_are_recognised() {
        for f in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1"] {
            assert!(starts_like_formula(f), "{f:?}");
        }
        for t in ["Smith-Jones", "グエン＝ヴァン", "a=b", "", "2026-01-01"] {
            assert!(!starts_like_formula(t), "{t:?}");
        }
    }
}
