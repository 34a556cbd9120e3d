//! Compares the QR decoders on the card-back test set (see BENCHMARKS.md):
//!
//!     cargo run --release --manifest-path scripts/qr_compare/Cargo.toml -- target/qr-testset
//!
//! Each photo goes the way of the upload pipeline: decoded, downscaled to the scrub's
//! 2,400 px long edge, reduced to the greyscale working copy of `imaging::card_qr`
//! (1,200 px), and handed to each decoder. A photo counts as decoded when the decoder
//! returns exactly the number the QR holds, after `card_qr::accept_payload`; a false
//! match is any number returned that is not the QR's (for the negative photos, any
//! number at all). `pipeline` is the production function end to end
//! (`imaging::scrub::scrub_card_image` on the file).

use std::collections::BTreeMap;
use std::time::Instant;

use imaging::card_qr::{self, CardQr, WorkingImage};

#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    condition: String,
    expect: Option<String>,
}

#[derive(Default)]
struct Tally {
    n: usize,
    ok: usize,
    false_match: usize,
    times: Vec<f64>,
}

impl Tally {
    fn add(&mut self, got: Option<my_number::MyNumber>, expect: Option<&str>, ms: f64) {
        self.n += 1;
        self.times.push(ms);
        match (got, expect) {
            (Some(g), Some(e)) if g.expose_digits() == e.as_bytes() => self.ok += 1,
            (Some(_), _) => self.false_match += 1,
            (None, None) => self.ok += 1,
            (None, Some(_)) => {}
        }
    }
    fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        if t.is_empty() { 0.0 } else { t[t.len() / 2] }
    }
    fn p_max(&self) -> f64 {
        self.times.iter().copied().fold(0.0, f64::max)
    }
}

/// rqrr (a port of quirc) on the working copy: every grid it finds, the first valid
/// number taken.
fn rqrr_number(img: WorkingImage) -> Option<my_number::MyNumber> {
    let (w, h) = (img.width(), img.height());
    let pixels = img.pixels();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    prepared.detect_grids().iter().find_map(|grid| {
        let mut out = Vec::new();
        grid.decode_to(&mut out).ok()?;
        card_qr::accept_payload(&out)
    })
}

/// rxing as Kakunin calls it (`imaging::card_qr::read_working_image`).
fn rxing_number(img: WorkingImage) -> Option<my_number::MyNumber> {
    match card_qr::read_working_image(img) {
        CardQr::Number(n) => Some(n),
        _ => None,
    }
}

/// rxing with a chosen reader and effort on the working copy: `cpp_only` the zxing-cpp port
/// alone (without the Java port `MultiFormatReader` falls back to when it finds nothing),
/// `try_harder` every third row scanned for finder patterns instead of a step from the
/// image height.
fn rxing_tuned(img: &WorkingImage, cpp_only: bool, try_harder: bool) -> Option<my_number::MyNumber> {
    use rxing::Reader;
    let (w, h) = (img.width() as u32, img.height() as u32);
    if w < 21 || h < 21 {
        return None;
    }
    let hints = rxing::DecodeHints {
        TryHarder: Some(try_harder),
        PossibleFormats: Some(std::collections::HashSet::from([rxing::BarcodeFormat::QR_CODE])),
        ..Default::default()
    };
    let source = rxing::Luma8LuminanceSource::new(img.pixels().to_vec(), w, h).ok()?;
    let mut bitmap = rxing::BinaryBitmap::new(rxing::common::HybridBinarizer::new(source));
    let result = if cpp_only {
        rxing::qrcode::cpp_port::QrReader.decode_with_hints(&mut bitmap, &hints)
    } else {
        rxing::MultiFormatReader::default().decode_with_hints(&mut bitmap, &hints)
    };
    result.ok().and_then(|r| card_qr::accept_payload(r.getText().as_bytes()))
}

