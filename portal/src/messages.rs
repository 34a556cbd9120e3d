//! Every sentence a provider can read, in Japanese and English, in one catalogue.
//!
//! Messages are fixed text chosen by a [`Message`] value; none interpolates what a user
//! typed or uploaded, so an error can never echo a number back.

/// A message with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// The invitation link is unknown, expired or revoked.
    InvalidInvitation,
    /// The invitation asks for the birth date.
    BirthDateRequired,
    /// The birth date did not match.
    BirthDateMismatch,
    /// Too many wrong birth dates.
    InvitationLocked,
    /// No or expired session.
    SessionRequired,
    /// Number: not digits.
    NumberNotDigits,
    /// Number: not 12 digits.
    NumberWrongLength,
    /// Number: check digit.
    NumberCheckDigit,
    /// Name empty.
    NameEmpty,
    /// Name too long or control characters.
    NameInvalid,
    /// The name starts with a character a spreadsheet reads as a formula.
    NameFormulaStart,
    /// Furigana empty.
    KanaEmpty,
    /// Furigana not kana.
    KanaInvalid,
    /// An address too long or with characters typed text refuses.
    AddressInvalid,
    /// An address is needed (a payee's 支払調書, or as the employer configures).
    AddressRequired,
    /// An alphabetic name not in Latin letters.
    AlphabeticNameInvalid,
    /// An unknown reason for a dependant without a number (or one given for oneself).
    NoNumberReasonInvalid,
    /// Birth date format.
    BirthDateFormat,
    /// Birth date out of range.
    BirthDateRange,
    /// Unknown relationship.
    RelationshipInvalid,
    /// Unknown document kind.
    DocumentKindInvalid,
    /// The upload lacks the file.
    FileMissing,
    /// Not JPEG/PNG/WebP.
    UnsupportedFileType,
    /// HEIC from an iPhone.
    HeicNotSupported,
    /// Too many pixels.
    TooManyPixels,
    /// A side too long, or too long and narrow, for a document photo.
    ImageShapeUnsupported,
    /// Body too large.
    PayloadTooLarge,
    /// A JSON or form request (not a file) larger than its endpoint takes.
    RequestTooLarge,
    /// The image could not be decoded.
    CorruptImage,
    /// The image took too long to process.
    ImageTimeout,
    /// The upload was empty.
    EmptyFile,
    /// Malformed request.
    BadRequest,
    /// Not found (or not yours).
    NotFound,
    /// The submission can no longer be changed.
    NotEditable,
    /// Something is missing before submitting.
    Incomplete,
    /// Rate limited.
    TooManyRequests,
    /// Another change won.
    Conflict,
    /// This instance does not serve this.
    NotServedHere,
    /// Internal error; nothing internal is said.
    Internal,
    /// Decline reason missing or too long.
    DeclineReasonInvalid,
    /// Staff sign-in failed (which part is not said).
    InvalidCredentials,
    /// Too many failed staff sign-ins.
    StaffLocked,
    /// Too many failed step-up re-authentications (approvals).
    StepUpLocked,
    /// TOTP must be enrolled first.
    TotpEnrolmentRequired,
    /// The TOTP code was wrong.
    TotpCodeInvalid,
    /// Missing or wrong CSRF token.
    CsrfTokenInvalid,
    /// The role may not do this.
    Forbidden,
    /// Separation of duties: what takes two people was asked of one.
    SeparationOfDuties,
    /// Password length or a common password.
    PasswordPolicy,
    /// The activation link is unknown, used, expired or its account disabled.
    ActivationInvalid,
    /// The two new passwords typed differ.
    PasswordsDiffer,
    /// The last enabled admin cannot be disabled.
    LastAdmin,
    /// An admin cannot do this to their own account.
    OwnAccount,
    /// A release names a purpose that is not one of the configured purposes of use.
    PurposeNotListed,
    /// A branch's display name is empty, too long or not plain typed text.
    BranchNameInvalid,
    /// Another branch already has this display name.
    BranchNameTaken,
    /// The re-confirmation campaign is closed (no answer, reminder or second closing).
    CampaignClosed,
    /// Not one age X25519 recipient (`age1…`).
    PayrollRecipientInvalid,
    /// The same proposal already waits for a second person.
    AlreadyProposed,
    /// A one-time export was already handed over.
    ExportTaken,
    /// A username outside the rule (3 to 64 of a-z, 0-9, '.', '_', '-', starting with a
    /// letter or a digit).
    UsernameInvalid,
    /// The officer must hold the claim.
    ClaimRequired,
    /// Every person needs one verification.
    VerificationIncomplete,
    /// Notification card without residence record match.
    NotificationCardUnconfirmed,
    /// Photo ID check without one photo ID.
    PhotoIdMissing,
    /// Two non-photo documents missing.
    TwoNonPhotoDocumentsMissing,
    /// Face to face only for known employees.
    FaceToFaceOnlyForEmployees,
    /// Attestation only for dependants.
    AttestationOnlyForDependants,
    /// Category 3 spouse needs the employer.
    Category3SpouseNeedsEmployer,
    /// Category 3 only for spouses.
    Category3OnlyForSpouse,
    /// Attestation on one half only.
    AttestationMustCoverBoth,
    /// A document named for 本人確認 is not among the person's photos or the originals seen.
    DocumentNotInEvidence,
    /// Face-to-face recognition on a submission that did not arrive in person.
    FaceToFaceOnlyInPerson,
    /// A document that does not count on the day of the check (健康保険証 after 2025-12-01).
    DocumentNoLongerCounts,
    /// An identity document past its expiry date.
    DocumentExpired,
    /// An identity document named without its expiry date.
    DocumentValidityRequired,
    /// The 個人番号通知書 named for the number check.
    NumberNoticeNotProof,
    /// The My Number card named for the identity check without the card.
    CardMissing,
    /// A provider uploads a 個人番号通知書, which proves nothing.
    NumberNoticeUpload,
    /// The card's QR differs from the typed number and no reason was recorded.
    CardQrDiffers,
    /// Photo first: no QR code was found on the photo of the card's back.
    CardQrNotFound,
    /// Photo first: a QR code was found but held no valid number.
    CardQrUnreadable,
    /// A free-text reason holds a run of digits.
    ReasonHoldsDigits,
    /// Free text too long or with a character [`storage::typed_text`] refuses.
    MessageInvalid,
    /// A page form came without the right CSRF token (stale page or forged request).
    CsrfInvalid,
    /// The number is needed the first time the details are saved.
    NumberRequired,
    /// A correction request must name at least one item with a reason.
    NothingToCorrect,
    /// The e-mail address is not valid.
    EmailInvalid,
    /// The employee code must be up to 32 letters, digits, '-', '_' or '.'.
    EmployeeCodeInvalid,
    /// An employee's invitation needs the employee code.
    EmployeeCodeRequired,
    /// The branch or department code must be up to 32 letters, digits, '-', '_' or '.'.
    BranchInvalid,
    /// The kind must be employee or payee.
    InvitationKindInvalid,
    /// The CSV's character encoding could not be read. Please save it as UTF-8 or Shift_JIS.
    RosterEncoding,
    /// A line could not be read as CSV (an unclosed quote, for example).
    RosterUnreadable,
    /// The CSV has no one to invite.
    RosterEmpty,
    /// At most 5,000 people can be invited at once. Please split the file.
    RosterTooLarge,
    /// The number of columns does not match the header.
    RosterColumns,
    /// The same employee code appears again in the file.
    RosterDuplicateCode,
    /// This employee code already has an invitation in use. Re-issue or revoke it from the list.
    AlreadyInvited,
    /// This invitation has been revoked.
    InvitationRevoked,
    /// E-mail (SMTP) is not set up. Please use the printable sheet.
    MailNotConfigured,
    /// Only the items you were asked to correct can be changed; everything else is kept as it was.
    OnlyFlaggedItems,
    /// The address exists but not with this method (405).
    MethodNotAllowed,
    /// The body is not of a type this endpoint reads (415).
    UnsupportedMediaType,
    /// The body came too slowly (408).
    RequestTimeout,
    /// Too many connections open from one address (503).
    TooManyConnections,
    /// A date in a search is not a date (the auditor's trail and sign-in history).
    SearchDateInvalid,
    /// An audit review's period, checkboxes or remarks are not acceptable.
    AuditReviewInvalid,
}

