//! Bounds on clients that hold the server's resources without using them: a body sent
//! one byte every few seconds, and many connections from one address.
//!
//! - Headers: `client_request_timeout` (set in `startup`) bounds the time to receive a
//!   request's head; actix bounds nothing after that, so a body could trickle forever.
//! - Body: [`bound_body_time`] gives every request body a grace period and then demands a
//!   floor rate on average: by `grace + received / min_rate` seconds after the head,
//!   the bytes so far must have arrived. A slow-loris is cut off after about the grace
//!   (30 s by default); a 20 MB photo from a phone at the floor rate (16 KiB/s, a poor
//!   3G link) still gets through, since every byte it sends buys it more time. The
//!   request then answers 408 and the connection is closed (OWASP ASVS 5.0 V13: bound
//!   resource use of each request; CWE-400).
//! - Connections: [`ConnectionLimit`] counts the open connections of each client address
//!   from `on_connect` (a slot kept with the connection and dropped when it closes);
//!   past `max_per_address` the connection's requests answer 503 and (HTTP/1) it is
//!   closed.
//!   Trusted proxies are exempt: every client behind them shares their address, and they
//!   must bound their own clients.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use actix_web::web::Bytes;
use futures_util::Stream;
use portal::Message;
use tokio::time::{Instant, Sleep};

use crate::config::ConnectionSettings;
use crate::error::ApiError;
use crate::startup::State;

/// The open connections of each client address on this instance.
#[derive(Debug, Clone)]
pub struct ConnectionLimit {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_address: usize,
    exempt: Arc<Vec<IpAddr>>,
}

/// Kept with a connection: releases its place when the connection closes. `None` when
/// the connection was over the limit (or exempt) and holds no place.
#[derive(Debug)]
pub struct ConnectionSlot {
    counted: Option<(IpAddr, ConnectionLimit)>,
    over_limit: bool,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Some((ip, limit)) = self.counted.take() {
            let mut open = limit.open.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = open.get_mut(&ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&ip);
                }
            }
        }
    }
}

impl ConnectionLimit {
    /// A limit of `max_per_address` open connections per client address.
    pub fn new(max_per_address: usize, exempt: Vec<IpAddr>) -> Self {
        Self {
            open: Arc::default(),
            max_per_address,
            exempt: Arc::new(exempt),
        }
    }

