//! The image scrubber on arbitrary bytes: never panics, never exceeds its limits; what it
//! returns is a JPEG.
#![no_main]

use imaging::scrub::{ScrubLimits, scrub_image};
use libfuzzer_sys::fuzz_target;

const LIMITS: ScrubLimits = ScrubLimits {
    max_pixels: 4_000_000,
    max_edge: 8_192,
    max_aspect_ratio: 20,
    max_alloc_bytes: 64 * 1024 * 1024,
    long_edge: 1024,
    jpeg_quality: 80,
};

fuzz_target!(|input: &[u8]| {
    if let Ok(scrubbed) = scrub_image(input, &LIMITS) {
        assert!(scrubbed.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
    }
});
