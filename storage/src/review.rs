//! The officer's side of the vault: the queue scoped to the officer's branches, claims
//! that two officers can never both win, audited access to sealed numbers and images,
//! and the decisions (本人確認, correction requests, rejections).
//!
//! Scope is part of every query ([`crate::scope`]): a submission outside the officer's
//! scope is indistinguishable from a missing one.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::StorageError;
use crate::audit::{self, AuditContext, AuditEvent, AuditReceipt, actions};
use crate::invitations::parse_uuid;
use crate::scope::{Reach, StaffVault, in_scope, push_in_scope, scope_join};
use crate::sql::Sql;
use crate::state::SubmissionState;
use crate::submissions::{SubmissionStatus, apply_transition};
use crate::vault::now_millis;

/// Whether a submission holds a number that is also a different person's (same blind
/// index, different name or birth date): a possible mistake or fraud to look at. Only
/// current derivations count (see `number_index`).
macro_rules! duplicate_expr {
    () => {
        "CASE WHEN EXISTS (SELECT 1 FROM subjects a \
         JOIN number_index na ON na.subject_id = a.id AND na.number_ref = a.number_ref \
         JOIN number_index nb ON nb.blind_index = na.blind_index AND nb.subject_id <> na.subject_id \
         JOIN subjects b ON b.id = nb.subject_id AND b.number_ref = nb.number_ref \
         WHERE a.submission_id = p.id AND a.removed_at IS NULL AND b.removed_at IS NULL \
         AND length(na.blind_index) > 0 AND COALESCE(a.person_id, a.id) <> COALESCE(b.person_id, b.id) \
         AND (a.name <> b.name OR a.birth_date <> b.birth_date)) THEN 1 ELSE 0 END"
    };
}

/// What an officer may unseal: only what the person handed in (security review, finding
/// 8), while the submission is in a state where an officer needs it — waiting, in review,
/// decided, or sent back (the earlier hand-in stays evidence). Never a draft nobody handed
/// in, nor what a person declined to provide. Used with the item's own time (`$T`) in
/// `sealed_*_for_officer`: an item saved after the last hand-in is not handed in yet.
macro_rules! handed_in {
    () => {
        "s.state IN ('submitted', 'resubmitted', 'in_review', 'verified', 'released', 'rejected', \
         'correction_requested') AND s.submitted_at IS NOT NULL"
    };
}

/// What to list of the queue: states, branch, age, duplicates only, and a page.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// Only these states (empty: any).
    pub states: Vec<SubmissionState>,
    /// Only this branch (within scope).
    pub branch: Option<String>,
    /// Only handed in at or before this instant (Unix ms).
    pub submitted_before: Option<i64>,
    /// Only submissions with a flagged duplicate number.
    pub duplicates_only: bool,
    /// The page after this `(submitted_at, id)` of the last line seen.
    pub after: Option<(i64, Uuid)>,
    /// At most this many lines (0: [`QueueQuery::DEFAULT_LIMIT`]; capped at 5000).
    pub limit: i64,
}

impl QueueQuery {
    /// The page size when none is asked for.
    pub const DEFAULT_LIMIT: i64 = 200;
}

/// One line of the queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    /// The submission.
    pub submission_id: Uuid,
    /// Where it stands.
    pub state: SubmissionState,
    /// Its branch.
    pub branch_code: Option<String>,
    /// The invited person's name.
    pub display_name: String,
    /// When handed in (Unix ms).
    pub submitted_at: Option<i64>,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// Who holds the claim, if anyone and unexpired.
    pub claimed_by: Option<Uuid>,
    /// A number on it has the same blind index as a different person's elsewhere.
    pub duplicate_number: bool,
}

/// A submission with its people and documents, as an officer sees it (last 4 only).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    /// `employee` or `payee`.
    pub kind: String,
    /// Its branch.
    pub branch_code: Option<String>,
    /// Who holds the claim (unexpired).
    pub claimed_by: Option<Uuid>,
    /// The provider's reason for declining (提供しない), if they declined.
    pub declined_reason: Option<String>,
    /// Every correction request so far, answered (`resolved_at`) or open.
    pub correction_history: Vec<crate::submissions::CorrectionNotice>,
    /// Hand-ins by staff on the person's behalf (post, in person), with who and when.
    pub assisted: Vec<crate::assisted::AssistedRecord>,
    /// The verifications recorded for it (once verified), with their rule version.
    pub verifications: Vec<RecordedVerification>,
    /// The typed data and the list of documents.
    #[serde(flatten)]
    pub status: SubmissionStatus,
}

