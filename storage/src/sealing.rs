//! Sealing with age: the only way plaintext numbers and images reach storage.
//!
//! A [`Sealer`] holds recipients (public keys) and can only encrypt; a public-facing
//! instance holds nothing else. An [`Unsealer`] holds the X25519 identity and lives only
//! on the internal instance. Unsealing takes an [`AuditReceipt`], which only a committed
//! audit entry can produce: no unseal can happen before its audit entry exists.
//!
//! What comes out opens with the standard tool: `age -d -i identity.txt blob.age`.

use std::io::{Read, Write};
use std::iter;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::audit::AuditReceipt;

/// Sealing or unsealing failed. Never carries plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// No recipient was configured.
    #[error("no age recipient configured")]
    NoRecipient,
    /// A recipient or identity string did not parse.
    #[error("invalid age key: {0}")]
    InvalidKey(&'static str),
    /// The age library failed to encrypt.
    #[error("age encryption failed")]
    Encrypt(#[source] std::io::Error),
    /// The ciphertext did not open with our identity (wrong key, truncated, tampered).
    #[error("age decryption failed")]
    Decrypt,
}

/// Encrypts to a fixed set of age X25519 recipients.
#[derive(Clone)]
pub struct Sealer {
    recipients: Vec<age::x25519::Recipient>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("recipients", &self.recipients.len())
            .finish()
    }
}

impl Sealer {
    /// Reads recipients from the text of a recipients file: one `age1…` per line,
    /// blank lines and `#` comments ignored (the format `age -R` reads).
    pub fn from_recipients_file(text: &str) -> Result<Self, SealError> {
        let recipients = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(age::x25519::Recipient::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map_err(SealError::InvalidKey)?;
        if recipients.is_empty() {
            return Err(SealError::NoRecipient);
        }
        Ok(Self { recipients })
    }

    /// The recipients, as `age1…` strings.
    pub fn recipients(&self) -> Vec<String> {
        self.recipients.iter().map(ToString::to_string).collect()
    }

    /// Encrypts `plaintext` to every recipient. The result is a binary age file.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        seal_to(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
            plaintext,
        )
    }
}

/// Encrypts to the given recipients: shared by sealing at rest and by exports sealed to
/// another party's key (payroll).
pub fn seal_to<'a>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
    plaintext: &[u8],
) -> Result<Vec<u8>, SealError> {
    let encryptor =
        age::Encryptor::with_recipients(recipients).map_err(|_| SealError::NoRecipient)?;
    // age adds ~200 bytes of header and 16 bytes per 64 KiB chunk.
    let mut sealed = Vec::with_capacity(plaintext.len() + plaintext.len() / 4096 + 512);
    let mut writer = encryptor
        .wrap_output(&mut sealed)
        .map_err(SealError::Encrypt)?;
    writer.write_all(plaintext).map_err(SealError::Encrypt)?;
    writer.finish().map_err(SealError::Encrypt)?;
    Ok(sealed)
}

/// Decrypts with the sealing identity. Exists only on instances that may unseal. Cloned
/// to unseal on a blocking thread (the key material wipes itself when dropped).
#[derive(Clone)]
pub struct Unsealer {
    identity: age::x25519::Identity,
}

impl std::fmt::Debug for Unsealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unsealer(***)")
    }
}

