//! Leaving, re-hiring and per-person disposal (issue 17, part B), on the history model of
//! part A (`history.rs`).
//!
//! - **Leaving.** HR's leaving date ends the employment (or a payee's contract) of the
//!   PERSON (`person_leavings`); every event of that employment (the collection and its
//!   changes) stops being needed on that day, and the retention clock of the purposes runs
//!   from there (`retention.rs`).
//! - **Re-hiring.** An invitation for an employee code whose person has left, with a record
//!   not yet disposed, links the new collection to that person (same id): the leaving date
//!   is cleared, the dependants of the earlier employment end on its leaving date (a new
//!   employment files a new 扶養控除等申告書, 所得税法第194条, so they are declared again),
//!   and the earlier record keeps its own clock. Once the new collection is verified, the
//!   person's earlier own version is superseded by the new one. The employee hands in their
//!   number with a 本人確認 again, as in a first collection: a re-hire is a new employment and
//!   番号法第16条 asks for the check whenever a number is provided by the person. An employee
//!   the employer knows may be checked face to face (the rule table's existing route). Not
//!   confirmed: whether the number check may instead rely on the file made at the earlier
//!   verification (番号法施行規則第3条 has such a route for a number provided again within a
//!   continuing relationship; we did not find guidance applying it across a re-hire).
//! - **Per-person disposal.** An ended dependant (all of their versions), a superseded
//!   version (its number and photos) and photos replaced on a verified record each fall due
//!   on their own date and are disposed of with two officers like a record, without waiting
//!   for the employee's whole record.

use serde::Serialize;
use sqlx::Row;
use time::Date;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::parse_uuid;
use crate::retention::{DisposalDue, DisposalReason, add_years, iso, japan_date, parse_iso};
use crate::scope::{Reach, push_in_scope};
use crate::sql::Sql;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What one disposal destroys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum DisposalTarget {
    /// A whole record: one submission's numbers and images.
    Record(Uuid),
    /// An ended dependant: the numbers and images of every version of them.
    Person(Uuid),
    /// One version of a person: superseded (its number and images), or still current with
    /// replaced photos (those photos only).
    Version(Uuid),
}

/// A per-person item resolved for a proposal: the submission it is scoped by, and why.
pub(crate) struct PartDue {
    pub(crate) submission_id: Uuid,
    pub(crate) reason: DisposalReason,
    pub(crate) person_id: Option<Uuid>,
    pub(crate) subject_id: Option<Uuid>,
    pub(crate) due_on: Date,
}

/// Sealed ciphertext left among the versions of the person `p`.
macro_rules! holds_ciphertext {
    () => {
        "(EXISTS (SELECT 1 FROM subjects y WHERE y.person_id = p.id AND y.number_sealed IS NOT NULL) \
          OR EXISTS (SELECT 1 FROM documents d JOIN subjects y ON y.id = d.subject_id \
                     WHERE y.person_id = p.id AND d.sealed IS NOT NULL))"
    };
}

/// Ended dependants: the latest version names them and scopes them (its event's branch).
const ENDED_DEPENDANTS: &str = concat!(
    "SELECT p.id AS person_id, p.relationship, p.ended_on, t.name, t.submission_id FROM people p \
     JOIN subjects t ON t.id = (SELECT MAX(x.id) FROM subjects x WHERE x.person_id = p.id) \
     JOIN submissions s ON s.id = t.submission_id \
     WHERE p.kind = 'dependant' AND p.ended_on IS NOT NULL AND ",
    holds_ciphertext!()
);

/// Superseded versions of people still on the record, with the day the replacing version
/// took effect (a re-hire's collection has none: the day it was verified counts).
const SUPERSEDED_VERSIONS: &str = "SELECT t.id AS subject_id, t.person_id, t.relationship, t.name, \
     t.submission_id, t.superseded_at, (SELECT MAX(n.change_effective_on) FROM subjects n \
     WHERE n.previous_id = t.id AND n.removed_at IS NULL) AS replaced_on \
     FROM subjects t JOIN submissions s ON s.id = t.submission_id JOIN people p ON p.id = t.person_id \
     WHERE t.superseded_at IS NOT NULL AND t.removed_at IS NULL AND p.ended_on IS NULL \
     AND (t.number_sealed IS NOT NULL OR EXISTS (SELECT 1 FROM documents d \
          WHERE d.subject_id = t.id AND d.sealed IS NOT NULL))";

