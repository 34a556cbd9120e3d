//! The HR roster an admin uploads to invite many people at once, and the single form that
//! invites one: both go through [`Row::parse`], so they accept and refuse the same values.
//! A roster is a form of many rows: like [`crate::forms`], this reads what people wrote into
//! domain values and says what is refused in both languages; the pages, the admin API and
//! `kakunin invite` render its refusals, and storage's partial unique index on a live
//! employee code enforces "one invitation in use per employee" whatever reads the rows.
//!
//! The CSV is what HR actually has: exported from Excel (Shift_JIS, often with a BOM when
//! UTF-8), with a header row in Japanese or English in any order, or no header at all and
//! the columns in the documented order (社員番号, 氏名, フリガナ, メール, 拠点, 生年月日).
//! Every refusal names its line and column; one bad line refuses the whole file, so a
//! roster never half-lands.

use std::collections::{HashMap, HashSet};

use crate::Message;
use crate::forms::person_message;
use storage::invitations::{EmailAddress, InvitationKind, NewInvitation};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::{BirthDate, NameKana, PersonName};

/// At most this many people per upload.
pub const MAX_ROWS: usize = 5_000;
/// At most this many bytes per upload (5,000 lines of a generous roster).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// The largest JSON batch of the admin API: the same rows as the CSV's [`MAX_BYTES`], with
/// room for JSON's field names on every row.
pub const MAX_JSON_BYTES: usize = 2 * MAX_BYTES;

/// A column of the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `employee` or `payee` (optional; employee when absent).
    Kind,
    /// 社員番号.
    EmployeeCode,
    /// 氏名.
    Name,
    /// フリガナ.
    NameKana,
    /// メール.
    Email,
    /// 拠点・部署.
    Branch,
    /// 生年月日 (the second factor at sign-in).
    BirthDate,
}

impl Column {
    /// The columns in the order a roster without a header has them.
    pub const POSITIONAL: [Self; 6] = [
        Self::EmployeeCode,
        Self::Name,
        Self::NameKana,
        Self::Email,
        Self::Branch,
        Self::BirthDate,
    ];

    /// The header names this column answers to (compared without case and spaces).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Kind => &["kind", "種別", "区分"],
            Self::EmployeeCode => &[
                "employee_code",
                "employeecode",
                "code",
                "社員番号",
                "従業員番号",
                "社員コード",
            ],
            Self::Name => &["name", "氏名", "名前"],
            Self::NameKana => &[
                "name_kana",
                "furigana",
                "kana",
                "フリガナ",
                "ふりがな",
                "氏名カナ",
                "カナ",
            ],
            Self::Email => &["email", "e-mail", "mail", "メール", "メールアドレス"],
            Self::Branch => &[
                "branch",
                "branch_code",
                "department",
                "拠点",
                "部署",
                "所属",
            ],
            Self::BirthDate => &["birth_date", "birthdate", "生年月日"],
        }
    }

    /// The column's name as the error list shows it (ja, en).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Kind => ("種別", "kind"),
            Self::EmployeeCode => ("社員番号", "employee code"),
            Self::Name => ("氏名", "name"),
            Self::NameKana => ("フリガナ", "furigana"),
            Self::Email => ("メール", "e-mail"),
            Self::Branch => ("拠点・部署", "branch"),
            Self::BirthDate => ("生年月日", "birth date"),
        }
    }

    fn from_header(cell: &str) -> Option<Self> {
        let key: String = cell
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        [
            Self::Kind,
            Self::EmployeeCode,
            Self::Name,
            Self::NameKana,
            Self::Email,
            Self::Branch,
            Self::BirthDate,
        ]
        .into_iter()
        .find(|c| c.aliases().contains(&key.as_str()))
    }
}

/// One refusal: the line (1-based, as a spreadsheet numbers it; 0 for the whole file),
/// the column if one is to blame, and the bilingual message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterError {
    /// Line number in the file.
    pub line: usize,
    /// The column at fault.
    pub column: Option<Column>,
    /// The refused value as it was in the file (shown next to the reason), clipped.
    pub value: Option<String>,
    /// What is wrong.
    pub message: Message,
}

/// The raw text of one row, before checking (also the API's JSON for one invitation).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Row {
    /// `employee`, `payee`, 従業員, 支払先, or empty.
    pub kind: String,
    /// 社員番号.
    pub employee_code: String,
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub name_kana: String,
    /// メール.
    pub email: String,
    /// 拠点・部署.
    pub branch: String,
    /// 生年月日.
    pub birth_date: String,
}

/// How much of a refused value the error list shows.
const MAX_SHOWN_CHARS: usize = 60;

