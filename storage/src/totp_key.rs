//! The key that encrypts staff TOTP secrets at rest.
//!
//! Why a key of its own, and not age sealing to the instance identity: a TOTP secret is a
//! shared symmetric secret read at every staff sign-in. Sealing it to the number identity
//! would make each sign-in an "unseal" (audit receipt, identity as a login dependency)
//! and mix two jobs in one key. A copy of the database alone must not yield anyone's
//! second factor, so the secret is encrypted with XChaCha20-Poly1305 under a 256-bit key
//! in `keys/totp.key` (0600), created on first start by the instances that serve staff
//! (`all`, `internal`); a `public` instance never holds it. The account id is the
//! associated data, so a ciphertext copied onto another account does not open.
//!
//! Every instance that serves staff must hold the same key (`kakunin init` writes it with
//! the other keys, so copying the keys directory carries it). The first instance to start
//! records a digest of its key in the database ([`crate::Vault::confirm_internal_keys`]); one holding
//! a different key refuses to start, instead of failing every staff sign-in that lands on it.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::internal_keys::{key_digest, load_or_create_raw};
use crate::keys::KeyError;

const NONCE_BYTES: usize = 24;

/// Encrypts and decrypts TOTP secrets. See the module documentation.
pub struct TotpKey {
    cipher: XChaCha20Poly1305,
    /// SHA-256 over a label and the key: names the key without revealing it.
    digest: [u8; 32],
}

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(***)")
    }
}

/// The stored ciphertext did not open (wrong key, other account, tampered).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the TOTP secret does not open with this instance's key")]
pub struct TotpKeyMismatch;

impl TotpKey {
    /// The file name inside the keys directory.
    pub const FILE: &'static str = "totp.key";

    /// Loads `keys_dir/totp.key`, creating it (0600) on first use.
    pub fn load_or_create(keys_dir: &Path) -> Result<Self, KeyError> {
        let path = keys_dir.join(Self::FILE);
        let bytes = load_or_create_raw(&path)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes[..])
            .map_err(|_| KeyError::Malformed(path.clone()))?;
        let digest = key_digest(b"kakunin totp key check v1\0", &bytes[..]);
        Ok(Self { cipher, digest })
    }

    /// Names the key without revealing it.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Encrypts `secret` for `account`: nonce ‖ ciphertext.
    pub fn seal(&self, account: Uuid, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let aad = account.to_string();
        // Encryption with a valid key and in-memory buffers cannot fail.
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: aad.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts what [`seal`](Self::seal) produced for the same account.
    pub fn open(
        &self,
        account: Uuid,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, TotpKeyMismatch> {
        if sealed.len() <= NONCE_BYTES {
            return Err(TotpKeyMismatch);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let aad = account.to_string();
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| TotpKeyMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_opens_for_its_account_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = TotpKey::load_or_create(dir.path()).expect("key");
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = key.seal(alice, b"0123456789abcdefghij");
        assert!(!sealed.windows(20).any(|w| w == b"0123456789abcdefghij"));
        assert_eq!(
            &key.open(alice, &sealed).expect("open")[..],
            b"0123456789abcdefghij"
        );
        assert!(key.open(bob, &sealed).is_err());
        let again = TotpKey::load_or_create(dir.path()).expect("reload");
        assert!(again.open(alice, &sealed).is_ok());
    }
}
