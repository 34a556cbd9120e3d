//! The real `kakunin` binary as a child process: started on a data directory, talked to
//! over TLS, killed (SIGKILL) or stopped (SIGTERM) like an operator or the OOM killer would.
//! Used by the crash-safety and graceful-shutdown tests, which cannot run in-process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Rate limits high enough that a burst of test uploads from 127.0.0.1 is not refused.
const GENEROUS_LIMITS: &str = "\n[rate_limits.general]\nper_minute = 100000\nburst = 10000\n\
    [rate_limits.sign_in]\nper_minute = 10000\nburst = 1000\n\
    [rate_limits.upload]\nper_minute = 100000\nburst = 10000\n";

/// The `kakunin` binary, as Cargo built it for this test run: the `kakunin-under-test`
/// target of this package is the same `main` over `intake_api::cli`, and Cargo builds it
/// (current, with the test build's features) before any integration test of the package
/// runs, so the README's one test command needs no build step before it.
pub fn kakunin_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_kakunin-under-test"))
}

/// Runs `kakunin ARGS --data-dir DIR [--database-url URL]`; returns status and stdout.
pub fn kakunin_cli(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> (i32, String) {
    let mut command = Command::new(kakunin_binary());
    command.args(args).arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let out = command.output().expect("run kakunin");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Initializes a data directory (admin password from a file) with generous rate limits
/// and any extra settings (TOML).
pub fn init_data_dir(data_dir: &Path, database_url: Option<&str>, extra_settings: &str) {
    let password = data_dir.with_extension("password");
    std::fs::write(&password, "correct horse battery staple\n").expect("password file");
    let password_arg = password.display().to_string();
    let (status, _) = kakunin_cli(
        data_dir,
        database_url,
        &[
            "init",
            "--admin",
            "admin",
            "--admin-password-file",
            &password_arg,
        ],
    );
    assert_eq!(status, 0, "kakunin init");
    let config = data_dir.join("kakunin.toml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str(extra_settings);
    text.push_str(GENEROUS_LIMITS);
    std::fs::write(&config, text).expect("config");
}

/// A running `kakunin serve`.
pub struct ServerProcess {
    child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// The server's stderr (its log), in a file next to the data directory.
    pub log_path: PathBuf,
}

impl ServerProcess {
    /// Starts `kakunin serve` on 127.0.0.1 with an OS-chosen port and waits for it to listen.
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        Self::start_with(data_dir, database_url, &[])
    }

    /// [`Self::start`] with more arguments to `kakunin serve`.
    pub fn start_with(data_dir: &Path, database_url: Option<&str>, extra: &[&str]) -> Self {
        let log_path = data_dir.with_extension(format!("{}.log", now_nanos()));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut command = Command::new(kakunin_binary());
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().expect("spawn kakunin serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("kakunin serve did not start listening within 60 s");
        let port = url.rsplit(':').next().expect("port").to_owned();
        Self {
            child,
            base: format!("https://localhost:{port}"),
            data_dir: data_dir.to_owned(),
            database_url: database_url.map(str::to_owned),
            log_path,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A phone: trusts the data directory's development certificate, keeps cookies.
    pub fn new_client(&self) -> reqwest::Client {
        let cert = std::fs::read(self.data_dir.join("tls/cert.pem")).expect("cert");
        let mut headers = reqwest::header::HeaderMap::new();
        // A browser on the deployment's pages says so (the CSRF check reads it): its
        // public name, which every instance sharing the data directory's settings knows.
        let public_url = intake_api::config::Settings::load(&self.data_dir)
            .map(|s| s.public_url)
            .unwrap_or_else(|_| self.base.clone());
        headers.insert(
            reqwest::header::ORIGIN,
            reqwest::header::HeaderValue::from_str(&public_url).expect("origin"),
        );
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&cert).expect("pem"))
            .cookie_store(true)
            .default_headers(headers)
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client")
    }

    /// Kills the process without warning (SIGKILL), as a crash or the OOM killer would.
    pub fn kill_hard(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// Asks the process to stop (SIGTERM); in-flight requests should drain first.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait_for_exit(mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("kakunin did not exit within {within:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Invites (through the CLI), signs a new phone in and saves the provider's own
    /// details; returns the phone and the subject id.
    pub async fn signed_in_provider(&self, number: &str) -> (reqwest::Client, String) {
        self.signed_in_provider_in(None, number).await
    }

    /// The same, for an employee of `branch`.
    pub async fn signed_in_provider_in(
        &self,
        branch: Option<&str>,
        number: &str,
    ) -> (reqwest::Client, String) {
        let mut args = vec![
            "invite",
            "--kind",
            "employee",
            "--name",
            "山田 太郎",
            "--json",
        ];
        if let Some(branch) = branch {
            args.extend(["--branch", branch]);
        }
        let (status, out) = kakunin_cli(&self.data_dir, self.database_url.as_deref(), &args);
        assert_eq!(status, 0, "kakunin invite");
        let invitation: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
        let token = invitation["token"].as_str().expect("token").to_owned();
        let phone = self.new_client();
        let signed_in = phone
            .post(self.url("/api/v1/provider/session"))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .expect("sign in");
        assert_eq!(signed_in.status(), 200);
        let saved = phone
            .put(self.url("/api/v1/provider/subjects/self"))
            .json(&serde_json::json!({
                "number": number, "name": "山田 太郎", "name_kana": "やまだ たろう", "birth_date": "1990-04-01"
            }))
            .send()
            .await
            .expect("save self");
        assert_eq!(saved.status(), 200);
        let body: serde_json::Value = saved.json().await.expect("json");
        let subject = body["subject_id"].as_str().expect("subject id").to_owned();
        (phone, subject)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Uploads one photo; `Ok(document_id)` only for an acknowledged (201) upload.
pub async fn upload_photo(
    phone: &reqwest::Client,
    url: &str,
    bytes: Vec<u8>,
) -> Result<String, String> {
    let form = reqwest::multipart::Form::new()
        .text("kind", "my_number_card_front")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    let response = phone
        .post(url)
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = response.status();
    if status != 201 {
        return Err(format!("status {status}"));
    }
    let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    body["document_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no document_id".to_owned())
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
