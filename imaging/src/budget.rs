//! What one scrub may allocate, worked out before it allocates.
//!
//! An upload of a few kilobytes can declare an image whose decoding, resizing
//! or metadata scan would take gigabytes (a 48 KB PNG of 49,999,999 × 1 pixels
//! made the resizer's coefficient tables alone 2 GB). So the scrubber reads
//! the headers, refuses shapes no document has, and then adds up, from the
//! dimensions, the layout and the limits, everything the rest of the scrub
//! will allocate ([`scrub_bytes`]); over [`ScrubLimits::max_alloc_bytes`] the
//! upload is refused before the first pixel buffer exists.
//!
//! # The worst case of one scrub
//!
//! With `w × h` the image, `O = max(decoded layout, 3wh)` the pixel buffer
//! (decoded into, then flattened to RGB8 in place, then holding the resized
//! image), `T = 3w·h'` the intermediate of the two resize passes (`h'` the
//! output height, `T ≤ O`), `C` one pass's coefficient tables, `R = 3w'h'`
//! the upright copy and `J ≤ 2R` the growing JPEG (at most the raw size,
//! plus the old buffer while it doubles), what is alive at once is:
//!
//! | phase | alive besides the input | counted as |
//! |---|---|---|
//! | decode | the decoder's copy of the input and its working memory, `O` | `O` + working |
//! | resize | `O`, `T`, `C` | `O + T + C` |
//! | quality | `O`, `T`, a 512-pixel greyscale copy, the QR working copy | under 6 MiB more |
//! | orient | `O`, `T`, and `R` when `T` is too small to reuse | `O + T + R` |
//! | encode | one of `O`, `T`, `R`, and `J` | `O + J` |
//!
//! and `scrub_bytes = O + max(working, T + max(C, R), J) + 2 MiB` must not
//! exceed `A` = [`ScrubLimits::max_alloc_bytes`]. So **one scrub holds at most
//! its input plus `A`** ([`ScrubLimits::peak_bytes`]): 20 MiB + 288 MiB =
//! 308 MiB with the defaults. The process-wide pool of wiped buffers adds
//! [`POOL_BYTES`] (128 MiB) once, whatever the number of scrubs, and
//! [`ScrubLimits::scrubs_within`] turns a memory budget into a number of
//! concurrent scrubs. The `peak_memory` test measures the costliest shapes
//! and layouts against this.
//!
//! The side bound ([`ScrubLimits::max_edge`]) is what keeps `C` small:
//! `fast_image_resize` (6.1, `convolution::precompute_coefficients`) builds,
//! per pass, `out × (2·⌈2·in/out⌉ + 1)` `f64` weights for Catmull-Rom (support
//! 2) and an `i16` copy of them: about 48 bytes per source pixel of the
//! resized side plus ~160 per output pixel, proportional to the source side
//! whatever the output size. The aspect-ratio bound keeps `w·h'` and the
//! decoders' per-row work in proportion and states what a document photo
//! looks like.

use crate::scrub::{ImageFormatKind, ScrubLimits};

/// Bytes the buffer pool of `scrub` may keep between scrubs (two wiped
/// buffers of at most 64 MiB).
pub const POOL_BYTES: u64 = 2 * (64 << 20);

/// Small allocations not counted one by one: the metadata scan's categories,
/// the quality check's 512-pixel copy, the encoder's rows, and the card QR
/// reader's working copy ([`crate::card_qr::WORKING_BYTES`], alive in the
/// quality phase only).
const SUNDRIES: u64 = (2 << 20) + crate::card_qr::WORKING_BYTES;

/// Bytes of one resize pass's coefficient tables for a source side of `src`
/// pixels and an output side of `dst` (see the module documentation).
fn resize_coefficient_bytes(src: u64, dst: u64) -> u64 {
    48 * src + 160 * dst + (64 << 10)
}

impl ScrubLimits {
    /// The most memory one scrub holds at once, in bytes, for an input of up
    /// to `max_input_bytes` (the caller's copy): the input plus
    /// [`ScrubLimits::max_alloc_bytes`], which [`scrub_bytes`] is checked
    /// against. The shared [`POOL_BYTES`] are not included.
    pub fn peak_bytes(&self, max_input_bytes: u64) -> u64 {
        max_input_bytes.saturating_add(self.max_alloc_bytes)
    }

