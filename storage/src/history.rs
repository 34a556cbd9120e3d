//! The record over the years (issue 17, migration 0070): one person with a stable id,
//! dependants linked with dated relationships and 第3号 periods, and changes after a
//! verification.
//!
//! A change is a submission of its own (`event = 'change'`, `change_of` = the verified
//! collection) holding a new version of the changed person only: a copy of that person's
//! current version with the change applied, naming the version it replaces. It goes
//! through the queue, the claim, the rule table and the release like any submission, so
//! only the changed person is verified again; everyone else keeps their verification.
//! When it is verified, the replaced version is marked superseded (it stays, sealed, in the
//! history; a superseded number is never exported as current) and the person's dated
//! relationship or 第3号 period is updated.
//!
//! The change submission reaches the database through an invitation row of its own that
//! carries no link (a random token hash nobody holds, expired at birth): the provider
//! works on it through their existing session, staff through their assisted session.

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::{ProviderSession, parse_uuid};
use crate::keys::SealedNumber;
use crate::person::{Address, NameKana, NoNumberReason, PersonName, Relationship};
use crate::state::SubmissionState;
use crate::submissions::{DependantDeclaration, SubjectInput};
use crate::vault::now_millis;
use crate::{StorageError, Vault};
pub use domain::{ChangeKind, ChangeMark};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What changes, with its new values (the number already sealed).
#[derive(Debug, Clone)]
pub enum Change {
    /// A new dependant, with what the employee declares about them.
    AddDependant {
        /// The dependant as typed (a newborn may have a reason instead of a number).
        input: Box<SubjectInput>,
        /// Attestation and 第3号.
        declaration: DependantDeclaration,
    },
    /// A dependant leaves the record.
    EndDependant {
        /// The dependant.
        person: Uuid,
    },
    /// A new name; the old one stays in the history, its surname as 旧姓 unless given.
    Name {
        /// Whose.
        person: Uuid,
        /// The new name.
        name: PersonName,
        /// Its furigana.
        name_kana: NameKana,
        /// 旧姓 to record (default: the surname of the old name).
        former_surname: Option<PersonName>,
    },
    /// A new address.
    Address {
        /// Whose.
        person: Uuid,
        /// The new address.
        address: Address,
    },
    /// A reissued number (or the number of a newborn that had none yet).
    Number {
        /// Whose.
        person: Uuid,
        /// The new number, sealed.
        number: SealedNumber,
    },
    /// A spouse starts being a 国民年金第3号被保険者.
    Category3Start {
        /// The spouse.
        person: Uuid,
    },
    /// A spouse stops being one; the employee attests them again as a dependant.
    Category3End {
        /// The spouse.
        person: Uuid,
    },
}

impl Change {
    /// Its kind.
    pub fn kind(&self) -> ChangeKind {
        match self {
            Self::AddDependant { .. } => ChangeKind::AddDependant,
            Self::EndDependant { .. } => ChangeKind::EndDependant,
            Self::Name { .. } => ChangeKind::Name,
            Self::Address { .. } => ChangeKind::Address,
            Self::Number { .. } => ChangeKind::Number,
            Self::Category3Start { .. } => ChangeKind::Category3Start,
            Self::Category3End { .. } => ChangeKind::Category3End,
        }
    }

    fn person(&self) -> Option<Uuid> {
        match self {
            Self::AddDependant { .. } => None,
            Self::EndDependant { person }
            | Self::Name { person, .. }
            | Self::Address { person, .. }
            | Self::Number { person, .. }
            | Self::Category3Start { person }
            | Self::Category3End { person } => Some(*person),
        }
    }
}

/// A change as recorded.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RecordedChange {
    /// The change submission (an event in the person's history).
    pub change_id: Uuid,
    /// The new version of the changed person (upload its documents here).
    pub subject_id: Uuid,
    /// The changed person's stable id.
    pub person_id: Uuid,
}

