//! The 本人確認 rule table as dated data: for each document kind, what it can prove, the
//! period in which it counts (by the date of the check), whether it has a validity the
//! officer must record, and where the row comes from.
//!
//! When the law or the official guidance changes, this table changes, and [`VERSION`] with
//! it: every verification stores the version it was checked against, so a record checked
//! under an older table keeps saying so (a 健康保険証 relied on before 2025-12-02 stays a
//! valid record of that day).
//!
//! Sources (looked up 2026-11-30; what could not be confirmed word for word is marked):
//! - 番号法 (平成25年法律第27号) 第16条: 本人確認の措置 — the 個人番号カード alone, or a
//!   number document plus an identity document, or the measures of the 政令.
//! - 番号法施行令 (平成26年政令第155号) 第12条第1項: 第1号 the number documents other than
//!   the card (住民票の写し with the number), 第2号 the identity documents the 主務省令 names.
//! - 番号法施行規則 (平成26年内閣府・総務省令第3号; e-Gov lawid 426M60000002003) 第1条:
//!   the photo identity documents (運転免許証, 運転経歴証明書, 旅券, 身体障害者手帳,
//!   精神障害者保健福祉手帳, 療育手帳, 在留カード, 特別永住者証明書, and other photo documents
//!   of 官公署 the 実施者 accepts) — text seen on elaws.jp.
//!   第3条 (two or more documents without a photo when no photo document can be shown:
//!   公的医療保険の被保険者証, 年金手帳 and the like) — article number from the NTA and PPC
//!   material, the article text itself not seen here (unconfirmed).
//! - 令和元年法律第16号 (デジタル手続法) 附則: the 通知カード was abolished on 2020-05-25 and
//!   still counts for the number check only while name and address match the current
//!   住民票; the 個人番号通知書 sent since then is not proof of the number
//!   (kojinbango-card.go.jp「個人番号通知書は『マイナンバーを証明する書類』や『身分証明書』
//!   として利用することはできません」).
//! - 令和5年法律第48号 附則: no 健康保険証 issued after 2024-12-01; those issued count at the
//!   latest until 2025-12-01 (経過措置). The 資格確認書 (健康保険法 第51条の3) replaces it.
//!   The PPC / NTA lists of non-photo documents naming the 資格確認書 were not seen here
//!   (unconfirmed: counted as a 被保険者証-like document of 規則第3条).
//! - 基礎年金番号通知書: issued instead of the 年金手帳 since 2022-04-01 (日本年金機構; the
//!   amending ordinance not seen here); as a 年金 document of 規則第3条 (unconfirmed against
//!   an official list).
//! - 特定在留カード / 特定特別永住者証明書: a residence card that is also a 個人番号カード,
//!   issued from 2026-06-14 (出入国在留管理庁 announcement; the amending statute's text and
//!   number not seen here, unconfirmed).
//! - NTA「国税分野における番号法に基づく本人確認方法【事業者向け】」(令和2年5月) and
//!   nta.go.jp/taxes/tetsuzuki/mynumberinfo/honninkakunin/shorui.htm: face to face, an
//!   employee whom the employer recognises (雇用関係にあり本人に相違ないことが明らか) needs no
//!   identity document — a rule of the 対面 channel only.

use storage::DocumentKind;
use time::Date;
use time::macros::date;

/// The version of this table, stored with every verification checked against it.
pub const VERSION: &str = "2026-11-30";

/// The version shown for verifications recorded before versions were recorded.
pub const LEGACY_VERSION: &str = "legacy";

/// What a document can prove for the identity check (身元確認).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProof {
    /// One photo document suffices (規則第1条).
    WithPhoto,
    /// Two documents without a photo are needed (規則第3条).
    WithoutPhoto,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The document.
    pub kind: DocumentKind,
    /// Whether it proves the number (番号確認).
    pub number: bool,
    /// What it proves for the identity check, if anything.
    pub identity: Option<IdentityProof>,
    /// It counts for checks on or after this day.
    pub counts_from: Option<Date>,
    /// It counts for checks on or before this day.
    pub counts_until: Option<Date>,
    /// It carries a validity (有効期限): the officer records it and an expired one is refused.
    pub has_validity: bool,
    /// Where the row comes from.
    pub source: &'static str,
}

const CARD_SOURCE: &str = "番号法第16条 (個人番号カードの提示: 番号確認と身元確認)";

