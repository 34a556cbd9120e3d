//! Staff taking a submission in on a person's behalf (代理受付): paper received by post
//! (郵送) or documents handed over in person (対面), by an officer or a branch collector.
//!
//! The staff member works through the same domain functions as the provider (the same
//! validation, sealing and pipeline) on a submission in their scope, as an audited actor
//! of their own; the hand-in records how it arrived, which documents they saw, who and
//! when. An officer still verifies it in the queue, seeing that record beside the data.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::{InvitationKind, ProviderSession, parse_uuid};
use crate::scope::{StaffVault, in_scope};
use crate::state::SubmissionState;
use crate::submissions::{MissingItem, apply_transition, hand_in};
use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// How the documents reached the employer.
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
pub enum Channel {
    /// 郵送: received by post.
    Post,
    /// 対面: handed over in person.
    InPerson,
}

domain::codes!(Channel);

/// What the staff member states at hand-in.
#[derive(Debug, Clone)]
pub struct AssistedIntake {
    /// How it arrived.
    pub channel: Channel,
    /// The document kinds the staff member saw (codes, validated by the caller).
    pub documents_seen: Vec<&'static str>,
    /// A note for the officer (free text, not audited).
    pub note: String,
}

/// A recorded hand-in on a person's behalf, as officers see it.
#[derive(Debug, Clone, Serialize)]
pub struct AssistedRecord {
    /// How it arrived (`post`, `in_person`).
    pub channel: String,
    /// The document kinds seen.
    pub documents_seen: Vec<String>,
    /// The note.
    pub note: String,
    /// Who took it in (username).
    pub taken_by: String,
    /// Their role (`officer`, `collector`).
    pub taken_by_role: String,
    /// When (Unix ms, server clock).
    pub taken_at: i64,
}

impl StaffVault<'_> {
    /// A session for staff member `staff` to work on `submission_id` on the person's
    /// behalf: the submission must be in the staff member's scope (else `NotFound`, like
    /// something that does not exist). With `open`, an untouched invitation is opened
    /// (→ draft) so that it can be filled in.
    pub async fn assisted_session(
        &self,
        ctx: &AuditContext,
        submission_id: Uuid,
        open: bool,
    ) -> Result<ProviderSession, StorageError> {
        let row = sqlx::query(concat!(
            "SELECT s.invitation_id, s.state, i.kind FROM submissions s JOIN invitations i ON i.id = s.invitation_id \
             WHERE s.id = $2 AND ",
            in_scope!()
        ))
        .bind(self.account().to_string())
        .bind(submission_id.to_string())
        .fetch_optional(&self.vault.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let kind = match row.try_get::<String, _>("kind")?.as_str() {
            "payee" => InvitationKind::Payee,
            _ => InvitationKind::Employee,
        };
        let state = SubmissionState::from_code(&row.try_get::<String, _>("state")?)
            .ok_or(StorageError::Corrupt("submission state"))?;
        if open && state == SubmissionState::Invited {
            let mut tx = self.vault.begin_write().await?;
            apply_transition(&mut tx, ctx, submission_id, SubmissionState::open).await?;
            tx.commit().await?;
        }
        Ok(ProviderSession {
            invitation_id: parse_uuid(&row.try_get::<String, _>("invitation_id")?)?,
            submission_id,
            kind,
            expires_at: 0,
        })
    }

    /// Hands the submission in on the person's behalf with the record of how it arrived,
    /// in one transaction (or lists what is still missing).
    pub async fn hand_in_assisted(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        intake: &AssistedIntake,
    ) -> Result<Result<SubmissionState, Vec<MissingItem>>, StorageError> {
        let mut tx = self.vault.begin_write().await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO assisted_intakes (id, submission_id, channel, documents_seen, note, taken_by, taken_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(session.submission_id.to_string())
        .bind(intake.channel.code())
        .bind(serde_json::json!(intake.documents_seen).to_string())
        .bind(intake.note.clone())
        .bind(self.account().to_string())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::success(
            actions::INTAKE_ASSISTED,
            format!("submission:{}", session.submission_id),
        )
        .with_detail(serde_json::json!({
            "channel": intake.channel.code(),
            "documents_seen": intake.documents_seen,
        }));
        audit::append(&mut tx, ctx, &event).await?;
        match hand_in(&mut tx, ctx, session.submission_id).await? {
            Ok(state) => {
                tx.commit().await?;
                Ok(Ok(state))
            }
            Err(missing) => {
                tx.rollback().await?;
                Ok(Err(missing))
            }
        }
    }
}

impl Vault {
    /// The hand-ins on a person's behalf recorded for a submission, oldest first.
    pub async fn assisted_records(
        &self,
        submission_id: Uuid,
    ) -> Result<Vec<AssistedRecord>, StorageError> {
        sqlx::query(
            "SELECT a.channel, a.documents_seen, a.note, a.taken_at, s.username, s.role \
             FROM assisted_intakes a JOIN staff_accounts s ON s.id = a.taken_by \
             WHERE a.submission_id = $1 ORDER BY a.taken_at, a.id",
        )
        .bind(submission_id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AssistedRecord {
                channel: r.try_get("channel")?,
                documents_seen: serde_json::from_str(&r.try_get::<String, _>("documents_seen")?)
                    .map_err(|_| StorageError::Corrupt("documents seen"))?,
                note: r.try_get("note")?,
                taken_by: r.try_get("username")?,
                taken_by_role: r.try_get("role")?,
                taken_at: r.try_get("taken_at")?,
            })
        })
        .collect()
    }
}
