//! The auditor's desk (監査責任者): the trail read newest first a page at a time, narrowed by
//! staff member, person, action family and Japan-time days; the sign-in history the same
//! way; and the periodic audit reviews with the months nobody reviewed.
//!
//! Paging is a keyset on `(at, seq)` (`(at, id)` for sign-ins), never an offset: a page
//! shows the same rows however many entries were appended since the first one was read.
//! Nothing here holds a number: the trail never does, and a person is found by the name on
//! their invitation or of their own record, which the auditor may see (DESIGN.md: auditors
//! read the trail, ledgers and login history; never a number or an image).

use serde::Serialize;
use sqlx::Row;
use time::{Date, Month};
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEntry, AuditEvent, actions};
use crate::staff::Role;
use crate::{StorageError, Vault};

/// What an action is about, for the family filter and the labels.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActionFamily {
    /// Staff and provider sign-ins, sign-outs, second factors.
    SignIn,
    /// Invitations and what providers (or staff on their behalf) hand in.
    Intake,
    /// The officer's queue: claims, decisions, corrections.
    Review,
    /// Opening a sealed number or image (each one audited first).
    Unseal,
    /// Releases to payroll and their files.
    Release,
    /// Retention and disposal.
    Disposal,
    /// Accounts, role grants, payroll clients.
    Admin,
    /// The auditors' own reads, incidents and reviews.
    Oversight,
    /// Keys, backups, set-up.
    System,
}

domain::codes!(ActionFamily);

/// Every action the storage layer writes, with its family: the one list the family filter
/// and the label table are checked against (a test reads [`actions`] and finds each here).
pub const ACTION_FAMILIES: &[(&str, ActionFamily)] = {
    use ActionFamily::*;
    use actions::*;
    &[
        (STAFF_SIGN_IN, SignIn),
        (STAFF_SIGN_OUT, SignIn),
        (STAFF_TOTP_ENROL, SignIn),
        (STAFF_REAUTHENTICATE, SignIn),
        (PROVIDER_SIGN_IN, SignIn),
        (INVITATION_CREATE, Intake),
        (INVITATION_REVOKE, Intake),
        (INVITATION_REISSUE, Intake),
        (INVITATION_EMAIL, Intake),
        (INTAKE_ASSISTED, Intake),
        (SUBJECT_SAVE, Intake),
        (SUBJECT_REMOVE, Intake),
        (NUMBER_SEAL, Intake),
        (DOCUMENT_SEAL, Intake),
        (SUBMISSION_CLAIM, Review),
        (SUBMISSION_TRANSITION, Review),
        (VERIFICATION_RECORD, Review),
        (CORRECTION_REQUEST, Review),
        (SUBMISSION_REJECT, Review),
        (DOCUMENT_UNSEAL, Unseal),
        (NUMBER_UNSEAL, Unseal),
        (NUMBER_INDEX, Unseal),
        (DOCUMENT_QR_CHECK, Unseal),
        (EXPORT_UNSEAL, Unseal),
        (RELEASE_PROPOSE, Release),
        (RELEASE_APPROVE, Release),
        (EXPORT_DOWNLOAD, Release),
        (EXPORT_PULL, Release),
        (RETENTION_SET, Disposal),
        (DISPOSAL_LIST, Disposal),
        (DISPOSAL_PROPOSE, Disposal),
        (DISPOSAL_APPROVE, Disposal),
        (DOCUMENT_DESTROY, Disposal),
        (STAFF_CREATE, Admin),
        (GRANT_PROPOSE, Admin),
        (GRANT_APPROVE, Admin),
        (GRANT_WITHDRAW, Admin),
        (STAFF_ACTIVATE, Admin),
        (STAFF_ACTIVATION_ISSUE, Admin),
        (STAFF_PASSWORD_CHANGE, Admin),
        (STAFF_DISABLE, Admin),
        (ACCOUNT_CHANGE_PROPOSE, Admin),
        (ACCOUNT_CHANGE_APPROVE, Admin),
        (ACCOUNT_CHANGE_WITHDRAW, Admin),
        (PAYROLL_CLIENT_CREATE, Admin),
        (PAYROLL_CLIENT_REVOKE, Admin),
        (PAYROLL_CLIENT_ROTATE, Admin),
        (AUDIT_SEARCH, Oversight),
        (LEDGER_READ, Oversight),
        (INCIDENT_SCOPE, Oversight),
        (INCIDENT_STEP, Oversight),
        (AUDIT_REVIEW_SIGN_OFF, Oversight),
        (ACCESS_REVIEW_SIGN_OFF, Oversight),
        (ALERT_NOTIFY, Oversight),
        (INVITATION_REMIND, Intake),
        (DOCUMENT_CARD_READ, Intake),
        (RECORD_CHANGE, Intake),
        (RECORD_CHANGE_APPLY, Review),
        (RECORD_REHIRE, Intake),
        (CAMPAIGN_OPEN, Intake),
        (CAMPAIGN_ANSWER, Intake),
        (CAMPAIGN_REMIND, Intake),
        (CAMPAIGN_CLOSE, Intake),
        (BRANCH_SET, Admin),
        (PAYROLL_RECIPIENT_PROPOSE, Admin),
        (PAYROLL_RECIPIENT_APPROVE, Admin),
        (PAYROLL_RECIPIENT_WITHDRAW, Admin),
        (INIT, System),
        (KEYS_ROTATE_BEGIN, System),
        (KEYS_RESEAL, System),
        (KEYS_ROTATE_FINISH, System),
        (KEYS_RETIRED_DESTROY, System),
        (BACKUP_CREATE, System),
    ]
};

