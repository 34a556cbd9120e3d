//! The keys only internal instances hold, besides the sealing identity.
//!
//! Invariant 6 of DESIGN.md: a public instance that an attacker holds — its files, its
//! memory, its database role — must learn no digit of a number and must not be able to act
//! as staff. Everything that would let it do either is keyed with a key kept here, in
//! `keys/`, on the internal side only:
//!
//! | file | what it keys | without it |
//! |---|---|---|
//! | `blind-index.key` | the blind index and the sealed last four digits ([`NumberIndexKey`]) | no way to test a guessed number, no digit |
//! | `totp.key` | staff TOTP secrets at rest ([`TotpKey`]) | no second factor from a database copy |
//! | `session.key` | staff session rows ([`SessionKey`]) | a row written into `staff_sessions` vouches for nothing |
//!
//! A public instance refuses to start when any of these files (or the identity) is in its
//! keys directory. Every instance that serves staff must hold the same keys: the first one
//! to start records a digest of each in `key_checks`, and one holding another key refuses to
//! start instead of failing every sign-in or missing every duplicate.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::keys::{KeyError, write_private};
use crate::number_index::NumberIndexKey;
use crate::staff::Role;
use crate::{SecretToken, StorageError, TotpKey, Vault};

/// The internal side's keys. See the module documentation.
#[derive(Debug)]
pub struct InternalKeys {
    /// The blind index and the sealed last four digits.
    pub number_index: NumberIndexKey,
    /// Staff TOTP secrets at rest.
    pub totp: TotpKey,
    /// Staff session rows.
    pub session: SessionKey,
}

impl InternalKeys {
    /// The files, inside the keys directory, that a public instance must not hold.
    pub const FILES: [&'static str; 3] = [NumberIndexKey::FILE, TotpKey::FILE, SessionKey::FILE];

    /// Loads the keys from `keys_dir`. The TOTP and session keys are created (0600) when
    /// missing — a key made here that the other instances do not share is caught by
    /// [`Vault::confirm_internal_keys`]; the blind-index key must exist, since a new one
    /// would silently stop matching every number derived before.
    pub fn load(keys_dir: &Path) -> Result<Self, KeyError> {
        let index_path = keys_dir.join(NumberIndexKey::FILE);
        let text = std::fs::read_to_string(&index_path)
            .map(Zeroizing::new)
            .map_err(|source| KeyError::Io {
                path: index_path.clone(),
                source,
            })?;
        let number_index =
            NumberIndexKey::from_file(&text).map_err(|_| KeyError::Malformed(index_path))?;
        Ok(Self {
            number_index,
            totp: TotpKey::load_or_create(keys_dir)?,
            session: SessionKey::load_or_create(keys_dir)?,
        })
    }

    /// The internal-only files present in `keys_dir` (a public instance must find none).
    pub fn present_in(keys_dir: &Path) -> Vec<PathBuf> {
        Self::FILES
            .iter()
            .map(|f| keys_dir.join(f))
            .filter(|p| p.exists())
            .collect()
    }
}

/// Reads a 32-byte key file, creating it with fresh random bytes (0600) when missing.
pub(crate) fn load_or_create_raw(path: &Path) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    if !path.exists() {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(&mut bytes[..]);
        match write_private(path, &bytes[..]) {
            Ok(()) => {}
            // Another instance sharing the directory won the race: use its key.
            Err(KeyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        source,
    })?);
    let key: [u8; 32] = bytes[..]
        .try_into()
        .map_err(|_| KeyError::Malformed(path.to_owned()))?;
    Ok(Zeroizing::new(key))
}

/// SHA-256 over a label and a key: names the key without revealing it.
pub(crate) fn key_digest(label: &[u8], key: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(label)
        .chain_update(key)
        .finalize()
        .into()
}

/// The key that makes staff session rows unforgeable by a database writer.
///
/// The database holds `HMAC(key, token)` of each session cookie rather than a plain hash:
/// whoever can write rows but lacks the key cannot make a row that a token they know
/// matches. Each row also carries a MAC binding it to its account, role, second-factor
/// state and absolute end, so an existing row cannot be moved to another account, promoted,
/// or extended either.
pub struct SessionKey {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(***)")
    }
}

/// What the database stores in place of a staff session token.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionTag(pub(crate) [u8; 32]);

impl std::fmt::Debug for SessionTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionTag(***)")
    }
}

impl SessionKey {
    /// The file name inside the keys directory.
    pub const FILE: &'static str = "session.key";

