//! The auditor's pages: the trail, the sign-in history and the periodic audit review, and
//! the one table of Japanese (and English) labels for every code they show — actions,
//! outcomes, sign-in reasons, kinds of things, detail keys, alert rules — each shown with
//! its code in small print. A test checks that every action the storage layer writes has a
//! label here.

use askama::Template;
use storage::audit_desk::{
    ActionFamily, AuditReview, DetailField, DetailValue, DisposalLine, ExportLine, NoMatch,
    ReviewDesk, ReviewedLedger, SignInLine, StaffName, TrailLine,
};

use crate::staff::{StaffFrame, jst};
use crate::{Lang, Text};
use storage::ledgers::FileLedgerEntry;

/// A label in both languages.
type Label = (&'static str, &'static str);

/// The label of an action code (`None` for a code this build does not know).
pub fn action_label(code: &str) -> Option<Label> {
    use storage::audit::actions::*;
    Some(match code {
        INIT => ("初期設定", "Set-up"),
        INVITATION_CREATE => ("招待を作成", "Invitation created"),
        INVITATION_REVOKE => ("招待を取消", "Invitation revoked"),
        INVITATION_REISSUE => ("招待リンクを再発行", "Invitation link re-issued"),
        INVITATION_EMAIL => ("招待をメール送信", "Invitation e-mailed"),
        INTAKE_ASSISTED => ("本人に代わって受付", "Taken in on the person's behalf"),
        PROVIDER_SIGN_IN => ("提出者がリンクで開始", "Provider signed in with the link"),
        SUBJECT_SAVE => ("本人・家族の情報を保存", "Person's details saved"),
        SUBJECT_REMOVE => ("家族を削除", "Dependant removed"),
        NUMBER_SEAL => ("個人番号を暗号化して保存", "Number sealed and stored"),
        DOCUMENT_SEAL => (
            "書類画像を暗号化して保存",
            "Document photo sealed and stored",
        ),
        DOCUMENT_UNSEAL => ("書類画像を閲覧", "Document photo viewed"),
        NUMBER_UNSEAL => ("個人番号を閲覧", "Number viewed"),
        NUMBER_INDEX => ("重複確認のため番号を照合", "Numbers opened to index them"),
        DOCUMENT_QR_CHECK => ("カードのQRコードを照合", "Card QR code compared"),
        SUBMISSION_TRANSITION => ("提出の状態を変更", "Submission state changed"),
        STAFF_CREATE => ("職員アカウントを作成", "Staff account created"),
        GRANT_PROPOSE => ("権限の付与を申請", "Role grant proposed"),
        GRANT_APPROVE => ("権限の付与を承認", "Role grant approved"),
        GRANT_WITHDRAW => ("権限の付与申請を取下げ", "Role grant withdrawn"),
        STAFF_ACTIVATE => ("職員がパスワードを設定", "Staff member set their password"),
        STAFF_ACTIVATION_ISSUE => ("有効化リンクを発行", "Activation link issued"),
        STAFF_PASSWORD_CHANGE => ("パスワードを変更", "Password changed"),
        STAFF_DISABLE => ("アカウントを無効化", "Account disabled"),
        ACCOUNT_CHANGE_PROPOSE => ("アカウント変更を申請", "Account change proposed"),
        ACCOUNT_CHANGE_APPROVE => ("アカウント変更を承認", "Account change approved"),
        ACCOUNT_CHANGE_WITHDRAW => ("アカウント変更を取下げ", "Account change withdrawn"),
        PAYROLL_CLIENT_REVOKE => ("給与システムの接続を取消", "Payroll client revoked"),
        PAYROLL_CLIENT_ROTATE => ("給与システムの鍵を更新", "Payroll client token replaced"),
        RETENTION_SET => ("保存期限を設定", "Retention date set"),
        INCIDENT_SCOPE => ("事案の影響範囲を調査", "Incident scope established"),
        INCIDENT_STEP => ("事案の経過を記録", "Incident step recorded"),
        DISPOSAL_PROPOSE => ("廃棄を申請", "Disposal proposed"),
        DISPOSAL_APPROVE => ("廃棄を承認・実施", "Disposal approved and done"),
        KEYS_ROTATE_BEGIN => ("鍵の更新を開始", "Key rotation begun"),
        KEYS_RESEAL => ("新しい鍵で再暗号化", "Re-sealed to the new key"),
        KEYS_ROTATE_FINISH => ("鍵の更新を完了", "Key rotation finished"),
        KEYS_RETIRED_DESTROY => ("古い鍵を破棄", "Retired key destroyed"),
        STAFF_SIGN_IN => ("職員のサインイン", "Staff sign-in"),
        STAFF_SIGN_OUT => ("職員のサインアウト", "Staff sign-out"),
        STAFF_TOTP_ENROL => ("二要素認証を登録", "Second factor enrolled"),
        SUBMISSION_CLAIM => ("確認作業を担当", "Submission claimed"),
        VERIFICATION_RECORD => ("本人確認を記録", "Verification recorded"),
        CORRECTION_REQUEST => ("訂正を依頼", "Correction requested"),
        SUBMISSION_REJECT => ("提出を却下", "Submission rejected"),
        RELEASE_PROPOSE => ("給与への提供を申請", "Release proposed"),
        RELEASE_APPROVE => ("給与への提供を承認", "Release approved"),
        EXPORT_UNSEAL => (
            "提供ファイル作成のため番号を復号",
            "Numbers opened for an export",
        ),
        EXPORT_DOWNLOAD => ("提供ファイルをダウンロード", "Export file downloaded"),
        STAFF_REAUTHENTICATE => ("再認証", "Re-authenticated"),
        BACKUP_CREATE => ("バックアップを作成", "Backup created"),
        AUDIT_SEARCH => ("監査証跡を検索", "Audit trail searched"),
        LEDGER_READ => ("台帳・履歴を閲覧", "Ledger or history read"),
        DISPOSAL_LIST => ("廃棄対象一覧を閲覧", "Disposal list read"),
        PAYROLL_CLIENT_CREATE => ("給与システムの接続を登録", "Payroll client registered"),
        EXPORT_PULL => ("給与システムが取得", "Pulled by payroll"),
        DOCUMENT_DESTROY => ("書類画像を消去", "Document photo destroyed"),
        AUDIT_REVIEW_SIGN_OFF => ("監査の点検を記録", "Audit review signed off"),
        ACCESS_REVIEW_SIGN_OFF => ("アクセス権限の見直しを記録", "Access review signed off"),
        ALERT_NOTIFY => ("アラートを通知", "Alert notified"),
        INVITATION_REMIND => ("未提出者にリマインドを送信", "Reminder sent to a provider"),
        DOCUMENT_CARD_READ => (
            "カード裏面の写真から番号を読取（確認待ち）",
            "Card back read for its number (awaiting confirmation)",
        ),
        RECORD_CHANGE => ("登録後の変更を届出", "Change to a verified record"),
        RECORD_CHANGE_APPLY => ("変更を記録に反映", "Change applied to the record"),
        RECORD_REHIRE => (
            "再雇用：以前の記録に紐付け",
            "Re-hire linked to the earlier record",
        ),
        CAMPAIGN_OPEN => ("年末調整の再確認を開始", "Re-confirmation campaign opened"),
        CAMPAIGN_ANSWER => ("年末調整の再確認に回答", "Re-confirmation answered"),
        CAMPAIGN_REMIND => (
            "再確認の未回答者にリマインド",
            "Re-confirmation reminders sent",
        ),
        CAMPAIGN_CLOSE => ("年末調整の再確認を締切", "Re-confirmation campaign closed"),
        BRANCH_SET => ("拠点名を設定", "Branch name set"),
        PAYROLL_RECIPIENT_PROPOSE => ("給与システムの受取鍵を申請", "Payroll key proposed"),
        PAYROLL_RECIPIENT_APPROVE => ("給与システムの受取鍵を承認", "Payroll key approved"),
        PAYROLL_RECIPIENT_WITHDRAW => (
            "給与システムの受取鍵の申請を取下げ",
            "Payroll key proposal withdrawn",
        ),
        _ => return None,
    })
}