/// Current versions on a verified record holding photos that were replaced (retaken
/// before the verification, which relied on the newer ones).
const REPLACED_PHOTOS: &str = "SELECT t.id AS subject_id, t.person_id, t.relationship, t.name, \
     t.submission_id, MAX(d.replaced_at) AS replaced_at \
     FROM documents d JOIN subjects t ON t.id = d.subject_id JOIN submissions s ON s.id = t.submission_id \
     JOIN people p ON p.id = t.person_id \
     WHERE d.replaced_at IS NOT NULL AND d.sealed IS NOT NULL AND t.superseded_at IS NULL \
     AND t.removed_at IS NULL AND p.ended_on IS NULL AND s.state IN ('verified', 'released')";

fn uuid_of(row: &sqlx::any::AnyRow, column: &str) -> Result<Uuid, StorageError> {
    parse_uuid(&row.try_get::<String, _>(column)?)
}

fn due_item(
    row: &sqlx::any::AnyRow,
    reason: DisposalReason,
    since: Date,
    due: Date,
    today: Date,
    person_only: bool,
) -> Result<DisposalDue, StorageError> {
    Ok(DisposalDue {
        submission_id: uuid_of(row, "submission_id")?,
        name: row.try_get("name")?,
        reason,
        needed_until: iso(since),
        due_on: iso(due),
        overdue: due <= today,
        person_id: Some(uuid_of(row, "person_id")?),
        subject_id: if person_only {
            None
        } else {
            Some(uuid_of(row, "subject_id")?)
        },
        relationship: row
            .try_get::<Option<String>, _>("relationship")?
            .as_deref()
            .and_then(crate::person::Relationship::from_code),
    })
}

impl Vault {
    /// The people and versions within `reach` due (or due by `horizon`) on their own date:
    /// ended dependants, superseded versions, replaced photos. `years` is the retention
    /// period of the purposes (`retention_years`).
    pub(crate) async fn parts_due(
        &self,
        reach: Reach,
        today: Date,
        horizon: Date,
        years: i64,
    ) -> Result<Vec<DisposalDue>, StorageError> {
        let mut out = Vec::new();
        let mut query = Sql::new(ENDED_DEPENDANTS);
        query.push(" AND p.ended_on <= ");
        query.push_bind(iso(add_years(horizon, -years)));
        push_in_scope(&mut query, reach);
        for row in query.query().fetch_all(&self.pool).await? {
            let ended = parse_iso(&row.try_get::<String, _>("ended_on")?)?;
            out.push(due_item(
                &row,
                DisposalReason::DependantEnded,
                ended,
                add_years(ended, years),
                today,
                true,
            )?);
        }
        let mut query = Sql::new(SUPERSEDED_VERSIONS);
        push_in_scope(&mut query, reach);
        for row in query.query().fetch_all(&self.pool).await? {
            let since = superseded_on(&row)?;
            let due = add_years(since, years);
            if due <= horizon {
                out.push(due_item(
                    &row,
                    DisposalReason::Superseded,
                    since,
                    due,
                    today,
                    false,
                )?);
            }
        }
        let mut query = Sql::new(REPLACED_PHOTOS);
        push_in_scope(&mut query, reach);
        query.push(" GROUP BY t.id, t.person_id, t.relationship, t.name, t.submission_id");
        for row in query.query().fetch_all(&self.pool).await? {
            // No law asks for copies of identity documents to be kept (PPC ガイドライン
            // Q&A on 本人確認書類の写し: keeping a copy is allowed, not required); a photo
            // retaken before the verification was not relied on by it: due at once.
            let since = japan_date(row.try_get("replaced_at")?);
            out.push(due_item(
                &row,
                DisposalReason::PhotosReplaced,
                since,
                since,
                today,
                false,
            )?);
        }
        Ok(out)
    }
}

