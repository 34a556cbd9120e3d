//! What metadata an uploaded image carried, reported as categories only.
//!
//! The scrubber throws every byte of metadata away by re-encoding the pixels, so
//! nothing here is needed for safety. This module exists so the provider and the
//! audit trail can be told *what kind* of information was removed ("location",
//! "device serial number", …) without any of the values themselves ever being
//! copied out of the upload: the scan walks the container structure (JPEG
//! segments, PNG chunks, WebP chunks) and the EXIF IFDs, and only ever returns
//! [`MetadataCategory`] values and the EXIF orientation the pipeline must apply.
//!
//! The container walks are written by hand rather than with `img-parts`, because
//! `img-parts` stops at the first JPEG scan and folds everything after it (later
//! scans, segments between progressive scans, bytes after EOI) into one blob, and
//! it would first copy the whole upload into a `Bytes`. A walk over the borrowed
//! slice sees all of it and copies nothing but the EXIF block.

use std::collections::BTreeSet;

use exif::{Context, In, Tag};
use serde::{Deserialize, Serialize};

use crate::scrub::ImageFormatKind;

/// A kind of metadata found in an upload. Values are never kept, only the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataCategory {
    /// GPS latitude, longitude, altitude, or any other GPS field.
    GpsPosition,
    /// Camera or lens make and model, or the host device name.
    DeviceMakeModel,
    /// Body or lens serial number, or an image unique ID.
    SerialNumber,
    /// Date and time of capture or modification, and their time zone offsets.
    CaptureTime,
    /// An embedded preview image (EXIF IFD1, JFIF/JFXX thumbnail).
    Thumbnail,
    /// An XMP packet.
    Xmp,
    /// A vendor maker-note block (opaque, often holds serials and settings).
    MakerNotes,
    /// IPTC or Photoshop image resource block.
    Iptc,
    /// A free-text comment or description (JPEG COM, EXIF UserComment, PNG text).
    Comment,
    /// Artist, copyright holder or camera owner name.
    AuthorOrOwner,
    /// The software that wrote or edited the file.
    Software,
    /// An embedded ICC colour profile.
    IccProfile,
    /// Bytes after the end of the image (appended files, motion-photo video,
    /// multi-picture secondary images).
    TrailingData,
    /// Any other EXIF field, or a metadata block of a kind not listed above.
    OtherExif,
}

/// EXIF orientation (tag 0x0112): how the stored pixels must be transformed to
/// be shown upright. Variant order and numbering follow the EXIF values 1..=8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// 1: stored upright.
    #[default]
    Normal,
    /// 2: mirrored left to right.
    FlipHorizontal,
    /// 3: rotated 180°.
    Rotate180,
    /// 4: mirrored top to bottom.
    FlipVertical,
    /// 5: mirrored along the top-left to bottom-right diagonal.
    Transpose,
    /// 6: must be rotated 90° clockwise to be upright.
    Rotate90,
    /// 7: mirrored along the top-right to bottom-left diagonal.
    Transverse,
    /// 8: must be rotated 270° clockwise (90° anticlockwise) to be upright.
    Rotate270,
}

impl Orientation {
    /// Maps the EXIF value; anything outside 1..=8 is treated as upright, as
    /// browsers and `image` do.
    pub fn from_exif(value: u32) -> Self {
        match value {
            2 => Self::FlipHorizontal,
            3 => Self::Rotate180,
            4 => Self::FlipVertical,
            5 => Self::Transpose,
            6 => Self::Rotate90,
            7 => Self::Transverse,
            8 => Self::Rotate270,
            _ => Self::Normal,
        }
    }

    /// Whether the upright image has width and height swapped.
    pub fn swaps_dimensions(self) -> bool {
        matches!(
            self,
            Self::Transpose | Self::Rotate90 | Self::Transverse | Self::Rotate270
        )
    }
}