/// The label of an action family.
pub fn family_label(family: ActionFamily) -> Label {
    match family {
        ActionFamily::SignIn => ("サインイン", "Sign-in"),
        ActionFamily::Intake => ("招待・提出", "Invitations and intake"),
        ActionFamily::Review => ("確認作業", "Review"),
        ActionFamily::Unseal => ("番号・画像の閲覧", "Numbers and images opened"),
        ActionFamily::Release => ("給与への提供", "Release to payroll"),
        ActionFamily::Disposal => ("保存期限・廃棄", "Retention and disposal"),
        ActionFamily::Admin => ("アカウント管理", "Accounts"),
        ActionFamily::Oversight => ("監査", "Oversight"),
        ActionFamily::System => ("鍵・バックアップ・設定", "Keys, backups, set-up"),
    }
}

/// The label of an outcome code, of the trail (`success`, `denied`) or of a sign-in
/// (`success`, `failure`, `locked`).
pub fn outcome_label(code: &str) -> Option<Label> {
    Some(match code {
        "success" => ("成功", "Succeeded"),
        "denied" => ("拒否", "Refused"),
        "failure" => ("失敗", "Failed"),
        "locked" => ("ロック中", "Locked"),
        _ => return None,
    })
}

/// The label of a sign-in's reason code.
pub fn sign_in_reason_label(code: &str) -> Option<Label> {
    Some(match code {
        "signed_in" => ("サインイン完了", "Signed in"),
        "signed_in_for_totp_enrolment" => (
            "二要素認証の登録のためにサインイン",
            "Signed in to enrol the second factor",
        ),
        "bad_password" => ("パスワード誤り", "Wrong password"),
        "unknown_user" => ("存在しないユーザー名", "Unknown username"),
        "bad_second_factor" => ("認証コード誤り", "Wrong authenticator code"),
        "account_locked" => ("アカウントがロック中", "Account locked"),
        "address_locked" => ("接続元がロック中", "Address locked"),
        _ => return None,
    })
}

