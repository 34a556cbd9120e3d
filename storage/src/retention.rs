//! Retention and disposal (廃棄).
//!
//! A submission's numbers are needed until `needed_until` (the leaving date, the end of a
//! payee contract) and kept afterwards for the longest retention period of the purposes
//! they serve; then they are due for disposal. A collection that ended without a record
//! to keep — rejected by an officer, declined by the person, or left unfinished on an
//! invitation that was revoked — serves no purpose at all, so whatever number or image it
//! still holds is due at once ([`DisposalReason`]). Disposal takes two people — one proposes,
//! another approves — and destroys every number ciphertext and image of the submission
//! while keeping names, dates and the decision history, with a disposal record of who,
//! when, what and how. SQLite overwrites freed pages (`secure_delete`) and the WAL is
//! checkpointed; PostgreSQL needs `VACUUM` of the two tables, which `vacuum_after_disposal`
//! runs.

use serde::Serialize;
use sqlx::Row;
use time::Date;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent};
use crate::invitations::parse_uuid;
pub use crate::lifecycle::DisposalTarget;
use crate::scope::{OperatorVault, Reach, StaffVault, in_scope, push_in_scope};
use crate::sql::Sql;
use crate::state::{IllegalTransition, SubmissionState};
use crate::submissions::apply_transition;
use crate::vault::now_millis;
use crate::{Backend, StorageError, Vault};

/// How the destruction is done, as written in the disposal record.
pub const DISPOSAL_METHOD: &str = "age ciphertexts of numbers and images deleted; freed pages overwritten (SQLite secure_delete, WAL checkpointed) or vacuumed (PostgreSQL); blind index and last four digits cleared";

/// The name of the person or version a disposal `d` names alone (NULL for a whole record).
macro_rules! part_name {
    () => {
        "COALESCE((SELECT t.name FROM subjects t WHERE t.id = d.subject_id), \
         (SELECT t.name FROM subjects t WHERE t.id = \
          (SELECT MAX(x.id) FROM subjects x WHERE x.person_id = d.person_id)))"
    };
}

/// Why a submission is on the disposal list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalReason {
    /// Its numbers stopped being needed and the retention period has ended (or ends
    /// within the notice period).
    RetentionEnded,
    /// Its invitation was revoked before it was handed in (or while it was sent back for
    /// corrections): the person can no longer finish it, and what they saved has no use.
    InvitationRevoked,
    /// An officer rejected it.
    Rejected,
    /// The person declined to provide, after saving a number or a photo.
    Declined,
    /// A dependant left the record (扶養から外れた) and the retention period from that day
    /// has ended: every version of them goes, while the employee's record stays.
    DependantEnded,
    /// A version replaced by a later one (an old number after a reissue, an old name) whose
    /// retention period from the day it was replaced has ended.
    Superseded,
    /// Photos retaken before the verification, which relied on the newer ones.
    PhotosReplaced,
}

impl DisposalReason {
    /// The stored code (the JSON name).
    pub fn code(self) -> &'static str {
        match self {
            Self::RetentionEnded => "retention_ended",
            Self::InvitationRevoked => "invitation_revoked",
            Self::Rejected => "rejected",
            Self::Declined => "declined",
            Self::DependantEnded => "dependant_ended",
            Self::Superseded => "superseded",
            Self::PhotosReplaced => "photos_replaced",
        }
    }

    /// The reason of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::RetentionEnded,
            Self::InvitationRevoked,
            Self::Rejected,
            Self::Declined,
            Self::DependantEnded,
            Self::Superseded,
            Self::PhotosReplaced,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

/// A record, person or version due (or soon due) for disposal.
#[derive(Debug, Clone, Serialize)]
pub struct DisposalDue {
    /// The submission (for a person or a version: the event holding it, for scope).
    pub submission_id: Uuid,
    /// The invited person's name (for a person or a version: theirs).
    pub name: String,
    /// Why it is listed.
    pub reason: DisposalReason,
    /// When its numbers stopped being needed (for a collection that ended without a
    /// record to keep: the day it ended).
    pub needed_until: String,
    /// When the retention period ends.
    pub due_on: String,
    /// Whether the due date has passed (else it is within the notice period).
    pub overdue: bool,
    /// A person disposed of alone (an ended dependant, or whose version this is).
    pub person_id: Option<Uuid>,
    /// A version disposed of alone (superseded, or holding replaced photos).
    pub subject_id: Option<Uuid>,
    /// That person's relationship.
    pub relationship: Option<crate::person::Relationship>,
}