/// The result of scanning an upload's container and EXIF block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataReport {
    /// Categories found, sorted and deduplicated.
    pub categories: Vec<MetadataCategory>,
    /// Orientation from the primary EXIF IFD (upright if absent).
    pub orientation: Orientation,
    /// False when the container ended before its end marker (JPEG EOI, PNG
    /// IEND, or the RIFF size of a WebP), so the upload was cut short, or when
    /// the JPEG marker stream is broken (a byte pair that is no marker where a
    /// marker must be).
    pub complete: bool,
}

/// Scans `input` (already sniffed as `format`) for metadata. Never fails: a
/// malformed container simply yields what was seen before the damage; decoding
/// decides whether the file is usable.
pub fn inspect(input: &[u8], format: ImageFormatKind) -> MetadataReport {
    let mut scan = Scan::default();
    let complete = match format {
        ImageFormatKind::Jpeg => scan.jpeg(input),
        ImageFormatKind::Png => scan.png(input),
        ImageFormatKind::Webp => scan.webp(input),
    };
    MetadataReport {
        categories: scan.found.into_iter().collect(),
        orientation: scan.orientation.unwrap_or_default(),
        complete,
    }
}

/// Accumulator for one scan. The orientation comes from the first EXIF block
/// only, which is the one decoders honour.
#[derive(Debug, Default)]
struct Scan {
    found: BTreeSet<MetadataCategory>,
    orientation: Option<Orientation>,
}

const EXIF_PREFIX: &[u8] = b"Exif\0\0";
const XMP_PREFIX: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION_PREFIX: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const ICC_PREFIX: &[u8] = b"ICC_PROFILE\0";

fn read_u16_be(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

fn read_u32(data: &[u8], at: usize, little_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if little_endian {
        u32::from_le_bytes(bytes)
    } else {
        u32::from_be_bytes(bytes)
    })
}

impl Scan {
    fn add(&mut self, category: MetadataCategory) {
        self.found.insert(category);
    }

    /// Walks the JPEG marker stream from SOI to EOI, including the entropy-coded
    /// data of every scan, so segments between progressive scans and anything
    /// after EOI are seen. Returns whether EOI was reached.
    fn jpeg(&mut self, data: &[u8]) -> bool {
        let mut pos = 2; // past SOI, which sniffing checked
        loop {
            // Markers are 0xFF followed by a code; extra 0xFF bytes are fill.
            // Stray bytes between segments are skipped as lenient decoders do.
            let Some(offset) = data
                .get(pos..)
                .and_then(|rest| rest.iter().position(|&b| b != 0xFF))
            else {
                return false;
            };
            if offset == 0 {
                pos += 1;
                continue;
            }
            pos += offset;
            let marker = data[pos];
            pos += 1;
            match marker {
                0xD9 => {
                    if pos < data.len() {
                        self.add(MetadataCategory::TrailingData);
                    }
                    return true;
                }
                // Standalone markers carry no length.
                0x01 | 0xD0..=0xD8 => continue,
                // Not a marker code at all: the entropy-coded data or a segment
                // length is damaged, and nothing after it can be trusted.
                0x00 | 0x02..=0xBF => return false,
                _ => {}
            }
            let Some(length) = read_u16_be(data, pos).map(usize::from) else {
                return false;
            };
            let Some(payload) = length
                .checked_sub(2)
                .and_then(|len| data.get(pos + 2..pos + 2 + len))
            else {
                return false;
            };
            self.jpeg_segment(marker, payload);
            pos += length;
            if marker == 0xDA {
                pos = skip_entropy_coded_data(data, pos);
            }
        }
    }

