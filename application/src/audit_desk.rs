//! The auditor's desk (監査責任者): the trail and the sign-in history searched by name and by
//! Japan-time day, newest first a page at a time, every row naming who and what instead of
//! ids; and the periodic audit review.
//!
//! The review: the PPC guideline (特定個人情報の適正な取扱いに関するガイドライン（事業者編）,
//! 別添1 安全管理措置, 「C 組織的安全管理措置」 item e 「取扱状況の把握及び安全管理措置の見直し」)
//! asks the business to grasp how specific personal information is handled and to review
//! and improve its safety-management measures. Kakunin records that review: an auditor signs
//! off a period of whole days (Japan time), what was looked at and remarks; the months no
//! review covers are shown, and a month still unreviewed after its due day raises an alert
//! (`storage::alerts`). The guideline fixes no rhythm; monthly with a due day is our choice.
//!
//! Names: a staff member by username (an account has no other name), a provider by the name
//! on their invitation. Auditors may see names, never a number (DESIGN.md, who uses it);
//! the trail holds none, and a name searched for is not written to the trail either (only
//! that a person filter was used).

use std::collections::HashMap;

use domain::ledger::Ledger;
use storage::AuditEvent;
use storage::audit::{AuditEntry, actions};
use storage::audit_desk::{
    ActionFamily, Cursor, Direction, NewAuditReview, ReviewedLedger, SignInFilter, SignInPage,
    StaffName, TrailFilter,
};
pub use storage::audit_desk::{
    DetailField, DetailValue, DisposalLine, ExportLine, Named, NoMatch, ReviewDesk, TrailLine,
};
use storage::typed_text::{self, Lines};
use time::Date;
use uuid::Uuid;

use crate::access::{Auditor, Overseer};
use crate::app::App;
use crate::error::{AppError, Invalid};
use crate::time_jp;

/// Rows on a page of the trail or the sign-in history.
pub const PAGE_ROWS: i64 = 50;

/// The most remarks a review takes, in characters.
pub const MAX_REMARKS: usize = 2000;

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Reads a date as a person types it or a date picker sends it: `2026-11-30`.
pub fn parse_day(text: &str) -> Option<Date> {
    Date::parse(text.trim(), DATE).ok()
}

/// Searches the trail as an overseer typed it (the JSON API's raw search): the search is
/// itself an audit entry first; returns the entries in chain order and the position to
/// continue after when the page is full. Refused terms are `Invalid::SearchDate`.
pub async fn search(
    app: &App,
    overseer: &Overseer,
    query: storage::audit::AuditQuery,
) -> Result<(Vec<AuditEntry>, Option<i64>), AppError> {
    query
        .validate()
        .map_err(|_| AppError::Invalid(Invalid::SearchDate))?;
    app.vault
        .record(
            overseer.audit(),
            AuditEvent::success(actions::AUDIT_SEARCH, None).with_detail(serde_json::json!({
                "actor": query.actor, "action": query.action, "about": query.about,
                "from": query.from_ms, "to": query.to_ms, "after": query.after_seq,
            })),
        )
        .await?;
    let entries = app.vault.search_audit(&query).await?;
    let next_after = (entries.len() as i64 == query.limit.clamp(1, 1000))
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok((entries, next_after))
}

/// The instants a search covers: `from` is a day (from its midnight in Japan) or an RFC 3339
/// instant (inclusive); `to` is a day (to the end of that day in Japan, inclusive) or an
/// instant (exclusive). Empty text is no bound.
pub fn search_bounds(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    fn bound(text: Option<&str>, end_of_day: bool) -> Result<Option<i64>, AppError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if let Some(day) = parse_day(text) {
            let day = if end_of_day {
                day.next_day()
                    .ok_or(AppError::Invalid(Invalid::SearchDate))?
            } else {
                day
            };
            return Ok(Some(storage::audit_desk::jst_midnight_ms(day)));
        }
        crate::time_jp::parse_instant(text)
            .map(Some)
            .ok_or(AppError::Invalid(Invalid::SearchDate))
    }
    let (from, to) = (bound(from, false)?, bound(to, true)?);
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(AppError::Invalid(Invalid::SearchDate));
    }
    Ok((from, to))
}

