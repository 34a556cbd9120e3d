//! The officer domain: the queue's filters, the 本人確認 rule table, and the decisions an
//! officer can take (verify, request corrections, reject). Pure logic over `storage`:
//! no HTTP, no SQL.
#![deny(missing_docs)]

pub mod csv_file;
pub mod decisions;
pub mod export;
pub mod queue;
pub mod rules;