impl Message {
    /// Every message, so a stored code can be read back (flash messages).
    pub const ALL: &'static [Message] = &[
        Message::InvalidInvitation,
        Message::BirthDateRequired,
        Message::BirthDateMismatch,
        Message::InvitationLocked,
        Message::SessionRequired,
        Message::NumberNotDigits,
        Message::NumberWrongLength,
        Message::NumberCheckDigit,
        Message::NameEmpty,
        Message::NameInvalid,
        Message::NameFormulaStart,
        Message::KanaEmpty,
        Message::KanaInvalid,
        Message::AddressInvalid,
        Message::AddressRequired,
        Message::AlphabeticNameInvalid,
        Message::NoNumberReasonInvalid,
        Message::BirthDateFormat,
        Message::BirthDateRange,
        Message::RelationshipInvalid,
        Message::DocumentKindInvalid,
        Message::FileMissing,
        Message::UnsupportedFileType,
        Message::HeicNotSupported,
        Message::TooManyPixels,
        Message::ImageShapeUnsupported,
        Message::PayloadTooLarge,
        Message::RequestTooLarge,
        Message::CorruptImage,
        Message::ImageTimeout,
        Message::EmptyFile,
        Message::BadRequest,
        Message::NotFound,
        Message::NotEditable,
        Message::Incomplete,
        Message::TooManyRequests,
        Message::Conflict,
        Message::NotServedHere,
        Message::Internal,
        Message::DeclineReasonInvalid,
        Message::CsrfInvalid,
        Message::NumberRequired,
        Message::InvalidCredentials,
        Message::StaffLocked,
        Message::StepUpLocked,
        Message::TotpEnrolmentRequired,
        Message::TotpCodeInvalid,
        Message::CsrfTokenInvalid,
        Message::Forbidden,
        Message::SeparationOfDuties,
        Message::PasswordPolicy,
        Message::ActivationInvalid,
        Message::PasswordsDiffer,
        Message::LastAdmin,
        Message::OwnAccount,
        Message::PurposeNotListed,
        Message::BranchNameInvalid,
        Message::BranchNameTaken,
        Message::CampaignClosed,
        Message::PayrollRecipientInvalid,
        Message::AlreadyProposed,
        Message::ExportTaken,
        Message::UsernameInvalid,
        Message::ClaimRequired,
        Message::VerificationIncomplete,
        Message::NotificationCardUnconfirmed,
        Message::PhotoIdMissing,
        Message::TwoNonPhotoDocumentsMissing,
        Message::FaceToFaceOnlyForEmployees,
        Message::AttestationOnlyForDependants,
        Message::Category3SpouseNeedsEmployer,
        Message::Category3OnlyForSpouse,
        Message::AttestationMustCoverBoth,
        Message::DocumentNotInEvidence,
        Message::FaceToFaceOnlyInPerson,
        Message::DocumentNoLongerCounts,
        Message::DocumentExpired,
        Message::DocumentValidityRequired,
        Message::NumberNoticeNotProof,
        Message::CardMissing,
        Message::NumberNoticeUpload,
        Message::CardQrDiffers,
        Message::CardQrNotFound,
        Message::CardQrUnreadable,
        Message::ReasonHoldsDigits,
        Message::MessageInvalid,
        Message::NothingToCorrect,
        Message::EmailInvalid,
        Message::EmployeeCodeInvalid,
        Message::EmployeeCodeRequired,
        Message::BranchInvalid,
        Message::InvitationKindInvalid,
        Message::RosterEncoding,
        Message::RosterUnreadable,
        Message::RosterEmpty,
        Message::RosterTooLarge,
        Message::RosterColumns,
        Message::RosterDuplicateCode,
        Message::AlreadyInvited,
        Message::InvitationRevoked,
        Message::MailNotConfigured,
        Message::OnlyFlaggedItems,
        Message::MethodNotAllowed,
        Message::UnsupportedMediaType,
        Message::RequestTimeout,
        Message::TooManyConnections,
        Message::SearchDateInvalid,
        Message::AuditReviewInvalid,
    ];

    /// The message with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.code() == code)
    }

    /// The stable machine-readable code.
    pub fn code(self) -> &'static str {
        self.texts().0
    }

    /// The Japanese text.
    pub fn ja(self) -> &'static str {
        self.texts().1
    }

    /// The English text.
    pub fn en(self) -> &'static str {
        self.texts().2
    }

    fn texts(self) -> (&'static str, &'static str, &'static str) {
        use Message::*;
        match self {
            InvalidInvitation => (
                "invalid_invitation",
                "この招待リンクは無効か、有効期限が切れています。担当者に新しいリンクを依頼してください。",
                "This invitation link is not valid or has expired. Please ask your HR contact for a new link.",
            ),
            BirthDateRequired => (
                "birth_date_required",
                "本人確認のため、生年月日を入力してください。",
                "Please enter your date of birth to confirm it is you.",
            ),
            BirthDateMismatch => (
                "birth_date_mismatch",
                "生年月日が一致しません。入力内容を確認してください。",
                "The date of birth does not match. Please check what you entered.",
            ),
            InvitationLocked => (
                "invitation_locked",
                "入力の誤りが続いたため、しばらくの間このリンクはロックされています。時間をおいて再度お試しください。",
                "Too many wrong attempts: this link is locked for a while. Please try again later.",
            ),
            SessionRequired => (
                "session_required",
                "セッションの有効期限が切れました。招待リンクからもう一度開いてください。保存済みの内容は失われていません。",
                "Your session has expired. Please open your invitation link again; nothing you saved has been lost.",
            ),
            NumberNotDigits => (
                "number_not_digits",
                "個人番号は数字で入力してください（スペースやハイフンは使えます）。",
                "Enter the My Number as digits (spaces and hyphens are fine).",
            ),
            NumberWrongLength => (
                "number_wrong_length",
                "個人番号は12桁です。桁数を確認してください。",
                "A My Number has 12 digits. Please check the number of digits.",
            ),
            NumberCheckDigit => (
                "number_check_digit",
                "個人番号が正しくありません（チェックデジットが一致しません）。カードの番号をもう一度確認してください。",
                "This My Number is not valid (the check digit does not match). Please check the number on the card again.",
            ),
            NameEmpty => (
                "name_empty",
                "氏名を入力してください。",
                "Please enter the name.",
            ),
            NameInvalid => (
                "name_invalid",
                "氏名が長すぎるか、使えない文字が含まれています。",
                "The name is too long or contains characters that cannot be used.",
            ),
            NameFormulaStart => (
                "name_formula_start",
                "氏名の先頭に「=」「+」「-」「@」は使えません。",
                "The name cannot start with =, +, - or @.",
            ),
            KanaEmpty => (
                "kana_empty",
                "フリガナを入力してください。",
                "Please enter the furigana (reading of the name).",
            ),
            KanaInvalid => (
                "kana_invalid",
                "フリガナはカタカナまたはひらがなで入力してください（名前の区切りの「＝」「・」「-」と空白は使えます）。",
                "Please write the furigana in katakana or hiragana (＝, ・, - and spaces between the parts of a name are fine).",
            ),
            AddressInvalid => (
                "address_invalid",
                "住所は200文字以内で、使えない文字を含めずに入力してください。",
                "Please enter the address in at most 200 characters, without characters that are not allowed.",
            ),
            AddressRequired => (
                "address_required",
                "住所を入力してください（住民票のとおり）。",
                "Please enter your address (as on your residence record).",
            ),
            AlphabeticNameInvalid => (
                "alphabetic_name_invalid",
                "アルファベット氏名はローマ字（A〜Z）で、在留カードのとおり入力してください。",
                "Please enter the alphabetic name in Latin letters, as on the residence card.",
            ),
            NoNumberReasonInvalid => (
                "no_number_reason_invalid",
                "番号がない理由は、扶養親族について「国外居住」または「出生直後で未付番」から選んでください。",
                "For a dependant without a number, choose why: living abroad, or a newborn not yet numbered.",
            ),
            BirthDateFormat => (
                "birth_date_format",
                "生年月日は 1990-04-01 や 1990/4/1 の形式で、実在する日付を入力してください。",
                "Please enter a real date of birth as YYYY-MM-DD or YYYY/M/D, e.g. 1990-04-01.",
            ),
            BirthDateRange => (
                "birth_date_range",
                "生年月日が正しくありません（未来の日付や1900年より前は入力できません）。",
                "The date of birth is not valid (it cannot be in the future or before 1900).",
            ),
            RelationshipInvalid => (
                "relationship_invalid",
                "続柄を選んでください。",
                "Please choose the relationship.",
            ),
            DocumentKindInvalid => (
                "document_kind_invalid",
                "書類の種類を選んでください。",
                "Please choose the kind of document.",
            ),
            FileMissing => (
                "file_missing",
                "写真ファイルが選ばれていません。",
                "No photo was attached.",
            ),
            UnsupportedFileType => (
                "unsupported_file_type",
                "この形式のファイルは受け付けられません。JPEG、PNG、WebP の写真を送ってください。",
                "This type of file is not accepted. Please send a JPEG, PNG or WebP photo.",
            ),
            HeicNotSupported => (
                "heic_not_supported",
                "iPhone の HEIC 形式は受け付けられません。カメラで撮影し直すか、「設定 > カメラ > フォーマット」で「互換性優先」を選んでから撮影してください。",
                "HEIC photos from an iPhone are not accepted. Take the photo with the camera button on this page, or set Settings > Camera > Formats to \"Most Compatible\" and take it again.",
            ),
            TooManyPixels => (
                "too_many_pixels",
                "画像の画素数が大きすぎます（上限 5,000万画素）。",
                "The image has too many pixels (the limit is 50 megapixels).",
            ),
            ImageShapeUnsupported => (
                "image_shape_unsupported",
                "画像が細長すぎるか、辺が長すぎます（長辺 16,384 画素まで、縦横比 20:1 まで）。書類全体が写るように撮影し直してください。",
                "The image is too long and narrow, or one side is too long (at most 16,384 pixels, and at most 20 times longer than wide). Please take a photo of the whole document.",
            ),
            PayloadTooLarge => (
                "payload_too_large",
                "ファイルが大きすぎます（上限 20MB）。",
                "The file is too large (the limit is 20 MB).",
            ),
            RequestTooLarge => (
                "request_too_large",
                "送信内容が大きすぎます。件数を分けて送ってください。",
                "The request is too large for this endpoint. Send it in smaller batches.",
            ),
            CorruptImage => (
                "corrupt_image",
                "画像を読み取れませんでした。ファイルが壊れている可能性があります。撮影し直してください。",
                "The image could not be read; the file may be damaged. Please take the photo again.",
            ),
            ImageTimeout => (
                "image_timeout",
                "画像の処理に時間がかかりすぎました。別の写真でお試しください。",
                "Processing the image took too long. Please try another photo.",
            ),
            EmptyFile => ("empty_file", "ファイルが空です。", "The file is empty."),
            BadRequest => (
                "bad_request",
                "送信内容を読み取れませんでした。",
                "The request could not be read.",
            ),
            NotFound => ("not_found", "見つかりません。", "Not found."),
            NotEditable => (
                "not_editable",
                "この提出は現在変更できません。",
                "This submission cannot be changed now.",
            ),
            Incomplete => (
                "incomplete",
                "提出の前に、足りない項目を入力してください。",
                "Please complete the missing items before submitting.",
            ),
            TooManyRequests => (
                "too_many_requests",
                "アクセスが集中しています。少し待ってから再度お試しください。",
                "Too many requests. Please wait a moment and try again.",
            ),
            Conflict => (
                "conflict",
                "他の操作と重なりました。もう一度お試しください。",
                "This clashed with another change. Please try again.",
            ),
            NotServedHere => (
                "not_served_here",
                "この機能はこのサーバーでは利用できません。",
                "This function is not available on this server.",
            ),
            Internal => (
                "internal_error",
                "システムエラーが発生しました。時間をおいて再度お試しください。入力済みの内容は保存されています。",
                "A system error occurred. Please try again later; what you saved is kept.",
            ),
            DeclineReasonInvalid => (
                "decline_reason_invalid",
                "提供しない理由を500文字以内で入力してください（制御文字や文字の向きを変える記号は使えません）。",
                "Please give the reason for declining in up to 500 characters (control characters and marks that change the direction of text cannot be used).",
            ),
            InvalidCredentials => (
                "invalid_credentials",
                "ユーザー名、パスワード、または確認コードが正しくありません。",
                "The username, password or verification code is not correct.",
            ),
            StaffLocked => (
                "staff_locked",
                "サインインの失敗が続いたため、一時的にロックされています。しばらくしてから再度お試しください。",
                "Too many failed sign-ins: signing in is locked for a while. Please try again later.",
            ),
            StepUpLocked => (
                "step_up_locked",
                "パスワードまたは確認コードの誤りが続いたため、承認操作が一時的にロックされています。しばらくしてから再度お試しください。",
                "Too many wrong passwords or codes: approving is locked for a while. Please try again later.",
            ),
            TotpEnrolmentRequired => (
                "totp_enrolment_required",
                "先に二要素認証（認証アプリ）の登録を完了してください。",
                "Please finish setting up two-factor authentication (authenticator app) first.",
            ),
            TotpCodeInvalid => (
                "totp_code_invalid",
                "確認コードが正しくありません。認証アプリの最新のコードを入力してください。",
                "The verification code is not correct. Enter the current code from your authenticator app.",
            ),
            CsrfTokenInvalid => (
                "csrf_token_invalid",
                "リクエストを確認できませんでした。画面を再読み込みしてからやり直してください。",
                "The request could not be confirmed. Please reload and try again.",
            ),
            Forbidden => (
                "forbidden",
                "この操作を行う権限がありません。",
                "You are not allowed to do this.",
            ),
            SeparationOfDuties => (
                "separation_of_duties",
                "この操作は別の担当者が行う必要があります（提案者や対象者本人は承認できません）。",
                "This takes a second person: whoever proposed it, or whom it is about, cannot approve it.",
            ),
            PasswordPolicy => (
                "password_policy",
                "パスワードは12文字以上128文字以下で、よく使われるものは使えません。",
                "Passwords must be 12 to 128 characters long and not a commonly used one.",
            ),
            ActivationInvalid => (
                "activation_invalid",
                "この設定用リンクは無効です（使用済み・期限切れ・アカウント停止中）。管理者に新しいリンクの発行を依頼してください。",
                "This activation link is not valid (already used, expired, or the account is disabled). Ask an administrator for a new one.",
            ),
            PasswordsDiffer => (
                "passwords_differ",
                "確認用に入力したパスワードが一致しません。",
                "The two passwords you typed differ.",
            ),
            LastAdmin => (
                "last_admin",
                "最後の有効な管理者アカウントは停止できません。",
                "The last enabled admin account cannot be disabled.",
            ),
            BranchNameInvalid => (
                "branch_name_invalid",
                "拠点名は1行・40文字以内で入力してください（= + - @ で始めないでください）。",
                "A branch name is one line of up to 40 characters, not starting with = + - or @.",
            ),
            BranchNameTaken => (
                "branch_name_taken",
                "この拠点名は別の拠点で使われています。",
                "Another branch already has this name.",
            ),
            CampaignClosed => (
                "campaign_closed",
                "この年末調整の確認は締め切られています。",
                "This year-end re-confirmation is closed.",
            ),
            PurposeNotListed => (
                "purpose_not_listed",
                "提供の利用目的は、本人に通知した利用目的の一覧から選んでください。",
                "Choose the purpose of the release from the purposes of use the people were told.",
            ),
            OwnAccount => (
                "own_account",
                "自分自身のアカウントに対してこの操作はできません。",
                "You cannot do this to your own account.",
            ),
            PayrollRecipientInvalid => (
                "payroll_recipient_invalid",
                "受取鍵は age の公開鍵（age1 で始まる1行）を1つだけ入力してください。",
                "Enter one age public key (one line starting with age1).",
            ),
            AlreadyProposed => (
                "already_proposed",
                "同じ内容の提案がすでに承認待ちです。もう一人の担当者の承認を待つか、提案を取り下げてください。",
                "The same proposal already waits for a second person: wait for their approval or withdraw it.",
            ),
            ExportTaken => (
                "export_taken",
                "この出力ファイルはすでに受け渡し済みです（一度だけ取得できます）。ファイルは最初にダウンロードした端末か給与システム側にあります。",
                "This export was already handed over (it can be taken once): the file is on the device that downloaded it first, or with the payroll system.",
            ),
            UsernameInvalid => (
                "username_invalid",
                "ユーザー名は英小文字・数字・「.」「_」「-」の3〜64文字で、英小文字か数字で始めてください。",
                "A username is 3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or a digit.",
            ),
            ClaimRequired => (
                "claim_required",
                "この申請を先に担当として確保してください（確保の期限切れの可能性があります）。",
                "Claim this submission first (your claim may have expired).",
            ),
            VerificationIncomplete => (
                "verification_incomplete",
                "申請に含まれる全員について、本人確認の方法を一つずつ記録してください。",
                "Record exactly one verification for every person on the submission.",
            ),
            NotificationCardUnconfirmed => (
                "notification_card_unconfirmed",
                "通知カードは、氏名・住所が現在の住民票と一致することを確認した場合のみ番号確認に使えます。",
                "A notification card counts only when its name and address match the current residence record.",
            ),
            PhotoIdMissing => (
                "photo_id_missing",
                "身元確認に使った顔写真付き身分証明書を一つ指定してください。",
                "Name the one photo ID used for the identity check.",
            ),
            TwoNonPhotoDocumentsMissing => (
                "two_non_photo_documents_missing",
                "顔写真のない書類で確認する場合は、異なる書類を二つ指定してください。",
                "Without a photo ID, name two different non-photo documents.",
            ),
            FaceToFaceOnlyForEmployees => (
                "face_to_face_only_for_employees",
                "対面での確認は、雇用関係にあり本人を知っている従業員についてのみ認められます。",
                "A face-to-face check is only for an employee known to the employer.",
            ),
            AttestationOnlyForDependants => (
                "attestation_only_for_dependants",
                "従業員による確認は扶養親族についてのみ認められます。",
                "The employee's attestation covers dependants only.",
            ),
            Category3SpouseNeedsEmployer => (
                "category3_spouse_needs_employer",
                "国民年金第3号被保険者の配偶者は、事業者が本人確認を行う必要があります。",
                "A spouse insured under National Pension category 3 must be verified by the employer.",
            ),
            Category3OnlyForSpouse => (
                "category3_only_for_spouse",
                "国民年金第3号被保険者として扱えるのは配偶者のみです。",
                "Only a spouse can be insured under National Pension category 3.",
            ),
            CardQrDiffers => (
                "card_qr_differs",
                "マイナンバーカードのQRコードの番号が入力された番号と異なります。カードで番号確認とするには、その理由を記録してください。",
                "The number in the My Number card's QR code differs from the typed number. Record why the card still serves as the number check.",
            ),
            CardQrNotFound => (
                "card_qr_not_found",
                "写真にカード裏面のQRコードが見つかりませんでした。QRコード全体が写るように、明るい場所で撮り直すか、番号を入力してください。",
                "No QR code of the card's back was found in the photo. Retake it in good light with the whole QR code in the frame, or type the number.",
            ),
            CardQrUnreadable => (
                "card_qr_unreadable",
                "QRコードから番号を読み取れませんでした。マイナンバーカードの裏面を撮り直すか、番号を入力してください。",
                "The QR code did not give a number. Retake the back of your My Number card, or type the number.",
            ),
            ReasonHoldsDigits => (
                "reason_holds_digits",
                "理由に番号（4桁以上の数字）を書かないでください。",
                "Do not write a number (four or more digits) in the reason.",
            ),
            AttestationMustCoverBoth => (
                "attestation_must_cover_both",
                "従業員による確認は、番号確認と身元確認の両方に適用してください。",
                "The employee's attestation must cover both the number check and the identity check.",
            ),
            DocumentNotInEvidence => (
                "document_not_in_evidence",
                "指定した書類は、この人の写真にも、受付担当者が確認した原本の記録にもありません。",
                "A document named is neither among this person's photos nor among the originals recorded as seen.",
            ),
            FaceToFaceOnlyInPerson => (
                "face_to_face_only_in_person",
                "対面での本人確認（知覚）は、対面で受け付けた提出にのみ使えます。",
                "Face-to-face recognition counts only for a submission taken in person.",
            ),
            DocumentNoLongerCounts => (
                "document_no_longer_counts",
                "指定した書類は、確認日には本人確認書類として認められていません（健康保険証は2025年12月1日まで）。",
                "A document named does not count on the day of the check (health insurance cards counted until 2025-12-01).",
            ),
            DocumentExpired => (
                "document_expired",
                "有効期限が切れた本人確認書類は使えません。",
                "An identity document past its expiry date does not count.",
            ),
            DocumentValidityRequired => (
                "document_validity_required",
                "本人確認書類ごとに有効期限（年-月-日）を記録してください。",
                "Record the expiry date (year-month-day) of each identity document.",
            ),
            NumberNoticeNotProof => (
                "number_notice_not_proof",
                "個人番号通知書は番号確認に使えません。マイナンバーカード、個人番号付きの住民票の写し、または記載事項が住民票と一致する通知カードで確認してください。",
                "The individual number notice never proves the number: check it with the My Number card, a residence record with the number, or a notification card matching the residence record.",
            ),
            CardMissing => (
                "card_missing",
                "身元確認に使ったマイナンバーカードを、有効期限とともに指定してください。",
                "Name the My Number card used for the identity check, with its expiry date.",
            ),
            NumberNoticeUpload => (
                "number_notice_not_accepted",
                "個人番号通知書は番号の証明書類として使えません。マイナンバーカード、または個人番号が記載された住民票の写しを撮影してください。",
                "The individual number notice cannot prove your number. Please photograph your My Number card or a residence record (住民票の写し) showing the number.",
            ),
            MessageInvalid => (
                "message_invalid",
                "文章が長すぎるか、使えない文字（制御文字、文字の向きを変える記号、見えない書式文字）または個人番号のような12桁の数字が含まれています。個人番号は文章に書かないでください。",
                "The text is too long or contains characters that cannot be used (control characters, marks that change the direction of text, invisible formatting characters) or a 12-digit number like a My Number. Never write a number into a message.",
            ),
            NothingToCorrect => (
                "nothing_to_correct",
                "訂正してほしい項目を一つ以上選び、理由を指定してください。",
                "Choose at least one item to correct, with its reason.",
            ),
            EmailInvalid => (
                "email_invalid",
                "メールアドレスの形式が正しくありません。",
                "The e-mail address is not valid.",
            ),
            EmployeeCodeInvalid => (
                "employee_code_invalid",
                "社員番号は英数字と - _ . の32文字以内で、英数字で始めてください。",
                "The employee code must be up to 32 letters, digits, '-', '_' or '.', starting with a letter or a digit.",
            ),
            EmployeeCodeRequired => (
                "employee_code_required",
                "従業員の招待には社員番号が必要です。",
                "An employee's invitation needs the employee code.",
            ),
            BranchInvalid => (
                "branch_invalid",
                "拠点・部署は、登録済みの拠点名か、英数字と - _ . の32文字以内のコード（英数字で始まる）で入れてください。",
                "Give the branch or department as a registered branch name, or as a code of up to 32 letters, digits, '-', '_' or '.', starting with a letter or a digit.",
            ),
            InvitationKindInvalid => (
                "invitation_kind_invalid",
                "種別は employee（従業員）または payee（個人の支払先）です。",
                "The kind must be employee or payee.",
            ),
            RosterEncoding => (
                "roster_encoding",
                "CSV の文字コードを読み取れません。UTF-8 または Shift_JIS で保存してください。",
                "The CSV's character encoding could not be read. Please save it as UTF-8 or Shift_JIS.",
            ),
            RosterUnreadable => (
                "roster_unreadable",
                "CSV として読み取れない行があります（引用符の閉じ忘れなど）。",
                "A line could not be read as CSV (an unclosed quote, for example).",
            ),
            RosterEmpty => (
                "roster_empty",
                "CSV に登録する行がありません。",
                "The CSV has no one to invite.",
            ),
            RosterTooLarge => (
                "roster_too_large",
                "一度に登録できるのは 5,000 人までです。ファイルを分けてください。",
                "At most 5,000 people can be invited at once. Please split the file.",
            ),
            RosterColumns => (
                "roster_columns",
                "列の数が見出しと合いません。",
                "The number of columns does not match the header.",
            ),
            RosterDuplicateCode => (
                "roster_duplicate_code",
                "同じ社員番号がファイル内にもう一度あります。",
                "The same employee code appears again in the file.",
            ),
            AlreadyInvited => (
                "already_invited",
                "この社員番号には使用中の招待があります。一覧から再発行か取消をしてください。",
                "This employee code already has an invitation in use. Re-issue or revoke it from the list.",
            ),
            InvitationRevoked => (
                "invitation_revoked",
                "この招待は取り消されています。",
                "This invitation has been revoked.",
            ),
            MailNotConfigured => (
                "mail_not_configured",
                "メール送信（SMTP）が設定されていません。印刷用シートをお使いください。",
                "E-mail (SMTP) is not set up. Please use the printable sheet.",
            ),
            OnlyFlaggedItems => (
                "only_flagged_items",
                "訂正を依頼された項目だけを直せます。ほかの内容はそのまま保たれています。",
                "Only the items you were asked to correct can be changed; everything else is kept as it was.",
            ),
            CsrfInvalid => (
                "csrf_invalid",
                "このページの有効期限が切れました。ページを開き直して、もう一度操作してください。",
                "This page has expired. Please reload it and try again.",
            ),
            MethodNotAllowed => (
                "method_not_allowed",
                "このアドレスではその操作はできません。",
                "This address does not accept that method.",
            ),
            UnsupportedMediaType => (
                "unsupported_media_type",
                "送信内容の形式が違います。",
                "The request body is not in a format this address accepts.",
            ),
            RequestTimeout => (
                "request_timeout",
                "送信に時間がかかりすぎたため、中断しました。通信状態のよい場所でもう一度お試しください。",
                "Sending took too long and was stopped. Please try again where the connection is better.",
            ),
            TooManyConnections => (
                "too_many_connections",
                "同じ接続元からの接続が多すぎます。少し待ってから再度お試しください。",
                "Too many connections from your address. Please wait a moment and try again.",
            ),
            SearchDateInvalid => (
                "search_date_invalid",
                "日付を読み取れませんでした。2026-11-30 の形で入力するか、カレンダーから選んでください。開始は終了より前にしてください。",
                "The date could not be read. Please type it as 2026-11-30 or pick it from the calendar, with the start before the end.",
            ),
            AuditReviewInvalid => (
                "audit_review_invalid",
                "点検の記録を受け付けられません。期間（開始は終了以前、終了は今日以前）、確認した記録（1つ以上）、所見（制御文字や不可視文字なし、2,000字以内）を確かめてください。",
                "The review cannot be recorded. Please check the period (start on or before the end, end no later than today), what was looked at (at least one) and the remarks (no control or invisible characters, up to 2,000).",
            ),
            NumberRequired => (
                "number_required",
                "個人番号を入力してください。",
                "Please enter the My Number.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_to_its_message() {
        for m in Message::ALL {
            assert_eq!(Message::from_code(m.code()), Some(*m));
            assert!(
                m.ja().chars().any(|c| c > '\u{3000}'),
                "{m:?} ja is Japanese"
            );
        }
    }

    #[test]
    fn every_message_has_both_languages() {
        for m in [
            Message::InvalidInvitation,
            Message::NumberCheckDigit,
            Message::HeicNotSupported,
            Message::Internal,
        ] {
            assert!(!m.ja().is_empty() && !m.en().is_empty() && !m.code().is_empty());
            assert!(
                m.ja().chars().any(|c| c > '\u{3000}'),
                "{m:?} ja is Japanese"
            );
        }
    }
}