impl Row {
    /// The cell of `column`, as read.
    pub fn cell(&self, column: Column) -> &str {
        match column {
            Column::Kind => &self.kind,
            Column::EmployeeCode => &self.employee_code,
            Column::Name => &self.name,
            Column::NameKana => &self.name_kana,
            Column::Email => &self.email,
            Column::Branch => &self.branch,
            Column::BirthDate => &self.birth_date,
        }
    }

    fn set(&mut self, column: Column, value: &str) {
        let value = value.trim().to_owned();
        match column {
            Column::Kind => self.kind = value,
            Column::EmployeeCode => self.employee_code = value,
            Column::Name => self.name = value,
            Column::NameKana => self.name_kana = value,
            Column::Email => self.email = value,
            Column::Branch => self.branch = value,
            Column::BirthDate => self.birth_date = value,
        }
    }

    /// Checks every field and returns the invitation, or every problem found (not only
    /// the first: an admin fixes a row once).
    pub fn parse(
        &self,
        today: time::Date,
        valid_days: i64,
    ) -> Result<NewInvitation, Vec<(Column, Message)>> {
        let mut errors = Vec::new();
        let kind = match self.kind.to_lowercase().as_str() {
            "" | "employee" | "従業員" | "社員" => Some(InvitationKind::Employee),
            "payee" | "支払先" | "個人" => Some(InvitationKind::Payee),
            _ => {
                errors.push((Column::Kind, Message::InvitationKindInvalid));
                None
            }
        };
        let employee_code = if self.employee_code.is_empty() {
            if kind == Some(InvitationKind::Employee) {
                errors.push((Column::EmployeeCode, Message::EmployeeCodeRequired));
            }
            None
        } else {
            EmployeeCode::parse(&self.employee_code)
                .map_err(|_| errors.push((Column::EmployeeCode, Message::EmployeeCodeInvalid)))
                .ok()
        };
        let name = PersonName::parse(&self.name)
            .map_err(|e| errors.push((Column::Name, person_message(e))))
            .ok();
        let name_kana = optional(
            &self.name_kana,
            Column::NameKana,
            NameKana::parse,
            person_message,
            &mut errors,
        );
        let email = optional(
            &self.email,
            Column::Email,
            EmailAddress::parse,
            |_| Message::EmailInvalid,
            &mut errors,
        );
        let branch = optional(
            &self.branch,
            Column::Branch,
            BranchCode::parse,
            |_| Message::BranchInvalid,
            &mut errors,
        );
        let birth_date = optional(
            &self.birth_date,
            Column::BirthDate,
            |cell| BirthDate::parse(cell, today),
            person_message,
            &mut errors,
        );
        match (kind, name) {
            (Some(kind), Some(name)) if errors.is_empty() => Ok(NewInvitation {
                kind,
                name,
                name_kana,
                email,
                employee_code,
                branch,
                birth_date,
                valid_days,
            }),
            _ => Err(errors),
        }
    }
}

/// A cell that may be left empty: `None` when it is, else its value or a refusal noted
/// against `column`.
fn optional<T, E>(
    cell: &str,
    column: Column,
    parse: impl FnOnce(&str) -> Result<T, E>,
    message: impl FnOnce(E) -> Message,
    errors: &mut Vec<(Column, Message)>,
) -> Option<T> {
    if cell.is_empty() {
        return None;
    }
    parse(cell)
        .map_err(|e| errors.push((column, message(e))))
        .ok()
}

/// The upload as text: UTF-8 (a BOM is dropped) or, failing that, Shift_JIS as Excel
/// writes it on a Japanese Windows (decoded as its superset, windows-31j).
pub fn decode(bytes: &[u8]) -> Result<String, RosterError> {
    let whole = |message| RosterError {
        line: 0,
        column: None,
        value: None,
        message,
    };
    if bytes.len() > MAX_BYTES {
        return Err(whole(Message::RosterTooLarge));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(whole(Message::RosterEncoding));
    }
    Ok(text.into_owned())
}

/// What a batch is checked against besides its own cells: the employee codes that already
/// have an invitation in use, and the branches' codes by display name (a roster may say
/// 大阪支店 where the code is `osaka`).
#[derive(Debug, Default)]
pub struct Known {
    /// Employee codes with an invitation in use.
    pub taken: HashSet<String>,
    /// Branch codes by display name.
    pub branches: HashMap<String, BranchCode>,
}

