//! Invitation e-mail through the employer's SMTP relay (lettre over rustls), when `[mail]`
//! is configured. The message is fixed text from [`invitation_letter`]: the admin's preview
//! renders the same function with a placeholder where the link goes, so what they read is
//! what is sent. It carries the person's own link and nothing else personal besides the
//! name; never a number.
//!
//! An invitation link is a bearer credential, so the relay is reached over TLS (implicit or
//! STARTTLS, certificates checked against the system's roots); plain SMTP is refused unless
//! the relay is on this host (a local MTA that forwards over TLS itself).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use storage::invitations::{EmailAddress, InvitationKind};

/// How the relay is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// TLS from the first byte (usually port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    #[default]
    Starttls,
    /// No TLS: only for a relay on a loopback address.
    None,
}

/// `[mail]`: the SMTP relay invitation links are sent through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The relay's host name (checked against its certificate).
    pub smtp_host: String,
    /// The relay's port.
    #[serde(default = "default_port")]
    pub smtp_port: u16,
    /// tls | starttls | none (loopback only).
    #[serde(default)]
    pub security: SmtpSecurity,
    /// SMTP AUTH user name, if the relay asks for one.
    pub username: Option<String>,
    /// File holding the SMTP AUTH password (kept out of the config file).
    pub password_file: Option<PathBuf>,
    /// The sender, e.g. `人事部 <jinji@example.co.jp>`.
    pub from: String,
    /// Where replies go, if not to the sender.
    pub reply_to: Option<String>,
    /// A CA certificate (PEM) trusted for the relay besides the system's roots, for a
    /// relay whose certificate a company CA signed.
    pub ca_file: Option<PathBuf>,
}

fn default_port() -> u16 {
    587
}

/// Why the mail settings or a send failed. Holds no address and no link.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The settings do not make a usable transport.
    #[error("mail: {0}")]
    Config(String),
    /// The relay refused or could not be reached.
    #[error("the SMTP relay did not accept the message: {0}")]
    Send(String),
}

