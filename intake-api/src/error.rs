//! The API's error: a status, a stable code, and the message in Japanese and English.
//!
//! The body is `{"error": {"code", "message_ja", "message_en"}}`. The client sees a fixed
//! sentence from the portal's catalogue; the cause goes to the log (never a number, never
//! an image); a 500 says nothing internal.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use portal::Message;
use serde::Serialize;
use storage::StorageError;

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    message: Message,
    retry_after: Option<u64>,
    field: Option<&'static str>,
}

/// The error body every API error answers (also its OpenAPI schema).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// The error itself: a stable code and the sentence in both languages.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable machine-readable code (`not_found`, `csrf_token_invalid`, …).
    code: &'static str,
    /// The sentence in Japanese.
    message_ja: &'static str,
    /// The sentence in English.
    message_en: &'static str,
    /// The form field concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: Message) -> Self {
        Self {
            status,
            message,
            retry_after: None,
            field: None,
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: Message) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 422 Unprocessable Content: well-formed but invalid.
    pub fn invalid(message: Message) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 422 at a form's field.
    pub fn invalid_at(field: &'static str, message: Message) -> Self {
        Self {
            field: Some(field),
            ..Self::invalid(message)
        }
    }

    /// Where a page shows this refusal: on its form, at the field it concerns (or at
    /// `otherwise`, e.g. an upload's file), or `None` for an error page (forbidden, not
    /// found, no longer editable, or nothing a form can fix).
    pub fn form_error(&self, otherwise: Option<&'static str>) -> Option<portal::forms::FormError> {
        let on_form = self.status.is_client_error()
            && !matches!(
                self.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::CONFLICT
            );
        let field = self.field.or(otherwise)?;
        on_form.then_some(portal::forms::FormError {
            field,
            message: self.message,
        })
    }

    /// 404 Not Found: also the answer for anything outside the caller's scope.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, Message::NotFound)
    }

    /// 401 Unauthorized: no valid session.
    pub fn session_required() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Message::SessionRequired)
    }

    /// 429 Too Many Requests with a Retry-After.
    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        Self::retry_later(Message::TooManyRequests, retry_after_seconds)
    }

    /// 429 with a specific message and a Retry-After.
    pub fn retry_later(message: Message, retry_after_seconds: u64) -> Self {
        Self {
            retry_after: Some(retry_after_seconds.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    /// 500, logging the cause.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal)
    }

    /// The message chosen.
    pub fn message(&self) -> Message {
        self.message
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message.code())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response
            .insert_header(("Cache-Control", "no-store"))
            .json(ErrorBody {
                error: ErrorDetail {
                    code: self.message.code(),
                    message_ja: self.message.ja(),
                    message_en: self.message.en(),
                    field: self.field,
                },
            })
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found(),
            StorageError::Illegal(_) => Self::new(StatusCode::CONFLICT, Message::NotEditable),
            StorageError::Conflict(_) => Self::new(StatusCode::CONFLICT, Message::Conflict),
            StorageError::AlreadyInvited(_) => {
                Self::new(StatusCode::CONFLICT, Message::AlreadyInvited)
            }
            StorageError::NotFlagged => Self::new(StatusCode::CONFLICT, Message::OnlyFlaggedItems),
            StorageError::Invalid(_) => Self::invalid(Message::BadRequest),
            StorageError::SeparationOfDuties(_) => {
                Self::new(StatusCode::FORBIDDEN, Message::SeparationOfDuties)
            }
            StorageError::ClaimRequired => Self::new(StatusCode::CONFLICT, Message::ClaimRequired),
            other => Self::internal(&other),
        }
    }
}

