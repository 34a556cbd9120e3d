//! Advisory quality warnings for an uploaded document photo.
//!
//! The point is to tell the person holding the phone, while they still hold
//! it, that the officer is likely to send the photo back ("blurry", "too
//! dark"), instead of a correction request days later. Warnings never block an
//! upload: the officer decides.
//!
//! Everything is measured on a small greyscale copy (long edge at most
//! [`ANALYSIS_LONG_EDGE`]) of the already downscaled image, so the whole
//! assessment costs 1–2 ms for a 12 MP upload. The blur threshold was
//! calibrated on the real photos of the exif-samples corpus (all of which
//! pass) and on Gaussian-blurred versions of them and of a synthetic 12 MP
//! card photo; see [`MIN_LAPLACIAN_VARIANCE`] and the
//! `blur_threshold_separates_sharp_from_blurred_photo` test.

use fast_image_resize as fr;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A reason the photo may not be usable for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityWarning {
    /// The original is below [`MIN_LONG_EDGE`] × [`MIN_SHORT_EDGE`] pixels.
    TooSmall,
    /// Little fine detail: out of focus or moved.
    Blurry,
    /// Mean brightness below [`MAX_DARK_MEAN_LUMA`].
    TooDark,
    /// A large share of the picture is clipped white (flash glare, sunlight).
    Overexposed,
}

/// Below this long edge a card rarely fills enough pixels for its 12 digits
/// and photo to be checked; it matches a 1 MP capture.
pub const MIN_LONG_EDGE: u32 = 1000;
/// Below this short edge the same holds (the short edge of a 1000×600 crop).
pub const MIN_SHORT_EDGE: u32 = 600;
/// Long edge of the greyscale copy the measures run on.
pub const ANALYSIS_LONG_EDGE: u32 = 512;
/// Variance of the Laplacian (on the analysis copy) below which the image is
/// called blurry. Calibration (Gaussian blur applied at full resolution, σ in
/// original pixels): sharp corpus photos measure 120 (a soft leaf macro,
/// `mobile/jolla.jpg`) to 6400; `jolla` drops to 34 at σ = 4, the Nokia phone
/// photo from 717 to 30 at σ = 8, the synthetic 12 MP card photo from 3200 to
/// 75 at σ = 8 and 14 at σ = 12. Text on a card has more contrast than a leaf,
/// so a card photo under 40 is smeared beyond easy reading.
pub const MIN_LAPLACIAN_VARIANCE: f64 = 40.0;
/// Mean luma (0..=255) under which the image is too dark to read.
pub const MAX_DARK_MEAN_LUMA: f64 = 50.0;
/// Luma at or above which a pixel counts as clipped white.
pub const CLIPPED_LUMA: u8 = 250;
/// Share of clipped pixels above which the image is overexposed. High, because
/// a scan of a white card on a white scanner bed is legitimately bright.
pub const MAX_CLIPPED_SHARE: f64 = 0.4;

/// The raw measures behind the warnings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Mean luma, 0..=255.
    pub mean_luma: f64,
    /// Share of pixels at or above [`CLIPPED_LUMA`], 0..=1.
    pub clipped_share: f64,
    /// Variance of the 4-neighbour Laplacian.
    pub laplacian_variance: f64,
}

/// Assesses `rgb` (packed RGB8, `width` × `height`, the downscaled image) of
/// an upload whose original size was `source_width` × `source_height`.
/// Returns the warnings, sorted.
pub fn assess(
    rgb: &[u8],
    width: u32,
    height: u32,
    source_width: u32,
    source_height: u32,
) -> Vec<QualityWarning> {
    let mut warnings = Vec::new();
    let (long, short) = (
        source_width.max(source_height),
        source_width.min(source_height),
    );
    if long < MIN_LONG_EDGE || short < MIN_SHORT_EDGE {
        warnings.push(QualityWarning::TooSmall);
    }
    if let Some((luma, w, h)) = analysis_copy(rgb, width, height) {
        warnings.extend(warnings_for(&measure(&luma, w, h)));
    }
    warnings.sort();
    warnings
}

/// Turns measures into warnings (size aside).
pub fn warnings_for(measures: &Measures) -> Vec<QualityWarning> {
    let mut warnings = Vec::new();
    if measures.laplacian_variance < MIN_LAPLACIAN_VARIANCE {
        warnings.push(QualityWarning::Blurry);
    }
    if measures.mean_luma < MAX_DARK_MEAN_LUMA {
        warnings.push(QualityWarning::TooDark);
    }
    if measures.clipped_share > MAX_CLIPPED_SHARE {
        warnings.push(QualityWarning::Overexposed);
    }
    warnings
}

