//! Key material on disk and the keyring built from it.
//!
//! ```text
//! keys/recipient.txt      age recipients (public): every instance
//! keys/identity.txt       age identity (0600): internal instances only
//! keys/identity.age       …or the same, protected with a passphrase (age scrypt)
//! keys/blind-index.key    blind index and sealed last four digits (0600): internal only
//! keys/totp.key           staff TOTP secrets at rest (0600): internal only
//! keys/session.key        staff session rows (0600): internal only
//! ```
//! A public instance is given a keys directory holding `recipient.txt` alone: it can seal,
//! never unseal, never derive anything from a number, never vouch for a staff session
//! (see [`crate::internal_keys`]).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::MyNumber;
use crate::number_index::NumberIndexKey;
use crate::sealing::{self, SealError, Sealer, Unsealer};

/// Reading or writing key files failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A key file holds something that is not a key.
    #[error("key file {0} is malformed")]
    Malformed(PathBuf),
    /// The identity is passphrase-protected and no passphrase was given.
    #[error(
        "the identity is passphrase-protected: give the passphrase (KAKUNIN_IDENTITY_PASSPHRASE or --identity-passphrase-file)"
    )]
    PassphraseRequired,
    /// The passphrase did not open the identity.
    #[error("the passphrase does not open the identity")]
    WrongPassphrase,
    /// Refusing to overwrite existing keys.
    #[error("keys already exist in {0}")]
    AlreadyExists(PathBuf),
}

/// The key files of a data directory.
#[derive(Debug, Clone)]
pub struct KeyFiles {
    dir: PathBuf,
}

impl KeyFiles {
    /// The key files in `dir` (usually `DATA/keys`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The recipients file.
    pub fn recipient_path(&self) -> PathBuf {
        self.dir.join("recipient.txt")
    }
    /// The plain identity file.
    pub fn identity_path(&self) -> PathBuf {
        self.dir.join("identity.txt")
    }
    /// The passphrase-protected identity file.
    pub fn protected_identity_path(&self) -> PathBuf {
        self.dir.join("identity.age")
    }
    /// The blind-index key file.
    pub fn blind_index_path(&self) -> PathBuf {
        self.dir.join(NumberIndexKey::FILE)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether keys were created here.
    pub fn exist(&self) -> bool {
        self.recipient_path().exists()
    }

    /// Whether this directory holds an identity (plain or protected).
    pub fn has_identity(&self) -> bool {
        self.identity_path().exists() || self.protected_identity_path().exists()
    }

    /// Creates a new identity, its recipient and a blind-index key. With a passphrase the
    /// identity is written only in protected form.
    pub fn create(&self, passphrase: Option<&str>) -> Result<String, KeyError> {
        let recipient = self.create_identity(passphrase)?;
        write_private(
            &self.blind_index_path(),
            NumberIndexKey::generate_file().as_bytes(),
        )?;
        Ok(recipient)
    }

    /// Creates an identity and its recipient file only (the blind-index key is not part
    /// of a key rotation).
    fn create_identity(&self, passphrase: Option<&str>) -> Result<String, KeyError> {
        if self.exist() {
            return Err(KeyError::AlreadyExists(self.dir.clone()));
        }
        create_private_dir(&self.dir)?;
        let (identity, recipient) = sealing::generate_identity();
        match passphrase {
            Some(p) => {
                let protected = sealing::protect_with_passphrase(&identity, p)
                    .map_err(|_| KeyError::Malformed(self.protected_identity_path()))?;
                write_private(&self.protected_identity_path(), &protected)?;
            }
            None => write_private(&self.identity_path(), identity.as_bytes())?,
        }
        // The recipient file goes last: its presence means the set is complete.
        write_private(
            &self.recipient_path(),
            format!("# Kakunin sealing recipient\n{recipient}\n").as_bytes(),
        )?;
        Ok(recipient)
    }

    /// Loads what this instance may hold: always the sealer; the unsealer only if
    /// `with_identity` (internal and all-in-one modes).
    pub fn load(&self, with_identity: bool, passphrase: Option<&str>) -> Result<Keyring, KeyError> {
        let recipients = read_text(&self.recipient_path())?;
        let sealer = Sealer::from_recipients_file(&recipients)
            .map_err(|_| KeyError::Malformed(self.recipient_path()))?;
        let unsealer = if with_identity {
            Some(self.load_unsealer(passphrase)?)
        } else {
            None
        };
        Ok(Keyring { sealer, unsealer })
    }

    fn load_unsealer(&self, passphrase: Option<&str>) -> Result<Unsealer, KeyError> {
        let protected = self.protected_identity_path();
        let text = if protected.exists() {
            let passphrase = passphrase.ok_or(KeyError::PassphraseRequired)?;
            let sealed = fs::read(&protected).map_err(|source| KeyError::Io {
                path: protected.clone(),
                source,
            })?;
            sealing::unprotect_with_passphrase(&sealed, passphrase)
                .map_err(|_| KeyError::WrongPassphrase)?
        } else {
            read_text(&self.identity_path())?
        };
        Unsealer::from_identity_file(&text).map_err(|_| KeyError::Malformed(self.identity_path()))
    }
}

/// Key rotation on disk: `keys/next/` holds the identity being rotated to, and
/// `keys/retired/` the identities rotated away from until they are destroyed.
impl KeyFiles {
    fn next(&self) -> KeyFiles {
        KeyFiles::new(self.dir.join("next"))
    }