    fn jpeg_segment(&mut self, marker: u8, payload: &[u8]) {
        use MetadataCategory as M;
        match marker {
            // APP0: JFIF (harmless unless it carries a thumbnail) or JFXX (a thumbnail).
            0xE0 => {
                if payload.starts_with(b"JFIF\0") {
                    // Xthumbnail and Ythumbnail are bytes 12 and 13.
                    if payload.get(12).copied().unwrap_or(0) != 0
                        && payload.get(13).copied().unwrap_or(0) != 0
                    {
                        self.add(M::Thumbnail);
                    }
                } else if payload.starts_with(b"JFXX\0") {
                    self.add(M::Thumbnail);
                } else {
                    self.add(M::OtherExif);
                }
            }
            0xE1 => {
                if let Some(tiff) = payload.strip_prefix(EXIF_PREFIX) {
                    self.exif(tiff);
                } else if payload.starts_with(XMP_PREFIX)
                    || payload.starts_with(XMP_EXTENSION_PREFIX)
                {
                    self.add(M::Xmp);
                } else {
                    self.add(M::OtherExif);
                }
            }
            0xE2 => {
                if payload.starts_with(ICC_PREFIX) {
                    self.add(M::IccProfile);
                } else {
                    // MPF (multi-picture index), FlashPix, vendor data.
                    self.add(M::OtherExif);
                }
            }
            0xED => self.add(M::Iptc),
            // APP14 "Adobe" only says how to convert colours; it describes no one.
            0xEE if payload.starts_with(b"Adobe") => {}
            0xE3..=0xEF => self.add(M::OtherExif),
            0xFE => self.add(M::Comment),
            _ => {}
        }
    }

    /// Walks PNG chunks up to IEND. Returns whether IEND was reached.
    fn png(&mut self, data: &[u8]) -> bool {
        use MetadataCategory as M;
        let mut pos = 8; // past the signature, which sniffing checked
        loop {
            let Some(length) = read_u32(data, pos, false).and_then(|l| usize::try_from(l).ok())
            else {
                return false;
            };
            let Some(kind) = data.get(pos + 4..pos + 8) else {
                return false;
            };
            let Some(body) = pos
                .checked_add(8 + length)
                .and_then(|end| data.get(pos + 8..end))
            else {
                return false;
            };
            match kind {
                b"IEND" => {
                    if pos + 12 < data.len() {
                        self.add(M::TrailingData);
                    }
                    return true;
                }
                b"tEXt" | b"zTXt" | b"iTXt" => {
                    let keyword = body.split(|&b| b == 0).next().unwrap_or_default();
                    self.add(png_text_category(keyword));
                }
                b"eXIf" | b"exIf" => self.exif(body),
                b"iCCP" => self.add(M::IccProfile),
                b"tIME" => self.add(M::CaptureTime),
                // Image data and rendering hints: nothing about who, where or when.
                b"IHDR" | b"PLTE" | b"IDAT" | b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB" | b"sBIT"
                | b"bKGD" | b"hIST" | b"pHYs" | b"sPLT" | b"cICP" | b"mDCV" | b"cLLI" | b"acTL"
                | b"fcTL" | b"fdAT" => {}
                _ => self.add(M::OtherExif),
            }
            pos += 12 + length; // length, type, body, CRC
        }
    }

    /// Walks the RIFF chunks of a WebP file. Returns whether the file is at
    /// least as long as its RIFF header says.
    fn webp(&mut self, data: &[u8]) -> bool {
        use MetadataCategory as M;
        let Some(riff_size) = read_u32(data, 4, true).and_then(|s| usize::try_from(s).ok()) else {
            return false;
        };
        let riff_end = riff_size.saturating_add(8);
        if riff_end < data.len() {
            self.add(M::TrailingData);
        }
        let end = riff_end.min(data.len());
        let mut pos = 12; // past "RIFF", size, "WEBP"
        while pos + 8 <= end {
            let kind = &data[pos..pos + 4];
            let Some(size) = read_u32(data, pos + 4, true).and_then(|s| usize::try_from(s).ok())
            else {
                break;
            };
            let body = data.get(pos + 8..end.min((pos + 8).saturating_add(size)));
            match kind {
                b"EXIF" => {
                    let body = body.unwrap_or_default();
                    // Some writers keep the JPEG-style prefix, most do not.
                    self.exif(body.strip_prefix(EXIF_PREFIX).unwrap_or(body));
                }
                b"XMP " => self.add(M::Xmp),
                b"ICCP" => self.add(M::IccProfile),
                b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH" | b"ANIM" | b"ANMF" => {}
                _ => self.add(M::OtherExif),
            }
            // Chunks are padded to an even size.
            pos = (pos + 8).saturating_add(size).saturating_add(size & 1);
        }
        riff_end <= data.len()
    }

