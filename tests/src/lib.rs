//! Black-box tests live in `tests/`; the campaign benchmark in `benches/`.
//!
//! This library holds what both of them need, so that a bench target (which cannot import
//! `tests/api`) does not keep copies of the API tests' helpers:
//!
//! - [`service`]: the real application started in this process on a random port over TLS,
//!   and clients that trust its development certificate;
//! - [`staff`]: staff members signed in and TOTP-enrolled over HTTP like a browser, their
//!   step-up codes, and release proposals with dual control;
//! - [`age`]: payroll's key pair and opening sealed files with the standard `age` CLI.

pub mod age;
pub mod service;
pub mod staff;
