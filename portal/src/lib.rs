//! The provider-facing presentation: bilingual messages and page texts, form models with
//! their validation, the page templates (askama, compiled in, auto-escaped) and the static
//! assets (one CSS, one JS). No HTTP handlers live here.
#![deny(missing_docs)]

pub mod audit_desk;
pub mod campaigns;
pub mod escape;
pub mod forms;
pub mod invitations;
pub mod messages;
pub mod pages;
pub mod roster;
pub mod staff;
pub mod staff_admin;
pub mod text;

pub use messages::Message;
pub use text::{Lang, Text};
