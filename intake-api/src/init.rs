//! `kakunin init`: a new data directory with keys, a development TLS certificate, the
//! config file, the database and the first admin account.

use std::path::{Path, PathBuf};

use storage::staff::{NewStaffAccount, Role, Username};
use storage::{AuditContext, AuditEvent, KeyFiles, Vault};
use zeroize::Zeroizing;

use crate::config::Settings;

/// What `init` was asked for.
#[derive(Debug, Default)]
pub struct InitOptions {
    /// The first admin's username (default `admin`).
    pub admin: Option<String>,
    /// The first admin's password; generated when absent.
    pub admin_password: Option<Zeroizing<String>>,
    /// Protects the identity file with this passphrase.
    pub identity_passphrase: Option<Zeroizing<String>>,
    /// A database URL other than the embedded SQLite file.
    pub database_url: Option<String>,
}

/// What `init` created.
#[derive(Debug)]
pub struct Initialized {
    /// The file holding the first credentials (when a password was generated).
    pub first_run_file: Option<PathBuf>,
    /// The admin's username.
    pub admin: String,
}

/// Whether a data directory was initialized.
pub fn is_initialized(data_dir: &Path) -> bool {
    KeyFiles::new(data_dir.join("keys")).exist()
}

/// Creates everything a data directory needs. Refuses to overwrite existing keys.
pub async fn init(data_dir: &Path, options: InitOptions) -> anyhow::Result<Initialized> {
    // Checked before anything is written, so a refused name leaves no half-made directory.
    let admin = Username::parse(options.admin.as_deref().unwrap_or("admin"))
        .map_err(|e| anyhow::anyhow!("--admin: {e}"))?;
    storage::keys::create_private_dir(data_dir)?;
    let mut settings = Settings::load(data_dir)?;
    if options.database_url.is_some() {
        settings.database_url = options.database_url.clone();
    }
    let keys = KeyFiles::new(settings.keys_dir());
    let recipient = keys.create(options.identity_passphrase.as_deref().map(String::as_str))?;
    // The internal side's keys are written now, not at first start, so that a copy of the
    // keys directory carries them to every instance that serves staff (a public instance
    // gets recipient.txt alone).
    storage::InternalKeys::load(&settings.keys_dir())?;
    crate::tls::write_dev_certificate(&settings.tls_cert_path(), &settings.tls_key_path())?;
    let config_path = Settings::file_in(data_dir);
    if !config_path.exists() {
        let mut text = Settings::documented_defaults();
        if let Some(url) = &options.database_url {
            text = format!(
                "database_url = {}\n\n{text}",
                toml::Value::String(url.clone())
            );
        }
        std::fs::write(&config_path, text)?;
    }

    let vault = Vault::connect(&settings.database_url()).await?;
    let ctx = AuditContext::cli();
    vault
        .record(
            &ctx,
            AuditEvent::success(storage::audit::actions::INIT, None)
                .with_detail(serde_json::json!({"recipient": recipient})),
        )
        .await?;
    let mut first_run_file = None;
    if !vault.has_staff_accounts().await? {
        let (password, generated) = match options.admin_password {
            Some(p) => (p, false),
            None => (crate::password::generate_password(), true),
        };
        let password_hash = crate::password::hash_password(&password)?;
        vault
            .create_staff_account(
                &ctx,
                &NewStaffAccount {
                    username: admin.clone(),
                    role: Role::Admin,
                    password_hash,
                    scopes: vec![],
                },
            )
            .await?;
        if generated {
            let path = data_dir.join("FIRST-RUN.txt");
            let text = Zeroizing::new(format!(
                "Kakunin first run\n=================\n\nAdmin account: {admin}\nPassword:      {}\n\n\
                 Sign in, enrol TOTP, then delete this file.\n",
                password.as_str()
            ));
            storage::keys::write_private(&path, text.as_bytes())?;
            first_run_file = Some(path);
        }
    }
    vault.close().await;
    Ok(Initialized {
        first_run_file,
        admin: admin.as_str().to_owned(),
    })
}