/// The label of what an actor or a target is (`staff`, `provider`, `submission`, …).
pub fn kind_label(kind: &str) -> Option<Label> {
    Some(match kind {
        "staff" => ("職員", "Staff"),
        "provider" => ("提出者", "Provider"),
        "cli" => ("サーバーのコンソール", "Server console"),
        "system" => ("システム", "System"),
        "payroll" => ("給与システム", "Payroll system"),
        "invitation" => ("招待", "Invitation"),
        "submission" => ("提出", "Submission"),
        "subject" => ("本人・家族", "Person"),
        "document" => ("書類画像", "Document photo"),
        "release" => ("提供", "Release"),
        "disposal" => ("廃棄", "Disposal"),
        "grant" => ("権限付与", "Role grant"),
        "change" => ("アカウント変更", "Account change"),
        "incident" => ("事案", "Incident"),
        "audit_review" => ("監査の点検", "Audit review"),
        "campaign" => ("年末調整の再確認", "Re-confirmation campaign"),
        "campaign_answer" => ("再確認の回答", "Re-confirmation answer"),
        _ => return None,
    })
}

/// The label of a key of an entry's detail (unknown keys are shown as they are).
pub fn detail_label(key: &str) -> Option<Label> {
    Some(match key {
        "reason" => ("理由", "Reason"),
        "outcome" => ("結果", "Outcome"),
        "year" => ("対象年", "Year"),
        "employees" => ("対象の従業員数", "Employees"),
        "links_until" => ("リンクの有効期限", "Links valid until"),
        "answer" => ("回答", "Answer"),
        "reminders" => ("リマインド数", "Reminders"),
        "no_change" => ("変更なし", "No change"),
        "changed" => ("変更あり", "Changed"),
        "not_answered" => ("未回答", "Not answered"),
        "recovery_codes" => ("回復コードの数", "Recovery codes"),
        "names" => ("氏名で表示", "With names"),
        "from" => ("開始", "From"),
        "to" => ("終了", "To"),
        "state" => ("状態", "State"),
        "role" => ("役割", "Role"),
        "scopes" => ("担当拠点", "Branches"),
        "branch" => ("拠点", "Branch"),
        "kind" => ("種類", "Kind"),
        "count" => ("件数", "Count"),
        "ledger" => ("台帳", "Ledger"),
        "csv" => ("CSV", "CSV"),
        "staff" => ("職員", "Staff"),
        "actor" => ("操作者", "Actor"),
        "action" => ("操作", "Action"),
        "about" => ("対象", "About"),
        "family" => ("操作の種類", "Action family"),
        "person" => ("氏名で絞込み", "Person filter used"),
        "page" => ("ページ位置", "Page position"),
        "after" => ("以降", "After"),
        "submission" | "submission_id" => ("提出", "Submission"),
        "subject" | "subject_id" => ("本人・家族", "Person"),
        "document_id" => ("書類画像", "Document photo"),
        "release_id" => ("提供", "Release"),
        "disposal_id" => ("廃棄", "Disposal"),
        "grant" | "grant_id" => ("権限付与", "Role grant"),
        "change" | "change_id" => ("アカウント変更", "Account change"),
        "incident_id" => ("事案", "Incident"),
        "account_id" => ("アカウント", "Account"),
        "username" => ("ユーザー名", "Username"),
        "proposed_by" => ("申請者", "Proposed by"),
        "approved_by" => ("承認者", "Approved by"),
        "by" => ("実施者", "By"),
        "channel" => ("受付方法", "Channel"),
        "number_check" => ("番号確認", "Number check"),
        "identity_check" => ("身元確認", "Identity check"),
        "relied_on" => ("確認に用いた書類", "Documents relied on"),
        "documents_seen" => ("原本を確認した書類", "Originals seen"),
        "rule_version" => ("確認ルールの版", "Rule version"),
        "qr_check" => ("QRコード照合", "QR check"),
        "qr_differs_overridden" => ("QR不一致でもカードで確認", "QR differed, card relied on"),
        "purpose" => ("利用目的", "Purpose"),
        "records" | "people" => ("人数", "People"),
        "items" => ("項目", "Items"),
        "step" => ("経過", "Step"),
        "looked_at" => ("確認した記録", "Looked at"),
        "second_factor" => ("生年月日での本人確認あり", "Birth date asked"),
        "email" => ("メールアドレスあり", "E-mail address given"),
        "second_factor_done" => ("二要素認証済み", "Second factor passed"),
        "via" => ("経路", "Via"),
        "email_given" => ("メールあり", "E-mail given"),
        "expires_at" => ("有効期限", "Expires"),
        "needed_until" => ("必要な期間の終わり", "Needed until"),
        "due_on" => ("廃棄予定日", "Due on"),
        "numbers_destroyed" => ("消去した番号", "Numbers destroyed"),
        "documents_destroyed" => ("消去した画像", "Images destroyed"),
        "relationship" => ("続柄", "Relationship"),
        "bytes" | "sealed_bytes" => ("バイト数", "Bytes"),
        "width" => ("幅", "Width"),
        "height" => ("高さ", "Height"),
        "removed_metadata" => ("除去したメタデータ", "Metadata removed"),
        "warnings" => ("警告", "Warnings"),
        "client_id" => ("給与システム", "Payroll client"),
        "mutual_tls" => ("クライアント証明書", "Client certificate"),
        "table" => ("表", "Table"),
        "resealed" => ("再暗号化した件数", "Re-sealed"),
        "status" => ("状態", "Status"),
        "error" => ("エラー", "Error"),
        "locked" => ("ロック", "Locked"),
        "replaces" => ("置き換え", "Replaces"),
        "no_number_reason" => ("番号がない理由", "Why no number"),
        _ => return None,
    })
}