/// One person's 本人確認 as the rule table accepted it (codes only).
#[derive(Debug, Clone)]
pub struct VerificationRecord {
    /// The person.
    pub subject_id: Uuid,
    /// `my_number_card`, `residence_record`, `notification_card`, `employee_attestation`.
    pub number_check: &'static str,
    /// `my_number_card`, `photo_id`, `two_non_photo_documents`, `face_to_face_known_employee`,
    /// `employee_attestation`.
    pub identity_check: &'static str,
    /// The identity document kinds relied on.
    pub documents: Vec<&'static str>,
    /// Why the card served as the number check although its QR code differs from the
    /// typed number (the officer's words; the rule table refuses digits in them).
    pub qr_override_reason: Option<String>,
    /// The documents relied on for both checks, with the expiry dates recorded.
    pub relied_on: Vec<ReliedOn>,
    /// The version of the rule table it was checked against.
    pub rule_version: &'static str,
}

/// One document a verification relied on, with the expiry date the officer recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ReliedOn {
    /// Document kind code.
    pub kind: String,
    /// Expiry date (`YYYY-MM-DD`), where the document has one.
    pub valid_until: Option<String>,
}

/// A recorded verification as officers see it later: what was relied on, by whom, when,
/// under which version of the rule table.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedVerification {
    /// The person.
    pub subject_id: Uuid,
    /// Number check code.
    pub number_check: String,
    /// Identity check code.
    pub identity_check: String,
    /// Identity document kind codes.
    pub documents: Vec<String>,
    /// The documents relied on with their expiry dates (empty for legacy records).
    pub relied_on: Vec<ReliedOn>,
    /// The rule table version (`legacy` for records before versions were kept).
    pub rule_version: String,
    /// Who checked (username).
    pub checked_by: String,
    /// When (Unix ms).
    pub checked_at: i64,
}

/// One item to redo.
#[derive(Debug, Clone)]
pub struct CorrectionItem {
    /// The person concerned, if any.
    pub subject_id: Option<Uuid>,
    /// The document concerned, if any.
    pub document_id: Option<Uuid>,
    /// `blurry`, `glare`, … (validated by the verifier).
    pub reason: &'static str,
    /// The officer's message to the provider. Kept out of the audit trail: free text.
    pub message: String,
}

