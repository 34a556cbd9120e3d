//! The 本人確認 rule table of DESIGN.md: which combinations of number check (番号確認) and
//! identity check (身元確認) are acceptable for whom, through which channel, with which
//! documents on the day of the check. The documents themselves — what each proves and
//! when it counts — are the dated data of [`table`].
//!
//! | who | number check | identity check |
//! |---|---|---|
//! | employee / payee | My Number card, 住民票 with number, or 通知カード whose name and address the officer matched to the current 住民票 (never the 個人番号通知書) | My Number card, one photo ID, two non-photo documents, or (known employee, in person only) face to face |
//! | dependant | as above, or the employee's attestation | as above, or the employee's attestation |
//! | spouse filing as 国民年金第3号被保険者 | as for the employee: the employer verifies | as for the employee, never face to face |
//!
//! Every document named must be among the evidence (the person's photos, or the originals
//! a collector recorded as seen), count on the day of the check, and — where it carries a
//! validity — be recorded with its expiry date and not be expired.

pub mod table;

use serde::Deserialize;
use storage::DocumentKind;
use storage::person::Relationship;
use time::Date;

use table::IdentityProof;

/// How the number was checked.
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
pub enum NumberCheck {
    /// 個人番号カード (or the 特定在留カード, which is one).
    MyNumberCard,
    /// 住民票の写し with the number.
    ResidenceRecord,
    /// 通知カード: valid only if name and address match the current 住民票.
    NotificationCard,
    /// The employee attests (dependants only).
    EmployeeAttestation,
    /// 個人番号通知書: never proof of the number. Named so that the refusal says why.
    NumberNotice,
}

domain::codes!(NumberCheck);

impl NumberCheck {
    /// The photographed kinds that show the document of this check.
    pub fn documents(self) -> &'static [DocumentKind] {
        match self {
            Self::MyNumberCard => &[
                DocumentKind::MyNumberCardBack,
                DocumentKind::MyNumberCardFront,
                DocumentKind::SpecifiedResidenceCard,
            ],
            Self::ResidenceRecord => &[DocumentKind::ResidenceRecord],
            Self::NotificationCard => &[DocumentKind::NotificationCard],
            Self::NumberNotice => &[DocumentKind::NumberNotice],
            Self::EmployeeAttestation => &[],
        }
    }
}

/// How identity was checked.
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
pub enum IdentityCheck {
    /// 個人番号カード (or the 特定在留カード), named with its expiry date.
    MyNumberCard,
    /// One photo ID (licence, passport, residence card, 特別永住者証明書, …).
    PhotoId,
    /// Two non-photo documents (資格確認書, 年金 documents, …).
    TwoNonPhotoDocuments,
    /// A known employee, recognised face to face by the officer (in person only).
    FaceToFaceKnownEmployee,
    /// The employee attests (dependants only).
    EmployeeAttestation,
}

domain::codes!(IdentityCheck);

/// How the submission reached the employer: online by the person, or taken in by staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// The person uploaded photos themselves.
    Online,
    /// Paper received by post (郵送).
    Post,
    /// Handed over in person (対面).
    InPerson,
}

/// One identity document relied on, with its expiry date where it has one. A bare kind
/// (`"passport"`) is accepted for documents without a validity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "ReliedDocumentForm")]
pub struct ReliedDocument {
    /// The document.
    pub kind: DocumentKind,
    /// Its expiry date (`YYYY-MM-DD`), as the officer read it.
    pub valid_until: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ReliedDocumentForm {
    Kind(DocumentKind),
    Full {
        kind: DocumentKind,
        #[serde(default)]
        valid_until: Option<String>,
    },
}

impl From<ReliedDocumentForm> for ReliedDocument {
    fn from(form: ReliedDocumentForm) -> Self {
        match form {
            ReliedDocumentForm::Kind(kind) => Self {
                kind,
                valid_until: None,
            },
            ReliedDocumentForm::Full { kind, valid_until } => Self {
                kind,
                valid_until: valid_until.filter(|v| !v.trim().is_empty()),
            },
        }
    }
}

impl ReliedDocument {
    /// A document relied on with its expiry date.
    pub fn valid_until(kind: DocumentKind, date: &str) -> Self {
        Self {
            kind,
            valid_until: Some(date.to_owned()),
        }
    }
}

/// What the officer states for one person. The checker and the date are not here on
/// purpose: they come from the session and the server clock.
#[derive(Debug, Clone, Deserialize)]
pub struct VerificationClaim {
    /// How the number was checked.
    pub number_check: NumberCheck,
    /// With a 通知カード: the officer confirms name and address match the current 住民票.
    #[serde(default)]
    pub notification_card_matches_residence_record: bool,
    /// How identity was checked.
    pub identity_check: IdentityCheck,
    /// The identity documents relied on (the card, one photo ID or the two non-photo
    /// documents), each with its expiry date where it has one.
    #[serde(default)]
    pub identity_documents: Vec<ReliedDocument>,
    /// The spouse files as 国民年金第3号被保険者 (the employer must verify).
    #[serde(default)]
    pub category3_spouse: bool,
    /// Why the card serves as the number check although the QR code of one of the
    /// person's card photos holds another number than the typed one (required then).
    #[serde(default)]
    pub qr_override_reason: Option<String>,
}

/// Who the person is on the submission, from storage (never from the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    /// Self or the dependant's relationship.
    pub relationship: Relationship,
    /// Whether the submission is an employee's (face to face applies to known employees).
    pub is_employee: bool,
    /// Whether the QR code on one of the person's card-back photos holds another number
    /// than the typed one (issue 19; from storage, never from the request).
    pub card_qr_differs: bool,
}

