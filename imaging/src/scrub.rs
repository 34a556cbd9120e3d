//! The image sanitizer: turns an untrusted upload into a fresh, upright, metadata-free JPEG.
//!
//! This is security invariant 7 ("uploaded files are never trusted") for images.
//! Nothing from the upload survives except its pixels:
//!
//! 1. the type is decided by magic bytes alone ([`sniff`]); the client's file
//!    name and content type are never consulted;
//! 2. the dimensions are read from the header and the image is refused before
//!    any pixel buffer is allocated when it has too many pixels
//!    ([`ScrubError::TooManyPixels`]), a side that is too long or a shape no
//!    document has ([`ScrubError::ExtremeShape`]), or when what its decoder
//!    would allocate, estimated from the headers, exceeds the decoder budget
//!    ([`ScrubError::TooLarge`]); so a decompression bomb costs nothing, and
//!    no buffer of the pipeline grows beyond what [`crate::budget`] works out
//!    from the limits (at most the input plus 288 MiB with the defaults);
//! 3. metadata is only *reported*, as categories ([`crate::metadata`]);
//! 4. the pixels are downscaled to at most [`ScrubLimits::long_edge`], turned
//!    upright according to the EXIF orientation (after the downscale, so the
//!    rotation touches 4 MP rather than 12 MP), and flattened to 8-bit RGB;
//! 5. a new baseline JPEG is written from those pixels with nothing but a JFIF
//!    header: no EXIF, XMP, IPTC, ICC, comment, thumbnail or trailing bytes.
//!
//! The function is pure and synchronous (CPU-bound: callers run it on a
//! blocking thread) and must not panic on any input; callers still wrap it in
//! `catch_unwind` because the decoders are third-party code.
//!
//! Every pixel buffer this module allocates is wiped after use (see
//! `PixelBuffer`: zeroized before it is freed, or zero-filled before it goes
//! back to a small pool that saves a 12 MP scrub ~20 ms of page faults), and
//! the output JPEG is [`Zeroizing`]. Copies made inside third-party code are
//! outside our reach and are not wiped: `image`'s copy of the JPEG input, the
//! EXIF block inside `kamadak-exif`, the decoders' and the encoder's working
//! rows and blocks.

use std::fmt;
use std::io::{self, Cursor, Write};
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use fast_image_resize as fr;
use image::{ColorType, ImageDecoder, ImageError, ImageFormat, ImageReader};
use zeroize::{Zeroize, Zeroizing};

use crate::budget;
use crate::card_qr::{self, CardQr};
use crate::metadata::{self, MetadataCategory, Orientation};
use crate::quality::{self, QualityWarning};

/// Bounds applied to every upload. What they imply for memory is worked out
/// in [`crate::budget`] ([`ScrubLimits::peak_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrubLimits {
    /// Largest accepted `width * height` of the source image.
    pub max_pixels: u64,
    /// Longest accepted width or height of the source image, in pixels.
    pub max_edge: u32,
    /// Largest accepted ratio of the longer side to the shorter one.
    pub max_aspect_ratio: u32,
    /// Most one scrub may allocate besides its input, in bytes: the
    /// decoder's copy of the input and working memory, the pixel buffers,
    /// the resizer's tables and the output, as worked out from the headers
    /// before decoding ([`crate::budget::scrub_bytes`]).
    pub max_alloc_bytes: u64,
    /// The output's longer edge is at most this many pixels (never upscaled).
    pub long_edge: u32,
    /// JPEG quality of the output, 1..=100.
    pub jpeg_quality: u8,
}

impl Default for ScrubLimits {
    /// 50 MP covers every phone camera in use (the largest write 48–50 MP).
    /// 16,384 px is WebP's own ceiling and more than any camera's long side
    /// (8,160 at 50 MP 4:3) or an A3 scan at 600 dpi (9,921). A card is
    /// 1.59:1 (ISO/IEC 7810 ID-1), an A4 or B5 page 1.41:1, two cards side by
    /// side about 3:1; 20:1 leaves room for any crop of those and refuses the
    /// slivers whose only use is to stress the pipeline. 288 MiB scrubs every
    /// 8-bit layout a phone writes at 50 MP (a baseline JPEG needs ~210 MiB,
    /// an RGBA PNG ~260 MiB, a lossy WebP ~220 MiB), a progressive JPEG or a
    /// 16-bit PNG up to about 35 MP, and keeps a scrub within its input plus
    /// 288 MiB, 308 MiB with a 20 MiB upload ([`crate::budget`]). A 2400 px
    /// long edge keeps the 12 digits of a card photographed from arm's length
    /// legible at quality 85.
    fn default() -> Self {
        Self {
            max_pixels: 50_000_000,
            max_edge: 16_384,
            max_aspect_ratio: 20,
            max_alloc_bytes: 288 * 1024 * 1024,
            long_edge: 2400,
            jpeg_quality: 85,
        }
    }
}

/// The image formats accepted, as recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormatKind {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
    /// WebP (`RIFF` … `WEBP`).
    Webp,
}

impl From<ImageFormatKind> for ImageFormat {
    fn from(kind: ImageFormatKind) -> Self {
        match kind {
            ImageFormatKind::Jpeg => ImageFormat::Jpeg,
            ImageFormatKind::Png => ImageFormat::Png,
            ImageFormatKind::Webp => ImageFormat::WebP,
        }
    }
}

/// The sanitized image and what was learned while making it.
pub struct ScrubbedImage {
    /// A freshly encoded baseline JPEG (JFIF header only), wiped when dropped.
    pub jpeg: Zeroizing<Vec<u8>>,
    /// Width of the upright output, in pixels.
    pub width: u32,
    /// Height of the upright output, in pixels.
    pub height: u32,
    /// The format the upload was in.
    pub source_format: ImageFormatKind,
    /// Kinds of metadata the upload carried (all of it was dropped), sorted.
    pub removed: Vec<MetadataCategory>,
    /// Advisory quality problems, sorted; the upload is still accepted.
    pub warnings: Vec<QualityWarning>,
    /// What the card-back QR said, when it was looked for ([`scrub_card_image`]).
    pub card_qr: Option<CardQr>,
}