impl MailSettings {
    /// Checks what can be checked without connecting.
    pub fn validate(&self) -> Result<(), MailError> {
        self.from.parse::<Mailbox>().map_err(|_| {
            MailError::Config("from must be an address like 人事部 <jinji@example.co.jp>".into())
        })?;
        if let Some(reply_to) = &self.reply_to {
            reply_to
                .parse::<Mailbox>()
                .map_err(|_| MailError::Config("reply_to must be an e-mail address".into()))?;
        }
        if self.security == SmtpSecurity::None && !is_loopback(&self.smtp_host) {
            return Err(MailError::Config(
                "security = \"none\" sends invitation links in clear text and is refused unless \
                 smtp_host is a loopback address; use tls or starttls"
                    .into(),
            ));
        }
        if self.username.is_some() != self.password_file.is_some() {
            return Err(MailError::Config(
                "username and password_file go together".into(),
            ));
        }
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A message: subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// Subject line.
    pub subject: String,
    /// Body (Japanese first, then English).
    pub body: String,
}

/// What the preview shows where each person's link will be.
pub const LINK_PLACEHOLDER: &str =
    "（送信時、ここに本人専用のリンクが入ります / each person's own link goes here）";

/// The invitation e-mail for one person. `link` is `None` for the preview.
pub fn invitation_letter(
    organisation: &str,
    name: &str,
    kind: InvitationKind,
    link: Option<&str>,
    expires_at: i64,
) -> Letter {
    let link = link.unwrap_or(LINK_PLACEHOLDER);
    let until = portal::staff::jst(expires_at);
    let (what_ja, what_en) = match kind {
        InvitationKind::Employee => (
            "ご本人と扶養家族のマイナンバー（個人番号）",
            "your My Number (individual number) and those of your dependants",
        ),
        InvitationKind::Payee => (
            "マイナンバー（個人番号）",
            "your My Number (individual number)",
        ),
    };
    Letter {
        subject: format!(
            "【{organisation}】マイナンバーご提出のお願い / Please provide your My Number"
        ),
        body: format!(
            "{name} 様\n\n\
             {organisation} より、{what_ja}のご提出をお願いいたします。\n\
             下のリンクを開き、画面の案内に沿って入力と書類の撮影をしてください。スマートフォンだけで完了します。\n\n\
             {link}\n\n\
             ・このリンクはあなた専用です。ほかの人に転送しないでください。\n\
             ・有効期限: {until}（日本時間）まで\n\
             ・利用目的と安全管理の方法は、リンクを開いた最初の画面でご確認いただけます。\n\
             ・提出しない場合も、リンク先からその旨をお知らせいただけます。\n\
             ・このメールに個人番号や書類の写真を返信しないでください。\n\n\
             ----\n\n\
             Dear {name},\n\n\
             {organisation} asks you to provide {what_en}.\n\
             Please open the link below and follow the steps on the screen; a smartphone is all you need.\n\n\
             {link}\n\n\
             - This link is yours alone. Please do not forward it.\n\
             - It works until {until} (Japan time).\n\
             - The purposes of use and how your data is protected are on the first page of the link.\n\
             - If you choose not to provide your number, you can tell us through the link as well.\n\
             - Please never reply to this e-mail with your number or photos of your documents.\n"
        ),
    }
}

/// The e-mail carrying an employee's link for the year's re-confirmation (年末調整): the
/// same personal content as an invitation's (their name and their own link), never a
/// number.
pub fn campaign_letter(
    organisation: &str,
    name: &str,
    year: i32,
    link: &str,
    expires_at: i64,
) -> Letter {
    let until = portal::staff::jst(expires_at);
    Letter {
        subject: format!(
            "【{organisation}】{year}年 年末調整: 扶養家族の確認のお願い / Year-end adjustment {year}: please confirm your dependants"
        ),
        body: format!(
            "{name} 様\n\n\
             {year}年の年末調整にあたり、{organisation} が登録しているあなたと扶養家族の情報の確認をお願いいたします。\n\
             下のリンクを開き、変更がなければ「変更なし」を押すだけで完了します。\n\
             子の出生、結婚、扶養から外れた家族、住所や氏名の変更があれば、同じ画面から届け出てください。\n\n\
             {link}\n\n\
             ・このリンクはあなた専用です。ほかの人に転送しないでください。以前のリンクは使えなくなりました。\n\
             ・有効期限: {until}（日本時間）まで\n\
             ・このメールに個人番号や書類の写真を返信しないでください。\n\n\
             ----\n\n\
             Dear {name},\n\n\
             For the {year} year-end adjustment, {organisation} asks you to confirm the details it holds about you and your dependants.\n\
             Open the link below; if nothing changed, one tap on \"No change\" is all.\n\
             If a child was born, you married, a dependant left your household, or an address or name changed, report it on the same page.\n\n\
             {link}\n\n\
             - This link is yours alone. Please do not forward it. Earlier links no longer work.\n\
             - It works until {until} (Japan time).\n\
             - Please never reply to this e-mail with your number or photos of your documents.\n"
        ),
    }
}

/// The e-mail carrying a staff member's activation link (a new account, or credentials two
/// admins reset). Addressed to the holder only; it holds their sign-in name and the link.
pub fn activation_letter(
    organisation: &str,
    username: &str,
    link: &str,
    expires_at: i64,
) -> Letter {
    let until = portal::staff::jst(expires_at);
    Letter {
        subject: format!(
            "【{organisation}】Kakunin 担当者アカウントの設定 / Set up your Kakunin staff account"
        ),
        body: format!(
            "Kakunin の担当者アカウント「{username}」のパスワードを設定してください。\n\
             下のリンクを開いてご自身でパスワードを決め、最初のサインインで認証アプリ（TOTP）を登録します。\n\
             パスワードは管理者を含め、あなた以外の誰にも知らされません。\n\n\
             {link}\n\n\
             ・このリンクは一度だけ使えます。有効期限: {until}（日本時間）まで\n\
             ・心当たりがない場合はリンクを開かず、管理者に連絡してください。\n\n\
             ----\n\n\
             Please set the password of your Kakunin staff account \"{username}\".\n\
             Open the link below and choose your own password; at your first sign-in you will enrol an authenticator app (TOTP).\n\
             Nobody but you, administrators included, ever learns your password.\n\n\
             {link}\n\n\
             - The link works once, until {until} (Japan time).\n\
             - If you did not expect this, do not open the link and tell your administrator.\n"
        ),
    }
}

/// The configured relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the transport (connections are opened when sending, and pooled).
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        settings.validate()?;
        let config = |e: lettre::transport::smtp::Error| MailError::Config(e.to_string());
        let tls = || {
            let mut params = TlsParameters::builder(settings.smtp_host.clone());
            if let Some(file) = &settings.ca_file {
                let pem = std::fs::read(file).map_err(|e| {
                    MailError::Config(format!("cannot read {}: {e}", file.display()))
                })?;
                params = params.add_root_certificate(Certificate::from_pem(&pem).map_err(config)?);
            }
            params.build_rustls().map_err(config)
        };
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host);
        let builder = match settings.security {
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
            SmtpSecurity::Starttls => builder.tls(Tls::Required(tls()?)),
            SmtpSecurity::None => builder,
        };
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(Duration::from_secs(15)));
        if let (Some(user), Some(file)) = (&settings.username, &settings.password_file) {
            let password = std::fs::read_to_string(file)
                .map_err(|e| MailError::Config(format!("cannot read {}: {e}", file.display())))?;
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.trim_end_matches(['\n', '\r']).to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from: settings
                .from
                .parse()
                .map_err(|_| MailError::Config("from".into()))?,
            reply_to: settings
                .reply_to
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| MailError::Config("reply_to".into()))?,
        })
    }

    /// Sends one letter to one address.
    pub async fn send(&self, to: &EmailAddress, letter: Letter) -> Result<(), MailError> {
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|_| MailError::Send("recipient address".into()))?;
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(reply_to) = &self.reply_to {
            message = message.reply_to(reply_to.clone());
        }
        let message = message
            .body(letter.body)
            .map_err(|_| MailError::Send("the message could not be built".into()))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| send_error(&e))
    }
}

