//! The annual re-confirmation (年末調整, issue 17 part B, migration 0080).
//!
//! Each year the employee re-declares their dependants to the employer on the
//! 扶養控除等(異動)申告書 (所得税法第194条第1項: submitted through the employer by the day
//! before the first pay day of each year, naming each dependant with their 個人番号 —
//! text as at https://www.zeiken.co.jp/hourei/HHTOK000000/194.html; a change during the
//! year is declared under 同条第2項; the year-end adjustment itself is 所得税法第190条,
//! which relies on it). A campaign asks every
//! employee in it to confirm the record the employer holds: "no change" in one tap, or a
//! change through part A's change flows (an event holding the changed person only).
//!
//! Opening a campaign, in one transaction: one answer row per employee (person) whose
//! record is verified or released, and a fresh link for each — the record's own invitation
//! is re-issued (a new token, stored hashed, as `reissue_invitation` does; the old link and
//! its sessions stop working), so signing in, the birth-date second factor, the lockout
//! and the provider's pages are the invitation's own. The answer rows hold no name and no
//! number: the public side reads and answers them; names come from the invitation (the
//! internal side's lists).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::{CreatedInvitation, EmailAddress, ProviderSession, parse_uuid};
use crate::org::BranchCode;
use crate::secret_token::SecretToken;
use crate::sql::Sql;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Answer rows written per INSERT statement when a campaign opens.
const INSERT_BATCH: usize = 200;

/// What an admin asks for.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The year re-confirmed (the 年末調整 of that year).
    pub year: i32,
    /// The branches in it; empty: every branch (and employees without one).
    pub branches: Vec<BranchCode>,
    /// How long the links work, in days.
    pub links_valid_days: i64,
}

/// One employee's fresh link, shown once (for the e-mail or the printed sheet).
#[derive(Debug)]
pub struct CampaignLink {
    /// The re-issued invitation, its record, and the token.
    pub invitation: CreatedInvitation,
    /// The roster name (as on the invitation).
    pub name: String,
    /// The employee code.
    pub employee_code: Option<String>,
    /// The branch.
    pub branch: Option<String>,
    /// Where the invitation's link went, if anywhere.
    pub email: Option<EmailAddress>,
}

/// A campaign just opened.
#[derive(Debug)]
pub struct OpenedCampaign {
    /// Its id.
    pub id: Uuid,
    /// When its links stop working (Unix ms).
    pub links_until: i64,
    /// One link per employee in it.
    pub links: Vec<CampaignLink>,
}

/// How one branch stands.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct BranchProgress {
    /// The branch (`None`: employees without one).
    pub branch: Option<String>,
    /// Answered 「変更なし」.
    pub no_change: i64,
    /// Answered with a change handed in.
    pub changed: i64,
    /// Not answered yet.
    pub not_yet: i64,
}

/// A campaign and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignSummary {
    /// Its id.
    pub id: Uuid,
    /// The year.
    pub year: i32,
    /// The branches it covers (empty: all).
    pub branches: Vec<String>,
    /// When it opened (Unix ms).
    pub opened_at: i64,
    /// Who opened it (`staff:<id>`).
    pub opened_by: String,
    /// When its links stop working.
    pub links_until: i64,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// Per branch, in code order.
    pub progress: Vec<BranchProgress>,
    /// The sums.
    pub total: BranchProgress,
}

/// An employee who has not answered (for the admin's list and CSV): no number.
#[derive(Debug, Clone, Serialize)]
pub struct Unanswered {
    /// The employee code.
    pub employee_code: Option<String>,
    /// The roster name.
    pub name: String,
    /// Its furigana, when the roster had it.
    pub name_kana: Option<String>,
    /// The branch.
    pub branch: Option<String>,
    /// Whether the link went by e-mail (else on paper).
    pub emailed: bool,
}

/// The employee's own view of the campaign they are in.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderCampaign {
    /// The campaign.
    pub campaign_id: Uuid,
    /// The year.
    pub year: i32,
    /// `no_change`, `changed`, or `None` (not yet).
    pub answer: Option<String>,
    /// When they answered.
    pub answered_at: Option<i64>,
    /// Whether the campaign is still open (answers are taken).
    pub open: bool,
}