/// One version of a person in the history, oldest first (no number, no image).
#[derive(Debug, Clone, Serialize)]
pub struct PersonVersion {
    /// The version (a subjects row).
    pub subject_id: Uuid,
    /// The event it belongs to.
    pub submission_id: Uuid,
    /// `collection` or `change`.
    pub event: String,
    /// Where that event stands.
    pub state: SubmissionState,
    /// What the change was (`None`: the first collection).
    pub change_kind: Option<ChangeKind>,
    /// From when (`YYYY-MM-DD`).
    pub effective_on: Option<String>,
    /// Name in this version.
    pub name: String,
    /// 旧姓 in this version.
    pub former_surname: Option<String>,
    /// Whether a number is saved in this version.
    pub number_saved: bool,
    /// When a later verified version replaced it (Unix ms).
    pub superseded_at: Option<i64>,
}

/// A person of a record with their history.
#[derive(Debug, Clone, Serialize)]
pub struct PersonHistory {
    /// The stable id.
    pub person_id: Uuid,
    /// `employee`, `payee` or `dependant`.
    pub kind: String,
    /// A dependant's relationship.
    pub relationship: Option<String>,
    /// When the relationship started (`None`: from the first collection).
    pub started_on: Option<String>,
    /// When it ended.
    pub ended_on: Option<String>,
    /// 第3号 periods `(started_on, ended_on)`.
    pub category3_periods: Vec<(Option<String>, Option<String>)>,
    /// Every version, oldest first.
    pub versions: Vec<PersonVersion>,
}

