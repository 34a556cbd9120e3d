//! The image scrubber (card-back path, with the QR reader) on arbitrary bytes: never
//! panics, never exceeds its limits; what it returns is a JPEG, and a number the QR reader
//! returns is always a valid one.
#![no_main]

use imaging::card_qr::{self, CardQr};
use imaging::scrub::{ScrubLimits, scrub_card_image};
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
    // The card-back path: the scrub plus the QR reader on the decoded pixels.
    if let Ok(scrubbed) = scrub_card_image(input, &LIMITS) {
        assert!(scrubbed.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(scrubbed.card_qr.is_some());
    }
    // The QR reader on the raw bytes as a greyscale image (a square as large as fits),
    // so the detector and decoder see arbitrary pixels, not only decodable images;
    // whatever it reads is a valid number or nothing.
    let side = (input.len() as f64).sqrt() as usize;
    if side >= 21 {
        let pixels = input[..side * side].to_vec();
        if let CardQr::Number(n) = card_qr::read_working_image(card_qr::WorkingImage::from_luma(pixels, side, side)) {
            assert!(card_qr::accept_payload(n.expose_digits()).is_some());
        }
    }
});
