//! Release to payroll with dual control (提供): one officer proposes a batch of verified
//! submissions, a different officer approves; approval unseals the numbers (audited
//! first), the caller seals the export to payroll's key, and the batch is released with
//! its 持出管理記録簿 (export ledger) row in one transaction. The export can be downloaded
//! once; then its ciphertext is deleted.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::StorageError;
use crate::audit::{self, AuditContext, AuditEvent, AuditReceipt, actions};
use crate::invitations::parse_uuid;
use crate::scope::{StaffVault, in_scope};
use crate::state::SubmissionState;
use crate::submissions::apply_transition;
use crate::vault::now_millis;

/// One person's line of an export, number still sealed.
#[derive(Debug, Clone)]
pub struct ExportRow {
    /// The submission.
    pub submission_id: Uuid,
    /// The person.
    pub subject_id: Uuid,
    /// The employer's code of the employee.
    pub employee_code: Option<String>,
    /// Name.
    pub name: String,
    /// Furigana.
    pub name_kana: String,
    /// `self`, `spouse`, …
    pub relationship: String,
    /// Birth date (ISO).
    pub birth_date: String,
    /// 住所, if given.
    pub address: Option<String>,
    /// The sealed number; `None` for a dependant without one (see `no_number_reason`).
    pub number_sealed: Option<Vec<u8>>,
    /// Why a dependant has no number (`living_abroad`, `newborn_not_yet_numbered`).
    pub no_number_reason: Option<String>,
    /// Number check code (none without a number: nothing was verified).
    pub number_check: Option<String>,
    /// Identity check code.
    pub identity_check: Option<String>,
    /// The checker's username.
    pub checker: Option<String>,
    /// When checked (Unix ms).
    pub checked_at: Option<i64>,
    /// The person's stable id (the same in every export of that person).
    pub person_id: Uuid,
    /// In a release of changes: added, changed or ended (`None` in a snapshot).
    pub change: Option<crate::history::ChangeMark>,
    /// In a release of changes: from when (`YYYY-MM-DD`).
    pub change_on: Option<String>,
}

/// What a release hands payroll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseMode {
    /// The full current record of each person released: every current version (not
    /// superseded, not ended), whichever event it came from.
    #[default]
    Snapshot,
    /// Only what the released events changed, each row marked added, changed or ended
    /// with its date (a first collection's rows are all added).
    Changes,
}

impl ReleaseMode {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Snapshot => "snapshot",
            Self::Changes => "changes",
        }
    }
}

/// The columns both export queries read, after the release item's submission (`s`), the
/// version (`t`), its event (`e`) and invitation (`i`), its verification (`v`, `a`).
macro_rules! export_columns {
    () => {
        "SELECT s.id AS submission_id, t.id AS subject_id, i.employee_code, t.name, t.name_kana, \
         t.relationship, t.birth_date, t.address, t.number_sealed, t.no_number_reason, v.number_check, \
         v.identity_check, a.username AS checker, v.checked_at, COALESCE(t.person_id, t.id) AS person_id, \
         t.change_kind, t.change_effective_on, e.event "
    };
}

/// What makes a version exportable: a verified number, a dependant without one (living
/// abroad, a newborn: nothing to verify), or an ended dependant (who and from when only).
macro_rules! exportable {
    () => {
        "((t.number_sealed IS NOT NULL AND v.id IS NOT NULL) OR t.no_number_reason IS NOT NULL \
         OR t.change_kind = 'end_dependant')"
    };
}

/// A release of changes: what the released events hold (a change's new versions, or all of
/// a first collection, `added`).
const EXPORT_CHANGES: &str = concat!(
    export_columns!(),
    "FROM release_items ri JOIN releases r ON r.id = ri.release_id \
     JOIN submissions s ON s.id = ri.submission_id JOIN submissions e ON e.id = s.id \
     JOIN invitations i ON i.id = s.invitation_id \
     JOIN subjects t ON t.submission_id = s.id AND t.removed_at IS NULL \
     LEFT JOIN verifications v ON v.subject_id = t.id LEFT JOIN staff_accounts a ON a.id = v.checked_by \
     WHERE ri.release_id = $1 AND r.state = 'proposed' AND s.state = 'verified' AND ",
    exportable!(),
    " ORDER BY s.id, t.id"
);