    /// How many scrubs may run at once within `budget_bytes` (the shared pool
    /// included) for inputs of up to `max_input_bytes`; 0 if not even one fits.
    pub fn scrubs_within(&self, budget_bytes: u64, max_input_bytes: u64) -> usize {
        let per_scrub = self.peak_bytes(max_input_bytes).max(1);
        let count = budget_bytes.saturating_sub(POOL_BYTES) / per_scrub;
        usize::try_from(count).unwrap_or(usize::MAX)
    }
}

/// Everything a scrub of this file will allocate besides its input, from its
/// headers and the limits (see the module documentation). `total_bytes` is
/// the decoded layout's size as the decoder reports it.
pub(crate) fn scrub_bytes(
    input: &[u8],
    format: ImageFormatKind,
    (width, height): (u32, u32),
    total_bytes: u64,
    limits: &ScrubLimits,
) -> u64 {
    let (w, h) = (u64::from(width), u64::from(height));
    let pixels = buffer_bytes(total_bytes, width, height);
    let (out_w, out_h) = crate::scrub::downscaled_size(width, height, limits.long_edge);
    let (out_w, out_h) = (u64::from(out_w), u64::from(out_h));
    let resized = (out_w, out_h) != (w, h);
    let (intermediate, coefficients) = if resized {
        (
            3 * w * out_h,
            resize_coefficient_bytes(h, out_h).max(resize_coefficient_bytes(w, out_w)),
        )
    } else {
        (0, 0)
    };
    let upright = 3 * out_w * out_h;
    let jpeg = 2 * upright;
    let working = decoder_working_bytes(input, format, w, h);
    let after_decode = (intermediate + coefficients.max(upright)).max(jpeg);
    pixels
        .saturating_add(working.max(after_decode))
        .saturating_add(SUNDRIES)
}

/// The pixel buffer: the decoded layout, or RGB8 if that is larger, since
/// the flattening to RGB8 happens in the same buffer.
pub(crate) fn buffer_bytes(total_bytes: u64, width: u32, height: u32) -> u64 {
    total_bytes.max(3 * u64::from(width) * u64::from(height))
}

/// What the decoder allocates besides the pixel buffer it writes into: its
/// copy of the input and its working memory. Over-estimates rather than
/// under: a file whose headers cannot be read is charged as the costliest
/// layout of its format.
fn decoder_working_bytes(input: &[u8], format: ImageFormatKind, w: u64, h: u64) -> u64 {
    match format {
        // `image` reads the whole input into a `Vec` first.
        ImageFormatKind::Jpeg => input.len() as u64 + jpeg_working_bytes(input, w, h),
        // `png` keeps the current and previous row and the inflater's window
        // and output; `image` decodes straight into our buffer. 8 bytes per
        // pixel is RGBA16, the widest row.
        ImageFormatKind::Png => 4 * (8 * w + 1) + (1 << 20),
        ImageFormatKind::Webp => webp_working_bytes(input, w, h),
    }
}

/// A JPEG frame header (SOF) and whether its first scan carries every
/// component.
struct JpegFrame {
    progressive: bool,
    /// (horizontal, vertical) sampling factor of each component.
    sampling: Vec<(u64, u64)>,
    first_scan_components: Option<u64>,
}

/// Reads the SOF and the first SOS header (everything before the first scan).
fn jpeg_frame(input: &[u8]) -> Option<JpegFrame> {
    let mut frame: Option<JpegFrame> = None;
    let mut pos = 2;
    loop {
        if *input.get(pos)? != 0xFF {
            return None;
        }
        let marker = *input.get(pos + 1)?;
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD8) {
            pos += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([
            *input.get(pos + 2)?,
            *input.get(pos + 3)?,
        ]));
        let payload = input.get(pos + 4..pos + 2 + length.max(2))?;
        match marker {
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let count = usize::from(*payload.get(5)?);
                let sampling = (0..count)
                    .map(|i| {
                        let factors = *payload.get(6 + 3 * i + 1)?;
                        Some((u64::from(factors >> 4), u64::from(factors & 0x0F)))
                    })
                    .collect::<Option<Vec<_>>>()?;
                // A second frame header is a decoder's business; charge for
                // the costlier reading by refusing to guess.
                if frame.is_some() {
                    return None;
                }
                frame = Some(JpegFrame {
                    progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
                    sampling,
                    first_scan_components: None,
                });
            }
            0xDA => {
                let mut frame = frame?;
                frame.first_scan_components = Some(u64::from(*payload.first()?));
                return Some(frame);
            }
            0xD9 => return frame,
            _ => {}
        }
        pos += 2 + length;
    }
}