/// Never prints the image bytes: a `{:?}` in a log line must not leak a document.
impl fmt::Debug for ScrubbedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScrubbedImage")
            .field("jpeg_len", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("source_format", &self.source_format)
            .field("removed", &self.removed)
            .field("warnings", &self.warnings)
            .field("card_qr", &self.card_qr)
            .finish()
    }
}

/// Why an upload was refused. The messages are fixed text with nothing taken
/// from the file, so they are safe to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScrubError {
    /// Not a JPEG, PNG or WebP by its magic bytes (PDF, GIF, TIFF, …).
    #[error("the file is not a JPEG, PNG or WebP image")]
    UnsupportedType,
    /// A HEIC/HEIF image (the iPhone default), which is not accepted.
    #[error("HEIC/HEIF images are not accepted")]
    Heic,
    /// The header declares more pixels than [`ScrubLimits::max_pixels`].
    #[error("the image has more pixels than allowed")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// A side is longer than [`ScrubLimits::max_edge`], or the longer side is
    /// more than [`ScrubLimits::max_aspect_ratio`] times the shorter: no
    /// document photo has that shape.
    #[error("the image is not shaped like a document photo")]
    ExtremeShape {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// Scrubbing would allocate more than [`ScrubLimits::max_alloc_bytes`], or
    /// the decoder hit one of its limits.
    #[error("the image needs more memory to decode than allowed")]
    TooLarge,
    /// The image could not be decoded: damaged, truncated or using a feature
    /// the decoder does not support.
    #[error("the image could not be decoded")]
    Corrupt,
    /// A zero-byte upload.
    #[error("the file is empty")]
    Empty,
}

/// HEIF major brands written by cameras and converters for HEVC-coded images.
const HEIC_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
];

/// Decides the format from magic bytes only.
///
/// HEIF containers get their own error so the caller can tell the user how to
/// switch the phone to JPEG; anything else that is not JPEG, PNG or WebP is
/// [`ScrubError::UnsupportedType`].
pub fn sniff(input: &[u8]) -> Result<ImageFormatKind, ScrubError> {
    if input.is_empty() {
        return Err(ScrubError::Empty);
    }
    if input.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageFormatKind::Jpeg);
    }
    if input.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageFormatKind::Png);
    }
    if input.len() >= 12 && input.starts_with(b"RIFF") && &input[8..12] == b"WEBP" {
        return Ok(ImageFormatKind::Webp);
    }
    if is_heif(input) {
        return Err(ScrubError::Heic);
    }
    Err(ScrubError::UnsupportedType)
}

/// An ISO-BMFF `ftyp` box naming an HEVC brand, or a generic HEIF brand
/// (`mif1`, `msf1`) that is not AVIF.
fn is_heif(input: &[u8]) -> bool {
    if input.len() < 12 || &input[4..8] != b"ftyp" {
        return false;
    }
    let box_len = u32::from_be_bytes([input[0], input[1], input[2], input[3]]) as usize;
    // Major brand, minor version, then compatible brands up to the box end.
    let major = &input[8..12];
    let compatible = input
        .get(16..box_len.min(input.len()))
        .unwrap_or_default()
        .chunks_exact(4);
    let mut brands = std::iter::once(major).chain(compatible);
    if HEIC_BRANDS.iter().any(|b| *b == major) {
        return true;
    }
    let generic = major == b"mif1" || major == b"msf1";
    generic && !brands.any(|b| b == b"avif" || b == b"avis")
}

/// Sanitizes one uploaded image; see the module documentation for the steps.
///
/// # Errors
/// [`ScrubError`] says why the upload was refused; nothing in it comes from the file.
pub fn scrub_image(input: &[u8], limits: &ScrubLimits) -> Result<ScrubbedImage, ScrubError> {
    scrub(input, limits, false)
}

/// [`scrub_image`] for a photo of a My Number card's back: the QR is also looked for in
/// the pixels the scrub holds (no second decode; see [`crate::card_qr`]), and
/// [`ScrubbedImage::card_qr`] says what it held.
///
/// # Errors
/// As [`scrub_image`]; a missing or unreadable QR is an outcome, not an error.
pub fn scrub_card_image(input: &[u8], limits: &ScrubLimits) -> Result<ScrubbedImage, ScrubError> {
    scrub(input, limits, true)
}

fn scrub(input: &[u8], limits: &ScrubLimits, read_qr: bool) -> Result<ScrubbedImage, ScrubError> {
    let source_format = sniff(input)?;
    let report = metadata::inspect(input, source_format);
    // A cut-off or structurally broken upload would decode (leniently) to a
    // card with a grey band that an officer can only send back; better to
    // tell the phone at once.
    if !report.complete {
        return Err(ScrubError::Corrupt);
    }
    let decoded = decode(input, source_format, limits)?;
    let (source_width, source_height) = (decoded.width, decoded.height);
    let (small, spare) = downscale(decoded, limits.long_edge)?;
    // Orientation does not change any of the measures, so they are taken
    // before it.
    let warnings = quality::assess(
        small.pixels(),
        small.width,
        small.height,
        source_width,
        source_height,
    );
    // A QR reads in any orientation, so the copy before `orient` does.
    let card_qr = read_qr.then(|| card_qr::read_card_qr(small.pixels(), small.width, small.height));
    let upright = orient(small, report.orientation, spare);
    let jpeg = encode(&upright, limits.jpeg_quality)?;
    Ok(ScrubbedImage {
        jpeg,
        width: upright.width,
        height: upright.height,
        source_format,
        removed: report.categories,
        warnings,
        card_qr,
    })
}

/// Wiped pixel buffers kept for the next scrub.
///
/// A 12 MP scrub needs 58 MB of pixel buffers. Allocations that large come
/// straight from `mmap`, so every scrub would fault ~14 000 fresh pages in
/// (the kernel zeroes each) and unmap them again: about 20 ms of a ~150 ms
/// scrub on the reference machine, more than the resize. Buffers are wiped
/// before they enter the pool, so it never holds image data; at most
/// [`POOL_BUFFERS`] of at most [`POOL_BUFFER_MAX`] bytes each are kept.
static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
/// Buffers kept: the decode buffer and the resize intermediate of one scrub.
const POOL_BUFFERS: usize = 2;
/// Larger buffers (over ~20 MP) are freed rather than kept.
const POOL_BUFFER_MAX: usize = 64 << 20;

