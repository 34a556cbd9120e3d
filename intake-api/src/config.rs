//! Every setting, declared once with its default and its meaning.
//!
//! Settings come from `DATA/kakunin.toml` (written by `kakunin init`, every key optional)
//! and are overridden by command-line flags. They are validated at start-up; a bad
//! setting stops the service with a message instead of surfacing later.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Which parts of Kakunin this instance serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Everything in one process (the embedded default).
    All,
    /// Portal and intake only; holds the recipient, never the identity.
    Public,
    /// Officers, auditors and admins; holds the identity; for an internal network.
    Internal,
}

impl Mode {
    /// Whether this instance may hold the sealing identity.
    pub fn holds_identity(self) -> bool {
        !matches!(self, Self::Public)
    }
    /// Whether providers are served here.
    pub fn serves_providers(self) -> bool {
        !matches!(self, Self::Internal)
    }
    /// Whether staff (officers, auditors, admins) are served here.
    pub fn serves_staff(self) -> bool {
        !matches!(self, Self::Public)
    }
}

/// Where `kakunin serve` remembers the public URL it serves under (see
/// [`Settings::remember_served_url`]).
const SERVED_URL_FILE: &str = "served-public-url";

/// The settings of one instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Data directory: keys, TLS files, the SQLite database. Set by `--data-dir`.
    #[serde(skip)]
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Database URL: `sqlite://…` (default: `DATA/kakunin.db`) or `postgres://…`.
    pub database_url: Option<String>,
    /// PostgreSQL only: the role public instances connect as (`kakunin db roles` prints
    /// how to create it). An instance serving staff re-applies its grants — only what the
    /// public side does, nothing of the staff side — after every migration, and a public
    /// instance connected as a role that can reach more refuses to start (invariant 6).
    pub public_db_role: Option<String>,
    /// all | public | internal.
    pub mode: Mode,
    /// Serve plain HTTP (loopback addresses only). For development behind nothing.
    pub insecure_http: bool,
    /// The address providers reach, used in invitation links.
    pub public_url: String,
    /// The URL staff reach the internal instance's pages at (activation links); default:
    /// `public_url`.
    pub staff_url: Option<String>,
    /// TLS certificate chain (PEM). Default: `DATA/tls/cert.pem`.
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM). Default: `DATA/tls/key.pem`.
    pub tls_key: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The upload pipeline's limits.
    pub upload: UploadSettings,
    /// Rate limits per client address.
    pub rate_limits: RateLimitSettings,
    /// Bounds on slow clients and on the connections one address holds.
    pub connections: ConnectionSettings,
    /// Minutes of inactivity after which a provider session ends.
    pub provider_session_idle_minutes: i64,
    /// Days an invitation link works.
    pub invitation_valid_days: i64,
    /// Append-only file outside the database that receives the audit chain head.
    /// Default: `DATA/audit-anchor.log`. Put it on another host or an append-only mount.
    pub audit_anchor_file: Option<PathBuf>,
    /// Seconds between two anchorings of the audit chain head.
    pub audit_anchor_interval_seconds: u64,
    /// Staff sign-in, sessions and the officer queue.
    pub staff: StaffSettings,
    /// Payroll's age recipient (`age1…`, from payroll's `age-keygen`): exports are sealed
    /// to it until two admins approve another on the admin's desk (`/s/payroll-clients`),
    /// which then takes precedence without a restart. No release can be approved until
    /// one of the two is set.
    pub payroll_recipient: Option<String>,
    /// What the provider portal tells people before they enter anything.
    pub portal: PortalSettings,
    /// The rules that raise alerts for auditors (evaluated every minute by `serve`).
    pub alerts: AlertSettings,
    /// The SMTP relay invitation links are e-mailed through; without it, admins print them.
    pub mail: Option<crate::mail::MailSettings>,
    /// Who is told about alerts (e-mail, webhook), and when providers are reminded.
    pub notices: crate::notices::NoticeSettings,
    /// CA certificate(s) (PEM) signing payroll systems' TLS client certificates. When set
    /// on an instance serving staff, TLS asks for (but does not require) a client
    /// certificate, and a payroll client registered with `--cert` must present it.
    pub payroll_client_ca: Option<PathBuf>,
}

