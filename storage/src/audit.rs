//! The audit trail: append-only, hash-chained, and never holding a number.
//!
//! Each entry's hash covers the previous entry's hash and the entry's own fields, so an
//! edit, a deletion or a reordering breaks the chain at the first entry touched; the head
//! row (last sequence number and hash) also exposes a deleted tail. Entries are appended
//! inside the transaction of the change they record, so a change without its entry is
//! impossible: if the entry cannot be written, the change does not happen.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A provider signed in through an invitation (the invitation's id).
    Provider(uuid::Uuid),
    /// A staff account (officer, collector, auditor, admin).
    Staff(uuid::Uuid),
    /// The command-line tool run by an operator on the server.
    Cli,
    /// The service itself (scheduled jobs).
    System,
    /// A payroll system's machine client.
    Payroll(uuid::Uuid),
}

impl Actor {
    /// The stable text stored in the trail.
    pub fn label(&self) -> String {
        match self {
            Self::Provider(id) => format!("provider:{id}"),
            Self::Staff(id) => format!("staff:{id}"),
            Self::Cli => "cli".to_owned(),
            Self::System => "system".to_owned(),
            Self::Payroll(id) => format!("payroll:{id}"),
        }
    }
}

/// Who acted and from where: passed to every operation that writes the trail.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// Who.
    pub actor: Actor,
    /// The client address as the service saw it (after trusted-proxy handling).
    pub source_ip: Option<String>,
}

impl AuditContext {
    /// A context for the command-line tool.
    pub fn cli() -> Self {
        Self {
            actor: Actor::Cli,
            source_ip: None,
        }
    }

    /// A context for the service's own jobs.
    pub fn system() -> Self {
        Self {
            actor: Actor::System,
            source_ip: None,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was refused (wrong second factor, out of scope, …).
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
        }
    }
}

