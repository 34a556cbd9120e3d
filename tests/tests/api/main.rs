//! Black-box tests of the service: the real application on a random port, over TLS, with a
//! fresh database per test, talked to over HTTP like a phone would.

mod helpers;
mod process;

mod admin_desk;
mod assisted;
mod audit_desk;
mod backup;
mod campaign;
mod card_qr;
mod cli;
mod crash_safety;
mod cross_scope;
mod csrf;
mod csv_files;
mod documents;
mod error_bodies;
mod governance;
mod headers_and_limits;
mod hostile_corpus;
mod invitations;
mod memory_hygiene;
mod modes;
mod notices;
mod officer_queue;
mod plaintext_at_rest;
mod portal_pages;
mod properties;
mod provider_flow;
mod record_history;
mod release;
mod scale_out;
mod slow_clients;
mod staff_accounts;
mod staff_helpers;
mod staff_pages;
mod staff_sign_in;
mod typed_text;
mod verification_rules;
