//! Scrub + seal of one phone photo: the CPU cost of accepting one upload.
//!
//! The input is a 12-megapixel, ~4.5 MB phone-style JPEG with Orientation 6,
//! GPS, a serial number and a thumbnail (`tests/fixtures/images/bench/phone-12mp.jpg`,
//! made by `python3 shared/tools/mkphoto.py`; set `KAKUNIN_BENCH_PHOTO` to use
//! another file). The target is a median of at most 120 ms on one core:
//!
//! ```text
//! taskset -c 0 cargo bench -p intake-api --bench scrub
//! ```
//!
//! Besides the end-to-end figure, the `stages` group times the same library
//! calls the scrubber makes, one at a time, so a regression can be pinned on
//! decode, resize, encode or seal. Results and their analysis: `BENCHMARKS.md`.

use std::hint::black_box;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fast_image_resize as fr;
use image::{ImageDecoder, ImageFormat, ImageReader};
use intake_api::pipeline::card_qr::{WORK_LONG_EDGE, WorkingImage, read_working_image};
use intake_api::pipeline::scrub::{ScrubLimits, scrub_card_image, scrub_image};

/// The benchmark photo: `$KAKUNIN_BENCH_PHOTO`, or the committed fixture.
fn photo() -> Vec<u8> {
    let path = std::env::var_os("KAKUNIN_BENCH_PHOTO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures/images/bench/phone-12mp.jpg")
        });
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "benchmark photo {} unreadable ({err}); make one with \
             `python3 shared/tools/mkphoto.py /tmp/phone.jpg` and set KAKUNIN_BENCH_PHOTO",
            path.display()
        )
    })
}

/// Seals like the vault does: age, to one X25519 recipient.
fn seal(plaintext: &[u8], recipient: &age::x25519::Recipient) -> Vec<u8> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .expect("one recipient");
    let mut sealed = Vec::with_capacity(plaintext.len() + 512);
    let mut writer = encryptor.wrap_output(&mut sealed).expect("age header");
    writer.write_all(plaintext).expect("age body");
    writer.finish().expect("age finish");
    sealed
}

fn scrub_and_seal(c: &mut Criterion) {
    let input = photo();
    let limits = ScrubLimits::default();
    let recipient = age::x25519::Identity::generate().to_public();
    let mut group = c.benchmark_group("scrub_and_seal");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("phone_12mp", |b| {
        b.iter(|| {
            let scrubbed = scrub_image(black_box(&input), &limits).expect("scrub");
            seal(&scrubbed.jpeg, &recipient)
        })
    });
    group.bench_function("phone_12mp_scrub_only", |b| {
        b.iter(|| scrub_image(black_box(&input), &limits).expect("scrub"))
    });
    // The same photo taken as a card's back (issue 19): the QR is looked for in the
    // scrub's pixels. The difference with `phone_12mp_scrub_only` is the QR step's cost.
    group.bench_function("phone_12mp_scrub_card_back", |b| {
        b.iter(|| scrub_card_image(black_box(&input), &limits).expect("scrub"))
    });
    group.finish();
}

/// The scrubber's library calls in isolation, on the same photo and sizes.
fn stages(c: &mut Criterion) {
    let input = photo();
    let limits = ScrubLimits::default();
    let recipient = age::x25519::Identity::generate().to_public();
    let mut group = c.benchmark_group("stages");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));

    // Pixel buffers are allocated once, as the scrubber's buffer pool does, so
    // these time the work rather than page faults.
    let decode_into = |input: &[u8], pixels: &mut Vec<u8>| {
        let decoder = ImageReader::with_format(Cursor::new(input), ImageFormat::Jpeg)
            .into_decoder()
            .expect("header");
        let (width, height) = decoder.dimensions();
        pixels.resize(usize::try_from(decoder.total_bytes()).expect("size"), 0);
        decoder.read_image(pixels).expect("decode");
        (width, height)
    };
    let mut pixels = Vec::new();
    group.bench_function("decode_12mp", |b| {
        b.iter(|| decode_into(black_box(&input), &mut pixels))
    });

    let (width, height) = decode_into(&input, &mut pixels);
    let (new_width, new_height) = (limits.long_edge, limits.long_edge * height / width);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom));
    let mut resizer = fr::Resizer::new();
    let mut resize = |pixels: &[u8], dst: &mut fr::images::Image<'_>| {
        let src = fr::images::ImageRef::new(width, height, pixels, fr::PixelType::U8x3)
            .expect("source view");
        resizer.resize(&src, dst, &options).expect("resize");
    };
    let mut small = fr::images::Image::new(new_width, new_height, fr::PixelType::U8x3);
    group.bench_function("resize_to_2400", |b| {
        b.iter(|| resize(black_box(&pixels), &mut small))
    });

    let encode = |small: &fr::images::Image<'_>| {
        // Same first guess as the scrubber: an eighth of the raw size.
        let mut jpeg = Vec::with_capacity(small.buffer().len() / 8);
        jpeg_encoder::Encoder::new(&mut jpeg, limits.jpeg_quality)
            .encode(
                small.buffer(),
                u16::try_from(new_width).expect("width"),
                u16::try_from(new_height).expect("height"),
                jpeg_encoder::ColorType::Rgb,
            )
            .expect("encode");
        jpeg
    };
    group.bench_function("encode_2400", |b| b.iter(|| encode(black_box(&small))));

    // The card-back QR step alone: the greyscale working copy and the detector.
    group.bench_function("card_qr_2400", |b| {
        b.iter(|| {
            let work = WorkingImage::from_rgb8(
                black_box(small.buffer()),
                new_width,
                new_height,
                WORK_LONG_EDGE,
            );
            read_working_image(work)
        })
    });

    let jpeg = encode(&small);
    group.bench_function("seal_output", |b| {
        b.iter(|| seal(black_box(&jpeg), &recipient))
    });
    group.finish();
}

criterion_group!(benches, scrub_and_seal, stages);
criterion_main!(benches);