/// Reads a roster: the invitations to create, or every refusal.
pub fn parse(
    text: &str,
    today: time::Date,
    valid_days: i64,
    known: &Known,
) -> Result<Vec<NewInvitation>, Vec<RosterError>> {
    // Excel ends lines with CRLF, and the csv reader then counts lines short of what
    // Excel shows: with plain LF endings its line is the spreadsheet's row (header = 1).
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let mut columns: Option<Vec<Option<Column>>> = None;
    let mut rows = Vec::new();
    let mut first = true;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(RosterError {
                    line,
                    column: None,
                    value: None,
                    message: Message::RosterUnreadable,
                });
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if first {
            first = false;
            let header: Vec<Option<Column>> = record.iter().map(Column::from_header).collect();
            if header.iter().any(Option::is_some) {
                columns = Some(header);
                continue;
            }
        }
        let columns = columns.get_or_insert_with(|| Column::POSITIONAL.map(Some).to_vec());
        if record.len() > columns.len() && record.iter().skip(columns.len()).any(|c| !c.is_empty())
        {
            errors.push(RosterError {
                line,
                column: None,
                value: None,
                message: Message::RosterColumns,
            });
            continue;
        }
        let mut row = Row::default();
        for (cell, column) in record.iter().zip(columns.iter()) {
            if let Some(column) = column {
                row.set(*column, cell);
            }
        }
        rows.push((line, row));
    }
    if rows.is_empty() && !errors.is_empty() {
        return Err(errors);
    }
    match check(rows, today, valid_days, known) {
        Ok(batch) if errors.is_empty() => Ok(batch),
        Ok(_) => Err(errors),
        Err(found) => {
            errors.extend(found);
            errors.sort_by_key(|e| e.line);
            Err(errors)
        }
    }
}