/// What the auditor asked for, as the page's form sends it.
#[derive(Debug, Clone, Default)]
pub struct TrailSearch {
    /// A staff member's username (or, as the API always took, `staff:<id>`).
    pub staff: Option<String>,
    /// Part of a provider's or a person's name.
    pub person: Option<String>,
    /// An action family's code.
    pub family: Option<String>,
    /// A day (`2026-11-30`, Japan time) or an RFC 3339 instant.
    pub from: Option<String>,
    /// A day (inclusive) or an RFC 3339 instant (exclusive).
    pub to: Option<String>,
    /// The page: from this entry, older or newer.
    pub cursor: Option<(Cursor, Direction)>,
}

/// A page of the trail as the auditor reads it.
#[derive(Debug, Clone)]
pub struct Trail {
    /// Rows, newest first.
    pub lines: Vec<TrailLine>,
    /// The next (older) page starts after this entry.
    pub older: Option<Cursor>,
    /// The previous (newer) page starts before this entry.
    pub newer: Option<Cursor>,
    /// Why nothing matched, when a filter names nobody.
    pub no_match: Option<NoMatch>,
    /// Every staff account (the filter's choices).
    pub staff: Vec<StaffName>,
}

fn empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The staff account a username (or `staff:<id>`) names, among `staff`.
fn find_staff<'s>(staff: &'s [StaffName], text: &str) -> Option<&'s StaffName> {
    let id = text
        .strip_prefix("staff:")
        .and_then(|id| id.parse::<Uuid>().ok());
    staff
        .iter()
        .find(|s| Some(s.account_id) == id || s.username == text)
}

/// Reads the trail (auditor or admin): one page, newest first, with names. The search is
/// itself an entry of the trail, written first (ids and codes only, no name searched for).
pub async fn trail(
    app: &App,
    overseer: &Overseer,
    search: TrailSearch,
    rows: i64,
) -> Result<Trail, AppError> {
    let vault = &app.vault;
    let staff = vault.staff_names().await?;
    let (from_ms, to_ms) = search_bounds(search.from.as_deref(), search.to.as_deref())?;
    let family = match empty(search.family) {
        Some(code) => {
            Some(ActionFamily::from_code(&code).ok_or(AppError::Invalid(Invalid::Request))?)
        }
        None => None,
    };
    let person = empty(search.person);
    if person
        .as_ref()
        .is_some_and(|p| typed_text::parse(p, Lines::One, 100).is_err())
    {
        return Err(AppError::Invalid(Invalid::Message));
    }
    let mut no_match = None;
    let staff_id = match empty(search.staff) {
        Some(text) => match find_staff(&staff, &text) {
            Some(s) => Some(s.account_id),
            None => {
                no_match = Some(NoMatch::UnknownStaff(text));
                None
            }
        },
        None => None,
    };
    if no_match.is_none()
        && let Some(p) = &person
        && !vault.person_name_exists(p).await?
    {
        no_match = Some(NoMatch::UnknownPerson(p.clone()));
    }
    vault
        .record(
            overseer.audit(),
            AuditEvent::success(actions::AUDIT_SEARCH, None).with_detail(serde_json::json!({
                "staff": staff_id.map(|id| id.to_string()),
                "family": family.map(ActionFamily::code),
                "person": person.is_some(),
                "from": from_ms, "to": to_ms,
                "page": search.cursor.map(|(c, _)| c.seq),
            })),
        )
        .await?;
    if no_match.is_some() {
        return Ok(Trail {
            lines: Vec::new(),
            older: None,
            newer: None,
            no_match,
            staff,
        });
    }
    let filter = TrailFilter {
        staff: staff_id,
        person,
        family,
        from_ms,
        to_ms,
    };
    let page = vault.trail_page(&filter, search.cursor, rows).await?;
    let names = Names::load(app, &staff, &page.entries).await?;
    let lines = page
        .entries
        .into_iter()
        .map(|entry| names.line(entry))
        .collect();
    Ok(Trail {
        lines,
        older: page.older,
        newer: page.newer,
        no_match: None,
        staff,
    })
}