    /// Categorises the fields of a TIFF-structured EXIF block. A block that
    /// cannot be parsed at all is still reported, as [`MetadataCategory::OtherExif`].
    fn exif(&mut self, tiff: &[u8]) {
        let mut fields = 0usize;
        let mut found = BTreeSet::new();
        let outline = walk_exif(tiff, |ifd, tag| {
            fields += 1;
            if ifd == In::THUMBNAIL {
                found.insert(MetadataCategory::Thumbnail);
            } else if let Some(category) = exif_tag_category(tag) {
                found.insert(category);
            }
        });
        let Some(outline) = outline else {
            self.add(MetadataCategory::OtherExif);
            return;
        };
        // Keep whatever was read before an error (a damaged GPS IFD still
        // means the file carried a location); what could not be read is
        // reported as "other".
        if outline.damaged || fields == 0 {
            self.add(MetadataCategory::OtherExif);
        }
        self.found.extend(found);
        if self.orientation.is_none() {
            self.orientation = Some(
                outline
                    .orientation
                    .map(Orientation::from_exif)
                    .unwrap_or_default(),
            );
        }
    }
}

/// What a walk of an EXIF block found besides its fields.
#[derive(Debug, Default)]
struct ExifOutline {
    /// Some entry, IFD or pointer could not be read.
    damaged: bool,
    /// The (last) Orientation of the primary IFD, if it is an unsigned integer.
    orientation: Option<u32>,
}

/// Walks the IFDs of a TIFF-structured EXIF block by the rules of
/// `kamadak-exif`'s parser (0.6, `tiff.rs`: at most 8 IFDs in the chain, the
/// Exif, GPS and Interop IFDs entered through their pointers, an IFD visited
/// once, an entry whose value lies outside the block skipped), calling
/// `field` with each field's IFD number and tag. `None` if the TIFF header
/// is unreadable.
///
/// Written out rather than `exif::Reader::read_raw(..).fields()`, because
/// that materialises every value: 5,400 entries of one 64 KiB APP1 segment,
/// all pointing at the same 64 KiB, became 350 MB of `Vec<u8>`, or 8 GB as
/// NUL-filled ASCII (one `Vec` per empty string). This walk reads only the
/// pointers and the orientation, copies nothing and keeps no list, so it
/// costs the same few bytes whatever the block says.
fn walk_exif(data: &[u8], field: impl FnMut(In, Tag)) -> Option<ExifOutline> {
    let little_endian = match data.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let mut walk = ExifWalk {
        data,
        little_endian,
        field,
        seen: BTreeSet::new(),
        outline: ExifOutline::default(),
    };
    if walk.u16_at(2)? != 42 {
        return None;
    }
    let mut offset = walk.u32_at(4)? as usize;
    let mut ifd = 0u16;
    while offset != 0 {
        if ifd >= 8 {
            walk.outline.damaged = true;
            break;
        }
        match walk.ifd(offset, Context::Tiff, In(ifd)) {
            Some(next) => offset = next,
            None => {
                walk.outline.damaged = true;
                break;
            }
        }
        ifd += 1;
    }
    Some(walk.outline)
}

struct ExifWalk<'a, F> {
    data: &'a [u8],
    little_endian: bool,
    field: F,
    /// IFD offsets already walked (at most 8 chained IFDs with 3 sub-IFDs each).
    seen: BTreeSet<usize>,
    outline: ExifOutline,
}