/// Frees the wiped buffers kept for the next scrub (at most
/// [`crate::budget::POOL_BYTES`]), so that a measurement of what one scrub
/// allocates does not find them already there.
pub fn release_pooled_buffers() {
    if let Ok(mut pool) = POOL.lock() {
        pool.clear();
    }
}

/// A zero-initialised byte buffer that is wiped (zeroize) when dropped and
/// then returned to [`POOL`] or freed.
///
/// Invariant of a pooled `Vec`: every byte up to its capacity that this
/// module ever wrote is zero again, so handing one out needs no clearing and
/// growing it only writes the new part.
struct PixelBuffer(Vec<u8>);

impl PixelBuffer {
    /// A buffer of `len` zero bytes, reusing a pooled allocation when one is
    /// large enough (the smallest such).
    fn zeroed(len: usize) -> Self {
        let pooled = POOL.lock().ok().and_then(|mut pool| {
            let best = pool
                .iter()
                .enumerate()
                .filter(|(_, buf)| buf.capacity() >= len)
                .min_by_key(|(_, buf)| buf.capacity())
                .map(|(i, _)| i)?;
            Some(pool.swap_remove(best))
        });
        let mut buf = pooled.unwrap_or_default();
        buf.truncate(len);
        buf.resize(len, 0);
        Self(buf)
    }
}

impl Deref for PixelBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl DerefMut for PixelBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl Drop for PixelBuffer {
    fn drop(&mut self) {
        let mut buf = std::mem::take(&mut self.0);
        // Everything this module wrote lies within `len`: a buffer is only
        // ever truncated while it is clean (in `zeroed`).
        let mut pool = POOL.lock().ok();
        match pool.as_mut() {
            Some(pool) if pool.len() < POOL_BUFFERS && buf.capacity() <= POOL_BUFFER_MAX => {
                // A plain (vectorised) fill is enough here: the buffer stays
                // allocated and `zeroed` hands it out as zero-initialised, so
                // the writes are observable and cannot be optimised away.
                // Filling under the lock costs the other scrubs ~2 ms at most.
                buf.fill(0);
                pool.push(buf);
            }
            _ => {
                drop(pool);
                // About to be freed: only a volatile wipe is sure to happen.
                buf.as_mut_slice().zeroize();
            }
        }
    }
}

/// Packed 8-bit RGB pixels. `buf` may be longer than `width * height * 3`
/// when a larger buffer is reused for a smaller image; the excess is wiped
/// with the rest when the buffer is dropped.
struct RgbPixels {
    buf: PixelBuffer,
    width: u32,
    height: u32,
}

impl RgbPixels {
    fn len(width: u32, height: u32) -> usize {
        width as usize * height as usize * 3
    }

    fn pixels(&self) -> &[u8] {
        &self.buf[..Self::len(self.width, self.height)]
    }
}

/// Reads the header, enforces the pixel and memory limits, then decodes into
/// a buffer this module owns (so it can be wiped) and flattens it to RGB8.
fn decode(
    input: &[u8],
    format: ImageFormatKind,
    limits: &ScrubLimits,
) -> Result<RgbPixels, ScrubError> {
    let mut decoder_limits = image::Limits::default();
    // No edge can exceed the pixel budget on its own; the exact product is
    // checked below with a precise error.
    let max_edge = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    decoder_limits.max_image_width = Some(max_edge);
    decoder_limits.max_image_height = Some(max_edge);
    decoder_limits.max_alloc = Some(limits.max_alloc_bytes);
    let mut reader = ImageReader::with_format(Cursor::new(input), format.into());
    reader.limits(decoder_limits);
    // This parses headers only: no pixel buffer exists yet.
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ScrubError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ScrubError::Corrupt);
    }
    let (long, short) = (width.max(height), width.min(height));
    if long > limits.max_edge
        || u64::from(long) > u64::from(short) * u64::from(limits.max_aspect_ratio)
    {
        return Err(ScrubError::ExtremeShape { width, height });
    }
    let color = decoder.color_type();
    let total = decoder.total_bytes();
    // Everything the rest of the scrub will allocate, before any of it is.
    let needed = budget::scrub_bytes(input, format, (width, height), total, limits);
    if needed > limits.max_alloc_bytes {
        return Err(ScrubError::TooLarge);
    }
    let buffer_len = budget::buffer_bytes(total, width, height);
    let (Ok(total), Ok(buffer_len)) = (usize::try_from(total), usize::try_from(buffer_len)) else {
        return Err(ScrubError::TooLarge);
    };
    // One buffer for the decoded layout and the RGB8 it is flattened to in
    // place, so the two never coexist.
    let mut buf = PixelBuffer::zeroed(buffer_len);
    decoder
        .read_image(&mut buf[..total])
        .map_err(decode_error)?;
    flatten_to_rgb8(&mut buf, total, color)?;
    Ok(RgbPixels { buf, width, height })
}

fn decode_error(err: ImageError) -> ScrubError {
    match err {
        ImageError::Limits(_) => ScrubError::TooLarge,
        _ => ScrubError::Corrupt,
    }
}