/// Every entry matching a search, newest first (the CSV download), at most `cap` rows;
/// the read is one entry of the trail.
pub async fn trail_all(
    app: &App,
    overseer: &Overseer,
    search: TrailSearch,
    cap: usize,
) -> Result<Trail, AppError> {
    let mut first = trail(app, overseer, search.clone(), 500).await?;
    let mut cursor = first.older;
    while let Some(c) = cursor
        && first.lines.len() < cap
    {
        let page = app
            .vault
            .trail_page(
                &TrailFilter {
                    staff: search
                        .staff
                        .as_deref()
                        .and_then(|s| find_staff(&first.staff, s.trim()))
                        .map(|s| s.account_id),
                    person: empty(search.person.clone()),
                    family: empty(search.family.clone()).and_then(|f| ActionFamily::from_code(&f)),
                    from_ms: search_bounds(search.from.as_deref(), search.to.as_deref())?.0,
                    to_ms: search_bounds(search.from.as_deref(), search.to.as_deref())?.1,
                },
                Some((c, Direction::Older)),
                500,
            )
            .await?;
        let names = Names::load(app, &first.staff, &page.entries).await?;
        first
            .lines
            .extend(page.entries.into_iter().map(|e| names.line(e)));
        cursor = page.older;
    }
    first.lines.truncate(cap);
    first.older = None;
    first.newer = None;
    Ok(first)
}

/// Names for the ids a page of entries mentions.
struct Names {
    staff: HashMap<String, String>,
    refs: HashMap<String, String>,
}

/// `kind:<id>` split, when it is one.
fn split_ref(text: &str) -> Option<(&str, &str)> {
    let (kind, id) = text.split_once(':')?;
    (!kind.is_empty() && !id.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .then_some((kind, id))
}

impl Names {
    async fn load(
        app: &App,
        staff: &[StaffName],
        entries: &[AuditEntry],
    ) -> Result<Self, AppError> {
        let mut wanted: Vec<String> = Vec::new();
        for e in entries {
            wanted.push(e.actor.clone());
            wanted.extend(e.target.clone());
            if let Ok(serde_json::Value::Object(detail)) = serde_json::from_str(&e.detail) {
                for value in detail.values() {
                    if let serde_json::Value::String(s) = value
                        && s.len() == 36
                    {
                        wanted.push(s.clone());
                    }
                }
            }
        }
        wanted.sort();
        wanted.dedup();
        Ok(Self {
            staff: staff
                .iter()
                .map(|s| (s.account_id.to_string(), s.username.clone()))
                .collect(),
            refs: app.vault.names_of_refs(&wanted).await?,
        })
    }

    fn named(&self, text: &str) -> Named {
        match split_ref(text) {
            Some((kind, id)) => {
                let name = if kind == "staff" {
                    self.staff.get(id).cloned()
                } else {
                    self.refs.get(text).cloned()
                };
                Named {
                    kind: kind.to_owned(),
                    name,
                    short_id: Some(id.chars().take(8).collect()),
                }
            }
            None => Named {
                kind: text.to_owned(),
                name: None,
                short_id: None,
            },
        }
    }

    fn value(&self, value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::String(s) => {
                if let Some(name) = self.staff.get(s.as_str()).or_else(|| self.refs.get(s)) {
                    return name.clone();
                }
                match split_ref(s).map(|(kind, _)| (kind, self.named(s).name)) {
                    Some((kind, Some(name))) => format!("{kind}: {name}"),
                    _ => s.clone(),
                }
            }
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| self.value(v))
                .collect::<Vec<_>>()
                .join(", "),
            serde_json::Value::Null => "—".to_owned(),
            other => other.to_string(),
        }
    }

    /// A detail's value for people: instants, flags and codes kept typed for the page;
    /// ids replaced by names.
    fn detail_value(&self, key: &str, value: &serde_json::Value) -> DetailValue {
        const TIMES: [&str; 6] = [
            "from",
            "to",
            "at",
            "expires_at",
            "absolute_expires_at",
            "after",
        ];
        const CODES: [&str; 10] = [
            "outcome", "reason", "family", "role", "state", "kind", "channel", "ledger", "step",
            "status",
        ];
        match value {
            serde_json::Value::Number(n) if TIMES.contains(&key) => match n.as_i64() {
                Some(ms) if ms > 100_000_000_000 => DetailValue::Time(ms),
                _ => DetailValue::Text(n.to_string()),
            },
            serde_json::Value::Bool(b) => DetailValue::Flag(*b),
            serde_json::Value::String(code) if CODES.contains(&key) => {
                DetailValue::Code(code.clone())
            }
            other => DetailValue::Text(self.value(other)),
        }
    }

    fn line(&self, entry: AuditEntry) -> TrailLine {
        let detail = match serde_json::from_str(&entry.detail) {
            Ok(serde_json::Value::Object(map)) => map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| DetailField {
                    key: k.clone(),
                    value: self.detail_value(k, v),
                })
                .collect(),
            _ if entry.detail.trim().is_empty() => Vec::new(),
            _ => vec![DetailField {
                key: String::new(),
                value: DetailValue::Text(entry.detail.clone()),
            }],
        };
        TrailLine {
            actor: self.named(&entry.actor),
            target: entry.target.as_deref().map(|t| self.named(t)),
            family: ActionFamily::of(&entry.action),
            detail,
            entry,
        }
    }
}

