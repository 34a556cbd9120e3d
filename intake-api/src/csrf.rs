//! CSRF tokens of the portal's forms, bound to what the browser already holds.
//!
//! A signed-in page's token is derived from the provider session cookie; the sign-in
//! form's token from the invitation link's token. A cross-site page can read neither, so
//! it cannot forge the token, and no extra state is kept: any instance can check it.
//! (The session cookie is also SameSite=Strict; the token is the second lock.)

use sha2::{Digest, Sha256};

/// What a token protects, so a token for one purpose is useless for the other.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Forms of a signed-in provider (bound to the session cookie).
    Session,
    /// The sign-in form of an invitation link (bound to the link's token).
    SignIn,
    /// Forms of a signed-in staff member's pages (bound to the staff session cookie).
    StaffSession,
    /// The staff sign-in form (bound to a short-lived pre-session cookie).
    StaffSignIn,
}

/// The token for `secret` (a session or invitation token, never shown) and `purpose`.
pub fn token(purpose: Purpose, secret: &str) -> String {
    let label: &[u8] = match purpose {
        Purpose::Session => b"kakunin csrf session\0",
        Purpose::SignIn => b"kakunin csrf sign-in\0",
        Purpose::StaffSession => b"kakunin csrf staff session\0",
        Purpose::StaffSignIn => b"kakunin csrf staff sign-in\0",
    };
    let digest = Sha256::new()
        .chain_update(label)
        .chain_update(secret.as_bytes())
        .finalize();
    data_encoding::BASE64URL_NOPAD.encode(&digest)
}

/// Whether `given` equals `expected`, in constant time.
pub fn matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            given.as_bytes(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_by_purpose_and_secret_and_match_only_themselves() {
        let a = token(Purpose::Session, "secret-a");
        assert_ne!(a, token(Purpose::SignIn, "secret-a"));
        assert_ne!(a, token(Purpose::Session, "secret-b"));
        assert!(matches(&a, &a.clone()));
        assert!(!matches(&a, ""));
        assert!(!matches(&a, &a[1..]));
    }
}