    /// Loads `keys_dir/session.key`, creating it (0600) on first use.
    pub fn load_or_create(keys_dir: &Path) -> Result<Self, KeyError> {
        Ok(Self {
            key: load_or_create_raw(&keys_dir.join(Self::FILE))?,
        })
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key[..])
            .expect("HMAC accepts any key length");
        for part in parts {
            // Length-prefixed, so that no two different lists of parts feed the same bytes.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The tag stored for a session cookie's token.
    pub fn tag(&self, token: &SecretToken) -> SessionTag {
        SessionTag(self.mac(&[b"kakunin staff session token v1", token.expose().as_bytes()]))
    }

    /// The MAC of a session row: what the row says about whom it lets in, and how far.
    pub(crate) fn row_mac(
        &self,
        tag: &SessionTag,
        account: Uuid,
        role: Role,
        second_factor_done: bool,
        absolute_expires_at: i64,
    ) -> [u8; 32] {
        self.mac(&[
            b"kakunin staff session row v1",
            &tag.0,
            account.to_string().as_bytes(),
            role.code().as_bytes(),
            &[u8::from(second_factor_done)],
            &absolute_expires_at.to_be_bytes(),
        ])
    }

    /// The tag stored for a staff activation link's token (a domain of its own: a session
    /// token never matches an activation row, nor the other way round).
    pub fn activation_tag(&self, token: &SecretToken) -> SessionTag {
        SessionTag(self.mac(&[
            b"kakunin staff activation token v1",
            token.expose().as_bytes(),
        ]))
    }

    /// The MAC of an activation row: whose credentials the link sets, why, until when.
    pub(crate) fn activation_row_mac(
        &self,
        tag: &SessionTag,
        account: Uuid,
        purpose: &str,
        expires_at: i64,
    ) -> [u8; 32] {
        self.mac(&[
            b"kakunin staff activation row v1",
            &tag.0,
            account.to_string().as_bytes(),
            purpose.as_bytes(),
            &expires_at.to_be_bytes(),
        ])
    }

    /// Names the key without revealing it.
    pub fn digest(&self) -> [u8; 32] {
        key_digest(b"kakunin session key check v1\0", &self.key[..])
    }
}

impl Vault {
    /// Records each internal key's digest if no instance has yet, and names the first key
    /// file that differs from the one recorded (this instance holds another key than the
    /// others), or `None` when all match.
    pub async fn confirm_internal_keys(
        &self,
        keys: &InternalKeys,
    ) -> Result<Option<&'static str>, StorageError> {
        for (name, file, digest) in [
            (
                "blind_index",
                NumberIndexKey::FILE,
                keys.number_index.digest(),
            ),
            ("totp", TotpKey::FILE, keys.totp.digest()),
            ("session", SessionKey::FILE, keys.session.digest()),
        ] {
            sqlx::query(
                "INSERT INTO key_checks (name, digest) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(digest.to_vec())
            .execute(&self.pool)
            .await?;
            let recorded: Vec<u8> =
                sqlx::query_scalar("SELECT digest FROM key_checks WHERE name = $1")
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await?;
            if recorded != digest {
                return Ok(Some(file));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_tag_needs_the_key_and_a_row_mac_binds_the_row() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = SessionKey::load_or_create(dir.path()).expect("key");
        let other_dir = tempfile::tempdir().expect("tmp");
        let other = SessionKey::load_or_create(other_dir.path()).expect("key");
        let token = SecretToken::generate();
        let tag = key.tag(&token);
        assert!(tag == key.tag(&token));
        assert!(tag != other.tag(&token));
        assert!(
            tag.0 != token.hash().0,
            "not the plain hash a database writer can compute"
        );
        let account = Uuid::now_v7();
        let mac = key.row_mac(&tag, account, Role::Collector, true, 10);
        assert_ne!(
            mac,
            key.row_mac(&tag, Uuid::now_v7(), Role::Collector, true, 10)
        );
        assert_ne!(mac, key.row_mac(&tag, account, Role::Officer, true, 10));
        assert_ne!(mac, key.row_mac(&tag, account, Role::Collector, false, 10));
        assert_ne!(mac, key.row_mac(&tag, account, Role::Collector, true, 11));
        let again = SessionKey::load_or_create(dir.path()).expect("reload");
        assert_eq!(again.digest(), key.digest());
        assert_ne!(other.digest(), key.digest());
    }
}
