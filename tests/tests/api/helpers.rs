//! `spawn_app()`: a fresh data directory and database, the real application bound to port
//! 0 over TLS, and a client that trusts its development certificate and keeps cookies.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use intake_api::config::{Mode, Settings};
use storage::test_support::TestDatabase;
use tests::service::{self, client_trusting};

/// A number whose check digit is valid (the example of DESIGN.md).
pub const NUMBER: &str = "123456789018";
/// Another valid number, for a dependant.
pub const OTHER_NUMBER: &str = "987654321093";

/// Everything the service logged in this test process (one process per test under nextest).
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().expect("log lock")).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

#[derive(Clone)]
struct BufferWriter;

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_buffer()
            .lock()
            .expect("log lock")
            .extend_from_slice(buf);
        std::io::stderr().write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,sqlx=info,rustls=info,h2=info,hyper=info,actix_server=info")
            .with_writer(|| BufferWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    pub settings: Settings,
    pub db: TestDatabase,
    pub app: actix_web::web::Data<intake_api::startup::AppState>,
}

/// Options for [`spawn_with`].
pub struct Spawn {
    pub db: Db,
    pub mode: Mode,
    pub tweak: fn(&mut Settings),
}

impl Default for Spawn {
    fn default() -> Self {
        Self {
            db: Db::Sqlite,
            mode: Mode::All,
            tweak: |_| {},
        }
    }
}

/// The service on SQLite in `all` mode.
pub async fn spawn_app() -> TestApp {
    spawn_with(Spawn::default()).await.expect("spawn")
}

/// The service on PostgreSQL, or `None` when PostgreSQL is unavailable and not required.
pub async fn spawn_app_on_postgres() -> Option<TestApp> {
    spawn_with(Spawn {
        db: Db::Postgres,
        ..Spawn::default()
    })
    .await
}

pub async fn spawn_with(options: Spawn) -> Option<TestApp> {
    capture_logs();
    let db = match options.db {
        Db::Sqlite => TestDatabase::sqlite(),
        Db::Postgres => TestDatabase::postgres().await?,
    };
    let running = service::start(&db.url, |settings| {
        settings.mode = options.mode;
        (options.tweak)(settings);
    })
    .await;
    let client = client_trusting(&running.settings.tls_cert_path(), &running.base);
    Some(TestApp {
        base: running.base,
        client,
        data_dir: running.data_dir,
        settings: running.settings,
        db,
        app: running.state,
    })
}

/// Copies a directory tree (a data directory shipped to a second host).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

impl TestApp {
    /// Another phone: a client with its own cookies.
    pub fn new_client(&self) -> reqwest::Client {
        client_trusting(&self.settings.tls_cert_path(), &self.base)
    }

    /// The same app, its phone now a browser on the deployment's public name
    /// (`public_url`, shared by every instance behind one balancer) rather than on this
    /// instance's own port: for requests that go to several instances.
    pub fn behind_one_public_name(self) -> Self {
        let client = client_trusting(&self.settings.tls_cert_path(), &self.settings.public_url);
        Self { client, ..self }
    }

    /// A browser on the deployment's public name (see [`Self::behind_one_public_name`]).
    pub fn public_name_client(&self) -> reqwest::Client {
        client_trusting(&self.settings.tls_cert_path(), &self.settings.public_url)
    }

    /// A program rather than a browser: no `Origin`, so state-changing requests need the
    /// session's `X-CSRF-Token`.
    pub fn program_client(&self) -> reqwest::Client {
        service::program_client(&self.settings.tls_cert_path())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn data_path(&self) -> &Path {
        self.data_dir.path()
    }

    /// Creates an employee invitation; returns its token.
    pub async fn invite(&self, birth_date: Option<&str>) -> String {
        let new = storage::invitations::NewInvitation {
            kind: storage::invitations::InvitationKind::Employee,
            name: storage::person::PersonName::parse("山田 太郎").expect("name"),
            name_kana: None,
            email: None,
            employee_code: None,
            branch: None,
            birth_date: birth_date
                .map(|d| storage::person::BirthDate::parse(d, time_today()).expect("date")),
            valid_days: 30,
        };
        let created = self
            .app
            .vault
            .create_invitation(&storage::AuditContext::cli(), &new)
            .await
            .expect("invite");
        created.token.expose().to_owned()
    }

    pub async fn sign_in(&self, token: &str, birth_date: Option<&str>) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/provider/session"))
            .json(&serde_json::json!({ "token": token, "birth_date": birth_date }))
            .send()
            .await
            .expect("request")
    }

