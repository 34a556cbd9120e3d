//! The admins' side of invitations: the list with each link's state, revocation, re-issue
//! (a new link replaces the old, which stops working: tokens are stored hashed, so an old
//! link can never be "resent"), and the record that a link was e-mailed.

use std::collections::HashSet;

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::{CreatedInvitation, DAY_MILLIS, InvitationKind, parse_uuid};
use crate::org::BranchCode;
use crate::secret_token::SecretToken;
use crate::state::SubmissionState;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// Whether a link still opens.
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
pub enum LinkState {
    /// Opens (until `expires_at`).
    Active,
    /// Past its expiry; re-issue to send a new one.
    Expired,
    /// Revoked by an admin; final.
    Revoked,
}

domain::codes!(LinkState);

/// One invitation as the admins' list shows it. Holds no token and no number.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationLine {
    /// The invitation.
    pub id: Uuid,
    /// Its submission.
    pub submission_id: Uuid,
    /// Employee or payee.
    pub kind: InvitationKind,
    /// The invited person's name.
    pub name: String,
    /// Furigana from the roster.
    pub name_kana: Option<String>,
    /// The employer's code.
    pub employee_code: Option<String>,
    /// Branch or department.
    pub branch: Option<String>,
    /// Where the link is e-mailed.
    pub email: Option<String>,
    /// Whether sign-in asks for the birth date.
    pub second_factor: bool,
    /// Created (Unix ms).
    pub created_at: i64,
    /// The current link's expiry (Unix ms).
    pub expires_at: i64,
    /// Revoked (Unix ms).
    pub revoked_at: Option<i64>,
    /// The current link was e-mailed (Unix ms).
    pub emailed_at: Option<i64>,
    /// How many links were issued (1 + re-issues).
    pub issued_count: i64,
    /// The submission's state.
    pub state: SubmissionState,
    /// Whether the link opens.
    pub link: LinkState,
}

/// Which invitations to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct InvitationQuery {
    /// Only links in this state.
    pub link: Option<LinkState>,
    /// Only this branch.
    pub branch: Option<BranchCode>,
    /// Only this employee code.
    pub employee_code: Option<String>,
    /// The page after this invitation (its creation time and id).
    pub before: Option<(i64, Uuid)>,
    /// At most this many (1..=500).
    pub limit: i64,
}

const SELECT: &str = "SELECT i.id, s.id AS submission_id, i.kind, i.display_name, i.name_kana, \
     i.employee_code, i.branch_code, i.email, i.birth_date, i.created_at, i.expires_at, \
     i.revoked_at, i.emailed_at, i.issued_count, s.state \
     FROM invitations i JOIN submissions s ON s.invitation_id = i.id";

fn line(row: &sqlx::any::AnyRow, now: i64) -> Result<InvitationLine, StorageError> {
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let link = match revoked_at {
        Some(_) => LinkState::Revoked,
        None if expires_at <= now => LinkState::Expired,
        None => LinkState::Active,
    };
    Ok(InvitationLine {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        submission_id: parse_uuid(&row.try_get::<String, _>("submission_id")?)?,
        kind: InvitationKind::from_code(&row.try_get::<String, _>("kind")?)
            .ok_or(StorageError::Corrupt("invitation kind"))?,
        name: row.try_get("display_name")?,
        name_kana: row.try_get("name_kana")?,
        employee_code: row.try_get("employee_code")?,
        branch: row.try_get("branch_code")?,
        email: row.try_get("email")?,
        second_factor: row.try_get::<Option<String>, _>("birth_date")?.is_some(),
        created_at: row.try_get("created_at")?,
        expires_at,
        revoked_at,
        emailed_at: row.try_get("emailed_at")?,
        issued_count: row.try_get("issued_count")?,
        state: SubmissionState::from_code(&row.try_get::<String, _>("state")?)
            .ok_or(StorageError::Corrupt("submission state"))?,
        link,
    })
}

impl Vault {
    /// Invitations, newest first, filtered; the filters are SQL, the page is `LIMIT`ed.
    pub async fn invitations(
        &self,
        query: &InvitationQuery,
    ) -> Result<Vec<InvitationLine>, StorageError> {
        let now = now_millis();
        let mut sql = format!("{SELECT} WHERE s.event = 'collection'");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        match query.link {
            Some(LinkState::Revoked) => sql.push_str(" AND i.revoked_at IS NOT NULL"),
            Some(LinkState::Expired) => {
                sql.push_str(&format!(
                    " AND i.revoked_at IS NULL AND i.expires_at <= {}",
                    next()
                ));
            }
            Some(LinkState::Active) => {
                sql.push_str(&format!(
                    " AND i.revoked_at IS NULL AND i.expires_at > {}",
                    next()
                ));
            }
            None => {}
        }
        if query.branch.is_some() {
            sql.push_str(&format!(" AND i.branch_code = {}", next()));
        }
        if query.employee_code.is_some() {
            sql.push_str(&format!(" AND i.employee_code = {}", next()));
        }
        if query.before.is_some() {
            let (a, b, c) = (next(), next(), next());
            sql.push_str(&format!(
                " AND (i.created_at < {a} OR (i.created_at = {b} AND i.id < {c}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY i.created_at DESC, i.id DESC LIMIT {}",
            query.limit.clamp(1, 500)
        ));
        // Only placeholders and fixed fragments are formatted in; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if matches!(query.link, Some(LinkState::Expired | LinkState::Active)) {
            q = q.bind(now);
        }
        if let Some(branch) = &query.branch {
            q = q.bind(branch.as_str().to_owned());
        }
        if let Some(code) = &query.employee_code {
            q = q.bind(code.clone());
        }
        if let Some((at, id)) = query.before {
            q = q.bind(at).bind(at).bind(id.to_string());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| line(r, now)).collect()
    }