/// What a 「変更なし」 tap did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoChangeOutcome {
    /// Recorded now.
    Recorded,
    /// Already answered (a second tap, or a change already handed in): nothing changed.
    AlreadyAnswered,
}

/// Someone a reminder goes to: the address only (no name, no link).
#[derive(Debug, Clone)]
pub struct ReminderAddress {
    /// The answer row.
    pub answer_id: Uuid,
    /// The address the campaign's link went to.
    pub email: EmailAddress,
}

fn branches_text(branches: &[BranchCode]) -> Option<String> {
    (!branches.is_empty()).then(|| {
        branches
            .iter()
            .map(BranchCode::as_str)
            .collect::<Vec<_>>()
            .join(",")
    })
}

impl Vault {
    /// Opens a campaign: every employee (not payee) whose collected record is verified or
    /// released, not revoked, in the branches asked for, and not already in an open
    /// campaign, gets an answer row and a fresh link — all in one transaction, with one
    /// audit entry for the campaign (no name, no token).
    pub async fn open_campaign(
        &self,
        ctx: &AuditContext,
        new: &NewCampaign,
    ) -> Result<OpenedCampaign, StorageError> {
        let now = now_millis();
        let links_until = now + new.links_valid_days.max(1) * crate::invitations::DAY_MILLIS;
        let id = Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO campaigns (id, year, branches, opened_by, opened_at, links_until) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(i64::from(new.year))
        .bind(branches_text(&new.branches))
        .bind(ctx.actor.label())
        .bind(now)
        .bind(links_until)
        .execute(&mut *tx)
        .await?;
        let mut sql = Sql::new(
            "SELECT s.id AS record_id, s.person_id, s.branch_code, i.id AS invitation_id, \
             i.display_name, i.employee_code, i.email \
             FROM submissions s JOIN invitations i ON i.id = s.invitation_id \
             WHERE s.event = 'collection' AND i.kind = 'employee' \
             AND s.state IN ('verified', 'released') AND i.revoked_at IS NULL \
             AND s.person_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM submissions later WHERE later.person_id = s.person_id \
                 AND later.event = 'collection' AND later.created_at > s.created_at) \
             AND NOT EXISTS (SELECT 1 FROM campaign_answers a JOIN campaigns c ON c.id = a.campaign_id \
                 WHERE a.person_id = s.person_id AND c.closed_at IS NULL AND c.id <> ",
        );
        sql.push_bind(id.to_string()).push(")");
        // Only a person's latest collection (a re-hire's, not the earlier employment's), and
        // nobody who has already left: HR's leaving date (person_leavings) on or before
        // today in Japan ends the employment, and with it the year-end adjustment here
        // (所得税法第190条: the adjustment is made by the employer paying at the year's end).
        sql.push(
            " AND NOT EXISTS (SELECT 1 FROM person_leavings l WHERE l.person_id = s.person_id \
             AND l.left_on <= ",
        )
        .push_bind(crate::retention::iso(crate::retention::japan_date(now)))
        .push(")");
        if !new.branches.is_empty() {
            sql.push(" AND s.branch_code IN (");
            for (k, b) in new.branches.iter().enumerate() {
                if k > 0 {
                    sql.push(", ");
                }
                sql.push_bind(b.as_str());
            }
            sql.push(")");
        }
        sql.push(" ORDER BY s.branch_code, i.employee_code, s.created_at, s.id");
        let rows = sql.query().fetch_all(&mut *tx).await?;
        let mut seen = HashSet::new();
        let mut links = Vec::with_capacity(rows.len());
        let mut answers = Vec::with_capacity(rows.len());
        for row in &rows {
            let person: String = row.try_get("person_id")?;
            // One answer per person, even if a second collection exists for them.
            if !seen.insert(person.clone()) {
                continue;
            }
            let invitation = parse_uuid(&row.try_get::<String, _>("invitation_id")?)?;
            let record = parse_uuid(&row.try_get::<String, _>("record_id")?)?;
            let branch: Option<String> = row.try_get("branch_code")?;
            let token = SecretToken::generate();
            // The invitation's link is re-issued, as `reissue_invitation` does, expiring
            // with the campaign's links.
            sqlx::query(
                "UPDATE invitations SET token_hash = $1, expires_at = $2, issued_at = $3, \
                 issued_count = issued_count + 1, failed_attempts = 0, locked_until = NULL, \
                 emailed_at = NULL WHERE id = $4",
            )
            .bind(token.hash().0.to_vec())
            .bind(links_until)
            .bind(now)
            .bind(invitation.to_string())
            .execute(&mut *tx)
            .await?;
            answers.push((Uuid::now_v7(), person, record, invitation, branch.clone()));
            links.push(CampaignLink {
                invitation: CreatedInvitation {
                    id: invitation,
                    submission_id: record,
                    token,
                    expires_at: links_until,
                },
                name: row.try_get("display_name")?,
                employee_code: row.try_get("employee_code")?,
                branch,
                email: row
                    .try_get::<Option<String>, _>("email")?
                    .and_then(|e| EmailAddress::parse(&e).ok()),
            });
        }
        for chunk in answers.chunks(INSERT_BATCH) {
            let mut insert = Sql::new(
                "INSERT INTO campaign_answers (id, campaign_id, person_id, record_id, invitation_id, \
                 branch_code) VALUES ",
            );
            for (k, (answer, person, record, invitation, branch)) in chunk.iter().enumerate() {
                if k > 0 {
                    insert.push(", ");
                }
                insert.push("(").push_bind(answer.to_string()).push(", ");
                insert.push_bind(id.to_string()).push(", ");
                insert.push_bind(person.as_str()).push(", ");
                insert.push_bind(record.to_string()).push(", ");
                insert.push_bind(invitation.to_string()).push(", ");
                match branch {
                    Some(b) => insert.push_bind(b.as_str()),
                    None => insert.push("NULL"),
                };
                insert.push(")");
            }
            insert.query().execute(&mut *tx).await?;
        }
        // The old links' sessions end with them.
        sqlx::query(
            "DELETE FROM provider_sessions WHERE invitation_id IN \
             (SELECT invitation_id FROM campaign_answers WHERE campaign_id = $1)",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(actions::CAMPAIGN_OPEN, format!("campaign:{id}"))
            .with_detail(serde_json::json!({
                "year": new.year,
                "branches": new.branches.iter().map(BranchCode::as_str).collect::<Vec<_>>(),
                "employees": links.len(),
                "links_until": links_until,
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(OpenedCampaign {
            id,
            links_until,
            links,
        })
    }

    /// Every campaign, newest first, each with its progress.
    pub async fn campaigns(&self) -> Result<Vec<CampaignSummary>, StorageError> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM campaigns ORDER BY opened_at DESC, id DESC")
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.campaign(parse_uuid(&id)?).await?);
        }
        Ok(out)
    }

    /// One campaign and its progress per branch: one grouped scan of the answers' index
    /// (`campaign_answers_progress`), whatever the number of employees.
    pub async fn campaign(&self, id: Uuid) -> Result<CampaignSummary, StorageError> {
        let row = sqlx::query(
            "SELECT year, branches, opened_at, opened_by, links_until, closed_at FROM campaigns \
             WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let counts = sqlx::query(
            "SELECT branch_code, answer, COUNT(*) AS n FROM campaign_answers WHERE campaign_id = $1 \
             GROUP BY branch_code, answer",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut by_branch: BTreeMap<Option<String>, BranchProgress> = BTreeMap::new();
        let mut total = BranchProgress::default();
        for c in &counts {
            let branch: Option<String> = c.try_get("branch_code")?;
            let answer: Option<String> = c.try_get("answer")?;
            let n: i64 = c.try_get("n")?;
            let line = by_branch
                .entry(branch.clone())
                .or_insert_with(|| BranchProgress {
                    branch,
                    ..BranchProgress::default()
                });
            for p in [line, &mut total] {
                match answer.as_deref() {
                    Some("no_change") => p.no_change += n,
                    Some("changed") => p.changed += n,
                    _ => p.not_yet += n,
                }
            }
        }
        Ok(CampaignSummary {
            id,
            year: i32::try_from(row.try_get::<i64, _>("year")?)
                .map_err(|_| StorageError::Corrupt("campaign year"))?,
            branches: row
                .try_get::<Option<String>, _>("branches")?
                .map(|b| b.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            opened_at: row.try_get("opened_at")?,
            opened_by: row.try_get("opened_by")?,
            links_until: row.try_get("links_until")?,
            closed_at: row.try_get("closed_at")?,
            progress: by_branch.into_values().collect(),
            total,
        })
    }

    /// Who has not answered, by branch and employee code (names from the roster; no
    /// number).
    pub async fn campaign_unanswered(&self, id: Uuid) -> Result<Vec<Unanswered>, StorageError> {
        self.campaign(id).await?;
        sqlx::query(
            "SELECT i.employee_code, i.display_name, i.name_kana, a.branch_code, \
             CAST(CASE WHEN i.emailed_at IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS emailed \
             FROM campaign_answers a JOIN invitations i ON i.id = a.invitation_id \
             WHERE a.campaign_id = $1 AND a.answer IS NULL \
             ORDER BY a.branch_code, i.employee_code, a.id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Unanswered {
                employee_code: r.try_get("employee_code")?,
                name: r.try_get("display_name")?,
                name_kana: r.try_get("name_kana")?,
                branch: r.try_get("branch_code")?,
                emailed: r.try_get::<i64, _>("emailed")? != 0,
            })
        })
        .collect()
    }

