//! Every file of the hostile corpus (`tests/fixtures/images/hostile/`, written by
//! `make_hostile.py`) is uploaded: each is either stored cleanly (201, and the stored blob
//! opens as a JPEG without EXIF) or refused with a known bilingual 4xx — never a 5xx, never
//! a dropped connection — and the service still takes a normal upload afterwards.
//!
//! The memory bound is checked on the way: the service runs inside this test's own process
//! (nextest gives every test a process of its own), so the process's peak resident set
//! (`VmHWM`) bounds what the server used for the whole corpus, bombs included. It must stay
//! within the 1 GiB that the load figures promise for a running instance.
//!
//! Besides the files, the corpus has images of extreme shapes made here (they deflate to a
//! few KB: a 49,999,999 × 1 PNG was 2.1 GB of resizer tables), uploaded two at a time so
//! that concurrent decodes are inside the bound too.

use std::path::Path;

use portal::Message;

use crate::helpers::*;

/// The peak resident set a service may reach (the bound for a running instance).
const MEMORY_BOUND_BYTES: u64 = 1 << 30;

/// This process's peak resident set so far, from `/proc/self/status`.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM");
    kib * 1024
}

/// The refusals an image upload may end in.
const KNOWN_REFUSALS: [Message; 8] = [
    Message::UnsupportedFileType,
    Message::HeicNotSupported,
    Message::TooManyPixels,
    Message::ImageShapeUnsupported,
    Message::PayloadTooLarge,
    Message::CorruptImage,
    Message::ImageTimeout,
    Message::EmptyFile,
];

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/images/hostile");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("hostile corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect();
    files.sort();
    files
}

/// A PNG of one grey (or colour) value, written a row at a time so that making it costs
/// this process no more than a row.
fn flat_png(width: u32, height: u32, color: png::ColorType) -> Vec<u8> {
    use std::io::Write;
    let samples = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        _ => 4,
    };
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_compression(png::Compression::Balanced);
        let mut writer = encoder.write_header().expect("png header");
        let row = vec![0x80u8; width as usize * samples];
        let mut stream = writer.stream_writer().expect("png stream");
        for _ in 0..height {
            stream.write_all(&row).expect("png row");
        }
        stream.finish().expect("png end");
    }
    out
}