    /// One invitation.
    pub async fn invitation(&self, id: Uuid) -> Result<InvitationLine, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE i.id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        line(&row, now_millis())
    }

    /// The name and furigana HR gave for an invitation: the person's own form starts from
    /// them until the person saves their own.
    pub async fn invitation_roster_name(
        &self,
        id: Uuid,
    ) -> Result<(String, Option<String>), StorageError> {
        let row = sqlx::query("SELECT display_name, name_kana FROM invitations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        Ok((row.try_get("display_name")?, row.try_get("name_kana")?))
    }

    /// The employee codes that already have an invitation in use: not revoked, and its
    /// submission neither rejected nor disposed. A roster upload refuses these (re-issue
    /// or revoke the existing one instead of making a second record of the person). A person
    /// who has left is not among them: inviting their code again is a re-hire.
    pub async fn invited_employee_codes(&self) -> Result<HashSet<String>, StorageError> {
        let rows = sqlx::query(
            "SELECT i.live_employee_code FROM invitations i WHERE i.live_employee_code IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM submissions s JOIN person_leavings l ON l.person_id = s.person_id \
             WHERE s.invitation_id = i.id AND s.state IN ('verified', 'released'))",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                r.try_get::<String, _>("live_employee_code")
                    .map_err(StorageError::from)
            })
            .collect()
    }

    /// Revokes a link for good and ends its sessions. What the person already handed in
    /// stays in the officers' queue; a number or photo saved but never handed in has no use
    /// any more and goes on the disposal list (`retention::DisposalReason::InvitationRevoked`).
    pub async fn revoke_invitation(
        &self,
        ctx: &AuditContext,
        id: Uuid,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let revoked = sqlx::query(
            "UPDATE invitations SET revoked_at = $1, revoked_by = $2, live_employee_code = NULL \
             WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(now_millis())
        .bind(ctx.actor.label())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            let exists = sqlx::query("SELECT 1 AS one FROM invitations WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            return Err(if exists {
                StorageError::Conflict("the invitation is already revoked")
            } else {
                StorageError::NotFound
            });
        }
        sqlx::query("DELETE FROM provider_sessions WHERE invitation_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::success(actions::INVITATION_REVOKE, format!("invitation:{id}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new link for the same invitation and submission: the old link and its sessions
    /// stop working, the attempt counter resets, the expiry restarts. Refused for a revoked
    /// invitation and a disposed submission.
    pub async fn reissue_invitation(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        valid_days: i64,
    ) -> Result<CreatedInvitation, StorageError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            // A change event's own invitation carries no link and is never issued one.
            "SELECT i.revoked_at, s.id AS submission_id, s.state FROM invitations i \
             JOIN submissions s ON s.invitation_id = i.id WHERE i.id = $1 AND s.event = 'collection'",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            return Err(StorageError::Conflict("the invitation is revoked"));
        }
        if row.try_get::<String, _>("state")? == SubmissionState::Disposed.code() {
            return Err(StorageError::Conflict("the submission is disposed"));
        }
        let submission_id = parse_uuid(&row.try_get::<String, _>("submission_id")?)?;
        let token = SecretToken::generate();
        let expires_at = now + valid_days.max(1) * DAY_MILLIS;
        sqlx::query(
            "UPDATE invitations SET token_hash = $1, expires_at = $2, issued_at = $3, \
             issued_count = issued_count + 1, failed_attempts = 0, locked_until = NULL, \
             emailed_at = NULL WHERE id = $4",
        )
        .bind(token.hash().0.to_vec())
        .bind(expires_at)
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM provider_sessions WHERE invitation_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let event = AuditEvent::success(actions::INVITATION_REISSUE, format!("invitation:{id}"))
            .with_detail(serde_json::json!({ "expires_at": expires_at }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(CreatedInvitation {
            id,
            submission_id,
            token,
            expires_at,
        })
    }

    /// Records that the current link was e-mailed, or that the SMTP server refused it.
    pub async fn note_invitation_emailed(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        sent: bool,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        if sent {
            sqlx::query("UPDATE invitations SET emailed_at = $1 WHERE id = $2")
                .bind(now_millis())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let target = format!("invitation:{id}");
        let event = if sent {
            AuditEvent::success(actions::INVITATION_EMAIL, target)
        } else {
            AuditEvent::denied(actions::INVITATION_EMAIL, target)
                .with_detail(serde_json::json!({ "reason": "smtp" }))
        };
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(())
    }
}