/// One thing worth recording. `detail` must hold ids, codes and counts only — never a
/// number, a name or an image; callers build it from typed values, not from input text.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// What happened, e.g. `document.seal` (see [`actions`]).
    pub action: &'static str,
    /// What it happened to, e.g. `document:<uuid>`.
    pub target: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Extra facts: ids, codes, counts.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// A successful action on a target.
    pub fn success(action: &'static str, target: impl Into<Option<String>>) -> Self {
        Self {
            action,
            target: target.into(),
            outcome: Outcome::Success,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    /// A refused action on a target.
    pub fn denied(action: &'static str, target: impl Into<Option<String>>) -> Self {
        Self {
            outcome: Outcome::Denied,
            ..Self::success(action, target)
        }
    }

    /// Adds facts.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The names of audited actions, in one place.
pub mod actions {
    #![allow(missing_docs)]
    pub const INIT: &str = "system.init";
    pub const INVITATION_CREATE: &str = "invitation.create";
    pub const INVITATION_REVOKE: &str = "invitation.revoke";
    /// A new link replaced the old one (the old one stops working).
    pub const INVITATION_REISSUE: &str = "invitation.reissue";
    /// The link was e-mailed (outcome failure when the SMTP server refused it).
    pub const INVITATION_EMAIL: &str = "invitation.email";
    /// A reminder went to a provider who has not handed in (no name, no link in it).
    pub const INVITATION_REMIND: &str = "invitation.remind";
    /// An alert's notice went out by e-mail and/or webhook.
    pub const ALERT_NOTIFY: &str = "alert.notify";
    /// Staff handed a submission in on the person's behalf (paper by post, in person).
    pub const INTAKE_ASSISTED: &str = "intake.assisted";
    pub const PROVIDER_SIGN_IN: &str = "provider.sign_in";
    pub const SUBJECT_SAVE: &str = "subject.save";
    pub const SUBJECT_REMOVE: &str = "subject.remove";
    /// A change recorded on a verified record (issue 17): kind, person, date; no value.
    pub const RECORD_CHANGE: &str = "record.change";
    /// A verified change applied to the history (the replaced versions superseded).
    pub const RECORD_CHANGE_APPLY: &str = "record.change_apply";
    /// A re-hired person's new collection linked to their earlier record (issue 17, part B).
    pub const RECORD_REHIRE: &str = "record.rehire";
    /// An admin opened a re-confirmation campaign (年末調整) and its links were issued.
    pub const CAMPAIGN_OPEN: &str = "campaign.open";
    /// An employee answered a campaign (no change, or a change handed in).
    pub const CAMPAIGN_ANSWER: &str = "campaign.answer";
    /// An admin sent reminders to those who have not answered.
    pub const CAMPAIGN_REMIND: &str = "campaign.remind";
    /// An admin closed a campaign.
    pub const CAMPAIGN_CLOSE: &str = "campaign.close";
    pub const NUMBER_SEAL: &str = "number.seal";
    pub const DOCUMENT_SEAL: &str = "document.seal";
    /// A card-back photo was read for its QR number and kept (sealed) until the person
    /// confirms the number (photo first; `crate::card_reads`).
    pub const DOCUMENT_CARD_READ: &str = "document.card_read";
    pub const DOCUMENT_UNSEAL: &str = "document.unseal";
    pub const NUMBER_UNSEAL: &str = "number.unseal";
    /// The internal side opened numbers to derive their blind index and last four digits.
    pub const NUMBER_INDEX: &str = "number.index";
    /// The internal side opened card-back QR numbers and typed numbers to compare them.
    pub const DOCUMENT_QR_CHECK: &str = "document.qr_check";
    pub const SUBMISSION_TRANSITION: &str = "submission.transition";
    pub const STAFF_CREATE: &str = "staff.create";
    /// An admin proposed a role grant.
    pub const GRANT_PROPOSE: &str = "grant.propose";
    /// A second admin approved a role grant (account created or changed).
    pub const GRANT_APPROVE: &str = "grant.approve";
    /// A pending role grant was withdrawn.
    pub const GRANT_WITHDRAW: &str = "grant.withdraw";
    /// A staff member set their password through an activation link.
    pub const STAFF_ACTIVATE: &str = "staff.activate";
    /// The operator issued an activation link at the console.
    pub const STAFF_ACTIVATION_ISSUE: &str = "staff.activation_issue";
    /// A staff member changed their own password.
    pub const STAFF_PASSWORD_CHANGE: &str = "staff.password_change";
    /// An admin disabled an account.
    pub const STAFF_DISABLE: &str = "staff.disable";
    /// An admin proposed a change to an account (reset, enable).
    pub const ACCOUNT_CHANGE_PROPOSE: &str = "account_change.propose";
    /// A second admin approved it.
    pub const ACCOUNT_CHANGE_APPROVE: &str = "account_change.approve";
    /// It was withdrawn.
    pub const ACCOUNT_CHANGE_WITHDRAW: &str = "account_change.withdraw";
    /// A payroll client was revoked.
    pub const PAYROLL_CLIENT_REVOKE: &str = "payroll.client_revoke";
    /// A payroll client's token was replaced.
    pub const PAYROLL_CLIENT_ROTATE: &str = "payroll.client_rotate";
    /// An admin signed the periodic review of access rights off.
    pub const ACCESS_REVIEW_SIGN_OFF: &str = "access_review.sign_off";
    /// An admin proposed payroll's age recipient (two admins set it).
    pub const PAYROLL_RECIPIENT_PROPOSE: &str = "payroll.recipient_propose";
    /// A second admin approved it: exports are sealed to it from now on.
    pub const PAYROLL_RECIPIENT_APPROVE: &str = "payroll.recipient_approve";
    /// A proposed recipient was withdrawn.
    pub const PAYROLL_RECIPIENT_WITHDRAW: &str = "payroll.recipient_withdraw";
    pub const RETENTION_SET: &str = "retention.set";
    /// An admin set a branch's display name.
    pub const BRANCH_SET: &str = "branch.set";
    pub const INCIDENT_SCOPE: &str = "incident.scope";
    /// A step on an incident record's timeline (opened, note, reported, closed …).
    pub const INCIDENT_STEP: &str = "incident.step";
    pub const DISPOSAL_PROPOSE: &str = "disposal.propose";
    pub const DISPOSAL_APPROVE: &str = "disposal.approve";
    pub const KEYS_ROTATE_BEGIN: &str = "keys.rotate.begin";
    pub const KEYS_RESEAL: &str = "keys.reseal";
    pub const KEYS_ROTATE_FINISH: &str = "keys.rotate.finish";
    pub const KEYS_RETIRED_DESTROY: &str = "keys.retired.destroy";
    pub const STAFF_SIGN_IN: &str = "staff.sign_in";
    pub const STAFF_SIGN_OUT: &str = "staff.sign_out";
    pub const STAFF_TOTP_ENROL: &str = "staff.totp_enrol";
    pub const SUBMISSION_CLAIM: &str = "submission.claim";
    pub const VERIFICATION_RECORD: &str = "verification.record";
    pub const CORRECTION_REQUEST: &str = "correction.request";
    pub const SUBMISSION_REJECT: &str = "submission.reject";
    pub const RELEASE_PROPOSE: &str = "release.propose";
    pub const RELEASE_APPROVE: &str = "release.approve";
    pub const EXPORT_UNSEAL: &str = "export.unseal";
    pub const EXPORT_DOWNLOAD: &str = "export.download";
    pub const STAFF_REAUTHENTICATE: &str = "staff.reauthenticate";
    pub const BACKUP_CREATE: &str = "backup.create";
    pub const AUDIT_SEARCH: &str = "audit.search";
    pub const LEDGER_READ: &str = "ledger.read";
    pub const DISPOSAL_LIST: &str = "disposal.list";
    pub const PAYROLL_CLIENT_CREATE: &str = "payroll.client_create";
    pub const EXPORT_PULL: &str = "export.pull";
    pub const DOCUMENT_DESTROY: &str = "document.destroy";
    /// An auditor signed off a period of the trail and ledgers as reviewed.
    pub const AUDIT_REVIEW_SIGN_OFF: &str = "audit_review.sign_off";
}

impl Vault {
    /// Records a refusal by separation of duties (its own transaction: the refused change's
    /// was dropped) and returns the error to answer with. If the entry cannot be written,
    /// that error is returned instead: the refusal stands either way.
    pub async fn refuse_duty(
        &self,
        ctx: &AuditContext,
        action: &'static str,
        target: Option<String>,
        refused: domain::SeparationOfDuties,
    ) -> StorageError {
        let event = AuditEvent::denied(action, target)
            .with_detail(serde_json::json!({ "reason": refused.code() }));
        match self.record(ctx, event).await {
            Ok(_) => StorageError::SeparationOfDuties(refused),
            Err(e) => e,
        }
    }
}

/// Proof that an audit entry committed; unsealing requires one.
#[derive(Debug)]
pub struct AuditReceipt {
    seq: i64,
}

impl AuditReceipt {
    /// The sequence number of the entry.
    pub fn seq(&self) -> i64 {
        self.seq
    }
}

/// The fields an entry's hash covers, serialized in this order.
#[derive(Serialize)]
struct HashedFields<'a> {
    seq: i64,
    at: i64,
    actor: &'a str,
    action: &'a str,
    target: Option<&'a str>,
    source_ip: Option<&'a str>,
    outcome: &'a str,
    detail: &'a str,
}

fn entry_hash(prev_hash: &[u8], fields: &HashedFields<'_>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    // Serializing a struct of strings and integers cannot fail.
    hasher.update(serde_json::to_vec(fields).unwrap_or_default());
    hasher.finalize().to_vec()
}

/// Appends an entry inside `tx`. The head row's lock serializes concurrent appends.
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &AuditContext,
    event: &AuditEvent,
) -> Result<AuditReceipt, StorageError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: Vec<u8> = head.try_get("hash")?;
    let at = now_millis();
    let actor = ctx.actor.label();
    let detail = event.detail.to_string();
    let fields = HashedFields {
        seq,
        at,
        actor: &actor,
        action: event.action,
        target: event.target.as_deref(),
        source_ip: ctx.source_ip.as_deref(),
        outcome: event.outcome.as_str(),
        detail: &detail,
    };
    let hash = entry_hash(&prev_hash, &fields);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, source_ip, outcome, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor.clone())
    .bind(event.action)
    .bind(event.target.clone())
    .bind(ctx.source_ip.clone())
    .bind(event.outcome.as_str())
    .bind(detail.clone())
    .bind(prev_hash)
    .bind(hash.clone())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(AuditReceipt { seq })
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first entry that does not check out (or the head, as `seq` of the last entry + 1).
    pub seq: i64,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// How many entries were checked.
    pub entries: i64,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StorageError> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        source_ip: r.try_get("source_ip")?,
        outcome: r.try_get("outcome")?,
        detail: r.try_get("detail")?,
    })
}

