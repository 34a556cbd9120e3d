//! The cookies that hold or guard a session: their names and attributes in one place.
//!
//! Over TLS every one of them is named with the `__Host-` prefix (RFC 6265bis §4.1.3.2):
//! the browser keeps such a cookie only when it is Secure, has Path=/ and no Domain, so a
//! page elsewhere on the site (a subdomain) cannot set or shadow it. Over plain HTTP
//! (loopback only) a browser refuses Secure cookies, so the bare name is used. All are
//! HttpOnly and SameSite=Strict.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

/// A cookie that holds or guards a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCookie {
    /// The provider's session (an invitation's sign-in).
    Provider,
    /// A staff member's session.
    Staff,
    /// The random value the staff sign-in form's CSRF token is bound to.
    StaffSignIn,
    /// The random value an invitation page's sign-in form's CSRF token is bound to.
    LinkSignIn,
}

impl SessionCookie {
    /// Its name: `__Host-…` when served over TLS (`secure`).
    pub fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Self::Provider, true) => "__Host-kakunin_provider",
            (Self::Provider, false) => "kakunin_provider",
            (Self::Staff, true) => "__Host-kakunin_staff",
            (Self::Staff, false) => "kakunin_staff",
            (Self::StaffSignIn, true) => "__Host-kakunin_staff_pre",
            (Self::StaffSignIn, false) => "kakunin_staff_pre",
            (Self::LinkSignIn, true) => "__Host-kakunin_link_pre",
            (Self::LinkSignIn, false) => "kakunin_link_pre",
        }
    }

    /// The cookie carrying `value`; a session cookie lasts as long as the browser does,
    /// a sign-in form's for an hour.
    pub fn build(self, value: String, secure: bool) -> Cookie<'static> {
        let mut cookie = Cookie::build(self.name(secure), value)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict)
            .finish();
        if matches!(self, Self::StaffSignIn | Self::LinkSignIn) {
            cookie.set_max_age(Duration::hours(1));
        }
        cookie
    }

    /// A cookie that removes this one.
    pub fn cleared(self, secure: bool) -> Cookie<'static> {
        let mut cookie = self.build(String::new(), secure);
        cookie.make_removal();
        cookie
    }

    /// Its value in `req`, if sent.
    pub fn value(self, req: &HttpRequest, secure: bool) -> Option<String> {
        req.cookie(self.name(secure)).map(|c| c.value().to_owned())
    }
}
