//! The image half of the upload pipeline, as a pure library: sniff, scan metadata,
//! decode under limits, downscale, turn upright, measure quality, re-encode.
//!
//! No I/O, no async, no sealing: `intake-api`'s `pipeline` module runs [`scrub::scrub_image`]
//! on a blocking thread and seals what it returns. Being its own small crate lets the fuzz
//! targets (`fuzz/`) build it without the web stack.

pub mod budget;
pub mod card_qr;
pub mod metadata;
pub mod quality;
pub mod scrub;