impl<F: FnMut(In, Tag)> ExifWalk<'_, F> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        let bytes: [u8; 2] = self.data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        read_u32(self.data, at, self.little_endian)
    }

    /// The first value of a BYTE, SHORT or LONG field.
    fn uint(&self, kind: u16, count: u32, at: usize) -> Option<u32> {
        if count == 0 {
            return None;
        }
        match kind {
            1 => self.data.get(at).map(|&b| u32::from(b)),
            3 => self.u16_at(at).map(u32::from),
            4 => self.u32_at(at),
            _ => None,
        }
    }

    /// Walks one IFD and the sub-IFDs it points to; returns the offset of
    /// the next IFD in the chain, `None` if this one is unreadable.
    fn ifd(&mut self, offset: usize, context: Context, ifd: In) -> Option<usize> {
        let count = usize::from(self.u16_at(offset)?);
        if !self.seen.insert(offset) {
            return None;
        }
        let mut at = offset + 2;
        for _ in 0..count {
            let entry = at;
            self.data.get(entry..entry.checked_add(12)?)?;
            at += 12;
            let tag = Tag(context, self.u16_at(entry)?);
            let kind = self.u16_at(entry + 2)?;
            let count = self.u32_at(entry + 4)?;
            let unit: usize = match kind {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 => 4,
                5 | 10 | 12 => 8,
                _ => 0,
            };
            let Some(len) = unit.checked_mul(count as usize) else {
                self.outline.damaged = true;
                continue;
            };
            let value_at = if len <= 4 {
                entry + 8
            } else {
                let value_at = self.u32_at(entry + 8)? as usize;
                if self.data.len() < value_at || self.data.len() - value_at < len {
                    self.outline.damaged = true;
                    continue;
                }
                value_at
            };
            let sub_context = match tag {
                Tag::ExifIFDPointer => Context::Exif,
                Tag::GPSInfoIFDPointer => Context::Gps,
                Tag::InteropIFDPointer => Context::Interop,
                _ => {
                    (self.field)(ifd, tag);
                    if tag == Tag::Orientation && ifd == In::PRIMARY {
                        self.outline.orientation = self.uint(kind, count, value_at);
                    }
                    continue;
                }
            };
            // A sub-IFD ends the chain (its "next" offset must be 0). The
            // contexts do not nest beyond Exif -> Interop, so this recursion
            // is at most three deep.
            let sub_ifd = self.uint(kind, count, value_at).map(|o| o as usize);
            match sub_ifd.and_then(|o| self.ifd(o, sub_context, ifd)) {
                Some(0) => {}
                _ => self.outline.damaged = true,
            }
        }
        self.u32_at(at).map(|next| next as usize)
    }
}

/// Skips the entropy-coded data of a scan, returning the position of the next
/// marker's 0xFF. Inside the data 0xFF is always followed by 0x00 (stuffing),
/// a restart marker (0xD0..=0xD7) or another 0xFF (fill before a marker).
fn skip_entropy_coded_data(data: &[u8], mut pos: usize) -> usize {
    while let Some(offset) = data.get(pos..).and_then(find_ff) {
        pos += offset;
        match data.get(pos + 1) {
            Some(0x00 | 0xD0..=0xD7) => pos += 2,
            Some(0xFF) => pos += 1,
            _ => return pos,
        }
    }
    data.len()
}

/// Position of the first 0xFF. Entropy-coded data is megabytes long and 0xFF
/// is rare in it, so whole chunks are tested with the slice `contains`
/// (memchr-based) before looking at single bytes.
fn find_ff(haystack: &[u8]) -> Option<usize> {
    const CHUNK: usize = 128;
    haystack
        .chunks(CHUNK)
        .enumerate()
        .find(|(_, chunk)| chunk.contains(&0xFF))
        .and_then(|(i, chunk)| Some(i * CHUNK + chunk.iter().position(|&b| b == 0xFF)?))
}