/// What the officer had before them, from storage (never from the request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// How the submission arrived.
    pub channel: Channel,
    /// The kinds of the person's photos and of the originals a collector recorded as seen.
    pub kinds: Vec<DocumentKind>,
    /// The day of the check (Japan time, server clock).
    pub checked_on: Date,
}

impl Evidence {
    fn has(&self, kind: DocumentKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// Why a combination is refused. Each maps to a bilingual message in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    /// 通知カード without the officer's confirmation against the current 住民票.
    #[error(
        "a notification card counts only if name and address match the current residence record"
    )]
    NotificationCardUnconfirmed,
    /// Photo ID claimed without exactly one photo ID document.
    #[error("name the one photo ID relied on")]
    PhotoIdMissing,
    /// Two non-photo documents claimed without two distinct non-photo documents.
    #[error("name two different non-photo documents")]
    TwoNonPhotoDocumentsMissing,
    /// Face to face is only for an employee known to the employer.
    #[error("face-to-face identity check is only for a known employee")]
    FaceToFaceOnlyForEmployees,
    /// The employee's attestation covers dependants only.
    #[error("the employee's attestation covers dependants only")]
    AttestationOnlyForDependants,
    /// A category 3 spouse must be verified by the employer.
    #[error("a category 3 spouse must be verified by the employer")]
    Category3SpouseNeedsEmployer,
    /// Only a spouse can be a category 3 spouse.
    #[error("only a spouse can be a category 3 insured person")]
    Category3OnlyForSpouse,
    /// Attestation on one half only: either the employee attests both or neither.
    #[error("the employee attests both halves or neither")]
    AttestationMustCoverBoth,
    /// A document named is not among the person's photos nor the originals recorded as seen.
    #[error("a document named is not among the evidence")]
    DocumentNotInEvidence,
    /// Face-to-face recognition on a submission that did not arrive in person.
    #[error("face-to-face recognition counts only for a submission taken in person")]
    FaceToFaceOnlyInPerson,
    /// A document that does not count on the day of the check (a 健康保険証 after 2025-12-01).
    #[error("a document named does not count on the day of the check")]
    DocumentNoLongerCounts,
    /// An identity document past its expiry date.
    #[error("an identity document named has expired")]
    DocumentExpired,
    /// An identity document with a validity named without a readable expiry date.
    #[error("record the expiry date of each identity document")]
    ValidityRequired,
    /// The 個人番号通知書 named for the number check.
    #[error("the individual number notice never proves the number")]
    NumberNoticeNeverCounts,
    /// The My Number card named for the identity check without the card itself.
    #[error("name the My Number card relied on, with its expiry date")]
    CardMissing,
    /// The card is relied on for the number check while its QR code holds another number
    /// than the typed one, and the officer recorded no reason.
    #[error("the card's QR code differs from the typed number: record why the card still serves")]
    CardQrDiffers,
    /// The reason holds a run of digits (it must never carry a number).
    #[error("the reason must not contain a number")]
    ReasonHoldsDigits,
}

/// One document relied on, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedDocument {
    /// Document kind code.
    pub kind: &'static str,
    /// Its expiry date, where it has one.
    pub valid_until: Option<Date>,
}

/// What is stored for an accepted verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedVerification {
    /// Number check code.
    pub number_check: &'static str,
    /// Identity check code.
    pub identity_check: &'static str,
    /// Identity document kinds relied on.
    pub documents: Vec<&'static str>,
    /// The documents relied on for both checks, with expiry dates.
    pub relied_on: Vec<AcceptedDocument>,
    /// The rule table version checked against ([`table::VERSION`]).
    pub rule_version: &'static str,
    /// The officer's reason for relying on the card although its QR differs.
    pub qr_override_reason: Option<String>,
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Checks one identity document: it counts on the day, was seen, and is within validity.
fn identity_document(
    doc: &ReliedDocument,
    evidence: &Evidence,
) -> Result<AcceptedDocument, RuleViolation> {
    let row = table::row(doc.kind);
    if !row.counts_on(evidence.checked_on) {
        return Err(RuleViolation::DocumentNoLongerCounts);
    }
    if !evidence.has(doc.kind) {
        return Err(RuleViolation::DocumentNotInEvidence);
    }
    let valid_until = if row.has_validity {
        let date = doc
            .valid_until
            .as_deref()
            .and_then(|v| Date::parse(v.trim(), DATE).ok())
            .ok_or(RuleViolation::ValidityRequired)?;
        if date < evidence.checked_on {
            return Err(RuleViolation::DocumentExpired);
        }
        Some(date)
    } else {
        None
    };
    Ok(AcceptedDocument {
        kind: doc.kind.code(),
        valid_until,
    })
}

