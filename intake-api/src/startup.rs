//! Building and running the service: `Application::build(settings)` binds (port 0 in
//! tests) and reports the bound address; `run_until_stopped` serves until a signal.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use storage::{KeyFiles, Vault};

use crate::config::Settings;
use crate::pipeline::UploadPipeline;
use crate::ratelimit::RateLimits;
use crate::{routes, security_headers};

/// What every handler can reach: the application (the use cases' context: the store, the
/// keys this instance holds, the policy), and what only the web side needs.
#[derive(Debug)]
pub struct AppState {
    /// The use cases' context.
    pub app: application::App,
    /// Settings in effect.
    pub settings: Settings,
    /// The upload pipeline.
    pub pipeline: UploadPipeline,
    /// Rate limiters.
    pub limits: RateLimits,
    /// The SMTP relay for invitation e-mail, when `[mail]` is set (staff instances only).
    pub mailer: Option<crate::mail::Mailer>,
}

/// The web side's state is the application plus its own parts: handlers reach the store and
/// keys as `state.vault`, `state.keys` (to be called through `application` use cases).
impl std::ops::Deref for AppState {
    type Target = application::App;

    fn deref(&self) -> &application::App {
        &self.app
    }
}

/// A bound, not yet running, service.
pub struct Application {
    address: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("address", &self.address)
            .finish()
    }
}

/// Starting the service failed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Keys could not be loaded.
    #[error(transparent)]
    Keys(#[from] storage::keys::KeyError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// TLS material could not be loaded.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A public instance was given the identity.
    #[error(
        "mode public must not hold the sealing identity, but {0} exists: give the public instance a keys directory with recipient.txt and blind-index.key only"
    )]
    IdentityOnPublicInstance(String),
    /// A public instance was given a key only the internal side may hold.
    #[error(
        "mode public must not hold {0}: a public instance's keys directory holds recipient.txt alone (blind-index.key, totp.key and session.key stay on the internal side)"
    )]
    InternalKeyOnPublicInstance(String),
    /// This instance holds another internal key than the instances sharing its database.
    #[error(
        "{0} is not the key that the instances sharing this database use: copy the keys directory from the first instance (a different key would fail every staff sign-in or miss every duplicate here)"
    )]
    InternalKeyDiffers(String),
    /// The `[mail]` settings do not make a transport.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
}

impl Application {
    /// Validates settings, loads keys, opens the database, binds the listener.
    pub async fn build(
        settings: Settings,
        identity_passphrase: Option<&str>,
    ) -> Result<Self, StartError> {
        settings.validate()?;
        let key_files = KeyFiles::new(settings.keys_dir());
        if !settings.mode.holds_identity() && key_files.has_identity() {
            return Err(StartError::IdentityOnPublicInstance(
                key_files.identity_path().display().to_string(),
            ));
        }
        if !settings.mode.serves_staff()
            && let Some(path) = storage::InternalKeys::present_in(&settings.keys_dir()).first()
        {
            return Err(StartError::InternalKeyOnPublicInstance(
                path.display().to_string(),
            ));
        }
        let keys = key_files.load(settings.mode.holds_identity(), identity_passphrase)?;
        let internal = if settings.mode.serves_staff() {
            crate::password::prepare_dummy_hash();
            Some(storage::InternalKeys::load(&settings.keys_dir())?)
        } else {
            None
        };
        let mailer = match (&settings.mail, settings.mode.serves_staff()) {
            (Some(mail), true) => Some(crate::mail::Mailer::new(mail)?),
            _ => None,
        };
        let vault = match settings.mode {
            // The public side never migrates nor holds more than its grants (invariant 6).
            crate::config::Mode::Public => Vault::connect_public(&settings.database_url()).await?,
            _ => {
                let vault = Vault::connect(&settings.database_url()).await?;
                if let Some(role) = &settings.public_db_role {
                    vault.grant_public_role(role).await?;
                }
                vault
            }
        };
        if let Some(keys) = &internal
            && let Some(file) = vault.confirm_internal_keys(keys).await?
        {
            return Err(StartError::InternalKeyDiffers(
                settings.keys_dir().join(file).display().to_string(),
            ));
        }
        let listener = TcpListener::bind(settings.listen).map_err(|source| StartError::Bind {
            address: settings.listen,
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: settings.listen,
            source,
        })?;
        let tls = if settings.insecure_http {
            None
        } else {
            let client_ca = settings
                .payroll_client_ca
                .as_deref()
                .filter(|_| settings.mode.serves_staff());
            Some(crate::tls::server_config(
                &settings.tls_cert_path(),
                &settings.tls_key_path(),
                client_ca,
            )?)
        };
        let limits = RateLimits::new(&settings.rate_limits);
        limits.spawn_housekeeping();
        let state = web::Data::new(AppState {
            app: application::App {
                vault,
                keys,
                internal,
                policy: settings.policy(),
            },
            pipeline: UploadPipeline::new(&settings.upload, settings.decode_permits()),
            limits,
            mailer,
            settings,
        });
        let server = serve(listener, tls, state.clone())?;
        Ok(Self {
            address,
            server,
            state,
        })
    }

    /// The address actually bound (the port is chosen by the OS when 0 was asked).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The shared state (tests inspect the vault through it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests drain first. The audit chain
    /// head is anchored outside the database periodically and once more at the end.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let anchoring = tokio::spawn(anchor_audit_head_periodically(self.state.clone()));
        // The internal side's jobs: they read what a public instance's role cannot.
        let staff_jobs = if self.state.settings.mode.serves_staff() {
            vec![
                tokio::spawn(raise_alerts_periodically(self.state.clone())),
                tokio::spawn(deliver_notices_periodically(self.state.clone())),
                tokio::spawn(check_retention_daily(self.state.clone())),
                tokio::spawn(index_numbers_periodically(self.state.clone())),
            ]
        } else {
            Vec::new()
        };
        let result = self.server.await;
        anchoring.abort();
        for job in staff_jobs {
            job.abort();
        }
        anchor_audit_head(&self.state).await;
        self.state.vault.close().await;
        result
    }
}

