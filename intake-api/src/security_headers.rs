//! Security headers on every response, in one place.
//!
//! Scripts and styles only from our own origin (no inline script), no framing, no
//! referrer, no sniffing, no powerful features; HSTS when served over TLS. Responses are
//! `no-store` unless a handler says otherwise (static assets do), so nothing personal is
//! ever cached by a browser or a proxy.

use actix_web::middleware::DefaultHeaders;

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The middleware adding the headers (a handler's own value wins).
pub fn headers(over_tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Permissions-Policy",
            "camera=(self), geolocation=(), microphone=(), payment=(), usb=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if over_tls {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}