    fn retired_dir(&self) -> PathBuf {
        self.dir.join("retired")
    }

    /// Starts (or resumes) a rotation: creates `keys/next/` unless it exists, protected
    /// with the passphrase when the current identity is. Returns the new recipient.
    pub fn begin_rotation(&self, passphrase: Option<&str>) -> Result<String, KeyError> {
        let next = self.next();
        if !next.exist() {
            let protect = self.protected_identity_path().exists();
            if protect && passphrase.is_none() {
                return Err(KeyError::PassphraseRequired);
            }
            next.create_identity(passphrase.filter(|_| protect))?;
        }
        let text = read_text(&next.recipient_path())?;
        let sealer = Sealer::from_recipients_file(&text)
            .map_err(|_| KeyError::Malformed(next.recipient_path()))?;
        Ok(sealer.recipients().join(" "))
    }

    /// The keys a rotation needs: every identity that may still hold ciphertext (the
    /// current one and the retired ones not yet destroyed), and the next one.
    pub fn rotation_keys(
        &self,
        passphrase: Option<&str>,
    ) -> Result<crate::rotation::RotationKeys, KeyError> {
        let next = self.next();
        let next_sealer = Sealer::from_recipients_file(&read_text(&next.recipient_path())?)
            .map_err(|_| KeyError::Malformed(next.recipient_path()))?;
        let mut retiring = vec![self.load_unsealer(passphrase)?];
        for path in self.retired_identity_files()? {
            let text = if path.extension().is_some_and(|e| e == "age") {
                let sealed = fs::read(&path).map_err(|source| KeyError::Io {
                    path: path.clone(),
                    source,
                })?;
                let passphrase = passphrase.ok_or(KeyError::PassphraseRequired)?;
                sealing::unprotect_with_passphrase(&sealed, passphrase)
                    .map_err(|_| KeyError::WrongPassphrase)?
            } else {
                read_text(&path)?
            };
            retiring.push(
                Unsealer::from_identity_file(&text)
                    .map_err(|_| KeyError::Malformed(path.clone()))?,
            );
        }
        Ok(crate::rotation::RotationKeys {
            retiring,
            next: next.load_unsealer(passphrase)?,
            next_sealer,
        })
    }