/// Flattens the decoded layout in `buf[..decoded_len]` to packed RGB8 at the
/// start of `buf`, in place: grey is replicated, 16-bit samples are rounded
/// to 8 bits, alpha is composited onto white (a transparent PNG of a card
/// shows the card, not black). `buf` holds at least 3 bytes per pixel.
///
/// Layouts wider than RGB8 are converted front to back (pixel `i` is written
/// at `3i`, never past the start of pixel `i + 1`), narrower ones back to
/// front (pixel `i` is written at `3i`, at or after its own start), so no
/// unread pixel is overwritten.
fn flatten_to_rgb8(buf: &mut [u8], decoded_len: usize, color: ColorType) -> Result<(), ScrubError> {
    fn from16(bytes: &[u8]) -> u16 {
        // `image` returns 16-bit samples in native byte order.
        u16::from_ne_bytes([bytes[0], bytes[1]])
    }
    fn to8(v: u16) -> u8 {
        // Rounded 65535 -> 255 scaling; the quotient is at most 255.
        ((u32::from(v) + 128) / 257) as u8
    }
    fn over_white(c: u8, a: u8) -> u8 {
        let (c, a) = (u32::from(c), u32::from(a));
        ((c * a + 255 * (255 - a) + 127) / 255) as u8
    }
    let (channels, wide) = match color {
        ColorType::Rgb8 => return Ok(()),
        ColorType::L8 => (1, false),
        ColorType::La8 => (2, false),
        ColorType::Rgba8 => (4, false),
        ColorType::L16 => (1, true),
        ColorType::La16 => (2, true),
        ColorType::Rgb16 => (3, true),
        ColorType::Rgba16 => (4, true),
        _ => return Err(ScrubError::Corrupt),
    };
    let sample_bytes = if wide { 2 } else { 1 };
    let pixel_bytes = channels * sample_bytes;
    let count = decoded_len / pixel_bytes;
    if buf.len() < 3 * count {
        return Err(ScrubError::Corrupt);
    }
    let mut convert = |i: usize| {
        let mut pixel = [0u8; 8];
        let at = i * pixel_bytes;
        pixel[..pixel_bytes].copy_from_slice(&buf[at..at + pixel_bytes]);
        let mut samples = [0u8; 4];
        for (sample, bytes) in samples
            .iter_mut()
            .zip(pixel[..pixel_bytes].chunks_exact(sample_bytes))
        {
            *sample = if wide { to8(from16(bytes)) } else { bytes[0] };
        }
        let (rgb, alpha) = match channels {
            1 => ([samples[0]; 3], 255),
            2 => ([samples[0]; 3], samples[1]),
            3 => ([samples[0], samples[1], samples[2]], 255),
            _ => ([samples[0], samples[1], samples[2]], samples[3]),
        };
        buf[3 * i..3 * i + 3].copy_from_slice(&rgb.map(|c| over_white(c, alpha)));
    };
    if pixel_bytes >= 3 {
        (0..count).for_each(&mut convert);
    } else {
        (0..count).rev().for_each(&mut convert);
    }
    Ok(())
}

/// Shrinks the image so its longer edge is at most `long_edge` (never
/// enlarges). Catmull-Rom is a sharp cubic that keeps small print crisp and
/// costs about half of Lanczos3 at these ratios.
///
/// The caller has bounded the source sides ([`ScrubLimits::max_edge`]): the
/// resizer's coefficient tables grow with the source side, ~48 bytes per
/// source pixel per pass ([`crate::budget`]), and without that bound a
/// 49,999,999 × 1 image made them 2 GB.
///
/// The two convolution passes are run separately so that the intermediate
/// image lives in a buffer we wipe, rather than inside the resizer; the
/// vertical pass goes first because it is the cheaper one for 8-bit pixels,
/// and the final image is written back into the decode buffer, which is no
/// longer needed by then.
fn downscale(
    image: RgbPixels,
    long_edge: u32,
) -> Result<(RgbPixels, Option<PixelBuffer>), ScrubError> {
    let (width, height) = (image.width, image.height);
    let (new_width, new_height) = downscaled_size(width, height, long_edge);
    if (new_width, new_height) == (width, height) {
        return Ok((image, None));
    }

    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom));
    let mut resizer = fr::Resizer::new();
    let mut resize = |src: &[u8], (sw, sh): (u32, u32), dst: &mut [u8], (dw, dh): (u32, u32)| {
        let src = fr::images::ImageRef::new(sw, sh, src, fr::PixelType::U8x3);
        let dst = fr::images::Image::from_slice_u8(dw, dh, dst, fr::PixelType::U8x3);
        match (src, dst) {
            (Ok(src), Ok(mut dst)) => resizer
                .resize(&src, &mut dst, &options)
                .map_err(|_| ScrubError::Corrupt),
            _ => Err(ScrubError::Corrupt),
        }
    };

    let RgbPixels { mut buf, .. } = image;
    let mut tall = PixelBuffer::zeroed(RgbPixels::len(width, new_height));
    resize(
        &buf[..],
        (width, height),
        &mut tall[..],
        (width, new_height),
    )?;
    resize(
        &tall[..],
        (width, new_height),
        &mut buf[..RgbPixels::len(new_width, new_height)],
        (new_width, new_height),
    )?;
    let small = RgbPixels {
        buf,
        width: new_width,
        height: new_height,
    };
    Ok((small, Some(tall)))
}

/// The size [`downscale`] turns a `width` × `height` image into: the longer
/// edge at most `long_edge`, never enlarged.
pub(crate) fn downscaled_size(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    // JPEG cannot store an edge longer than 65535.
    let long_edge = long_edge.clamp(1, u32::from(u16::MAX));
    let longest = width.max(height);
    if longest <= long_edge {
        return (width, height);
    }
    let scale = |edge: u32| {
        let scaled = u64::from(edge) * u64::from(long_edge) / u64::from(longest);
        // Rounded down by the integer division; never zero.
        u32::try_from(scaled).unwrap_or(long_edge).max(1)
    };
    (scale(width), scale(height))
}