async fn anchor_audit_head_periodically(state: web::Data<AppState>) {
    let period = std::time::Duration::from_secs(state.settings.audit_anchor_interval_seconds);
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        anchor_audit_head(&state).await;
    }
}

/// Evaluates the alert rules over the recent trail every minute; each new alert is also a
/// structured log event (`alert.rule`, `alert.actor`) for whatever watches the logs.
async fn raise_alerts_periodically(state: web::Data<AppState>) {
    let mut rules = match state.settings.alerts.rules() {
        Ok(rules) => rules,
        Err(e) => {
            tracing::error!(error = %e, "alert settings invalid; using the defaults");
            storage::alerts::AlertRules::default()
        }
    };
    rules.access_review_interval_months = state.app.policy.staff.access_review_interval_months;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
        match state
            .vault
            .raise_alerts(&rules, now - 2 * rules.window_millis)
            .await
        {
            Ok(alerts) => {
                for alert in alerts {
                    tracing::warn!(
                        alert.rule = %alert.rule,
                        alert.actor = %alert.actor,
                        alert.count = alert.count,
                        "security alert raised for auditors"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot evaluate alert rules"),
        }
    }
}

/// Tells people about new alerts and sends the reminders that are due, every minute
/// (`crate::notices`; nothing to do without `[mail]` or a webhook).
async fn deliver_notices_periodically(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match crate::notices::deliver(&state).await {
            Ok(sent) if sent != crate::notices::Sent::default() => tracing::info!(
                notices.alerts = sent.alerts,
                notices.reminders = sent.reminders,
                "notices sent"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot send notices"),
        }
    }
}

/// The daily retention job: what is overdue for disposal, and what falls due within the
/// notice period (30 days), as a structured log event; officers see the same list at
/// `GET /api/v1/officer/disposals/due`. Disposal itself always takes two people.
async fn check_retention_daily(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    loop {
        tick.tick().await;
        let today = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+9))
            .date();
        match state.vault.as_operator().disposal_list(today, 30).await {
            Ok(due) => {
                let overdue = due.iter().filter(|d| d.overdue).count();
                if !due.is_empty() {
                    tracing::warn!(
                        retention.overdue = overdue,
                        retention.within_notice = due.len() - overdue,
                        "submissions are due for disposal (two officers: propose, approve)"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot evaluate the retention periods"),
        }
    }
}

/// Derives the blind index and last four digits of numbers saved since the last round
/// (see `storage::number_index`): the public side cannot, by design. Officers' reads
/// derive their own submission's at once, so this only keeps the duplicate flags of the
/// queue current.
async fn index_numbers_periodically(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(
        state.settings.staff.index_interval_seconds.max(1),
    ));
    loop {
        tick.tick().await;
        if let Err(e) = application::numbers::index_pending(&state.app, None).await {
            tracing::error!(error = %e, "cannot derive the blind index of saved numbers");
        }
    }
}

async fn anchor_audit_head(state: &AppState) {
    let path = state.settings.audit_anchor_path();
    if let Err(e) = state.vault.anchor_audit_head(&path).await {
        tracing::error!(error = %e, path = %path.display(), "cannot anchor the audit chain head");
    }
}

fn serve(
    listener: TcpListener,
    tls: Option<rustls::ServerConfig>,
    state: web::Data<AppState>,
) -> Result<Server, StartError> {
    let address = listener.local_addr().map_err(|source| StartError::Bind {
        address: state.settings.listen,
        source,
    })?;
    let over_tls = tls.is_some();
    let max_body = state.settings.upload.max_body_bytes;
    let connections = state.settings.connections.clone();
    let limit = crate::slow_clients::ConnectionLimit::new(
        connections.max_per_address,
        state.settings.trusted_proxies.clone(),
    );
    let server = HttpServer::new(move || {
        // Middleware runs outside in: the last `wrap` sees the request first.
        App::new()
            .app_data(state.clone())
            .app_data(routes::json_config(routes::JSON_LIMIT))
            .app_data(web::PayloadConfig::new(max_body))
            .wrap(middleware::from_fn(crate::csrf::guard))
            .wrap(middleware::from_fn(crate::ratelimit::limit_general))
            .wrap(middleware::from_fn(crate::slow_clients::bound_body_time))
            .wrap(middleware::from_fn(crate::uniform_errors::uniform))
            .wrap(middleware::from_fn(crate::slow_clients::refuse_crowding))
            .wrap(security_headers::headers(over_tls))
            .wrap(
                // Path only (no query string) and never the invitation or activation
                // links, whose path is a bearer token.
                middleware::Logger::new("%a \"%{method}xi %U\" %s %b %Dms")
                    .custom_request_replace("method", |req| req.method().to_string())
                    .exclude_regex("^/i/")
                    .exclude_regex("^/s/activate/"),
            )
            .configure(|cfg| routes::configure(cfg, state.settings.mode))
    })
    .on_connect(move |connection, extensions| {
        crate::tls::note_peer_certificate(connection, extensions);
        limit.on_connect(connection, extensions);
    })
    // The request head only: the body's time is bounded by `slow_clients`.
    .client_request_timeout(std::time::Duration::from_secs(
        connections.header_timeout_seconds,
    ))
    .shutdown_timeout(30);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config),
        None => server.listen(listener),
    }
    .map_err(|source| StartError::Bind { address, source })?;
    Ok(server.run())
}

/// Shared access for handlers.
pub type State = web::Data<AppState>;
