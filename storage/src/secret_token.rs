//! Bearer secrets: invitation links and session cookies.
//!
//! A token is 256 random bits shown once as base64url; the database keeps only its
//! SHA-256, so a copy of the database opens no invitation and hijacks no session.
//! (A fast hash is right here: the input has full entropy, nothing to brute-force.)

use std::fmt;

use data_encoding::BASE64URL_NOPAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

const TOKEN_BYTES: usize = 32;

/// The token was not of the shape we hand out. Carries no input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed token")]
pub struct TokenError;

/// A bearer secret (invitation or session). See the module documentation.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretToken(String);

/// The SHA-256 of a [`SecretToken`], the only form that is stored.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl SecretToken {
    /// A fresh token from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let token = Self(BASE64URL_NOPAD.encode(&bytes));
        bytes.zeroize();
        token
    }

    /// Accepts a token presented by a client, checking only its shape.
    pub fn parse(input: &str) -> Result<Self, TokenError> {
        let input = input.trim();
        match BASE64URL_NOPAD.decode(input.as_bytes()) {
            Ok(bytes) if bytes.len() == TOKEN_BYTES => Ok(Self(input.to_owned())),
            _ => Err(TokenError),
        }
    }

    /// The text to put in a link or a cookie. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks up.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(***)")
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TokenHash({})",
            data_encoding::HEXLOWER.encode(&self.0[..4])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_hash_stably() {
        let t = SecretToken::generate();
        assert_eq!(t.expose().len(), 43);
        let again = SecretToken::parse(t.expose()).expect("shape");
        assert_eq!(again.hash(), t.hash());
        assert_ne!(SecretToken::generate().hash(), t.hash());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert_eq!(SecretToken::parse(""), Err(TokenError));
        assert_eq!(SecretToken::parse("short"), Err(TokenError));
        assert_eq!(SecretToken::parse(&"A".repeat(44)), Err(TokenError));
        assert_eq!(SecretToken::parse("' OR 1=1 --"), Err(TokenError));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = SecretToken::generate();
        assert!(!format!("{t:?}").contains(t.expose()));
    }
}
