//! The kinds of document a person photographs or shows.

use serde::{Deserialize, Serialize};

/// The kinds of document a provider photographs, as in DESIGN.md's rule table.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DocumentKind {
    /// 個人番号カード（表面）
    MyNumberCardFront,
    /// 個人番号カード（裏面）
    MyNumberCardBack,
    /// 通知カード
    NotificationCard,
    /// 住民票の写し（個人番号記載）
    ResidenceRecord,
    /// 運転免許証
    DriversLicense,
    /// パスポート
    Passport,
    /// 在留カード
    ResidenceCard,
    /// Another photo ID (身体障害者手帳 …).
    OtherPhotoId,
    /// 健康保険証 (none issued since 2024-12-02; counts only for checks up to 2025-12-01).
    HealthInsuranceCard,
    /// 年金手帳
    PensionBook,
    /// Another non-photo document.
    OtherDocument,
    /// 資格確認書 (health insurance, issued since 2024-12-02 instead of the 健康保険証).
    QualificationCertificate,
    /// 基礎年金番号通知書 (issued since 2022-04-01 instead of the 年金手帳).
    BasicPensionNumberNotice,
    /// 特別永住者証明書
    SpecialPermanentResidentCertificate,
    /// 特定在留カード: a residence card that is also a My Number card (from 2026-06-14).
    SpecifiedResidenceCard,
    /// 個人番号通知書: tells a person their number; never proof of it (refused at upload).
    NumberNotice,
}

crate::codes!(DocumentKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_serde_names_and_round_trip() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_code(kind.code()), Some(*kind));
            assert_eq!(
                serde_json::to_string(kind).expect("json"),
                format!("\"{}\"", kind.code())
            );
        }
        assert_eq!(
            DocumentKind::MyNumberCardFront.code(),
            "my_number_card_front"
        );
        assert_eq!(DocumentKind::from_code("bogus"), None);
    }
}