/// An audit entry as read back (for auditors and tests). Holds no number by construction.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// `provider:<id>`, `staff:<id>`, `cli` or `system`.
    pub actor: String,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub target: Option<String>,
    /// From where.
    pub source_ip: Option<String>,
    /// `success` or `denied`.
    pub outcome: String,
    /// Extra facts as JSON text.
    pub detail: String,
}

/// What an auditor looks for in the trail; every given field narrows the search.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Exactly this actor (`staff:<id>`, `provider:<id>`, `cli`, `system`).
    pub actor: Option<String>,
    /// Exactly this action, or every action under a prefix ending in `.` (`disposal.`).
    pub action: Option<String>,
    /// An id (person, submission, document, release …) named in the target or the detail.
    pub about: Option<String>,
    /// From this instant (Unix ms, inclusive).
    pub from_ms: Option<i64>,
    /// Until this instant (Unix ms, exclusive).
    pub to_ms: Option<i64>,
    /// Entries after this position (paging).
    pub after_seq: i64,
    /// At most this many (capped at 1000).
    pub limit: i64,
}

/// A search term that could not be used as one.
#[derive(Debug, thiserror::Error)]
#[error("a search term may hold only letters, digits, ':', '.', '_' and '-'")]
pub struct BadSearchTerm;