impl ActionFamily {
    /// The family of a stored action code (`None` for a code this build does not know).
    pub fn of(action: &str) -> Option<Self> {
        ACTION_FAMILIES
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, f)| *f)
    }

    /// The actions of this family.
    pub fn actions(self) -> impl Iterator<Item = &'static str> {
        ACTION_FAMILIES
            .iter()
            .filter(move |(_, f)| *f == self)
            .map(|(a, _)| *a)
    }
}

/// A position in the trail, newest first: the entry's time and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cursor {
    /// Unix ms.
    pub at: i64,
    /// The entry's sequence number (sign-ins: a tiebreaker of the same order).
    pub seq: i64,
}

/// Which way a page goes from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Older entries than the cursor (the next page).
    Older,
    /// Newer entries than the cursor (the previous page).
    Newer,
}

/// What the trail page narrows to; every given field narrows.
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    /// Entries written by this staff account.
    pub staff: Option<Uuid>,
    /// Entries about a person whose invitation or own record's name contains this text:
    /// what they did themselves, and what was done to their invitation, submission,
    /// subjects and documents.
    pub person: Option<String>,
    /// One action family.
    pub family: Option<ActionFamily>,
    /// From this instant (Unix ms, inclusive).
    pub from_ms: Option<i64>,
    /// Until this instant (Unix ms, exclusive).
    pub to_ms: Option<i64>,
}

/// One page of the trail, newest first.
#[derive(Debug, Clone, Default)]
pub struct TrailPage {
    /// The entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// Where the page of older entries starts, if there are any.
    pub older: Option<Cursor>,
    /// Where the page of newer entries starts, if there are any.
    pub newer: Option<Cursor>,
}

/// A `LIKE` pattern finding `text` anywhere (its `%`, `_` and `\` taken literally).
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

enum Bind {
    Text(String),
    Int(i64),
}

/// A query put together from fixed fragments; every value is a bound parameter.
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends `fragment`, its `$n` standing for `values` in order.
    fn push(&mut self, fragment: &str, values: impl IntoIterator<Item = Bind>) {
        let mut fragment = fragment.to_owned();
        for value in values {
            self.binds.push(value);
            fragment = fragment.replacen("$n", &format!("${}", self.binds.len()), 1);
        }
        self.text.push_str(&fragment);
    }

    async fn fetch_all(self, vault: &Vault) -> Result<Vec<sqlx::any::AnyRow>, StorageError> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.text));
        for bind in self.binds {
            query = match bind {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        Ok(query.fetch_all(&vault.pool).await?)
    }
}

