//! The page texts of the portal (headings, labels, hints, buttons) in Japanese and
//! English, in one catalogue next to [`crate::Message`] (which holds the error
//! sentences). Templates ask a [`Lang`] for a [`Text`]; no page writes text inline.

use domain::QrCheck;
use storage::SubmissionState;
use storage::person::Relationship;
use storage::retention::DisposalReason;
use storage::submissions::DocumentKind;

use crate::Message;

/// A small `Copy` value given as itself or behind references: templates pass paths
/// (`Text::Save`) by value and fields (`d.kind`) by reference.
pub trait Value<T> {
    /// The value.
    fn value(&self) -> T;
}

impl<T: Copy> Value<T> for T {
    fn value(&self) -> T {
        *self
    }
}

impl<T: Copy> Value<T> for &T {
    fn value(&self) -> T {
        **self
    }
}

impl<T: Copy> Value<T> for &&T {
    fn value(&self) -> T {
        ***self
    }
}

/// The language a page is shown in: Japanese unless the person chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 日本語 (the default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Reads a `lang` code (`ja`, `en`); anything else is `None`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "ja" => Some(Self::Ja),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The BCP 47 code for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    /// The other language (the one-tap switch).
    pub fn other(self) -> Self {
        match self {
            Self::Ja => Self::En,
            Self::En => Self::Ja,
        }
    }

    /// A page text in this language.
    pub fn t(self, text: impl Value<Text>) -> &'static str {
        let text = text.value();
        match self {
            Self::Ja => text.ja(),
            Self::En => text.en(),
        }
    }

    /// A message in this language.
    pub fn msg(self, message: impl Value<Message>) -> &'static str {
        let message = message.value();
        match self {
            Self::Ja => message.ja(),
            Self::En => message.en(),
        }
    }

    /// Picks between two strings given in both languages (configured texts).
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Ja => ja,
            Self::En => en,
        }
    }

    /// The name of a relationship.
    pub fn relationship(self, r: impl Value<Relationship>) -> &'static str {
        self.t(match r.value() {
            Relationship::Myself => Text::RelSelf,
            Relationship::Spouse => Text::RelSpouse,
            Relationship::Child => Text::RelChild,
            Relationship::Parent => Text::RelParent,
            Relationship::Grandparent => Text::RelGrandparent,
            Relationship::Sibling => Text::RelSibling,
            Relationship::OtherRelative => Text::RelOther,
        })
    }

    /// The name of a document kind given by its stored code (unknown codes: "other").
    pub fn document_code(self, code: &str) -> &'static str {
        self.document(DocumentKind::from_code(code).unwrap_or(DocumentKind::OtherDocument))
    }

    /// The name of a document kind.
    pub fn document(self, kind: impl Value<DocumentKind>) -> &'static str {
        self.t(match kind.value() {
            DocumentKind::MyNumberCardFront => Text::DocCardFront,
            DocumentKind::MyNumberCardBack => Text::DocCardBack,
            DocumentKind::NotificationCard => Text::DocNotificationCard,
            DocumentKind::ResidenceRecord => Text::DocResidenceRecord,
            DocumentKind::DriversLicense => Text::DocDriversLicense,
            DocumentKind::Passport => Text::DocPassport,
            DocumentKind::ResidenceCard => Text::DocResidenceCard,
            DocumentKind::OtherPhotoId => Text::DocOtherPhotoId,
            DocumentKind::HealthInsuranceCard => Text::DocHealthInsurance,
            DocumentKind::PensionBook => Text::DocPensionBook,
            DocumentKind::OtherDocument => Text::DocOther,
            DocumentKind::QualificationCertificate => Text::DocQualificationCertificate,
            DocumentKind::BasicPensionNumberNotice => Text::DocBasicPensionNumberNotice,
            DocumentKind::SpecialPermanentResidentCertificate => Text::DocSpecialPermanentResident,
            DocumentKind::SpecifiedResidenceCard => Text::DocSpecifiedResidenceCard,
            DocumentKind::NumberNotice => Text::DocNumberNotice,
        })
    }

    /// Why a record is on the disposal list.
    pub fn disposal_reason(self, r: impl Value<DisposalReason>) -> &'static str {
        self.t(match r.value() {
            DisposalReason::RetentionEnded => Text::SReasonRetention,
            DisposalReason::InvitationRevoked => Text::SReasonRevoked,
            DisposalReason::Rejected => Text::SReasonRejected,
            DisposalReason::Declined => Text::SReasonDeclined,
            DisposalReason::DependantEnded => Text::SReasonDependantEnded,
            DisposalReason::Superseded => Text::SReasonSuperseded,
            DisposalReason::PhotosReplaced => Text::SReasonPhotosReplaced,
        })
    }

    /// The provider-facing name of a submission state.
    pub fn state(self, s: impl Value<SubmissionState>) -> &'static str {
        self.t(match s.value() {
            SubmissionState::Invited | SubmissionState::Draft => Text::StateDraft,
            SubmissionState::Submitted | SubmissionState::Resubmitted => Text::StateSubmitted,
            SubmissionState::InReview => Text::StateInReview,
            SubmissionState::Verified | SubmissionState::Released => Text::StateVerified,
            SubmissionState::CorrectionRequested => Text::StateCorrection,
            SubmissionState::Rejected => Text::StateRejected,
            SubmissionState::Declined => Text::StateDeclined,
            SubmissionState::Disposed => Text::StateDisposed,
        })
    }

    /// A person addressed politely: 「山田 太郎 様」, "Dear 山田 太郎".
    pub fn addressed(self, name: &str) -> String {
        match self {
            Self::Ja => format!("{name} {}", Text::Honorific.ja()),
            Self::En => format!("{} {name}", Text::Honorific.en()),
        }
    }

    /// A scrub-report line for a removed metadata code (`gps_position`, …).
    pub fn removed_metadata(self, code: &str) -> &'static str {
        self.t(scrub_line(code))
    }

    /// Why an officer asked to redo an item (`blurry`, `back_side_missing`, …).
    pub fn correction_reason(self, code: &str) -> &'static str {
        self.t(match code {
            "blurry" => Text::CorrBlurry,
            "glare" => Text::CorrGlare,
            "back_side_missing" => Text::CorrBackMissing,
            "number_mismatch" => Text::CorrNumberMismatch,
            "name_mismatch" => Text::CorrNameMismatch,
            "expired_document" => Text::CorrExpired,
            _ => Text::CorrOther,
        })
    }

    /// What a card-back photo's QR said against the typed number, as the person reads it.
    pub fn qr_check(self, check: impl Value<QrCheck>) -> &'static str {
        self.t(match check.value() {
            QrCheck::Matches => Text::QrMatches,
            QrCheck::Differs => Text::QrDiffers,
            QrCheck::NoQr => Text::QrNoQr,
            QrCheck::Unreadable => Text::QrUnreadable,
            QrCheck::Pending => Text::QrPending,
        })
    }

    /// The same, as evidence on the officer's desk.
    pub fn staff_qr_check(self, check: impl Value<QrCheck>) -> &'static str {
        self.t(match check.value() {
            QrCheck::Matches => Text::SQrMatches,
            QrCheck::Differs => Text::SQrDiffers,
            QrCheck::NoQr => Text::SQrNoQr,
            QrCheck::Unreadable => Text::SQrUnreadable,
            QrCheck::Pending => Text::SQrPending,
        })
    }

    /// A quality warning (`blurry`, `too_dark`, …) asking for a retake.
    pub fn quality_warning(self, code: &str) -> &'static str {
        self.t(match code {
            "blurry" => Text::WarnBlurry,
            "too_dark" => Text::WarnDark,
            "overexposed" => Text::WarnBright,
            "too_small" => Text::WarnSmall,
            _ => Text::WarnOther,
        })
    }
}

/// The report line of a removed-metadata code: several codes share a line (a device's
/// make and its serial number are both "camera and device details").
pub fn scrub_line(code: &str) -> Text {
    match code {
        "gps_position" => Text::ScrubGps,
        "device_make_model" | "serial_number" => Text::ScrubDevice,
        "capture_time" => Text::ScrubTime,
        "thumbnail" => Text::ScrubThumbnail,
        _ => Text::ScrubOther,
    }
}

macro_rules! catalogue {
    ($($name:ident => $ja:literal, $en:literal;)*) => {
        /// A page text; each variant's doc is its Japanese.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text {
            $(#[doc = $ja] $name,)*
        }

        impl Text {
            /// Every text (for the completeness test).
            pub const ALL: &'static [Text] = &[$(Text::$name,)*];

            /// The Japanese.
            pub fn ja(self) -> &'static str {
                match self { $(Self::$name => $ja,)* }
            }

            /// The English.
            pub fn en(self) -> &'static str {
                match self { $(Self::$name => $en,)* }
            }
        }
    };
}