/// Maps an EXIF tag to its category; `None` for the IFD pointers, which only
/// say where other fields are.
fn exif_tag_category(tag: Tag) -> Option<MetadataCategory> {
    use MetadataCategory as M;
    if tag.context() == Context::Gps {
        // A GPS IFD holding only its version number carries no position
        // (phones write that when location tagging is off).
        return Some(if tag == Tag::GPSVersionID {
            M::OtherExif
        } else {
            M::GpsPosition
        });
    }
    const DEVICE: &[Tag] = &[Tag::Make, Tag::Model, Tag::LensMake, Tag::LensModel];
    const SERIAL: &[Tag] = &[
        Tag::BodySerialNumber,
        Tag::LensSerialNumber,
        Tag::ImageUniqueID,
    ];
    const TIME: &[Tag] = &[
        Tag::DateTime,
        Tag::DateTimeOriginal,
        Tag::DateTimeDigitized,
        Tag::OffsetTime,
        Tag::OffsetTimeOriginal,
        Tag::OffsetTimeDigitized,
        Tag::SubSecTime,
        Tag::SubSecTimeOriginal,
        Tag::SubSecTimeDigitized,
    ];
    const COMMENT: &[Tag] = &[Tag::UserComment, Tag::ImageDescription];
    const AUTHOR: &[Tag] = &[Tag::Artist, Tag::Copyright, Tag::CameraOwnerName];
    const POINTERS: &[Tag] = &[
        Tag::ExifIFDPointer,
        Tag::GPSInfoIFDPointer,
        Tag::InteropIFDPointer,
    ];
    let category = if POINTERS.contains(&tag) {
        return None;
    } else if DEVICE.contains(&tag) {
        M::DeviceMakeModel
    } else if SERIAL.contains(&tag) {
        M::SerialNumber
    } else if TIME.contains(&tag) {
        M::CaptureTime
    } else if tag == Tag::MakerNote {
        M::MakerNotes
    } else if COMMENT.contains(&tag) {
        M::Comment
    } else if AUTHOR.contains(&tag) {
        M::AuthorOrOwner
    } else if tag == Tag::Software {
        M::Software
    } else {
        // Tags kamadak-exif has no name for, by number.
        match (tag.context(), tag.number()) {
            // HostComputer: phones put the device name here.
            (Context::Tiff, 0x013C) => M::DeviceMakeModel,
            // ProcessingSoftware.
            (Context::Tiff, 0x000B) => M::Software,
            // DNG CameraSerialNumber; Canon/old OwnerName-style serials.
            (Context::Tiff, 0xC62F) | (Context::Exif, 0xFDE9) => M::SerialNumber,
            // Windows XPAuthor; old OwnerName.
            (Context::Tiff, 0x9C9D) | (Context::Exif, 0xFDE8) => M::AuthorOrOwner,
            // Windows XPTitle, XPComment, XPKeywords, XPSubject.
            (Context::Tiff, 0x9C9B | 0x9C9C | 0x9C9E | 0x9C9F) => M::Comment,
            // XMP, IPTC and ICC blocks embedded in the IFD.
            (Context::Tiff, 0x02BC) => M::Xmp,
            (Context::Tiff, 0x83BB) => M::Iptc,
            (Context::Tiff, 0x8773) => M::IccProfile,
            _ => M::OtherExif,
        }
    };
    Some(category)
}

