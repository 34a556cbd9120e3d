//! The Kakunin service: configuration, TLS, sessions, rate limits, the upload pipeline,
//! every HTTP handler, and the `kakunin` command line.
#![deny(missing_docs)]

pub mod activation;
pub mod audit_csv;
pub mod auth;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod init;
pub mod ledgers;
pub mod mail;
pub mod notices;
pub(crate) mod page;
pub use application::password;
pub mod pipeline;
pub mod ratelimit;
pub mod routes;
pub mod secret_body;
pub mod security_headers;
pub mod slow_clients;
pub mod staff_auth;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod uniform_errors;
