//! The 本人確認 rule table of DESIGN.md: which combinations of number check (番号確認) and
//! identity check (身元確認) are acceptable for whom.
//!
//! | who | number check | identity check |
//! |---|---|---|
//! | employee / payee | My Number card, 住民票 with number, or 通知カード whose name and address the officer matched to the current 住民票 | My Number card, one photo ID, two non-photo documents, or (known employee only) face to face |
//! | dependant | as above, or the employee's attestation | as above, or the employee's attestation |
//! | spouse filing as 国民年金第3号被保険者 | as for the employee: the employer verifies | as for the employee, never face to face |

use serde::Deserialize;
use storage::DocumentKind;
use storage::person::Relationship;

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
    /// 個人番号カード.
    MyNumberCard,
    /// 住民票の写し with the number.
    ResidenceRecord,
    /// 通知カード: valid only if name and address match the current 住民票.
    NotificationCard,
    /// The employee attests (dependants only).
    EmployeeAttestation,
}

domain::codes!(NumberCheck);

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
    /// 個人番号カード.
    MyNumberCard,
    /// One photo ID (licence, passport, residence card, …).
    PhotoId,
    /// Two non-photo documents (health insurance card, pension book, …).
    TwoNonPhotoDocuments,
    /// A known employee, checked face to face by the officer.
    FaceToFaceKnownEmployee,
    /// The employee attests (dependants only).
    EmployeeAttestation,
}

domain::codes!(IdentityCheck);

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
    /// The identity documents relied on (photo ID or the two non-photo documents).
    #[serde(default)]
    pub identity_documents: Vec<DocumentKind>,
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
    /// The card is relied on for the number check while its QR code holds another number
    /// than the typed one, and the officer recorded no reason.
    #[error("the card's QR code differs from the typed number: record why the card still serves")]
    CardQrDiffers,
    /// The reason holds a run of digits (it must never carry a number).
    #[error("the reason must not contain a number")]
    ReasonHoldsDigits,
}

/// The codes stored for an accepted verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedVerification {
    /// Number check code.
    pub number_check: &'static str,
    /// Identity check code.
    pub identity_check: &'static str,
    /// Document kinds relied on.
    pub documents: Vec<&'static str>,
    /// The officer's reason for relying on the card although its QR differs.
    pub qr_override_reason: Option<String>,
}

fn is_photo_id(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::DriversLicense
            | DocumentKind::Passport
            | DocumentKind::ResidenceCard
            | DocumentKind::OtherPhotoId
    )
}

fn is_non_photo(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::HealthInsuranceCard | DocumentKind::PensionBook | DocumentKind::OtherDocument
    )
}