/// The label of an alert rule.
pub fn alert_rule_label(rule: &str) -> Option<Label> {
    Some(match rule {
        "mass_unseal" => ("短時間に大量の閲覧", "Many unseals in a short time"),
        "off_hours_unseal" => ("業務時間外の閲覧", "Unseal outside working hours"),
        "sign_in_failures" => ("サインイン失敗の繰り返し", "Repeated sign-in failures"),
        "off_schedule_export" => ("予定外の提供", "Export outside the schedule"),
        storage::alerts::OVERDUE_AUDIT_REVIEW => {
            ("監査の点検が期限を過ぎています", "Audit review overdue")
        }
        "access_review_overdue" => (
            "アクセス権限の見直しが期限を過ぎています",
            "Access review overdue",
        ),
        _ => return None,
    })
}

/// The label of what a review looked at.
pub fn reviewed_ledger_label(ledger: ReviewedLedger) -> Label {
    match ledger {
        ReviewedLedger::Trail => ("監査証跡", "Audit trail"),
        ReviewedLedger::SignIns => ("サインイン履歴", "Sign-in history"),
        ReviewedLedger::Alerts => ("アラート", "Alerts"),
        ReviewedLedger::FileLedger => ("特定個人情報ファイル台帳", "Register of files"),
        ReviewedLedger::ExportLedger => ("持出管理記録簿", "Export ledger"),
        ReviewedLedger::DisposalLedger => ("廃棄記録", "Disposal ledger"),
        ReviewedLedger::Incidents => ("事案の記録", "Incident records"),
    }
}