/// A greyscale copy with long edge at most [`ANALYSIS_LONG_EDGE`]: area
/// averaged (box filter) so noise does not alias into fake detail, then
/// converted to BT.601 luma. `None` if the input is inconsistent.
fn analysis_copy(rgb: &[u8], width: u32, height: u32) -> Option<(Zeroizing<Vec<u8>>, u32, u32)> {
    let longest = width.max(height);
    let (w, h) = if longest > ANALYSIS_LONG_EDGE {
        let scale = |edge: u32| {
            let scaled = u64::from(edge) * u64::from(ANALYSIS_LONG_EDGE) / u64::from(longest);
            (scaled as u32).max(1)
        };
        (scale(width), scale(height))
    } else {
        (width, height)
    };
    let mut small = Zeroizing::new(vec![0u8; w as usize * h as usize * 3]);
    if (w, h) == (width, height) {
        let len = small.len();
        small.copy_from_slice(rgb.get(..len)?);
    } else {
        let src = fr::images::ImageRef::new(width, height, rgb, fr::PixelType::U8x3).ok()?;
        let mut dst =
            fr::images::Image::from_slice_u8(w, h, &mut small, fr::PixelType::U8x3).ok()?;
        let options =
            fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Box));
        fr::Resizer::new().resize(&src, &mut dst, &options).ok()?;
    }
    let luma = small
        .chunks_exact(3)
        .map(|p| {
            let y = 77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]);
            ((y + 128) >> 8) as u8
        })
        .collect::<Vec<u8>>();
    Some((Zeroizing::new(luma), w, h))
}