/// The SQL of one queue page with its values (see [`Vault::queue_page`]), after `prefix`
/// (empty, or a benchmark's `EXPLAIN`).
pub(crate) fn queue_sql(officer: Uuid, q: &QueueQuery, prefix: &str) -> Sql {
    // Waiting items are read in order from their partial indexes (all branches, or one),
    // flagged duplicates from the index of marked submissions; in both the scope is checked
    // per row and the scan stops after a page. Other views walk the scope's branches
    // through the (branch, state) index (a join, which the planner handles better than
    // `IN`). The duplicate flag shown is computed live for the page's lines only, after
    // the limit.
    let waiting = {
        let mut states: Vec<&str> = q.states.iter().map(|st| st.code()).collect();
        states.sort_unstable();
        states == ["in_review", "resubmitted", "submitted"]
    };
    let mut sql = Sql::new(prefix);
    sql.push(concat!(
        "SELECT p.*, CAST(",
        duplicate_expr!(),
        " AS BIGINT) AS duplicate FROM (SELECT s.id, s.state, s.branch_code, s.submitted_at, \
         s.updated_at, s.claimed_by, s.claim_expires_at, i.display_name FROM "
    ));
    if waiting || q.duplicates_only {
        sql.push("submissions s JOIN invitations i ON i.id = s.invitation_id WHERE TRUE");
        push_in_scope(&mut sql, Reach::Staff(officer.into()));
    } else {
        sql.push(concat!(
            scope_join!(),
            " JOIN invitations i ON i.id = s.invitation_id WHERE sc.account_id = "
        ))
        .push_bind(officer.to_string());
    }
    if !q.states.is_empty() {
        // State codes come from a closed enum: written as literals so that the
        // planner can match the partial index of waiting items.
        let codes: Vec<String> = q
            .states
            .iter()
            .map(|st| format!("'{}'", st.code()))
            .collect();
        sql.push(&format!(" AND s.state IN ({})", codes.join(", ")));
    }
    if let Some(branch) = &q.branch {
        sql.push(" AND s.branch_code = ").push_bind(branch.as_str());
    }
    if q.duplicates_only {
        // The mark kept with the duplicate list (a literal, to match the partial index);
        // each line is checked live below.
        sql.push(" AND s.duplicate_flag = 1");
    }
    if let Some(before) = q.submitted_before {
        sql.push(" AND s.submitted_at <= ").push_bind(before);
    }
    if let Some((at, id)) = &q.after {
        sql.push(" AND (s.submitted_at > ")
            .push_bind(*at)
            .push(" OR (s.submitted_at = ")
            .push_bind(*at)
            .push(" AND s.id > ")
            .push_bind(id.to_string())
            .push("))");
    }
    let limit = if q.limit > 0 {
        q.limit.min(5000)
    } else {
        QueueQuery::DEFAULT_LIMIT
    };
    sql.push(&format!(" ORDER BY s.submitted_at, s.id LIMIT {limit}) p"));
    if q.duplicates_only {
        sql.push(concat!(" WHERE ", duplicate_expr!(), " = 1"));
    }
    sql.push(" ORDER BY p.submitted_at, p.id");
    sql
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl StaffVault<'_> {
    /// The submissions in the officer's scope in the given states, oldest first (at most
    /// [`QueueQuery::DEFAULT_LIMIT`]).
    pub async fn queue(&self, states: &[SubmissionState]) -> Result<Vec<QueueEntry>, StorageError> {
        self.queue_page(&QueueQuery {
            states: states.to_vec(),
            ..QueueQuery::default()
        })
        .await
    }

    /// One page of the queue: every filter applied in SQL, oldest first, `limit` lines
    /// after the `(submitted_at, id)` cursor, so the cost does not grow with the backlog.
    pub async fn queue_page(&self, q: &QueueQuery) -> Result<Vec<QueueEntry>, StorageError> {
        let now = now_millis();
        let sql = queue_sql(self.account(), q, "");
        let rows = sql.query().fetch_all(&self.vault.pool).await?;
        let mut entries = Vec::new();
        for r in rows {
            let state = SubmissionState::from_code(&r.try_get::<String, _>("state")?)
                .ok_or(StorageError::Corrupt("submission state"))?;
            let expires: Option<i64> = r.try_get("claim_expires_at")?;
            let claimed_by: Option<String> = r.try_get("claimed_by")?;
            entries.push(QueueEntry {
                submission_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                state,
                branch_code: r.try_get("branch_code")?,
                display_name: r.try_get("display_name")?,
                submitted_at: r.try_get("submitted_at")?,
                updated_at: r.try_get("updated_at")?,
                claimed_by: match (claimed_by, expires) {
                    (Some(id), Some(t)) if t > now => Some(parse_uuid(&id)?),
                    _ => None,
                },
                duplicate_number: r.try_get::<i64, _>("duplicate")? != 0,
            });
        }
        Ok(entries)
    }

    /// Claims the oldest waiting submission in scope for `claim_ms`, or `None`.
    ///
    /// The claim is a conditional `UPDATE … WHERE claimed_by IS NULL OR claim_expires_at <
    /// now`: on PostgreSQL the loser of a race blocks on the row lock, re-reads the row and
    /// matches nothing; on SQLite writers are serialized. The loser moves to the next one,
    /// and when other officers took every candidate read, it reads the next candidates:
    /// `None` means that nothing waited when last looked, never that a race was lost
    /// (the campaign benchmark saw 4 of 2,000 claims answer "nothing waits" while items did).
    pub async fn claim_next(
        &self,
        ctx: &AuditContext,
        claim_ms: i64,
    ) -> Result<Option<Uuid>, StorageError> {
        let sql = concat!(
            "SELECT s.id FROM submissions s WHERE ",
            in_scope!(),
            " AND \
             (s.state IN ('submitted', 'resubmitted') OR (s.state = 'in_review' AND s.claim_expires_at < $2)) \
             ORDER BY s.submitted_at, s.id LIMIT 20"
        );
        // Each lost candidate was claimed by someone else, so the rounds make progress;
        // the bound only guards against a pathological stream of new hand-ins.
        for _round in 0..100 {
            let now = now_millis();
            let candidates = sqlx::query(sql)
                .bind(self.account().to_string())
                .bind(now)
                .fetch_all(&self.vault.pool)
                .await?;
            if candidates.is_empty() {
                return Ok(None);
            }
            if let Some(id) = self.claim_first_of(ctx, claim_ms, now, candidates).await? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Tries the candidates in order; the first claim won, or `None` if all were lost.
    async fn claim_first_of(
        &self,
        ctx: &AuditContext,
        claim_ms: i64,
        now: i64,
        candidates: Vec<sqlx::any::AnyRow>,
    ) -> Result<Option<Uuid>, StorageError> {
        for row in candidates {
            let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
            let mut tx = self.vault.begin_write().await?;
            let won = sqlx::query(
                "UPDATE submissions SET claimed_by = $1, claim_expires_at = $2 WHERE id = $3 \
                 AND state IN ('submitted', 'resubmitted', 'in_review') \
                 AND (claimed_by IS NULL OR claim_expires_at < $4)",
            )
            .bind(self.account().to_string())
            .bind(now + claim_ms)
            .bind(id.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if won.rows_affected() != 1 {
                tx.rollback().await?;
                continue;
            }
            let state = current_state(&mut tx, id).await?;
            if state != SubmissionState::InReview {
                apply_transition(&mut tx, ctx, id, SubmissionState::claim).await?;
            }
            let event = AuditEvent::success(actions::SUBMISSION_CLAIM, format!("submission:{id}"))
                .with_detail(serde_json::json!({"expires_at": now + claim_ms}));
            audit::append(&mut tx, ctx, &event).await?;
            tx.commit().await?;
            return Ok(Some(id));
        }
        Ok(None)
    }

    /// Whether the submission lies in the officer's scope (a missing one does not).
    pub async fn submission_in_scope(&self, submission_id: Uuid) -> Result<bool, StorageError> {
        let sql = concat!(
            "SELECT 1 AS one FROM submissions s WHERE ",
            in_scope!(),
            " AND s.id = $2"
        );
        Ok(sqlx::query(sql)
            .bind(self.account().to_string())
            .bind(submission_id.to_string())
            .fetch_optional(&self.vault.pool)
            .await?
            .is_some())
    }

    /// The submission with its people and documents, if it is in the officer's scope.
    pub async fn review_item(&self, submission_id: Uuid) -> Result<ReviewItem, StorageError> {
        let sql = concat!(
            "SELECT i.kind, s.branch_code, s.claimed_by, s.claim_expires_at, s.declined_reason FROM submissions s \
             JOIN invitations i ON i.id = s.invitation_id WHERE ",
            in_scope!(),
            " AND s.id = $2"
        );
        let row = sqlx::query(sql)
            .bind(self.account().to_string())
            .bind(submission_id.to_string())
            .fetch_optional(&self.vault.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        let claimed_by: Option<String> = row.try_get("claimed_by")?;
        let expires: Option<i64> = row.try_get("claim_expires_at")?;
        Ok(ReviewItem {
            kind: row.try_get("kind")?,
            branch_code: row.try_get("branch_code")?,
            claimed_by: match (claimed_by, expires) {
                (Some(id), Some(t)) if t > now_millis() => Some(parse_uuid(&id)?),
                _ => None,
            },
            declined_reason: row.try_get("declined_reason")?,
            correction_history: self.vault.corrections(submission_id, false).await?,
            assisted: self.vault.assisted_records(submission_id).await?,
            verifications: self.vault.recorded_verifications(submission_id).await?,
            status: self.vault.submission_status(submission_id).await?,
        })
    }

    /// The sealed image of a document in scope, released only together with the receipt
    /// of its committed `document.unseal` entry. If the entry cannot be written, nothing
    /// is returned.
    pub async fn sealed_document_for_officer(
        &self,
        ctx: &AuditContext,
        document_id: Uuid,
    ) -> Result<(Vec<u8>, AuditReceipt), StorageError> {
        let sql = concat!(
            "SELECT d.sealed, d.submission_id, d.kind FROM documents d JOIN submissions s ON s.id = d.submission_id \
             WHERE ",
            in_scope!(),
            " AND d.id = $2 AND d.sealed IS NOT NULL AND ",
            handed_in!(),
            " AND d.created_at <= s.submitted_at"
        );
        self.audited_read(ctx, sql, document_id, "sealed", |id| {
            AuditEvent::success(actions::DOCUMENT_UNSEAL, format!("document:{id}"))
        })
        .await
    }

    /// The sealed number of a person in scope, with the receipt of its `number.unseal`
    /// entry (written first; fail closed).
    pub async fn sealed_number_for_officer(
        &self,
        ctx: &AuditContext,
        subject_id: Uuid,
    ) -> Result<(Vec<u8>, AuditReceipt), StorageError> {
        let sql = concat!(
            "SELECT t.number_sealed, t.submission_id FROM subjects t JOIN submissions s ON s.id = t.submission_id \
             WHERE ",
            in_scope!(),
            " AND t.id = $2 AND t.removed_at IS NULL AND t.number_sealed IS NOT NULL AND ",
            handed_in!(),
            " AND t.number_saved_at <= s.submitted_at"
        );
        self.audited_read(ctx, sql, subject_id, "number_sealed", |id| {
            AuditEvent::success(actions::NUMBER_UNSEAL, format!("subject:{id}"))
        })
        .await
    }

    async fn audited_read(
        &self,
        ctx: &AuditContext,
        sql: &'static str,
        id: Uuid,
        column: &'static str,
        event: impl Fn(Uuid) -> AuditEvent,
    ) -> Result<(Vec<u8>, AuditReceipt), StorageError> {
        let mut tx = self.vault.begin_write().await?;
        let row = sqlx::query(sql)
            .bind(self.account().to_string())
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound)?;
        let sealed: Vec<u8> = row.try_get(column)?;
        let submission: String = row.try_get("submission_id")?;
        let event = event(id).with_detail(serde_json::json!({"submission": submission}));
        let receipt = audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok((sealed, receipt))
    }

    /// The people of a claimed submission: (id, relationship code). Fails unless the
    /// officer holds an unexpired claim on it.
    pub async fn claimed_subjects(
        &self,
        submission_id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, StorageError> {
        self.review_item(submission_id).await?;
        let mut tx = self.vault.begin_write().await?;
        require_claim(&mut tx, self.account(), submission_id).await?;
        let rows = sqlx::query(
            "SELECT id, relationship FROM subjects WHERE submission_id = $1 AND removed_at IS NULL ORDER BY id",
        )
        .bind(submission_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse_uuid(&r.try_get::<String, _>("id")?)?,
                    r.try_get("relationship")?,
                ))
            })
            .collect()
    }

    /// Records 本人確認 for every person of a claimed submission and marks it verified.
    /// The checker is the officer of `ctx`, the date the server clock. With
    /// `destroy_images`, the images' ciphertexts are destroyed in the same transaction
    /// (employers who prefer to keep no copies of ID documents); the decision record,
    /// naming which documents were checked, stays.
    pub async fn record_verification(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        records: &[VerificationRecord],
        destroy_images: bool,
    ) -> Result<SubmissionState, StorageError> {
        let now = now_millis();
        let mut tx = self.vault.begin_write().await?;
        require_claim(&mut tx, self.account(), submission_id).await?;
        let live: Vec<String> =
            // A dependant without a number (living abroad, a newborn) has nothing to verify.
            sqlx::query(
                "SELECT id FROM subjects WHERE submission_id = $1 AND removed_at IS NULL \
                 AND no_number_reason IS NULL \
                 AND (change_kind IS NULL OR change_kind <> 'end_dependant')",
            )
                .bind(submission_id.to_string())
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_, _>>()?;
        let mut covered: Vec<String> = records.iter().map(|r| r.subject_id.to_string()).collect();
        covered.sort();
        covered.dedup();
        let mut expected = live.clone();
        expected.sort();
        if covered != expected || covered.len() != records.len() {
            return Err(StorageError::Invalid(
                "every person needs exactly one verification",
            ));
        }
        for record in records {
            sqlx::query(
                "INSERT INTO verifications (id, submission_id, subject_id, number_check, identity_check, documents, \
                 checked_by, checked_at, rule_version, relied_on, qr_override_reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(submission_id.to_string())
            .bind(record.subject_id.to_string())
            .bind(record.number_check)
            .bind(record.identity_check)
            .bind(serde_json::json!(record.documents).to_string())
            .bind(self.account().to_string())
            .bind(now)
            .bind(record.rule_version)
            .bind(serde_json::json!(record.relied_on).to_string())
            .bind(record.qr_override_reason.clone())
            .execute(&mut *tx)
            .await?;
            let event = AuditEvent::success(
                actions::VERIFICATION_RECORD,
                format!("subject:{}", record.subject_id),
            )
            .with_detail(serde_json::json!({
                "submission": submission_id,
                "number_check": record.number_check,
                "identity_check": record.identity_check,
                "qr_differs_overridden": record.qr_override_reason.is_some(),
                "documents": record.documents,
                "relied_on": record.relied_on.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(),
                "rule_version": record.rule_version,
            }));
            audit::append(&mut tx, ctx, &event).await?;
        }
        let state = apply_transition(&mut tx, ctx, submission_id, SubmissionState::verify).await?;
        crate::history::apply_verified_change(&mut tx, ctx, submission_id).await?;
        release_claim(&mut tx, submission_id).await?;
        if destroy_images {
            let destroyed = sqlx::query(
                "UPDATE documents SET sealed = NULL WHERE submission_id = $1 AND sealed IS NOT NULL",
            )
            .bind(submission_id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let event = AuditEvent::success(
                actions::DOCUMENT_DESTROY,
                format!("submission:{submission_id}"),
            )
            .with_detail(serde_json::json!({
                "documents_destroyed": destroyed,
                "reason": "destroy_images_after_verification",
            }));
            audit::append(&mut tx, ctx, &event).await?;
        }
        tx.commit().await?;
        Ok(state)
    }

    /// Sends a claimed submission back to the provider with the items to redo.
    pub async fn request_corrections(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        items: &[CorrectionItem],
    ) -> Result<SubmissionState, StorageError> {
        if items.is_empty() {
            return Err(StorageError::Invalid("name at least one item to correct"));
        }
        let now = now_millis();
        let mut tx = self.vault.begin_write().await?;
        require_claim(&mut tx, self.account(), submission_id).await?;
        for item in items {
            let mut subject_id = item.subject_id;
            if let Some(subject) = item.subject_id {
                belongs(&mut tx, Item::Subject, subject, submission_id).await?;
            }
            if let Some(document) = item.document_id {
                belongs(&mut tx, Item::Document, document, submission_id).await?;
                // A photo's person is recorded too, so the provider is told whose it is
                // even after the photo is retaken.
                let owner: String =
                    sqlx::query_scalar("SELECT subject_id FROM documents WHERE id = $1")
                        .bind(document.to_string())
                        .fetch_one(&mut *tx)
                        .await?;
                let owner = parse_uuid(&owner)?;
                if subject_id.is_some_and(|s| s != owner) {
                    return Err(StorageError::Invalid("the photo belongs to another person"));
                }
                subject_id = Some(owner);
            }
            sqlx::query(
                "INSERT INTO correction_requests (id, submission_id, subject_id, document_id, reason, message, \
                 requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(submission_id.to_string())
            .bind(subject_id.map(|id| id.to_string()))
            .bind(item.document_id.map(|id| id.to_string()))
            .bind(item.reason)
            .bind(item.message.clone())
            .bind(self.account().to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let event = AuditEvent::success(
            actions::CORRECTION_REQUEST,
            format!("submission:{submission_id}"),
        )
        .with_detail(serde_json::json!({
            "reasons": items.iter().map(|i| i.reason).collect::<Vec<_>>(),
            "subjects": items.iter().filter_map(|i| i.subject_id).collect::<Vec<_>>(),
            "documents": items.iter().filter_map(|i| i.document_id).collect::<Vec<_>>(),
        }));
        audit::append(&mut tx, ctx, &event).await?;
        let state = apply_transition(
            &mut tx,
            ctx,
            submission_id,
            SubmissionState::request_correction,
        )
        .await?;
        release_claim(&mut tx, submission_id).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Rejects a claimed submission with a reason code and a note.
    pub async fn reject_submission(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        reason: &'static str,
        note: &str,
    ) -> Result<SubmissionState, StorageError> {
        let mut tx = self.vault.begin_write().await?;
        require_claim(&mut tx, self.account(), submission_id).await?;
        sqlx::query(
            "INSERT INTO rejections (id, submission_id, reason, note, rejected_by, rejected_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(submission_id.to_string())
        .bind(reason)
        .bind(note.to_owned())
        .bind(self.account().to_string())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(
            actions::SUBMISSION_REJECT,
            format!("submission:{submission_id}"),
        )
        .with_detail(serde_json::json!({"reason": reason}));
        audit::append(&mut tx, ctx, &event).await?;
        let state = apply_transition(&mut tx, ctx, submission_id, SubmissionState::reject).await?;
        release_claim(&mut tx, submission_id).await?;
        tx.commit().await?;
        Ok(state)
    }
}

impl crate::Vault {
    /// The verifications recorded for a submission, oldest first.
    pub async fn recorded_verifications(
        &self,
        submission_id: Uuid,
    ) -> Result<Vec<RecordedVerification>, StorageError> {
        sqlx::query(
            "SELECT v.subject_id, v.number_check, v.identity_check, v.documents, v.relied_on, \
             v.rule_version, a.username, v.checked_at FROM verifications v \
             JOIN staff_accounts a ON a.id = v.checked_by WHERE v.submission_id = $1 \
             ORDER BY v.checked_at, v.id",
        )
        .bind(submission_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(RecordedVerification {
                subject_id: parse_uuid(&r.try_get::<String, _>("subject_id")?)?,
                number_check: r.try_get("number_check")?,
                identity_check: r.try_get("identity_check")?,
                documents: serde_json::from_str(&r.try_get::<String, _>("documents")?)
                    .map_err(|_| StorageError::Corrupt("verification documents"))?,
                relied_on: serde_json::from_str(&r.try_get::<String, _>("relied_on")?)
                    .map_err(|_| StorageError::Corrupt("verification documents"))?,
                rule_version: r.try_get("rule_version")?,
                checked_by: r.try_get("username")?,
                checked_at: r.try_get("checked_at")?,
            })
        })
        .collect()
    }
}

async fn current_state(tx: &mut Tx, id: Uuid) -> Result<SubmissionState, StorageError> {
    let row = sqlx::query("SELECT state FROM submissions WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    SubmissionState::from_code(&row.try_get::<String, _>("state")?)
        .ok_or(StorageError::Corrupt("submission state"))
}

/// Decisions need the officer's own, unexpired claim on an item in review.
async fn require_claim(
    tx: &mut Tx,
    officer: Uuid,
    submission_id: Uuid,
) -> Result<(), StorageError> {
    sqlx::query(
        "SELECT 1 FROM submissions WHERE id = $1 AND state = 'in_review' AND claimed_by = $2 \
         AND claim_expires_at > $3",
    )
    .bind(submission_id.to_string())
    .bind(officer.to_string())
    .bind(now_millis())
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or(StorageError::ClaimRequired)
}

async fn release_claim(tx: &mut Tx, submission_id: Uuid) -> Result<(), StorageError> {
    sqlx::query("UPDATE submissions SET claimed_by = NULL, claim_expires_at = NULL WHERE id = $1")
        .bind(submission_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn belongs(
    tx: &mut Tx,
    table: Item,
    id: Uuid,
    submission_id: Uuid,
) -> Result<(), StorageError> {
    let sql = match table {
        Item::Subject => "SELECT 1 FROM subjects WHERE id = $1 AND submission_id = $2",
        Item::Document => "SELECT 1 FROM documents WHERE id = $1 AND submission_id = $2",
    };
    sqlx::query(sql)
        .bind(id.to_string())
        .bind(submission_id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or(StorageError::NotFound)
}

#[derive(Clone, Copy)]
enum Item {
    Subject,
    Document,
}
