//! Notices that reach people (issue 18): each new alert by e-mail (through `[mail]`) to the
//! auditors' own addresses and `[notices] alert_emails`, and by an optional webhook; and
//! reminders to providers who were e-mailed an invitation and have not handed in.
//!
//! No notice carries personal data: an alert's says which kind of alert and when, with a
//! link to the staff desk's alert page (no actor, no count of whose records); a reminder
//! says that a submission is still open and until when, addressed to the same address as
//! the invitation, and carries neither the person's name nor their link (a reminder's
//! bytes are read by whoever reads that mailbox; the link is a bearer credential).
//! Every notice is claimed in the database before it is sent (`storage::notices`), so
//! several instances never send one twice; a failed delivery is released and retried.

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use storage::invitations::EmailAddress;
use storage::notices::{AlertNotice, ReminderNotice, ReminderRule};

use crate::mail::Letter;
use crate::startup::AppState;

/// `[notices]`: who is told about alerts, and when providers are reminded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticeSettings {
    /// Addresses told about every alert, besides the e-mail of each enabled auditor account.
    pub alert_emails: Vec<String>,
    /// An `https://` URL (plain `http://` only on a loopback address) that receives a JSON
    /// POST `{"kind", "raised_at", "link"}` per alert.
    pub webhook_url: Option<String>,
    /// A file holding a secret: the webhook's body is then signed in the header
    /// `X-Kakunin-Signature: sha256=<hex HMAC-SHA256 of the body>`.
    pub webhook_secret_file: Option<PathBuf>,
    /// Days after an invitation was e-mailed before the first reminder (0: no reminders).
    pub reminder_after_days: i64,
    /// Days between reminders.
    pub reminder_every_days: i64,
    /// At most this many reminders per invitation.
    pub reminder_max: i64,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            alert_emails: Vec::new(),
            webhook_url: None,
            webhook_secret_file: None,
            reminder_after_days: 7,
            reminder_every_days: 7,
            reminder_max: 2,
        }
    }
}

impl NoticeSettings {
    /// Checks the settings: addresses, the webhook's scheme, the reminder periods.
    pub fn validate(&self) -> Result<(), String> {
        for address in &self.alert_emails {
            EmailAddress::parse(address).map_err(|_| {
                format!("notices.alert_emails: {address:?} is not an e-mail address")
            })?;
        }
        if let Some(url) = &self.webhook_url {
            let loopback = ["http://127.0.0.1", "http://[::1]", "http://localhost"]
                .iter()
                .any(|p| url.starts_with(p));
            if !(url.starts_with("https://") || loopback) {
                return Err(
                    "notices.webhook_url must be https:// (http:// only on loopback)".into(),
                );
            }
        }
        if self.reminder_after_days < 0 || self.reminder_every_days < 1 || self.reminder_max < 0 {
            return Err(
                "notices: reminder_after_days ≥ 0, reminder_every_days ≥ 1, reminder_max ≥ 0"
                    .into(),
            );
        }
        Ok(())
    }

    fn reminders(&self) -> Option<ReminderRule> {
        const DAY: i64 = 24 * 60 * 60 * 1000;
        (self.reminder_after_days > 0 && self.reminder_max > 0).then(|| ReminderRule {
            after_ms: self.reminder_after_days * DAY,
            every_ms: self.reminder_every_days * DAY,
            max: self.reminder_max,
        })
    }
}

/// An alert kind in both languages, from the auditor's label table (the rule's code for
/// one it does not know).
fn alert_kind(rule: &str) -> (&str, &str) {
    portal::audit_desk::alert_rule_label(rule).unwrap_or((rule, rule))
}

/// The alert e-mail: the kind, the time, the link to the alert page. Nothing personal.
pub fn alert_letter(organisation: &str, rule: &str, raised_at: i64, link: &str) -> Letter {
    let (ja, en) = alert_kind(rule);
    let at = portal::staff::jst(raised_at);
    Letter {
        subject: format!("【{organisation}】Kakunin アラート / Kakunin alert: {ja}"),
        body: format!(
            "Kakunin で次のアラートが発生しました。\n\n\
             種類: {ja}（{rule}）\n\
             日時: {at}（日本時間）\n\n\
             内容は監査責任者の画面で確認してください（サインインが必要です）:\n{link}\n\n\
             このメールには個人情報を含めていません。\n\n\
             ----\n\n\
             Kakunin raised an alert.\n\n\
             Kind: {en} ({rule})\n\
             When: {at} (Japan time)\n\n\
             See it on the auditor's page (sign-in required):\n{link}\n\n\
             This e-mail holds no personal data.\n"
        ),
    }
}

