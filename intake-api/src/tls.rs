//! TLS with rustls: the development certificate and the server configuration.
//!
//! Only TLS 1.2 and 1.3 with rustls' default (AEAD, forward-secret) suites, on the ring
//! provider. The development certificate covers `localhost`, `127.0.0.1` and `::1`.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Creating or loading TLS material failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Generating the development certificate failed.
    #[error("cannot generate the development certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PEM file could not be read or parsed.
    #[error("cannot read {path}: {reason}")]
    Pem {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls refused the certificate and key.
    #[error("TLS configuration refused: {0}")]
    Config(#[from] rustls::Error),
    /// Writing files failed.
    #[error(transparent)]
    Key(#[from] storage::keys::KeyError),
    /// The CA of payroll's client certificates is unusable.
    #[error("payroll_client_ca: {0}")]
    ClientCa(String),
}

/// The SHA-256 of the client certificate a connection presented (mutual TLS), kept with
/// the connection for the payroll pull to compare with the client's registered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCertificate(pub [u8; 32]);

/// Records the peer certificate of a TLS connection, if the client sent one.
pub fn note_peer_certificate(
    connection: &dyn std::any::Any,
    extensions: &mut actix_web::dev::Extensions,
) {
    use sha2::Digest;
    let Some(tls) = connection
        .downcast_ref::<actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>>()
    else {
        return;
    };
    if let Some(first) = tls.get_ref().1.peer_certificates().and_then(|c| c.first()) {
        extensions.insert(PeerCertificate(sha2::Sha256::digest(first.as_ref()).into()));
    }
}

/// The SHA-256 of the first certificate in a PEM file (a client's certificate, for
/// `kakunin payroll-client add --cert`).
pub fn certificate_sha256(path: &Path) -> Result<[u8; 32], TlsError> {
    use sha2::Digest;
    let first = CertificateDer::pem_file_iter(path)
        .map_err(|e| TlsError::Pem {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?
        .next()
        .ok_or_else(|| TlsError::Pem {
            path: path.display().to_string(),
            reason: "no certificate".into(),
        })?
        .map_err(|e| TlsError::Pem {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    Ok(sha2::Sha256::digest(first.as_ref()).into())
}

/// Writes a self-signed development certificate and its key (0600) for localhost.
pub fn write_dev_certificate(cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    // A bounded validity (the CA/Browser Forum's 398-day maximum, less a day): testssl.sh
    // flags rcgen's default of thousands of years as HIGH. `kakunin init` makes a new one.
    let mut params = rcgen::CertificateParams::new(names)?;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(397);
    let signing_key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&signing_key)?;
    if let Some(dir) = cert_path.parent() {
        storage::keys::create_private_dir(dir)?;
    }
    storage::keys::write_private(key_path, signing_key.serialize_pem().as_bytes())?;
    storage::keys::write_private(cert_path, cert.pem().as_bytes())?;
    Ok(())
}

/// The server configuration for a certificate chain and key in PEM files. With
/// `client_ca`, the server asks for a client certificate signed by that CA but does not
/// require one (phones and browsers connect without); the payroll pull then requires the
/// certificate a client was registered with.
pub fn server_config(
    cert_path: &Path,
    key_path: &Path,
    client_ca: Option<&Path>,
) -> Result<rustls::ServerConfig, TlsError> {
    let pem_error = |path: &Path, e: &dyn std::fmt::Display| TlsError::Pem {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let certs = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| pem_error(cert_path, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(cert_path, &e))?;
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| pem_error(key_path, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| pem_error(ca, &e))? {
                roots.add(cert.map_err(|e| pem_error(ca, &e))?)?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .map_err(|e| TlsError::ClientCa(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    // Server order of the (all AEAD) suites: testssl.sh rates client-chosen order HIGH.
    config.ignore_client_order = true;
    Ok(config)
}
