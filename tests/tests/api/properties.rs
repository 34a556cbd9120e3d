//! Bounded randomized property tests on stable Rust (the cargo-fuzz targets in `fuzz/`
//! need nightly): number parsing and the image scrubber, on seeded random inputs, each
//! bounded in count and in time so the suite stays fast.

use std::time::{Duration, Instant};

use intake_api::pipeline::scrub::{ScrubLimits, scrub_image};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use storage::MyNumber;

use crate::helpers::fixture;

/// DESIGN.md's check digit, written independently of `storage`.
fn check_digit(first_eleven: &[u8]) -> u8 {
    let r: u32 = (1..=11)
        .map(|n: usize| {
            let p = u32::from(first_eleven[11 - n] - b'0');
            let q = if n <= 6 { n as u32 + 1 } else { n as u32 - 5 };
            p * q
        })
        .sum::<u32>()
        % 11;
    if r <= 1 { 0 } else { (11 - r) as u8 }
}

fn is_valid(digits: &[u8]) -> bool {
    digits.len() == 12
        && digits.iter().all(u8::is_ascii_digit)
        && digits[11] - b'0' == check_digit(&digits[..11])
}

/// The same digits as a person might type them: full-width, spaces, hyphens.
fn as_typed(rng: &mut StdRng, digits: &[u8]) -> String {
    let mut out = String::new();
    for (i, d) in digits.iter().enumerate() {
        if rng.random_bool(0.5) {
            out.push(char::from_u32(0xFF10 + u32::from(d - b'0')).unwrap_or('0'));
        } else {
            out.push(char::from(*d));
        }
        if i % 4 == 3 && i < 11 {
            match rng.random_range(0..4) {
                0 => out.push(' '),
                1 => out.push('-'),
                2 => out.push('\u{3000}'),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn number_parsing_accepts_exactly_the_valid_numbers_and_never_panics() {
    let mut rng = StdRng::seed_from_u64(8);
    let deadline = Instant::now() + Duration::from_secs(3);
    let (mut valid_seen, mut cases) = (0, 0);
    while cases < 200_000 && Instant::now() < deadline {
        cases += 1;
        // Twelve random digits, with the right check digit half the time.
        let mut digits: Vec<u8> = (0..12).map(|_| b'0' + rng.random_range(0..10u8)).collect();
        if rng.random_bool(0.5) {
            digits[11] = b'0' + check_digit(&digits[..11]);
        }
        let typed = as_typed(&mut rng, &digits);
        let parsed = MyNumber::parse(&typed);
        assert_eq!(parsed.is_ok(), is_valid(&digits), "{typed:?}");
        if let Ok(number) = parsed {
            valid_seen += 1;
            assert_eq!(number.expose_digits().as_slice(), digits.as_slice());
        }
        // Arbitrary text (any length, any characters): an error or a valid number, no panic.
        let noise: String = (0..rng.random_range(0..30))
            .map(|_| match rng.random_range(0..4) {
                0 => char::from(b'0' + rng.random_range(0..10u8)),
                1 => char::from_u32(0xFF10 + rng.random_range(0..10)).unwrap_or('0'),
                2 => char::from(rng.random_range(0x20..0x7Fu8)),
                _ => rng.random::<char>(),
            })
            .collect();
        if let Ok(number) = MyNumber::parse(&noise) {
            assert!(is_valid(number.expose_digits()), "{noise:?}");
        }
    }
    assert!(
        valid_seen > 100,
        "only {valid_seen} valid numbers in {cases} cases"
    );
}

#[test]
fn random_mutations_of_photos_never_panic_the_scrubber() {
    let limits = ScrubLimits {
        long_edge: 1200,
        jpeg_quality: 80,
        ..ScrubLimits::default()
    };
    let seeds = [
        fixture("orientation/landscape_6.jpg"),
        fixture("hostile/progressive-orientation6.jpg"),
        fixture("hostile/gray-alpha.png"),
        fixture("hostile/with-exif.webp"),
    ];
    let mut rng = StdRng::seed_from_u64(2026);
    let deadline = Instant::now() + Duration::from_secs(8);
    let (mut ok, mut refused, mut cases) = (0, 0, 0);
    while cases < 400 && Instant::now() < deadline {
        let mut input = seeds[cases % seeds.len()].clone();
        cases += 1;
        for _ in 0..rng.random_range(1..12) {
            let at = rng.random_range(0..input.len());
            match rng.random_range(0..5) {
                0 => input[at] = rng.random(),
                1 => input[at] ^= 1 << rng.random_range(0..8),
                2 => input.truncate(at.max(1)),
                3 => {
                    let len = rng.random_range(1..64).min(input.len() - at);
                    let chunk = input[at..at + len].to_vec();
                    let to = rng.random_range(0..input.len());
                    input.splice(to..to, chunk);
                }
                // Header fields are where the interesting lies are: bias toward them.
                _ => {
                    let at = rng.random_range(0..input.len().min(512));
                    input[at] = [0x00, 0xFF, 0x7F, 0x80][rng.random_range(0..4)];
                }
            }
        }
        let outcome = std::panic::catch_unwind(|| scrub_image(&input, &limits).is_ok());
        match outcome {
            Ok(true) => ok += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("scrub_image panicked on mutation case {cases}"),
        }
    }
    eprintln!("{cases} mutated images: {ok} scrubbed, {refused} refused");
}