impl Unsealer {
    /// Reads an identity file in `age-keygen` format (comments and one
    /// `AGE-SECRET-KEY-1…` line).
    pub fn from_identity_file(text: &str) -> Result<Self, SealError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .ok_or(SealError::InvalidKey("no AGE-SECRET-KEY line"))?;
        let identity = age::x25519::Identity::from_str(line).map_err(SealError::InvalidKey)?;
        Ok(Self { identity })
    }

    /// The recipient (public key) matching this identity.
    pub fn recipient(&self) -> String {
        self.identity.to_public().to_string()
    }

    /// Decrypts `sealed`. The receipt proves the audit entry for this unseal committed.
    pub fn unseal(
        &self,
        sealed: &[u8],
        _receipt: &AuditReceipt,
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        self.open(sealed)
    }

    /// Whether `sealed` was sealed to this identity. Only the header is opened (the file
    /// key is unwrapped); no plaintext is produced, so no audit entry is needed.
    pub fn can_open(&self, sealed: &[u8]) -> bool {
        age::Decryptor::new_buffered(sealed)
            .and_then(|d| d.decrypt(iter::once(&self.identity as &dyn age::Identity)))
            .is_ok()
    }

    // Private so that every caller outside this module goes through `unseal`.
    fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let decryptor = age::Decryptor::new_buffered(sealed).map_err(|_| SealError::Decrypt)?;
        let mut reader = decryptor
            .decrypt(iter::once(&self.identity as &dyn age::Identity))
            .map_err(|_| SealError::Decrypt)?;
        let mut plaintext = Zeroizing::new(Vec::with_capacity(sealed.len()));
        reader
            .read_to_end(&mut plaintext)
            .map_err(|_| SealError::Decrypt)?;
        Ok(plaintext)
    }
}

/// A new X25519 identity, as the text of an `age-keygen` identity file and its recipient.
pub fn generate_identity() -> (Zeroizing<String>, String) {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let text = Zeroizing::new(format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    (text, recipient)
}

/// Protects an identity file with a passphrase (age's scrypt recipient), the same
/// format `age -p` writes and `age -d -i` reads.
pub fn protect_with_passphrase(
    identity_text: &str,
    passphrase: &str,
) -> Result<Vec<u8>, SealError> {
    let recipient = age::scrypt::Recipient::new(passphrase.to_owned().into());
    seal_to(
        iter::once(&recipient as &dyn age::Recipient),
        identity_text.as_bytes(),
    )
}

/// Opens a passphrase-protected identity file.
pub fn unprotect_with_passphrase(
    sealed: &[u8],
    passphrase: &str,
) -> Result<Zeroizing<String>, SealError> {
    let identity = age::scrypt::Identity::new(passphrase.to_owned().into());
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|_| SealError::Decrypt)?;
    let mut reader = decryptor
        .decrypt(iter::once(&identity as &dyn age::Identity))
        .map_err(|_| SealError::Decrypt)?;
    let mut text = Zeroizing::new(String::new());
    reader
        .read_to_string(&mut text)
        .map_err(|_| SealError::Decrypt)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sealed_opens_with_the_identity_only() {
        let (identity_text, recipient) = generate_identity();
        let sealer = Sealer::from_recipients_file(&format!("# ours\n{recipient}\n")).expect("r");
        let unsealer = Unsealer::from_identity_file(&identity_text).expect("i");
        assert_eq!(unsealer.recipient(), recipient);
        let sealed = sealer.seal(b"123456789018").expect("seal");
        assert!(sealed.starts_with(b"age-encryption.org/v1"));
        assert!(!sealed.windows(12).any(|w| w == b"123456789018"));
        let opened = unsealer.open(&sealed).expect("open");
        assert_eq!(&opened[..], b"123456789018");

        let (other_text, _) = generate_identity();
        let other = Unsealer::from_identity_file(&other_text).expect("i");
        assert!(matches!(other.open(&sealed), Err(SealError::Decrypt)));
    }

    #[test]
    fn passphrase_protection_round_trips() {
        let (identity_text, _) = generate_identity();
        let sealed = protect_with_passphrase(&identity_text, "correct horse").expect("p");
        let opened = unprotect_with_passphrase(&sealed, "correct horse").expect("o");
        assert_eq!(&*opened, &*identity_text);
        assert!(unprotect_with_passphrase(&sealed, "wrong").is_err());
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(matches!(
            Sealer::from_recipients_file("# nothing\n"),
            Err(SealError::NoRecipient)
        ));
        assert!(Sealer::from_recipients_file("age1notakey").is_err());
        assert!(Unsealer::from_identity_file("hello").is_err());
    }
}