/// Applies the EXIF orientation so the pixels are stored upright, writing into
/// `spare` when it is large enough (it is the resize's intermediate buffer,
/// already paid for) so no new allocation has to be faulted in and wiped.
fn orient(image: RgbPixels, orientation: Orientation, spare: Option<PixelBuffer>) -> RgbPixels {
    if orientation == Orientation::Normal {
        return image;
    }
    let (w, h) = (image.width as usize, image.height as usize);
    let (out_w, out_h) = if orientation.swaps_dimensions() {
        (h, w)
    } else {
        (w, h)
    };
    let len = RgbPixels::len(image.width, image.height);
    let mut out = match spare {
        Some(buf) if buf.len() >= len => buf,
        _ => PixelBuffer::zeroed(len),
    };
    // Output row y shows the source pixels start(y), start(y) + step, … (in
    // pixels); e.g. for a 90° turn, output row y is source column y read
    // from the bottom up.
    let (w_step, one) = (w as isize, 1isize);
    let (start, step): (Box<dyn Fn(usize) -> usize>, isize) = match orientation {
        // (Normal returned above; it shares the row-order arm for exhaustiveness.)
        Orientation::Normal | Orientation::FlipVertical => (Box::new(|y| (h - 1 - y) * w), one),
        Orientation::FlipHorizontal => (Box::new(|y| y * w + w - 1), -one),
        Orientation::Rotate180 => (Box::new(|y| (h - 1 - y) * w + w - 1), -one),
        Orientation::Transpose => (Box::new(|y| y), w_step),
        Orientation::Rotate90 => (Box::new(|y| (h - 1) * w + y), -w_step),
        Orientation::Transverse => (Box::new(|y| (h - 1) * w + (w - 1 - y)), -w_step),
        Orientation::Rotate270 => (Box::new(|y| w - 1 - y), w_step),
    };
    remap(image.pixels(), &mut out[..len], out_w, start, step);
    RgbPixels {
        buf: out,
        width: out_w as u32,
        height: out_h as u32,
    }
}

/// Fills `dst` (rows of `out_w` RGB pixels) from `src` along the lines given
/// by `start` and `step`. When a row of the output is a column of the source,
/// the work goes in 64×64 tiles so both the source rows being read and the
/// output rows being written stay in cache and TLB (a plain row-by-row walk
/// touches a new page for every pixel read and runs several times slower).
fn remap(src: &[u8], dst: &mut [u8], out_w: usize, start: impl Fn(usize) -> usize, step: isize) {
    let (src, _) = src.as_chunks::<3>();
    let (dst, _) = dst.as_chunks_mut::<3>();
    if out_w == 0 {
        return;
    }
    // Flips and the half turn read source rows in order: one tile is the image.
    let tile = if step.unsigned_abs() == 1 { out_w } else { 64 };
    let mut rows: Vec<&mut [[u8; 3]]> = dst.chunks_exact_mut(out_w).collect();
    for (band_index, band) in rows.chunks_mut(tile).enumerate() {
        let tile_y = band_index * tile;
        for tile_x in (0..out_w).step_by(tile) {
            let tile_x_end = (tile_x + tile).min(out_w);
            for (y, row) in band.iter_mut().enumerate() {
                let mut s = start(tile_y + y) as isize + tile_x as isize * step;
                for pixel in &mut row[tile_x..tile_x_end] {
                    *pixel = src[s as usize];
                    s += step;
                }
            }
        }
    }
}

/// Encodes a baseline JPEG (JFIF header, 4:2:0 below quality 90) and nothing else.
fn encode(image: &RgbPixels, quality: u8) -> Result<Zeroizing<Vec<u8>>, ScrubError> {
    let (Ok(width), Ok(height)) = (u16::try_from(image.width), u16::try_from(image.height)) else {
        return Err(ScrubError::TooLarge);
    };
    // An eighth of the raw size holds most quality-85 photos (the 12 MP
    // benchmark photo needs 1.0 MB of 1.6); larger ones regrow, wiping.
    let mut sink = WipingSink(Zeroizing::new(Vec::with_capacity(
        RgbPixels::len(image.width, image.height) / 8,
    )));
    let encoder = jpeg_encoder::Encoder::new(&mut sink, quality.clamp(1, 100));
    encoder
        .encode(image.pixels(), width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| ScrubError::Corrupt)?;
    Ok(sink.0)
}

/// Appends to a wiped buffer without ever leaving an unwiped copy behind: `Vec`'s own
/// growth frees the old allocation as it is, so when the buffer must grow its contents
/// move to a larger wiped buffer and the old one is wiped as it drops. Size the buffer
/// up front where the length is known, and this never copies.
pub fn append_wiped(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    let needed = buffer.len() + bytes.len();
    if needed > buffer.capacity() {
        let mut bigger = Zeroizing::new(Vec::with_capacity(needed.max(buffer.capacity() * 2)));
        bigger.extend_from_slice(buffer);
        *buffer = bigger; // the old buffer is wiped as it drops
    }
    buffer.extend_from_slice(bytes);
}

/// An output buffer that wipes each allocation it outgrows, so no partial
/// copy of the encoded document is left in freed memory.
struct WipingSink(Zeroizing<Vec<u8>>);