fn iso(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

impl Vault {
    /// Records one change on the verified record `session` is bound to (the provider's own
    /// session, or staff's assisted session in their scope): opens (or continues) the
    /// person's open change event and adds a new version of the changed person only. The
    /// person must belong to the record; a person with a change still waiting for an
    /// officer cannot be changed again until it is decided.
    pub async fn record_change(
        &self,
        ctx: &AuditContext,
        session: &ProviderSession,
        change: &Change,
        effective_on: time::Date,
    ) -> Result<RecordedChange, StorageError> {
        let mut tx = self.begin_write().await?;
        let (base, holder) = verified_record(&mut tx, session.submission_id).await?;
        if session.kind == crate::invitations::InvitationKind::Payee
            && change.kind().dependant_only()
        {
            return Err(StorageError::Invalid("a payee has no dependants"));
        }
        let change_id = open_change_event(&mut tx, ctx, base, holder).await?;
        let now = now_millis();
        let kind = change.kind();
        let effective = iso(effective_on);
        let (subject_id, person_id) = match change {
            Change::AddDependant { input, declaration } => {
                if input.relationship == Relationship::Myself {
                    return Err(StorageError::Invalid("a dependant cannot be 'self'"));
                }
                if input.number.is_some() == input.no_number_reason.is_some() {
                    return Err(StorageError::Invalid(
                        "a number, or for a dependant the reason there is none",
                    ));
                }
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO people (id, holder_id, kind, relationship, started_on, created_at) \
                     VALUES ($1, $2, 'dependant', $3, $4, $5)",
                )
                .bind(id.to_string())
                .bind(holder.to_string())
                .bind(input.relationship.code())
                .bind(effective.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let numbered = input.number.is_some();
                let category3 =
                    declaration.category3_spouse && input.relationship == Relationship::Spouse;
                sqlx::query(
                    "INSERT INTO subjects (id, submission_id, relationship, name, name_kana, birth_date, \
                     number_sealed, number_ref, number_saved_at, number_pending, created_at, updated_at, \
                     no_number_reason, identity_attested, category3_spouse, address, name_alphabetic, \
                     common_name, former_surname, person_id, change_kind, change_effective_on) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $9, $11, $12, $13, $14, $15, $16, \
                     $17, $1, $18, $19)",
                )
                .bind(id.to_string())
                .bind(change_id.to_string())
                .bind(input.relationship.code())
                .bind(input.name.as_str().to_owned())
                .bind(input.name_kana.as_str().to_owned())
                .bind(input.birth_date.to_iso())
                .bind(input.number.as_ref().map(|n| n.sealed.clone()))
                .bind(numbered.then(|| Uuid::now_v7().to_string()))
                .bind(now)
                .bind(i64::from(numbered))
                .bind(input.no_number_reason.map(NoNumberReason::code))
                .bind(i64::from(declaration.identity_attested))
                .bind(i64::from(category3))
                .bind(input.details.address.as_ref().map(|a| a.as_str().to_owned()))
                .bind(
                    input
                        .details
                        .name_alphabetic
                        .as_ref()
                        .map(|a| a.as_str().to_owned()),
                )
                .bind(
                    input
                        .details
                        .common_name
                        .as_ref()
                        .map(|a| a.as_str().to_owned()),
                )
                .bind(
                    input
                        .details
                        .former_surname
                        .as_ref()
                        .map(|a| a.as_str().to_owned()),
                )
                .bind(kind.code())
                .bind(effective.clone())
                .execute(&mut *tx)
                .await?;
                (id, id)
            }
            other => {
                let person = other.person().ok_or(StorageError::NotFound)?;
                let (previous, relationship, category3) =
                    current_version(&mut tx, holder, person).await?;
                if kind.dependant_only() && relationship == Relationship::Myself {
                    return Err(StorageError::Invalid("this change concerns a dependant"));
                }
                check_category3(kind, relationship, category3)?;
                let id = copy_version(&mut tx, previous, change_id, kind, &effective).await?;
                apply_to_version(&mut tx, id, other).await?;
                (id, person)
            }
        };
        let event = AuditEvent::success(actions::RECORD_CHANGE, format!("subject:{subject_id}"))
            .with_detail(serde_json::json!({
                "record": base,
                "change": change_id,
                "person": person_id,
                "kind": kind.code(),
                "effective_on": effective,
                "number_sealed": matches!(change, Change::Number { .. })
                    || matches!(change, Change::AddDependant { input, .. } if input.number.is_some()),
            }));
        audit::append(&mut tx, ctx, &event).await?;
        tx.commit().await?;
        Ok(RecordedChange {
            change_id,
            subject_id,
            person_id,
        })
    }

    /// The change event `change_id` if it belongs to the record `session` is bound to.
    pub async fn change_of_record(
        &self,
        session: &ProviderSession,
        change_id: Uuid,
    ) -> Result<Uuid, StorageError> {
        sqlx::query(
            "SELECT c.id FROM submissions c JOIN submissions b ON b.person_id = c.person_id \
             WHERE c.id = $1 AND c.event = 'change' AND b.id = $2",
        )
        .bind(change_id.to_string())
        .bind(session.submission_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .map(|_| change_id)
        .ok_or(StorageError::NotFound)
    }

    /// The people of the record `submission_id` belongs to, with every version of each.
    pub async fn record_history(
        &self,
        submission_id: Uuid,
    ) -> Result<Vec<PersonHistory>, StorageError> {
        let holder: Option<String> = sqlx::query_scalar::<_, Option<String>>(
            "SELECT person_id FROM submissions WHERE id = $1",
        )
        .bind(submission_id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        let Some(holder) = holder else {
            return Ok(Vec::new());
        };
        let people = sqlx::query(
            "SELECT id, kind, relationship, started_on, ended_on FROM people \
             WHERE id = $1 OR holder_id = $1 ORDER BY created_at, id",
        )
        .bind(holder.clone())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for p in &people {
            let id: String = p.try_get("id")?;
            let periods = sqlx::query(
                "SELECT started_on, ended_on FROM category3_periods WHERE person_id = $1 \
                 ORDER BY created_at, id",
            )
            .bind(id.clone())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("started_on")?, r.try_get("ended_on")?)))
            .collect::<Result<Vec<_>, StorageError>>()?;
            let versions = sqlx::query(
                "SELECT t.id, t.submission_id, s.event, s.state, t.change_kind, t.change_effective_on, \
                 t.name, t.former_surname, \
                 CAST(CASE WHEN t.number_sealed IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS number_saved, \
                 t.superseded_at FROM subjects t JOIN submissions s ON s.id = t.submission_id \
                 WHERE t.person_id = $1 AND t.removed_at IS NULL ORDER BY t.created_at, t.id",
            )
            .bind(id.clone())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(PersonVersion {
                    subject_id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                    submission_id: parse_uuid(&r.try_get::<String, _>("submission_id")?)?,
                    event: r.try_get("event")?,
                    state: SubmissionState::from_code(&r.try_get::<String, _>("state")?)
                        .ok_or(StorageError::Corrupt("submission state"))?,
                    change_kind: r
                        .try_get::<Option<String>, _>("change_kind")?
                        .map(|c| ChangeKind::from_code(&c).ok_or(StorageError::Corrupt("change")))
                        .transpose()?,
                    effective_on: r.try_get("change_effective_on")?,
                    name: r.try_get("name")?,
                    former_surname: r.try_get("former_surname")?,
                    number_saved: r.try_get::<i64, _>("number_saved")? != 0,
                    superseded_at: r.try_get("superseded_at")?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
            out.push(PersonHistory {
                person_id: parse_uuid(&id)?,
                kind: p.try_get("kind")?,
                relationship: p.try_get("relationship")?,
                started_on: p.try_get("started_on")?,
                ended_on: p.try_get("ended_on")?,
                category3_periods: periods,
                versions,
            });
        }
        Ok(out)
    }
}

/// Only a spouse starts 第3号 (and only when not one already); only a 第3号 spouse ends it.
fn check_category3(
    kind: ChangeKind,
    relationship: Relationship,
    category3: bool,
) -> Result<(), StorageError> {
    let ok = match kind {
        ChangeKind::Category3Start => relationship == Relationship::Spouse && !category3,
        ChangeKind::Category3End => category3,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(StorageError::Invalid("第3号 applies to a spouse only"))
    }
}

/// The verified collection a session is bound to and its holder (the employee or payee):
/// changes are made only on a verified (or released) record.
async fn verified_record(tx: &mut Tx, submission: Uuid) -> Result<(Uuid, Uuid), StorageError> {
    let row = sqlx::query(
        "SELECT b.id, b.state, b.person_id FROM submissions s \
         JOIN submissions b ON b.id = COALESCE(s.change_of, s.id) WHERE s.id = $1",
    )
    .bind(submission.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    let state = SubmissionState::from_code(&row.try_get::<String, _>("state")?)
        .ok_or(StorageError::Corrupt("submission state"))?;
    if !matches!(state, SubmissionState::Verified | SubmissionState::Released) {
        return Err(StorageError::Illegal(crate::IllegalTransition {
            from: state,
            attempted: "changed (only a verified record is changed this way)",
        }));
    }
    let holder = row
        .try_get::<Option<String>, _>("person_id")?
        .ok_or(StorageError::Corrupt("record without a person"))?;
    Ok((
        parse_uuid(&row.try_get::<String, _>("id")?)?,
        parse_uuid(&holder)?,
    ))
}

/// The holder's open change event (a draft, or one sent back for correction), or a new one.
async fn open_change_event(
    tx: &mut Tx,
    ctx: &AuditContext,
    base: Uuid,
    holder: Uuid,
) -> Result<Uuid, StorageError> {
    let open: Option<String> = sqlx::query_scalar(
        "SELECT id FROM submissions WHERE person_id = $1 AND event = 'change' \
         AND state IN ('draft', 'correction_requested') ORDER BY created_at DESC LIMIT 1",
    )
    .bind(holder.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = open {
        return parse_uuid(&id);
    }
    let now = now_millis();
    let invitation = Uuid::now_v7();
    let change = Uuid::now_v7();
    // No link: a random hash nobody holds the token of, expired at birth; the employee
    // code is copied for the export but not as a live code (it would block re-invitations).
    let hash = crate::SecretToken::generate().hash().0.to_vec();
    sqlx::query(
        "INSERT INTO invitations (id, token_hash, kind, display_name, name_kana, employee_code, \
         branch_code, birth_date, created_by, created_at, expires_at) \
         SELECT $1, $2, i.kind, i.display_name, i.name_kana, i.employee_code, i.branch_code, \
         i.birth_date, $3, $4, $4 FROM submissions s JOIN invitations i ON i.id = s.invitation_id \
         WHERE s.id = $5",
    )
    .bind(invitation.to_string())
    .bind(hash)
    .bind(ctx.actor.label())
    .bind(now)
    .bind(base.to_string())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO submissions (id, invitation_id, state, branch_code, created_at, updated_at, \
         person_id, event, change_of) \
         SELECT $1, $2, 'draft', branch_code, $3, $3, person_id, 'change', id FROM submissions WHERE id = $4",
    )
    .bind(change.to_string())
    .bind(invitation.to_string())
    .bind(now)
    .bind(base.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(change)
}

/// The person's current version (the latest verified, not superseded), its relationship
/// and 第3号 flag. The person must belong to the holder's record and have no change
/// waiting for an officer.
async fn current_version(
    tx: &mut Tx,
    holder: Uuid,
    person: Uuid,
) -> Result<(Uuid, Relationship, bool), StorageError> {
    let belongs =
        sqlx::query("SELECT ended_on FROM people WHERE id = $1 AND (id = $2 OR holder_id = $2)")
            .bind(person.to_string())
            .bind(holder.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StorageError::NotFound)?;
    if belongs.try_get::<Option<String>, _>("ended_on")?.is_some() {
        return Err(StorageError::Invalid("this dependant has left the record"));
    }
    // A version of this person in a change still being filled in (a draft: an earlier try
    // that was not handed in) is replaced by this one, with its photos.
    let now = now_millis();
    sqlx::query(
        "UPDATE documents SET replaced_at = $1 WHERE replaced_at IS NULL AND subject_id IN \
         (SELECT t.id FROM subjects t JOIN submissions s ON s.id = t.submission_id \
          WHERE t.person_id = $2 AND t.removed_at IS NULL AND s.event = 'change' AND s.state = 'draft')",
    )
    .bind(now)
    .bind(person.to_string())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE subjects SET removed_at = $1, updated_at = $1 WHERE person_id = $2 AND removed_at IS NULL \
         AND submission_id IN (SELECT id FROM submissions WHERE event = 'change' AND state = 'draft')",
    )
    .bind(now)
    .bind(person.to_string())
    .execute(&mut **tx)
    .await?;
    let pending = sqlx::query(
        "SELECT 1 FROM subjects t JOIN submissions s ON s.id = t.submission_id \
         WHERE t.person_id = $1 AND t.removed_at IS NULL AND s.event = 'change' \
         AND s.state NOT IN ('verified', 'released', 'rejected', 'declined', 'disposed')",
    )
    .bind(person.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if pending.is_some() {
        return Err(StorageError::Conflict(
            "a change of this person is waiting for an officer",
        ));
    }
    let row = sqlx::query(
        "SELECT t.id, t.relationship, t.category3_spouse FROM subjects t \
         JOIN submissions s ON s.id = t.submission_id \
         WHERE t.person_id = $1 AND t.removed_at IS NULL AND t.superseded_at IS NULL \
         AND s.state IN ('verified', 'released') ORDER BY t.created_at DESC, t.id DESC LIMIT 1",
    )
    .bind(person.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound)?;
    Ok((
        parse_uuid(&row.try_get::<String, _>("id")?)?,
        Relationship::from_code(&row.try_get::<String, _>("relationship")?)
            .ok_or(StorageError::Corrupt("relationship"))?,
        row.try_get::<i64, _>("category3_spouse")? != 0,
    ))
}

/// A copy of `previous` in the change event: the number's ciphertext is copied (never
/// opened) under a new ref, so the internal side derives its index for the new version.
async fn copy_version(
    tx: &mut Tx,
    previous: Uuid,
    change: Uuid,
    kind: ChangeKind,
    effective_on: &str,
) -> Result<Uuid, StorageError> {
    let id = Uuid::now_v7();
    let now = now_millis();
    sqlx::query(
        "INSERT INTO subjects (id, submission_id, relationship, name, name_kana, birth_date, number_sealed, \
         number_ref, number_saved_at, number_pending, created_at, updated_at, identity_attested, \
         category3_spouse, address, name_alphabetic, common_name, former_surname, no_number_reason, \
         person_id, change_kind, change_effective_on, previous_id) \
         SELECT $1, $2, relationship, name, name_kana, birth_date, number_sealed, \
         CASE WHEN number_sealed IS NULL THEN NULL ELSE $3 END, number_saved_at, \
         CASE WHEN number_sealed IS NULL THEN 0 ELSE 1 END, $4, $4, identity_attested, category3_spouse, \
         address, name_alphabetic, common_name, former_surname, no_number_reason, person_id, $5, $6, id \
         FROM subjects WHERE id = $7",
    )
    .bind(id.to_string())
    .bind(change.to_string())
    .bind(Uuid::now_v7().to_string())
    .bind(now)
    .bind(kind.code())
    .bind(effective_on.to_owned())
    .bind(previous.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The change itself, on the new version.
async fn apply_to_version(tx: &mut Tx, id: Uuid, change: &Change) -> Result<(), StorageError> {
    let id_text = id.to_string();
    match change {
        Change::AddDependant { .. } => {}
        Change::EndDependant { .. } => {
            // Payroll needs who and from when, not the number: the ended row carries none.
            sqlx::query(
                "UPDATE subjects SET number_sealed = NULL, number_ref = NULL, number_pending = 0 \
                 WHERE id = $1",
            )
            .bind(id_text)
            .execute(&mut **tx)
            .await?;
        }
        Change::Name {
            name,
            name_kana,
            former_surname,
            ..
        } => {
            // 旧姓: the one given, else the surname of the name being replaced (the part
            // before the first space, as names are typed surname first).
            let old: String = sqlx::query_scalar("SELECT name FROM subjects WHERE id = $1")
                .bind(id_text.clone())
                .fetch_one(&mut **tx)
                .await?;
            let former = match former_surname {
                Some(given) => given.as_str().to_owned(),
                None => old
                    .split([' ', '\u{3000}'])
                    .next()
                    .unwrap_or(old.as_str())
                    .to_owned(),
            };
            sqlx::query(
                "UPDATE subjects SET former_surname = $1, name = $2, name_kana = $3 WHERE id = $4",
            )
            .bind(former)
            .bind(name.as_str().to_owned())
            .bind(name_kana.as_str().to_owned())
            .bind(id_text)
            .execute(&mut **tx)
            .await?;
        }
        Change::Address { address, .. } => {
            sqlx::query("UPDATE subjects SET address = $1 WHERE id = $2")
                .bind(address.as_str().to_owned())
                .bind(id_text)
                .execute(&mut **tx)
                .await?;
        }
        Change::Number { number, .. } => {
            sqlx::query(
                "UPDATE subjects SET number_sealed = $1, number_ref = $2, number_pending = 1, \
                 number_saved_at = $3, no_number_reason = NULL WHERE id = $4",
            )
            .bind(number.sealed.clone())
            .bind(Uuid::now_v7().to_string())
            .bind(now_millis())
            .bind(id_text)
            .execute(&mut **tx)
            .await?;
        }
        Change::Category3Start { .. } => {
            sqlx::query("UPDATE subjects SET category3_spouse = 1 WHERE id = $1")
                .bind(id_text)
                .execute(&mut **tx)
                .await?;
        }
        Change::Category3End { .. } => {
            // No longer verified by the employer: the employee attests them as a dependant.
            sqlx::query(
                "UPDATE subjects SET category3_spouse = 0, identity_attested = 1 WHERE id = $1",
            )
            .bind(id_text)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Called when a change event is verified, inside the verification's transaction: the
/// replaced versions become superseded (kept, sealed, never exported as current) and the
/// people's dated relationship and 第3号 periods follow. A collection is left alone.
pub(crate) async fn apply_verified_change(
    tx: &mut Tx,
    ctx: &AuditContext,
    submission: Uuid,
) -> Result<(), StorageError> {
    let event: Option<String> = sqlx::query_scalar("SELECT event FROM submissions WHERE id = $1")
        .bind(submission.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    if event.as_deref() == Some("collection") {
        // A re-hire's collection replaces the person's own earlier version.
        return crate::lifecycle::supersede_earlier_versions(tx, submission).await;
    }
    if event.as_deref() != Some("change") {
        return Ok(());
    }
    let now = now_millis();
    let rows = sqlx::query(
        "SELECT person_id, previous_id, change_kind, change_effective_on FROM subjects \
         WHERE submission_id = $1 AND removed_at IS NULL AND change_kind IS NOT NULL",
    )
    .bind(submission.to_string())
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let person: String = row.try_get("person_id")?;
        let previous: Option<String> = row.try_get("previous_id")?;
        let kind = ChangeKind::from_code(&row.try_get::<String, _>("change_kind")?)
            .ok_or(StorageError::Corrupt("change"))?;
        let on: Option<String> = row.try_get("change_effective_on")?;
        if let Some(previous) = previous {
            sqlx::query(
                "UPDATE subjects SET superseded_at = $1 WHERE id = $2 AND superseded_at IS NULL",
            )
            .bind(now)
            .bind(previous)
            .execute(&mut **tx)
            .await?;
        }
        match kind {
            ChangeKind::EndDependant => {
                sqlx::query("UPDATE people SET ended_on = $1 WHERE id = $2")
                    .bind(on.clone())
                    .bind(person.clone())
                    .execute(&mut **tx)
                    .await?;
                close_category3(tx, &person, on.clone()).await?;
            }
            ChangeKind::Category3Start => {
                sqlx::query(
                    "INSERT INTO category3_periods (id, person_id, started_on, ended_on, created_at) \
                     VALUES ($1, $2, $3, NULL, $4)",
                )
                .bind(Uuid::now_v7().to_string())
                .bind(person.clone())
                .bind(on.clone())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
            ChangeKind::Category3End => close_category3(tx, &person, on.clone()).await?,
            ChangeKind::AddDependant => {
                sqlx::query(
                    "INSERT INTO category3_periods (id, person_id, started_on, ended_on, created_at) \
                     SELECT $1, person_id, change_effective_on, NULL, $2 FROM subjects \
                     WHERE person_id = $3 AND submission_id = $4 AND category3_spouse = 1",
                )
                .bind(Uuid::now_v7().to_string())
                .bind(now)
                .bind(person.clone())
                .bind(submission.to_string())
                .execute(&mut **tx)
                .await?;
            }
            ChangeKind::Name | ChangeKind::Address | ChangeKind::Number => {}
        }
        let event = AuditEvent::success(actions::RECORD_CHANGE_APPLY, format!("person:{person}"))
            .with_detail(serde_json::json!({
                "change": submission,
                "kind": kind.code(),
                "effective_on": on,
            }));
        audit::append(tx, ctx, &event).await?;
    }
    Ok(())
}

async fn close_category3(
    tx: &mut Tx,
    person: &str,
    on: Option<String>,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE category3_periods SET ended_on = $1 WHERE person_id = $2 AND ended_on IS NULL",
    )
    .bind(on)
    .bind(person.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Links a new subject of a collection to its person (called where a subject is first
/// inserted): the provider's own row founds the record's person (its id is the row's id,
/// so the payroll CSV's person_id is unchanged) and becomes the holder of the dependants
/// already entered; a dependant becomes a person held by the record's person.
pub(crate) async fn link_new_subject(
    tx: &mut Tx,
    submission: Uuid,
    subject: Uuid,
    relationship: Relationship,
) -> Result<(), StorageError> {
    let now = now_millis();
    if relationship == Relationship::Myself {
        // A re-hire's collection already names its person (`lifecycle::link_rehire`): the
        // new own version is another version of them.
        let rehired: Option<String> = sqlx::query_scalar::<_, Option<String>>(
            "SELECT person_id FROM submissions WHERE id = $1",
        )
        .bind(submission.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
        if let Some(person) = rehired {
            sqlx::query("UPDATE subjects SET person_id = $1 WHERE id = $2")
                .bind(person)
                .bind(subject.to_string())
                .execute(&mut **tx)
                .await?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO people (id, holder_id, kind, created_at) \
             SELECT $1, NULL, i.kind, $2 FROM submissions s JOIN invitations i ON i.id = s.invitation_id \
             WHERE s.id = $3",
        )
        .bind(subject.to_string())
        .bind(now)
        .bind(submission.to_string())
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE submissions SET person_id = $1 WHERE id = $2 AND person_id IS NULL")
            .bind(subject.to_string())
            .bind(submission.to_string())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE people SET holder_id = $1 WHERE holder_id IS NULL AND kind = 'dependant' \
             AND id IN (SELECT person_id FROM subjects WHERE submission_id = $2)",
        )
        .bind(subject.to_string())
        .bind(submission.to_string())
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO people (id, holder_id, kind, relationship, created_at) \
             SELECT $1, person_id, 'dependant', $2, $3 FROM submissions WHERE id = $4",
        )
        .bind(subject.to_string())
        .bind(relationship.code())
        .bind(now)
        .bind(submission.to_string())
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE subjects SET person_id = id WHERE id = $1")
        .bind(subject.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