    /// Ends a rotation once nothing is sealed to the old identity any more: the current
    /// identity moves to `keys/retired/`, the next one becomes current. Returns the
    /// retired file, to be destroyed when old backups may become unreadable.
    pub fn finish_rotation(&self) -> Result<PathBuf, KeyError> {
        let next = self.next();
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| KeyError::Io { path, source }
        };
        create_private_dir(&self.retired_dir())?;
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let (current, next_identity, extension) = if self.protected_identity_path().exists() {
            (
                self.protected_identity_path(),
                next.protected_identity_path(),
                "age",
            )
        } else {
            (self.identity_path(), next.identity_path(), "txt")
        };
        let retired = self
            .retired_dir()
            .join(format!("identity-{stamp}.{extension}"));
        fs::rename(&current, &retired).map_err(io(&current))?;
        fs::rename(&next_identity, &current).map_err(io(&next_identity))?;
        fs::rename(next.recipient_path(), self.recipient_path())
            .map_err(io(&self.recipient_path()))?;
        fs::remove_dir(&next.dir).map_err(io(&next.dir))?;
        Ok(retired)
    }

    /// The retired identity files still on disk.
    pub fn retired_identity_files(&self) -> Result<Vec<PathBuf>, KeyError> {
        let dir = self.retired_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(KeyError::Io { path: dir, source }),
        };
        let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        Ok(files)
    }

    /// Overwrites and deletes the retired identities: ciphertext sealed only to them —
    /// in old backups, say — can never be opened again (crypto-shredding).
    pub fn destroy_retired(&self) -> Result<usize, KeyError> {
        let files = self.retired_identity_files()?;
        for path in &files {
            let len = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            let io = |source| KeyError::Io {
                path: path.clone(),
                source,
            };
            let mut file = OpenOptions::new().write(true).open(path).map_err(io)?;
            file.write_all(&vec![0u8; usize::try_from(len).unwrap_or(0)])
                .map_err(io)?;
            file.sync_all().map_err(io)?;
            fs::remove_file(path).map_err(io)?;
        }
        Ok(files.len())
    }
}

/// The sealing keys an instance holds.
#[derive(Debug)]
pub struct Keyring {
    sealer: Sealer,
    unsealer: Option<Unsealer>,
}

/// A number ready to store: its age ciphertext, nothing else derived from it (the blind
/// index and the last four digits are derived on the internal side, see
/// [`crate::number_index`]).
#[derive(Debug, Clone)]
pub struct SealedNumber {
    pub(crate) sealed: Vec<u8>,
}

impl Keyring {
    /// Seals a number for storage.
    pub fn seal_number(&self, number: &MyNumber) -> Result<SealedNumber, SealError> {
        Ok(SealedNumber {
            sealed: self.sealer.seal(number.expose_digits())?,
        })
    }

    /// The sealer (to seal documents).
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The unsealer, on instances that hold the identity.
    pub fn unsealer(&self) -> Option<&Unsealer> {
        self.unsealer.as_ref()
    }
}

fn read_text(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })
}

/// Creates a directory readable by its owner only.
pub fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| KeyError::Io {
            path: dir.to_owned(),
            source,
        })
}

/// Writes a new file with mode 0600, failing if it exists.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_keys_load_and_private_files_are_0600() {
        let dir = tempfile::tempdir().expect("tmp");
        let files = KeyFiles::new(dir.path().join("keys"));
        let recipient = files.create(None).expect("create");
        assert!(files.create(None).is_err(), "never overwrites");
        for p in [files.identity_path(), files.blind_index_path()] {
            let mode = fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        let ring = files.load(true, None).expect("load");
        assert_eq!(ring.unsealer().map(Unsealer::recipient), Some(recipient));
        assert!(files.load(false, None).expect("load").unsealer().is_none());
    }

    #[test]
    fn a_protected_identity_needs_its_passphrase() {
        let dir = tempfile::tempdir().expect("tmp");
        let files = KeyFiles::new(dir.path());
        files
            .create(Some("long enough passphrase"))
            .expect("create");
        assert!(!files.identity_path().exists());
        assert!(matches!(
            files.load(true, None),
            Err(KeyError::PassphraseRequired)
        ));
        assert!(matches!(
            files.load(true, Some("nope")),
            Err(KeyError::WrongPassphrase)
        ));
        assert!(files.load(true, Some("long enough passphrase")).is_ok());
    }
}
