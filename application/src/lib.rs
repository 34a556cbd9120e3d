//! Kakunin's application layer: every use case, one function each, for every audience —
//! provider, collector, officer, auditor, admin, payroll client, operator — and every access
//! decision ([`access`]). It takes a typed caller and typed ids, returns [`AppError`], and
//! knows nothing of HTTP: the handlers, the pages and the command line in `intake-api` parse
//! their input, call one function here, and render the answer.
//!
//! Below it, `storage` talks SQL (and carries the scope in every query of the handle
//! [`access`] gives out), `verifier` holds the 本人確認 rule table and the decisions' closed
//! lists, and `domain` the vocabulary all of them share.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod access;
pub mod access_review;
pub mod app;
pub mod audit_desk;
pub mod auth;
pub mod branches;
pub mod campaign;
pub mod disposal;
pub mod error;
pub mod history;
pub mod incidents;
pub mod intake;
pub mod invitations;
pub mod numbers;
pub mod password;
pub mod payroll_pull;
pub mod payroll_recipient;
pub mod provider_session;
pub mod release;
pub mod review;
pub mod staff_accounts;
pub mod time_jp;

pub use access::Staff;
pub use app::{App, Policy, StaffPolicy};
pub use error::AppError;