catalogue! {
    Product => "Kakunin マイナンバー提出", "Kakunin My Number submission";
    SwitchLanguage => "English", "日本語";
    SkipToContent => "本文へ移動", "Skip to content";
    LandingTitle => "マイナンバー（個人番号）のご提出のお願い", "Request to provide your My Number";
    Honorific => "様", "Dear";
    LandingWhoAsks => "依頼元", "Requested by";
    LandingWhy => "利用目的", "Purposes of use";
    LandingWhyIntro => "ご提出いただく個人番号は、番号法で定められた次の事務にのみ利用します。", "Your number will be used only for the following tasks, as the My Number Act allows.";
    LandingProtection => "個人番号の保護について", "How your number is protected";
    ProtectEncrypted => "番号と書類の写真は、受信した直後に暗号化して保管します。", "Your number and document photos are encrypted as soon as they arrive.";
    ProtectMetadata => "写真の位置情報などの付加情報は自動的に削除します。", "Location and other hidden data are removed from photos automatically.";
    ProtectAccess => "閲覧できるのは限られた事務取扱担当者のみで、すべての閲覧は記録されます。", "Only designated officers can view it, and every view is recorded.";
    ProtectDisposal => "保存期間が過ぎたら、番号と写真は確実に廃棄します。", "When the retention period ends, the number and photos are destroyed.";
    LandingWhatYouNeed => "ご用意いただくもの", "What you need";
    NeedCard => "マイナンバーカード（表・裏）、または 通知カード／住民票の写し と 本人確認書類", "Your My Number card (front and back), or a notification card / residence record plus a photo ID";
    NeedDependants => "扶養家族の方の個人番号（該当する場合）", "Your dependants' numbers (if any)";
    NeedTime => "所要時間は5分ほどです。途中で保存され、後から続きを入力できます。", "It takes about 5 minutes. What you enter is saved; you can continue later.";
    Start => "はじめる", "Start";
    BirthDateForSignIn => "本人確認のため生年月日を入力してください", "Enter your date of birth to confirm it is you";
    DeclineLink => "提供しない場合はこちら", "If you do not wish to provide it";
    Overview => "提出の状況", "Your submission";
    OverviewIntro => "次の項目を入力してください。入力した内容は保存されます。", "Please complete the items below. What you enter is saved.";
    StepOwn => "ご本人の情報と個人番号", "Your details and number";
    StepDocuments => "本人確認書類の写真", "Photos of your documents";
    StepDependants => "扶養家族", "Dependants";
    StepReview => "確認して提出", "Review and submit";
    Done => "入力済み", "Done";
    NotYet => "未入力", "To do";
    Edit => "変更", "Change";
    Continue => "次へ", "Continue";
    Back => "戻る", "Back";
    Save => "保存する", "Save";
    Name => "氏名", "Full name";
    NameHint => "住民票に記載の氏名（例：山田 太郎）", "As on your residence record (e.g. 山田 太郎)";
    NameKana => "フリガナ", "Furigana (reading)";
    NameKanaHint => "カタカナまたはひらがな（例：ヤマダ タロウ）", "Katakana or hiragana (e.g. ヤマダ タロウ)";
    BirthDate => "生年月日", "Date of birth";
    BirthDateHint => "例：1990-04-01", "e.g. 1990-04-01";
    Address => "住所", "Address";
    AddressHint => "住民票のとおりに入力してください（個人支払先の方は必須）。", "As on your residence record (required for payees).";
    NameAlphabetic => "アルファベット氏名", "Name in Latin letters";
    NameAlphabeticHint => "外国籍の方は在留カードのとおりに（例：NGUYEN VAN AN）。", "For foreign residents, as on the residence card (e.g. NGUYEN VAN AN).";
    CommonName => "通称", "Registered alias (通称)";
    FormerSurname => "旧姓", "Former surname (旧姓)";
    NoNumberReason => "番号がない場合の理由", "If there is no number, why";
    NoNumberHas => "番号がある", "Has a number";
    NoNumberLivingAbroad => "国外居住のため番号がない", "Lives abroad: no number";
    NoNumberNewborn => "出生直後で番号がまだない", "Newborn: no number yet";
    Number => "個人番号（12桁）", "My Number (12 digits)";
    NumberHint => "カード裏面の12桁の数字。スペースやハイフンは入れても構いません。", "The 12 digits on the back of the card. Spaces and hyphens are fine.";
    NumberSaved => "保存済みの番号：下4桁", "Saved number ending in";
    NumberSavedHidden => "番号は保存済みです（安全のため、この画面には一部も表示しません）。", "A number is saved (for its safety, no part of it is shown here).";
    NumberSavedShort => "番号登録済み", "Number saved";
    NumberKeepHint => "変更しない場合は空欄のままにしてください。", "Leave blank to keep the saved number.";
    NumberLooksRight => "番号の形式は正しいです。", "The number looks right.";
    NumberCountDigits => "桁入力済み（12桁必要です）", "digits entered (12 needed)";
    Relationship => "続柄", "Relationship";
    RelSelf => "本人", "Yourself";
    RelSpouse => "配偶者", "Spouse";
    RelChild => "子", "Child";
    RelParent => "父母", "Parent";
    RelGrandparent => "祖父母", "Grandparent";
    RelSibling => "兄弟姉妹", "Sibling";
    RelOther => "その他の親族", "Other relative";
    ChooseOne => "選んでください", "Please choose";
    DocCardFront => "マイナンバーカード（表面）", "My Number card (front)";
    DocCardBack => "マイナンバーカード（裏面）", "My Number card (back)";
    DocNotificationCard => "通知カード", "Notification card (通知カード)";
    DocResidenceRecord => "住民票の写し（個人番号記載）", "Residence record with the number (住民票)";
    DocDriversLicense => "運転免許証", "Driver's licence";
    DocPassport => "パスポート", "Passport";
    DocResidenceCard => "在留カード", "Residence card";
    DocOtherPhotoId => "その他の写真付き身分証明書", "Other photo ID";
    DocHealthInsurance => "健康保険証（2025年12月1日まで）", "Health insurance card (until 2025-12-01)";
    DocPensionBook => "年金手帳", "Pension book";
    DocOther => "その他の書類（写真なし）", "Other document (no photo)";
    DocQualificationCertificate => "資格確認書（健康保険）", "Health insurance qualification certificate (資格確認書)";
    DocBasicPensionNumberNotice => "基礎年金番号通知書", "Basic pension number notice (基礎年金番号通知書)";
    DocSpecialPermanentResident => "特別永住者証明書", "Special permanent resident certificate";
    DocSpecifiedResidenceCard => "特定在留カード（マイナンバーカード一体型）", "Specified residence card (with My Number card)";
    DocNumberNotice => "個人番号通知書（番号の証明には使えません）", "Individual number notice (cannot prove the number)";
    DocumentsTitle => "本人確認書類の写真", "Photos of identity documents";
    DocumentsFor => "対象者", "For";
    DocumentsIntro => "次のいずれかの組み合わせで撮影してください。", "Please photograph one of these combinations.";
    ComboCard => "マイナンバーカードの表面と裏面", "My Number card, front and back";
    ComboNotice => "通知カード または 住民票の写し（個人番号記載）＋ 写真付き身分証明書1点（運転免許証、パスポートなど）", "Notification card or residence record (with number) + one photo ID (driver's licence, passport, …)";
    ComboTwo => "通知カード または 住民票の写し ＋ 写真のない書類2点（資格確認書、基礎年金番号通知書、年金手帳など。健康保険証は2025年12月2日以降使えません）", "Notification card or residence record + two documents without a photo (資格確認書, basic pension number notice, pension book, …; health insurance cards no longer count after 2025-12-01)";
    DocumentKind => "書類の種類", "Kind of document";
    Photo => "写真", "Photo";
    PhotoHint => "明るい場所で、書類全体が写るように撮影してください。", "Take the photo in good light with the whole document in view.";
    Upload => "アップロード", "Upload";
    Uploading => "アップロード中…", "Uploading…";
    Uploaded => "アップロード済みの写真", "Uploaded photos";
    NoDocumentsYet => "まだ写真はありません。", "No photos yet.";
    PreviewAlt => "選んだ写真のプレビュー", "Preview of the chosen photo";
    ScrubReport => "写真から削除した情報", "Removed from the photo";
    ScrubNothing => "削除が必要な付加情報はありませんでした。", "No hidden data needed removing.";
    ScrubGps => "位置情報を削除しました", "Location data removed";
    ScrubDevice => "カメラ・端末の情報を削除しました", "Camera and device details removed";
    ScrubTime => "撮影日時を削除しました", "Date and time taken removed";
    ScrubThumbnail => "埋め込みの縮小画像を削除しました", "Embedded thumbnail removed";
    ScrubOther => "その他の付加情報を削除しました", "Other hidden data removed";
    WarnBlurry => "ぼやけている可能性があります。撮り直してください。", "This may be blurry. Please take it again.";
    WarnDark => "暗すぎる可能性があります。明るい場所で撮り直してください。", "This may be too dark. Please retake it in better light.";
    WarnBright => "明るすぎて文字が読めない可能性があります。撮り直してください。", "This may be too bright to read. Please take it again.";
    WarnSmall => "画像が小さすぎます。書類に近づいて撮り直してください。", "The image is too small. Move closer and take it again.";
    WarnOther => "写真の品質を確認してください。", "Please check the photo quality.";
    QrTitle => "番号の照合（QRコード）", "Number check (QR code)";
    QrMatches => "カード裏面のQRコードの番号は、入力された個人番号と一致しました。", "The number in the QR code on your card's back matches the one you typed.";
    QrDiffers => "カードの写真の番号が、入力された個人番号と異なります。番号か写真のどちらかを直してください。", "The number on your card's photo differs from the one you typed. Please correct one of them.";
    QrNoQr => "写真にQRコードが見つかりませんでした。カードの裏面全体が写るように撮り直すと、番号を自動で照合できます。", "No QR code was found in the photo. Retake it with the whole back of the card in view and the number can be checked automatically.";
    QrUnreadable => "QRコードを読み取れませんでした。明るい場所でピントを合わせて撮り直してください。", "The QR code could not be read. Please retake the photo in good light and in focus.";
    QrPending => "照合中：カードのQRコードの番号を、入力された個人番号と照合しています。", "Checking: the number in your card's QR code is being compared with the one you typed.";
    QrFixNumber => "入力した番号を直す", "Correct the number you typed";
    QrRetake => "カードを撮り直す", "Retake the card photo";
    ReadQrLabel => "この写真はマイナンバーカード（QRコードのある面）です", "This photo shows my My Number card (the side with the QR code)";
    RetakeAdvice => "警告のある写真は、同じ種類でもう一度アップロードしてください。", "For a photo with a warning, upload the same kind again.";
    UploadedOk => "写真を受け付けました。", "Photo received.";
    DependantsTitle => "扶養家族", "Dependants";
    DependantsIntro => "扶養控除等申告書に記載する家族の方を登録してください。いない場合はそのまま次へ進んでください。", "Add the family members on your dependants declaration (扶養控除等申告書). If there are none, just continue.";
    AddDependant => "扶養家族を追加", "Add a dependant";
    EditDependant => "扶養家族の変更", "Change dependant";
    RemoveDependant => "削除", "Remove";
    RemoveConfirm => "この扶養家族を削除します。よろしいですか？", "Remove this dependant?";
    NoDependants => "登録された扶養家族はいません。", "No dependants added.";
    Attest => "この方の本人確認（番号と身元）を私が行いました。", "I have checked this person's identity (number and identity documents).";
    AttestHint => "扶養家族の本人確認は、従業員ご本人が行うことになっています。", "The employee checks the identity of their dependants.";
    AttestLabel => "扶養家族の本人確認", "Dependant's identity check";
    Attested => "本人確認済み（申告）", "Identity checked (declared)";
    NotAttested => "本人確認の申告がありません", "Identity check not declared";
    Category3 => "国民年金第3号被保険者として届け出る配偶者です", "This spouse is filed as a category 3 insured person (国民年金第3号被保険者)";
    Category3Hint => "該当する場合、会社が本人確認を行うため、配偶者の方の書類の写真も必要です（上の申告は不要です）。", "If so, the company must verify them, so photos of the spouse's documents are needed too (the declaration above is then not needed).";
    EmployerVerifies => "会社が本人確認を行います（書類の写真が必要です）", "The company checks this person's identity (document photos needed)";
    SpouseDocuments => "配偶者の書類の写真", "Spouse's document photos";
    ReviewTitle => "内容の確認", "Review";
    ReviewIntro => "内容を確認して提出してください。提出後は変更できません。", "Check the details and submit. You cannot change them afterwards.";
    Submit => "提出する", "Submit";
    MissingTitle => "まだ提出できません", "Not ready to submit";
    MissingOwnDetails => "ご本人の情報と個人番号を入力してください。", "Enter your details and number.";
    MissingOwnDocuments => "ご本人の本人確認書類の写真をアップロードしてください。", "Upload photos of your identity documents.";
    MissingAttestation => "扶養家族の本人確認を申告してください。", "Declare that you checked each dependant's identity.";
    MissingSpouseDocuments => "第3号被保険者の配偶者の書類の写真をアップロードしてください。", "Upload the category 3 spouse's document photos.";
    WarningsRemain => "撮り直しをおすすめする写真があります。", "Some photos should be retaken.";
    StatusTitle => "提出状況", "Submission status";
    ReportChange => "変更を届け出る", "Report a change";
    ReportChangeIntro => "本人確認が済んだ後に変わったこと（子の出生、結婚、住所、番号の再発行など）はここから届け出てください。担当者は変わった方だけを確認します。", "Report what changed after your check (a birth, a marriage, a new address, a reissued number, …) here. The officer checks only the person who changed.";
    ChangeNewborn => "子が生まれた・扶養家族が増えた", "A child was born, or a new dependant";
    ChangeDependantTitle => "扶養家族の追加の届出", "Report a new dependant";
    ChangeDependantIntro => "新しい扶養家族の情報と、番号が分かる書類（住民票の写しなど）の写真を1回で送れます。", "Send the new dependant's details and a photo of a document showing their number in one go.";
    EffectiveOn => "変更の日付（出生日・扶養に入った日）", "Date of the change (birth, or the day they became a dependant)";
    ChangePhoto => "番号が分かる書類の写真", "Photo of a document showing the number";
    ChangeSend => "届け出る", "Send";
    ChangeSent => "変更を届け出ました。担当者が確認します。", "Your change was sent. An officer will check it.";
    CampaignTitle => "年 年末調整の確認", " year-end adjustment: please confirm";
    CampaignIntro => "会社が登録しているあなたと扶養家族の情報は下のとおりです。変わりがなければ「変更なし」を押してください。子の出生・結婚・扶養から外れた家族・住所や氏名の変更があれば、下の「変更を届け出る」から届け出てください（届け出ると回答済みになります）。", "Below is what the company holds about you and your dependants. If nothing changed, tap \"No change\". If a child was born, you married, a dependant left, or an address or name changed, report it under \"Report a change\" below (that answers this too).";
    CampaignNoChange => "変更なし", "No change";
    CampaignAnsweredNoChange => "「変更なし」で回答しました。ありがとうございました。", "You answered \"No change\". Thank you.";
    CampaignAnsweredChanged => "変更を届け出て回答しました。担当者が変わった方だけを確認します。", "You answered by reporting a change. An officer checks only the person who changed.";
    CampaignClosed => "この年の確認は締め切られました。", "This year's confirmation is closed.";
    ChangeOther => "氏名・住所・番号・扶養の変更", "A new name, address or number, or a dependant's change";
    ChangeOtherTitle => "変更の届出", "Report a change";
    ChangeOtherIntro => "変わった方と内容を選び、必要な項目だけを入力してください。氏名・住所・番号の変更と第3号被保険者になる配偶者は、確認書類の写真も送ってください。", "Choose who and what changed and fill in only what that needs. For a new name, address or number, and for a spouse becoming a category 3 insured person, send a photo of a document too.";
    ChangeWho => "変わった方", "Who";
    ChangeWhat => "変わったこと", "What changed";
    ChangeNewValues => "新しい内容（該当する項目のみ）", "The new details (only what applies)";
    ChangeOptionalPhoto => "確認書類の写真（該当する場合）", "Photo of a document (where needed)";
    StatusState => "現在の状況", "Status";
    StatusThanks => "ご提出ありがとうございました。担当者が確認します。このページで状況を確認できます。", "Thank you. An officer will check your submission; this page shows its status.";
    StatusCorrection => "担当者から訂正の依頼があります。該当する項目を直して、もう一度提出してください。", "The officer asked for a correction. Please fix the items and submit again.";
    CorrectionsTitle => "訂正をお願いする項目", "What to correct";
    CorrectionsIntro => "次の項目だけを直してください。それ以外の内容はそのまま保存されています。", "Please fix only these items. Everything else is kept as it is.";
    CorrectionFor => "対象", "About";
    CorrectionWholeSubmission => "提出内容全体", "The whole submission";
    CorrectionMessage => "担当者からのメッセージ", "Message from the officer";
    CorrectionFix => "直す", "Fix this";
    CorrBlurry => "写真がぼやけていて読み取れません。", "The photo is blurred and cannot be read.";
    CorrGlare => "光の反射で一部が読み取れません。", "Glare hides part of the document.";
    CorrBackMissing => "裏面の写真がありません。", "The back side is missing.";
    CorrNumberMismatch => "入力された番号が書類と一致しません。", "The number entered does not match the document.";
    CorrNameMismatch => "入力された氏名が書類と一致しません。", "The name entered does not match the document.";
    CorrExpired => "書類の有効期限が切れています。", "The document has expired.";
    CorrOther => "内容をご確認ください（メッセージ参照）。", "Please check this item (see the message).";
    Retake => "この写真を撮り直す", "Retake this photo";
    Retaking => "撮り直す写真", "Retaking";
    RetakeCancel => "撮り直しをやめる", "Do not retake";
    StateDraft => "入力中", "In progress";
    StateSubmitted => "提出済み（確認待ち）", "Submitted (waiting for check)";
    StateInReview => "確認中", "Being checked";
    StateVerified => "確認完了", "Checked";
    StateCorrection => "訂正のお願い", "Correction requested";
    StateRejected => "受付できませんでした。担当者にお問い合わせください。", "Not accepted. Please contact your HR contact.";
    StateDeclined => "提供しない旨を受け付けました", "Your decision not to provide was recorded";
    StateDisposed => "保存期間の終了により廃棄済み", "Destroyed after the retention period";
    People => "登録された方", "People";
    DeclineTitle => "個人番号を提供しない", "Decline to provide your number";
    DeclineIntro => "提供しない場合は理由をご記入ください。会社は法定調書などに「提供を受けられなかった」経緯を記録します。", "If you decline, please give the reason. The company records why the number could not be obtained.";
    DeclineReason => "理由", "Reason";
    DeclineButton => "提供しないで終了する", "Decline and finish";
    SignOut => "中断する（保存済み）", "Stop for now (saved)";
    SignedOut => "中断しました。続きは招待リンクからもう一度開いてください。", "You have stopped. Open your invitation link again to continue.";
    ErrorTitle => "エラー", "Error";
    ErrorsInForm => "入力内容を確認してください", "Please check what you entered";
    Saved => "保存しました。", "Saved.";
    SavedWithCardPhoto => "保存しました。番号を読み取ったカード裏面の写真も登録しました。", "Saved. The photo of your card's back the number was read from is in too.";
    CardReadGone => "保存しました。読み取りから時間が経ったため、カード裏面の写真はこの画面でもう一度撮影してください。", "Saved. Too much time passed since the card was read: take the photo of its back again on this page.";
    CardReadCheck => "カード裏面のQRコードから番号を読み取りました。お手元のカードの番号と同じか確かめてから保存してください。", "The number was read from the QR code on your card's back. Check it against your card, then save.";
    CardReadLabel => "番号をカードから読み取る", "Read the number from my card";
    CardReadHint => "マイナンバーカードの裏面を撮影すると、QRコードから番号を読み取って上の欄に入れます（保存前に確認できます）。", "Photograph the back of your My Number card: the number is read from its QR code into the field above (you check it before saving).";
    CardReadButton => "写真から番号を読み取る", "Read the number from the photo";
    CardReadPending => "読み取ったカード裏面の写真は、保存すると登録されます。", "The photo of your card's back is added when you save.";
    Removed => "削除しました。", "Removed.";
    Required => "必須", "Required";
    Optional => "任意", "Optional";
    Footer => "個人番号は番号法に基づき厳重に管理されます。", "Your number is handled under the My Number Act.";
    SProduct => "Kakunin 事務取扱担当者", "Kakunin staff";
    SMenu => "メニュー", "Menu";
    SQueue => "確認待ち一覧", "Verification queue";
    SSignOut => "サインアウト", "Sign out";
    SFooter => "特定個人情報の取扱いはすべて記録されます。", "Every access to specific personal information is recorded.";
    SSignInTitle => "担当者サインイン", "Staff sign-in";
    SUsername => "ユーザー名", "Username";
    SPassword => "パスワード", "Password";
    STotpCode => "認証アプリの6桁のコード", "6-digit code from your authenticator app";
    STotpHint => "初回（認証アプリ未登録）は空欄で構いません。", "Leave blank on your first sign-in (before enrolling the app).";
    SSignIn => "サインイン", "Sign in";
    SActivateTitle => "パスワードの設定", "Set your password";
    SActivateIntro => "ご自身だけが知るパスワードを決めてください。管理者にも知らされません。設定後にサインインし、認証アプリを登録します。", "Choose a password only you know; administrators never learn it. Then sign in and enrol your authenticator app.";
    SActivateUntil => "このリンクの有効期限", "This link works until";
    SNewPassword => "新しいパスワード（12文字以上）", "New password (12 characters or more)";
    SNewPasswordAgain => "新しいパスワード（確認）", "New password again";
    SActivateButton => "パスワードを設定する", "Set password";
    SActivateDone => "パスワードを設定しました。サインインして認証アプリを登録してください。", "Your password is set. Sign in and enrol your authenticator app.";
    SGoToSignIn => "サインイン画面へ", "Go to sign-in";
    STotpTitle => "認証アプリの登録", "Enrol your authenticator app";
    STotpIntro => "担当者・監査責任者・管理者は二要素認証が必須です。認証アプリでQRコードを読み取り、表示されたコードを入力してください。", "Officers, auditors and admins must use a second factor. Scan the QR code with your authenticator app and enter the code it shows.";
    STotpQrAlt => "認証アプリ登録用のQRコード", "QR code for the authenticator app";
    STotpSecret => "手入力用のキー", "Key to type in by hand";
    SRecoveryCodes => "リカバリーコード", "Recovery codes";
    SRecoveryHint => "端末を紛失したときに1回ずつ使えます。安全な場所に保管してください。この画面でしか表示されません。", "Each works once if you lose your device. Keep them somewhere safe; they are shown only now.";
    STotpConfirm => "登録を完了する", "Finish enrolment";
    STotpStart => "登録を始める", "Start enrolment";
    STotpDone => "認証アプリを登録しました。", "Your authenticator app is enrolled.";
    SHomeTitle => "担当者メニュー", "Staff menu";
    SClaimNext => "次の1件を担当する", "Take the next item";
    SNothingToClaim => "確認待ちの提出はありません。", "Nothing is waiting.";
    SFilters => "絞り込み", "Filters";
    SAllOpen => "確認待ちすべて", "All waiting";
    SBranch => "拠点", "Branch";
    SOlderThanDays => "提出からの日数（以上）", "Handed in at least (days ago)";
    SDuplicatesOnly => "番号重複の疑いのみ", "Duplicate numbers only";
    SDeclinedOnly => "提供しないと回答した方", "Declined";
    SApplyFilters => "絞り込む", "Apply";
    SQueueEmpty => "該当する提出はありません。", "No submission matches.";
    SQueueCaption => "担当範囲の提出", "Submissions in your scope";
    SSubmittedAt => "提出日時", "Handed in";
    SFlags => "注意", "Flags";
    SDuplicate => "番号重複", "Duplicate number";
    SClaimedByYou => "あなたが担当中", "Yours";
    SClaimedByOther => "他の担当者が確認中", "Taken by another officer";
    SItemTitle => "提出内容の確認", "Submission";
    SKind => "区分", "Kind";
    SKindEmployee => "従業員", "Employee";
    SKindPayee => "個人支払先", "Individual payee";
    SClaim => "担当", "Claim";
    SDeclinedReason => "提供しない理由", "Reason for declining";
    SCorrectionHistory => "訂正依頼の履歴", "Correction requests";
    SOpen => "未対応", "Open";
    SAnswered => "再提出済み", "Answered";
    SCategory3 => "第3号被保険者", "Category 3 spouse";
    SReveal => "番号を表示", "Show the number";
    SRevealAudited => "表示は記録されます。", "Showing it is recorded.";
    SZoomIn => "拡大", "Zoom in";
    SZoomOut => "縮小", "Zoom out";
    SRotate => "回転", "Rotate";
    SOpenImage => "画像だけを開く", "Open the image alone";
    SVerifyTitle => "本人確認を記録する", "Record the identity check";
    SVerifyHint => "確認者はあなた、確認日は本日（サーバー時刻）として記録されます。", "You are recorded as the checker and today (server clock) as the date.";
    SNumberCheck => "番号確認の書類", "Number checked with";
    SNotificationMatches => "通知カードの氏名・住所が現在の住民票と一致することを確認した", "The notification card's name and address match the current residence record";
    SIdentityCheck => "身元確認の方法", "Identity checked with";
    SNothingToVerify => "番号がないため本人確認の対象外です", "no number, so nothing to verify";
    SChange => "届出の内容", "Reported change";
    SChangeFrom => "変更日", "From";
    SChangeAddDependant => "扶養家族の追加", "New dependant";
    SChangeEndDependant => "扶養家族から外れる", "Dependant leaves";
    SChangeName => "氏名の変更", "New name";
    SChangeAddress => "住所の変更", "New address";
    SChangeNumber => "個人番号の変更（再発行）", "New (reissued) number";
    SChangeCategory3Start => "第3号被保険者になる", "Becomes a category 3 spouse";
    SChangeCategory3End => "第3号被保険者でなくなる", "No longer a category 3 spouse";
    SEndedNothingToVerify => "扶養から外れる届出のため、本人確認の対象外です", "leaving the record, so nothing to verify";
    SVerificationsTitle => "記録された本人確認", "Recorded verifications";
    SRuleVersion => "確認ルール版", "Rule table version";
    SIdentityDocuments => "身元確認に使った書類", "Identity documents relied on";
    SVerify => "確認完了として記録", "Record as verified";
    SVerified => "本人確認を記録しました。", "The identity check was recorded.";
    SVerifyNext => "記録して次の提出へ", "Record and open the next";
    SVerifiedNext => "本人確認を記録しました。次の提出を開きました。", "The identity check was recorded. The next submission is open.";
    SVerifiedNothingLeft => "本人確認を記録しました。確認待ちの提出はもうありません。", "The identity check was recorded. Nothing else is waiting.";
    SDeskPeople => "この提出の対象者", "People in this submission";
    SDeskKeys => "キーボード操作: N 次の人 / P 前の人 / ] 次の書類 / [ 前の書類 / + 拡大 / - 縮小 / R 回転 / Ctrl+Enter 記録して次へ", "Keys: N next person / P previous person / ] next document / [ previous document / + zoom in / - zoom out / R rotate / Ctrl+Enter record and open the next";
    SSuggested => "提出された書類から提案しています。書類と照らして確認してください。", "Suggested from the uploaded documents: check it against them.";
    SNextPerson => "次の人へ", "Next person";
    SPrevPerson => "前の人へ", "Previous person";
    SOtherDecisions => "訂正を依頼する・受付を拒否する", "Request corrections or reject";
    SCorrectionTitle => "訂正を依頼する", "Request corrections";
    SCorrectionHint => "直してほしい項目だけに理由を選んでください。ほかの内容はそのまま保たれます。", "Choose a reason only for the items to redo; everything else is kept.";
    SDetails => "入力内容（氏名・番号など）", "Typed details (name, number, …)";
    SNoCorrection => "問題なし", "Fine";
    SMessageToProvider => "提出者へのメッセージ（任意）", "Message to the provider (optional)";
    SSendBack => "訂正を依頼する", "Send back for correction";
    SSentBack => "訂正を依頼しました。", "Sent back for correction.";
    SRejectTitle => "受付を拒否する", "Reject";
    SNote => "メモ（提出者には表示されません）", "Note (not shown to the provider)";
    SReject => "拒否する", "Reject the submission";
    SRejected => "拒否を記録しました。", "The rejection was recorded.";
    SStateInvited => "招待済み（未着手）", "Invited (not started)";
    SStateSubmitted => "提出済み", "Submitted";
    SStateResubmitted => "再提出", "Resubmitted";
    SStateReleased => "給与担当へ提供済み", "Released to payroll";
    SStateRejected => "拒否", "Rejected";
    SStateDeclined => "提供しない", "Declined";
    SCheckCard => "マイナンバーカード", "My Number card";
    SCheckResidence => "住民票の写し（番号記載）", "Residence record with the number";
    SCheckNotification => "通知カード", "Notification card";
    SCheckAttestation => "従業員による確認（申告）", "The employee's attestation";
    SCheckPhotoId => "写真付き身分証明書1点", "One photo ID";
    SCheckTwoDocs => "写真のない書類2点", "Two documents without a photo";
    SCheckFaceToFace => "対面確認（知覚による本人確認）", "Face to face (a known employee)";
    SRejectFraud => "偽造・改ざんの疑い", "Suspected forgery or alteration";
    SRejectWrongPerson => "招待した本人ではない", "Not the person invited";
    SRejectOther => "その他", "Other";
    SPeople => "拠点の対象者", "People in my branches";
    SPeopleIntro => "対面で受け取った書類や郵送の書類を、本人に代わって入力・提出できます。", "Enter and hand in documents received in person or by post, on the person's behalf.";
    SNewRecord => "新しい受付（招待なし）", "New record (no invitation)";
    SCreateRecord => "受付を作成", "Create the record";
    SEmployeeCode => "社員番号", "Employee code";
    SOnBehalf => "本人に代わって受付", "Taking in on the person's behalf";
    SOnBehalfHint => "入力・アップロード・提出は、あなたの操作として記録されます。", "What you enter, upload and hand in is recorded as your action.";
    SHandIn => "受付内容を記録して提出", "Record and hand in";
    SChannel => "受け取り方法", "How it arrived";
    SChannelPost => "郵送", "By post";
    SChannelInPerson => "対面（窓口・拠点）", "In person";
    SDocumentsSeen => "原本を確認した書類", "Original documents you saw";
    SHandedIn => "提出しました。事務取扱担当者が確認します。", "Handed in. An officer will verify it.";
    SNotEditableHere => "この提出は現在変更できません。", "This submission cannot be changed now.";
    SChangesOnBehalf => "変更の届出（本人に代わって）", "Report a change on the person's behalf";
    SChangesOnBehalfHint => "確認済みの記録への変更（扶養家族の追加・削除、氏名・住所・番号の変更、第3号被保険者の開始・終了）を、書面や窓口で受けた内容のとおり入力します。変わった方だけが確認待ちに入り、他の方の確認はそのまま残ります。入力はあなたの操作として記録されます。", "Enter a change to a verified record (a dependant added or ended, a new name, address or number, category 3 start or end) as you received it on paper or at the desk. Only the changed person goes to the queue; everyone else keeps their verification. What you enter is recorded as your action.";
    SRecordHistory => "記録の履歴", "History of the record";
    SHistoryVersion => "版", "Version";
    SHistoryFirst => "当初の収集", "First collection";
    SHistoryCurrent => "現在の内容", "Current";
    SHistorySuperseded => "置き換え済み", "Replaced";
    SHistoryPeriod => "期間", "Period";
    SHistoryNumberSaved => "番号あり", "Number saved";
    SHistoryNoNumber => "番号なし", "No number";
    SHistoryCategory3 => "第3号被保険者", "Category 3 spouse";
    SHistoryFromStart => "当初から", "From the start";
    SChangesHandIn => "受け付けた方法", "How it was received";
    SChangesAddTitle => "扶養家族を追加する", "Add a dependant";
    SChangesOtherTitle => "その他の変更", "Any other change";
    SChangesRecorded => "変更を受け付けました。確認待ちに入りました。", "The change was recorded and waits for an officer.";
    SAssisted => "代理受付の記録", "Taken in on the person's behalf";
    SRoleOfficer => "事務取扱担当者", "Officer";
    SRoleCollector => "拠点の取り纏め担当", "Branch collector";
    SRoleAuditor => "監査責任者", "Auditor";
    SRoleAdmin => "管理者", "Admin";
    SAccounts => "スタッフアカウント", "Staff accounts";
    SAccountsIntro => "アカウントの作成・権限の変更・パスワードと認証アプリの再設定・再有効化は、1人の管理者が提案し、別の管理者がパスワードと認証コードを再入力して承認します。無効化は1人ですぐに行えます。パスワードは本人だけが有効化リンクで設定し、管理者が知ることはありません。", "Creating an account, changing its rights, resetting its password and authenticator, and enabling it again: one admin proposes, another approves by typing their password and authenticator code again. Disabling takes one admin and is immediate. Only the holder sets the password, through an activation link; no admin ever knows it.";
    SAccountState => "状態", "State";
    SAccountEnabled => "有効", "Enabled";
    SAccountDisabled => "無効", "Disabled";
    SAccountActivationPending => "有効化待ち（本人がまだパスワードを設定していない）", "Waiting for activation (the holder has not set a password yet)";
    SScopes => "担当拠点", "Branches";
    SAllScopes => "なし", "None";
    SLastSignIn => "最終サインイン（JST）", "Last sign-in (JST)";
    SNeverSignedIn => "なし", "Never";
    STotpEnrolled => "認証アプリ", "Authenticator";
    SEnrolled => "登録済み", "Enrolled";
    SNotEnrolled => "未登録", "Not enrolled";
    SPasswordChanged => "パスワード変更（JST）", "Password changed (JST)";
    SActions => "操作", "Actions";
    SDisable => "無効化する", "Disable";
    SProposeEnable => "再有効化を提案", "Propose enabling";
    SProposeReset => "パスワードと認証アプリの再設定を提案", "Propose a password and authenticator reset";
    SYou => "あなた", "You";
    SProposeAccount => "アカウントの作成・権限の変更を提案", "Propose an account or a change of rights";
    SProposeAccountHint => "既存のユーザー名なら役割と担当拠点を変更し、新しいユーザー名ならアカウントを作成します。新しいアカウントの有効化リンクは、ここに入力したメールアドレスに送られます（メール設定がない場合は、運用者がサーバーで kakunin user activation を実行して本人に渡します）。", "An existing username changes its role and branches; a new one creates an account. A new account's activation link goes to the address entered here (without mail settings, the operator runs kakunin user activation on the server and hands the link to the holder).";
    SRole => "役割", "Role";
    SScopesField => "担当拠点のコード（カンマ区切り、例: TKY,OSK）", "Branch codes (comma-separated, e.g. TKY,OSK)";
    SEmailOptional => "本人のメールアドレス（新しいアカウントのみ、任意）", "The holder's e-mail address (new accounts only, optional)";
    SPropose => "提案する", "Propose";
    SPendingGrants => "承認待ちのアカウント・権限", "Accounts and rights waiting for approval";
    SPendingChanges => "承認待ちの再設定・再有効化", "Resets and re-enabling waiting for approval";
    SLinkGoesTo => "有効化リンクの送り先", "The activation link goes to";
    SLinkAtConsole => "メールなし（運用者がサーバーで発行）", "No e-mail (the operator issues it on the server)";
    SWithdraw => "取り下げる", "Withdraw";
    SYourAdminProposal => "あなたの提案です。別の管理者の承認を待っています。", "Your proposal: it waits for another admin.";
    SChangeReset => "パスワードと認証アプリの再設定", "Password and authenticator reset";
    SChangeEnable => "再有効化", "Enable again";
    SNothingPending => "承認待ちはありません。", "Nothing waits for approval.";
    SAdminProposed => "提案しました。別の管理者の承認を待ちます。", "Proposed. It waits for another admin's approval.";
    SGrantApprovedEmail => "承認しました。有効化リンクは本人のメールアドレスに送りました（管理者には表示されません）。", "Approved. The activation link went to the holder's e-mail address (it is never shown to an admin).";
    SGrantApprovedConsole => "承認しました。メールで届けられないため、運用者がサーバーで kakunin user activation を実行し、リンクを本人に渡してください。", "Approved. As no e-mail reaches the holder, the operator runs kakunin user activation on the server and hands the link to the holder.";
    SGrantApprovedChanged => "承認しました。役割と担当拠点を変更し、そのアカウントのセッションを終了しました。", "Approved. The role and branches changed, and that account's session ended.";
    SEnabledDone => "承認しました。アカウントは再び有効です。", "Approved. The account is enabled again.";
    SDisabledDone => "無効化しました。そのアカウントのセッションと有効化リンクは使えなくなりました。", "Disabled. That account's session and activation link no longer work.";
    SWithdrawnDone => "取り下げました。", "Withdrawn.";
    SPayrollClients => "給与システムの接続", "Payroll clients";
    SPayrollClientsIntro => "提供（リリース）された記録を取得する給与システムです。トークンはハッシュだけが保存され、ここには表示されません。失効はすぐに効き、元に戻せません。トークンの再発行では新しいトークンを一度だけ表示し、古いトークンはすぐ使えなくなります。", "The payroll systems that pull released records. Only a hash of each token is stored, and none is shown here. Revoking takes effect at once and cannot be undone. Rotating shows the new token once; the old one stops working at once.";
    SClientName => "名前", "Name";
    SCreated => "登録日時（JST）", "Created (JST)";
    SLastUsed => "最終利用（JST）", "Last used (JST)";
    SRotated => "トークン再発行（JST）", "Token rotated (JST)";
    SRevoked => "失効", "Revoked";
    SLive => "有効", "Live";
    SMutualTls => "クライアント証明書", "Client certificate";
    SRevokeClient => "失効させる", "Revoke";
    SRotateToken => "トークンを再発行", "Rotate the token";
    SClientRevokedDone => "失効させました。このトークンではもう取得できません。", "Revoked. This token pulls nothing more.";
    SNewToken => "新しいトークン", "The new token";
    SNewTokenWarning => "このトークンは今だけ表示されます。今すぐ給与システムの設定にコピーしてください。この画面を離れると二度と表示できません（失くした場合は再発行してください）。", "This token is shown now only. Copy it into the payroll system's settings now: once you leave this page it cannot be shown again (if it is lost, rotate again).";
    SNoPayrollClients => "登録された給与システムはありません（kakunin payroll-client add で登録します）。", "No payroll client is registered (kakunin payroll-client add registers one).";
    SPayrollRecipient => "給与担当の受取鍵（age 公開鍵）", "Payroll's recipient (age public key)";
    SPayrollRecipientIntro => "提供ファイルはこの公開鍵に暗号化され、給与担当の秘密鍵でだけ開けます。変更は1人の管理者が提案し、別の管理者がパスワードと認証コードを再入力して承認すると、再起動なしですぐに有効になります。", "Release files are sealed to this public key and open only with payroll's private key. One admin proposes a change; when another approves it by typing their password and authenticator code again, it is in force at once, without a restart.";
    SRecipientInForce => "現在の受取鍵", "In force";
    SRecipientFromSettings => "設定ファイル（kakunin.toml の payroll_recipient）の値", "From the settings file (payroll_recipient in kakunin.toml)";
    SRecipientApprovedBy => "承認者", "Approved by";
    SRecipientNone => "未設定（提供は承認できません）", "Not set (no release can be approved)";
    SRecipientPending => "承認待ちの受取鍵", "Recipient waiting for approval";
    SRecipientNew => "新しい受取鍵（age1 で始まる1行）", "New recipient (one line starting with age1)";
    SRecipientApproved => "承認しました。これからの提供はこの受取鍵に暗号化されます。", "Approved. Releases from now on are sealed to this recipient.";
    SAccessReview => "アクセス権の見直し", "Access review";
    SBranches => "拠点", "Branches";
    SBranchesIntro => "拠点コード（担当範囲・招待・名簿が使う記号）に、人が見る表示名を付けます。名簿の「拠点」列には表示名も書けます。表示名は拠点ごとに別々にしてください。", "Give each branch code (what scopes, invitations and rosters hold) the name people know it by. A roster's branch column may then use the name. Each branch needs its own name.";
    SBranchCode => "拠点コード", "Branch code";
    SBranchDisplayName => "表示名", "Display name";
    SBranchSave => "表示名を保存", "Save the name";
    SBranchSaved => "拠点の表示名を保存しました。", "The branch name was saved.";
    SBranchesNone => "表示名の付いた拠点はまだありません。", "No branch has a name yet.";
    SUpdatedAt => "更新日時（日本時間）", "Updated (Japan time)";
    SAccessReviewIntro => "番号を扱える人を必要な人に限り、その権限を定期的に見直します（特定個人情報の適正な取扱いに関するガイドライン（事業者編）別添1 安全管理措置 C-e・F-a）。全アカウントの役割・担当拠点・状態・最終サインインを確認し、所見を記入して確認済みとします。確認した内容は署名とともに保存され、監査証跡に記録されます。", "Only those who need to should handle numbers, and their rights are reviewed periodically (PPC guideline for businesses, annex 1, safety measures C-e and F-a). Check every account's role, branches, state and last sign-in, write your remarks and sign the review off. What you checked is kept with the signature and recorded in the audit trail.";
    SReviewDue => "次の見直しの期限（JST）", "Next review due (JST)";
    SReviewOverdue => "見直しの期限を過ぎています。", "The review is overdue.";
    SInactive => "長期間サインインなし", "No sign-in for a long time";
    SInactiveHint => "日以上サインインしていない有効なアカウントは強調表示されます。不要な権限は無効化してください。", "days or more without a sign-in: such enabled accounts are highlighted. Disable the rights nobody needs.";
    SRemarks => "所見（必須）", "Remarks (required)";
    SSignOff => "確認済みとして署名する", "Sign the review off";
    SSignedOffDone => "アクセス権の見直しを記録しました。", "The access review is recorded.";
    SPastReviews => "これまでの見直し", "Past reviews";
    SReviewer => "確認者", "Reviewer";
    SAccountCount => "アカウント数", "Accounts";
    SNoAccessReviews => "まだ見直しの記録はありません。", "No review has been recorded yet.";
    SOpenPerson => "開く", "Open";
    SAudit => "監査証跡", "Audit trail";
    SAuditIntro => "検索も記録されます。番号や画像は含まれません。", "Searches are recorded too. No entry holds a number or an image.";
    SActor => "操作者", "Actor";
    SAction => "操作", "Action";
    SAbout => "対象のID", "About (an id)";
    SFrom => "開始日", "From (day)";
    STo => "終了日（この日を含む）", "To (day, included)";
    SAuditStaff => "職員", "Staff member";
    SAuditPerson => "提出者・本人の氏名（一部でも可）", "Provider's or person's name (or part of it)";
    SAuditFamily => "操作の種類", "Kind of action";
    SAnyOption => "すべて", "Any";
    SNewerPage => "新しい記録へ", "Newer entries";
    SOlderPage => "古い記録へ", "Older entries";
    SNoStaffNamed => "このユーザー名の職員はいません：", "No staff member has this username:";
    SNoPersonNamed => "この氏名を含む提出者・本人はいません：", "No provider or person has a name containing:";
    SNoEntries => "条件に合う記録はありません。", "No entry matches.";
    SAuditPager => "ページ移動", "Pages";
    SNewestFirst => "新しい順に50件ずつ表示します。日時は日本時間です。", "Newest first, 50 to a page. Times are Japan time.";
    SAuditReviews => "監査の点検", "Audit reviews";
    SAuditReviewsIntro => "監査責任者が、期間を区切って監査証跡・台帳・サインイン履歴などを確認し、その結果を記録します（特定個人情報ガイドライン 別添1 安全管理措置 C-e「取扱状況の把握及び安全管理措置の見直し」）。", "The auditor looks over the trail, ledgers, sign-in history and the rest for a period and records it (PPC guideline, annex 1, safety-management measures C-e: grasping how data is handled and reviewing the measures).";
    SUnreviewedMonths => "未点検の月", "Months not reviewed";
    SAllReviewed => "未点検の月はありません。", "Every month is reviewed.";
    SReviewDueDay => "前月分の点検の期限：翌月", "Last month's review is due by day";
    SReviewDueDaySuffix => "日（過ぎるとアラート）", "of the next month (an alert after it)";
    SReviewFrom => "点検期間の開始日", "First day reviewed";
    SReviewTo => "点検期間の終了日（この日を含む）", "Last day reviewed (included)";
    SReviewLookedAt => "確認した記録", "What was looked at";
    SReviewRemarks => "所見（任意）", "Remarks (optional)";
    SReviewSignOff => "点検を記録する", "Sign off the review";
    SReviewsDone => "記録された点検", "Reviews signed off";
    SNoReviews => "まだ点検は記録されていません。", "No review signed off yet.";
    SReviewPeriod => "点検期間", "Period";
    SReviewedBy => "点検者", "Reviewed by";
    SReviewOnlyAuditor => "点検の記録は監査責任者が行います。", "Only an auditor signs off a review.";
    SReviewRecorded => "点検を記録しました。", "The review is recorded.";
    SCode => "コード", "Code";
    SBackToStaffMenu => "担当者メニューに戻る", "Back to the staff menu";
    SSearch => "検索", "Search";
    SNext => "次のページ", "Next page";
    SWhen => "日時（JST）", "When (JST)";
    STarget => "対象", "Target";
    SOutcome => "結果", "Outcome";
    SDetail => "詳細", "Detail";
    SSourceIp => "接続元", "From address";
    SLedgers => "台帳", "Ledgers";
    SLedgerFiles => "特定個人情報ファイル台帳", "Register of files holding numbers";
    SLedgerExports => "持出管理記録簿", "Export ledger";
    SLedgerDisposals => "廃棄記録", "Disposal ledger";
    SDownloadCsv => "CSVでダウンロード", "Download as CSV";
    SAlerts => "アラートとサインイン履歴", "Alerts and sign-in history";
    SNoAlerts => "アラートはありません。", "No alerts.";
    SRule => "ルール", "Rule";
    SCount => "件数", "Count";
    SSignIns => "サインイン履歴", "Sign-in history";
    SReason => "理由", "Reason";
    SUserAgent => "ブラウザ", "Browser";
    SIncidents => "事案の記録", "Incident records";
    SNoIncidents => "記録された事案はありません。", "No incident recorded.";
    SClosed => "終了", "Closed";
    SInvitations => "招待", "Invitations";
    SCampaigns => "年末調整の再確認", "Year-end re-confirmation";
    SCampaignsIntro => "年末調整の時期に、本人確認済みの従業員全員（または指定した拠点）に、登録内容と扶養家族の確認を依頼します。変更がなければ本人は「変更なし」を押すだけで、変更があった人だけが担当者の確認に回ります（所得税法第194条の扶養控除等(異動)申告書）。", "At year-end, ask every verified employee (or those of some branches) to confirm their details and dependants. With no change they tap \"No change\"; only those who changed go to the officers (the 扶養控除等(異動)申告書 of Income Tax Act art. 194).";
    SCampaign => "年 年末調整の再確認", " year-end re-confirmation";
    SCampaignsShort => "年末調整", "Year-end";
    SCampaignOpen => "再確認を開始する", "Open a re-confirmation";
    SCampaignYear => "対象年", "Year";
    SCampaignBranches => "拠点", "Branches";
    SCampaignBranchesHint => "拠点コードをカンマ区切りで入力（空欄なら全従業員）。", "Branch codes separated by commas (empty: every employee).";
    SCampaignSendEmail => "メールアドレスのある人にはリンクをメールで送る（それ以外は印刷用の用紙）", "E-mail the link where there is an address (the others get the printed sheet)";
    SCampaignsNone => "まだ再確認はありません。", "No re-confirmation yet.";
    SCampaignNoChange => "変更なし", "No change";
    SCampaignChanged => "変更あり", "Changed";
    SCampaignNotYet => "未回答", "Not yet";
    SCampaignPeople => "人数", "People";
    SCampaignTotal => "合計", "Total";
    SCampaignProgress => "拠点ごとの回答状況", "Answers per branch";
    SCampaignOpenedAt => "開始", "Opened";
    SCampaignClosed => "締切済み", "Closed";
    SCampaignRunning => "受付中", "Open";
    SCampaignAllBranches => "全従業員", "Every employee";
    SCampaignRemind => "未回答者にリマインドを送る", "Remind those who have not answered";
    SCampaignRemindHint => "リマインドのメールには氏名・番号・リンクを含めません（本人が受け取ったメールまたは用紙のリンクから回答します）。同じ人には1日1回までです。", "Reminders hold no name, number or link (people answer through the e-mail or sheet they got). At most one a day per person.";
    SCampaignReminded => "リマインドを送りました。", "Reminders sent.";
    SCampaignClose => "締め切る", "Close";
    SCampaignClosedDone => "締め切りました。未回答の方は下のとおりです。", "Closed. Those who did not answer are listed below.";
    SCampaignUnanswered => "未回答の方", "Not answered";
    SCampaignCsv => "未回答者のCSV", "CSV of those not answered";
    SCampaignChannel => "案内の方法", "Link sent by";
    SCampaignByEmail => "メール", "E-mail";
    SCampaignOnPaper => "用紙", "Sheet";
    SCampaignSheetCardTitle => "年末調整: 登録内容の確認のお願い", "Year-end adjustment: please confirm your details";
    SInvitationsIntro => "マイナンバーの提出を依頼する招待リンクを作成・管理します。リンクは作成時と再発行時に一度だけ表示されます。", "Create and manage the links that ask people for their My Number. A link is shown once: when it is created or re-issued.";
    SNewInvitations => "招待を作成", "Create invitations";
    SInviteOne => "1人を招待", "Invite one person";
    SInviteRoster => "名簿（CSV）から一括で招待", "Invite from a roster (CSV)";
    SRosterHint => "列: 社員番号, 氏名, フリガナ, メール, 拠点, 生年月日（任意）。見出し行は日本語・英語どちらでも、順不同で構いません。見出しがなければこの順に読みます。UTF-8 と Shift_JIS（Excel の CSV）を読めます。最大 5,000 人。", "Columns: employee code, name, furigana, e-mail, branch, birth date (optional). A header row may be in Japanese or English, in any order; without one the columns are read in this order. UTF-8 and Shift_JIS (Excel's CSV) are read. Up to 5,000 people.";
    SRosterFile => "CSV ファイル", "CSV file";
    SRosterPaste => "または CSV をここに貼り付け", "Or paste the CSV here";
    SEmail => "メールアドレス", "E-mail address";
    SBirthDateFactor => "生年月日（サインイン時の本人確認に使います）", "Birth date (asked at sign-in as a second factor)";
    SSendEmail => "メールアドレスのある人にはリンクをメールで送る", "E-mail the link to those who have an address";
    SMailOff => "メール送信（SMTP）は設定されていません。リンクは印刷用シートで渡してください。", "E-mail (SMTP) is not set up: hand the links over on the printable sheet.";
    SCheckFirst => "内容を確認する", "Check before creating";
    SPreviewTitle => "招待の確認", "Check the invitations";
    SRosterErrors => "次の行を直してから、もう一度読み込んでください。まだ何も作成されていません。", "Fix these lines and load the file again. Nothing has been created yet.";
    SLine => "行", "Line";
    SColumn => "列", "Column";
    SProblem => "内容", "Problem";
    SValueInFile => "ファイルの値", "Value in the file";
    SEmailPreview => "送信されるメール（全員同じ文面で、宛名とリンクだけが変わります）", "The e-mail that will be sent (the same text for everyone; only the name and link change)";
    SSubject => "件名", "Subject";
    SCountEmail => "メールで送る", "Sent by e-mail";
    SCountSheet => "印刷用シートで渡す", "Handed over on the sheet";
    SCreateInvitations => "招待を作成する", "Create the invitations";
    SSheetTitle => "招待リンク（印刷用）", "Invitation links (printable)";
    SSheetIntro => "このページのリンクは今だけ表示されます。印刷して各人に渡してください。ページを離れると再表示できません（必要なら再発行してください）。", "These links are shown only now. Print the page and hand each one over; they cannot be shown again once you leave (re-issue if needed).";
    SPrint => "印刷する", "Print";
    SSheetCardHint => "スマートフォンのカメラで QR コードを読み取るか、下のアドレスを開いてください。このリンクはあなた専用です。ほかの人に渡さないでください。", "Scan the QR code with your phone's camera, or open the address below. This link is yours alone; do not give it to anyone.";
    SSheetCardTitle => "マイナンバーご提出のお願い", "Please provide your My Number";
    SValidUntil => "有効期限", "Valid until";
    SEmailedList => "メールで送った人（リンクはメールにのみ記載）", "Sent by e-mail (the link is in the e-mail only)";
    SLinkState => "リンク", "Link";
    SLinkActive => "有効", "Active";
    SLinkExpired => "期限切れ", "Expired";
    SLinkRevoked => "取消済み", "Revoked";
    SAny => "すべて", "Any";
    SRevoke => "取り消す", "Revoke";
    SReissue => "再発行", "Re-issue";
    SReissueEmail => "再発行してメール", "Re-issue and e-mail";
    SRevokedDone => "招待を取り消しました。提出済みの内容はそのまま確認できます。未提出のまま保存された番号や写真は、廃棄の一覧に載ります。", "The invitation is revoked. What was handed in can still be verified; a number or photo saved but never handed in goes on the disposal list.";
    SCreatedAt => "作成日時", "Created";
    SIssuedCount => "発行回数", "Links issued";
    SMailState => "メール", "E-mail";
    SMailNotRequested => "送信しない", "Not e-mailed";
    SMailNoAddress => "アドレスなし", "No address";
    SMailNotConfigured => "SMTP 未設定", "SMTP not set up";
    SMailSent => "送信済み", "Sent";
    SMailFailed => "送信失敗（シートで渡してください）", "Failed (hand over the sheet)";
    SSecondFactor => "生年月日の確認あり", "Birth date asked";
    SNoInvitations => "該当する招待はありません。", "No invitation matches.";
    SReleases => "給与担当への提供", "Release to payroll";
    SReleasesIntro => "確認済みの記録を選び、目的を書いて提案します。別の事務取扱担当者がパスワードと認証コードを再入力して承認すると、給与担当だけが開ける暗号化ファイルができます（ダウンロードは1回のみ）。", "Choose verified records and propose them with the purpose. Another officer approves by typing their password and authenticator code again; then a sealed file only payroll can open is made (downloadable once).";
    SVerifiedToRelease => "提供できる確認済みの記録", "Verified records that can be released";
    SPurpose => "提供の利用目的", "Purpose of use";
    SPurposeHint => "本人に通知した利用目的から選びます。", "One of the purposes of use the people were told.";
    SPurposeNote => "補足（任意。例: 2026年分 年末調整）", "Note (optional, e.g. year-end adjustment 2026)";
    SProposeRelease => "提供を提案する", "Propose the release";
    SNoVerified => "提供できる確認済みの記録はありません。", "No verified record is waiting.";
    SOpenReleases => "承認待ち・ダウンロード待ち", "Waiting for approval or download";
    SProposedBy => "提案者", "Proposed by";
    SYourProposal => "あなたの提案です。別の担当者の承認を待っています。", "Your proposal: it waits for another officer.";
    SApprove => "承認する", "Approve";
    SApprovedRelease => "承認しました。暗号化ファイルを1回だけダウンロードできます。", "Approved. The sealed file can be downloaded once.";
    SDownloadOnce => "暗号化ファイルをダウンロード（1回のみ）", "Download the sealed file (once)";
    SNoPayrollRecipient => "給与担当の受取鍵（payroll_recipient）が設定されていないため、提供は承認できません。", "Payroll's recipient (payroll_recipient) is not set, so no release can be approved.";
    SProposedDone => "提案しました。別の担当者の承認を待ちます。", "Proposed. It waits for another officer's approval.";
    SSelect => "選択", "Select";
    SDisposals => "廃棄", "Disposal";
    SDisposalsIntro => "保存期間を過ぎた記録（30日以内に過ぎるものを含む）と、保管する理由のなくなった記録（却下・提供辞退・取り消された招待の未提出分）です。1人が提案し、別の担当者がパスワードと認証コードを再入力して承認すると、番号と画像の暗号文が消去されます。氏名と確認の記録は残ります。扶養から外れた家族、置き換えられた旧情報（再交付前の番号など）、撮り直し前の写真は、記録全体を待たずにそれぞれの日付で1行ずつ載ります。", "Records past their retention period (and those within 30 days of it), and records there is no reason to keep (rejected, declined, or never handed in on a revoked invitation). One officer proposes; another approves by typing their password and authenticator code again; then the ciphertexts of the numbers and images are erased. Names and the verification record remain. An ended dependant, a replaced version (a number before its reissue, …) and photos retaken are listed on their own rows, on their own dates, without waiting for the whole record.";
    SDisposalReason => "理由", "Reason";
    SReasonRetention => "保存期間の満了", "Retention period ended";
    SReasonRevoked => "招待の取消（未提出）", "Invitation revoked before hand-in";
    SReasonRejected => "却下", "Rejected";
    SReasonDeclined => "提供の辞退", "Declined to provide";
    SReasonDependantEnded => "扶養から外れた家族（終了日から保存期間満了）", "Dependant ended (retention from the end date over)";
    SReasonSuperseded => "置き換えられた旧情報（旧番号など）の保存期間満了", "Replaced version (an old number, …): retention over";
    SReasonPhotosReplaced => "撮り直し前の写真", "Photos replaced before the verification";
    SDueOn => "廃棄期限", "Due on";
    SNeededUntil => "不要となった日", "Needed until";
    SOverdue => "期限超過", "Overdue";
    SProposeDisposal => "廃棄を提案", "Propose disposal";
    SPendingDisposals => "承認待ちの廃棄", "Disposals waiting for approval";
    SNothingDue => "廃棄期限の来た記録はありません。", "Nothing is due for disposal.";
    SOpenIncident => "事案を記録する", "Record an incident";
    SIncidentTitle => "件名", "Title";
    SIncidentDescription => "概要（番号は書かないでください）", "Summary (never write a number here)";
    SAddStep => "経過を記録する", "Record a step";
    SStepKind => "種類", "Kind";
    SStepNote => "メモ", "Note";
    SStepReported => "個人情報保護委員会へ報告した", "Reported to the PPC";
    SStepNotified => "本人へ通知した", "The people were notified";
    SStepClosed => "終了", "Closed";
    SStepText => "内容", "Text";
    SScope => "影響範囲を監査証跡から特定する", "Establish who was affected, from the audit trail";
    SScopeAccounts => "対象アカウント（ユーザー名、カンマ区切り）", "Accounts concerned (usernames, comma-separated)";
    SScopeFrom => "開始日", "From (date)";
    SScopeTo => "終了日（この日を含む）", "To (date, inclusive)";
    SScopeRun => "特定する", "Establish";
    SScopeTitle => "影響を受けた方", "People affected";
    SPpcDue => "人数の上で個人情報保護委員会への報告が必要です（100人超）。", "By the count alone, the PPC report is due (over 100 people).";
    SPpcNotDue => "人数の上では報告基準（100人超）に達していません。不正の目的による漏えい等は人数に関わらず報告が必要です。", "The count alone does not reach the reporting threshold (over 100 people); a leak with a wrongful purpose must be reported whatever the count.";
    SUnseals => "参照回数", "Times unsealed";
    SFirstSeen => "最初", "First";
    SLastSeen => "最後", "Last";
    SRecordedDone => "記録しました。", "Recorded.";
    SBackToAlerts => "アラートと事案に戻る", "Back to alerts and incidents";
    SDisposedDone => "廃棄しました。番号と画像の暗号文は消去され、廃棄記録に残りました。", "Disposed: the ciphertexts of the numbers and images are gone, and the disposal ledger holds the record.";
    SQrTitle => "QRコード照合", "QR check";
    SQrMatches => "QRコードの番号は入力された番号と一致", "QR matches the typed number";
    SQrDiffers => "QRコードの番号は入力された番号と異なる", "QR differs from the typed number";
    SQrNoQr => "QRコードなし", "No QR code found";
    SQrUnreadable => "QRコード読取不可", "QR code unreadable";
    SQrPending => "照合中", "Being checked";
    SQrOverride => "QRコードが入力された番号と異なる写真がありますが、カードで番号確認とする理由（必須）", "A card photo's QR differs from the typed number; why the card still serves as the number check (required)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_a_language_of_its_own() {
        for text in Text::ALL {
            assert!(!text.ja().is_empty() && !text.en().is_empty(), "{text:?}");
            assert_ne!(text.ja(), text.en(), "{text:?} is translated");
        }
    }
}