/// `zune-jpeg`'s working memory (0.5, `mcu.rs`, `mcu_prog.rs`): a progressive
/// image, or a baseline one whose first scan lacks a component, keeps the
/// 16-bit coefficients of every block of the image until the last scan; an
/// interleaved baseline image keeps one row of MCUs per component.
fn jpeg_working_bytes(input: &[u8], w: u64, h: u64) -> u64 {
    // Unreadable header: the costliest layout the format allows (four
    // components sampled 4×4, all coefficients kept).
    let frame = jpeg_frame(input).unwrap_or(JpegFrame {
        progressive: true,
        sampling: vec![(4, 4); 4],
        first_scan_components: None,
    });
    let h_max = frame
        .sampling
        .iter()
        .map(|s| s.0)
        .max()
        .unwrap_or(1)
        .clamp(1, 4);
    let v_max = frame
        .sampling
        .iter()
        .map(|s| s.1)
        .max()
        .unwrap_or(1)
        .clamp(1, 4);
    let mcu_x = w.div_ceil(8 * h_max);
    let mcu_y = h.div_ceil(8 * v_max);
    let blocks_per_mcu: u64 = frame
        .sampling
        .iter()
        .map(|s| s.0.clamp(1, 4) * s.1.clamp(1, 4))
        .sum::<u64>()
        .max(1);
    let coefficient_row = 2 * 64 * mcu_x * blocks_per_mcu;
    let whole_image =
        frame.progressive || frame.first_scan_components != Some(frame.sampling.len() as u64);
    let coefficients = if whole_image {
        coefficient_row * mcu_y
    } else {
        0
    };
    // Rows of coefficients, upsampled rows and colour-conversion scratch:
    // a few MCU rows' worth.
    coefficients + 4 * coefficient_row + 8 * 8 * h_max * mcu_x * 4 * 4 + (1 << 20)
}

/// `image-webp`'s working memory (0.2, `decoder.rs`, `vp8.rs`, `lossless.rs`).
fn webp_working_bytes(input: &[u8], w: u64, h: u64) -> u64 {
    let pixels = w * h;
    // Lossy: Y, U and V planes padded to 16-pixel macroblocks.
    let lossy = w.div_ceil(16) * 16 * h.div_ceil(16) * 16 * 3 / 2 + 64 * w;
    // Lossless: transform images (at most a quarter of the pixels, 4 bytes
    // each), the entropy image, and the Huffman groups: one per distinct
    // meta code (at most 65,536, and at most one per 4×4 tile), each five
    // trees of a 1,024-entry table and up to 2·3,136 16-byte nodes.
    let tiles = w.div_ceil(4) * h.div_ceil(4);
    let groups = tiles.min(1 << 16);
    let lossless = pixels + 6 * tiles + groups * (5 * 4096 + 2 * 3136 * 16) + (1 << 20);
    match webp_layout(input) {
        // Simple lossy: the planes, converted into our buffer.
        Some(WebpLayout::Lossy) => lossy,
        // Simple lossless: decoded as RGBA8 into a buffer of its own when
        // the image is opaque (our buffer is then RGB8).
        Some(WebpLayout::Lossless) => 4 * pixels + lossless,
        // Extended (alpha, animation) or unreadable: a canvas and a frame in
        // RGBA8, an alpha plane decoded losslessly (RGBA8 plus the plane),
        // and the lossy planes.
        None => 13 * pixels + lossy + lossless,
    }
}

enum WebpLayout {
    Lossy,
    Lossless,
}

/// The layout of a WebP file that has no alpha and no animation; `None` for
/// anything else.
fn webp_layout(input: &[u8]) -> Option<WebpLayout> {
    let first = input.get(12..16)?;
    match first {
        b"VP8 " => Some(WebpLayout::Lossy),
        b"VP8L" => Some(WebpLayout::Lossless),
        b"VP8X" => {
            // Flags: 0x10 alpha, 0x02 animation.
            let flags = *input.get(20)?;
            if flags & 0x12 != 0 {
                return None;
            }
            // The image chunk follows the metadata chunks.
            let mut pos = 12usize;
            while let Some(header) = input.get(pos..pos + 8) {
                let size = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
                match &header[..4] {
                    b"VP8 " => return Some(WebpLayout::Lossy),
                    b"VP8L" => return Some(WebpLayout::Lossless),
                    _ => {}
                }
                pos = pos
                    .checked_add(8)?
                    .checked_add(size)?
                    .checked_add(size & 1)?;
            }
            None
        }
        _ => None,
    }
}
