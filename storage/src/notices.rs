//! What the periodic notice job sends (issue 18): alerts to the people who must act on
//! them, and reminders to providers who have not handed in. Each notice is claimed by one
//! statement that sets its "sent" column only if it was still unset, so any number of
//! instances may run the job; a notice whose delivery failed is released to be tried again.
//! Nothing here returns a number, a name or a link token: a reminder gets the address it
//! goes to and nothing else of the person.

use sqlx::Row;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::parse_uuid;
use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// An alert to tell people about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertNotice {
    /// The alert's row.
    pub id: String,
    /// Which rule raised it (`mass_unseal`, …).
    pub rule: String,
    /// When (Unix ms).
    pub raised_at: i64,
}

/// A reminder to send: where, and what kind of provider (for the wording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderNotice {
    /// The invitation.
    pub invitation_id: uuid::Uuid,
    /// Where the invitation was e-mailed.
    pub email: String,
    /// `employee` or `payee`.
    pub kind: String,
    /// When the link stops working (Unix ms).
    pub expires_at: i64,
    /// The how-manieth reminder this is (1-based).
    pub nth: i64,
}

/// When reminders go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRule {
    /// The first, this long after the invitation was issued (ms).
    pub after_ms: i64,
    /// The next ones, this long after the previous (ms).
    pub every_ms: i64,
    /// At most this many.
    pub max: i64,
}

impl Vault {
    /// Claims up to `limit` alerts nobody was told about yet, oldest first.
    pub async fn claim_alert_notices(&self, limit: i64) -> Result<Vec<AlertNotice>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, rule, raised_at FROM alerts WHERE notified_at IS NULL \
             ORDER BY raised_at, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let now = now_millis();
        let mut claimed = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let won = sqlx::query(
                "UPDATE alerts SET notified_at = $1 WHERE id = $2 AND notified_at IS NULL",
            )
            .bind(now)
            .bind(id.clone())
            .execute(&self.pool)
            .await?
            .rows_affected();
            if won == 1 {
                claimed.push(AlertNotice {
                    id,
                    rule: row.try_get("rule")?,
                    raised_at: row.try_get("raised_at")?,
                });
            }
        }
        Ok(claimed)
    }

    /// Records that an alert's notice went out (audited `alert.notify`, with the rule and
    /// how many addresses, never which), or releases it to be tried again.
    pub async fn finish_alert_notice(
        &self,
        notice: &AlertNotice,
        delivered_to: Option<usize>,
    ) -> Result<(), StorageError> {
        match delivered_to {
            Some(count) => {
                self.record(
                    &AuditContext::system(),
                    AuditEvent::success(actions::ALERT_NOTIFY, format!("alert:{}", notice.id))
                        .with_detail(
                            serde_json::json!({ "rule": notice.rule, "recipients": count }),
                        ),
                )
                .await?;
            }
            None => {
                sqlx::query("UPDATE alerts SET notified_at = NULL WHERE id = $1")
                    .bind(notice.id.clone())
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The e-mail addresses of the enabled accounts of these roles (the auditors, who
    /// read alerts).
    pub async fn staff_emails(&self, roles: &[&str]) -> Result<Vec<String>, StorageError> {
        let mut out = Vec::new();
        for role in roles {
            let rows = sqlx::query(
                "SELECT email FROM staff_accounts WHERE role = $1 AND disabled_at IS NULL \
                 AND email IS NOT NULL ORDER BY username",
            )
            .bind((*role).to_owned())
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                out.push(row.try_get("email")?);
            }
        }
        Ok(out)
    }

    /// Claims up to `limit` reminders due at `now` under `rule`: invitations sent by
    /// e-mail, live (not revoked, not expired), whose person has not handed in (invited,
    /// draft, or sent back for corrections), issued at least `after_ms` ago and not
    /// reminded within `every_ms`, fewer than `max` times. Each claim is audited
    /// (`invitation.remind`).
    pub async fn claim_reminders(
        &self,
        rule: ReminderRule,
        now: i64,
        limit: i64,
    ) -> Result<Vec<ReminderNotice>, StorageError> {
        let rows = sqlx::query(
            "SELECT i.id, i.email, i.kind, i.expires_at, i.reminded_at, i.reminders_sent \
             FROM invitations i JOIN submissions s ON s.invitation_id = i.id \
             WHERE i.email IS NOT NULL AND i.emailed_at IS NOT NULL AND i.revoked_at IS NULL \
             AND i.expires_at > $1 \
             AND s.state IN ('invited', 'draft', 'correction_requested') \
             AND COALESCE(i.issued_at, i.created_at) <= $2 \
             AND (i.reminded_at IS NULL OR i.reminded_at <= $3) \
             AND i.reminders_sent < $4 \
             ORDER BY i.created_at, i.id LIMIT $5",
        )
        .bind(now)
        .bind(now - rule.after_ms)
        .bind(now - rule.every_ms)
        .bind(rule.max)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let sent: i64 = row.try_get("reminders_sent")?;
            // Claimed only if nobody else sent it meanwhile.
            let won = sqlx::query(
                "UPDATE invitations SET reminded_at = $1, reminders_sent = reminders_sent + 1 \
                 WHERE id = $2 AND reminders_sent = $3",
            )
            .bind(now)
            .bind(id.clone())
            .bind(sent)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if won != 1 {
                continue;
            }
            let invitation_id = parse_uuid(&id)?;
            let mut tx = self.begin_write().await?;
            audit::append(
                &mut tx,
                &AuditContext::system(),
                &AuditEvent::success(actions::INVITATION_REMIND, format!("invitation:{id}"))
                    .with_detail(serde_json::json!({ "nth": sent + 1 })),
            )
            .await?;
            tx.commit().await?;
            claimed.push(ReminderNotice {
                invitation_id,
                email: row.try_get("email")?,
                kind: row.try_get("kind")?,
                expires_at: row.try_get("expires_at")?,
                nth: sent + 1,
            });
        }
        Ok(claimed)
    }

    /// Releases a reminder whose e-mail could not be sent, to be tried again.
    pub async fn release_reminder(&self, notice: &ReminderNotice) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE invitations SET reminders_sent = reminders_sent - 1, reminded_at = NULL \
             WHERE id = $1 AND reminders_sent = $2",
        )
        .bind(notice.invitation_id.to_string())
        .bind(notice.nth)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