/// A proposed disposal waiting for a second officer.
#[derive(Debug, Clone, Serialize)]
pub struct PendingDisposal {
    /// Its id.
    pub disposal_id: Uuid,
    /// The submission.
    pub submission_id: Uuid,
    /// The invited person's name (for a person or a version: theirs).
    pub name: String,
    /// Why (a person or a version disposed of alone; `None`: a whole record).
    pub reason: Option<DisposalReason>,
    /// Who proposed (`staff:<id>`).
    pub proposed_by: String,
    /// Their username.
    pub proposer: String,
    /// When (Unix ms).
    pub proposed_at: i64,
}

/// A completed disposal, for the disposal ledger.
#[derive(Debug, Clone, Serialize)]
pub struct DisposalRecord {
    /// Its id.
    pub disposal_id: Uuid,
    /// The submission disposed of.
    pub submission_id: Uuid,
    /// Who proposed (`staff:<id>`).
    pub proposed_by: String,
    /// Who approved.
    pub approved_by: String,
    /// When approved (Unix ms).
    pub approved_at: i64,
    /// How.
    pub method: String,
    /// Number ciphertexts destroyed.
    pub numbers_destroyed: i64,
    /// Image ciphertexts destroyed.
    pub documents_destroyed: i64,
    /// The person disposed of alone (an ended dependant, or whose version it was).
    pub person_id: Option<Uuid>,
    /// The version disposed of alone.
    pub subject_id: Option<Uuid>,
    /// Why, for a person or a version.
    pub reason: Option<DisposalReason>,
    /// That person's name.
    pub person_name: Option<String>,
}

pub(crate) fn iso(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_default()
}

pub(crate) fn parse_iso(text: &str) -> Result<Date, StorageError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| StorageError::Corrupt("date"))
}

/// The day in Japan of a Unix time in milliseconds.
pub(crate) fn japan_date(millis: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map(|t| t.to_offset(time::macros::offset!(+9)).date())
        .unwrap_or(Date::MIN)
}

type Transition = fn(SubmissionState) -> Result<SubmissionState, IllegalTransition>;

/// The transition a disposal of this submission makes, checked against its state now:
/// `dispose` after retention, `discard` for a collection that ended without a record to
/// keep. The unfinished states count as ended only once the invitation is revoked.
async fn disposal_transition(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    submission_id: Uuid,
) -> Result<Transition, StorageError> {
    let row = sqlx::query(
        "SELECT s.state, i.revoked_at FROM submissions s \
         JOIN invitations i ON i.id = s.invitation_id WHERE s.id = $1",
    )
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    let state = SubmissionState::from_code(&row.try_get::<String, _>("state")?)
        .ok_or(StorageError::Corrupt("submission state"))?;
    let revoked = row.try_get::<Option<i64>, _>("revoked_at")?.is_some();
    let transition: Transition = match state {
        SubmissionState::Rejected | SubmissionState::Declined => SubmissionState::discard,
        SubmissionState::Invited
        | SubmissionState::Draft
        | SubmissionState::CorrectionRequested
            if revoked =>
        {
            SubmissionState::discard
        }
        _ => SubmissionState::dispose,
    };
    transition(state)?;
    Ok(transition)
}

