//! Reading the QR code on the back of a My Number card (issue 19).
//!
//! The back of every 個人番号カード carries a QR code holding the 12-digit number, printed
//! so that those who handle numbers (個人番号利用事務等実施者) can take it quickly and
//! without typing mistakes (総務省's explanation when the PPC and the ministries warned
//! against posting the back online, June 2016, reported e.g. by マイナビニュース
//! 2016-06-27; the card's layout is that of the 総務省令 on the card's format). What
//! exactly the code encodes (mode, error correction, version) is not published as far as
//! we could find; this reader assumes the twelve digits alone and treats anything else as
//! unreadable, so a different real layout fails safe (no number) rather than wrong. The
//! scrub reads it from the pixels it already holds (the downscaled copy, before it is
//! turned upright: a QR reads in any orientation), so a card-back photo is decoded once.
//!
//! What comes out is one of four outcomes ([`CardQr`]); a number only when the payload is
//! exactly twelve ASCII digits whose check digit is right (番号法施行令 art. 8, through
//! [`my_number::MyNumber`]). A URL, eleven digits, a wrong check digit, a second QR with
//! anything else: [`CardQr::Unreadable`], never a number. A code the decoder finds but
//! cannot decode is reported by it as not found ([`CardQr::NoQr`]). The digits we keep
//! live in a [`MyNumber`] (wiped on drop, `Debug` masked) and are compared in constant
//! time ([`same_number`]).
//!
//! Bounded cost: the QR is looked for in a greyscale working copy whose long edge is at
//! most [`WORK_LONG_EDGE`] pixels (a box-filtered reduction of the ≤ 2,400 px image the
//! scrub holds, so at most 1.44 MB). The decoder is `rxing` (a port of ZXing and
//! zxing-cpp's QR reader), QR only; BENCHMARKS.md ("Card-back QR") says why it was
//! chosen over `rqrr`: 100 % against 83 % on the clean part of the test set and 99 %
//! against 60 % on the hard part, in half the time. The working copy is lent to it (read
//! in place, wiped by us afterwards); its own copies (the binarised matrix, the result's
//! text and bytes) are freed unwiped: like the image decoders' rows, they are outside our
//! reach (its result type has no way to wipe them); `memory_hygiene` counts what is left.

use std::fmt;

use my_number::MyNumber;
use zeroize::Zeroizing;

/// The long edge of the greyscale copy the QR is looked for in. A card photographed so
/// that it fills about half the frame puts its 13 mm code at ~100 px on this copy (about
/// 4 px per module), comfortably above what the detector needs, while a 12 MP photo
/// costs a few milliseconds.
pub const WORK_LONG_EDGE: u32 = 1200;

/// Bytes the QR step may allocate: the working copy, the decoder's binarised matrix and
/// block statistics, and one more copy of the luminance when it tries a rotation or an
/// inversion (counted in `crate::budget`).
pub const WORKING_BYTES: u64 = 3 * (WORK_LONG_EDGE as u64) * (WORK_LONG_EDGE as u64) + (2 << 20);

/// What the QR on a card-back photo said.
pub enum CardQr {
    /// No QR code was found in the photo.
    NoQr,
    /// A QR code was found but did not hold exactly one valid 12-digit number (damaged,
    /// something else written in it, or two codes that disagree).
    Unreadable,
    /// A valid 12-digit number, held in wiped memory.
    Number(MyNumber),
}

/// Never prints a digit: a `{:?}` in a log line must not leak the number.
impl fmt::Debug for CardQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoQr => f.write_str("NoQr"),
            Self::Unreadable => f.write_str("Unreadable"),
            Self::Number(_) => f.write_str("Number(***)"),
        }
    }
}

/// Whether two numbers are equal, in time independent of where they differ.
pub fn same_number(a: &MyNumber, b: &MyNumber) -> bool {
    a.same_as(b)
}

/// A QR payload taken as a number only when it is exactly twelve ASCII digits with a
/// valid check digit (no spaces, hyphens, full-width digits or anything around them).
pub fn accept_payload(payload: &[u8]) -> Option<MyNumber> {
    if payload.len() != 12 || !payload.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Twelve ASCII digits are valid UTF-8.
    let text = std::str::from_utf8(payload).ok()?;
    MyNumber::parse(text).ok()
}