impl Write for WipingSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        append_wiped(&mut self.0, data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::test_fixtures::{fixture, fixture_dir, scrubbed};
    use super::*;
    use MetadataCategory as M;

    fn scrub_ok(name: &str) -> Arc<ScrubbedImage> {
        scrubbed(name).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    /// Decodes an output JPEG back to RGB8 (test-side check, not the pipeline).
    fn decode_output(jpeg: &[u8]) -> image::RgbImage {
        image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
            .expect("output decodes")
            .to_rgb8()
    }

    /// The markers of a JPEG in order, with the APPn identifiers, and whatever
    /// follows EOI. Panics on a structure the encoder should never produce.
    fn jpeg_structure(jpeg: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>, usize) {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
        let (mut markers, mut app_ids, mut pos) = (vec![0xD8], Vec::new(), 2);
        loop {
            assert_eq!(jpeg[pos], 0xFF, "marker expected at {pos}");
            let marker = jpeg[pos + 1];
            markers.push(marker);
            if marker == 0xD9 {
                return (markers, app_ids, jpeg.len() - (pos + 2));
            }
            let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
            if (0xE0..=0xEF).contains(&marker) {
                app_ids.push(jpeg[pos + 4..pos + 2 + len.min(7)].to_vec());
            }
            pos += 2 + len;
            if marker == 0xDA {
                // Skip entropy-coded data to the next real marker.
                while jpeg[pos] != 0xFF || matches!(jpeg[pos + 1], 0x00 | 0xD0..=0xD7) {
                    pos += 1;
                }
            }
        }
    }

    /// The output holds only what a bare baseline JPEG needs.
    fn assert_clean_structure(jpeg: &[u8], name: &str) {
        let (markers, app_ids, trailing) = jpeg_structure(jpeg);
        for marker in &markers {
            assert!(
                matches!(
                    marker,
                    0xD8 | 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDA | 0xDD | 0xD9
                ),
                "{name}: unexpected marker FF{marker:02X} in {markers:02X?}"
            );
        }
        assert_eq!(
            markers.iter().filter(|&&m| m == 0xDA).count(),
            1,
            "{name}: one scan"
        );
        assert!(
            app_ids.iter().all(|id| id == b"JFIF\0"),
            "{name}: {app_ids:?}"
        );
        assert_eq!(trailing, 0, "{name}: bytes after EOI");
    }

    /// Mean absolute difference of two images after averaging 8×8 blocks, which
    /// ignores recompression noise but not a turned or mirrored picture.
    fn block_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
        const BLOCK: u32 = 8;
        assert_eq!(a.dimensions(), b.dimensions());
        let (bw, bh) = (a.width() / BLOCK, a.height() / BLOCK);
        let mut total = 0.0;
        for by in 0..bh {
            for bx in 0..bw {
                for c in 0..3 {
                    let mean = |img: &image::RgbImage| {
                        let mut sum = 0u32;
                        for y in by * BLOCK..(by + 1) * BLOCK {
                            for x in bx * BLOCK..(bx + 1) * BLOCK {
                                sum += u32::from(img.get_pixel(x, y).0[c]);
                            }
                        }
                        f64::from(sum) / f64::from(BLOCK * BLOCK)
                    };
                    total += (mean(a) - mean(b)).abs();
                }
            }
        }
        total / f64::from(bw * bh * 3)
    }

    #[test]
    fn sniff_goes_by_magic_bytes_only() {
        assert_eq!(
            sniff(&fixture("xmp/no_exif.jpg")),
            Ok(ImageFormatKind::Jpeg)
        );
        assert_eq!(
            sniff(&fixture("hostile/gray-alpha.png")),
            Ok(ImageFormatKind::Png)
        );
        assert_eq!(
            sniff(&fixture("hostile/with-exif.webp")),
            Ok(ImageFormatKind::Webp)
        );
        assert_eq!(sniff(&fixture("heic/IMG_5195.HEIC")), Err(ScrubError::Heic));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"),
            Err(ScrubError::Heic)
        );
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Err(ScrubError::UnsupportedType)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif"),
            Err(ScrubError::UnsupportedType)
        );
        for refused in [
            "hostile/pdf-renamed.jpg",
            "hostile/small.gif",
            "hostile/scan.tiff",
        ] {
            assert_eq!(
                sniff(&fixture(refused)),
                Err(ScrubError::UnsupportedType),
                "{refused}"
            );
        }
        assert_eq!(sniff(b""), Err(ScrubError::Empty));
        assert_eq!(sniff(b"\xFF\xD8"), Err(ScrubError::UnsupportedType));
        // Short or lying ftyp boxes.
        assert_eq!(sniff(b"\0\0\0\x08ftypmif1"), Err(ScrubError::Heic));
        assert_eq!(sniff(b"\xff\xff\xff\xffftypmif1\0"), Err(ScrubError::Heic));
        assert_eq!(
            sniff(b"\0\0\0\x01ftypisom"),
            Err(ScrubError::UnsupportedType)
        );
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), Err(ScrubError::UnsupportedType));
    }

    #[test]
    fn phone_photo_comes_out_upright_small_and_clean() {
        let out = scrub_ok("bench/phone-12mp.jpg");
        // 4032x3024 stored with Orientation 6: upright portrait, long edge 2400.
        assert_eq!((out.width, out.height), (1800, 2400));
        assert_eq!(out.source_format, ImageFormatKind::Jpeg);
        for category in [
            M::GpsPosition,
            M::DeviceMakeModel,
            M::SerialNumber,
            M::Thumbnail,
        ] {
            assert!(
                out.removed.contains(&category),
                "{category:?} in {:?}",
                out.removed
            );
        }
        assert_eq!(out.warnings, vec![]);
        assert_clean_structure(&out.jpeg, "phone");
        assert_eq!(decode_output(&out.jpeg).dimensions(), (1800, 2400));
    }

    #[test]
    fn all_orientation_samples_come_out_upright() {
        let dir = fixture_dir().join("orientation");
        assert!(dir.is_dir(), "{}", dir.display());
        for shape in ["landscape", "portrait"] {
            let reference = scrub_ok(&format!("orientation/{shape}_1.jpg"));
            let reference_pixels = decode_output(&reference.jpeg);
            // The samples differ from each other by their printed digit (about
            // 14-16 here); a wrong turn or mirror differs by 32 or more, which
            // this checks so the threshold below stays meaningful.
            let wrong_versions = [
                image::imageops::rotate180(&reference_pixels),
                image::imageops::flip_horizontal(&reference_pixels),
                image::imageops::flip_vertical(&reference_pixels),
            ];
            for wrong in &wrong_versions {
                let diff = block_diff(&reference_pixels, wrong);
                assert!(
                    diff > 30.0,
                    "{shape}: a wrong orientation differs by only {diff}"
                );
            }
            for n in 2..=8 {
                let name = format!("orientation/{shape}_{n}.jpg");
                let out = scrub_ok(&name);
                assert_eq!(
                    (out.width, out.height),
                    (reference.width, reference.height),
                    "{name}: dimensions"
                );
                let diff = block_diff(&reference_pixels, &decode_output(&out.jpeg));
                assert!(diff < 22.0, "{name}: differs from {shape}_1 by {diff}");
                assert_clean_structure(&out.jpeg, &name);
            }
        }
    }

    #[test]
    fn output_never_carries_metadata_or_trailing_bytes() {
        let names = [
            "bench/phone-12mp.jpg",
            "mobile/HMD_Nokia_8.3_5G.jpg",
            "mobile/jolla.jpg",
            "xmp/BlueSquare.jpg",
            "xmp/no_exif.jpg",
            "orientation/portrait_5.jpg",
            "hostile/script-comment-and-trailing-html.jpg",
            "hostile/cmyk.jpg",
            "hostile/progressive-orientation6.jpg",
            "hostile/rgb16-with-text.png",
            "hostile/gray-alpha.png",
            "hostile/with-exif.webp",
        ];
        for name in names {
            let out = scrub_ok(name);
            assert_clean_structure(&out.jpeg, name);
            let (w, h) = decode_output(&out.jpeg).dimensions();
            assert_eq!((w, h), (out.width, out.height), "{name}");
            assert!(w.max(h) <= 2400, "{name}: {w}x{h}");
        }
    }

    #[test]
    fn exiftool_finds_no_identifying_metadata_in_output() {
        let out = scrub_ok("bench/phone-12mp.jpg");
        let path = std::env::temp_dir().join(format!("kakunin-scrub-{}.jpg", std::process::id()));
        std::fs::write(&path, &out.jpeg[..]).expect("write temp output");
        let result = std::process::Command::new("exiftool")
            .args(["-G", "-a", "-s"])
            .arg(&path)
            .output();
        let _ = std::fs::remove_file(&path);
        let Ok(result) = result else {
            eprintln!("\n*** exiftool is not installed: SKIPPING the exiftool metadata check ***");
            eprintln!("*** install it with: apt-get install -y libimage-exiftool-perl ***\n");
            return;
        };
        assert!(result.status.success(), "exiftool failed");
        let report = String::from_utf8_lossy(&result.stdout);
        // The input had all of these (see the metadata tests); the original
        // orientation must not be re-applied by a viewer either.
        for needle in [
            "[EXIF]",
            "[XMP",
            "[IPTC]",
            "[ICC",
            "GPS",
            "Make",
            "Model",
            "Serial",
            "Thumbnail",
            "Artist",
            "Software",
            "Orientation",
            "Comment",
            "Trailer",
        ] {
            assert!(
                !report.contains(needle),
                "exiftool found {needle}:\n{report}"
            );
        }
        assert!(report.contains("Baseline DCT"), "{report}");
    }

    #[test]
    fn hostile_uploads_are_refused_with_the_right_error() {
        let cases = [
            (
                "hostile/bomb-30000x30000.png",
                ScrubError::TooManyPixels {
                    width: 30000,
                    height: 30000,
                },
            ),
            (
                "hostile/header-65500x65500.jpg",
                ScrubError::TooManyPixels {
                    width: 65500,
                    height: 65500,
                },
            ),
            ("hostile/pdf-renamed.jpg", ScrubError::UnsupportedType),
            ("hostile/small.gif", ScrubError::UnsupportedType),
            ("hostile/scan.tiff", ScrubError::UnsupportedType),
            ("hostile/empty.jpg", ScrubError::Empty),
            ("hostile/truncated.jpg", ScrubError::Corrupt),
            ("heic/IMG_5195.HEIC", ScrubError::Heic),
        ];
        for (name, expected) in cases {
            assert_eq!(scrubbed(name).err(), Some(expected), "{name}");
        }
    }

    #[test]
    fn script_comment_and_appended_html_are_dropped() {
        let out = scrub_ok("hostile/script-comment-and-trailing-html.jpg");
        assert_eq!(out.removed, vec![M::Comment, M::TrailingData]);
        let contains = |needle: &[u8]| out.jpeg.windows(needle.len()).any(|w| w == needle);
        assert!(!contains(b"<script") && !contains(b"<html") && !contains(b"alert"));
    }

    #[test]
    fn unusual_layouts_are_flattened_to_rgb() {
        // CMYK: the card (centre) stays light, the background mid-tone; an
        // inverted decode would swap them.
        let cmyk = decode_output(&scrub_ok("hostile/cmyk.jpg").jpeg);
        let centre = cmyk.get_pixel(400, 300);
        assert!(centre.0.iter().all(|&c| c > 200), "cmyk centre {centre:?}");
        let corner = cmyk.get_pixel(5, 5);
        assert!(
            corner.0.iter().all(|&c| (60..200).contains(&c)),
            "cmyk corner {corner:?}"
        );

        // Transparent surroundings become white, the opaque card stays.
        let la = decode_output(&scrub_ok("hostile/gray-alpha.png").jpeg);
        assert!(
            la.get_pixel(10, 10).0.iter().all(|&c| c > 245),
            "{:?}",
            la.get_pixel(10, 10)
        );
        // The card's dark outline (x = 100..104) survives.
        assert!(
            la.get_pixel(102, 300).0.iter().all(|&c| c < 150),
            "{:?}",
            la.get_pixel(102, 300)
        );

        let rgb16 = scrub_ok("hostile/rgb16-with-text.png");
        assert_eq!(rgb16.removed, vec![M::AuthorOrOwner]);
        assert_eq!((rgb16.width, rgb16.height), (800, 600));

        let progressive = scrub_ok("hostile/progressive-orientation6.jpg");
        assert_eq!((progressive.width, progressive.height), (600, 800));

        let webp = scrub_ok("hostile/with-exif.webp");
        assert_eq!(webp.source_format, ImageFormatKind::Webp);
        assert!(
            webp.removed.contains(&M::DeviceMakeModel),
            "{:?}",
            webp.removed
        );
    }

    #[test]
    fn tiny_metadata_rich_files_report_their_metadata() {
        let jpeg = scrub_ok("hostile/tiny-progressive-exif.jpg");
        assert_eq!((jpeg.width, jpeg.height), (64, 96));
        assert_eq!(
            jpeg.removed,
            vec![M::DeviceMakeModel, M::CaptureTime, M::OtherExif]
        );
        let png = scrub_ok("hostile/tiny-rgba-with-text.png");
        assert_eq!(png.removed, vec![M::Comment, M::AuthorOrOwner]);
        let webp = scrub_ok("hostile/tiny-lossless-exif.webp");
        assert_eq!(
            webp.removed,
            vec![M::DeviceMakeModel, M::CaptureTime, M::OtherExif]
        );
        assert_eq!((webp.width, webp.height), (64, 96));
    }

    #[test]
    fn real_phone_and_camera_files_scrub() {
        for name in ["mobile/HMD_Nokia_8.3_5G.jpg", "mobile/jolla.jpg"] {
            let out = scrub_ok(name);
            assert_eq!(out.width.max(out.height), 2400, "{name}");
            assert!(
                out.removed.contains(&M::DeviceMakeModel),
                "{name}: {:?}",
                out.removed
            );
        }
        // Its entropy-coded data holds a stray FF9F (and its EXIF has odd
        // offsets): lenient decoders show a grey band, we refuse it.
        assert_eq!(scrubbed("corrupted.jpg").err(), Some(ScrubError::Corrupt));
    }

    #[test]
    fn limits_are_applied() {
        let small = ScrubLimits {
            long_edge: 300,
            ..ScrubLimits::default()
        };
        let out = scrub_image(&fixture("orientation/portrait_6.jpg"), &small).expect("scrub");
        assert_eq!((out.width, out.height), (225, 300));

        // Never enlarged.
        let out = scrub_ok("xmp/no_exif.jpg");
        assert_eq!((out.width, out.height), (322, 466));
        assert!(out.warnings.contains(&QualityWarning::TooSmall));

        let input = fixture("mobile/jolla.jpg"); // 3264x2448
        let few_pixels = ScrubLimits {
            max_pixels: 3264 * 2448 - 1,
            ..ScrubLimits::default()
        };
        assert_eq!(
            scrub_image(&input, &few_pixels).err(),
            Some(ScrubError::TooManyPixels {
                width: 3264,
                height: 2448
            })
        );
        let little_memory = ScrubLimits {
            max_alloc_bytes: 1 << 20,
            ..ScrubLimits::default()
        };
        assert_eq!(
            scrub_image(&input, &little_memory).err(),
            Some(ScrubError::TooLarge)
        );
    }

    /// Deterministic byte mutations of valid files: every result must be a
    /// clean JPEG or an error, never a panic.
    #[test]
    fn mutated_files_never_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let limits = ScrubLimits::default();
        // Tiny files keep this fast in unoptimised builds; each carries EXIF
        // or text chunks so the metadata scan is exercised too.
        for name in [
            "hostile/tiny-progressive-exif.jpg",
            "hostile/tiny-rgba-with-text.png",
            "hostile/tiny-lossless-exif.webp",
            "orientation/landscape_6.jpg",
        ] {
            let original = fixture(name);
            for round in 0..90 {
                let mut input = original.clone();
                let len = input.len() as u64;
                match round % 3 {
                    // Flip a few bytes anywhere (headers included).
                    0 => {
                        for _ in 0..4 {
                            let at = (next() % len.min(600)) as usize;
                            input[at] = next() as u8;
                        }
                    }
                    // Corrupt the body.
                    1 => {
                        for _ in 0..16 {
                            let at = (next() % len) as usize;
                            input[at] = next() as u8;
                        }
                    }
                    // Cut it short.
                    _ => input.truncate((next() % len) as usize),
                }
                if let Ok(out) = scrub_image(&input, &limits) {
                    assert_clean_structure(&out.jpeg, name);
                }
            }
        }
    }

    #[test]
    fn messages_and_debug_output_carry_nothing_from_the_file() {
        let err = ScrubError::TooManyPixels {
            width: 65500,
            height: 65500,
        };
        assert!(!err.to_string().contains("65500"));
        let out = scrub_ok("orientation/landscape_1.jpg");
        let debug = format!("{out:?}");
        assert!(debug.contains("jpeg_len") && debug.len() < 300, "{debug}");
    }

    #[test]
    fn pooled_buffers_come_back_zeroed() {
        // Dirty buffers of several sizes go back to the pool; whatever is
        // handed out next, larger or smaller, must read as zeros.
        for len in [4096, 70_000, 300, 70_001, 0, 1] {
            let mut buf = PixelBuffer::zeroed(len);
            assert_eq!(buf.len(), len);
            assert!(buf.iter().all(|&b| b == 0), "len {len}");
            buf.fill(0xAB);
        }
        for len in [70_001, 4096, 100_000] {
            let buf = PixelBuffer::zeroed(len);
            assert!(buf.iter().all(|&b| b == 0), "len {len}");
        }
    }

    #[test]
    fn wiping_sink_keeps_every_byte_across_growth() {
        let mut sink = WipingSink(Zeroizing::new(Vec::with_capacity(3)));
        for chunk in [&b"ab"[..], b"cdefg", b"", b"hijklmnopq"] {
            sink.write_all(chunk).expect("write");
        }
        assert_eq!(&sink.0[..], b"abcdefghijklmnopq");
    }
}