    /// Closes a campaign (audited, with how many answered and how many did not): no answer
    /// is taken afterwards. 409 when it is already closed.
    pub async fn close_campaign(&self, ctx: &AuditContext, id: Uuid) -> Result<(), StorageError> {
        let summary = self.campaign(id).await?;
        let mut tx = self.begin_write().await?;
        let closed = sqlx::query(
            "UPDATE campaigns SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL",
        )
        .bind(now_millis())
        .bind(ctx.actor.label())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if closed == 0 {
            return Err(StorageError::Conflict("the campaign is already closed"));
        }
        let event = AuditEvent::success(actions::CAMPAIGN_CLOSE, format!("campaign:{id}"))
            .with_detail(serde_json::json!({
                "year": summary.year,
                "no_change": summary.total.no_change,
                "changed": summary.total.changed,
                "not_answered": summary.total.not_yet,
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims the reminders of an open campaign: the e-mail address of each employee who
    /// has not answered and whose link went by e-mail, not reminded in the last
    /// `min_gap_ms`. Marked in one statement before anything is sent, audited once.
    pub async fn claim_campaign_reminders(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        min_gap_ms: i64,
    ) -> Result<Vec<ReminderAddress>, StorageError> {
        let summary = self.campaign(id).await?;
        if summary.closed_at.is_some() {
            return Err(StorageError::Conflict("the campaign is closed"));
        }
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT a.id, i.email FROM campaign_answers a JOIN invitations i ON i.id = a.invitation_id \
             WHERE a.campaign_id = $1 AND a.answer IS NULL AND i.email IS NOT NULL \
             AND i.emailed_at IS NOT NULL AND (a.reminded_at IS NULL OR a.reminded_at <= $2) \
             ORDER BY a.id",
        )
        .bind(id.to_string())
        .bind(now - min_gap_ms)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let answer: String = row.try_get("id")?;
            let won = sqlx::query(
                "UPDATE campaign_answers SET reminded_at = $1, reminders_sent = reminders_sent + 1 \
                 WHERE id = $2 AND answer IS NULL AND (reminded_at IS NULL OR reminded_at <= $3)",
            )
            .bind(now)
            .bind(answer.clone())
            .bind(now - min_gap_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if won == 1
                && let Ok(email) = EmailAddress::parse(&row.try_get::<String, _>("email")?)
            {
                out.push(ReminderAddress {
                    answer_id: parse_uuid(&answer)?,
                    email,
                });
            }
        }
        let event = AuditEvent::success(actions::CAMPAIGN_REMIND, format!("campaign:{id}"))
            .with_detail(serde_json::json!({ "reminders": out.len() }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The campaign the signed-in employee is in (the open one first, else the latest).
    pub async fn provider_campaign(
        &self,
        session: &ProviderSession,
    ) -> Result<Option<ProviderCampaign>, StorageError> {
        let row = sqlx::query(
            "SELECT c.id, c.year, c.closed_at, a.answer, a.answered_at FROM campaign_answers a \
             JOIN campaigns c ON c.id = a.campaign_id WHERE a.invitation_id = $1 \
             ORDER BY CASE WHEN c.closed_at IS NULL THEN 0 ELSE 1 END, c.opened_at DESC LIMIT 1",
        )
        .bind(session.invitation_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ProviderCampaign {
                campaign_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                year: i32::try_from(r.try_get::<i64, _>("year")?)
                    .map_err(|_| StorageError::Corrupt("campaign year"))?,
                answer: r.try_get("answer")?,
                answered_at: r.try_get("answered_at")?,
                open: r.try_get::<Option<i64>, _>("closed_at")?.is_none(),
            })
        })
        .transpose()
    }

    /// The employee answers 「変更なし」 for their open campaign. Counted once: of two taps
    /// at the same moment, the second finds the row answered (the UPDATE's condition is
    /// checked under the row's lock) and records nothing.
    pub async fn answer_no_change(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
    ) -> Result<NoChangeOutcome, StorageError> {
        let mut tx = self.begin_write().await?;
        let answer: Option<String> = sqlx::query_scalar(
            "SELECT a.id FROM campaign_answers a JOIN campaigns c ON c.id = a.campaign_id \
             WHERE a.invitation_id = $1 AND c.closed_at IS NULL",
        )
        .bind(session.invitation_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let answer = answer.ok_or(StorageError::NotFound)?;
        let recorded = sqlx::query(
            "UPDATE campaign_answers SET answer = 'no_change', answered_at = $1 \
             WHERE id = $2 AND answer IS NULL",
        )
        .bind(now_millis())
        .bind(answer.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if recorded == 0 {
            return Ok(NoChangeOutcome::AlreadyAnswered);
        }
        let event = AuditEvent::success(
            actions::CAMPAIGN_ANSWER,
            format!("campaign_answer:{answer}"),
        )
        .with_detail(serde_json::json!({ "answer": "no_change" }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(NoChangeOutcome::Recorded)
    }
}

/// Called when a change event is handed in, inside that transaction: the holder's answer
/// in an open campaign becomes `changed`, naming the change (a 「変更なし」 given before is
/// replaced: the change is what the employer must act on).
pub(crate) async fn note_change_handed_in(
    tx: &mut Tx,
    ctx: &AuditContext,
    submission: Uuid,
) -> Result<(), StorageError> {
    let row = sqlx::query("SELECT person_id, event FROM submissions WHERE id = $1")
        .bind(submission.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(()) };
    if row.try_get::<String, _>("event")? != "change" {
        return Ok(());
    }
    let Some(person) = row.try_get::<Option<String>, _>("person_id")? else {
        return Ok(());
    };
    let answer: Option<String> = sqlx::query_scalar(
        "SELECT a.id FROM campaign_answers a JOIN campaigns c ON c.id = a.campaign_id \
         WHERE a.person_id = $1 AND c.closed_at IS NULL AND (a.answer IS NULL OR a.answer = 'no_change')",
    )
    .bind(person)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(answer) = answer else { return Ok(()) };
    sqlx::query(
        "UPDATE campaign_answers SET answer = 'changed', change_id = $1, answered_at = $2 WHERE id = $3",
    )
    .bind(submission.to_string())
    .bind(now_millis())
    .bind(answer.clone())
    .execute(&mut **tx)
    .await?;
    let event = AuditEvent::success(
        actions::CAMPAIGN_ANSWER,
        format!("campaign_answer:{answer}"),
    )
    .with_detail(serde_json::json!({ "answer": "changed", "change": submission }));
    audit::append(tx, ctx, &event).await?;
    Ok(())
}