impl AuditQuery {
    /// Refuses terms holding anything an id, actor or action never holds (`%` included).
    pub fn validate(&self) -> Result<(), BadSearchTerm> {
        let fine = |t: &Option<String>| {
            t.as_deref().is_none_or(|t| {
                !t.is_empty()
                    && t.len() <= 100
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'))
            })
        };
        if fine(&self.actor) && fine(&self.action) && fine(&self.about) {
            Ok(())
        } else {
            Err(BadSearchTerm)
        }
    }
}

/// A validated term as a LIKE literal: `_` matches only itself (`%` never passes validation).
fn like_literal(term: &str) -> String {
    term.replace('_', r"\_")
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Vault {
    /// Searches the trail (auditors): entries matching every given term, in chain order.
    pub async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StorageError> {
        q.validate()
            .map_err(|_| StorageError::Invalid("audit search term"))?;
        let mut sql = String::from(
            "SELECT seq, at, actor, action, target, source_ip, outcome, detail FROM audit_log WHERE seq > $1",
        );
        let mut binds = vec![Bind::Int(q.after_seq)];
        let mut push = |cond: &str, bind: Bind, sql: &mut String| {
            binds.push(bind);
            let n = binds.len();
            sql.push_str(&cond.replace("$n", &format!("${n}")));
        };
        if let Some(actor) = &q.actor {
            push(" AND actor = $n", Bind::Text(actor.clone()), &mut sql);
        }
        match q.action.as_deref() {
            Some(prefix) if prefix.ends_with('.') => {
                let pattern = format!("{}%", like_literal(prefix));
                push(
                    r" AND action LIKE $n ESCAPE '\'",
                    Bind::Text(pattern),
                    &mut sql,
                );
            }
            Some(action) => push(" AND action = $n", Bind::Text(action.to_owned()), &mut sql),
            None => {}
        }
        if let Some(about) = &q.about {
            let pattern = format!("%{}%", like_literal(about));
            let target = r" AND (target LIKE $n ESCAPE '\'";
            push(target, Bind::Text(pattern.clone()), &mut sql);
            push(
                r" OR detail LIKE $n ESCAPE '\')",
                Bind::Text(pattern),
                &mut sql,
            );
        }
        if let Some(from) = q.from_ms {
            push(" AND at >= $n", Bind::Int(from), &mut sql);
        }
        if let Some(to) = q.to_ms {
            push(" AND at < $n", Bind::Int(to), &mut sql);
        }
        push(
            " ORDER BY seq LIMIT $n",
            Bind::Int(q.limit.clamp(1, 1000)),
            &mut sql,
        );
        // Only fixed fragments above; every term is a bound parameter.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in binds {
            query = match bind {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Records an event in its own transaction (for events that change nothing else, such
    /// as a refused sign-in), returning the receipt once it committed.
    pub async fn record(
        &self,
        ctx: &AuditContext,
        event: AuditEvent,
    ) -> Result<AuditReceipt, StorageError> {
        let mut tx = self.begin_write().await?;
        let receipt = append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// Reads entries in chain order, from `after_seq` (exclusive), at most `limit`.
    pub async fn audit_entries(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, source_ip, outcome, detail \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Checks every entry's link and hash and the head; names the first bad entry.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport, StorageError> {
        const PAGE: i64 = 1000;
        let mut expected_seq = 1i64;
        let mut last_hash = vec![0u8; 32];
        let mut entries = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, target, source_ip, outcome, detail, prev_hash, hash \
                 FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(expected_seq)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            let page_len = rows.len() as i64;
            for row in rows {
                let seq: i64 = row.try_get("seq")?;
                let broken = |reason| {
                    Ok(ChainReport {
                        entries,
                        first_break: Some(ChainBreak {
                            seq: expected_seq.min(seq),
                            reason,
                        }),
                    })
                };
                if seq != expected_seq {
                    return broken("an entry is missing before this one");
                }
                let prev_hash: Vec<u8> = row.try_get("prev_hash")?;
                if prev_hash != last_hash {
                    return broken("its link to the previous entry does not match");
                }
                let actor: String = row.try_get("actor")?;
                let action: String = row.try_get("action")?;
                let target: Option<String> = row.try_get("target")?;
                let source_ip: Option<String> = row.try_get("source_ip")?;
                let outcome: String = row.try_get("outcome")?;
                let detail: String = row.try_get("detail")?;
                let fields = HashedFields {
                    seq,
                    at: row.try_get("at")?,
                    actor: &actor,
                    action: &action,
                    target: target.as_deref(),
                    source_ip: source_ip.as_deref(),
                    outcome: &outcome,
                    detail: &detail,
                };
                let hash: Vec<u8> = row.try_get("hash")?;
                if entry_hash(&prev_hash, &fields) != hash {
                    return broken("its content was changed after it was written");
                }
                last_hash = hash;
                expected_seq += 1;
                entries += 1;
            }
            if page_len < PAGE {
                break;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: Vec<u8> = head.try_get("hash")?;
        let first_break = if head_seq != entries || head_hash != last_hash {
            Some(ChainBreak {
                seq: entries + 1,
                reason: "entries after this point were deleted (the chain head does not match)",
            })
        } else {
            None
        };
        Ok(ChainReport {
            entries,
            first_break,
        })
    }
}