/// A greyscale copy of an image for the QR detector (wiped when dropped, unless handed to
/// the decoder).
#[derive(Clone)]
pub struct WorkingImage {
    width: usize,
    height: usize,
    pixels: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for WorkingImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkingImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl WorkingImage {
    /// A greyscale copy of packed RGB8 pixels, reduced by a whole factor (box filter) so
    /// that its long edge is at most `long_edge`. `rgb` shorter than `3·width·height`
    /// gives an empty image.
    pub fn from_rgb8(rgb: &[u8], width: u32, height: u32, long_edge: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        if w == 0 || h == 0 || rgb.len() < 3 * w * h {
            return Self::from_luma(Vec::new(), 0, 0);
        }
        let factor = (width.max(height).div_ceil(long_edge.max(1))).max(1) as usize;
        let (ow, oh) = (w / factor, h / factor);
        if ow == 0 || oh == 0 {
            return Self::from_luma(Vec::new(), 0, 0);
        }
        // Each output pixel sums the red, green and blue of its `factor²` block, and the
        // weights are applied once per output pixel (ITU-R BT.601 luma in integers, the
        // weights summing to 256, of the block's mean). The scrub's 2,400 px image halves
        // to the 1,200 px copy, so a factor of 2 has its own loop over two rows at once:
        // weighting every source pixel in a general loop was two thirds of the QR step's
        // instructions (BENCHMARKS.md, "Added cost per photo").
        let luma = |r: u32, g: u32, b: u32, area: u32| {
            let (r, g, b) = (u64::from(r), u64::from(g), u64::from(b));
            ((77 * r + 150 * g + 29 * b) / (256 * u64::from(area))) as u8
        };
        let mut pixels = Zeroizing::new(vec![0u8; ow * oh]);
        if factor == 2 {
            for (oy, out) in pixels.chunks_exact_mut(ow).enumerate() {
                let top = &rgb[3 * w * 2 * oy..][..6 * ow];
                let bottom = &rgb[3 * w * (2 * oy + 1)..][..6 * ow];
                for ((out, t), b) in out
                    .iter_mut()
                    .zip(top.chunks_exact(6))
                    .zip(bottom.chunks_exact(6))
                {
                    let sum = |c: usize| {
                        u32::from(t[c])
                            + u32::from(t[c + 3])
                            + u32::from(b[c])
                            + u32::from(b[c + 3])
                    };
                    *out = luma(sum(0), sum(1), sum(2), 4);
                }
            }
        } else {
            let mut sums = Zeroizing::new(vec![[0u32; 3]; ow]);
            let area = (factor * factor) as u32;
            for (oy, out) in pixels.chunks_exact_mut(ow).enumerate() {
                sums.fill([0; 3]);
                for y in oy * factor..(oy + 1) * factor {
                    let line = &rgb[3 * w * y..][..3 * ow * factor];
                    for (sum, block) in sums.iter_mut().zip(line.chunks_exact(3 * factor)) {
                        for px in block.chunks_exact(3) {
                            sum[0] += u32::from(px[0]);
                            sum[1] += u32::from(px[1]);
                            sum[2] += u32::from(px[2]);
                        }
                    }
                }
                for (out, [r, g, b]) in out.iter_mut().zip(sums.iter()) {
                    *out = luma(*r, *g, *b, area);
                }
            }
        }
        Self {
            width: ow,
            height: oh,
            pixels,
        }
    }

    /// A working image from greyscale pixels (row-major, `width·height` bytes); a buffer
    /// of the wrong length gives an empty image.
    pub fn from_luma(pixels: Vec<u8>, width: usize, height: usize) -> Self {
        let pixels = Zeroizing::new(pixels);
        if pixels.len() != width * height {
            return Self {
                width: 0,
                height: 0,
                pixels: Zeroizing::new(Vec::new()),
            };
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The greyscale pixels, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

/// Looks for the card's QR in packed RGB8 pixels (any orientation).
pub fn read_card_qr(rgb: &[u8], width: u32, height: u32) -> CardQr {
    read_working_image(WorkingImage::from_rgb8(rgb, width, height, WORK_LONG_EDGE))
}

/// Looks for the card's QR in a working image (see [`read_card_qr`]).
pub fn read_working_image(image: WorkingImage) -> CardQr {
    // The smallest code (version 1) with its quiet zone.
    if image.width < 21 || image.height < 21 {
        return CardQr::NoQr;
    }
    let (Ok(width), Ok(height)) = (u32::try_from(image.width), u32::try_from(image.height)) else {
        return CardQr::NoQr;
    };
    // Lent, not handed over: the decoder reads our buffer in place (rxing's borrowed luma
    // source), so the working copy is wiped when it drops here; the decoder's own copies
    // (the binarised matrix, the result's text and bytes) are not ours to wipe (see the
    // module documentation). QR codes only, at the decoder's ordinary effort: `TryHarder`
    // (every third row scanned for finder patterns) decoded exactly the same photos of
    // the test set, per condition, for more work (BENCHMARKS.md, "Added cost per photo").
    let mut hints = rxing::DecodeHints {
        TryHarder: Some(false),
        ..Default::default()
    };
    match rxing::helpers::detect_in_luma_slice_with_hints(
        image.pixels(),
        width,
        height,
        Some(rxing::BarcodeFormat::QR_CODE),
        &mut hints,
    ) {
        Ok(result) => {
            let mut payload = Zeroizing::new(Vec::with_capacity(SINK_CAP + 1));
            let text = result.getText().as_bytes();
            payload.extend_from_slice(&text[..text.len().min(SINK_CAP + 1)]);
            match accept_payload(&payload) {
                Some(number) => CardQr::Number(number),
                None => CardQr::Unreadable,
            }
        }
        // A code whose finder patterns were found but whose data did not decode is
        // reported by rxing as a checksum or format error; nothing found at all is
        // NotFound.
        Err(rxing::Exceptions::NotFoundException(_)) => CardQr::NoQr,
        Err(_) => CardQr::Unreadable,
    }
}

/// Longest payload looked at; anything longer is refused as a number by its length alone.
const SINK_CAP: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_twelve_ascii_digits_with_the_right_check_digit_are_a_number() {
        assert!(accept_payload(b"123456789018").is_some());
        for refused in [
            &b"123456789019"[..],
            b"12345678901",
            b"1234567890180",
            b" 123456789018",
            b"1234-5678-9018",
            b"https://example.jp/123456789018",
            "１２３４５６７８９０１８".as_bytes(),
            b"",
        ] {
            assert!(accept_payload(refused).is_none());
        }
    }

    #[test]
    fn numbers_compare_equal_only_when_every_digit_is() {
        let a = MyNumber::parse("123456789018").expect("valid");
        let b = MyNumber::parse("1234 5678 9018").expect("valid");
        let c = MyNumber::parse("987654321093").expect("valid");
        assert!(same_number(&a, &b));
        assert!(!same_number(&a, &c));
    }

    #[test]
    fn debug_output_carries_no_digit() {
        let qr = CardQr::Number(MyNumber::parse("123456789018").expect("valid"));
        let shown = format!("{qr:?}");
        assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
    }

    /// Packed RGB8 of a white `side`² image with the QR code of `payload` drawn at
    /// `module` pixels per module.
    fn qr_image(payload: &str, module: usize, side: usize) -> Vec<u8> {
        let code = qrcode::QrCode::new(payload.as_bytes()).expect("qr");
        let (n, colors) = (code.width(), code.to_colors());
        let mut rgb = vec![255u8; 3 * side * side];
        for y in 0..n * module {
            for x in 0..n * module {
                if colors[(y / module) * n + x / module] == qrcode::Color::Dark {
                    let at = 3 * ((y + 8 * module) * side + x + 8 * module);
                    rgb[at..at + 3].fill(0);
                }
            }
        }
        rgb
    }

    #[test]
    fn a_code_of_a_valid_number_reads_as_that_number_and_anything_else_never() {
        let side = 400;
        let read = |payload: &str| read_card_qr(&qr_image(payload, 6, side), 400, 400);
        let expected = MyNumber::parse("123456789018").expect("valid");
        match read("123456789018") {
            CardQr::Number(n) => assert!(same_number(&n, &expected)),
            other => panic!("{other:?}"),
        }
        for other in [
            "123456789019",
            "12345678901",
            "https://example.jp/123456789018",
        ] {
            assert!(matches!(read(other), CardQr::Unreadable), "{other}");
        }
    }

    #[test]
    fn a_blank_or_tiny_image_has_no_qr() {
        let white = vec![255u8; 3 * 64 * 48];
        assert!(matches!(read_card_qr(&white, 64, 48), CardQr::NoQr));
        assert!(matches!(read_card_qr(&[], 0, 0), CardQr::NoQr));
        assert!(matches!(read_card_qr(&[0; 5], 10, 10), CardQr::NoQr));
    }

    #[test]
    fn the_working_copy_fits_its_long_edge() {
        let rgb = vec![128u8; 3 * 2400 * 1800];
        let img = WorkingImage::from_rgb8(&rgb, 2400, 1800, WORK_LONG_EDGE);
        assert_eq!((img.width(), img.height()), (1200, 900));
        assert!(img.pixels().iter().all(|&p| p == 128));
        let img = WorkingImage::from_rgb8(&rgb[..3 * 1000 * 700], 1000, 700, WORK_LONG_EDGE);
        assert_eq!((img.width(), img.height()), (1000, 700));
    }
}