/// Applies the rule table to one person.
pub fn check(
    person: Person,
    claim: &VerificationClaim,
) -> Result<AcceptedVerification, RuleViolation> {
    let dependant = person.relationship != Relationship::Myself;
    if claim.category3_spouse && person.relationship != Relationship::Spouse {
        return Err(RuleViolation::Category3OnlyForSpouse);
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
            qr_override_reason: None,
        });
    }
    // The QR code on the card's back holds the number (DESIGN.md, domain rules; issue
    // 19): a card whose QR says another number than the typed one does not show the
    // typed number, unless the officer, who sees both, records why it still serves.
    let qr_override_reason = match claim.qr_override_reason.as_deref().map(str::trim) {
        _ if claim.number_check != NumberCheck::MyNumberCard || !person.card_qr_differs => None,
        Some(reason) if !reason.is_empty() => {
            if holds_digit_run(reason) {
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
    let documents: Vec<DocumentKind> = match claim.identity_check {
        IdentityCheck::MyNumberCard => Vec::new(),
        IdentityCheck::PhotoId => match claim.identity_documents.as_slice() {
            [one] if is_photo_id(*one) => vec![*one],
            _ => return Err(RuleViolation::PhotoIdMissing),
        },
        IdentityCheck::TwoNonPhotoDocuments => match claim.identity_documents.as_slice() {
            [a, b]
                if is_non_photo(*a)
                    && is_non_photo(*b)
                    && (a != b || *a == DocumentKind::OtherDocument) =>
            {
                vec![*a, *b]
            }
            _ => return Err(RuleViolation::TwoNonPhotoDocumentsMissing),
        },
        IdentityCheck::FaceToFaceKnownEmployee => {
            if dependant || !person.is_employee {
                return Err(RuleViolation::FaceToFaceOnlyForEmployees);
            }
            Vec::new()
        }
        // Attestation was settled above.
        IdentityCheck::EmployeeAttestation => Vec::new(),
    };
    Ok(AcceptedVerification {
        number_check: claim.number_check.code(),
        identity_check: claim.identity_check.code(),
        documents: documents.into_iter().map(DocumentKind::code).collect(),
        qr_override_reason,
    })
}

/// Whether `text` holds four or more digits in a row (ASCII or full-width, spaces and
/// hyphens between them counted as part of the run): a free-text reason must never
/// carry a number or its last four digits.
fn holds_digit_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            if run >= 4 {
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

    fn claim(
        number: NumberCheck,
        identity: IdentityCheck,
        docs: &[DocumentKind],
    ) -> VerificationClaim {
        VerificationClaim {
            number_check: number,
            notification_card_matches_residence_record: false,
            identity_check: identity,
            identity_documents: docs.to_vec(),
            category3_spouse: false,
            qr_override_reason: None,
        }
    }

    #[test]
    fn the_my_number_card_alone_is_both_checks() {
        let ok = check(
            EMPLOYEE,
            &claim(NumberCheck::MyNumberCard, IdentityCheck::MyNumberCard, &[]),
        );
        assert_eq!(
            ok.map(|a| (a.number_check, a.identity_check)),
            Ok(("my_number_card", "my_number_card"))
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
        )
        .expect("accepted");
        assert_eq!(ok.documents, ["passport"]);
    }

    #[test]
    fn a_notification_card_needs_the_residence_record_match() {
        let mut c = claim(
            NumberCheck::NotificationCard,
            IdentityCheck::PhotoId,
            &[DocumentKind::DriversLicense],
        );
        assert_eq!(
            check(EMPLOYEE, &c),
            Err(RuleViolation::NotificationCardUnconfirmed)
        );
        c.notification_card_matches_residence_record = true;
        assert!(check(EMPLOYEE, &c).is_ok());
    }

    #[test]
    fn photo_id_must_be_exactly_one_photo_document() {
        for docs in [
            &[][..],
            &[DocumentKind::HealthInsuranceCard][..],
            &[DocumentKind::Passport, DocumentKind::DriversLicense][..],
        ] {
            assert_eq!(
                check(
                    EMPLOYEE,
                    &claim(NumberCheck::MyNumberCard, IdentityCheck::PhotoId, docs)
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
            )
        };
        assert!(two(&[DocumentKind::HealthInsuranceCard, DocumentKind::PensionBook]).is_ok());
        assert!(two(&[DocumentKind::OtherDocument, DocumentKind::OtherDocument]).is_ok());
        for bad in [
            &[DocumentKind::HealthInsuranceCard][..],
            &[DocumentKind::PensionBook, DocumentKind::PensionBook][..],
            &[DocumentKind::HealthInsuranceCard, DocumentKind::Passport][..],
        ] {
            assert_eq!(two(bad), Err(RuleViolation::TwoNonPhotoDocumentsMissing));
        }
    }

    #[test]
    fn face_to_face_is_only_for_a_known_employee() {
        let c = claim(
            NumberCheck::MyNumberCard,
            IdentityCheck::FaceToFaceKnownEmployee,
            &[],
        );
        assert!(check(EMPLOYEE, &c).is_ok());
        assert_eq!(
            check(PAYEE, &c),
            Err(RuleViolation::FaceToFaceOnlyForEmployees)
        );
        assert_eq!(
            check(CHILD, &c),
            Err(RuleViolation::FaceToFaceOnlyForEmployees)
        );
    }

    #[test]
    fn dependants_may_be_attested_by_the_employee_but_not_the_employee_himself() {
        let c = claim(
            NumberCheck::EmployeeAttestation,
            IdentityCheck::EmployeeAttestation,
            &[],
        );
        assert!(check(CHILD, &c).is_ok());
        assert!(check(SPOUSE, &c).is_ok());
        assert_eq!(
            check(EMPLOYEE, &c),
            Err(RuleViolation::AttestationOnlyForDependants)
        );
        let half = claim(
            NumberCheck::EmployeeAttestation,
            IdentityCheck::MyNumberCard,
            &[],
        );
        assert_eq!(
            check(CHILD, &half),
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
            check(SPOUSE, &c),
            Err(RuleViolation::Category3SpouseNeedsEmployer)
        );
        assert_eq!(check(CHILD, &c), Err(RuleViolation::Category3OnlyForSpouse));
        let mut employer = claim(NumberCheck::MyNumberCard, IdentityCheck::MyNumberCard, &[]);
        employer.category3_spouse = true;
        assert!(check(SPOUSE, &employer).is_ok());
        let mut face = claim(
            NumberCheck::MyNumberCard,
            IdentityCheck::FaceToFaceKnownEmployee,
            &[],
        );
        face.category3_spouse = true;
        assert_eq!(
            check(SPOUSE, &face),
            Err(RuleViolation::FaceToFaceOnlyForEmployees)
        );
    }

    #[test]
    fn a_card_whose_qr_differs_serves_only_with_a_reason_without_digits() {
        let differs = Person {
            card_qr_differs: true,
            ..EMPLOYEE
        };
        let mut c = claim(NumberCheck::MyNumberCard, IdentityCheck::MyNumberCard, &[]);
        assert_eq!(check(differs, &c), Err(RuleViolation::CardQrDiffers));
        c.qr_override_reason = Some("  ".into());
        assert_eq!(check(differs, &c), Err(RuleViolation::CardQrDiffers));
        c.qr_override_reason = Some("番号は 1234 です".into());
        assert_eq!(check(differs, &c), Err(RuleViolation::ReasonHoldsDigits));
        c.qr_override_reason =
            Some("原本を対面で確認し、入力された番号が正しいことを確かめた".into());
        let ok = check(differs, &c).expect("a reason lets the card serve");
        assert!(ok.qr_override_reason.is_some());
        // Another number document, or a QR that does not differ, needs no reason.
        let rr = claim(
            NumberCheck::ResidenceRecord,
            IdentityCheck::MyNumberCard,
            &[],
        );
        assert!(check(differs, &rr).is_ok());
        let plain = claim(NumberCheck::MyNumberCard, IdentityCheck::MyNumberCard, &[]);
        assert_eq!(
            check(EMPLOYEE, &plain).expect("ok").qr_override_reason,
            None
        );
    }
}
