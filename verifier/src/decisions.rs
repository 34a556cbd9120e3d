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
/// most [`MAX_MESSAGE_CHARS`], nothing [`storage::typed_text`] refuses; trimmed, line ends as
/// `\n`.
pub fn parse_message(text: &str) -> Result<String, TypedTextError> {
    typed_text::parse(text, Lines::Many, MAX_MESSAGE_CHARS)
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