/// The day a superseded version stopped being current: the replacing change's effective
/// date, else the day (in Japan) it was superseded.
fn superseded_on(row: &sqlx::any::AnyRow) -> Result<Date, StorageError> {
    match row.try_get::<Option<String>, _>("replaced_on")? {
        Some(on) => parse_iso(&on),
        None => Ok(japan_date(row.try_get("superseded_at")?)),
    }
}

/// A per-person target as it stands now: what is due, from which submission (for scope),
/// and when. `Invalid` when nothing of it is due by `today`.
pub(crate) async fn resolve_part(
    tx: &mut Tx,
    target: DisposalTarget,
    today: Date,
    years: i64,
) -> Result<PartDue, StorageError> {
    let not_due = StorageError::Invalid("nothing of this person is due for disposal");
    match target {
        DisposalTarget::Record(_) => Err(StorageError::Invalid("a whole record")),
        DisposalTarget::Person(person) => {
            let row = sqlx::query(concat!(
                "SELECT p.id AS person_id, p.ended_on, t.submission_id FROM people p \
                 JOIN subjects t ON t.id = (SELECT MAX(x.id) FROM subjects x WHERE x.person_id = p.id) \
                 JOIN submissions s ON s.id = t.submission_id \
                 WHERE p.kind = 'dependant' AND p.ended_on IS NOT NULL AND p.id = $1 AND ",
                holds_ciphertext!()
            ))
            .bind(person.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StorageError::NotFound)?;
            let due = add_years(parse_iso(&row.try_get::<String, _>("ended_on")?)?, years);
            if due > today {
                return Err(not_due);
            }
            Ok(PartDue {
                submission_id: uuid_of(&row, "submission_id")?,
                reason: DisposalReason::DependantEnded,
                person_id: Some(person),
                subject_id: None,
                due_on: due,
            })
        }
        DisposalTarget::Version(version) => {
            let row = sqlx::query(
                "SELECT t.id AS subject_id, t.person_id, t.submission_id, t.superseded_at, s.state, \
                 p.ended_on, (SELECT MAX(n.change_effective_on) FROM subjects n \
                 WHERE n.previous_id = t.id AND n.removed_at IS NULL) AS replaced_on, \
                 (SELECT MAX(d.replaced_at) FROM documents d WHERE d.subject_id = t.id \
                  AND d.replaced_at IS NOT NULL AND d.sealed IS NOT NULL) AS replaced_at \
                 FROM subjects t JOIN submissions s ON s.id = t.submission_id \
                 JOIN people p ON p.id = t.person_id \
                 WHERE t.id = $1 AND t.removed_at IS NULL AND (t.number_sealed IS NOT NULL \
                 OR EXISTS (SELECT 1 FROM documents d WHERE d.subject_id = t.id AND d.sealed IS NOT NULL))",
            )
            .bind(version.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StorageError::NotFound)?;
            if row.try_get::<Option<String>, _>("ended_on")?.is_some() {
                // An ended dependant goes as a whole, on the relationship's end date.
                return Err(not_due);
            }
            let part = |reason, due_on| -> Result<PartDue, StorageError> {
                Ok(PartDue {
                    submission_id: uuid_of(&row, "submission_id")?,
                    reason,
                    person_id: Some(uuid_of(&row, "person_id")?),
                    subject_id: Some(version),
                    due_on,
                })
            };
            if row.try_get::<Option<i64>, _>("superseded_at")?.is_some() {
                let due = add_years(superseded_on(&row)?, years);
                return if due <= today {
                    part(DisposalReason::Superseded, due)
                } else {
                    Err(not_due)
                };
            }
            let state: String = row.try_get("state")?;
            match row.try_get::<Option<i64>, _>("replaced_at")? {
                Some(at) if matches!(state.as_str(), "verified" | "released") => {
                    part(DisposalReason::PhotosReplaced, japan_date(at))
                }
                _ => Err(not_due),
            }
        }
    }
}

