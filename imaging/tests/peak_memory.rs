//! The memory a scrub really takes, measured with a counting allocator, for
//! the shapes and layouts that cost the most: each stays within
//! `ScrubLimits::peak_bytes`, the figure the service sizes its concurrent
//! decodes by, and a refused file is refused before any pixel buffer exists.
//!
//! A test binary of its own: the allocator counts the whole process, so
//! nothing else may run beside these cases (they run one after another in
//! one test).

use std::io::Write;

use imaging::scrub::{ScrubError, ScrubLimits, release_pooled_buffers, scrub_image};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

const MIB: u64 = 1 << 20;

/// A PNG of `width` × `height` of one grey or colour value, written a row at
/// a time so the test never holds the raw image (a 50 MP PNG of one value
/// deflates to ~50 KB).
fn png(width: u32, height: u32, color: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        encoder.set_compression(png::Compression::Balanced);
        let mut writer = encoder.write_header().expect("png header");
        let samples = match color {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            _ => 4,
        };
        let bytes = if depth == png::BitDepth::Sixteen {
            2
        } else {
            1
        };
        let row = vec![0x80u8; width as usize * samples * bytes];
        let mut stream = writer.stream_writer().expect("png stream");
        for _ in 0..height {
            stream.write_all(&row).expect("png row");
        }
        stream.finish().expect("png end");
    }
    out
}

/// A JPEG of `width` × `height` with a little texture (baseline 4:2:0, or
/// progressive 4:4:4, the layout whose decoder keeps every coefficient).
fn jpeg(width: u16, height: u16, progressive: bool) -> Vec<u8> {
    let pixels: Vec<u8> = (0..usize::from(width) * usize::from(height))
        .flat_map(|i| {
            let v = (i % 251) as u8;
            [v, v / 2, 255 - v]
        })
        .collect();
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 80);
    if progressive {
        encoder.set_progressive(true);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
    }
    encoder
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg");
    out
}