/// `NotFound` unless the submission is in the staff member's scope.
async fn require_in_scope(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    staff: Uuid,
    submission_id: Uuid,
) -> Result<(), StorageError> {
    sqlx::query(concat!(
        "SELECT 1 AS one FROM submissions s WHERE s.id = $2 AND ",
        in_scope!()
    ))
    .bind(staff.to_string())
    .bind(submission_id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or(StorageError::NotFound)
}

pub(crate) fn add_years(date: Date, years: i64) -> Date {
    let year = date.year() + i32::try_from(years).unwrap_or(100);
    // 29 February falls back to 28 February in a common year.
    Date::from_calendar_date(year, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(year, date.month(), date.day() - 1))
        .unwrap_or(date)
}

impl Vault {
    /// Records when a submission's numbers stop being needed (e.g. the leaving date), for
    /// `reach`: an officer's submission in scope (else `NotFound`), or any (the operator's
    /// HR file).
    async fn set_needed_until(
        &self,
        reach: Reach,
        ctx: &AuditContext,
        submission_id: Uuid,
        needed_until: Date,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        if let Reach::Staff(staff) = reach {
            require_in_scope(&mut tx, staff.uuid(), submission_id).await?;
        }
        let person = crate::lifecycle::record_leaving(&mut tx, submission_id, needed_until).await?;
        let event = AuditEvent::success(
            audit::actions::RETENTION_SET,
            format!("submission:{submission_id}"),
        )
        .with_detail(serde_json::json!({ "needed_until": iso(needed_until), "person": person }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current record of the person with this employee code: their latest collection
    /// (a leaving date set on it ends that employment, and dates its later changes too).
    pub async fn current_record_of_employee(
        &self,
        employee_code: &str,
    ) -> Result<Option<Uuid>, StorageError> {
        sqlx::query_scalar::<_, String>(
            "SELECT s.id FROM submissions s JOIN invitations i ON i.id = s.invitation_id \
             WHERE i.employee_code = $1 AND s.event = 'collection' \
             ORDER BY s.created_at DESC, s.id DESC LIMIT 1",
        )
        .bind(employee_code.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .map(|id| crate::invitations::parse_uuid(&id))
        .transpose()
    }

    /// The longest retention period of the configured purposes, in years: a number serves
    /// every purpose it was collected for, and 番号法第20条 allows keeping it while any of
    /// them needs it (所得税法施行規則第76条の3: 扶養控除等申告書 kept 7 years; PPC ガイドライン
    /// 第4-3-(3): disposed of as soon as possible once no purpose's period runs).
    pub async fn retention_years(&self) -> Result<i64, StorageError> {
        let row = sqlx::query("SELECT MAX(retention_years) AS years FROM retention_purposes")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<i64>, _>("years")?.unwrap_or(7))
    }

    /// Submissions within `reach` whose retention ends on or before `today + notice_days`,
    /// oldest first, with what a collection left behind (due at once).
    async fn disposal_list(
        &self,
        reach: Reach,
        today: Date,
        notice_days: i64,
    ) -> Result<Vec<DisposalDue>, StorageError> {
        let years = self.retention_years().await?;
        let horizon = today + time::Duration::days(notice_days);
        // Filter in SQL on the needed-until date shifted back by the retention period.
        let latest_needed = iso(add_years(horizon, -years));
        let mut query = Sql::new(
            "SELECT s.id, s.needed_until, i.display_name FROM submissions s \
             JOIN invitations i ON i.id = s.invitation_id \
             WHERE s.needed_until IS NOT NULL AND s.state IN ('verified', 'released') \
             AND s.needed_until <= ",
        );
        query.push_bind(latest_needed);
        push_in_scope(&mut query, reach);
        query.push(" ORDER BY s.needed_until, s.id");
        let rows = query.query().fetch_all(&self.pool).await?;
        let mut due = rows
            .iter()
            .map(|r| {
                let needed: String = r.try_get("needed_until")?;
                let due = add_years(parse_iso(&needed)?, years);
                Ok(DisposalDue {
                    submission_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                    name: r.try_get("display_name")?,
                    reason: DisposalReason::RetentionEnded,
                    needed_until: needed,
                    due_on: iso(due),
                    overdue: due <= today,
                    person_id: None,
                    subject_id: None,
                    relationship: None,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        due.extend(self.ended_without_a_record(reach).await?);
        due.extend(self.parts_due(reach, today, horizon, years).await?);
        due.sort_by(|a, b| (&a.due_on, a.submission_id).cmp(&(&b.due_on, b.submission_id)));
        Ok(due)
    }

    /// Collections that ended without a record to keep and still hold a number or image
    /// ciphertext: due at once, from the day they ended.
    async fn ended_without_a_record(&self, reach: Reach) -> Result<Vec<DisposalDue>, StorageError> {
        let mut query = Sql::new(
            "SELECT s.id, s.state, s.updated_at, i.revoked_at, i.display_name FROM submissions s \
             JOIN invitations i ON i.id = s.invitation_id \
             WHERE (s.state IN ('rejected', 'declined') OR (i.revoked_at IS NOT NULL \
               AND s.state IN ('invited', 'draft', 'correction_requested'))) \
             AND (EXISTS (SELECT 1 FROM subjects j WHERE j.submission_id = s.id AND j.number_sealed IS NOT NULL) \
               OR EXISTS (SELECT 1 FROM documents d WHERE d.submission_id = s.id AND d.sealed IS NOT NULL))",
        );
        push_in_scope(&mut query, reach);
        let rows = query.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let (reason, ended) = match r.try_get::<String, _>("state")?.as_str() {
                    "rejected" => (DisposalReason::Rejected, r.try_get("updated_at")?),
                    "declined" => (DisposalReason::Declined, r.try_get("updated_at")?),
                    _ => (
                        DisposalReason::InvitationRevoked,
                        r.try_get::<Option<i64>, _>("revoked_at")?
                            .unwrap_or_default(),
                    ),
                };
                let ended = iso(japan_date(ended));
                Ok(DisposalDue {
                    submission_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                    name: r.try_get("display_name")?,
                    reason,
                    needed_until: ended.clone(),
                    due_on: ended,
                    overdue: true,
                    person_id: None,
                    subject_id: None,
                    relationship: None,
                })
            })
            .collect()
    }
}

impl StaffVault<'_> {
    /// Records when a submission in scope stops being needed (`NotFound` outside it).
    pub async fn set_needed_until(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        needed_until: Date,
    ) -> Result<(), StorageError> {
        self.vault
            .set_needed_until(Reach::Staff(self.staff), ctx, submission_id, needed_until)
            .await
    }

    /// What is due (or due within `notice_days`) in this staff member's scope.
    pub async fn disposal_list(
        &self,
        today: Date,
        notice_days: i64,
    ) -> Result<Vec<DisposalDue>, StorageError> {
        self.vault
            .disposal_list(Reach::Staff(self.staff), today, notice_days)
            .await
    }

    /// Disposals waiting for approval, of submissions in scope.
    pub async fn pending_disposals(&self) -> Result<Vec<PendingDisposal>, StorageError> {
        let rows = sqlx::query(concat!(
            "SELECT d.id, d.submission_id, d.proposed_by, d.proposed_at, d.reason, a.username, \
             COALESCE(",
            part_name!(),
            ", i.display_name) AS display_name \
             FROM disposals d JOIN submissions s ON s.id = d.submission_id \
             JOIN invitations i ON i.id = s.invitation_id \
             LEFT JOIN staff_accounts a ON 'staff:' || a.id = d.proposed_by \
             WHERE d.approved_at IS NULL AND ",
            in_scope!(),
            " ORDER BY d.proposed_at"
        ))
        .bind(self.account().to_string())
        .fetch_all(&self.vault.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PendingDisposal {
                    disposal_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                    submission_id: parse_uuid(&row.try_get::<String, _>("submission_id")?)?,
                    name: row.try_get("display_name")?,
                    reason: row
                        .try_get::<Option<String>, _>("reason")?
                        .as_deref()
                        .and_then(DisposalReason::from_code),
                    proposed_by: row.try_get("proposed_by")?,
                    proposer: row
                        .try_get::<Option<String>, _>("username")?
                        .unwrap_or_default(),
                    proposed_at: row.try_get("proposed_at")?,
                })
            })
            .collect()
    }

    /// First step of a disposal: this staff member asks for a record in scope to be
    /// disposed of, or one person or version of it that is due on its own date by `today`
    /// (out of scope: `NotFound`, like a missing one).
    pub async fn propose_disposal(
        &self,
        ctx: &AuditContext,
        target: DisposalTarget,
        today: Date,
    ) -> Result<Uuid, StorageError> {
        let proposer = self.account();
        let id = Uuid::now_v7();
        let years = self.vault.retention_years().await?;
        let mut tx = self.vault.begin_write().await?;
        let (submission_id, part) = match target {
            DisposalTarget::Record(submission) => (submission, None),
            part => {
                let due = crate::lifecycle::resolve_part(&mut tx, part, today, years).await?;
                (due.submission_id, Some(due))
            }
        };
        require_in_scope(&mut tx, self.account(), submission_id).await?;
        if part.is_none() {
            disposal_transition(&mut tx, submission_id).await?;
        }
        let person = part.as_ref().and_then(|p| p.person_id);
        let subject = part.as_ref().and_then(|p| p.subject_id);
        let target_id = subject
            .or(person)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let open = sqlx::query(
            "SELECT 1 FROM disposals WHERE submission_id = $1 AND target_id = $2 AND approved_at IS NULL",
        )
        .bind(submission_id.to_string())
        .bind(target_id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_some() {
            return Err(StorageError::Conflict(
                "a disposal of this submission is already proposed",
            ));
        }
        let reason = part.as_ref().map(|p| p.reason);
        sqlx::query(
            "INSERT INTO disposals (id, submission_id, proposed_by, proposed_at, person_id, subject_id, \
             reason, target_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(submission_id.to_string())
        .bind(format!("staff:{proposer}"))
        .bind(now_millis())
        .bind(person.map(|p| p.to_string()))
        .bind(subject.map(|p| p.to_string()))
        .bind(reason.map(DisposalReason::code))
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(audit::actions::DISPOSAL_PROPOSE, format!("disposal:{id}"))
            .with_detail(serde_json::json!({
                "submission": submission_id,
                "person": person,
                "subject": subject,
                "reason": reason,
                "due_on": part.as_ref().map(|p| iso(p.due_on)),
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Second step: a different person approves, and the ciphertexts are destroyed in the
    /// same transaction as the record that says so. A disposal of a submission outside this
    /// staff member's scope is `NotFound`.
    pub async fn approve_disposal(
        &self,
        ctx: &AuditContext,
        disposal_id: Uuid,
    ) -> Result<DisposalRecord, StorageError> {
        let approver = self.account();
        let mut tx = self.vault.begin_write().await?;
        let row = sqlx::query(concat!(
            "SELECT d.submission_id, d.proposed_by, d.person_id, d.subject_id, d.reason FROM disposals d \
             JOIN submissions s ON s.id = d.submission_id \
             WHERE d.id = $2 AND d.approved_at IS NULL AND ",
            in_scope!()
        ))
        .bind(approver.to_string())
        .bind(disposal_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        let submission_id = parse_uuid(&row.try_get::<String, _>("submission_id")?)?;
        let proposed_by: String = row.try_get("proposed_by")?;
        let approved_by = format!("staff:{approver}");
        let proposer = proposed_by
            .strip_prefix("staff:")
            .and_then(|id| id.parse::<Uuid>().ok())
            .ok_or(StorageError::Corrupt("disposal proposer"))?;
        if let Err(refused) = domain::duties::second_person(proposer.into(), approver.into()) {
            drop(tx);
            return Err(self
                .vault
                .refuse_duty(
                    ctx,
                    audit::actions::DISPOSAL_APPROVE,
                    Some(format!("disposal:{disposal_id}")),
                    refused,
                )
                .await);
        }
        // Taken first, under the row's lock: of two approvals at once, one counts and the
        // other finds nothing left to approve (PostgreSQL re-reads the row after the lock).
        let approved_at = now_millis();
        let taken = sqlx::query(
            "UPDATE disposals SET approved_by = $1, approved_at = $2 WHERE id = $3 AND approved_at IS NULL",
        )
        .bind(approved_by.clone())
        .bind(approved_at)
        .bind(disposal_id.to_string())
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() != 1 {
            return Err(StorageError::NotFound);
        }
        let person = row
            .try_get::<Option<String>, _>("person_id")?
            .map(|p| parse_uuid(&p))
            .transpose()?;
        let subject = row
            .try_get::<Option<String>, _>("subject_id")?
            .map(|p| parse_uuid(&p))
            .transpose()?;
        let reason = row
            .try_get::<Option<String>, _>("reason")?
            .map(|r| DisposalReason::from_code(&r).ok_or(StorageError::Corrupt("disposal reason")))
            .transpose()?;
        let (numbers, documents) = match reason {
            Some(reason) => {
                crate::lifecycle::destroy_part(&mut tx, reason, person, subject).await?
            }
            None => destroy_record(&mut tx, ctx, submission_id).await?,
        };
        sqlx::query(
            "UPDATE disposals SET method = $1, numbers_destroyed = $2, documents_destroyed = $3 WHERE id = $4",
        )
        .bind(DISPOSAL_METHOD)
        .bind(numbers)
        .bind(documents)
        .bind(disposal_id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(
            audit::actions::DISPOSAL_APPROVE,
            format!("disposal:{disposal_id}"),
        )
        .with_detail(serde_json::json!({
            "submission": submission_id,
            "person": person,
            "subject": subject,
            "reason": reason,
            "numbers_destroyed": numbers,
            "documents_destroyed": documents,
        }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        self.vault.vacuum_after_disposal().await?;
        let person_name = match reason {
            Some(_) => sqlx::query_scalar::<_, Option<String>>(concat!(
                "SELECT ",
                part_name!(),
                " AS name FROM disposals d WHERE d.id = $1"
            ))
            .bind(disposal_id.to_string())
            .fetch_optional(&self.vault.pool)
            .await?
            .flatten(),
            None => None,
        };
        Ok(DisposalRecord {
            disposal_id,
            submission_id,
            proposed_by,
            approved_by,
            approved_at,
            method: DISPOSAL_METHOD.to_owned(),
            numbers_destroyed: numbers,
            documents_destroyed: documents,
            person_id: person,
            subject_id: subject,
            reason,
            person_name,
        })
    }
}

/// Destroys a whole record's numbers and images and marks it disposed (or discarded),
/// inside the approval's transaction. Returns (numbers, images) destroyed.
async fn destroy_record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &AuditContext,
    submission_id: Uuid,
) -> Result<(i64, i64), StorageError> {
    let transition = disposal_transition(tx, submission_id).await?;
    apply_transition(tx, ctx, submission_id, transition).await?;
    // A disposed number leaves no derivation behind, nor its blind index in the
    // duplicate list unless another live person still holds it.
    crate::number_index::forget_submission(tx, submission_id).await?;
    crate::card_reads::forget_submission(tx, submission_id).await?;
    let numbers = sqlx::query(
        "UPDATE subjects SET number_sealed = NULL, number_ref = NULL, number_pending = 0, updated_at = $1 \
         WHERE submission_id = $2 AND number_sealed IS NOT NULL",
    )
    .bind(now_millis())
    .bind(submission_id.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    sqlx::query("UPDATE submissions SET duplicate_flag = 0 WHERE id = $1")
        .bind(submission_id.to_string())
        .execute(&mut **tx)
        .await?;
    let documents = sqlx::query(
        "UPDATE documents SET sealed = NULL WHERE submission_id = $1 AND sealed IS NOT NULL",
    )
    .bind(submission_id.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    Ok((numbers, documents))
}

impl OperatorVault<'_> {
    /// Records when a submission stops being needed (HR's leaving dates, from the server).
    pub async fn set_needed_until(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        needed_until: Date,
    ) -> Result<(), StorageError> {
        self.vault
            .set_needed_until(Reach::Operator, ctx, submission_id, needed_until)
            .await
    }

    /// What is due (or due within `notice_days`) anywhere: `kakunin retention list` and the
    /// daily retention job. Disposal itself always goes through two officers' handles.
    pub async fn disposal_list(
        &self,
        today: Date,
        notice_days: i64,
    ) -> Result<Vec<DisposalDue>, StorageError> {
        self.vault
            .disposal_list(Reach::Operator, today, notice_days)
            .await
    }
}

impl Vault {
    /// Makes destroyed ciphertext unrecoverable from the database files: SQLite already
    /// overwrote the freed pages (`secure_delete`); checkpointing moves the WAL's copies
    /// into the main file and truncates it. PostgreSQL keeps dead tuples until a vacuum.
    pub async fn vacuum_after_disposal(&self) -> Result<(), StorageError> {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.pool)
                    .await?;
            }
            Backend::Postgres => {
                sqlx::raw_sql("VACUUM subjects, documents")
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The disposal ledger (廃棄記録): every completed disposal, oldest first.
    pub async fn disposal_ledger(&self) -> Result<Vec<DisposalRecord>, StorageError> {
        let rows = sqlx::query(concat!(
            "SELECT d.id, d.submission_id, d.proposed_by, d.approved_by, d.approved_at, d.method, \
             d.numbers_destroyed, d.documents_destroyed, d.person_id, d.subject_id, d.reason, ",
            part_name!(),
            " AS person_name FROM disposals d WHERE d.approved_at IS NOT NULL ORDER BY d.approved_at, d.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DisposalRecord {
                    disposal_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                    submission_id: parse_uuid(&r.try_get::<String, _>("submission_id")?)?,
                    proposed_by: r.try_get("proposed_by")?,
                    approved_by: r.try_get("approved_by")?,
                    approved_at: r.try_get("approved_at")?,
                    method: r.try_get("method")?,
                    numbers_destroyed: r.try_get("numbers_destroyed")?,
                    documents_destroyed: r.try_get("documents_destroyed")?,
                    person_id: r
                        .try_get::<Option<String>, _>("person_id")?
                        .map(|p| parse_uuid(&p))
                        .transpose()?,
                    subject_id: r
                        .try_get::<Option<String>, _>("subject_id")?
                        .map(|p| parse_uuid(&p))
                        .transpose()?,
                    reason: r
                        .try_get::<Option<String>, _>("reason")?
                        .as_deref()
                        .and_then(DisposalReason::from_code),
                    person_name: r.try_get("person_name")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn retention_adds_whole_years_and_handles_leap_days() {
        assert_eq!(add_years(date!(2020 - 03 - 31), 7), date!(2027 - 03 - 31));
        assert_eq!(add_years(date!(2024 - 02 - 29), 7), date!(2031 - 02 - 28));
        assert_eq!(add_years(date!(2031 - 02 - 28), -7), date!(2024 - 02 - 28));
    }
}