/// Computes the measures on a greyscale image.
pub fn measure(luma: &[u8], width: u32, height: u32) -> Measures {
    let (w, h) = (width as usize, height as usize);
    let luma = &luma[..(w * h).min(luma.len())];
    let count = luma.len().max(1) as f64;
    let mean_luma = luma.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
    let clipped = luma.iter().filter(|&&v| v >= CLIPPED_LUMA).count();

    // Laplacian over the interior: 4·centre − the four neighbours.
    let (mut sum, mut sum_sq, mut n) = (0f64, 0f64, 0f64);
    if w >= 3 && h >= 3 && luma.len() == w * h {
        for y in 1..h - 1 {
            let (up, row, down) = (
                &luma[(y - 1) * w..y * w],
                &luma[y * w..(y + 1) * w],
                &luma[(y + 1) * w..(y + 2) * w],
            );
            for x in 1..w - 1 {
                let lap = 4 * i32::from(row[x])
                    - i32::from(row[x - 1])
                    - i32::from(row[x + 1])
                    - i32::from(up[x])
                    - i32::from(down[x]);
                let lap = f64::from(lap);
                sum += lap;
                sum_sq += lap * lap;
                n += 1.0;
            }
        }
    }
    let laplacian_variance = if n > 0.0 {
        let mean = sum / n;
        (sum_sq / n - mean * mean).max(0.0)
    } else {
        0.0
    };
    Measures {
        mean_luma,
        clipped_share: clipped as f64 / count,
        laplacian_variance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrub::test_fixtures::scrubbed;
    use QualityWarning as Q;

    /// Deterministic pseudo-random texture in `lo..=hi` (xorshift), standing in
    /// for the fine detail of a sharp photo.
    fn texture(width: u32, height: u32, lo: u8, hi: u8) -> Vec<u8> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let span = u64::from(hi - lo) + 1;
        (0..width as usize * height as usize)
            .flat_map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = lo + (state % span) as u8;
                [v, v, v]
            })
            .collect()
    }

    fn uniform(width: u32, height: u32, value: u8) -> Vec<u8> {
        vec![value; width as usize * height as usize * 3]
    }

    #[test]
    fn sharp_well_exposed_large_image_has_no_warning() {
        let rgb = texture(2400, 1800, 40, 220);
        assert_eq!(assess(&rgb, 2400, 1800, 4032, 3024), vec![]);
    }

    #[test]
    fn small_original_is_too_small() {
        let rgb = texture(800, 600, 40, 220);
        assert_eq!(assess(&rgb, 800, 600, 800, 600), vec![Q::TooSmall]);
        let rgb = texture(1200, 500, 40, 220);
        assert_eq!(assess(&rgb, 1200, 500, 1200, 500), vec![Q::TooSmall]);
        // Portrait of the same size is judged by its edges, not its orientation.
        let rgb = texture(600, 1000, 40, 220);
        assert_eq!(assess(&rgb, 600, 1000, 600, 1000), vec![]);
    }

    #[test]
    fn smooth_image_is_blurry() {
        // A horizontal gradient: no detail at all.
        let rgb: Vec<u8> = (0..1200 * 900)
            .flat_map(|i| {
                let v = 60 + ((i % 1200) * 140 / 1200) as u8;
                [v, v, v]
            })
            .collect();
        assert_eq!(assess(&rgb, 1200, 900, 1200, 900), vec![Q::Blurry]);
    }

    #[test]
    fn dark_image_is_too_dark() {
        let rgb = texture(1200, 900, 0, 60);
        assert_eq!(assess(&rgb, 1200, 900, 1200, 900), vec![Q::TooDark]);
    }

    #[test]
    fn mostly_white_image_is_overexposed() {
        let mut rgb = texture(1200, 900, 40, 220);
        // Blow out the top half.
        let half = rgb.len() / 2;
        rgb[..half].fill(255);
        assert_eq!(assess(&rgb, 1200, 900, 1200, 900), vec![Q::Overexposed]);
    }

    #[test]
    fn uniform_black_is_dark_and_blurry_but_not_overexposed() {
        let rgb = uniform(1000, 1000, 0);
        assert_eq!(
            assess(&rgb, 1000, 1000, 1000, 1000),
            vec![Q::Blurry, Q::TooDark]
        );
    }

    #[test]
    fn degenerate_sizes_do_not_panic() {
        assert_eq!(
            assess(&[], 0, 0, 0, 0),
            vec![Q::TooSmall, Q::Blurry, Q::TooDark]
        );
        assert_eq!(
            assess(&[255, 255, 255], 1, 1, 1, 1),
            vec![Q::TooSmall, Q::Blurry, Q::Overexposed]
        );
        // A buffer shorter than the stated size is not read past its end.
        let short = measure(&[1, 2, 3], 10, 10);
        assert_eq!(short.laplacian_variance, 0.0);
    }

    /// Decodes a scrubbed output (test-side helper).
    fn scrubbed_rgb(name: &str) -> image::RgbImage {
        let out = scrubbed(name).expect("scrub");
        image::load_from_memory(&out.jpeg)
            .expect("decode")
            .to_rgb8()
    }

    fn assess_image(img: &image::RgbImage) -> Vec<QualityWarning> {
        // Judge blur alone: pretend the original was large.
        assess(img.as_raw(), img.width(), img.height(), 4000, 3000)
    }

    #[test]
    fn corpus_photos_are_not_called_blurry_dark_or_overexposed() {
        let mut names = vec![
            "mobile/HMD_Nokia_8.3_5G.jpg".to_owned(),
            "mobile/jolla.jpg".to_owned(),
        ];
        for shape in ["landscape", "portrait"] {
            names.extend((1..=8).map(|n| format!("orientation/{shape}_{n}.jpg")));
        }
        for name in names {
            assert_eq!(assess_image(&scrubbed_rgb(&name)), vec![], "{name}");
        }
    }

    #[test]
    fn blur_threshold_separates_sharp_from_blurred_photo() {
        // 4608x1976 original, scrubbed to 2400x1029.
        let sharp = scrubbed_rgb("mobile/HMD_Nokia_8.3_5G.jpg");
        let scale = f64::from(sharp.width()) / 4608.0;
        let slightly = image::imageops::blur(&sharp, (2.0 * scale) as f32);
        assert_eq!(
            assess_image(&slightly),
            vec![],
            "sigma 2 px at full size is still sharp"
        );
        let badly = image::imageops::blur(&sharp, (10.0 * scale) as f32);
        assert_eq!(
            assess_image(&badly),
            vec![Q::Blurry],
            "sigma 10 px at full size"
        );
    }

    #[test]
    fn warnings_serialize_as_snake_case() {
        let json = serde_json::to_string(&[Q::TooSmall, Q::TooDark]).expect("serialize");
        assert_eq!(json, r#"["too_small","too_dark"]"#);
    }
}