    /// Invites, signs in, and saves the provider's own details; returns the subject id.
    pub async fn signed_in_with_self(&self) -> String {
        let token = self.invite(None).await;
        assert_eq!(self.sign_in(&token, None).await.status(), 200);
        let response = self.save_self(NUMBER).await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        body["subject_id"].as_str().expect("id").to_owned()
    }

    pub async fn save_self(&self, number: &str) -> reqwest::Response {
        self.client
            .put(self.url("/api/v1/provider/subjects/self"))
            .json(&serde_json::json!({
                "number": number, "name": "山田 太郎", "name_kana": "やまだ たろう", "birth_date": "1990-04-01"
            }))
            .send()
            .await
            .expect("request")
    }

    pub async fn upload(&self, subject_id: &str, kind: &str, bytes: Vec<u8>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_owned())
            // The client's name and type are lies on purpose: the server must ignore them.
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime"),
            );
        self.client
            .post(self.url(&format!("/api/v1/provider/subjects/{subject_id}/documents")))
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// The last four digits of a person's saved number as the internal side derives them
    /// (providers are never shown any digit).
    pub async fn last4_of_subject(&self, subject_id: &str) -> Option<String> {
        use sqlx::Connection;
        application::numbers::index_pending(&self.app.app, None)
            .await
            .expect("derive");
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.db.url)
            .await
            .expect("db");
        let (submission,): (String,) =
            sqlx::query_as("SELECT submission_id FROM subjects WHERE id = $1")
                .bind(subject_id.to_owned())
                .fetch_one(&mut conn)
                .await
                .expect("subject row");
        let key = &self
            .app
            .internal
            .as_ref()
            .expect("internal keys")
            .number_index;
        let last4s = self
            .app
            .vault
            .number_last4s(key, submission.parse().expect("uuid"))
            .await
            .expect("last4s");
        last4s.get(&subject_id.parse().expect("uuid")).cloned()
    }

    /// The sealed blob of a stored document, straight from the database.
    pub async fn sealed_document(&self, document_id: &str) -> Vec<u8> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.db.url)
            .await
            .expect("db");
        let (blob,): (Vec<u8>,) = sqlx::query_as("SELECT sealed FROM documents WHERE id = $1")
            .bind(document_id.to_owned())
            .fetch_one(&mut conn)
            .await
            .expect("document row");
        blob
    }

    pub fn identity_path(&self) -> PathBuf {
        self.data_path().join("keys/identity.txt")
    }

    /// Opens a sealed blob with the standard `age` CLI, as an auditor would.
    pub fn open_with_age_cli(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        match tests::age::decrypt(&self.identity_path(), sealed) {
            Ok(plain) => Some(plain),
            Err(e) => {
                tool_missing("age", &e);
                None
            }
        }
    }
}

/// Says loudly that an independent tool is missing; fails when CI requires the tools.
pub fn tool_missing(tool: &str, error: &dyn std::fmt::Display) {
    if std::env::var("KAKUNIN_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{tool} is required (KAKUNIN_REQUIRE_TOOLS=1) but cannot run: {error}");
    }
    eprintln!(
        "\n*** SKIPPING a check: `{tool}` cannot run here ({error}); install it: {}\n",
        install_hint(tool)
    );
}