    /// Takes a place for a new connection from `ip`.
    pub fn admit(&self, ip: IpAddr) -> ConnectionSlot {
        if self.exempt.contains(&ip) {
            return ConnectionSlot {
                counted: None,
                over_limit: false,
            };
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max_per_address {
            return ConnectionSlot {
                counted: None,
                over_limit: true,
            };
        }
        *n += 1;
        ConnectionSlot {
            counted: Some((ip, self.clone())),
            over_limit: false,
        }
    }

    /// Records a new connection (the `on_connect` hook): its slot goes into the
    /// connection's extensions, which live exactly as long as the connection.
    pub fn on_connect(&self, connection: &dyn std::any::Any, extensions: &mut Extensions) {
        let peer = connection
            .downcast_ref::<actix_tls::accept::rustls_0_23::TlsStream<TcpStream>>()
            .and_then(|tls| tls.get_ref().0.peer_addr().ok())
            .or_else(|| {
                connection
                    .downcast_ref::<TcpStream>()
                    .and_then(|tcp| tcp.peer_addr().ok())
            });
        if let Some(peer) = peer {
            extensions.insert(self.admit(peer.ip()));
        }
    }
}

/// Middleware: refuses the requests of a connection over its address's limit (503,
/// connection closed). See the module documentation.
pub async fn refuse_crowding(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let over = req
        .conn_data::<ConnectionSlot>()
        .is_some_and(|slot| slot.over_limit);
    let http1 = is_http1(&req);
    if !over {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let mut response = crate::uniform_errors::response_for(
        req.path(),
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Message::TooManyConnections),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    if http1 {
        close_after(&mut response);
    }
    Ok(req.into_response(response))
}

/// A request body that must keep arriving: see the module documentation.
struct DeadlineBody {
    inner: Payload,
    started: Instant,
    grace: Duration,
    min_bytes_per_second: u64,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    outcome: std::rc::Rc<std::cell::Cell<BodyOutcome>>,
}

/// How a request's body ended, for the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyOutcome {
    /// Not read to its end (the handler answered without it, or is still reading).
    Unfinished,
    /// Read to its end.
    Finished,
    /// Cut off: it came too slowly.
    TimedOut,
}

impl DeadlineBody {
    fn deadline(&self) -> Instant {
        let earned =
            Duration::from_secs_f64(self.received as f64 / self.min_bytes_per_second.max(1) as f64);
        self.started + self.grace + earned
    }
}

impl Stream for DeadlineBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                let deadline = this.deadline();
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                this.outcome.set(BodyOutcome::Finished);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.outcome.set(BodyOutcome::TimedOut);
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "request body too slow",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// Middleware: bounds the time to receive each request's body (see the module
/// documentation); a body cut off answers 408 and closes the connection, and so does a
/// response given before its body was read, so no connection lingers on a dribble.
pub async fn bound_body_time(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(settings) = req
        .app_data::<State>()
        .map(|state| state.settings.connections.clone())
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let outcome = std::rc::Rc::new(std::cell::Cell::new(BodyOutcome::Unfinished));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let has_body = match declared {
        Some(length) => length > 0,
        None => req.headers().contains_key(header::TRANSFER_ENCODING),
    };
    if !has_body {
        outcome.set(BodyOutcome::Finished);
    }
    let body = deadline_body(req.take_payload(), &settings, outcome.clone());
    req.set_payload(Payload::from(
        Box::pin(body) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
    let path = req.path().to_owned();
    let http1 = is_http1(&req);
    let mut response = next
        .call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)?;
    match outcome.get() {
        BodyOutcome::Finished => {}
        BodyOutcome::TimedOut => {
            let (request, _) = response.into_parts();
            let mut refusal = crate::uniform_errors::response_for(
                &path,
                ApiError::new(StatusCode::REQUEST_TIMEOUT, Message::RequestTimeout),
            );
            if http1 {
                close_after(&mut refusal);
            }
            response = ServiceResponse::new(request, refusal);
        }
        BodyOutcome::Unfinished if http1 => close_after(response.response_mut()),
        BodyOutcome::Unfinished => {}
    }
    Ok(response)
}

/// Whether the request came over HTTP/1.x, where closing the connection is how a server
/// stops reading a body. HTTP/2 has no connection-level close per request (RFC 9113
/// §8.2.2): there the unread stream is reset and the connection, shared by other
/// streams, stays.
fn is_http1(req: &ServiceRequest) -> bool {
    req.version() < actix_web::http::Version::HTTP_2
}

/// Closes the connection once `response` is sent.
fn close_after(response: &mut actix_web::HttpResponse) {
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
}

fn deadline_body(
    inner: Payload,
    settings: &ConnectionSettings,
    outcome: std::rc::Rc<std::cell::Cell<BodyOutcome>>,
) -> DeadlineBody {
    let started = Instant::now();
    let grace = Duration::from_secs(settings.body_grace_seconds);
    DeadlineBody {
        inner,
        started,
        grace,
        min_bytes_per_second: settings.body_min_bytes_per_second,
        received: 0,
        sleep: Box::pin(tokio::time::sleep_until(started + grace)),
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_places_back_when_its_connections_close() {
        let limit = ConnectionLimit::new(2, vec!["10.0.0.5".parse().expect("ip")]);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        let first = limit.admit(ip);
        let second = limit.admit(ip);
        assert!(!first.over_limit && !second.over_limit);
        let third = limit.admit(ip);
        assert!(third.over_limit, "a third connection is over the limit");
        assert!(!limit.admit("192.0.2.2".parse().expect("ip")).over_limit);
        drop(third);
        assert!(limit.admit(ip).over_limit, "a refused one frees nothing");
        drop(first);
        assert!(!limit.admit(ip).over_limit, "a closed one frees its place");
        for _ in 0..10 {
            assert!(!limit.admit("10.0.0.5".parse().expect("ip")).over_limit);
        }
    }
}