/// `--cost PHOTO [RUNS]`: the added cost of the QR step on one photo, as medians of
/// alternating runs of `scrub_image` and `scrub_card_image`, and of the QR step alone
/// (working copy + decoder) on the scrub's 2,400 px image.
fn cost(path: &str, runs: usize) {
    let bytes = std::fs::read(path).expect("photo");
    let limits = imaging::scrub::ScrubLimits::default();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut plain, mut card) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let _ = imaging::scrub::scrub_image(&bytes, &limits).expect("scrub");
        plain.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let _ = imaging::scrub::scrub_card_image(&bytes, &limits).expect("scrub");
        card.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let rgb = image::load_from_memory(&bytes).expect("decode").to_rgb8();
    let (w, h) = rgb.dimensions();
    let scale = 2400.0 / w.max(h) as f64;
    let rgb = image::imageops::resize(
        &rgb,
        (w as f64 * scale) as u32,
        (h as f64 * scale) as u32,
        image::imageops::FilterType::CatmullRom,
    );
    let (w, h) = rgb.dimensions();
    let mut step = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let _ = card_qr::read_card_qr(rgb.as_raw(), w, h);
        step.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (p, c, s) = (median(plain), median(card), median(step));
    println!("runs {runs}: scrub_image median {p:.1} ms, scrub_card_image median {c:.1} ms (+{:.1} ms), QR step alone on {w}x{h} median {s:.1} ms", c - p);
}

/// `--once plain|card PHOTO`: one `scrub_image` or one `scrub_card_image`, nothing else,
/// for an instruction count under `valgrind --tool=callgrind` (repeatable whatever else
/// the machine is doing; BENCHMARKS.md, "Added cost per photo").
fn once(which: &str, path: &str) {
    let bytes = std::fs::read(path).expect("photo");
    let limits = imaging::scrub::ScrubLimits::default();
    let scrubbed = match which {
        "plain" => imaging::scrub::scrub_image(&bytes, &limits),
        "card" => imaging::scrub::scrub_card_image(&bytes, &limits),
        other => panic!("--once plain|card, not {other}"),
    }
    .expect("scrub");
    println!("{which}: {}x{}", scrubbed.width, scrubbed.height);
}