/// Categorises a PNG text chunk by its keyword (the registered keywords, and
/// those ImageMagick and exiftool write).
fn png_text_category(keyword: &[u8]) -> MetadataCategory {
    use MetadataCategory as M;
    match keyword {
        b"Author" | b"Copyright" | b"Artist" | b"Owner" => M::AuthorOrOwner,
        b"Software" => M::Software,
        b"Creation Time" | b"date:create" | b"date:modify" | b"date:timestamp" => M::CaptureTime,
        b"XML:com.adobe.xmp" | b"Raw profile type xmp" => M::Xmp,
        b"Raw profile type iptc" | b"Raw profile type 8bim" => M::Iptc,
        b"Raw profile type icc" | b"Raw profile type icm" => M::IccProfile,
        b"Raw profile type exif" | b"Raw profile type APP1" => M::OtherExif,
        _ => M::Comment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MetadataCategory as M;

    use crate::scrub::test_fixtures::fixture;

    /// A minimal big-endian TIFF block with the given IFD0 entries (SHORT, one value).
    fn tiff_with_shorts(entries: &[(u16, u16)]) -> Vec<u8> {
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        t.extend_from_slice(&(entries.len() as u16).to_be_bytes());
        for &(tag, value) in entries {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&3u16.to_be_bytes());
            t.extend_from_slice(&1u32.to_be_bytes());
            t.extend_from_slice(&value.to_be_bytes());
            t.extend_from_slice(&[0, 0]);
        }
        t.extend_from_slice(&0u32.to_be_bytes());
        t
    }

    fn jpeg_with_segments(segments: &[(u8, &[u8])], after_eoi: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        for (marker, payload) in segments {
            j.extend_from_slice(&[0xFF, *marker]);
            j.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
            j.extend_from_slice(payload);
        }
        // A fake scan whose data contains stuffed bytes and a restart marker.
        j.extend_from_slice(&[
            0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56,
        ]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(after_eoi);
        j
    }

    #[test]
    fn phone_photo_reports_every_identifying_category() {
        let report = inspect(&fixture("bench/phone-12mp.jpg"), ImageFormatKind::Jpeg);
        assert_eq!(
            report.categories,
            vec![
                M::GpsPosition,
                M::DeviceMakeModel,
                M::SerialNumber,
                M::CaptureTime,
                M::Thumbnail,
                M::Comment,
                M::AuthorOrOwner,
                M::Software,
                M::OtherExif,
            ]
        );
        assert_eq!(report.orientation, Orientation::Rotate90);
        assert!(report.complete);
    }

    #[test]
    fn xmp_sample_reports_xmp() {
        let report = inspect(&fixture("xmp/BlueSquare.jpg"), ImageFormatKind::Jpeg);
        assert!(
            report.categories.contains(&M::Xmp),
            "{:?}",
            report.categories
        );
    }

    #[test]
    fn orientation_samples_report_their_orientation() {
        for n in 1..=8u32 {
            for shape in ["landscape", "portrait"] {
                let report = inspect(
                    &fixture(&format!("orientation/{shape}_{n}.jpg")),
                    ImageFormatKind::Jpeg,
                );
                assert_eq!(report.orientation, Orientation::from_exif(n), "{shape}_{n}");
            }
        }
    }

    #[test]
    fn jpeg_comment_icc_iptc_and_trailing_data_are_reported() {
        let exif = [EXIF_PREFIX, &tiff_with_shorts(&[(0x0112, 8)])].concat();
        let icc = [ICC_PREFIX, b"\x01\x01profile"].concat();
        let jpeg = jpeg_with_segments(
            &[
                (0xE1, &exif),
                (0xE2, &icc),
                (0xED, b"Photoshop 3.0\08BIM"),
                (0xFE, b"<script>alert(1)</script>"),
                (0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
            ],
            b"<html>",
        );
        let report = inspect(&jpeg, ImageFormatKind::Jpeg);
        assert_eq!(
            report.categories,
            vec![
                M::Iptc,
                M::Comment,
                M::IccProfile,
                M::TrailingData,
                M::OtherExif
            ]
        );
        assert_eq!(report.orientation, Orientation::Rotate270);
        assert!(report.complete);
    }

    #[test]
    fn clean_jpeg_reports_nothing_and_truncated_jpeg_is_incomplete() {
        let jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        let jpeg = jpeg_with_segments(&[(0xE0, jfif)], b"");
        let report = inspect(&jpeg, ImageFormatKind::Jpeg);
        assert_eq!(
            report,
            MetadataReport {
                complete: true,
                ..Default::default()
            }
        );
        let truncated = inspect(&jpeg[..jpeg.len() - 2], ImageFormatKind::Jpeg);
        assert!(!truncated.complete);
    }

    #[test]
    fn damaged_exif_is_still_reported() {
        let jpeg = jpeg_with_segments(&[(0xE1, b"Exif\0\0MM\0\x2a\xff\xff\xff\xff")], b"");
        let report = inspect(&jpeg, ImageFormatKind::Jpeg);
        assert_eq!(report.categories, vec![M::OtherExif]);
        assert_eq!(report.orientation, Orientation::Normal);
    }

    #[test]
    fn exif_tags_map_to_categories() {
        assert_eq!(exif_tag_category(Tag::GPSLatitude), Some(M::GpsPosition));
        assert_eq!(exif_tag_category(Tag::GPSVersionID), Some(M::OtherExif));
        assert_eq!(exif_tag_category(Tag::LensModel), Some(M::DeviceMakeModel));
        assert_eq!(
            exif_tag_category(Tag::BodySerialNumber),
            Some(M::SerialNumber)
        );
        assert_eq!(
            exif_tag_category(Tag::OffsetTimeOriginal),
            Some(M::CaptureTime)
        );
        assert_eq!(exif_tag_category(Tag::MakerNote), Some(M::MakerNotes));
        assert_eq!(
            exif_tag_category(Tag::CameraOwnerName),
            Some(M::AuthorOrOwner)
        );
        assert_eq!(
            exif_tag_category(Tag(Context::Tiff, 0x9C9D)),
            Some(M::AuthorOrOwner)
        );
        assert_eq!(exif_tag_category(Tag::ExposureTime), Some(M::OtherExif));
        assert_eq!(exif_tag_category(Tag::GPSInfoIFDPointer), None);
    }

    fn png_chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = (body.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(body);
        c.extend_from_slice(&[0; 4]); // CRC is not checked by the scan
        c
    }

    #[test]
    fn png_chunks_are_reported() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &[0; 13]));
        png.extend(png_chunk(b"tEXt", b"Author\0Taro"));
        png.extend(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>"));
        png.extend(png_chunk(b"zTXt", b"Comment\0\0zz"));
        png.extend(png_chunk(b"iCCP", b"sRGB\0\0zz"));
        png.extend(png_chunk(
            b"eXIf",
            &tiff_with_shorts(&[(0x0112, 3), (0x0131, 0)]),
        ));
        png.extend(png_chunk(b"IDAT", &[0; 4]));
        png.extend(png_chunk(b"IEND", &[]));
        png.extend_from_slice(b"PK\x03\x04");
        let report = inspect(&png, ImageFormatKind::Png);
        assert_eq!(
            report.categories,
            vec![
                M::Xmp,
                M::Comment,
                M::AuthorOrOwner,
                M::Software,
                M::IccProfile,
                M::TrailingData,
                M::OtherExif,
            ]
        );
        assert_eq!(report.orientation, Orientation::Rotate180);
        assert!(report.complete);
        assert!(!inspect(&png[..40], ImageFormatKind::Png).complete);
    }

    #[test]
    fn webp_chunks_are_reported() {
        let mut body = b"WEBP".to_vec();
        for (kind, data) in [
            (b"VP8X", &[0u8; 10][..]),
            (b"ICCP", b"icc"),
            (b"VP8L", b"\x2f\0\0\0\0"),
            (b"EXIF", &tiff_with_shorts(&[(0x0112, 6)])),
            (b"XMP ", b"<x/>"),
        ] {
            body.extend_from_slice(kind);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend(body);
        let report = inspect(&webp, ImageFormatKind::Webp);
        // The orientation tag itself counts as "other EXIF".
        assert_eq!(report.categories, vec![M::Xmp, M::IccProfile, M::OtherExif]);
        assert_eq!(report.orientation, Orientation::Rotate90);
        assert!(report.complete);
        webp.extend_from_slice(b"<html>");
        let report = inspect(&webp, ImageFormatKind::Webp);
        assert!(report.categories.contains(&M::TrailingData));
    }

    #[test]
    fn categories_serialize_as_snake_case() {
        let json = serde_json::to_string(&[M::GpsPosition, M::DeviceMakeModel, M::TrailingData])
            .expect("serialize");
        assert_eq!(
            json,
            r#"["gps_position","device_make_model","trailing_data"]"#
        );
        let back: Vec<MetadataCategory> = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, [M::GpsPosition, M::DeviceMakeModel, M::TrailingData]);
    }
}