/// A small JPEG carrying one 64 KB EXIF block whose 2,000 entries all name
/// the same 40,000 NUL bytes as ASCII: read value by value, as
/// `kamadak-exif`'s `fields()` does, that is 2,000 × 40,000 empty strings of
/// 24 bytes each (1.9 GB).
fn jpeg_with_exif_bomb() -> Vec<u8> {
    let entries: u16 = 2_000;
    let mut tiff = b"II\x2a\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&entries.to_le_bytes());
    let value_at = 8 + 2 + 12 * u32::from(entries) + 4;
    for i in 0..entries {
        tiff.extend_from_slice(&(0x9000 + i).to_le_bytes()); // tag
        tiff.extend_from_slice(&2u16.to_le_bytes()); // ASCII
        tiff.extend_from_slice(&40_000u32.to_le_bytes()); // count
        tiff.extend_from_slice(&value_at.to_le_bytes()); // offset
    }
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    tiff.resize(value_at as usize + 40_000, 0);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let plain = jpeg(64, 64, false);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&(u16::try_from(app1.len() + 2).expect("fits")).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A lossless WebP (the only kind `image` writes).
fn webp(width: u32, height: u32) -> Vec<u8> {
    let pixels = vec![0x80u8; width as usize * height as usize * 3];
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .expect("webp");
    out
}

/// A name, a maker of the input, and the outcome it must have.
type Case = (&'static str, Box<dyn Fn() -> Vec<u8>>, Outcome);

/// What one case should end in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Scrubbed,
    Refused(ScrubError),
}

#[test]
fn no_shape_or_layout_takes_more_memory_than_the_limits_allow() {
    let limits = ScrubLimits::default();
    let bound = limits.peak_bytes(0);
    let shape = |width, height| Outcome::Refused(ScrubError::ExtremeShape { width, height });
    let cases: Vec<Case> = vec![
        (
            "png grey 49,999,999 x 1",
            Box::new(|| {
                png(
                    49_999_999,
                    1,
                    png::ColorType::Grayscale,
                    png::BitDepth::Eight,
                )
            }),
            shape(49_999_999, 1),
        ),
        (
            "png rgb 1 x 49,999,999",
            Box::new(|| png(1, 49_999_999, png::ColorType::Rgb, png::BitDepth::Eight)),
            shape(1, 49_999_999),
        ),
        (
            "png grey 20,000 x 2,500",
            Box::new(|| {
                png(
                    20_000,
                    2_500,
                    png::ColorType::Grayscale,
                    png::BitDepth::Eight,
                )
            }),
            shape(20_000, 2_500),
        ),
        (
            "png grey 16,384 x 820 (longest side, steepest ratio)",
            Box::new(|| png(16_384, 820, png::ColorType::Grayscale, png::BitDepth::Eight)),
            Outcome::Scrubbed,
        ),
        (
            "png rgba 7,071 x 7,071 (max-pixel square)",
            Box::new(|| png(7_071, 7_071, png::ColorType::Rgba, png::BitDepth::Eight)),
            Outcome::Scrubbed,
        ),
        (
            "png grey 7,071 x 7,071 (flattened in place, 1 -> 3 bytes)",
            Box::new(|| {
                png(
                    7_071,
                    7_071,
                    png::ColorType::Grayscale,
                    png::BitDepth::Eight,
                )
            }),
            Outcome::Scrubbed,
        ),
        (
            "png rgb16 5,000 x 5,000",
            Box::new(|| png(5_000, 5_000, png::ColorType::Rgb, png::BitDepth::Sixteen)),
            Outcome::Scrubbed,
        ),
        (
            "png rgba16 7,071 x 7,071 (400 MB to decode)",
            Box::new(|| png(7_071, 7_071, png::ColorType::Rgba, png::BitDepth::Sixteen)),
            Outcome::Refused(ScrubError::TooLarge),
        ),
        (
            "png 1 x 1",
            Box::new(|| png(1, 1, png::ColorType::Rgb, png::BitDepth::Eight)),
            Outcome::Scrubbed,
        ),
        (
            "jpeg 65,535 x 1",
            Box::new(|| jpeg(65_535, 1, false)),
            shape(65_535, 1),
        ),
        (
            "jpeg 1 x 65,535",
            Box::new(|| jpeg(1, 65_535, false)),
            shape(1, 65_535),
        ),
        (
            "jpeg 16,384 x 3,051 (50 MP at the longest side)",
            Box::new(|| jpeg(16_384, 3_051, false)),
            Outcome::Scrubbed,
        ),
        (
            "jpeg progressive 4:4:4 5,000 x 5,000",
            Box::new(|| jpeg(5_000, 5_000, true)),
            Outcome::Scrubbed,
        ),
        (
            "jpeg progressive 4:4:4 7,071 x 7,071 (450 MB to decode)",
            Box::new(|| jpeg(7_071, 7_071, true)),
            Outcome::Refused(ScrubError::TooLarge),
        ),
        (
            "jpeg with an EXIF block of 2,000 entries naming one 40 KB value",
            Box::new(jpeg_with_exif_bomb),
            Outcome::Scrubbed,
        ),
        (
            "webp 16,383 x 1",
            Box::new(|| webp(16_383, 1)),
            shape(16_383, 1),
        ),
        (
            "webp lossless 1,000 x 1,000",
            Box::new(|| webp(1_000, 1_000)),
            Outcome::Refused(ScrubError::TooLarge),
        ),
        (
            "webp lossless 100 x 100",
            Box::new(|| webp(100, 100)),
            Outcome::Scrubbed,
        ),
    ];
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, make, expected) in cases {
        let input = make();
        release_pooled_buffers();
        let before = ALLOCATOR.current_usage() as u64;
        ALLOCATOR.reset_peak_usage();
        let result = scrub_image(&input, &limits);
        let peak = ALLOCATOR.peak_usage() as u64 - before;
        let outcome = match result {
            Ok(_) => Outcome::Scrubbed,
            Err(e) => Outcome::Refused(e),
        };
        report.push(format!(
            "{name}: {} KB in, {outcome:?}, peak {} MiB",
            input.len() / 1000,
            peak / MIB
        ));
        if outcome != expected {
            failures.push(format!("{name}: {outcome:?}, expected {expected:?}"));
        }
        if peak > bound {
            failures.push(format!(
                "{name}: peak {} MiB over the bound of {} MiB",
                peak / MIB,
                bound / MIB
            ));
        }
        // A refusal comes from the headers, before any pixel buffer (a JPEG
        // decoder copies its input first).
        if matches!(outcome, Outcome::Refused(_)) && peak > input.len() as u64 + 8 * MIB {
            failures.push(format!("{name}: refused only after {} MiB", peak / MIB));
        }
    }
    // Noise at the highest quality the settings allow: the JPEG is as large
    // as it gets (about the raw size), and it grows by doubling.
    let noise = {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let pixels: Vec<u8> = (0..2400 * 2400 * 3)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_raw(2400, 2400, pixels)
            .expect("noise")
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("png");
        out.into_inner()
    };
    let best = ScrubLimits {
        jpeg_quality: 95,
        ..limits
    };
    release_pooled_buffers();
    let before = ALLOCATOR.current_usage() as u64;
    ALLOCATOR.reset_peak_usage();
    let out = scrub_image(&noise, &best).expect("noise scrubs");
    let peak = ALLOCATOR.peak_usage() as u64 - before;
    report.push(format!(
        "png noise 2,400 x 2,400 at quality 95: {} KB in, {} KB out, peak {} MiB",
        noise.len() / 1000,
        out.jpeg.len() / 1000,
        peak / MIB
    ));
    if peak > best.peak_bytes(0) {
        failures.push(format!("noise: peak {} MiB over the bound", peak / MIB));
    }
    eprintln!("bound {} MiB\n{}", bound / MIB, report.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}");
}
