//! The keyed blind index: spots the same number submitted twice without storing it.
//!
//! HMAC-SHA256 under a key kept outside the database. Without the key the index reveals
//! nothing; with key and database together the 10^11 possible numbers could be tried,
//! so the key file is guarded like the identity (mode 0600, never in a backup of the DB).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::MyNumber;

const KEY_BYTES: usize = 32;

/// The key file did not hold a valid key.
#[derive(Debug, thiserror::Error)]
#[error("the blind-index key file is malformed")]
pub struct BlindIndexKeyError;

/// The HMAC key of the blind index.
pub struct BlindIndexKey(Zeroizing<[u8; KEY_BYTES]>);

impl std::fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndexKey(***)")
    }
}

impl BlindIndexKey {
    /// A fresh random key, as the text of its key file (base64).
    pub fn generate_file() -> Zeroizing<String> {
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut key[..]);
        Zeroizing::new(format!("{}\n", data_encoding::BASE64.encode(&key[..])))
    }

    /// Reads a key file written by [`BlindIndexKey::generate_file`].
    pub fn from_file(text: &str) -> Result<Self, BlindIndexKeyError> {
        let decoded = Zeroizing::new(
            data_encoding::BASE64
                .decode(text.trim().as_bytes())
                .map_err(|_| BlindIndexKeyError)?,
        );
        let key: [u8; KEY_BYTES] = decoded[..].try_into().map_err(|_| BlindIndexKeyError)?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// The index of a number: equal numbers give equal indexes.
    pub fn index(&self, number: &MyNumber) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0[..])
            .expect("HMAC accepts any key length");
        mac.update(b"kakunin/my-number/v1\0");
        mac.update(number.expose_digits());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_numbers_share_an_index_under_one_key_only() {
        let key = BlindIndexKey::from_file(&BlindIndexKey::generate_file()).expect("key");
        let other = BlindIndexKey::from_file(&BlindIndexKey::generate_file()).expect("key");
        let a = MyNumber::parse("123456789018").expect("valid");
        let b = MyNumber::parse("1234 5678 9018").expect("valid");
        assert_eq!(key.index(&a), key.index(&b));
        assert_ne!(key.index(&a), other.index(&a));
        assert!(BlindIndexKey::from_file("not base64!").is_err());
    }
}
