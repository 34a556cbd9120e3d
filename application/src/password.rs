//! Password hashing with argon2id at OWASP's recommended cost (m = 19 MiB, t = 2, p = 1),
//! verification (against a dummy hash for unknown users, so timing says nothing), and the
//! password policy: length only (12 to 128 characters, NIST SP 800-63B) plus a check
//! against a small embedded list of common passwords.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Hashing failed (only on absurd inputs).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of a password's hash.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt_bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| HashError)?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| HashError)
}

/// A random password for a first account: 20 characters from an unambiguous alphabet.
pub fn generate_password() -> zeroize::Zeroizing<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    zeroize::Zeroizing::new(
        (0..20)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect(),
    )
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a random password, verified against when the username is unknown so that
/// an unknown user costs the same argon2 time as a known one (no user enumeration).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&generate_password()).unwrap_or_default());

/// Computes the dummy hash now (at start-up), so that the first unknown username is not
/// slower than the ones after it.
pub fn prepare_dummy_hash() {
    LazyLock::force(&DUMMY_HASH);
}

/// Verifies against the account's hash, or against the dummy hash when there is none;
/// `false` in the second case whatever was typed.
pub fn verify_or_waste_time(password: &str, hash: Option<&str>) -> bool {
    match hash {
        Some(hash) => verify_password(password, hash),
        None => {
            let _ = verify_password(password, &DUMMY_HASH);
            false
        }
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Common passwords of 12 characters or more (from public breach top lists).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    /// Fewer than 12 characters.
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    /// More than 128 characters.
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    /// On the list of common passwords.
    #[error("the password is too common")]
    Common,
}

/// Checks the policy: length, then the common list (case-insensitive).
pub fn check_password_policy(password: &str) -> Result<(), PasswordPolicyError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .any(|common| !common.is_empty() && common == lowered)
    {
        return Err(PasswordPolicyError::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("a long enough passphrase").expect("hash");
        assert!(verify_password("a long enough passphrase", &hash));
        assert!(!verify_password("another long passphrase", &hash));
        assert!(!verify_or_waste_time("a long enough passphrase", None));
    }

    #[test]
    fn the_policy_is_length_and_the_common_list() {
        assert_eq!(
            check_password_policy("short"),
            Err(PasswordPolicyError::TooShort)
        );
        assert_eq!(
            check_password_policy(&"x".repeat(129)),
            Err(PasswordPolicyError::TooLong)
        );
        assert_eq!(
            check_password_policy("Password1234"),
            Err(PasswordPolicyError::Common)
        );
        assert!(check_password_policy("correct horse battery staple").is_ok());
        assert!(check_password_policy("すずめ の とじまり いちにち").is_ok());
    }
}