/// Test images shared by the pipeline's unit tests.
#[cfg(test)]
pub(crate) mod test_fixtures {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex, OnceLock};

    use super::{ScrubError, ScrubLimits, ScrubbedImage, scrub_image};

    /// `tests/fixtures/images` of the workspace, or `$KAKUNIN_FIXTURES` when
    /// the pipeline is built outside it.
    pub(crate) fn fixture_dir() -> PathBuf {
        std::env::var_os("KAKUNIN_FIXTURES")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/images")
            })
    }

    pub(crate) fn fixture(name: &str) -> Vec<u8> {
        let path = fixture_dir().join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
    }

    type Scrubbed = Result<Arc<ScrubbedImage>, ScrubError>;

    /// `scrub_image` of a fixture with default limits, computed once per test
    /// run: in unoptimised test builds the resizer and encoder (generic code,
    /// compiled at the test crate's opt-level) take seconds on a 12 MP photo,
    /// and several tests look at the same outputs.
    pub(crate) fn scrubbed(name: &str) -> Scrubbed {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<OnceLock<Scrubbed>>>>> = OnceLock::new();
        let cell = {
            let mut cache = CACHE
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(cache.entry(name.to_owned()).or_default())
        };
        // Scrub outside the map lock so different fixtures run in parallel.
        cell.get_or_init(|| scrub_image(&fixture(name), &ScrubLimits::default()).map(Arc::new))
            .clone()
    }
}
