//! Incidents (情報漏えい等事案): whose numbers or images did given accounts unseal?
//!
//! Answers from the audit trail alone: every unseal entry names its target
//! (`subject:<id>` or `document:<id>`); both lead to a person. The PPC must be notified
//! when more than 100 people are affected (or on any deliberate leak), so the answer
//! carries the count.

use serde::Serialize;
use sqlx::Row;

use crate::audit::actions;
use crate::invitations::parse_uuid;
use crate::{StorageError, Vault};

/// Affected people above which the PPC report is due regardless of intent.
pub const PPC_REPORT_THRESHOLD: usize = 100;

/// A person whose number or images were unsealed.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedPerson {
    /// The subject (person).
    pub subject_id: uuid::Uuid,
    /// Their submission.
    pub submission_id: uuid::Uuid,
    /// Name, for the notification.
    pub name: String,
    /// How many unseals touched them.
    pub unseals: i64,
    /// First and last unseal (Unix ms).
    pub first_at: i64,
    /// Last unseal (Unix ms).
    pub last_at: i64,
}

/// The answer for an incident.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentScope {
    /// People affected.
    pub people: Vec<AffectedPerson>,
    /// Whether the count alone makes the PPC report due.
    pub ppc_report_due: bool,
}

impl Vault {
    /// People whose numbers or images `actors` (audit actor labels) unsealed in
    /// `[from, to)` (Unix ms).
    pub async fn incident_scope(
        &self,
        actors: &[String],
        from: i64,
        to: i64,
    ) -> Result<IncidentScope, StorageError> {
        let mut by_subject: std::collections::BTreeMap<String, (i64, i64, i64)> =
            Default::default();
        for actor in actors {
            // A document's person is its subject; a subject target is the person.
            let rows = sqlx::query(
                "SELECT COALESCE(d.subject_id, SUBSTR(a.target, 9)) AS subject_id, a.at FROM audit_log a \
                 LEFT JOIN documents d ON a.target = 'document:' || d.id \
                 WHERE a.actor = $1 AND a.action IN ($2, $3) AND a.outcome = 'success' AND a.at >= $4 AND a.at < $5",
            )
            .bind(actor.clone())
            .bind(actions::DOCUMENT_UNSEAL)
            .bind(actions::NUMBER_UNSEAL)
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let at: i64 = r.try_get("at")?;
                let entry = by_subject
                    .entry(r.try_get("subject_id")?)
                    .or_insert((0, at, at));
                entry.0 += 1;
                entry.1 = entry.1.min(at);
                entry.2 = entry.2.max(at);
            }
        }
        let mut people = Vec::new();
        for (subject_id, (unseals, first_at, last_at)) in by_subject {
            let row = sqlx::query("SELECT submission_id, name FROM subjects WHERE id = $1")
                .bind(subject_id.clone())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StorageError::Corrupt(
                    "an unseal entry names an unknown person",
                ))?;
            people.push(AffectedPerson {
                subject_id: parse_uuid(&subject_id)?,
                submission_id: parse_uuid(&row.try_get::<String, _>("submission_id")?)?,
                name: row.try_get("name")?,
                unseals,
                first_at,
                last_at,
            });
        }
        Ok(IncidentScope {
            ppc_report_due: people.len() > PPC_REPORT_THRESHOLD,
            people,
        })
    }
}
