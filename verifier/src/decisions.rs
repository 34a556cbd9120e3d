//! The decisions besides verification: the reasons an officer can give for a correction
//! request or a rejection, as closed lists (free text goes only to the provider).

use serde::Deserialize;
use storage::typed_text::{self, Lines, TypedTextError};

/// Why an item must be redone (訂正依頼).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CorrectionReason {
    /// The photo is blurred.
    Blurry,
    /// Glare hides part of the document.
    Glare,
    /// The back side is missing.
    BackSideMissing,
    /// The number does not match the document.
    NumberMismatch,
    /// The name does not match the document.
    NameMismatch,
    /// The document has expired.
    ExpiredDocument,
    /// Something else (explained in the message).
    Other,
}

domain::codes!(CorrectionReason);

/// Why a submission is rejected.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RejectionReason {
    /// The documents appear forged or altered.
    SuspectedFraud,
    /// The person is not who the invitation was for.
    WrongPerson,
    /// Something else (explained in the note).
    Other,
}

domain::codes!(RejectionReason);

/// Longest message to a provider or rejection note.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// An officer's message to a provider, a rejection note or a hand-in note: several lines, at
/// most [`MAX_MESSAGE_CHARS`], nothing [`storage::typed_text`] refuses, and no run of twelve
/// digits (a My Number's length, spaces and hyphens allowed between them); trimmed, line
/// ends as `\n`. These texts are kept in the clear and shown to staff and providers, while
/// a number may be kept only sealed, where a purpose needs it (番号法第20条, the limit on
/// collecting and keeping 特定個人情報; DESIGN.md, security invariants 1 and 2: plaintext
/// never at rest, no number in any log, ledger or error text). Refused as
/// [`TypedTextError::Refused`].
pub fn parse_message(text: &str) -> Result<String, TypedTextError> {
    let message = typed_text::parse(text, Lines::Many, MAX_MESSAGE_CHARS)?;
    if crate::rules::holds_digit_run(&message, 12) {
        return Err(TypedTextError::Refused);
    }
    Ok(message)
}

/// The purpose of a release to payroll, as the export ledger records it: one line of at most
/// [`MAX_MESSAGE_CHARS`], not empty, nothing [`storage::typed_text`] refuses.
pub fn parse_purpose(text: &str) -> Result<String, TypedTextError> {
    let purpose = typed_text::parse(text, Lines::One, MAX_MESSAGE_CHARS)?;
    if purpose.is_empty() {
        return Err(TypedTextError::Empty);
    }
    Ok(purpose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_never_carries_a_whole_number() {
        for refused in [
            "番号は 1112 2233 3446 です",
            "111222333446",
            "１１１２２２３３３４４６",
            "1112-2233-3446",
        ] {
            assert_eq!(
                parse_message(refused),
                Err(TypedTextError::Refused),
                "{refused}"
            );
        }
        for kept in [
            "2026年11月30日 受付",
            "社員番号 E100、内線 1234",
            "〒100-0005",
        ] {
            assert!(parse_message(kept).is_ok(), "{kept}");
        }
    }

    #[test]
    fn every_listed_code_reads_back_as_its_variant() {
        for (code, reason) in CorrectionReason::CODES.iter().zip(CorrectionReason::ALL) {
            let read: CorrectionReason =
                serde_json::from_value(serde_json::json!(code)).expect("code");
            assert_eq!(read, *reason);
        }
        for (code, reason) in RejectionReason::CODES.iter().zip(RejectionReason::ALL) {
            let read: RejectionReason =
                serde_json::from_value(serde_json::json!(code)).expect("code");
            assert_eq!(read, *reason);
        }
    }
}