/// What the sign-in history was asked for.
#[derive(Debug, Clone, Default)]
pub struct SignInSearch {
    /// The username typed at the form.
    pub username: Option<String>,
    /// A day or an instant (see [`search_bounds`]).
    pub from: Option<String>,
    /// A day (inclusive) or an instant (exclusive).
    pub to: Option<String>,
    /// The page.
    pub cursor: Option<((i64, String), Direction)>,
}

/// The sign-in history (auditor or admin), newest first, a page at a time; the read is an
/// entry of the trail.
pub async fn sign_ins(
    app: &App,
    overseer: &Overseer,
    search: SignInSearch,
    rows: i64,
) -> Result<(SignInPage, Vec<StaffName>), AppError> {
    let (from_ms, to_ms) = search_bounds(search.from.as_deref(), search.to.as_deref())?;
    let username = empty(search.username);
    audit_ledger_read(
        &app.vault,
        overseer.audit(),
        serde_json::json!({ "ledger": "sign_ins", "from": from_ms, "to": to_ms }),
    )
    .await?;
    let filter = SignInFilter {
        username,
        from_ms,
        to_ms,
    };
    let page = app.vault.sign_in_page(&filter, search.cursor, rows).await?;
    Ok((page, app.vault.staff_names().await?))
}

/// The reviews and the gaps (auditor or admin).
pub async fn review_desk(app: &App, _overseer: &Overseer) -> Result<ReviewDesk, AppError> {
    let today = time_jp::today();
    Ok(ReviewDesk {
        reviews: app.vault.audit_reviews().await?,
        unreviewed: app.vault.unreviewed_audit_months(today).await?,
        today,
    })
}

/// A sign-off as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct ReviewSignOff {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// Codes of what was looked at.
    pub looked_at: Vec<String>,
    /// Remarks (may be empty).
    pub remarks: String,
}