/// Destroys what a per-person disposal names, inside the approval's transaction: the
/// numbers and images of every version of an ended dependant, of one superseded version,
/// or only the replaced photos of a current version. Returns (numbers, images) destroyed.
pub(crate) async fn destroy_part(
    tx: &mut Tx,
    reason: DisposalReason,
    person: Option<Uuid>,
    subject: Option<Uuid>,
) -> Result<(i64, i64), StorageError> {
    let now = now_millis();
    let (versions, id): (&str, Uuid) = match (reason, person, subject) {
        (DisposalReason::PhotosReplaced, _, Some(subject)) => {
            let documents = sqlx::query(
                "UPDATE documents SET sealed = NULL, qr_sealed = NULL WHERE subject_id = $1 \
                 AND replaced_at IS NOT NULL AND sealed IS NOT NULL",
            )
            .bind(subject.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected() as i64;
            return Ok((0, documents));
        }
        (DisposalReason::Superseded, _, Some(subject)) => {
            sqlx::query("SELECT 1 FROM subjects WHERE id = $1 AND superseded_at IS NOT NULL")
                .bind(subject.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StorageError::Conflict("this version is current again"))?;
            ("SELECT id FROM subjects WHERE id = $1", subject)
        }
        (DisposalReason::DependantEnded, Some(person), _) => {
            sqlx::query("SELECT 1 FROM people WHERE id = $1 AND ended_on IS NOT NULL")
                .bind(person.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StorageError::Conflict(
                    "this dependant is on the record again",
                ))?;
            ("SELECT id FROM subjects WHERE person_id = $1", person)
        }
        _ => return Err(StorageError::Corrupt("disposal target")),
    };
    crate::number_index::forget_versions(tx, versions, id).await?;
    let numbers = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE subjects SET number_sealed = NULL, number_ref = NULL, number_pending = 0, updated_at = $2 \
         WHERE id IN ({versions}) AND number_sealed IS NOT NULL"
    )))
    .bind(id.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    // A card back's QR number still waiting for its comparison goes with the photo.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE documents SET qr_sealed = NULL WHERE subject_id IN ({versions}) AND qr_sealed IS NOT NULL"
    )))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    let documents = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE documents SET sealed = NULL WHERE subject_id IN ({versions}) AND sealed IS NOT NULL"
    )))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    Ok((numbers, documents))
}

/// Records a leaving date (the end of `needed_until`) on the person of `submission`, inside
/// `set_needed_until`'s transaction: the person's employment ends, and every event of that
/// employment (its collection and later changes) stops being needed on that day. An event
/// of an earlier employment (before a re-hire), or one without a person yet, is dated alone.
/// Returns the person, if any.
pub(crate) async fn record_leaving(
    tx: &mut Tx,
    submission: Uuid,
    left_on: Date,
) -> Result<Option<Uuid>, StorageError> {
    let row = sqlx::query(
        "SELECT s.person_id, s.created_at, (SELECT MAX(c.created_at) FROM submissions c \
         WHERE c.person_id = s.person_id AND c.event = 'collection') AS employment_from \
         FROM submissions s WHERE s.id = $1",
    )
    .bind(submission.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    let person = row.try_get::<Option<String>, _>("person_id")?;
    let from = row.try_get::<Option<i64>, _>("employment_from")?;
    let created: i64 = row.try_get("created_at")?;
    let (Some(person), Some(from)) = (person, from) else {
        dated_alone(tx, submission, left_on).await?;
        return Ok(None);
    };
    if created < from {
        dated_alone(tx, submission, left_on).await?;
        return Ok(Some(parse_uuid(&person)?));
    }
    sqlx::query(
        "INSERT INTO person_leavings (person_id, left_on, recorded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (person_id) DO UPDATE SET left_on = excluded.left_on, recorded_at = excluded.recorded_at",
    )
    .bind(person.clone())
    .bind(iso(left_on))
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE submissions SET needed_until = $1 WHERE person_id = $2 AND created_at >= $3",
    )
    .bind(iso(left_on))
    .bind(person.clone())
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(Some(parse_uuid(&person)?))
}