/// The reminder e-mail: a submission is still open, until when; how to continue. No name,
/// no link (the invitation e-mail holds the person's own link).
pub fn reminder_letter(organisation: &str, expires_at: i64) -> Letter {
    let until = portal::staff::jst(expires_at);
    Letter {
        subject: format!(
            "【{organisation}】マイナンバーのご提出のお願い（再送） / Reminder: please provide your My Number"
        ),
        body: format!(
            "{organisation} からお送りしたマイナンバー（個人番号）のご提出が、まだ完了していません。\n\
             以前お送りしたメール「マイナンバーご提出のお願い」にあるリンクから、続きを入力してください。\n\
             リンクの有効期限: {until}（日本時間）まで\n\n\
             ・リンクが見つからない場合や期限が切れた場合は、人事担当者にお問い合わせください。\n\
             ・提出しない場合も、リンク先からその旨をお知らせいただけます。\n\
             ・このメールに個人番号や書類の写真を返信しないでください。\n\n\
             ----\n\n\
             The My Number (individual number) {organisation} asked you for has not been provided yet.\n\
             Please continue through the link in the earlier e-mail \"Please provide your My Number\".\n\
             The link works until {until} (Japan time).\n\n\
             - If you cannot find the link or it has expired, please ask your HR contact.\n\
             - If you choose not to provide your number, you can tell us through the link as well.\n\
             - Please never reply to this e-mail with your number or photos of your documents.\n"
        ),
    }
}

/// The re-confirmation reminder: the year's confirmation is still open, until when. No
/// name, no number, no link: it may be read by whoever reads that mailbox, and the link
/// (a bearer credential, stored hashed) is in the e-mail or on the sheet the employee
/// already has.
pub fn campaign_reminder_letter(organisation: &str, year: i32, links_until: i64) -> Letter {
    let until = portal::staff::jst(links_until);
    Letter {
        subject: format!(
            "【{organisation}】{year}年 年末調整: 扶養家族の確認のお願い（再送） / Reminder: year-end adjustment {year}"
        ),
        body: format!(
            "{organisation} からお願いしている {year}年の年末調整の確認（扶養家族など）に、まだ回答がありません。\n\
             以前お送りしたメール、またはお渡しした用紙にあるリンクから回答してください。変更がなければ「変更なし」を押すだけです。\n\
             リンクの有効期限: {until}（日本時間）まで\n\n\
             ・リンクが見つからない場合は、人事担当者にお問い合わせください。\n\
             ・このメールに個人番号や書類の写真を返信しないでください。\n\n\
             ----\n\n\
             {organisation} asked you to confirm your details (dependants and more) for the {year} year-end adjustment, and has no answer yet.\n\
             Please answer through the link in the earlier e-mail or on the sheet you were given; if nothing changed, one tap on \"No change\" is all.\n\
             The link works until {until} (Japan time).\n\n\
             - If you cannot find the link, please ask your HR contact.\n\
             - Please never reply to this e-mail with your number or photos of your documents.\n"
        ),
    }
}

/// The webhook's JSON body for an alert.
pub fn webhook_body(notice: &AlertNotice, link: &str) -> Vec<u8> {
    let raised_at = time::OffsetDateTime::from_unix_timestamp(notice.raised_at / 1000)
        .map(|t| t.to_offset(time::macros::offset!(+9)))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    serde_json::json!({ "kind": notice.rule, "raised_at": raised_at, "link": link })
        .to_string()
        .into_bytes()
}

/// `sha256=<hex>` of the body under the secret.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    )
}

/// What one pass of the job sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Alerts told about.
    pub alerts: usize,
    /// Reminders sent.
    pub reminders: usize,
}