/// Checks rows read from a roster or sent to the API (each with its line or index): every
/// field (a branch given by its display name read as its code), codes repeated within the
/// batch, and codes that already have an invitation in use. All the invitations, or every
/// refusal.
pub fn check(
    rows: Vec<(usize, Row)>,
    today: time::Date,
    valid_days: i64,
    known: &Known,
) -> Result<Vec<NewInvitation>, Vec<RosterError>> {
    let taken = &known.taken;
    let whole = |message| {
        Err(vec![RosterError {
            line: 0,
            column: None,
            value: None,
            message,
        }])
    };
    if rows.len() > MAX_ROWS {
        return whole(Message::RosterTooLarge);
    }
    if rows.is_empty() {
        return whole(Message::RosterEmpty);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (line, mut row) in rows {
        if let Some(code) = known.branches.get(row.branch.trim()) {
            row.branch = code.as_str().to_owned();
        }
        let refuse = |column, message| RosterError {
            line,
            column: Some(column),
            value: Some(row.cell(column).chars().take(MAX_SHOWN_CHARS).collect()),
            message,
        };
        match row.parse(today, valid_days) {
            Ok(new) => match new.employee_code.as_ref().map(EmployeeCode::as_str) {
                Some(code) if taken.contains(code) => {
                    errors.push(refuse(Column::EmployeeCode, Message::AlreadyInvited));
                }
                Some(code) if !seen.insert(code.to_owned()) => {
                    errors.push(refuse(Column::EmployeeCode, Message::RosterDuplicateCode));
                }
                _ => out.push(new),
            },
            Err(found) => errors.extend(found.into_iter().map(|(c, m)| refuse(c, m))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 11 - 23)
    }

    fn errors_of(text: &str) -> Vec<(usize, Option<Column>, &'static str)> {
        parse(text, today(), 30, &Known::default())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.line, e.column, e.message.code()))
            .collect()
    }

    #[test]
    fn a_japanese_header_in_any_order_maps_its_columns() {
        let text = "氏名,社員番号,メールアドレス,フリガナ,所属\n山田 太郎,E001,taro@example.jp,やまだ たろう,TOKYO\n";
        let rows = parse(text, today(), 30, &Known::default()).expect("parses");
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.name.as_str(), "山田 太郎");
        assert_eq!(
            row.name_kana.as_ref().map(NameKana::as_str),
            Some("ヤマダ タロウ")
        );
        assert_eq!(
            row.employee_code.as_ref().map(EmployeeCode::as_str),
            Some("E001")
        );
        assert_eq!(
            row.email.as_ref().map(EmailAddress::as_str),
            Some("taro@example.jp")
        );
        assert_eq!(row.branch.as_ref().map(BranchCode::as_str), Some("TOKYO"));
        assert_eq!(row.kind, InvitationKind::Employee);
    }

    #[test]
    fn without_a_header_the_documented_order_applies() {
        let text = "E002,佐藤 花子,サトウ ハナコ,,OSAKA,1990/04/01\n";
        let rows = parse(text, today(), 30, &Known::default()).expect("parses");
        assert_eq!(
            rows[0].birth_date.map(BirthDate::to_iso).as_deref(),
            Some("1990-04-01")
        );
        assert!(rows[0].email.is_none());
    }

    #[test]
    fn shift_jis_from_excel_is_read() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("社員番号,氏名\r\nE003,鈴木 一郎\r\n");
        assert!(std::str::from_utf8(&bytes).is_err());
        let text = decode(&bytes).expect("decodes");
        let rows = parse(&text, today(), 30, &Known::default()).expect("parses");
        assert_eq!(rows[0].name.as_str(), "鈴木 一郎");
        let bom = [b"\xEF\xBB\xBF".as_slice(), "氏名\n".as_bytes()].concat();
        assert_eq!(decode(&bom).expect("utf-8"), "氏名\n");
    }

    #[test]
    fn every_bad_cell_is_named_with_its_line_and_nothing_is_accepted() {
        let text = "社員番号,氏名,フリガナ,メール,生年月日\n\
                    E1,良い 行,ヨイ ギョウ,,\n\
                    ,名前,ナマエ,not-an-address,2999-01-01\n\
                    E3,,Yamada,,\n\
                    E1,二度目,ニドメ,,\n";
        assert_eq!(
            errors_of(text),
            vec![
                (3, Some(Column::EmployeeCode), "employee_code_required"),
                (3, Some(Column::Email), "email_invalid"),
                (3, Some(Column::BirthDate), "birth_date_range"),
                (4, Some(Column::Name), "name_empty"),
                (4, Some(Column::NameKana), "kana_invalid"),
                (5, Some(Column::EmployeeCode), "roster_duplicate_code"),
            ]
        );
    }

    #[test]
    fn a_code_already_invited_is_refused() {
        let known = Known {
            taken: HashSet::from(["E9".to_owned()]),
            ..Known::default()
        };
        let errors = parse("E9,山田 太郎\n", today(), 30, &known).expect_err("taken");
        assert_eq!(errors[0].message, Message::AlreadyInvited);
    }

    #[test]
    fn files_that_are_not_rosters_are_refused_plainly() {
        assert_eq!(errors_of(""), vec![(0, None, "roster_empty")]);
        assert_eq!(
            errors_of("氏名,社員番号\n"),
            vec![(0, None, "roster_empty")]
        );
        assert_eq!(
            errors_of("E1,山田,ヤマダ,,,,extra\n"),
            vec![(1, None, "roster_columns")]
        );
        // A stray quote swallows the following lines into one cell: the cell is refused.
        assert_eq!(
            errors_of("E1,\"山田\nE2,佐藤\n"),
            vec![(1, Some(Column::Name), "name_invalid")]
        );
        assert!(decode(&[0x82, 0xFF, 0xFF]).is_err());
        assert!(decode(&vec![b'a'; MAX_BYTES + 1]).is_err());
    }

    #[test]
    fn payees_need_no_employee_code() {
        let rows = parse(
            "種別,氏名\npayee,個人 事業主\n",
            today(),
            30,
            &Known::default(),
        )
        .expect("parses");
        assert_eq!(rows[0].kind, InvitationKind::Payee);
        assert!(rows[0].employee_code.is_none());
    }

    #[test]
    fn what_excel_writes_is_read_and_a_refusal_shows_the_value_on_the_line_excel_shows() {
        // Excel's dates (1985/2/28, 1985/02/28) and a branch named as people name it.
        let known = Known {
            branches: HashMap::from([(
                "大阪支店".to_owned(),
                BranchCode::parse("osaka").expect("code"),
            )]),
            ..Known::default()
        };
        let text = "社員番号,氏名,拠点,生年月日\r\nE1,山田 太郎,大阪支店,1985/2/28\r\nE2,佐藤 花子,TKY,1985/02/28\r\n";
        let rows = parse(text, today(), 30, &known).expect("parses");
        assert_eq!(
            rows[0].branch.as_ref().map(BranchCode::as_str),
            Some("osaka")
        );
        assert_eq!(rows[1].branch.as_ref().map(BranchCode::as_str), Some("TKY"));
        for row in &rows {
            assert_eq!(
                row.birth_date.map(BirthDate::to_iso).as_deref(),
                Some("1985-02-28")
            );
        }
        // Line 3 as Excel numbers it (the header is line 1), with the refused value.
        let text = "社員番号,氏名,拠点,生年月日\r\nE1,山田 太郎,大阪支店,1985/2/28\r\nE2,佐藤 花子,名古屋支店,1985/2/30\r\n";
        let errors = parse(text, today(), 30, &known).expect_err("refused");
        let shown: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column, e.value.as_deref(), e.message.code()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    3,
                    Some(Column::Branch),
                    Some("名古屋支店"),
                    "branch_invalid"
                ),
                (
                    3,
                    Some(Column::BirthDate),
                    Some("1985/2/30"),
                    "birth_date_format"
                ),
            ]
        );
    }
}