/// The `WHERE` conditions of a trail filter.
fn trail_conditions(sql: &mut Sql, filter: &TrailFilter) {
    if let Some(staff) = filter.staff {
        sql.push(
            " AND actor = $n",
            [Bind::Text(audit::Actor::Staff(staff).label())],
        );
    }
    if let Some(family) = filter.family {
        let codes: Vec<&str> = family.actions().collect();
        let marks = vec!["$n"; codes.len()].join(", ");
        sql.push(
            &format!(" AND action IN ({marks})"),
            codes.into_iter().map(|c| Bind::Text(c.to_owned())),
        );
    }
    if let Some(person) = &filter.person {
        // Ids are stored as text on both backends; `||` concatenates on both.
        let pattern = contains_pattern(person);
        sql.push(
            r" AND EXISTS (SELECT 1 FROM invitations i LEFT JOIN submissions s ON s.invitation_id = i.id
                 WHERE (i.display_name LIKE $n ESCAPE '\'
                        OR EXISTS (SELECT 1 FROM subjects p WHERE p.submission_id = s.id AND p.name LIKE $n ESCAPE '\'))
                   AND (audit_log.actor = 'provider:' || i.id
                        OR audit_log.target = 'invitation:' || i.id
                        OR audit_log.target = 'submission:' || s.id
                        OR audit_log.detail LIKE '%' || s.id || '%'
                        OR audit_log.detail LIKE '%' || i.id || '%'
                        OR audit_log.target IN (SELECT 'subject:' || x.id FROM subjects x WHERE x.submission_id = s.id)
                        OR audit_log.target IN (SELECT 'document:' || d.id FROM documents d WHERE d.submission_id = s.id)))",
            [Bind::Text(pattern.clone()), Bind::Text(pattern)],
        );
    }
    if let Some(from) = filter.from_ms {
        sql.push(" AND at >= $n", [Bind::Int(from)]);
    }
    if let Some(to) = filter.to_ms {
        sql.push(" AND at < $n", [Bind::Int(to)]);
    }
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StorageError> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        source_ip: r.try_get("source_ip")?,
        outcome: r.try_get("outcome")?,
        detail: r.try_get("detail")?,
    })
}

/// Who or what an entry names, resolved for people to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// What kind of thing (`staff`, `provider`, `submission`, `document`, `cli`, …).
    pub kind: String,
    /// Its name, when it has one the auditor may see.
    pub name: Option<String>,
    /// The id's first 8 characters, for telling apart two things of one name.
    pub short_id: Option<String>,
}

/// One labelled fact of an entry's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailField {
    /// The detail's key (the page labels it).
    pub key: String,
    /// The value, ids replaced by names where known.
    pub value: DetailValue,
}

/// What a detail's value is, so that a page can show it in its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailValue {
    /// Text (a name, an id, a list).
    Text(String),
    /// An instant (Unix ms).
    Time(i64),
    /// Yes or no.
    Flag(bool),
    /// A code the pages label (an outcome, a reason, a family, a role …).
    Code(String),
}

/// One row of the trail, for people.
#[derive(Debug, Clone)]
pub struct TrailLine {
    /// The entry as stored.
    pub entry: AuditEntry,
    /// Who acted.
    pub actor: Named,
    /// What it was done to.
    pub target: Option<Named>,
    /// The action's family.
    pub family: Option<ActionFamily>,
    /// The detail as fields.
    pub detail: Vec<DetailField>,
}

/// Why a search found nothing although the trail holds entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMatch {
    /// No staff account has this username.
    UnknownStaff(String),
    /// No invitation or person's record has a name containing this.
    UnknownPerson(String),
}