/// An image of `width` × `height` in `format`, through `image`'s encoders (small images only:
/// the raw pixels are held).
fn small_encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let pixels = image::RgbImage::from_pixel(width, height, image::Rgb([200, 120, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A named file and the outcome it must have: stored (`None`) or refused with that code.
type Expected = (String, Vec<u8>, Option<&'static str>);

/// Pairs of extreme shapes, each pair uploaded at once.
fn extreme_shapes() -> Vec<[Expected; 2]> {
    use png::ColorType::{Grayscale, Rgb, Rgba};
    let shape = Some(Message::ImageShapeUnsupported.code());
    let case = |name: &str, bytes, outcome| (name.to_owned(), bytes, outcome);
    vec![
        [
            case(
                "png 49,999,999 x 1",
                flat_png(49_999_999, 1, Grayscale),
                shape,
            ),
            case("png 1 x 49,999,999", flat_png(1, 49_999_999, Rgb), shape),
        ],
        [
            case(
                "png 20,000 x 2,500",
                flat_png(20_000, 2_500, Grayscale),
                shape,
            ),
            case("png 16,384 x 820", flat_png(16_384, 820, Grayscale), None),
        ],
        [
            case("png rgba 7,071 x 7,071", flat_png(7_071, 7_071, Rgba), None),
            case(
                "png grey 7,071 x 7,071",
                flat_png(7_071, 7_071, Grayscale),
                None,
            ),
        ],
        [
            case(
                "jpeg 65,535 x 1",
                small_encoded(65_535, 1, image::ImageFormat::Jpeg),
                shape,
            ),
            case(
                "webp 1 x 16,383",
                small_encoded(1, 16_383, image::ImageFormat::WebP),
                shape,
            ),
        ],
        [
            case("png 1 x 1", flat_png(1, 1, Rgb), None),
            case(
                "jpeg 1 x 1",
                small_encoded(1, 1, image::ImageFormat::Jpeg),
                None,
            ),
        ],
    ]
}

/// A JPEG whose segments before the scan include no APP1 (EXIF/XMP).
fn has_exif_segment(jpeg: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        if marker == 0xDA {
            return false;
        }
        if marker == 0xE1 {
            return true;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        at += 2 + len;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_file_is_stored_clean_or_refused_clearly() {
    let app = spawn_with(Spawn {
        tweak: |s| {
            s.rate_limits.upload.burst = 1000;
            s.rate_limits.upload.per_minute = 10_000;
            s.rate_limits.general.burst = 1000;
            s.rate_limits.general.per_minute = 10_000;
            // The whole corpus goes into one submission.
            s.rate_limits.upload_per_invitation.burst = 1000;
            s.rate_limits.upload_per_invitation.per_minute = 10_000;
        },
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let subject = app.signed_in_with_self().await;
    let files = corpus();
    assert!(files.len() >= 50, "the corpus has {} files", files.len());
    let known: Vec<&str> = KNOWN_REFUSALS.iter().map(|m| m.code()).collect();
    let (mut stored, mut refused) = (Vec::new(), Vec::new());
    let mut failures = Vec::new();
    for (name, bytes) in files {
        let response = app.upload(&subject, "my_number_card_front", bytes).await;
        let status = response.status().as_u16();
        let body = json(response).await;
        match status {
            201 => {
                let id = body["document_id"].as_str().expect("id").to_owned();
                let sealed = app.sealed_document(&id).await;
                if let Some(jpeg) = app.open_with_age_cli(&sealed) {
                    let clean = image::guess_format(&jpeg).ok() == Some(image::ImageFormat::Jpeg)
                        && image::load_from_memory(&jpeg).is_ok()
                        && !has_exif_segment(&jpeg);
                    if !clean {
                        failures.push(format!("{name}: stored but not a clean JPEG"));
                    }
                }
                stored.push(name);
            }
            400..=499 => {
                let code = body["error"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let bilingual = ["message_ja", "message_en"]
                    .iter()
                    .all(|k| body["error"][k].as_str().is_some_and(|m| !m.is_empty()));
                if !known.contains(&code.as_str()) || !bilingual {
                    failures.push(format!("{name}: {status} with unexpected body {body}"));
                }
                refused.push(format!("{name} ({status} {code})"));
            }
            _ => failures.push(format!("{name}: {status} {body}")),
        }
    }
    for pair in extreme_shapes() {
        let [(name_a, bytes_a, want_a), (name_b, bytes_b, want_b)] = pair;
        let (a, b) = tokio::join!(
            app.upload(&subject, "my_number_card_front", bytes_a),
            app.upload(&subject, "my_number_card_front", bytes_b),
        );
        for (name, response, want) in [(name_a, a, want_a), (name_b, b, want_b)] {
            let status = response.status().as_u16();
            let body = json(response).await;
            let got = body["error"]["code"].as_str();
            let expected_status = if want.is_some() { 422 } else { 201 };
            if status != expected_status || got != want {
                failures.push(format!("{name}: {status} {body}, expected {want:?}"));
            }
            match want {
                Some(code) => refused.push(format!("{name} ({status} {code})")),
                None => stored.push(name),
            }
        }
    }
    eprintln!("STORED ({}):\n  {}", stored.len(), stored.join("\n  "));
    eprintln!("REFUSED ({}):\n  {}", refused.len(), refused.join("\n  "));
    let peak = peak_rss_bytes();
    eprintln!("peak RSS over the corpus: {} MiB", peak >> 20);
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        peak <= MEMORY_BOUND_BYTES,
        "the service peaked at {} MiB, over its bound of {} MiB",
        peak >> 20,
        MEMORY_BOUND_BYTES >> 20
    );

    let normal = app
        .upload(
            &subject,
            "my_number_card_front",
            fixture("orientation/portrait_1.jpg"),
        )
        .await;
    assert_eq!(
        normal.status(),
        201,
        "the service still takes a normal upload"
    );
}