/// How to get a tool the tests use as an independent judge (Debian packages, as `.ci/run`).
fn install_hint(tool: &str) -> &'static str {
    match tool.split_whitespace().next().unwrap_or(tool) {
        "age" | "age-keygen" => "`apt-get install age`",
        "exiftool" => "`apt-get install libimage-exiftool-perl`",
        "python3" => "`apt-get install python3-aiosmtpd`",
        "gcore" => "`apt-get install gdb`",
        _ => "see .ci/run, which installs every tool the tests need",
    }
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let at = html.find(marker).expect("a csrf field") + marker.len();
    html[at..].split('"').next().expect("value").to_owned()
}

pub fn fixture(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

pub fn time_today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub async fn json(response: reqwest::Response) -> serde_json::Value {
    response.json().await.expect("json body")
}

/// A free local port (for a relay whose address the service's settings name).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Debian's aiosmtpd on `port`, demanding STARTTLS with `cert`/`key`, delivering into
/// the Maildir `maildir`.
pub fn start_relay(
    port: u16,
    cert: &std::path::Path,
    key: &std::path::Path,
    maildir: &std::path::Path,
) -> Option<std::process::Child> {
    let child = std::process::Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .arg("--tlscert")
        .arg(cert)
        .arg("--tlskey")
        .arg(key)
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            tool_missing("python3 -m aiosmtpd (Debian package python3-aiosmtpd)", &e);
            return None;
        }
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            tool_missing(
                "python3 -m aiosmtpd (Debian package python3-aiosmtpd)",
                &status,
            );
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    tool_missing("python3 -m aiosmtpd", &"did not start listening");
    None
}

pub fn delivered(maildir: &std::path::Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(maildir.join("new"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The relay's port, chosen before the service starts (its settings are fixed then; each
/// test runs in a process of its own under nextest).
static SMTP_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

/// A service whose `[mail]` goes through Debian's aiosmtpd on this host, demanding
/// STARTTLS and presenting the service's own development certificate, with the
/// organisation called 株式会社サンプル: the app, the relay (to stop) and its Maildir.
/// `None` where the relay cannot run here (see [`tool_missing`]).
pub async fn spawn_with_relay() -> Option<(TestApp, std::process::Child, PathBuf)> {
    spawn_with_relay_and(|_| {}).await
}

/// More settings for [`spawn_with_relay_and`] (a test runs in a process of its own).
static MORE_SETTINGS: std::sync::OnceLock<fn(&mut Settings)> = std::sync::OnceLock::new();

/// [`spawn_with_relay`] with `more` settings (applied first; the relay's then apply).
pub async fn spawn_with_relay_and(
    more: fn(&mut Settings),
) -> Option<(TestApp, std::process::Child, PathBuf)> {
    use std::sync::atomic::Ordering;
    SMTP_PORT.store(free_port(), Ordering::SeqCst);
    let _ = MORE_SETTINGS.set(more);
    let app = spawn_with(Spawn {
        tweak: |s| {
            if let Some(more) = MORE_SETTINGS.get() {
                more(s);
            }
            s.portal.organisation_name = "株式会社サンプル".into();
            s.mail = Some(intake_api::mail::MailSettings {
                smtp_host: "localhost".into(),
                smtp_port: SMTP_PORT.load(Ordering::SeqCst),
                security: intake_api::mail::SmtpSecurity::Starttls,
                username: None,
                password_file: None,
                from: "人事部 <jinji@example.jp>".into(),
                reply_to: None,
                // The relay presents the service's own development certificate.
                ca_file: Some(s.tls_cert_path()),
            });
        },
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let maildir = app.data_path().join("maildir");
    let relay = start_relay(
        SMTP_PORT.load(Ordering::SeqCst),
        &app.settings.tls_cert_path(),
        &app.settings.tls_key_path(),
        &maildir,
    )?;
    Some((app, relay, maildir))
}

/// Each scenario `async fn name(db: Db)` named here as two tests, `name::on_sqlite` and
/// `name::on_postgres` (the latter skipped without a server unless PostgreSQL is required).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::Db;

            #[tokio::test]
            async fn on_sqlite() {
                super::$name(Db::Sqlite).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                super::$name(Db::Postgres).await;
            }
        }
    )*};
}

pub(crate) use on_both_backends;