/// Alert rules over the audit trail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// Window of the counting rules, in minutes.
    pub window_minutes: i64,
    /// Unseals (numbers or images) by one account within a window that raise an alert.
    pub unseal_threshold: i64,
    /// Refused sign-ins by one account or address within a window that raise an alert.
    pub sign_in_failure_threshold: i64,
    /// Working hours in Japan time, `[start, end)`: an unseal outside them is an alert.
    pub working_hours_jst: [u8; 2],
    /// Days when releases are handed to payroll (`mon` … `sun`, Japan time)…
    pub export_days: Vec<String>,
    /// …and hours (`[start, end)`, Japan time): an export outside them is an alert.
    pub export_hours_jst: [u8; 2],
    /// The day of the month (Japan time) by which the auditor signs off the previous month's
    /// review; after it, an unreviewed month is an alert (default 10).
    pub audit_review_due_day: u8,
}

impl Default for AlertSettings {
    fn default() -> Self {
        let rules = storage::alerts::AlertRules::default();
        Self {
            window_minutes: rules.window_millis / 60_000,
            unseal_threshold: rules.unseal_threshold,
            sign_in_failure_threshold: rules.sign_in_failure_threshold,
            working_hours_jst: [rules.working_hours_jst.0, rules.working_hours_jst.1],
            export_days: ["mon", "tue", "wed", "thu", "fri"]
                .map(str::to_owned)
                .to_vec(),
            export_hours_jst: [rules.export_hours_jst.0, rules.export_hours_jst.1],
            audit_review_due_day: rules.audit_review_due_day,
        }
    }
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl AlertSettings {
    /// The rules these settings describe; an unknown day name is an error.
    pub fn rules(&self) -> Result<storage::alerts::AlertRules, String> {
        let mut export_weekdays = 0u8;
        for day in &self.export_days {
            let index = WEEKDAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(day))
                .ok_or_else(|| format!("alerts.export_days: unknown day {day:?} (mon … sun)"))?;
            export_weekdays |= 1 << index;
        }
        Ok(storage::alerts::AlertRules {
            window_millis: self.window_minutes.max(1) * 60_000,
            unseal_threshold: self.unseal_threshold,
            sign_in_failure_threshold: self.sign_in_failure_threshold,
            working_hours_jst: (self.working_hours_jst[0], self.working_hours_jst[1]),
            export_weekdays,
            export_hours_jst: (self.export_hours_jst[0], self.export_hours_jst[1]),
            audit_review_due_day: self.audit_review_due_day.clamp(1, 28),
            // The review interval is a staff setting (`[staff]
            // access_review_interval_months`); `serve` puts it in.
            ..storage::alerts::AlertRules::default()
        })
    }
}

/// Staff sign-in, sessions and the officer queue: the application's policy, read here.
pub type StaffSettings = application::StaffPolicy;

/// What the portal's landing page says: who asks, and the purposes of use (利用目的),
/// shown before anything is entered.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalSettings {
    /// The organisation asking for the number, as the provider knows it.
    pub organisation_name: String,
    /// The purposes of use, each in Japanese and English.
    pub purposes: Vec<portal::pages::Purpose>,
    /// Whether employees must give their address too (payees always do: every 支払調書
    /// carries it). Off by default: payroll usually holds employees' addresses already.
    pub employee_address_required: bool,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            organisation_name: "人事・総務部 マイナンバー事務取扱担当".to_owned(),
            purposes: portal::pages::default_purposes(),
            employee_address_required: false,
        }
    }
}

/// Limits of the upload pipeline (OWASP ASVS 5.0 V5).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadSettings {
    /// Largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Largest image accepted, in pixels (width × height), checked before decoding.
    pub max_pixels: u64,
    /// Longest width or height accepted, in pixels, checked before decoding.
    pub max_edge: u32,
    /// Largest ratio of the longer side to the shorter one, checked before decoding.
    pub max_aspect_ratio: u32,
    /// Memory the decoder may allocate for one image, in bytes (estimated from the
    /// headers before decoding).
    pub max_decoder_bytes: u64,
    /// Long edge of the stored image, in pixels (never upscaled).
    pub long_edge: u32,
    /// JPEG quality of the stored image.
    pub jpeg_quality: u8,
    /// Images decoded at the same time (0: one per CPU core, as many as the memory budget
    /// holds).
    pub max_concurrent_decodes: usize,
    /// Memory all concurrent decodes together may take, in bytes: each takes at most
    /// what the limits above allow (`imaging::budget`), so this caps the decodes at once.
    pub memory_budget_bytes: u64,
    /// Seconds one image may take before the upload is refused.
    pub decode_timeout_seconds: u64,
}

/// Requests per client address. `per_minute` refills steadily; `burst` absorbs peaks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once.
    pub burst: u32,
}