/// A snapshot: the current record of each released event's person — their own and their
/// dependants' current versions, whichever event holds them; never a superseded version
/// (an old number, an old name) nor a dependant who has left.
const EXPORT_SNAPSHOT: &str = concat!(
    export_columns!(),
    "FROM release_items ri JOIN releases r ON r.id = ri.release_id \
     JOIN submissions s ON s.id = ri.submission_id \
     JOIN subjects t ON t.removed_at IS NULL AND t.superseded_at IS NULL \
     AND (t.submission_id = s.id OR t.person_id IN (SELECT p.id FROM people p \
     WHERE p.id = s.person_id OR (p.holder_id = s.person_id AND p.ended_on IS NULL))) \
     AND (t.change_kind IS NULL OR t.change_kind <> 'end_dependant') \
     JOIN submissions e ON e.id = t.submission_id AND (e.id = s.id OR e.state IN ('verified', 'released')) \
     JOIN invitations i ON i.id = e.invitation_id \
     LEFT JOIN verifications v ON v.subject_id = t.id LEFT JOIN staff_accounts a ON a.id = v.checked_by \
     WHERE ri.release_id = $1 AND r.state = 'proposed' AND s.state = 'verified' AND ",
    exportable!(),
    " ORDER BY s.id, t.id"
);

/// A proposed or approved release, as officers see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    /// Its id.
    pub release_id: Uuid,
    /// `proposed` or `approved`.
    pub state: String,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// Why the records leave.
    pub purpose: String,
}

/// A release on the officers' page: waiting for a second officer, or approved with its
/// file not yet downloaded.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseLine {
    /// Its id.
    pub release_id: Uuid,
    /// `proposed` or `approved`.
    pub state: String,
    /// Why the records leave (a configured purpose of use).
    pub purpose: String,
    /// The proposer's note beside the purpose.
    pub purpose_note: Option<String>,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// Their username.
    pub proposer: String,
    /// When (Unix ms).
    pub proposed_at: i64,
    /// How many submissions.
    pub submissions: i64,
    /// Whether the sealed file waits for its one download.
    pub downloadable: bool,
}

/// The approved export is ready to be handed over.
#[derive(Debug, Clone)]
pub struct ApprovedExport {
    /// Payroll's age recipient.
    pub recipient: String,
    /// The age ciphertext of the CSV.
    pub sealed: Vec<u8>,
    /// SHA-256 of `sealed` (what the ledger records as having left).
    pub sha256: Vec<u8>,
    /// Route recorded in the ledger (e.g. `https-download`).
    pub route: &'static str,
}

/// How many of a release's submissions lie outside the officer's scope (`outside`; `$1` is
/// the officer): a release is the officer's only when none does.
macro_rules! outside_scope {
    () => {
        concat!(
            "CAST((SELECT COUNT(*) FROM release_items ri JOIN submissions s ON s.id = ri.submission_id \
             WHERE ri.release_id = r.id AND NOT COALESCE(",
            in_scope!(),
            ", FALSE)) AS BIGINT) AS outside"
        )
    };
}

/// A verified submission in the officer's scope; `$1` is the officer.
const SUBMISSION_IN_SCOPE: &str = concat!(
    "SELECT 1 FROM submissions s WHERE s.id = $2 AND s.state = 'verified' AND ",
    in_scope!()
);