/// One pass: every alert not yet told about, and the reminders due now.
pub async fn deliver(state: &AppState) -> Result<Sent, storage::StorageError> {
    Ok(Sent {
        alerts: deliver_alerts(state).await?,
        reminders: send_reminders(state, storage_now()).await?,
    })
}

fn storage_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() * 1000
}

async fn deliver_alerts(state: &AppState) -> Result<usize, storage::StorageError> {
    let settings = &state.settings.notices;
    if state.mailer.is_none() && settings.webhook_url.is_none() {
        return Ok(0);
    }
    let link = format!(
        "{}/s/alerts",
        state.settings.staff_url().trim_end_matches('/')
    );
    let mut recipients: Vec<String> = state.vault.staff_emails(&["auditor"]).await?;
    recipients.extend(settings.alert_emails.iter().cloned());
    recipients.sort();
    recipients.dedup();
    if state.mailer.is_none() {
        recipients.clear();
    }
    if recipients.is_empty() && settings.webhook_url.is_none() {
        // Nobody to tell yet: the alerts wait (the auditors' page shows them meanwhile).
        return Ok(0);
    }
    let mut told = 0;
    for notice in state.vault.claim_alert_notices(100).await? {
        let mut ok = true;
        let mut reached = 0;
        if let Some(mailer) = &state.mailer {
            let letter = alert_letter(
                &state.settings.portal.organisation_name,
                &notice.rule,
                notice.raised_at,
                &link,
            );
            for to in &recipients {
                let Ok(address) = EmailAddress::parse(to) else {
                    continue;
                };
                match mailer.send(&address, letter.clone()).await {
                    Ok(()) => reached += 1,
                    Err(e) => {
                        tracing::error!(error = %e, alert.rule = %notice.rule, "alert e-mail failed");
                        ok = false;
                    }
                }
            }
        }
        if let Some(url) = &settings.webhook_url {
            match post_webhook(
                url,
                settings.webhook_secret_file.as_deref(),
                &webhook_body(&notice, &link),
            )
            .await
            {
                Ok(()) => reached += 1,
                Err(e) => {
                    tracing::error!(error = %e, alert.rule = %notice.rule, "alert webhook failed");
                    ok = false;
                }
            }
        }
        // Delivered to everyone, or released to be tried again at the next pass (an
        // address that did get it may then get it twice: better than nobody).
        let delivered = ok.then_some(reached);
        state.vault.finish_alert_notice(&notice, delivered).await?;
        told += usize::from(delivered.is_some());
    }
    Ok(told)
}

async fn post_webhook(
    url: &str,
    secret_file: Option<&std::path::Path>,
    body: &[u8],
) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let mut request = client
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    if let Some(file) = secret_file {
        let secret = zeroize::Zeroizing::new(
            std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?,
        );
        let secret = secret.trim_ascii_end();
        request = request.header("X-Kakunin-Signature", signature(secret, body));
    }
    // Without the URL: the webhook's address may hold its own secret (a token in the path),
    // and this error goes to the log.
    let response = request
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {}", response.status()))
    }
}

/// Sends the reminders due at `now` (Unix ms); returns how many went.
pub async fn send_reminders(state: &AppState, now: i64) -> Result<usize, storage::StorageError> {
    let (Some(mailer), Some(rule)) = (&state.mailer, state.settings.notices.reminders()) else {
        return Ok(0);
    };
    let mut sent = 0;
    for notice in state.vault.claim_reminders(rule, now, 200).await? {
        let delivered = match EmailAddress::parse(&notice.email) {
            Ok(to) => mailer
                .send(
                    &to,
                    reminder_letter(&state.settings.portal.organisation_name, notice.expires_at),
                )
                .await
                .map_err(|e| tracing::error!(error = %e, "reminder e-mail failed"))
                .is_ok(),
            Err(_) => false,
        };
        if delivered {
            sent += 1;
        } else {
            release(state, &notice).await?;
        }
    }
    Ok(sent)
}

async fn release(state: &AppState, notice: &ReminderNotice) -> Result<(), storage::StorageError> {
    state.vault.release_reminder(notice).await
}