/// The one mapping of the application layer's refusals to an HTTP status and a bilingual
/// message: every handler, page and route answers a use case's error through it.
impl From<application::AppError> for ApiError {
    fn from(e: application::AppError) -> Self {
        use application::AppError as E;
        use application::error::{Conflict as C, Invalid as I, LinkRefusal, Lock};
        match e {
            E::NotFound => Self::not_found(),
            E::Unauthenticated => Self::session_required(),
            E::InvalidCredentials => {
                Self::new(StatusCode::UNAUTHORIZED, Message::InvalidCredentials)
            }
            E::Locked {
                lock: Lock::SignIn,
                retry_after_secs,
            } => Self::retry_later(Message::StaffLocked, retry_after_secs),
            E::Locked {
                lock: Lock::StepUp,
                retry_after_secs,
            } => Self::retry_later(Message::StepUpLocked, retry_after_secs),
            E::Link(LinkRefusal::Invalid) => {
                Self::new(StatusCode::UNAUTHORIZED, Message::InvalidInvitation)
            }
            E::Link(LinkRefusal::BirthDateRequired) => {
                Self::new(StatusCode::UNAUTHORIZED, Message::BirthDateRequired)
            }
            E::Link(LinkRefusal::BirthDateWrong) => {
                Self::new(StatusCode::UNAUTHORIZED, Message::BirthDateMismatch)
            }
            E::Locked {
                lock: Lock::Invitation,
                retry_after_secs,
            } => Self::retry_later(Message::InvitationLocked, retry_after_secs),
            E::SecondFactorRequired => {
                Self::new(StatusCode::FORBIDDEN, Message::TotpEnrolmentRequired)
            }
            E::Forbidden => Self::new(StatusCode::FORBIDDEN, Message::Forbidden),
            E::SeparationOfDuties(_) => {
                Self::new(StatusCode::FORBIDDEN, Message::SeparationOfDuties)
            }
            E::Conflict(C::ClaimRequired) => {
                Self::new(StatusCode::CONFLICT, Message::ClaimRequired)
            }
            E::Conflict(C::NotEditable) => Self::new(StatusCode::CONFLICT, Message::NotEditable),
            E::Conflict(C::OnlyFlaggedItems) => {
                Self::new(StatusCode::CONFLICT, Message::OnlyFlaggedItems)
            }
            E::Conflict(C::AlreadyInvited(_)) => {
                Self::new(StatusCode::CONFLICT, Message::AlreadyInvited)
            }
            E::Conflict(C::Gone) => Self::new(StatusCode::GONE, Message::ExportTaken),
            E::Conflict(C::NotConfigured) => {
                Self::new(StatusCode::CONFLICT, Message::NotServedHere)
            }
            E::Conflict(C::Concurrent) => Self::new(StatusCode::CONFLICT, Message::Conflict),
            E::Conflict(C::AlreadyProposed) => {
                Self::new(StatusCode::CONFLICT, Message::AlreadyProposed)
            }
            E::Conflict(C::LastAdmin) => Self::new(StatusCode::CONFLICT, Message::LastAdmin),
            E::Conflict(C::BranchNameTaken) => {
                Self::new(StatusCode::CONFLICT, Message::BranchNameTaken)
            }
            E::Conflict(C::Revoked) => Self::new(StatusCode::CONFLICT, Message::InvitationRevoked),
            E::Conflict(C::CampaignClosed) => {
                Self::new(StatusCode::CONFLICT, Message::CampaignClosed)
            }
            E::Invalid(I::Message) => Self::invalid(Message::MessageInvalid),
            E::Invalid(I::VerificationIncomplete) => Self::invalid(Message::VerificationIncomplete),
            E::Invalid(I::Date) => Self::invalid(Message::BirthDateFormat),
            E::Invalid(I::Request) => Self::invalid(Message::BadRequest),
            E::Invalid(I::SearchDate) => Self::invalid(Message::SearchDateInvalid),
            E::Invalid(I::AuditReview) => Self::invalid(Message::AuditReviewInvalid),
            E::Invalid(I::Password) => Self::invalid(Message::PasswordPolicy),
            E::Invalid(I::OwnAccount) => Self::invalid(Message::OwnAccount),
            E::Invalid(I::PurposeNotListed) => Self::invalid(Message::PurposeNotListed),
            E::Invalid(I::BranchCode) => Self::invalid(Message::BranchInvalid),
            E::Invalid(I::BranchName) => Self::invalid(Message::BranchNameInvalid),
            E::Invalid(I::PayrollRecipient) => Self::invalid(Message::PayrollRecipientInvalid),
            E::Invalid(I::TotpCode) => Self::invalid(Message::TotpCodeInvalid),
            E::Invalid(I::AddressRequired) => Self::invalid_at("address", Message::AddressRequired),
            E::Invalid(I::NumberRequired) => Self::invalid_at("number", Message::NumberRequired),
            E::Invalid(I::ProvesNothing) => Self::invalid_at("kind", Message::NumberNoticeUpload),
            E::Invalid(I::DocumentKind) => Self::invalid(Message::DocumentKindInvalid),
            E::Invalid(I::DeclineReason) => {
                Self::invalid_at("reason", Message::DeclineReasonInvalid)
            }
            E::Rule(v) => Self::invalid(rule_message(v)),
            E::NotServedHere => Self::new(StatusCode::NOT_FOUND, Message::NotServedHere),
            E::Internal(cause) => Self::internal(&cause),
        }
    }
}

impl From<portal::forms::FormError> for ApiError {
    fn from(e: portal::forms::FormError) -> Self {
        Self::invalid_at(e.field, e.message)
    }
}

/// The bilingual message of a refusal by the rule table.
fn rule_message(v: verifier::rules::RuleViolation) -> Message {
    use verifier::rules::RuleViolation;
    match v {
        RuleViolation::NotificationCardUnconfirmed => Message::NotificationCardUnconfirmed,
        RuleViolation::PhotoIdMissing => Message::PhotoIdMissing,
        RuleViolation::TwoNonPhotoDocumentsMissing => Message::TwoNonPhotoDocumentsMissing,
        RuleViolation::FaceToFaceOnlyForEmployees => Message::FaceToFaceOnlyForEmployees,
        RuleViolation::AttestationOnlyForDependants => Message::AttestationOnlyForDependants,
        RuleViolation::Category3SpouseNeedsEmployer => Message::Category3SpouseNeedsEmployer,
        RuleViolation::Category3OnlyForSpouse => Message::Category3OnlyForSpouse,
        RuleViolation::AttestationMustCoverBoth => Message::AttestationMustCoverBoth,
        RuleViolation::DocumentNotInEvidence => Message::DocumentNotInEvidence,
        RuleViolation::FaceToFaceOnlyInPerson => Message::FaceToFaceOnlyInPerson,
        RuleViolation::DocumentNoLongerCounts => Message::DocumentNoLongerCounts,
        RuleViolation::DocumentExpired => Message::DocumentExpired,
        RuleViolation::ValidityRequired => Message::DocumentValidityRequired,
        RuleViolation::NumberNoticeNeverCounts => Message::NumberNoticeNotProof,
        RuleViolation::CardMissing => Message::CardMissing,
        RuleViolation::CardQrDiffers => Message::CardQrDiffers,
        RuleViolation::ReasonHoldsDigits => Message::ReasonHoldsDigits,
    }
}