type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl StaffVault<'_> {
    /// Proposes releasing verified submissions in the officer's scope.
    pub async fn propose_release(
        &self,
        ctx: &AuditContext,
        submission_ids: &[Uuid],
        purpose: &str,
        note: Option<&str>,
    ) -> Result<Uuid, StorageError> {
        self.propose_release_as(ctx, submission_ids, purpose, note, ReleaseMode::Snapshot)
            .await
    }

    /// Proposes releasing verified submissions in the officer's scope, as a full snapshot
    /// of the people concerned or as the changes the submissions hold.
    pub async fn propose_release_as(
        &self,
        ctx: &AuditContext,
        submission_ids: &[Uuid],
        purpose: &str,
        note: Option<&str>,
        mode: ReleaseMode,
    ) -> Result<Uuid, StorageError> {
        if submission_ids.is_empty() {
            return Err(StorageError::Invalid("name at least one submission"));
        }
        let id = Uuid::now_v7();
        let mut tx = self.vault.begin_write().await?;
        sqlx::query(
            "INSERT INTO releases (id, state, purpose, purpose_note, proposed_by, proposed_at, mode) \
             VALUES ($1, 'proposed', $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(purpose.to_owned())
        .bind(note.map(str::to_owned))
        .bind(self.account().to_string())
        .bind(now_millis())
        .bind(mode.code())
        .execute(&mut *tx)
        .await?;
        for submission in submission_ids {
            sqlx::query(SUBMISSION_IN_SCOPE)
                .bind(self.account().to_string())
                .bind(submission.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StorageError::NotFound)?;
            let pending = sqlx::query(
                "SELECT 1 FROM release_items ri JOIN releases r ON r.id = ri.release_id \
                 WHERE ri.submission_id = $1 AND r.state = 'proposed'",
            )
            .bind(submission.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            if pending.is_some() {
                return Err(StorageError::Conflict("already proposed for release"));
            }
            sqlx::query("INSERT INTO release_items (release_id, submission_id) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(submission.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let event = AuditEvent::success(actions::RELEASE_PROPOSE, format!("release:{id}"))
            .with_detail(serde_json::json!({"submissions": submission_ids, "mode": mode.code()}));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A release whose every submission is in the officer's scope.
    pub async fn release_summary(&self, release_id: Uuid) -> Result<ReleaseSummary, StorageError> {
        let row = sqlx::query(concat!(
            "SELECT r.state, r.proposed_by, r.purpose, ",
            outside_scope!(),
            " FROM releases r WHERE r.id = $2"
        ))
        .bind(self.account().to_string())
        .bind(release_id.to_string())
        .fetch_optional(&self.vault.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        if row.try_get::<i64, _>("outside")? != 0 {
            return Err(StorageError::NotFound);
        }
        Ok(ReleaseSummary {
            release_id,
            state: row.try_get("state")?,
            proposed_by: parse_uuid(&row.try_get::<String, _>("proposed_by")?)?,
            purpose: row.try_get("purpose")?,
        })
    }

    /// The lines of a proposed release, released together with the receipt of its
    /// committed `export.unseal` entry (the numbers are about to be unsealed).
    pub async fn export_rows_for_approval(
        &self,
        ctx: &AuditContext,
        release_id: Uuid,
    ) -> Result<(Vec<ExportRow>, AuditReceipt), StorageError> {
        // A release with any submission outside the scope is not this officer's (NotFound).
        self.release_summary(release_id).await?;
        let mut tx = self.vault.begin_write().await?;
        let mode: String = sqlx::query_scalar("SELECT mode FROM releases WHERE id = $1")
            .bind(release_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let sql = if mode == ReleaseMode::Changes.code() {
            EXPORT_CHANGES
        } else {
            EXPORT_SNAPSHOT
        };
        let mut seen = std::collections::HashSet::new();
        let rows = sqlx::query(sql)
            .bind(release_id.to_string())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| {
                Ok(ExportRow {
                    submission_id: parse_uuid(&r.try_get::<String, _>("submission_id")?)?,
                    subject_id: parse_uuid(&r.try_get::<String, _>("subject_id")?)?,
                    employee_code: r.try_get("employee_code")?,
                    name: r.try_get("name")?,
                    name_kana: r.try_get("name_kana")?,
                    relationship: r.try_get("relationship")?,
                    birth_date: r.try_get("birth_date")?,
                    address: r.try_get("address")?,
                    number_sealed: r.try_get("number_sealed")?,
                    no_number_reason: r.try_get("no_number_reason")?,
                    number_check: r.try_get("number_check")?,
                    identity_check: r.try_get("identity_check")?,
                    checker: r.try_get("checker")?,
                    checked_at: r.try_get("checked_at")?,
                    person_id: parse_uuid(&r.try_get::<String, _>("person_id")?)?,
                    change: (mode == ReleaseMode::Changes.code())
                        .then(|| {
                            r.try_get::<Option<String>, _>("change_kind").map(|k| {
                                match k.as_deref().and_then(crate::history::ChangeKind::from_code) {
                                    Some(kind) => kind.mark(),
                                    None => crate::history::ChangeMark::Added,
                                }
                            })
                        })
                        .transpose()?,
                    change_on: if mode == ReleaseMode::Changes.code() {
                        r.try_get("change_effective_on")?
                    } else {
                        None
                    },
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?
            .into_iter()
            // A person reached through two released events appears once.
            .filter(|row: &ExportRow| seen.insert(row.subject_id))
            .collect::<Vec<_>>();
        if rows.is_empty() {
            return Err(StorageError::NotFound);
        }
        let event = AuditEvent::success(actions::EXPORT_UNSEAL, format!("release:{release_id}"))
            .with_detail(serde_json::json!({"records": rows.len()}));
        let receipt = audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok((rows, receipt))
    }

    /// Approves a proposed release (never by its proposer), releases its submissions,
    /// keeps the sealed export for one download, and writes the export ledger row.
    pub async fn approve_release(
        &self,
        ctx: &AuditContext,
        release_id: Uuid,
        export: &ApprovedExport,
        record_ids: &[Uuid],
    ) -> Result<(), StorageError> {
        self.release_summary(release_id).await?;
        let now = now_millis();
        let mut tx = self.vault.begin_write().await?;
        let proposer: Option<String> =
            sqlx::query_scalar("SELECT proposed_by FROM releases WHERE id = $1")
                .bind(release_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let proposer = parse_uuid(&proposer.ok_or(StorageError::NotFound)?)?;
        if let Err(refused) = domain::duties::second_person(proposer.into(), self.staff()) {
            drop(tx);
            return Err(self
                .vault
                .refuse_duty(
                    ctx,
                    actions::RELEASE_APPROVE,
                    Some(format!("release:{release_id}")),
                    refused,
                )
                .await);
        }
        let approved = sqlx::query(
            "UPDATE releases SET state = 'approved', approved_by = $1, approved_at = $2, recipient = $3, \
             export_sealed = $4, export_sha256 = $5 WHERE id = $6 AND state = 'proposed' AND proposed_by <> $1",
        )
        .bind(self.account().to_string())
        .bind(now)
        .bind(export.recipient.clone())
        .bind(export.sealed.clone())
        .bind(export.sha256.clone())
        .bind(release_id.to_string())
        .execute(&mut *tx)
        .await?;
        if approved.rows_affected() != 1 {
            return Err(StorageError::Conflict(
                "the release is not awaiting a second officer",
            ));
        }
        let (proposer, (purpose, note), submissions) = release_parts(&mut tx, release_id).await?;
        for submission in &submissions {
            apply_transition(&mut tx, ctx, *submission, SubmissionState::release).await?;
        }
        write_export_ledger(
            &mut tx,
            &LedgerRow {
                release_id,
                officers: serde_json::json!({"proposed_by": proposer, "approved_by": self.account()}),
                record_ids: serde_json::json!(record_ids),
                record_count: record_ids.len(),
                recipient: &export.recipient,
                purpose: &purpose,
                purpose_note: note.as_deref(),
                route: export.route,
                sha256: &export.sha256,
            },
        )
        .await?;
        let event = AuditEvent::success(actions::RELEASE_APPROVE, format!("release:{release_id}"))
            .with_detail(serde_json::json!({
                "records": record_ids.len(),
                "submissions": submissions,
                "sha256": data_encoding::HEXLOWER.encode(&export.sha256),
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ids of submissions that wait in a proposed release: ids only, used to leave them
    /// out of this officer's (scoped) list of verified records.
    pub async fn submissions_in_proposed_releases(
        &self,
    ) -> Result<std::collections::HashSet<Uuid>, StorageError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT ri.submission_id FROM release_items ri \
             JOIN releases r ON r.id = ri.release_id WHERE r.state = 'proposed'",
        )
        .fetch_all(&self.vault.pool)
        .await?;
        rows.iter().map(|id| parse_uuid(id)).collect()
    }

    /// The releases an officer can act on: proposed ones, and approved ones whose file
    /// was not downloaded yet, each only when all its submissions are in scope.
    pub async fn open_releases(&self) -> Result<Vec<ReleaseLine>, StorageError> {
        let rows = sqlx::query(concat!(
            "SELECT r.id, r.state, r.purpose, r.purpose_note, r.proposed_by, a.username, r.proposed_at, \
             CAST((SELECT COUNT(*) FROM release_items ri WHERE ri.release_id = r.id) AS BIGINT) AS submissions, ",
            outside_scope!(),
            ", CAST(CASE WHEN r.export_sealed IS NULL THEN 0 ELSE 1 END AS BIGINT) AS downloadable \
             FROM releases r JOIN staff_accounts a ON a.id = r.proposed_by \
             WHERE r.state = 'proposed' OR r.export_sealed IS NOT NULL \
             ORDER BY r.proposed_at DESC LIMIT 200",
        ))
        .bind(self.account().to_string())
        .fetch_all(&self.vault.pool)
        .await?;
        let mut lines = Vec::new();
        for row in rows {
            if row.try_get::<i64, _>("outside")? != 0 {
                continue;
            }
            lines.push(ReleaseLine {
                release_id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                state: row.try_get("state")?,
                purpose: row.try_get("purpose")?,
                purpose_note: row.try_get("purpose_note")?,
                proposed_by: parse_uuid(&row.try_get::<String, _>("proposed_by")?)?,
                proposer: row.try_get("username")?,
                proposed_at: row.try_get("proposed_at")?,
                submissions: row.try_get("submissions")?,
                downloadable: row.try_get::<i64, _>("downloadable")? == 1,
            });
        }
        Ok(lines)
    }

    /// Hands over the sealed export once; afterwards the ciphertext is gone.
    pub async fn take_export(
        &self,
        ctx: &AuditContext,
        release_id: Uuid,
    ) -> Result<Vec<u8>, StorageError> {
        self.release_summary(release_id).await?;
        let mut tx = self.vault.begin_write().await?;
        let sealed = take_sealed(&mut tx, release_id).await?;
        let event = AuditEvent::success(actions::EXPORT_DOWNLOAD, format!("release:{release_id}"))
            .with_detail(serde_json::json!({"bytes": sealed.len()}));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(sealed)
    }
}

/// One row of the export ledger as written.
pub(crate) struct LedgerRow<'a> {
    pub release_id: Uuid,
    pub officers: serde_json::Value,
    pub record_ids: serde_json::Value,
    pub record_count: usize,
    pub recipient: &'a str,
    pub purpose: &'a str,
    pub purpose_note: Option<&'a str>,
    pub route: &'a str,
    pub sha256: &'a [u8],
}

/// Writes a row of the export ledger (持出管理記録簿) in the hand-over's transaction.
pub(crate) async fn write_export_ledger(
    tx: &mut Tx,
    row: &LedgerRow<'_>,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO export_ledger (id, at, release_id, officers, record_ids, record_count, recipient, purpose, \
         route, sha256, purpose_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(now_millis())
    .bind(row.release_id.to_string())
    .bind(row.officers.to_string())
    .bind(row.record_ids.to_string())
    .bind(row.record_count as i64)
    .bind(row.recipient.to_owned())
    .bind(row.purpose.to_owned())
    .bind(row.route.to_owned())
    .bind(row.sha256.to_vec())
    .bind(row.purpose_note.map(str::to_owned))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the sealed export of an approved release out of the database: it is handed over
/// once, by download or by pull, and then the ciphertext is gone.
pub(crate) async fn take_sealed(tx: &mut Tx, release_id: Uuid) -> Result<Vec<u8>, StorageError> {
    let gone = || StorageError::Conflict("the export was already handed over");
    let row = sqlx::query(
        "SELECT export_sealed FROM releases WHERE id = $1 AND state = 'approved' AND downloaded_at IS NULL",
    )
    .bind(release_id.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(gone)?;
    let sealed: Option<Vec<u8>> = row.try_get("export_sealed")?;
    let taken = sqlx::query(
        "UPDATE releases SET downloaded_at = $1, export_sealed = NULL WHERE id = $2 AND downloaded_at IS NULL",
    )
    .bind(now_millis())
    .bind(release_id.to_string())
    .execute(&mut **tx)
    .await?;
    sealed
        .filter(|_| taken.rows_affected() == 1)
        .ok_or_else(gone)
}

/// A release's proposer, its purpose and note, and its submissions.
async fn release_parts(
    tx: &mut Tx,
    release_id: Uuid,
) -> Result<(Uuid, (String, Option<String>), Vec<Uuid>), StorageError> {
    let row = sqlx::query("SELECT proposed_by, purpose, purpose_note FROM releases WHERE id = $1")
        .bind(release_id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    let submissions = sqlx::query(
        "SELECT submission_id FROM release_items WHERE release_id = $1 ORDER BY submission_id",
    )
    .bind(release_id.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| parse_uuid(&r.try_get::<String, _>("submission_id")?))
    .collect::<Result<Vec<_>, _>>()?;
    Ok((
        parse_uuid(&row.try_get::<String, _>("proposed_by")?)?,
        (row.try_get("purpose")?, row.try_get("purpose_note")?),
        submissions,
    ))
}
