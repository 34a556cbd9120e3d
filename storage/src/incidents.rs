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

/// A step on an incident's timeline.
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
pub enum IncidentStep {
    /// The incident was recorded.
    Opened,
    /// A note (what was found, what was done).
    Note,
    /// The affected people were established (the text says how many).
    Scope,
    /// Reported to the PPC (個人情報保護委員会).
    Reported,
    /// The affected people were notified.
    Notified,
    /// Closed.
    Closed,
}

domain::codes!(IncidentStep);

/// One line of an incident's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentEvent {
    /// What kind of step (`opened`, `note`, `scope`, `reported`, `notified`, `closed`).
    pub kind: String,
    /// What was written.
    pub text: String,
    /// Who (`staff:<id>`, `cli`).
    pub recorded_by: String,
    /// When (Unix ms).
    pub recorded_at: i64,
}

/// An incident record with its timeline, oldest step first.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentRecord {
    /// Its id.
    pub incident_id: uuid::Uuid,
    /// The title.
    pub title: String,
    /// When it was opened (Unix ms).
    pub opened_at: i64,
    /// When it was closed, if it was.
    pub closed_at: Option<i64>,
    /// The timeline.
    pub timeline: Vec<IncidentEvent>,
}

impl Vault {
    /// Opens an incident record; its first step says who opened it and why.
    pub async fn open_incident(
        &self,
        ctx: &crate::AuditContext,
        title: &str,
        description: &str,
    ) -> Result<uuid::Uuid, StorageError> {
        let id = uuid::Uuid::now_v7();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO incidents (id, title, opened_by, opened_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(title.to_owned())
        .bind(ctx.actor.label())
        .bind(crate::vault::now_millis())
        .execute(&mut *tx)
        .await?;
        add_step(&mut tx, ctx, id, IncidentStep::Opened, description).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a step to an open incident's timeline (a `closed` step closes it).
    pub async fn add_incident_step(
        &self,
        ctx: &crate::AuditContext,
        incident: uuid::Uuid,
        step: IncidentStep,
        text: &str,
    ) -> Result<(), StorageError> {
        if step == IncidentStep::Opened {
            return Err(StorageError::Invalid("an incident is opened once"));
        }
        let mut tx = self.begin_write().await?;
        let open = sqlx::query("SELECT 1 FROM incidents WHERE id = $1 AND closed_at IS NULL")
            .bind(incident.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if open.is_none() {
            return Err(StorageError::Conflict("no such open incident"));
        }
        add_step(&mut tx, ctx, incident, step, text).await?;
        if step == IncidentStep::Closed {
            sqlx::query("UPDATE incidents SET closed_at = $1 WHERE id = $2")
                .bind(crate::vault::now_millis())
                .bind(incident.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every incident record with its timeline, newest incident first.
    pub async fn incident_records(&self) -> Result<Vec<IncidentRecord>, StorageError> {
        let incidents = sqlx::query(
            "SELECT id, title, opened_at, closed_at FROM incidents ORDER BY opened_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut records = Vec::new();
        for row in &incidents {
            let id: String = row.try_get("id")?;
            let timeline = sqlx::query(
                "SELECT kind, text, recorded_by, recorded_at FROM incident_events \
                 WHERE incident_id = $1 ORDER BY recorded_at, id",
            )
            .bind(id.clone())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|e| {
                Ok(IncidentEvent {
                    kind: e.try_get("kind")?,
                    text: e.try_get("text")?,
                    recorded_by: e.try_get("recorded_by")?,
                    recorded_at: e.try_get("recorded_at")?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
            records.push(IncidentRecord {
                incident_id: parse_uuid(&id)?,
                title: row.try_get("title")?,
                opened_at: row.try_get("opened_at")?,
                closed_at: row.try_get("closed_at")?,
                timeline,
            });
        }
        Ok(records)
    }
}

async fn add_step(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &crate::AuditContext,
    incident: uuid::Uuid,
    step: IncidentStep,
    text: &str,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO incident_events (id, incident_id, kind, text, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(incident.to_string())
    .bind(step.code())
    .bind(text.to_owned())
    .bind(ctx.actor.label())
    .bind(crate::vault::now_millis())
    .execute(&mut **tx)
    .await?;
    let event = crate::AuditEvent::success(actions::INCIDENT_STEP, format!("incident:{incident}"))
        .with_detail(serde_json::json!({ "step": step.code() }));
    crate::audit::append(tx, ctx, &event).await?;
    Ok(())
}