/// The document shown for the number check: one of the check's kinds that counts on the
/// day and is among the evidence (the card's identity side, if named, first).
fn number_document(
    check: NumberCheck,
    claim: &VerificationClaim,
    evidence: &Evidence,
) -> Result<Option<AcceptedDocument>, RuleViolation> {
    if check == NumberCheck::EmployeeAttestation {
        return Ok(None);
    }
    let kinds = check.documents();
    if !kinds.iter().any(|k| table::row(*k).number) {
        return Err(RuleViolation::NumberNoticeNeverCounts);
    }
    let counting: Vec<DocumentKind> = kinds
        .iter()
        .copied()
        .filter(|k| table::row(*k).counts_on(evidence.checked_on))
        .collect();
    if counting.is_empty() {
        return Err(RuleViolation::DocumentNoLongerCounts);
    }
    let seen = counting.iter().copied().find(|k| evidence.has(*k));
    let Some(kind) = seen else {
        return Err(RuleViolation::DocumentNotInEvidence);
    };
    // The card's expiry, when the same card proves identity, is recorded there.
    let valid_until = claim
        .identity_documents
        .iter()
        .find(|d| kinds.contains(&d.kind))
        .and_then(|d| d.valid_until.as_deref())
        .and_then(|v| Date::parse(v.trim(), DATE).ok());
    Ok(Some(AcceptedDocument {
        kind: kind.code(),
        valid_until,
    }))
}

/// Applies the rule table to one person, on the evidence and the day of the check.
pub fn check(
    person: Person,
    claim: &VerificationClaim,
    evidence: &Evidence,
) -> Result<AcceptedVerification, RuleViolation> {
    let dependant = person.relationship != Relationship::Myself;
    if claim.category3_spouse && person.relationship != Relationship::Spouse {
        return Err(RuleViolation::Category3OnlyForSpouse);
    }
    if claim.number_check == NumberCheck::NumberNotice {
        return Err(RuleViolation::NumberNoticeNeverCounts);
    }
    let attests_number = claim.number_check == NumberCheck::EmployeeAttestation;
    let attests_identity = claim.identity_check == IdentityCheck::EmployeeAttestation;
    if attests_number != attests_identity {
        return Err(RuleViolation::AttestationMustCoverBoth);
    }
    if attests_number {
        if !dependant {
            return Err(RuleViolation::AttestationOnlyForDependants);
        }
        if claim.category3_spouse {
            return Err(RuleViolation::Category3SpouseNeedsEmployer);
        }
        return Ok(AcceptedVerification {
            number_check: NumberCheck::EmployeeAttestation.code(),
            identity_check: IdentityCheck::EmployeeAttestation.code(),
            documents: Vec::new(),
            relied_on: Vec::new(),
            rule_version: table::VERSION,
            qr_override_reason: None,
        });
    }
    // The QR code on the card's back holds the number (DESIGN.md, domain rules; issue
    // 19): a card whose QR says another number than the typed one does not show the
    // typed number, unless the officer, who sees both, records why it still serves.
    let qr_override_reason = match claim.qr_override_reason.as_deref().map(str::trim) {
        _ if claim.number_check != NumberCheck::MyNumberCard || !person.card_qr_differs => None,
        Some(reason) if !reason.is_empty() => {
            if holds_digit_run(reason, 4) {
                return Err(RuleViolation::ReasonHoldsDigits);
            }
            Some(reason.to_owned())
        }
        _ => return Err(RuleViolation::CardQrDiffers),
    };
    if claim.number_check == NumberCheck::NotificationCard
        && !claim.notification_card_matches_residence_record
    {
        return Err(RuleViolation::NotificationCardUnconfirmed);
    }
    let identity: Vec<AcceptedDocument> = match claim.identity_check {
        IdentityCheck::MyNumberCard => match claim.identity_documents.as_slice() {
            [card] if NumberCheck::MyNumberCard.documents().contains(&card.kind) => {
                vec![identity_document(card, evidence)?]
            }
            _ => return Err(RuleViolation::CardMissing),
        },
        IdentityCheck::PhotoId => match claim.identity_documents.as_slice() {
            [one] if table::row(one.kind).identity == Some(IdentityProof::WithPhoto) => {
                vec![identity_document(one, evidence)?]
            }
            _ => return Err(RuleViolation::PhotoIdMissing),
        },
        IdentityCheck::TwoNonPhotoDocuments => match claim.identity_documents.as_slice() {
            [a, b]
                if table::row(a.kind).identity == Some(IdentityProof::WithoutPhoto)
                    && table::row(b.kind).identity == Some(IdentityProof::WithoutPhoto)
                    && (a.kind != b.kind || a.kind == DocumentKind::OtherDocument) =>
            {
                vec![
                    identity_document(a, evidence)?,
                    identity_document(b, evidence)?,
                ]
            }
            _ => return Err(RuleViolation::TwoNonPhotoDocumentsMissing),
        },
        IdentityCheck::FaceToFaceKnownEmployee => {
            if dependant || !person.is_employee {
                return Err(RuleViolation::FaceToFaceOnlyForEmployees);
            }
            if evidence.channel != Channel::InPerson {
                return Err(RuleViolation::FaceToFaceOnlyInPerson);
            }
            Vec::new()
        }
        // Attestation was settled above.
        IdentityCheck::EmployeeAttestation => Vec::new(),
    };
    let number = number_document(claim.number_check, claim, evidence)?;
    let documents = identity.iter().map(|d| d.kind).collect();
    let mut relied_on: Vec<AcceptedDocument> = number.into_iter().collect();
    for doc in identity {
        if !relied_on.iter().any(|d| d.kind == doc.kind) {
            relied_on.push(doc);
        }
    }
    Ok(AcceptedVerification {
        number_check: claim.number_check.code(),
        identity_check: claim.identity_check.code(),
        documents,
        relied_on,
        rule_version: table::VERSION,
        qr_override_reason,
    })
}