/// Picks a label's language; an unknown code is shown as itself.
pub fn pick(lang: Lang, label: Option<Label>, code: &str) -> String {
    match label {
        Some((ja, en)) => lang.pick(ja, en).to_owned(),
        None => code.to_owned(),
    }
}

/// Labels in one language (templates call these through a page's `l`).
#[derive(Debug, Clone, Copy)]
pub struct Labels(pub Lang);

impl Labels {
    /// An action.
    pub fn action(&self, code: &str) -> String {
        pick(self.0, action_label(code), code)
    }

    /// A trail or sign-in outcome.
    pub fn outcome(&self, code: &str) -> String {
        pick(self.0, outcome_label(code), code)
    }

    /// A sign-in reason.
    pub fn reason(&self, code: &str) -> String {
        pick(self.0, sign_in_reason_label(code), code)
    }

    /// A kind of actor or target.
    pub fn kind(&self, code: &str) -> String {
        pick(self.0, kind_label(code), code)
    }

    /// A detail key.
    pub fn detail(&self, key: &str) -> String {
        pick(self.0, detail_label(key), key)
    }

    /// A family.
    pub fn family(&self, family: &ActionFamily) -> String {
        let (ja, en) = family_label(*family);
        self.0.pick(ja, en).to_owned()
    }

    /// An alert rule.
    pub fn alert_rule(&self, rule: &str) -> String {
        pick(self.0, alert_rule_label(rule), rule)
    }

    /// What a review looked at.
    pub fn ledger(&self, ledger: &ReviewedLedger) -> String {
        let (ja, en) = reviewed_ledger_label(*ledger);
        self.0.pick(ja, en).to_owned()
    }

    /// A Unix-ms time in Japan.
    pub fn when(&self, ms: &i64) -> String {
        jst(*ms)
    }

    /// A detail's value in this language (a code with its label where it has one).
    pub fn value(&self, field: &DetailField) -> String {
        match &field.value {
            DetailValue::Text(text) => text.clone(),
            DetailValue::Time(ms) => jst(*ms),
            DetailValue::Flag(b) => self
                .0
                .pick(
                    if *b { "はい" } else { "いいえ" },
                    if *b { "yes" } else { "no" },
                )
                .to_owned(),
            DetailValue::Code(code) => {
                let label = outcome_label(code)
                    .or_else(|| sign_in_reason_label(code))
                    .or_else(|| ActionFamily::from_code(code).map(family_label))
                    .or_else(|| ReviewedLedger::from_code(code).map(reviewed_ledger_label));
                match label {
                    Some((ja, en)) => format!("{}（{code}）", self.0.pick(ja, en)),
                    None => code.clone(),
                }
            }
        }
    }
}