/// The review page: every review, the unreviewed months up to today, and the setting.
#[derive(Debug, Clone)]
pub struct ReviewDesk {
    /// Reviews, latest period first.
    pub reviews: Vec<AuditReview>,
    /// Months (first day) no review covers, oldest first.
    pub unreviewed: Vec<Date>,
    /// Today in Japan.
    pub today: Date,
}

/// One hand-over to payroll as the auditor reads the export ledger (持出管理記録簿).
#[derive(Debug, Clone)]
pub struct ExportLine {
    /// When (Unix ms).
    pub at: i64,
    /// The release's id, first 8 characters.
    pub release: String,
    /// Who proposed it (username).
    pub proposed_by: String,
    /// Who approved it (username).
    pub approved_by: String,
    /// The payroll client that pulled it, if pulled.
    pub pulled_by: Option<String>,
    /// The people in it, by name.
    pub people: Vec<String>,
    /// How many records.
    pub record_count: i64,
    /// Whose key it was sealed to.
    pub recipient: String,
    /// The purpose of use.
    pub purpose: String,
    /// How it left (`download`, `pull-api`).
    pub route: String,
    /// The file's SHA-256.
    pub sha256: String,
}

/// One disposal as the auditor reads the disposal ledger (廃棄記録).
#[derive(Debug, Clone)]
pub struct DisposalLine {
    /// When approved and done (Unix ms).
    pub at: i64,
    /// The person whose number and images were destroyed, by name.
    pub person: String,
    /// Who proposed (username).
    pub proposed_by: String,
    /// Who approved (username).
    pub approved_by: String,
    /// How.
    pub method: String,
    /// Number ciphertexts destroyed.
    pub numbers_destroyed: i64,
    /// Image ciphertexts destroyed.
    pub documents_destroyed: i64,
}

/// One staff account as the auditor's pages name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffName {
    /// The account.
    pub account_id: Uuid,
    /// Its sign-in name.
    pub username: String,
    /// Its role.
    pub role: Role,
}

/// One sign-in attempt with its position (for paging).
#[derive(Debug, Clone, Serialize)]
pub struct SignInLine {
    /// The record.
    #[serde(flatten)]
    pub record: crate::staff::SignInRecord,
    /// The row's id (the paging tiebreaker).
    #[serde(skip)]
    pub id: String,
}

/// A page of the sign-in history, newest first.
#[derive(Debug, Clone, Default)]
pub struct SignInPage {
    /// Attempts, newest first.
    pub lines: Vec<SignInLine>,
    /// Older attempts start here.
    pub older: Option<(i64, String)>,
    /// Newer attempts start here.
    pub newer: Option<(i64, String)>,
}

/// What the sign-in history narrows to.
#[derive(Debug, Clone, Default)]
pub struct SignInFilter {
    /// Exactly this username as typed at the sign-in form.
    pub username: Option<String>,
    /// From this instant (Unix ms, inclusive).
    pub from_ms: Option<i64>,
    /// Until this instant (Unix ms, exclusive).
    pub to_ms: Option<i64>,
}

/// An auditor's sign-off of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReview {
    /// The review.
    pub review_id: Uuid,
    /// First day reviewed (Japan time).
    pub period_from: Date,
    /// Last day reviewed, inclusive.
    pub period_to: Date,
    /// What was looked at (codes of [`ReviewedLedger`]).
    pub looked_at: Vec<ReviewedLedger>,
    /// The auditor's remarks (typed text, already checked).
    pub remarks: String,
    /// Who signed it off.
    pub reviewed_by: Uuid,
    /// Their username.
    pub reviewed_by_name: String,
    /// When (Unix ms).
    pub reviewed_at: i64,
}

/// What a review looked at.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewedLedger {
    /// The audit trail.
    Trail,
    /// The sign-in history.
    SignIns,
    /// The alerts raised.
    Alerts,
    /// 特定個人情報ファイル台帳.
    FileLedger,
    /// 持出管理記録簿.
    ExportLedger,
    /// 廃棄記録.
    DisposalLedger,
    /// Incident records.
    Incidents,
}