/// Rate limits by endpoint class.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Every public endpoint.
    pub general: Quota,
    /// Provider sign-in (invitation token and birth date).
    pub sign_in: Quota,
    /// Document uploads, per client address.
    pub upload: Quota,
    /// Document uploads into one submission (one invitation link), whatever the address.
    pub upload_per_invitation: Quota,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            database_url: None,
            public_db_role: None,
            mode: Mode::All,
            insecure_http: false,
            public_url: "https://localhost:8443".to_owned(),
            staff_url: None,
            tls_cert: None,
            tls_key: None,
            trusted_proxies: Vec::new(),
            upload: UploadSettings::default(),
            rate_limits: RateLimitSettings::default(),
            connections: ConnectionSettings::default(),
            provider_session_idle_minutes: 30,
            invitation_valid_days: 30,
            audit_anchor_file: None,
            audit_anchor_interval_seconds: 10,
            staff: StaffSettings::default(),
            payroll_recipient: None,
            portal: PortalSettings::default(),
            alerts: AlertSettings::default(),
            mail: None,
            notices: crate::notices::NoticeSettings::default(),
            payroll_client_ca: None,
        }
    }
}

impl UploadSettings {
    /// The scrubber's limits from these settings.
    pub fn scrub_limits(&self) -> imaging::scrub::ScrubLimits {
        imaging::scrub::ScrubLimits {
            max_pixels: self.max_pixels,
            max_edge: self.max_edge,
            max_aspect_ratio: self.max_aspect_ratio,
            max_alloc_bytes: self.max_decoder_bytes,
            long_edge: self.long_edge,
            jpeg_quality: self.jpeg_quality,
        }
    }

    /// How many decodes fit in the memory budget, each holding an upload of up to
    /// `max_body_bytes` and the most the limits let a scrub take.
    pub fn decodes_within_budget(&self) -> usize {
        self.scrub_limits()
            .scrubs_within(self.memory_budget_bytes, self.max_body_bytes as u64)
    }
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 20 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_edge: 16_384,
            max_aspect_ratio: 20,
            max_decoder_bytes: 288 * 1024 * 1024,
            long_edge: 2400,
            jpeg_quality: 85,
            max_concurrent_decodes: 0,
            // With the limits above a decode takes at most 308 MiB and the buffer pool
            // 128 MiB: two decodes at once, and a running instance stays within 1 GiB.
            memory_budget_bytes: 768 * 1024 * 1024,
            decode_timeout_seconds: 20,
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            general: Quota {
                per_minute: 600,
                burst: 120,
            },
            sign_in: Quota {
                per_minute: 10,
                burst: 10,
            },
            upload: Quota {
                per_minute: 30,
                burst: 15,
            },
            upload_per_invitation: Quota {
                per_minute: 20,
                burst: 20,
            },
        }
    }
}

/// Bounds on slow clients and crowding addresses (see `slow_clients`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Seconds a client has to send a request's headers (408 beyond).
    pub header_timeout_seconds: u64,
    /// Seconds any request body may take before the floor rate applies.
    pub body_grace_seconds: u64,
    /// The slowest average rate a body may arrive at after the grace, in bytes per second
    /// (16 KiB/s: a 20 MB photo over a poor mobile link still gets through).
    pub body_min_bytes_per_second: u64,
    /// Connections one client address may hold open at once (503 beyond); trusted
    /// proxies are exempt. Offices behind one NAT address share it: size it for them.
    pub max_per_address: usize,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            header_timeout_seconds: 10,
            body_grace_seconds: 30,
            body_min_bytes_per_second: 16 * 1024,
            max_per_address: 128,
        }
    }
}

/// A setting that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML for these settings.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// A value is out of range or inconsistent.
    #[error("invalid setting: {0}")]
    Invalid(String),
}

impl Settings {
    /// The config file of a data directory.
    pub fn file_in(data_dir: &Path) -> PathBuf {
        data_dir.join("kakunin.toml")
    }

    /// Reads `DATA/kakunin.toml` if it exists, else the defaults.
    pub fn load(data_dir: &Path) -> Result<Self, ConfigError> {
        let mut settings = Self::load_configured(data_dir)?;
        if let Ok(url) = std::fs::read_to_string(data_dir.join(SERVED_URL_FILE)) {
            let url = url.trim();
            if url.starts_with("https://") || url.starts_with("http://") {
                settings.public_url = url.to_owned();
            }
        }
        Ok(settings)
    }