/// The Japanese header of a column of the file ledger's CSV.
pub fn file_ledger_header(code: &str) -> &str {
    match code {
        "file" => "ファイル",
        "storage" => "保管場所",
        "purposes" => "利用目的",
        "retention_years" => "保存年数",
        "live_records" => "保管中の件数",
        "disposed_records" => "廃棄済みの件数",
        "handlers" => "取り扱う担当者",
        other => other,
    }
}

/// The file ledger (特定個人情報ファイル台帳) as a table for people: Japanese headers, each
/// handler with their role and scope in words. The page and its CSV download show the same
/// cells (`kakunin ledger files` keeps the machine-readable columns).
pub fn file_table(entries: &[FileLedgerEntry]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "file",
        "storage",
        "purposes",
        "retention_years",
        "live_records",
        "disposed_records",
        "handlers",
    ]
    .map(|code| file_ledger_header(code).to_owned());
    let rows = entries
        .iter()
        .map(|e| {
            let handlers: Vec<String> = e
                .handlers
                .iter()
                .map(|h| {
                    let scope = if h.scopes.is_empty() {
                        "全拠点".to_owned()
                    } else {
                        h.scopes.join("・")
                    };
                    format!("{}（{}、{scope}）", h.username, Lang::Ja.role(&h.role))
                })
                .collect();
            vec![
                e.file.to_owned(),
                e.storage.to_owned(),
                e.purposes.join(" / "),
                e.retention_years.to_string(),
                e.live_records.to_string(),
                e.disposed_records.to_string(),
                handlers.join("、"),
            ]
        })
        .collect();
    (header.to_vec(), rows)
}

/// The export ledger (持出管理記録簿) as a table for people: Japanese headers, names,
/// Japan time. The page and the CSV download show the same cells.
pub fn export_table(lines: &[ExportLine]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "日時（日本時間）",
        "提供",
        "申請者",
        "承認者",
        "取得した給与システム",
        "対象者",
        "件数",
        "暗号化の宛先",
        "利用目的",
        "経路",
        "SHA-256",
    ];
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                jst(l.at),
                l.release.clone(),
                l.proposed_by.clone(),
                l.approved_by.clone(),
                l.pulled_by.clone().unwrap_or_default(),
                l.people.join("、"),
                l.record_count.to_string(),
                l.recipient.clone(),
                l.purpose.clone(),
                l.route.clone(),
                l.sha256.clone(),
            ]
        })
        .collect();
    (header.map(str::to_owned).to_vec(), rows)
}

/// The disposal ledger (廃棄記録) as a table for people.
pub fn disposal_table(lines: &[DisposalLine]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "日時（日本時間）",
        "対象者",
        "申請者",
        "承認者",
        "方法",
        "消去した番号",
        "消去した画像",
    ];
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                jst(l.at),
                l.person.clone(),
                l.proposed_by.clone(),
                l.approved_by.clone(),
                l.method.clone(),
                l.numbers_destroyed.to_string(),
                l.documents_destroyed.to_string(),
            ]
        })
        .collect();
    (header.map(str::to_owned).to_vec(), rows)
}

/// The trail's search form as it was filled.
#[derive(Debug, Clone, Default)]
pub struct TrailForm {
    /// Username chosen.
    pub staff: String,
    /// Part of a person's name.
    pub person: String,
    /// A family code.
    pub family: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`.
    pub to: String,
}

/// `GET /s/audit`: the trail, newest first, a page at a time.
#[derive(Debug, Template)]
#[template(path = "staff/audit.html")]
pub struct TrailPageView {
    /// Frame.
    pub staff: StaffFrame,
    /// Labels in the page's language.
    pub labels: Labels,
    /// The form.
    pub form: TrailForm,
    /// Rows, newest first.
    pub lines: Vec<TrailLine>,
    /// Every staff account (the select).
    pub staff_names: Vec<StaffName>,
    /// Why nothing matched.
    pub no_match: Option<NoMatch>,
    /// A value of the form that was refused (shown in both languages beside the form).
    pub refused: Option<crate::Message>,
    /// Newer entries (the previous page).
    pub newer_href: Option<String>,
    /// Older entries (the next page).
    pub older_href: Option<String>,
    /// The CSV of the same search.
    pub csv_href: String,
}

impl TrailPageView {
    /// The families the filter offers.
    pub fn families(&self) -> &'static [ActionFamily] {
        ActionFamily::ALL
    }
}

/// The sign-in history's form as it was filled.
#[derive(Debug, Clone, Default)]
pub struct SignInForm {
    /// Username.
    pub username: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`.
    pub to: String,
}