/// The table. One row per [`DocumentKind`] (a test checks that none is missing).
pub const TABLE: &[Row] = &[
    Row {
        kind: DocumentKind::MyNumberCardFront,
        number: true,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: CARD_SOURCE,
    },
    Row {
        kind: DocumentKind::MyNumberCardBack,
        number: true,
        // The back carries the number, not the photo; the card as a whole proves identity
        // (IdentityCheck::MyNumberCard names either side).
        identity: None,
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: CARD_SOURCE,
    },
    Row {
        kind: DocumentKind::SpecifiedResidenceCard,
        number: true,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: Some(date!(2026 - 06 - 14)),
        counts_until: None,
        has_validity: true,
        source: "番号法第16条 (個人番号カードとして); 特定在留カード 交付開始 2026-06-14 (出入国在留管理庁; 未確認: 改正法の条文)",
    },
    Row {
        kind: DocumentKind::NotificationCard,
        number: true,
        identity: None,
        counts_from: None,
        counts_until: None,
        has_validity: false,
        source: "番号法第16条 (通知カード); 令和2年5月25日廃止後は氏名・住所が住民票と一致する場合に限る (令和元年法律第16号附則; NTA 本人確認方法)",
    },
    Row {
        kind: DocumentKind::ResidenceRecord,
        number: true,
        identity: None,
        counts_from: None,
        counts_until: None,
        has_validity: false,
        source: "番号法施行令第12条第1項第1号 (個人番号が記載された住民票の写し)",
    },
    Row {
        kind: DocumentKind::NumberNotice,
        number: false,
        identity: None,
        counts_from: None,
        counts_until: None,
        has_validity: false,
        source: "個人番号通知書は番号の証明書類・身分証明書として利用できない (地方公共団体情報システム機構; NTA)",
    },
    Row {
        kind: DocumentKind::DriversLicense,
        number: false,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: "番号法施行規則第1条第1号 (運転免許証)",
    },
    Row {
        kind: DocumentKind::Passport,
        number: false,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: "番号法施行規則第1条第1号 (旅券)",
    },
    Row {
        kind: DocumentKind::ResidenceCard,
        number: false,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: "番号法施行規則第1条第1号 (在留カード)",
    },
    Row {
        kind: DocumentKind::SpecialPermanentResidentCertificate,
        number: false,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: "番号法施行規則第1条第1号 (特別永住者証明書)",
    },
    Row {
        kind: DocumentKind::OtherPhotoId,
        number: false,
        identity: Some(IdentityProof::WithPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: true,
        source: "番号法施行規則第1条第1号・第2号 (身体障害者手帳等、官公署発行の写真付き書類)",
    },
    Row {
        kind: DocumentKind::HealthInsuranceCard,
        number: false,
        identity: Some(IdentityProof::WithoutPhoto),
        counts_from: None,
        counts_until: Some(date!(2025 - 12 - 01)),
        has_validity: true,
        source: "番号法施行規則第3条 (被保険者証; 未確認: 条文); 令和5年法律第48号附則の経過措置により2025-12-01まで",
    },
    Row {
        kind: DocumentKind::QualificationCertificate,
        number: false,
        identity: Some(IdentityProof::WithoutPhoto),
        counts_from: Some(date!(2024 - 12 - 02)),
        counts_until: None,
        has_validity: true,
        source: "健康保険法第51条の3 (資格確認書, 2024-12-02から); 番号法施行規則第3条の書類として (未確認: 公式の列挙)",
    },
    Row {
        kind: DocumentKind::PensionBook,
        number: false,
        identity: Some(IdentityProof::WithoutPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: false,
        source: "番号法施行規則第3条 (年金手帳; 未確認: 条文)",
    },
    Row {
        kind: DocumentKind::BasicPensionNumberNotice,
        number: false,
        identity: Some(IdentityProof::WithoutPhoto),
        counts_from: Some(date!(2022 - 04 - 01)),
        counts_until: None,
        has_validity: false,
        source: "基礎年金番号通知書 (2022-04-01から年金手帳に代えて交付); 番号法施行規則第3条の年金書類として (未確認: 公式の列挙)",
    },
    Row {
        kind: DocumentKind::OtherDocument,
        number: false,
        identity: Some(IdentityProof::WithoutPhoto),
        counts_from: None,
        counts_until: None,
        has_validity: false,
        source: "番号法施行規則第3条 (その他の写真のない書類)",
    },
];

/// The row of a document kind.
pub fn row(kind: DocumentKind) -> &'static Row {
    TABLE
        .iter()
        .find(|r| r.kind == kind)
        .expect("every document kind has a row (tested)")
}

impl Row {
    /// Whether the document counts for a check made on `day`.
    pub fn counts_on(&self, day: Date) -> bool {
        self.counts_from.is_none_or(|from| day >= from)
            && self.counts_until.is_none_or(|until| day <= until)
    }
}

/// Whether a document proves neither the number nor identity (the 個人番号通知書): refused
/// at upload with its reason.
pub fn proves_nothing(kind: DocumentKind) -> bool {
    let row = row(kind);
    !row.number && row.identity.is_none()
}

/// The kinds a provider may still photograph on `day`: those that count for something then,
/// and the 個人番号通知書 (so that it is refused with its reason rather than passed off as
/// another document).
pub fn kinds_offered_on(day: Date) -> Vec<DocumentKind> {
    TABLE
        .iter()
        .filter(|r| r.counts_on(day))
        .map(|r| r.kind)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_document_kind_has_exactly_one_row() {
        for kind in DocumentKind::VARIANTS {
            assert_eq!(
                TABLE.iter().filter(|r| r.kind == *kind).count(),
                1,
                "{kind:?}"
            );
        }
        assert_eq!(TABLE.len(), DocumentKind::VARIANTS.len());
    }

    #[test]
    fn the_health_insurance_card_counts_up_to_2025_12_01_only() {
        let card = row(DocumentKind::HealthInsuranceCard);
        assert!(card.counts_on(date!(2025 - 12 - 01)));
        assert!(!card.counts_on(date!(2025 - 12 - 02)));
        assert!(
            !kinds_offered_on(date!(2026 - 11 - 30)).contains(&DocumentKind::HealthInsuranceCard)
        );
    }

    #[test]
    fn the_number_notice_never_proves_anything() {
        let notice = row(DocumentKind::NumberNotice);
        assert!(!notice.number);
        assert!(notice.identity.is_none());
    }
}