/// What a failed send says, without the relay's reply text: a relay may echo the
/// recipient's address in it ("550 <taro@example.jp>: no such user"), and the error goes to
/// the log (the type's promise: no address, no link). The SMTP code and the kind of failure
/// are enough to act on.
fn send_error(e: &lettre::transport::smtp::Error) -> MailError {
    let kind = if e.is_permanent() {
        "refused permanently"
    } else if e.is_transient() {
        "refused for now"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_tls() {
        "TLS failed"
    } else {
        "could not be reached or failed"
    };
    MailError::Send(match e.status() {
        Some(code) => format!("{kind} (SMTP {code})"),
        None => kind.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str, security: SmtpSecurity) -> MailSettings {
        MailSettings {
            smtp_host: host.to_owned(),
            smtp_port: 25,
            security,
            username: None,
            password_file: None,
            from: "人事部 <jinji@example.co.jp>".to_owned(),
            reply_to: None,
            ca_file: None,
        }
    }

    #[test]
    fn clear_text_smtp_is_refused_beyond_this_host() {
        assert!(settings("127.0.0.1", SmtpSecurity::None).validate().is_ok());
        assert!(settings("localhost", SmtpSecurity::None).validate().is_ok());
        assert!(
            settings("smtp.example.jp", SmtpSecurity::None)
                .validate()
                .is_err()
        );
        assert!(
            settings("smtp.example.jp", SmtpSecurity::Starttls)
                .validate()
                .is_ok()
        );
        let mut bad = settings("smtp.example.jp", SmtpSecurity::Tls);
        bad.from = "not an address".to_owned();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn the_preview_is_the_letter_with_a_placeholder_for_the_link() {
        let preview = invitation_letter(
            "株式会社サンプル",
            "山田 太郎",
            InvitationKind::Employee,
            None,
            0,
        );
        let sent = invitation_letter(
            "株式会社サンプル",
            "山田 太郎",
            InvitationKind::Employee,
            Some("https://kakunin.example/i/TOKEN"),
            0,
        );
        assert_eq!(preview.subject, sent.subject);
        assert_eq!(
            preview
                .body
                .replace(LINK_PLACEHOLDER, "https://kakunin.example/i/TOKEN"),
            sent.body
        );
        assert!(sent.body.contains("山田 太郎 様") && sent.body.contains("Dear 山田 太郎"));
    }
}