    /// Remembers the public URL `kakunin serve` serves under when it is not the configured
    /// one (`--public-url`, or plain HTTP's own address), so that `kakunin invite` and the
    /// other commands — which read [`Settings::load`] — print links that open; forgets it
    /// when the service runs on the configured one again (issue 18).
    pub fn remember_served_url(&self, configured: &str) -> std::io::Result<()> {
        let path = self.data_dir.join(SERVED_URL_FILE);
        if self.public_url == configured {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        } else {
            std::fs::write(&path, format!("{}\n", self.public_url))
        }
    }

    /// The settings as the configuration file says, without the URL `kakunin serve`
    /// remembered (what `kakunin serve` itself starts from).
    pub fn load_configured(data_dir: &Path) -> Result<Self, ConfigError> {
        let path = Self::file_in(data_dir);
        let mut settings = match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        settings.data_dir = data_dir.to_owned();
        Ok(settings)
    }

    /// The rules' settings, for the application layer.
    pub fn policy(&self) -> application::Policy {
        application::Policy {
            staff: self.staff.clone(),
            payroll_recipient: self.payroll_recipient.clone(),
            release_purposes: self.portal.purposes.iter().map(|p| p.ja.clone()).collect(),
            employee_address_required: self.portal.employee_address_required,
            provider_session_idle_minutes: self.provider_session_idle_minutes,
            invitation_valid_days: self.invitation_valid_days,
        }
    }