/// `GET /s/sign-ins`: the staff sign-in history, newest first, a page at a time.
#[derive(Debug, Template)]
#[template(path = "staff/sign_ins.html")]
pub struct SignInsPageView {
    /// Frame.
    pub staff: StaffFrame,
    /// Labels.
    pub labels: Labels,
    /// The form.
    pub form: SignInForm,
    /// Attempts, newest first.
    pub lines: Vec<SignInLine>,
    /// A value of the form that was refused (shown in both languages beside the form).
    pub refused: Option<crate::Message>,
    /// Every staff account (the select).
    pub staff_names: Vec<StaffName>,
    /// Newer attempts.
    pub newer_href: Option<String>,
    /// Older attempts.
    pub older_href: Option<String>,
    /// The CSV of the same search.
    pub csv_href: String,
}

/// `GET /s/audit/reviews`: reviews signed off, the months nobody reviewed, the form.
#[derive(Debug, Template)]
#[template(path = "staff/audit_reviews.html")]
pub struct AuditReviewsPageView {
    /// Frame.
    pub staff: StaffFrame,
    /// Labels.
    pub labels: Labels,
    /// Reviews and gaps.
    pub desk: ReviewDesk,
    /// Whether the signed-in account may sign off (auditors only).
    pub can_sign_off: bool,
    /// The form's first day (the oldest unreviewed month's first day, or empty).
    pub default_from: String,
    /// The form's last day (that month's last day, or empty).
    pub default_to: String,
    /// The day after which last month's review is overdue.
    pub due_day: u8,
}

impl AuditReviewsPageView {
    /// What a review may say it looked at.
    pub fn ledgers(&self) -> &'static [ReviewedLedger] {
        ReviewedLedger::ALL
    }

    /// A month as `2026年11月` / `2026-11`.
    pub fn month(&self, first: &time::Date) -> String {
        match self.labels.0 {
            Lang::Ja => format!("{}年{}月", first.year(), u8::from(first.month())),
            Lang::En => format!("{}-{:02}", first.year(), u8::from(first.month())),
        }
    }

    /// A review's looked-at list in the page's language.
    pub fn looked_at(&self, review: &AuditReview) -> String {
        review
            .looked_at
            .iter()
            .map(|l| self.labels.ledger(l))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_the_storage_layer_writes_has_a_label() {
        for (code, family) in storage::audit_desk::ACTION_FAMILIES {
            let (ja, en) = action_label(code).unwrap_or_else(|| panic!("{code} has no label"));
            assert!(!ja.is_empty() && !en.is_empty() && ja != en, "{code}");
            let _ = family_label(*family);
        }
    }

    #[test]
    fn every_outcome_reason_and_alert_rule_has_a_label() {
        for code in storage::staff::SignInOutcome::CODES
            .iter()
            .chain(&["success", "denied"])
        {
            assert!(outcome_label(code).is_some(), "{code}");
        }
        for reason in [
            "signed_in",
            "signed_in_for_totp_enrolment",
            "bad_password",
            "unknown_user",
            "bad_second_factor",
            "account_locked",
            "address_locked",
        ] {
            assert!(sign_in_reason_label(reason).is_some(), "{reason}");
        }
        for rule in [
            "mass_unseal",
            "off_hours_unseal",
            "sign_in_failures",
            "off_schedule_export",
            storage::alerts::OVERDUE_AUDIT_REVIEW,
            "access_review_overdue",
        ] {
            assert!(alert_rule_label(rule).is_some(), "{rule}");
        }
    }
}