/// The auditor signs off a period as reviewed: whole days up to today, at least one thing
/// looked at, remarks under the typed-text rules (several lines, at most 2,000).
pub async fn sign_off_review(
    app: &App,
    auditor: &Auditor,
    form: ReviewSignOff,
) -> Result<Uuid, AppError> {
    let refused = AppError::Invalid(Invalid::AuditReview);
    let (Some(from), Some(to)) = (parse_day(&form.from), parse_day(&form.to)) else {
        return Err(refused);
    };
    if from > to || to > time_jp::today() {
        return Err(refused);
    }
    let mut looked_at = Vec::new();
    for code in &form.looked_at {
        let ledger =
            ReviewedLedger::from_code(code).ok_or(AppError::Invalid(Invalid::AuditReview))?;
        if !looked_at.contains(&ledger) {
            looked_at.push(ledger);
        }
    }
    if looked_at.is_empty() {
        return Err(refused);
    }
    let remarks = if form.remarks.trim().is_empty() {
        String::new()
    } else {
        typed_text::parse(&form.remarks, Lines::Many, MAX_REMARKS).map_err(|_| refused)?
    };
    Ok(app
        .vault
        .sign_off_audit_review(
            auditor.audit(),
            auditor.id().into(),
            &NewAuditReview {
                period_from: from,
                period_to: to,
                looked_at,
                remarks,
            },
        )
        .await?)
}

/// A username for a stored `staff:<id>` or bare id; the text itself when unknown.
fn staff_name(staff: &[StaffName], text: &str) -> String {
    let id = text.strip_prefix("staff:").unwrap_or(text);
    staff
        .iter()
        .find(|s| s.account_id.to_string() == id)
        .map(|s| s.username.clone())
        .unwrap_or_else(|| text.to_owned())
}

/// The export ledger with names, newest first (auditor or admin); the read is audited.
pub async fn export_ledger(app: &App, overseer: &Overseer) -> Result<Vec<ExportLine>, AppError> {
    record_ledger_read(app, overseer, "exports").await?;
    let staff = app.vault.staff_names().await?;
    let entries = app.vault.export_ledger().await?;
    let mut ids = Vec::new();
    let parsed: Vec<(serde_json::Value, Vec<String>)> = entries
        .iter()
        .map(|e| {
            let officers = serde_json::from_str(&e.officers).unwrap_or_default();
            let records: Vec<String> = serde_json::from_str(&e.record_ids).unwrap_or_default();
            ids.extend(records.iter().cloned());
            (officers, records)
        })
        .collect();
    let names = app.vault.names_of_refs(&ids).await?;
    let text = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let mut lines: Vec<ExportLine> = entries
        .into_iter()
        .zip(parsed)
        .map(|(e, (officers, records))| ExportLine {
            at: e.at,
            release: e.release_id.chars().take(8).collect(),
            proposed_by: text(&officers, "proposed_by")
                .map(|t| staff_name(&staff, &t))
                .unwrap_or_default(),
            approved_by: text(&officers, "approved_by")
                .map(|t| staff_name(&staff, &t))
                .unwrap_or_default(),
            pulled_by: text(&officers, "pulled_by").map(|t| {
                // `payroll:<id> (<name>)`: the name is what a person reads.
                t.split_once(" (")
                    .map(|(_, n)| n.trim_end_matches(')').to_owned())
                    .unwrap_or(t)
            }),
            people: records
                .iter()
                .map(|id| {
                    names
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| id.chars().take(8).collect())
                })
                .collect(),
            record_count: e.record_count,
            recipient: e.recipient,
            purpose: e.purpose,
            route: e.route,
            sha256: e.sha256,
        })
        .collect();
    lines.reverse();
    Ok(lines)
}

/// The disposal ledger with names, newest first (auditor or admin); the read is audited.
pub async fn disposal_ledger(
    app: &App,
    overseer: &Overseer,
) -> Result<Vec<DisposalLine>, AppError> {
    record_ledger_read(app, overseer, "disposals").await?;
    let staff = app.vault.staff_names().await?;
    let records = app.vault.disposal_ledger().await?;
    let ids: Vec<String> = records
        .iter()
        .map(|r| r.submission_id.to_string())
        .collect();
    let names = app.vault.names_of_refs(&ids).await?;
    let mut lines: Vec<DisposalLine> = records
        .into_iter()
        .map(|r| DisposalLine {
            at: r.approved_at,
            // A person or a version disposed of alone is named as that person (a dependant,
            // an old version); a whole record by its holder.
            person: r.person_name.clone().unwrap_or_else(|| {
                names
                    .get(&r.submission_id.to_string())
                    .cloned()
                    .unwrap_or_else(|| r.submission_id.to_string().chars().take(8).collect())
            }),
            proposed_by: staff_name(&staff, &r.proposed_by),
            approved_by: staff_name(&staff, &r.approved_by),
            method: r.method,
            numbers_destroyed: r.numbers_destroyed,
            documents_destroyed: r.documents_destroyed,
        })
        .collect();
    lines.reverse();
    Ok(lines)
}