/// The choices a verify form offers for one person: the checks the evidence and the
/// channel allow on the day, and the identity documents among the evidence that count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    /// Number checks possible.
    pub number_checks: Vec<NumberCheck>,
    /// Identity checks possible.
    pub identity_checks: Vec<IdentityCheck>,
    /// Identity documents among the evidence that count on the day.
    pub identity_documents: Vec<DocumentKind>,
    /// The number check pre-selected from the uploads (the strongest one seen), if any.
    pub suggested_number_check: Option<NumberCheck>,
    /// The identity check pre-selected from the uploads, if any.
    pub suggested_identity_check: Option<IdentityCheck>,
    /// The identity documents pre-selected for that check.
    pub suggested_documents: Vec<DocumentKind>,
}

/// What the evidence and the channel allow for one person on the day of the check.
pub fn choices(person: Person, evidence: &Evidence) -> Choices {
    let dependant = person.relationship != Relationship::Myself;
    let counts = |k: &DocumentKind| table::row(*k).counts_on(evidence.checked_on);
    let seen: Vec<DocumentKind> = evidence.kinds.iter().copied().filter(counts).collect();
    let mut number_checks: Vec<NumberCheck> = [
        NumberCheck::MyNumberCard,
        NumberCheck::ResidenceRecord,
        NumberCheck::NotificationCard,
    ]
    .into_iter()
    .filter(|c| c.documents().iter().any(|k| seen.contains(k)))
    .collect();
    let card_kinds = NumberCheck::MyNumberCard.documents();
    let with = |p: IdentityProof| -> Vec<DocumentKind> {
        seen.iter()
            .copied()
            .filter(|k| table::row(*k).identity == Some(p) && !card_kinds.contains(k))
            .collect()
    };
    let photo = with(IdentityProof::WithPhoto);
    let no_photo = with(IdentityProof::WithoutPhoto);
    let cards: Vec<DocumentKind> = seen
        .iter()
        .copied()
        .filter(|k| card_kinds.contains(k))
        .collect();
    let mut identity_checks = Vec::new();
    if !cards.is_empty() {
        identity_checks.push(IdentityCheck::MyNumberCard);
    }
    if !photo.is_empty() {
        identity_checks.push(IdentityCheck::PhotoId);
    }
    let distinct_no_photo = {
        let mut k = no_photo.clone();
        k.sort_by_key(|k| *k as usize);
        k.dedup();
        k.len() >= 2
            || no_photo
                .iter()
                .filter(|k| **k == DocumentKind::OtherDocument)
                .count()
                >= 2
    };
    if distinct_no_photo {
        identity_checks.push(IdentityCheck::TwoNonPhotoDocuments);
    }
    if !dependant && person.is_employee && evidence.channel == Channel::InPerson {
        identity_checks.push(IdentityCheck::FaceToFaceKnownEmployee);
    }
    if dependant {
        number_checks.push(NumberCheck::EmployeeAttestation);
        identity_checks.push(IdentityCheck::EmployeeAttestation);
    }
    let mut identity_documents = cards.clone();
    identity_documents.extend(photo.iter().copied());
    identity_documents.extend(no_photo.iter().copied());
    identity_documents.sort_by_key(|k| *k as usize);
    identity_documents.dedup();
    let strongest_number = number_checks.first().copied();
    let strongest_identity = identity_checks
        .iter()
        .copied()
        .find(|c| *c != IdentityCheck::FaceToFaceKnownEmployee);
    // A suggestion is a pair `check` accepts: the employee's attestation covers both
    // checks or neither (`RuleViolation::AttestationMustCoverBoth`). A dependant whose
    // number document was photographed but no identity document (a newborn's 住民票)
    // is therefore suggested the attestation for both, the one pair the evidence allows.
    let attestation = |n: NumberCheck, i: IdentityCheck| {
        (n == NumberCheck::EmployeeAttestation) != (i == IdentityCheck::EmployeeAttestation)
    };
    let (suggested_number_check, suggested_identity_check) =
        match (strongest_number, strongest_identity) {
            (Some(n), Some(i)) if attestation(n, i) => (
                Some(NumberCheck::EmployeeAttestation),
                Some(IdentityCheck::EmployeeAttestation),
            ),
            pair => pair,
        };
    let suggested_documents = match suggested_identity_check {
        Some(IdentityCheck::MyNumberCard) => {
            // The side with the photo and the expiry date, if photographed.
            let front = [
                DocumentKind::MyNumberCardFront,
                DocumentKind::SpecifiedResidenceCard,
            ];
            let pick = front
                .iter()
                .copied()
                .find(|k| cards.contains(k))
                .or(cards.first().copied());
            pick.into_iter().collect()
        }
        Some(IdentityCheck::PhotoId) => photo.iter().copied().take(1).collect(),
        Some(IdentityCheck::TwoNonPhotoDocuments) => {
            let mut two = no_photo.clone();
            two.sort_by_key(|k| *k as usize);
            two.dedup();
            if two.len() < 2 {
                two = no_photo.clone();
            }
            two.into_iter().take(2).collect()
        }
        _ => Vec::new(),
    };
    Choices {
        suggested_documents,
        number_checks,
        identity_checks,
        identity_documents,
        suggested_number_check,
        suggested_identity_check,
    }
}