domain::codes!(ReviewedLedger);

/// A sign-off as the auditor gave it (text already checked by the application layer).
#[derive(Debug, Clone)]
pub struct NewAuditReview {
    /// First day (Japan time).
    pub period_from: Date,
    /// Last day, inclusive.
    pub period_to: Date,
    /// What was looked at (at least one).
    pub looked_at: Vec<ReviewedLedger>,
    /// Remarks.
    pub remarks: String,
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn parse_date(text: &str) -> Result<Date, StorageError> {
    Date::parse(text, DATE).map_err(|_| StorageError::Invalid("stored date"))
}

fn format_date(date: Date) -> String {
    date.format(DATE).unwrap_or_default()
}

/// The months (first day of each) from `first`'s month up to the month before `today`'s
/// that no review covers day by day. The current month is still running and is not a gap.
pub fn unreviewed_months(first: Date, today: Date, reviewed: &[(Date, Date)]) -> Vec<Date> {
    let mut gaps = Vec::new();
    let Ok(mut month) = Date::from_calendar_date(first.year(), first.month(), 1) else {
        return gaps;
    };
    let Ok(this_month) = Date::from_calendar_date(today.year(), today.month(), 1) else {
        return gaps;
    };
    while month < this_month {
        let next = next_month(month);
        let mut day = month;
        let covered = loop {
            if day >= next {
                break true;
            }
            if !reviewed.iter().any(|(f, t)| *f <= day && day <= *t) {
                break false;
            }
            day = day.next_day().unwrap_or(next);
        };
        if !covered {
            gaps.push(month);
        }
        month = next;
    }
    gaps
}

/// The first day of the month after `month`'s.
pub fn next_month(month: Date) -> Date {
    let (y, m) = match month.month() {
        Month::December => (month.year() + 1, Month::January),
        m => (month.year(), m.next()),
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(month)
}

/// Midnight in Japan at the start of `date`, in Unix ms.
pub fn jst_midnight_ms(date: Date) -> i64 {
    date.midnight()
        .assume_offset(time::macros::offset!(+9))
        .unix_timestamp()
        * 1000
}

impl Vault {
    /// One page of the trail, newest first, from `cursor` in `direction` (the newest page
    /// when `None`), at most `limit` entries (1 to 500).
    pub async fn trail_page(
        &self,
        filter: &TrailFilter,
        cursor: Option<(Cursor, Direction)>,
        limit: i64,
    ) -> Result<TrailPage, StorageError> {
        let limit = limit.clamp(1, 500);
        let mut sql = Sql::new(
            "SELECT seq, at, actor, action, target, source_ip, outcome, detail FROM audit_log WHERE 1 = 1",
        );
        trail_conditions(&mut sql, filter);
        let direction = cursor.map(|(_, d)| d).unwrap_or(Direction::Older);
        if let Some((c, d)) = cursor {
            let cmp = if d == Direction::Older { "<" } else { ">" };
            sql.push(
                &format!(" AND (at {cmp} $n OR (at = $n AND seq {cmp} $n))"),
                [Bind::Int(c.at), Bind::Int(c.at), Bind::Int(c.seq)],
            );
        }
        let order = match direction {
            Direction::Older => " ORDER BY at DESC, seq DESC LIMIT $n",
            Direction::Newer => " ORDER BY at ASC, seq ASC LIMIT $n",
        };
        sql.push(order, [Bind::Int(limit + 1)]);
        let rows = sql.fetch_all(self).await?;
        let mut entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = entries.len() as i64 > limit;
        entries.truncate(limit as usize);
        if direction == Direction::Newer {
            entries.reverse();
        }
        let at = |e: &AuditEntry| Cursor {
            at: e.at,
            seq: e.seq,
        };
        let (older, newer) = match direction {
            Direction::Older => (
                more.then(|| entries.last().map(at)).flatten(),
                cursor.and_then(|_| entries.first().map(at)),
            ),
            Direction::Newer => (
                entries.last().map(at),
                more.then(|| entries.first().map(at)).flatten(),
            ),
        };
        Ok(TrailPage {
            entries,
            older,
            newer,
        })
    }

    /// Every staff account by name (the auditor's select and the names on the pages).
    pub async fn staff_names(&self) -> Result<Vec<StaffName>, StorageError> {
        sqlx::query("SELECT id, username, role FROM staff_accounts ORDER BY username")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StaffName {
                    account_id: r
                        .try_get::<String, _>("id")?
                        .parse()
                        .map_err(|_| StorageError::Invalid("stored id"))?,
                    username: r.try_get("username")?,
                    role: Role::from_code(&r.try_get::<String, _>("role")?)
                        .ok_or(StorageError::Invalid("stored role"))?,
                })
            })
            .collect()
    }

    /// Names for references the trail holds (`provider:<id>`, `invitation:<id>`,
    /// `submission:<id>`, `subject:<id>`, `document:<id>`, `payroll:<id>`, or a bare id of
    /// one of these): the provider's name on the invitation, the person's name on their
    /// record, the payroll client's name. Keys are the references as given and bare ids.
    pub async fn names_of_refs(
        &self,
        refs: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StorageError> {
        let ids: Vec<String> = refs
            .iter()
            .map(|r| r.rsplit(':').next().unwrap_or(r).to_owned())
            .filter(|id| id.len() == 36 && Uuid::parse_str(id).is_ok())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut names = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(names);
        }
        let list = |sql: &mut Sql, ids: &[String]| {
            let marks = vec!["$n"; ids.len()].join(", ");
            sql.push(
                &format!("({marks})"),
                ids.iter().map(|i| Bind::Text(i.clone())),
            );
        };
        let mut sql = Sql::new(
            "SELECT i.id AS a, s.id AS b, i.display_name AS name FROM invitations i \
             LEFT JOIN submissions s ON s.invitation_id = i.id WHERE i.id IN ",
        );
        list(&mut sql, &ids);
        sql.push(" OR s.id IN ", std::iter::empty());
        list(&mut sql, &ids);
        for r in sql.fetch_all(self).await? {
            let name: String = r.try_get("name")?;
            let inv: String = r.try_get("a")?;
            for key in [format!("provider:{inv}"), format!("invitation:{inv}"), inv] {
                names.insert(key, name.clone());
            }
            if let Some(sub) = r.try_get::<Option<String>, _>("b")? {
                names.insert(format!("submission:{sub}"), name.clone());
                names.insert(sub, name);
            }
        }
        for (kind, query) in [
            (
                "subject",
                "SELECT x.id AS a, x.name AS name FROM subjects x WHERE x.id IN ",
            ),
            (
                "document",
                "SELECT d.id AS a, x.name AS name FROM documents d JOIN subjects x ON x.id = d.subject_id WHERE d.id IN ",
            ),
            (
                "payroll",
                "SELECT c.id AS a, c.name AS name FROM payroll_clients c WHERE c.id IN ",
            ),
        ] {
            let mut sql = Sql::new(query);
            list(&mut sql, &ids);
            for r in sql.fetch_all(self).await? {
                let id: String = r.try_get("a")?;
                let name: String = r.try_get("name")?;
                names.insert(format!("{kind}:{id}"), name.clone());
                names.insert(id, name);
            }
        }
        Ok(names)
    }

    /// Whether an invitation or a person's record has a name containing `text`.
    pub async fn person_name_exists(&self, text: &str) -> Result<bool, StorageError> {
        let pattern = contains_pattern(text);
        let row = sqlx::query(
            r"SELECT 1 AS found FROM invitations WHERE display_name LIKE $1 ESCAPE '\'
              UNION ALL SELECT 1 AS found FROM subjects WHERE name LIKE $1 ESCAPE '\'",
        )
        .bind(pattern)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// One page of the sign-in history, newest first (keyset on `(at, id)`).
    pub async fn sign_in_page(
        &self,
        filter: &SignInFilter,
        cursor: Option<((i64, String), Direction)>,
        limit: i64,
    ) -> Result<SignInPage, StorageError> {
        let limit = limit.clamp(1, 500);
        let mut sql = Sql::new(
            "SELECT id, at, username, source_ip, user_agent, outcome, reason FROM staff_sign_ins WHERE 1 = 1",
        );
        if let Some(username) = &filter.username {
            sql.push(" AND username = $n", [Bind::Text(username.clone())]);
        }
        if let Some(from) = filter.from_ms {
            sql.push(" AND at >= $n", [Bind::Int(from)]);
        }
        if let Some(to) = filter.to_ms {
            sql.push(" AND at < $n", [Bind::Int(to)]);
        }
        let direction = cursor.as_ref().map(|(_, d)| *d).unwrap_or(Direction::Older);
        if let Some(((at, id), d)) = &cursor {
            let cmp = if *d == Direction::Older { "<" } else { ">" };
            sql.push(
                &format!(" AND (at {cmp} $n OR (at = $n AND id {cmp} $n))"),
                [Bind::Int(*at), Bind::Int(*at), Bind::Text(id.clone())],
            );
        }
        sql.push(
            match direction {
                Direction::Older => " ORDER BY at DESC, id DESC LIMIT $n",
                Direction::Newer => " ORDER BY at ASC, id ASC LIMIT $n",
            },
            [Bind::Int(limit + 1)],
        );
        let rows = sql.fetch_all(self).await?;
        let mut lines = rows
            .iter()
            .map(|r| {
                Ok(SignInLine {
                    id: r.try_get("id")?,
                    record: crate::staff::SignInRecord {
                        at: r.try_get("at")?,
                        username: crate::typed_text::neutralise(
                            &r.try_get::<String, _>("username")?,
                        ),
                        source_ip: r.try_get("source_ip")?,
                        user_agent: r
                            .try_get::<Option<String>, _>("user_agent")?
                            .as_deref()
                            .map(crate::typed_text::neutralise),
                        outcome: r.try_get("outcome")?,
                        reason: r.try_get("reason")?,
                    },
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let more = lines.len() as i64 > limit;
        lines.truncate(limit as usize);
        if direction == Direction::Newer {
            lines.reverse();
        }
        let key = |l: &SignInLine| (l.record.at, l.id.clone());
        let (older, newer) = match direction {
            Direction::Older => (
                more.then(|| lines.last().map(key)).flatten(),
                cursor.as_ref().and_then(|_| lines.first().map(key)),
            ),
            Direction::Newer => (
                lines.last().map(key),
                more.then(|| lines.first().map(key)).flatten(),
            ),
        };
        Ok(SignInPage {
            lines,
            older,
            newer,
        })
    }

    /// Records an auditor's sign-off, audited in the same transaction.
    pub async fn sign_off_audit_review(
        &self,
        ctx: &AuditContext,
        reviewer: Uuid,
        review: &NewAuditReview,
    ) -> Result<Uuid, StorageError> {
        if review.looked_at.is_empty() || review.period_from > review.period_to {
            return Err(StorageError::Invalid("audit review"));
        }
        let id = Uuid::now_v7();
        let looked_at: Vec<&str> = review.looked_at.iter().map(|l| l.code()).collect();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO audit_reviews (id, period_from, period_to, looked_at, remarks, reviewed_by, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(format_date(review.period_from))
        .bind(format_date(review.period_to))
        .bind(looked_at.join(","))
        .bind(review.remarks.clone())
        .bind(reviewer.to_string())
        .bind(crate::vault::now_millis())
        .execute(&mut *tx)
        .await?;
        // Ids, dates and codes only: the remarks are typed text and stay in their table.
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(
                actions::AUDIT_REVIEW_SIGN_OFF,
                Some(format!("audit_review:{id}")),
            )
            .with_detail(serde_json::json!({
                "from": format_date(review.period_from),
                "to": format_date(review.period_to),
                "looked_at": looked_at,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every review, latest period first.
    pub async fn audit_reviews(&self) -> Result<Vec<AuditReview>, StorageError> {
        sqlx::query(
            "SELECT r.id, r.period_from, r.period_to, r.looked_at, r.remarks, r.reviewed_by, r.reviewed_at, \
             a.username FROM audit_reviews r JOIN staff_accounts a ON a.id = r.reviewed_by \
             ORDER BY r.period_to DESC, r.reviewed_at DESC",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AuditReview {
                review_id: r
                    .try_get::<String, _>("id")?
                    .parse()
                    .map_err(|_| StorageError::Invalid("stored id"))?,
                period_from: parse_date(&r.try_get::<String, _>("period_from")?)?,
                period_to: parse_date(&r.try_get::<String, _>("period_to")?)?,
                looked_at: r
                    .try_get::<String, _>("looked_at")?
                    .split(',')
                    .filter_map(ReviewedLedger::from_code)
                    .collect(),
                remarks: r.try_get("remarks")?,
                reviewed_by: r
                    .try_get::<String, _>("reviewed_by")?
                    .parse()
                    .map_err(|_| StorageError::Invalid("stored id"))?,
                reviewed_by_name: r.try_get("username")?,
                reviewed_at: r.try_get("reviewed_at")?,
            })
        })
        .collect()
    }

    /// When the trail begins (Unix ms of its first entry), if it has one.
    pub async fn first_audit_at(&self) -> Result<Option<i64>, StorageError> {
        let row = sqlx::query("SELECT at FROM audit_log WHERE seq = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("at")?),
            None => None,
        })
    }

    /// The unreviewed months up to `today` (Japan time), from the trail's first entry.
    pub async fn unreviewed_audit_months(&self, today: Date) -> Result<Vec<Date>, StorageError> {
        let Some(first) = self.first_audit_at().await? else {
            return Ok(Vec::new());
        };
        let first = time::OffsetDateTime::from_unix_timestamp(first / 1000)
            .map_err(|_| StorageError::Invalid("stored time"))?
            .to_offset(time::macros::offset!(+9))
            .date();
        let reviewed: Vec<(Date, Date)> = self
            .audit_reviews()
            .await?
            .into_iter()
            .map(|r| (r.period_from, r.period_to))
            .collect();
        Ok(unreviewed_months(first, today, &reviewed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_action_the_storage_layer_writes_has_a_family() {
        let source = include_str!("audit.rs");
        let module = source
            .split("pub mod actions {")
            .nth(1)
            .and_then(|rest| rest.split("\n}\n").next())
            .expect("the actions module");
        let mut seen = 0;
        for line in module.lines() {
            let Some(code) = line
                .trim()
                .strip_prefix("pub const ")
                .and_then(|l| l.split('"').nth(1))
            else {
                continue;
            };
            seen += 1;
            assert!(ActionFamily::of(code).is_some(), "{code} has no family");
        }
        assert_eq!(seen, ACTION_FAMILIES.len(), "one row per action");
    }

    #[test]
    fn a_month_is_reviewed_only_when_every_day_of_it_is() {
        let first = date!(2026 - 08 - 20);
        let today = date!(2026 - 11 - 30);
        let reviewed = [
            (date!(2026 - 08 - 01), date!(2026 - 08 - 31)),
            (date!(2026 - 09 - 01), date!(2026 - 09 - 29)),
        ];
        assert_eq!(
            unreviewed_months(first, today, &reviewed),
            vec![date!(2026 - 09 - 01), date!(2026 - 10 - 01)],
            "September misses its last day; October nothing; November is still running"
        );
        assert_eq!(
            next_month(date!(2026 - 12 - 01)),
            date!(2027 - 01 - 01),
            "across the year"
        );
    }

    #[test]
    fn a_person_search_takes_wildcards_literally() {
        assert_eq!(contains_pattern("50%_\\"), r"%50\%\_\\%");
    }
}