    /// Checks the settings together; call after applying command-line overrides.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.insecure_http && !self.listen.ip().is_loopback() {
            return invalid(
                "--insecure-http serves plain HTTP and is refused on a non-loopback address; \
                 listen on 127.0.0.1 or ::1, or use TLS",
            );
        }
        if let Some(recipient) = &self.payroll_recipient
            && storage::sealing::Sealer::from_recipients_file(recipient).is_err()
        {
            return invalid("payroll_recipient must be an age X25519 recipient (age1…)");
        }
        self.alerts.rules().map_err(ConfigError::Invalid)?;
        if let Some(role) = &self.public_db_role
            && !storage::db_roles::is_role_name(role)
        {
            return invalid(
                "public_db_role must be a PostgreSQL role name of lowercase letters, digits and _",
            );
        }
        if self.staff.step_up_failures < 1 {
            return invalid("staff.step_up_failures must be at least 1");
        }
        self.notices.validate().map_err(ConfigError::Invalid)?;
        if let Some(mail) = &self.mail {
            mail.validate()
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        }
        let u = &self.upload;
        if u.max_body_bytes < 1024 || u.max_body_bytes > 200 * 1024 * 1024 {
            return invalid("upload.max_body_bytes must be between 1 KiB and 200 MiB");
        }
        if u.max_pixels < 1_000_000 || u.long_edge < 800 || u.long_edge > 8000 {
            return invalid(
                "upload.max_pixels must be ≥ 1 MP and upload.long_edge between 800 and 8000",
            );
        }
        if u.max_edge < u.long_edge || u.max_edge > u32::from(u16::MAX) || u.max_aspect_ratio < 1 {
            return invalid(
                "upload.max_edge must be between upload.long_edge and 65535, \
                 and upload.max_aspect_ratio at least 1",
            );
        }
        let fit = u.decodes_within_budget();
        if fit == 0 || u.max_concurrent_decodes > fit {
            let need = u.scrub_limits().peak_bytes(u.max_body_bytes as u64);
            return Err(ConfigError::Invalid(format!(
                "upload.memory_budget_bytes ({} MiB) holds {fit} decode(s) at these limits \
                 ({} MiB each, plus {} MiB of buffer pool); upload.max_concurrent_decodes \
                 is {}: raise the budget or lower the limits",
                u.memory_budget_bytes >> 20,
                need >> 20,
                imaging::budget::POOL_BYTES >> 20,
                u.max_concurrent_decodes,
            )));
        }
        if !(50..=95).contains(&u.jpeg_quality) {
            return invalid("upload.jpeg_quality must be between 50 and 95");
        }
        if u.decode_timeout_seconds == 0 {
            return invalid("upload.decode_timeout_seconds must be positive");
        }
        for (name, q) in [
            ("general", self.rate_limits.general),
            ("sign_in", self.rate_limits.sign_in),
            ("upload", self.rate_limits.upload),
            (
                "upload_per_invitation",
                self.rate_limits.upload_per_invitation,
            ),
        ] {
            if q.per_minute == 0 || q.burst == 0 {
                return Err(ConfigError::Invalid(format!(
                    "rate_limits.{name} must allow at least one request"
                )));
            }
        }
        let c = &self.connections;
        if c.header_timeout_seconds == 0
            || c.body_grace_seconds == 0
            || c.body_min_bytes_per_second == 0
            || c.max_per_address == 0
        {
            return invalid("every value of [connections] must be positive");
        }
        if self.audit_anchor_interval_seconds == 0 {
            return invalid("audit_anchor_interval_seconds must be positive");
        }
        if self.provider_session_idle_minutes < 1 || self.invitation_valid_days < 1 {
            return invalid(
                "provider_session_idle_minutes and invitation_valid_days must be positive",
            );
        }
        if self.portal.purposes.is_empty()
            || self
                .portal
                .purposes
                .iter()
                .any(|p| p.ja.trim().is_empty() || p.en.trim().is_empty())
        {
            return invalid("portal.purposes must list at least one purpose, each with ja and en");
        }
        if !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://")) {
            return invalid("public_url must be an http(s) URL");
        }
        Ok(())
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kakunin.db").display()
            )
        })
    }

    /// The audit anchor file in effect.
    pub fn audit_anchor_path(&self) -> PathBuf {
        self.audit_anchor_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-anchor.log"))
    }

    /// The keys directory.
    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// The TLS certificate in effect.
    pub fn tls_cert_path(&self) -> PathBuf {
        self.tls_cert
            .clone()
            .unwrap_or_else(|| self.data_dir.join("tls/cert.pem"))
    }

    /// The TLS key in effect.
    pub fn tls_key_path(&self) -> PathBuf {
        self.tls_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("tls/key.pem"))
    }

    /// The decode concurrency in effect: the configured number, or one per core, but never
    /// more than the memory budget holds (so a larger host does not mean more memory per
    /// upload burst), and at least one.
    pub fn decode_permits(&self) -> usize {
        let wanted = match self.upload.max_concurrent_decodes {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        wanted.min(self.upload.decodes_within_budget()).max(1)
    }

    /// The staff desk's address (activation links): `staff_url`, or `public_url` when the
    /// staff pages are served under the same name.
    pub fn staff_url(&self) -> &str {
        self.staff_url.as_deref().unwrap_or(&self.public_url)
    }

    /// The invitation link for a token.
    pub fn invitation_url(&self, token: &str) -> String {
        format!("{}/i/{token}", self.public_url.trim_end_matches('/'))
    }

    /// The text of a config file with every setting at its default, commented.
    pub fn documented_defaults() -> String {
        let defaults = toml::to_string(&Self::default()).unwrap_or_default();
        let mut out = String::from(
            "# Kakunin settings. Every key is optional; the values shown are the defaults.\n\
             # Command-line flags (kakunin serve --help) override this file.\n\n",
        );
        for line in defaults.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str("# ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults_parse_back_to_the_defaults() {
        let text = Settings::documented_defaults();
        let uncommented: String = text
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains('=') || l.starts_with('['))
                    .unwrap_or(l)
            })
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let parsed: Settings = toml::from_str(&uncommented).expect("parses");
        assert_eq!(parsed.listen, Settings::default().listen);
        assert_eq!(parsed.upload.long_edge, 2400);
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let mut s = Settings {
            insecure_http: true,
            ..Settings::default()
        };
        assert!(s.validate().is_ok());
        s.listen = "0.0.0.0:8080".parse().expect("addr");
        assert!(s.validate().is_err());
    }

    #[test]
    fn decodes_at_once_fit_the_memory_budget_whatever_the_core_count() {
        let defaults = Settings::default();
        assert!(defaults.validate().is_ok());
        let per_decode = defaults
            .upload
            .scrub_limits()
            .peak_bytes(defaults.upload.max_body_bytes as u64);
        let fit = defaults.upload.decodes_within_budget();
        assert_eq!(fit, 2, "{} MiB per decode", per_decode >> 20);
        assert!(defaults.decode_permits() <= fit);
        // Within the 1 GiB a running instance is held to, with room for the rest of it.
        assert!(fit as u64 * per_decode + imaging::budget::POOL_BYTES <= 768 << 20);

        // Asking for more decodes than the budget holds fails at start-up.
        let mut s = Settings::default();
        s.upload.max_concurrent_decodes = 64;
        assert!(s.validate().is_err());
        // A budget too small for one decode too.
        let mut s = Settings::default();
        s.upload.memory_budget_bytes = 256 << 20;
        assert!(s.validate().is_err());
        // A larger budget holds more.
        let mut s = Settings::default();
        s.upload.memory_budget_bytes = 4 << 30;
        s.upload.max_concurrent_decodes = 8;
        assert!(s.validate().is_ok());
        assert_eq!(s.decode_permits(), 8);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Settings>("lissen = \"x\"").is_err());
    }
}