async fn dated_alone(tx: &mut Tx, submission: Uuid, on: Date) -> Result<(), StorageError> {
    sqlx::query("UPDATE submissions SET needed_until = $1 WHERE id = $2")
        .bind(iso(on))
        .bind(submission.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A re-hire found for an employee code: the person who left, their earlier record and
/// the day they left.
#[derive(Debug, Clone)]
pub(crate) struct Rehire {
    person: String,
    earlier: String,
    left_on: String,
}

/// Before an invitation with `code` is created: the person of that code who has left and
/// whose record (verified or released) is not yet disposed. The earlier invitation gives
/// up the code's live slot so the new one can take it (migration 0020).
pub(crate) async fn take_rehire(tx: &mut Tx, code: &str) -> Result<Option<Rehire>, StorageError> {
    let row = sqlx::query(
        "SELECT s.id, s.person_id, l.left_on FROM submissions s \
         JOIN invitations i ON i.id = s.invitation_id JOIN person_leavings l ON l.person_id = s.person_id \
         WHERE i.employee_code = $1 AND s.event = 'collection' AND s.state IN ('verified', 'released') \
         ORDER BY s.created_at DESC, s.id DESC LIMIT 1",
    )
    .bind(code.to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let rehire = Rehire {
        person: row.try_get("person_id")?,
        earlier: row.try_get("id")?,
        left_on: row.try_get("left_on")?,
    };
    sqlx::query(
        "UPDATE invitations SET live_employee_code = NULL WHERE live_employee_code = $1 \
         AND id IN (SELECT invitation_id FROM submissions WHERE person_id = $2)",
    )
    .bind(code.to_owned())
    .bind(rehire.person.clone())
    .execute(&mut **tx)
    .await?;
    Ok(Some(rehire))
}

/// Links the new collection `submission` to the re-hired person: same person id, leaving
/// date cleared, the earlier employment's dependants ended on its leaving date (a new
/// employment declares its dependants anew); audited as `record.rehire`.
pub(crate) async fn link_rehire(
    tx: &mut Tx,
    ctx: &AuditContext,
    rehire: &Rehire,
    submission: Uuid,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE submissions SET person_id = $1 WHERE id = $2")
        .bind(rehire.person.clone())
        .bind(submission.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM person_leavings WHERE person_id = $1")
        .bind(rehire.person.clone())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE category3_periods SET ended_on = $1 WHERE ended_on IS NULL AND person_id IN \
         (SELECT id FROM people WHERE holder_id = $2 AND ended_on IS NULL)",
    )
    .bind(rehire.left_on.clone())
    .bind(rehire.person.clone())
    .execute(&mut **tx)
    .await?;
    let ended = sqlx::query(
        "UPDATE people SET ended_on = $1 WHERE holder_id = $2 AND kind = 'dependant' AND ended_on IS NULL",
    )
    .bind(rehire.left_on.clone())
    .bind(rehire.person.clone())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let event = AuditEvent::success(actions::RECORD_REHIRE, format!("person:{}", rehire.person))
        .with_detail(serde_json::json!({
            "submission": submission,
            "earlier": rehire.earlier,
            "left_on": rehire.left_on,
            "dependants_ended": ended,
        }));
    audit::append(tx, ctx, &event).await?;
    Ok(())
}

/// When a collection is verified: its people's versions held by earlier events (a re-hired
/// employee's own earlier version) are superseded by the new ones. Nothing for a first
/// collection, whose people have no other version.
pub(crate) async fn supersede_earlier_versions(
    tx: &mut Tx,
    submission: Uuid,
) -> Result<(), StorageError> {
    let now = now_millis();
    let rows = sqlx::query(
        "SELECT t.id, (SELECT MAX(o.id) FROM subjects o WHERE o.person_id = t.person_id \
         AND o.submission_id <> t.submission_id AND o.superseded_at IS NULL AND o.removed_at IS NULL) AS earlier \
         FROM subjects t WHERE t.submission_id = $1 AND t.removed_at IS NULL AND t.person_id IS NOT NULL",
    )
    .bind(submission.to_string())
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let Some(earlier) = row.try_get::<Option<String>, _>("earlier")? else {
            continue;
        };
        let id: String = row.try_get("id")?;
        sqlx::query("UPDATE subjects SET previous_id = $1 WHERE id = $2 AND previous_id IS NULL")
            .bind(earlier.clone())
            .bind(id.clone())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE subjects SET superseded_at = $1 WHERE superseded_at IS NULL AND removed_at IS NULL \
             AND person_id = (SELECT person_id FROM subjects WHERE id = $2) AND submission_id <> $3",
        )
        .bind(now)
        .bind(id)
        .bind(submission.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
