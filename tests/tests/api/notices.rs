//! Issue 18: alerts reach people and providers get reminders, with no personal data. An
//! alert goes by e-mail through the real STARTTLS relay (Debian's aiosmtpd) to the
//! auditors and the configured addresses, and by a webhook whose body is signed; a provider
//! e-mailed an invitation who has not handed in gets a reminder. The delivered bytes are
//! searched for the number, the name and the link token: none is there.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicU16, Ordering};

use storage::staff::Role;

use crate::helpers::*;
use crate::staff_helpers::*;

static HOOK_PORT: AtomicU16 = AtomicU16::new(0);
const SECRET: &str = "webhook-secret-for-the-test";

/// Every HTTP request received on `listener`: its head and body (each answered 200).
fn receive_all(listener: std::net::TcpListener) -> std::sync::mpsc::Receiver<(String, Vec<u8>)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("line");
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                head.push_str(&line);
            }
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().expect("length"))
                })
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            let mut stream = stream;
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .expect("answer");
            if tx.send((head, body)).is_err() {
                return;
            }
        }
    });
    rx
}

fn text_of(message: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(message)
        .expect("a message");
    format!(
        "{}\n{}",
        parsed.subject().unwrap_or_default(),
        parsed.body_text(0).unwrap_or_default()
    )
}

#[tokio::test]
async fn an_alert_and_a_reminder_reach_people_and_carry_no_personal_data() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    HOOK_PORT.store(
        listener.local_addr().expect("addr").port(),
        Ordering::SeqCst,
    );
    let hook = receive_all(listener);
    let Some((app, mut relay, maildir)) = spawn_with_relay_and(|s| {
        s.notices.alert_emails = vec!["security@example.jp".into()];
        s.notices.webhook_url = Some(format!(
            "http://127.0.0.1:{}/kakunin-alerts",
            HOOK_PORT.load(Ordering::SeqCst)
        ));
        s.notices.webhook_secret_file = Some(s.data_dir.join("hook.secret"));
    })
    .await
    else {
        return;
    };
    std::fs::write(app.data_path().join("hook.secret"), format!("{SECRET}\n")).expect("secret");

    // A provider e-mailed an invitation, who saved a number but has not handed in.
    let admin = enrolled(&app, "hr.admin", Role::Admin, &[]).await;
    let created = json(
        admin
            .post(&app, "/api/v1/admin/invitations")
            .json(&serde_json::json!({"send_email": true, "invitations": [
                {"employee_code": "R1", "name": "山田 太郎", "email": "taro@example.jp"}
            ]}))
            .send()
            .await
            .expect("invite"),
    )
    .await;
    let token = created["items"][0]["url"]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("token")
        .to_owned();
    assert_eq!(app.sign_in(&token, None).await.status(), 200);
    assert_eq!(app.save_self(NUMBER).await.status(), 200);
    let invitation_mail = delivered(&maildir);
    assert_eq!(invitation_mail.len(), 1, "the invitation went");

    // An alert: repeated sign-in failures.
    let stranger = app.new_client();
    for _ in 0..4 {
        sign_in_request(&app, &stranger, "hr.admin", "wrong password 123", None).await;
    }
    let rules = storage::alerts::AlertRules {
        sign_in_failure_threshold: 3,
        ..storage::alerts::AlertRules::default()
    };
    let raised = app.app.vault.raise_alerts(&rules, 0).await.expect("alerts");
    assert!(!raised.is_empty(), "an alert was raised");

    // Nothing is due yet for the reminder: one pass tells about the alert only.
    let sent = intake_api::notices::deliver(&app.app)
        .await
        .expect("deliver");
    assert_eq!(sent.alerts, raised.len());
    assert_eq!(sent.reminders, 0);
    // A second pass sends nothing again.
    let again = intake_api::notices::deliver(&app.app)
        .await
        .expect("deliver");
    assert_eq!(again, intake_api::notices::Sent::default());

    // Eight days on, the reminder is due (the first after seven days by default), once.
    let later = time::OffsetDateTime::now_utc().unix_timestamp() * 1000 + 8 * 24 * 3_600_000;
    assert_eq!(
        intake_api::notices::send_reminders(&app.app, later)
            .await
            .expect("remind"),
        1
    );
    assert_eq!(
        intake_api::notices::send_reminders(&app.app, later)
            .await
            .expect("remind"),
        0
    );

    let mails = delivered(&maildir);
    assert_eq!(
        mails.len(),
        1 + raised.len() + 1,
        "invitation, alert(s), reminder"
    );
    let texts: Vec<String> = mails.iter().map(|m| text_of(m)).collect();
    let alert = texts
        .iter()
        .find(|t| t.contains("Kakunin アラート"))
        .expect("the alert e-mail");
    assert!(
        alert.contains("サインイン失敗の繰り返し") && alert.contains("Repeated sign-in failures")
    );
    assert!(alert.contains(&format!("{}/s/alerts", app.settings.staff_url())));
    let reminder = texts
        .iter()
        .find(|t| t.contains("（再送）"))
        .expect("the reminder");
    assert!(reminder.contains("株式会社サンプル") && reminder.contains("まだ完了していません"));
    // What neither holds: the number (or its last digits), the name, the link's token.
    for text in [alert, reminder] {
        for secret in [
            NUMBER,
            &NUMBER[8..],
            "山田",
            "太郎",
            "hr.admin",
            token.as_str(),
            "/i/",
        ] {
            assert!(!text.contains(secret), "{secret:?} in a notice:\n{text}");
        }
    }
    for raw in &mails[1..] {
        let raw = String::from_utf8_lossy(raw);
        assert!(
            !raw.contains(&token) && !raw.contains(NUMBER),
            "nothing in the raw bytes either"
        );
    }

    // The webhook: the kind, the time, the link; signed with the shared secret.
    let (head, body) = hook
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("webhook received");
    let body_json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body_json["kind"], "sign_in_failures");
    assert!(
        body_json["raised_at"]
            .as_str()
            .expect("time")
            .ends_with("+09:00")
    );
    assert_eq!(
        body_json.as_object().map(|o| o.len()),
        Some(3),
        "nothing else: {body_json}"
    );
    let signature = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("x-kakunin-signature: ")
                .or_else(|| l.strip_prefix("X-Kakunin-Signature: "))
        })
        .expect("signed")
        .trim()
        .to_owned();
    assert_eq!(
        signature,
        intake_api::notices::signature(SECRET.as_bytes(), &body)
    );
    let _ = relay.kill();
}