/// Whether `text` holds `digits` or more digits in a row (ASCII or full-width, spaces and
/// hyphens between them counted as part of the run): the QR override reason must never
/// carry a number or its last four digits (4); no free-text message may carry a whole
/// number (12; [`crate::decisions::parse_message`]).
pub fn holds_digit_run(text: &str, digits: usize) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            if run >= digits {
                return true;
            }
        } else if !matches!(c, ' ' | '\u{3000}' | '-' | '－' | 'ー') {
            run = 0;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const EMPLOYEE: Person = Person {
        relationship: Relationship::Myself,
        is_employee: true,
        card_qr_differs: false,
    };
    const PAYEE: Person = Person {
        relationship: Relationship::Myself,
        is_employee: false,
        card_qr_differs: false,
    };
    const SPOUSE: Person = Person {
        relationship: Relationship::Spouse,
        is_employee: true,
        card_qr_differs: false,
    };
    const CHILD: Person = Person {
        relationship: Relationship::Child,
        is_employee: true,
        card_qr_differs: false,
    };
    const VALID: &str = "2030-01-31";

    /// Everything photographed, online, today.
    fn all_seen() -> Evidence {
        seen(Channel::Online, &[])
    }

    fn seen(channel: Channel, kinds: &[DocumentKind]) -> Evidence {
        use strum::VariantArray;
        Evidence {
            channel,
            kinds: if kinds.is_empty() {
                DocumentKind::VARIANTS.to_vec()
            } else {
                kinds.to_vec()
            },
            checked_on: date!(2026 - 11 - 30),
        }
    }

    fn doc(kind: DocumentKind) -> ReliedDocument {
        ReliedDocument::valid_until(kind, VALID)
    }

    fn claim(
        number: NumberCheck,
        identity: IdentityCheck,
        docs: &[DocumentKind],
    ) -> VerificationClaim {
        VerificationClaim {
            number_check: number,
            notification_card_matches_residence_record: false,
            identity_check: identity,
            identity_documents: docs.iter().copied().map(doc).collect(),
            category3_spouse: false,
            qr_override_reason: None,
        }
    }

    fn card() -> VerificationClaim {
        claim(
            NumberCheck::MyNumberCard,
            IdentityCheck::MyNumberCard,
            &[DocumentKind::MyNumberCardFront],
        )
    }

    #[test]
    fn the_my_number_card_alone_is_both_checks() {
        let ok = check(EMPLOYEE, &card(), &all_seen());
        assert_eq!(
            ok.map(|a| (a.number_check, a.identity_check, a.rule_version)),
            Ok(("my_number_card", "my_number_card", table::VERSION))
        );
    }

    #[test]
    fn the_card_must_be_named_with_its_expiry_date() {
        let bare = claim(NumberCheck::MyNumberCard, IdentityCheck::MyNumberCard, &[]);
        assert_eq!(
            check(EMPLOYEE, &bare, &all_seen()),
            Err(RuleViolation::CardMissing)
        );
        let mut undated = card();
        undated.identity_documents[0].valid_until = None;
        assert_eq!(
            check(EMPLOYEE, &undated, &all_seen()),
            Err(RuleViolation::ValidityRequired)
        );
    }

    #[test]
    fn a_residence_record_with_one_photo_id_is_accepted() {
        let ok = check(
            PAYEE,
            &claim(
                NumberCheck::ResidenceRecord,
                IdentityCheck::PhotoId,
                &[DocumentKind::Passport],
            ),
            &all_seen(),
        )
        .expect("accepted");
        assert_eq!(ok.documents, ["passport"]);
        assert_eq!(
            ok.relied_on.iter().map(|d| d.kind).collect::<Vec<_>>(),
            ["residence_record", "passport"]
        );
        assert_eq!(ok.relied_on[1].valid_until, Some(date!(2030 - 01 - 31)));
    }

    #[test]
    fn a_notification_card_needs_the_residence_record_match() {
        let mut c = claim(
            NumberCheck::NotificationCard,
            IdentityCheck::PhotoId,
            &[DocumentKind::DriversLicense],
        );
        assert_eq!(
            check(EMPLOYEE, &c, &all_seen()),
            Err(RuleViolation::NotificationCardUnconfirmed)
        );
        c.notification_card_matches_residence_record = true;
        assert!(check(EMPLOYEE, &c, &all_seen()).is_ok());
    }

    #[test]
    fn photo_id_must_be_exactly_one_photo_document() {
        for docs in [
            &[][..],
            &[DocumentKind::PensionBook][..],
            &[DocumentKind::Passport, DocumentKind::DriversLicense][..],
        ] {
            assert_eq!(
                check(
                    EMPLOYEE,
                    &claim(NumberCheck::MyNumberCard, IdentityCheck::PhotoId, docs),
                    &all_seen()
                ),
                Err(RuleViolation::PhotoIdMissing)
            );
        }
    }

    #[test]
    fn non_photo_documents_must_be_two_different_ones() {
        let two = |docs: &[DocumentKind]| {
            check(
                EMPLOYEE,
                &claim(
                    NumberCheck::ResidenceRecord,
                    IdentityCheck::TwoNonPhotoDocuments,
                    docs,
                ),
                &all_seen(),
            )
        };
        assert!(
            two(&[
                DocumentKind::QualificationCertificate,
                DocumentKind::PensionBook
            ])
            .is_ok()
        );
        assert!(two(&[DocumentKind::OtherDocument, DocumentKind::OtherDocument]).is_ok());
        for bad in [
            &[DocumentKind::PensionBook][..],
            &[DocumentKind::PensionBook, DocumentKind::PensionBook][..],
            &[DocumentKind::PensionBook, DocumentKind::Passport][..],
        ] {
            assert_eq!(two(bad), Err(RuleViolation::TwoNonPhotoDocumentsMissing));
        }
    }

    #[test]
    fn a_qualification_certificate_and_a_basic_pension_number_notice_are_accepted() {
        let ok = check(
            EMPLOYEE,
            &claim(
                NumberCheck::ResidenceRecord,
                IdentityCheck::TwoNonPhotoDocuments,
                &[
                    DocumentKind::QualificationCertificate,
                    DocumentKind::BasicPensionNumberNotice,
                ],
            ),
            &seen(
                Channel::Online,
                &[
                    DocumentKind::ResidenceRecord,
                    DocumentKind::QualificationCertificate,
                    DocumentKind::BasicPensionNumberNotice,
                ],
            ),
        )
        .expect("accepted");
        // The 資格確認書 has a validity, the pension notice none.
        assert_eq!(ok.relied_on[1].valid_until, Some(date!(2030 - 01 - 31)));
        assert_eq!(ok.relied_on[2].valid_until, None);
    }

    #[test]
    fn a_health_insurance_card_counts_up_to_2025_12_01_and_old_records_keep_it() {
        let c = claim(
            NumberCheck::NotificationCard,
            IdentityCheck::TwoNonPhotoDocuments,
            &[DocumentKind::HealthInsuranceCard, DocumentKind::PensionBook],
        );
        let c = VerificationClaim {
            notification_card_matches_residence_record: true,
            ..c
        };
        let mut evidence = all_seen();
        assert_eq!(
            check(EMPLOYEE, &c, &evidence),
            Err(RuleViolation::DocumentNoLongerCounts)
        );
        evidence.checked_on = date!(2025 - 11 - 30);
        let mut old = c.clone();
        old.identity_documents[0].valid_until = Some("2025-12-01".into());
        assert!(check(EMPLOYEE, &old, &evidence).is_ok());
    }

    #[test]
    fn an_expired_licence_is_refused() {
        let mut c = claim(
            NumberCheck::ResidenceRecord,
            IdentityCheck::PhotoId,
            &[DocumentKind::DriversLicense],
        );
        c.identity_documents[0].valid_until = Some("2026-11-29".into());
        assert_eq!(
            check(EMPLOYEE, &c, &all_seen()),
            Err(RuleViolation::DocumentExpired)
        );
        c.identity_documents[0].valid_until = Some("2026-11-30".into());
        assert!(check(EMPLOYEE, &c, &all_seen()).is_ok());
        c.identity_documents[0].valid_until = Some("next year".into());
        assert_eq!(
            check(EMPLOYEE, &c, &all_seen()),
            Err(RuleViolation::ValidityRequired)
        );
    }

    #[test]
    fn a_document_not_among_the_evidence_is_refused() {
        let passport_only = seen(Channel::Online, &[DocumentKind::Passport]);
        assert_eq!(
            check(EMPLOYEE, &card(), &passport_only),
            Err(RuleViolation::DocumentNotInEvidence)
        );
        let c = claim(
            NumberCheck::ResidenceRecord,
            IdentityCheck::PhotoId,
            &[DocumentKind::Passport],
        );
        assert_eq!(
            check(EMPLOYEE, &c, &passport_only),
            Err(RuleViolation::DocumentNotInEvidence)
        );
    }

    #[test]
    fn the_number_notice_never_proves_the_number() {
        let c = claim(
            NumberCheck::NumberNotice,
            IdentityCheck::PhotoId,
            &[DocumentKind::Passport],
        );
        assert_eq!(
            check(EMPLOYEE, &c, &all_seen()),
            Err(RuleViolation::NumberNoticeNeverCounts)
        );
    }

    #[test]
    fn a_special_permanent_resident_certificate_is_a_photo_id() {
        let c = claim(
            NumberCheck::ResidenceRecord,
            IdentityCheck::PhotoId,
            &[DocumentKind::SpecialPermanentResidentCertificate],
        );
        let evidence = seen(
            Channel::Post,
            &[
                DocumentKind::ResidenceRecord,
                DocumentKind::SpecialPermanentResidentCertificate,
            ],
        );
        assert!(check(PAYEE, &c, &evidence).is_ok());
    }

    #[test]
    fn the_specified_residence_card_is_a_my_number_card_from_2026_06_14() {
        let c = claim(
            NumberCheck::MyNumberCard,
            IdentityCheck::MyNumberCard,
            &[DocumentKind::SpecifiedResidenceCard],
        );
        let mut evidence = seen(Channel::Online, &[DocumentKind::SpecifiedResidenceCard]);
        assert!(check(EMPLOYEE, &c, &evidence).is_ok());
        evidence.checked_on = date!(2026 - 06 - 13);
        assert_eq!(
            check(EMPLOYEE, &c, &evidence),
            Err(RuleViolation::DocumentNoLongerCounts)
        );
    }

    #[test]
    fn face_to_face_is_only_for_a_known_employee_in_person() {
        let c = claim(
            NumberCheck::MyNumberCard,
            IdentityCheck::FaceToFaceKnownEmployee,
            &[],
        );
        let in_person = seen(Channel::InPerson, &[DocumentKind::MyNumberCardBack]);
        assert!(check(EMPLOYEE, &c, &in_person).is_ok());
        assert_eq!(
            check(PAYEE, &c, &in_person),
            Err(RuleViolation::FaceToFaceOnlyForEmployees)
        );
        assert_eq!(
            check(CHILD, &c, &in_person),
            Err(RuleViolation::FaceToFaceOnlyForEmployees)
        );
        for channel in [Channel::Online, Channel::Post] {
            assert_eq!(
                check(
                    EMPLOYEE,
                    &c,
                    &seen(channel, &[DocumentKind::MyNumberCardBack])
                ),
                Err(RuleViolation::FaceToFaceOnlyInPerson)
            );
        }
    }

    #[test]
    fn dependants_may_be_attested_by_the_employee_but_not_the_employee_himself() {
        let c = claim(
            NumberCheck::EmployeeAttestation,
            IdentityCheck::EmployeeAttestation,
            &[],
        );
        let nothing = seen(Channel::Online, &[DocumentKind::OtherDocument]);
        assert!(check(CHILD, &c, &nothing).is_ok());
        assert!(check(SPOUSE, &c, &nothing).is_ok());
        assert_eq!(
            check(EMPLOYEE, &c, &nothing),
            Err(RuleViolation::AttestationOnlyForDependants)
        );
        let half = claim(
            NumberCheck::EmployeeAttestation,
            IdentityCheck::MyNumberCard,
            &[],
        );
        assert_eq!(
            check(CHILD, &half, &nothing),
            Err(RuleViolation::AttestationMustCoverBoth)
        );
    }

    #[test]
    fn a_category3_spouse_needs_the_employer() {
        let mut c = claim(
            NumberCheck::EmployeeAttestation,
            IdentityCheck::EmployeeAttestation,
            &[],
        );
        c.category3_spouse = true;
        assert_eq!(
            check(SPOUSE, &c, &all_seen()),
            Err(RuleViolation::Category3SpouseNeedsEmployer)
        );
        assert_eq!(
            check(CHILD, &c, &all_seen()),
            Err(RuleViolation::Category3OnlyForSpouse)
        );
        let mut employer = card();
        employer.category3_spouse = true;
        assert!(check(SPOUSE, &employer, &all_seen()).is_ok());
        let mut face = claim(
            NumberCheck::MyNumberCard,
            IdentityCheck::FaceToFaceKnownEmployee,
            &[],
        );
        face.category3_spouse = true;
        assert_eq!(
            check(SPOUSE, &face, &seen(Channel::InPerson, &[])),
            Err(RuleViolation::FaceToFaceOnlyForEmployees)
        );
    }

    #[test]
    fn a_suggestion_is_always_a_pair_the_rules_accept() {
        // A newborn with the 住民票 only: the number document is seen, no identity
        // document; the attestation covers both, or the officer would be offered a
        // pair the rules refuse.
        let newborn = seen(Channel::Online, &[DocumentKind::ResidenceRecord]);
        let c = choices(CHILD, &newborn);
        assert_eq!(
            (c.suggested_number_check, c.suggested_identity_check),
            (
                Some(NumberCheck::EmployeeAttestation),
                Some(IdentityCheck::EmployeeAttestation)
            )
        );
        // Every combination of evidence for a dependant and for the employee: the
        // suggested pair passes `check` (documents and expiry aside, which the officer
        // fills in).
        let kinds = [
            DocumentKind::MyNumberCardFront,
            DocumentKind::MyNumberCardBack,
            DocumentKind::ResidenceRecord,
            DocumentKind::Passport,
            DocumentKind::HealthInsuranceCard,
            DocumentKind::PensionBook,
        ];
        for mask in 0u32..(1 << kinds.len()) {
            let chosen: Vec<DocumentKind> = kinds
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, k)| *k)
                .collect();
            for person in [CHILD, EMPLOYEE] {
                let c = choices(person, &seen(Channel::Online, &chosen));
                if let (Some(n), Some(i)) = (c.suggested_number_check, c.suggested_identity_check) {
                    assert!(
                        (n == NumberCheck::EmployeeAttestation)
                            == (i == IdentityCheck::EmployeeAttestation),
                        "{chosen:?}: {n:?} with {i:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_form_offers_only_what_the_evidence_and_channel_allow() {
        let passport_only = seen(
            Channel::Online,
            &[DocumentKind::ResidenceRecord, DocumentKind::Passport],
        );
        let c = choices(EMPLOYEE, &passport_only);
        assert_eq!(c.number_checks, [NumberCheck::ResidenceRecord]);
        assert_eq!(c.identity_checks, [IdentityCheck::PhotoId]);
        assert_eq!(c.identity_documents, [DocumentKind::Passport]);
        assert_eq!(c.suggested_identity_check, Some(IdentityCheck::PhotoId));
        let in_person = choices(
            EMPLOYEE,
            &seen(
                Channel::InPerson,
                &[
                    DocumentKind::MyNumberCardFront,
                    DocumentKind::HealthInsuranceCard,
                ],
            ),
        );
        assert_eq!(
            in_person.identity_checks,
            [
                IdentityCheck::MyNumberCard,
                IdentityCheck::FaceToFaceKnownEmployee
            ]
        );
        assert_eq!(
            in_person.suggested_documents,
            [DocumentKind::MyNumberCardFront]
        );
        assert!(
            !in_person
                .identity_documents
                .contains(&DocumentKind::HealthInsuranceCard)
        );
    }

    #[test]
    fn a_bare_kind_or_a_dated_document_both_parse() {
        let c: VerificationClaim = serde_json::from_value(serde_json::json!({
            "number_check": "residence_record",
            "identity_check": "two_non_photo_documents",
            "identity_documents": ["pension_book", {"kind": "qualification_certificate", "valid_until": "2027-03-31"}]
        }))
        .expect("parses");
        assert_eq!(
            c.identity_documents,
            [
                ReliedDocument {
                    kind: DocumentKind::PensionBook,
                    valid_until: None
                },
                doc_on(DocumentKind::QualificationCertificate, "2027-03-31"),
            ]
        );
    }

    fn doc_on(kind: DocumentKind, date: &str) -> ReliedDocument {
        ReliedDocument::valid_until(kind, date)
    }

    #[test]
    fn a_card_whose_qr_differs_serves_only_with_a_reason_without_digits() {
        let differs = Person {
            card_qr_differs: true,
            ..EMPLOYEE
        };
        let ev = all_seen();
        let mut c = card();
        assert_eq!(check(differs, &c, &ev), Err(RuleViolation::CardQrDiffers));
        c.qr_override_reason = Some("  ".into());
        assert_eq!(check(differs, &c, &ev), Err(RuleViolation::CardQrDiffers));
        c.qr_override_reason = Some("番号は 1234 です".into());
        assert_eq!(
            check(differs, &c, &ev),
            Err(RuleViolation::ReasonHoldsDigits)
        );
        c.qr_override_reason =
            Some("原本を対面で確認し、入力された番号が正しいことを確かめた".into());
        let ok = check(differs, &c, &ev).expect("a reason lets the card serve");
        assert!(ok.qr_override_reason.is_some());
        // Another number document, or a QR that does not differ, needs no reason.
        let rr = claim(
            NumberCheck::ResidenceRecord,
            IdentityCheck::MyNumberCard,
            &[DocumentKind::MyNumberCardFront],
        );
        assert!(check(differs, &rr, &ev).is_ok());
        assert_eq!(
            check(EMPLOYEE, &card(), &ev)
                .expect("ok")
                .qr_override_reason,
            None
        );
    }
}