/// `--step VARIANT PHOTO`: the QR step alone, once (working copy and decoder) on the scrub's
/// 2,400 px image of PHOTO, for an instruction count under callgrind: `production`
/// (`card_qr::read_card_qr`), `rxing-fast`, `cpp`, `cpp-fast` (see [`rxing_tuned`]), or
/// `none` (the setup alone, to subtract).
fn step(variant: &str, path: &str) {
    let bytes = std::fs::read(path).expect("photo");
    let limits = imaging::scrub::ScrubLimits::default();
    let scrubbed = imaging::scrub::scrub_image(&bytes, &limits).expect("scrub");
    let rgb = image::load_from_memory(&scrubbed.jpeg).expect("decode").to_rgb8();
    let (w, h) = rgb.dimensions();
    let found = match variant {
        "none" => None,
        "production" => match card_qr::read_card_qr(rgb.as_raw(), w, h) {
            CardQr::Number(n) => Some(n),
            _ => None,
        },
        other => {
            let work = WorkingImage::from_rgb8(rgb.as_raw(), w, h, card_qr::WORK_LONG_EDGE);
            match other {
                "rxing-fast" => rxing_tuned(&work, false, false),
                "cpp" => rxing_tuned(&work, true, true),
                "cpp-fast" => rxing_tuned(&work, true, false),
                _ => panic!("--step production|rxing-fast|cpp|cpp-fast|none"),
            }
        }
    };
    println!("{variant} on {w}x{h}: {}", if found.is_some() { "a number" } else { "nothing" });
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--step") {
        let variant = std::env::args().nth(2).expect("variant");
        let path = std::env::args().nth(3).expect("photo");
        return step(&variant, &path);
    }
    if std::env::args().nth(1).as_deref() == Some("--once") {
        let which = std::env::args().nth(2).expect("plain|card");
        let path = std::env::args().nth(3).expect("photo");
        return once(&which, &path);
    }
    if std::env::args().nth(1).as_deref() == Some("--cost") {
        let path = std::env::args().nth(2).expect("photo");
        let runs = std::env::args().nth(3).and_then(|r| r.parse().ok()).unwrap_or(30);
        return cost(&path, runs);
    }
    let dir = std::env::args().nth(1).unwrap_or_else(|| "target/qr-testset".into());
    let manifest: Vec<Entry> = serde_json::from_slice(
        &std::fs::read(format!("{dir}/manifest.json")).expect("manifest.json"),
    )
    .expect("manifest");
    let limits = imaging::scrub::ScrubLimits::default();
    let mut tallies: BTreeMap<(String, &str), Tally> = BTreeMap::new();
    for entry in &manifest {
        let bytes = std::fs::read(format!("{dir}/{}", entry.file)).expect("photo");
        let expect = entry.expect.as_deref();
        let cond = entry.condition.clone();

        let t = Instant::now();
        let scrubbed = imaging::scrub::scrub_card_image(&bytes, &limits).expect("scrub");
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let got = match scrubbed.card_qr {
            Some(CardQr::Number(n)) => Some(n),
            _ => None,
        };
        tallies.entry((cond.clone(), "pipeline")).or_default().add(got, expect, ms);

        let rgb = image::load_from_memory(&bytes).expect("decode").to_rgb8();
        let (w, h) = rgb.dimensions();
        let scale = 2400.0 / w.max(h) as f64;
        let rgb = if scale < 1.0 {
            image::imageops::resize(
                &rgb,
                (w as f64 * scale) as u32,
                (h as f64 * scale) as u32,
                image::imageops::FilterType::CatmullRom,
            )
        } else {
            rgb
        };
        let (w, h) = rgb.dimensions();
        let full = WorkingImage::from_rgb8(rgb.as_raw(), w, h, 2400);
        let t = Instant::now();
        let work = WorkingImage::from_rgb8(rgb.as_raw(), w, h, card_qr::WORK_LONG_EDGE);
        let reduce_ms = t.elapsed().as_secs_f64() * 1e3;

        let copy = work.clone();
        let t = Instant::now();
        let got = rqrr_number(copy);
        let ms = t.elapsed().as_secs_f64() * 1e3 + reduce_ms;
        tallies.entry((cond.clone(), "rqrr@1200")).or_default().add(got, expect, ms);

        let t = Instant::now();
        let got = rxing_number(work.clone());
        let ms = t.elapsed().as_secs_f64() * 1e3 + reduce_ms;
        tallies.entry((cond.clone(), "rxing@1200")).or_default().add(got, expect, ms);

        // The decoder's settings (the lever for the pipeline's cost without losing pixels).
        for (name, cpp_only, try_harder) in [
            ("rxing-fast@1200", false, false),
            ("cpp@1200", true, true),
            ("cpp-fast@1200", true, false),
        ] {
            let t = Instant::now();
            let got = rxing_tuned(&work, cpp_only, try_harder);
            let ms = t.elapsed().as_secs_f64() * 1e3 + reduce_ms;
            tallies.entry((cond.clone(), name)).or_default().add(got, expect, ms);
        }

        // A smaller working copy (the lever for the pipeline's cost): 960 px.
        let t = Instant::now();
        let small = WorkingImage::from_rgb8(rgb.as_raw(), w, h, 960);
        let got = rxing_number(small);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        tallies.entry((cond.clone(), "rxing@960")).or_default().add(got, expect, ms);

        let t = Instant::now();
        let got = rqrr_number(full.clone());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        tallies.entry((cond.clone(), "rqrr@2400")).or_default().add(got, expect, ms);

        let t = Instant::now();
        let got = rxing_number(full.clone());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        tallies.entry((cond.clone(), "rxing@2400")).or_default().add(got, expect, ms);
    }
    println!("| condition | decoder | photos | decoded (negatives: nothing returned) | false matches | median ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut totals: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    for ((cond, dec), t) in &tallies {
        println!(
            "| {cond} | {dec} | {} | {} ({:.0} %) | {} | {:.1} | {:.1} |",
            t.n, t.ok, 100.0 * t.ok as f64 / t.n as f64, t.false_match, t.median(), t.p_max()
        );
        let part = match cond.as_str() {
            "clean" => "clean",
            "negative" => "negative",
            _ => "hard",
        };
        let total = totals.entry((part, dec)).or_default();
        total.n += t.n;
        total.ok += t.ok;
        total.false_match += t.false_match;
        total.times.extend(&t.times);
    }
    println!();
    println!("| part | decoder | photos | decoded | false matches | median ms |");
    println!("|---|---|---:|---:|---:|---:|");
    for ((part, dec), t) in &totals {
        println!(
            "| {part} | {dec} | {} | {} ({:.1} %) | {} | {:.1} |",
            t.n, t.ok, 100.0 * t.ok as f64 / t.n as f64, t.false_match, t.median()
        );
    }
}