/// A ledger's rows as stored (the file ledger's purposes of use are the configuration's,
/// filled in by whoever lays it out).
#[derive(Debug)]
pub enum LedgerRows {
    /// 特定個人情報ファイル台帳.
    Files(Vec<storage::ledgers::FileLedgerEntry>),
    /// 持出管理記録簿.
    Exports(Vec<storage::ledgers::ExportLedgerEntry>),
    /// 廃棄記録.
    Disposals(Vec<storage::retention::DisposalRecord>),
}

async fn rows_of(vault: &storage::Vault, ledger: Ledger) -> Result<LedgerRows, AppError> {
    Ok(match ledger {
        Ledger::Files => LedgerRows::Files(vault.file_ledger().await?),
        Ledger::Exports => LedgerRows::Exports(vault.export_ledger().await?),
        Ledger::Disposals => LedgerRows::Disposals(vault.disposal_ledger().await?),
    })
}

/// A ledger's rows for an overseer (JSON, or a CSV download when `csv`): the read is an
/// audit entry first.
pub async fn ledger_rows(
    app: &App,
    overseer: &Overseer,
    ledger: Ledger,
    csv: bool,
) -> Result<LedgerRows, AppError> {
    audit_ledger_read(
        &app.vault,
        overseer.audit(),
        serde_json::json!({ "ledger": ledger.code(), "csv": csv }),
    )
    .await?;
    rows_of(&app.vault, ledger).await
}

/// A ledger's rows for the operator at the server's console (`kakunin ledger …`), audited
/// as the command line.
pub async fn ledger_rows_at_console(
    vault: &storage::Vault,
    ledger: Ledger,
) -> Result<LedgerRows, AppError> {
    let rows = rows_of(vault, ledger).await?;
    audit_ledger_read(
        vault,
        &storage::AuditContext::cli(),
        serde_json::json!({ "ledger": ledger.code() }),
    )
    .await?;
    Ok(rows)
}

async fn record_ledger_read(app: &App, overseer: &Overseer, ledger: &str) -> Result<(), AppError> {
    audit_ledger_read(
        &app.vault,
        overseer.audit(),
        serde_json::json!({ "ledger": ledger, "names": true }),
    )
    .await
}

/// Every read of a ledger (or of the sign-in history) is an audit entry first.
async fn audit_ledger_read(
    vault: &storage::Vault,
    who: &storage::AuditContext,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    vault
        .record(
            who,
            AuditEvent::success(actions::LEDGER_READ, None).with_detail(detail),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_date_is_that_whole_day_in_japan() {
        let (from, to) = search_bounds(Some("2026-11-30"), Some("2026-11-30")).expect("dates");
        // 2026-11-30 00:00 JST = 2026-11-29T15:00:00Z.
        assert_eq!(from, Some(1_795_964_400_000));
        assert_eq!(
            to,
            Some(1_795_964_400_000 + 86_400_000),
            "the end day included"
        );
        let (from, _) = search_bounds(Some("2026-11-30T00:00:00+09:00"), None).expect("instant");
        assert_eq!(from, Some(1_795_964_400_000));
        for bad in ["30/11/2026", "2026-13-01", "yesterday"] {
            assert!(search_bounds(Some(bad), None).is_err(), "{bad}");
        }
        assert!(
            search_bounds(Some("2026-12-01"), Some("2026-11-30")).is_err(),
            "start after end"
        );
        assert_eq!(search_bounds(Some(" "), None).expect("empty"), (None, None));
    }
}
