//! What the internal side derives from a sealed number: the keyed blind index (the same
//! number handed in twice) and the last four digits officers recognise a person by.
//!
//! Invariant 6 of DESIGN.md: a public instance — its files, its memory, its database role —
//! must reach no digit of a number. So the public side stores only the age ciphertext
//! (sealed to the internal identity) and a fresh `number_ref`; an internal instance, which
//! holds the identity and `keys/blind-index.key`, derives the rest afterwards into
//! `number_index`:
//!
//! - the blind index, HMAC-SHA256 under the key. With key and index together the 10^8
//!   candidates left by the check digit fall in seconds, which is why the key lives only
//!   where the identity already lives;
//! - the last four digits, sealed with XChaCha20-Poly1305 under a subkey of the same key
//!   (the subject id as associated data), so neither a database dump nor the public role
//!   reads them.
//!
//! Deriving means unsealing, so it follows invariant 3: each batch writes its
//! `number.index` audit entry (actor `system`, the subjects' ids) and only then opens
//! the numbers, in memory, on the internal instance. The public side gives every save a
//! new `number_ref` and marks it pending, so a derivation made from an earlier value is
//! recognised as stale and redone; the write is conditional on the ref still being
//! current. (A public writer clearing the mark only delays its own number's duplicate
//! check: nothing of a number is learnt that way.)

use std::collections::HashMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::audit::{self, AuditContext, AuditEvent, actions};
use crate::invitations::parse_uuid;
use crate::sealing::Unsealer;
use crate::vault::now_millis;
use crate::{MyNumber, StorageError, Vault};

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// The key file did not hold a valid key.
#[derive(Debug, thiserror::Error)]
#[error("the blind-index key file is malformed")]
pub struct NumberIndexKeyError;

/// The key of `keys/blind-index.key`: the blind index and the sealed last four digits.
pub struct NumberIndexKey {
    key: Zeroizing<[u8; KEY_BYTES]>,
    last4: XChaCha20Poly1305,
}

impl std::fmt::Debug for NumberIndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NumberIndexKey(***)")
    }
}

impl NumberIndexKey {
    /// The file name inside the keys directory.
    pub const FILE: &'static str = "blind-index.key";

    /// A fresh random key, as the text of its key file (base64).
    pub fn generate_file() -> Zeroizing<String> {
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        rand::rng().fill_bytes(&mut key[..]);
        Zeroizing::new(format!("{}\n", data_encoding::BASE64.encode(&key[..])))
    }

    /// Reads a key file written by [`NumberIndexKey::generate_file`].
    pub fn from_file(text: &str) -> Result<Self, NumberIndexKeyError> {
        let decoded = Zeroizing::new(
            data_encoding::BASE64
                .decode(text.trim().as_bytes())
                .map_err(|_| NumberIndexKeyError)?,
        );
        let key: [u8; KEY_BYTES] = decoded[..].try_into().map_err(|_| NumberIndexKeyError)?;
        let key = Zeroizing::new(key);
        // A subkey for the last four digits: HMAC as a PRF under its own label, so the
        // two uses of the key never meet.
        let subkey = Zeroizing::new(mac(&key, b"kakunin/last4-key/v1\0", &[]));
        let last4 =
            XChaCha20Poly1305::new_from_slice(&subkey[..]).map_err(|_| NumberIndexKeyError)?;
        Ok(Self { key, last4 })
    }

    /// The index of a number: equal numbers give equal indexes under one key.
    pub fn index(&self, number: &MyNumber) -> Vec<u8> {
        mac(&self.key, b"kakunin/my-number/v1\0", number.expose_digits()).to_vec()
    }

    /// Names the key without revealing it (for the check that instances share it).
    pub fn digest(&self) -> [u8; 32] {
        Sha256::new()
            .chain_update(b"kakunin blind-index key check v1\0")
            .chain_update(&self.key[..])
            .finalize()
            .into()
    }

    fn seal_last4(&self, subject: Uuid, number: &MyNumber) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let digits = Zeroizing::new(number.last4());
        let aad = subject.to_string();
        // Encryption with a valid key and in-memory buffers cannot fail.
        let sealed = self
            .last4
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: digits.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    fn open_last4(&self, subject: Uuid, sealed: &[u8]) -> Option<String> {
        if sealed.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let aad = subject.to_string();
        let plain = self
            .last4
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain)
            .ok()
            .filter(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
    }
}

fn mac(key: &[u8; KEY_BYTES], label: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&key[..]).expect("HMAC accepts any key length");
    mac.update(label);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The numbers still to derive: marked pending by the save that gave them their ref
/// (read from a partial index of the pending ones only).
const PENDING: &str = "SELECT s.id, s.number_ref, s.number_sealed FROM subjects s \
     WHERE s.number_pending = 1 AND s.number_sealed IS NOT NULL";

impl Vault {
    /// Derives the blind index and the sealed last four digits of up to `limit` numbers
    /// saved since their last derivation (only `submission`'s, when given), audited first
    /// (see the module documentation), and flags numbers that another person holds under
    /// another name or birth date. Returns how many were derived.
    pub async fn index_pending_numbers(
        &self,
        key: &NumberIndexKey,
        unsealer: &Unsealer,
        submission: Option<Uuid>,
        limit: i64,
    ) -> Result<usize, StorageError> {
        // Read first, outside a write transaction: on SQLite `BEGIN IMMEDIATE` would take
        // the writer lock on every queue view even when nothing is pending.
        let rows = match submission {
            Some(id) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{PENDING} AND s.submission_id = $1 ORDER BY s.id LIMIT $2"
                )))
                .bind(id.to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{PENDING} ORDER BY s.id LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        if rows.is_empty() {
            return Ok(0);
        }
        let pending = rows
            .iter()
            .map(|r| {
                Ok((
                    parse_uuid(&r.try_get::<String, _>("id")?)?,
                    r.try_get::<String, _>("number_ref")?,
                    r.try_get::<Vec<u8>, _>("number_sealed")?,
                ))
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let mut tx = self.begin_write().await?;
        let ids: Vec<Uuid> = pending.iter().map(|(id, _, _)| *id).collect();
        let event = AuditEvent::success(actions::NUMBER_INDEX, None)
            .with_detail(serde_json::json!({"subjects": ids, "count": ids.len()}));
        let receipt = audit::append(&mut tx, &AuditContext::system(), &event).await?;
        tx.commit().await?;

        // Opened in memory only after the entry committed; each plaintext is wiped when
        // its iteration ends.
        let derived: Vec<(Uuid, String, Vec<u8>, Vec<u8>)> = pending
            .into_iter()
            .map(|(id, number_ref, sealed)| {
                let number = unsealer
                    .unseal(&sealed, &receipt)
                    .ok()
                    .and_then(|plain| std::str::from_utf8(&plain).ok().map(MyNumber::parse))
                    .and_then(Result::ok);
                match number {
                    Some(number) => (
                        id,
                        number_ref,
                        key.index(&number),
                        key.seal_last4(id, &number),
                    ),
                    None => {
                        // Sealed to another identity (a rotation under way) or damaged:
                        // recorded as derived-without-value so it is not retried forever;
                        // the officer sees no last four digits, nothing is flagged.
                        tracing::error!(subject = %id, "a sealed number did not open for indexing");
                        (id, number_ref, Vec::new(), Vec::new())
                    }
                }
            })
            .collect();

        let mut tx = self.begin_write().await?;
        let now = now_millis();
        for (id, number_ref, index, last4) in &derived {
            sqlx::query(
                "INSERT INTO number_index (subject_id, number_ref, blind_index, last4_sealed, indexed_at) \
                 SELECT $1, $2, $3, $4, $5 WHERE EXISTS \
                 (SELECT 1 FROM subjects WHERE id = $1 AND number_ref = $2) \
                 ON CONFLICT (subject_id) DO UPDATE SET number_ref = excluded.number_ref, \
                 blind_index = excluded.blind_index, last4_sealed = excluded.last4_sealed, \
                 indexed_at = excluded.indexed_at",
            )
            .bind(id.to_string())
            .bind(number_ref.clone())
            .bind(index.clone())
            .bind(last4.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE subjects SET number_pending = 0 WHERE id = $1 AND number_ref = $2")
                .bind(id.to_string())
                .bind(number_ref.clone())
                .execute(&mut *tx)
                .await?;
            note_duplicate(&mut tx, *id).await?;
        }
        tx.commit().await?;
        Ok(derived.len())
    }

    /// The last four digits of each person of a submission whose number is derived and
    /// current (internal side only: it takes the key).
    pub async fn number_last4s(
        &self,
        key: &NumberIndexKey,
        submission: Uuid,
    ) -> Result<HashMap<Uuid, String>, StorageError> {
        let rows = sqlx::query(
            "SELECT s.id, n.last4_sealed FROM subjects s \
             JOIN number_index n ON n.subject_id = s.id AND n.number_ref = s.number_ref \
             WHERE s.submission_id = $1 AND s.number_sealed IS NOT NULL",
        )
        .bind(submission.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::new();
        for row in rows {
            let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
            let sealed: Vec<u8> = row.try_get("last4_sealed")?;
            if let Some(last4) = key.open_last4(id, &sealed) {
                out.insert(id, last4);
            }
        }
        Ok(out)
    }

    /// Fills in the last four digits of the people of `status` (internal side only).
    pub async fn show_last4s(
        &self,
        key: &NumberIndexKey,
        status: &mut crate::submissions::SubmissionStatus,
    ) -> Result<(), StorageError> {
        let last4s = self.number_last4s(key, status.submission_id).await?;
        for subject in &mut status.subjects {
            subject.number_last4 = last4s.get(&subject.subject_id).cloned();
        }
        Ok(())
    }
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Lists the subject's number in `duplicate_numbers` when another live person holds it
/// under a different name or birth date (the queue's flagged-duplicates view), and marks
/// every submission holding it.
async fn note_duplicate(tx: &mut Tx, subject_id: Uuid) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO duplicate_numbers (blind_index, first_seen_at) \
         SELECT na.blind_index, $2 FROM number_index na JOIN subjects a ON a.id = na.subject_id \
         WHERE na.subject_id = $1 AND na.number_ref = a.number_ref AND length(na.blind_index) > 0 \
         AND EXISTS (SELECT 1 FROM number_index nb JOIN subjects b ON b.id = nb.subject_id \
             AND b.number_ref = nb.number_ref \
             WHERE nb.blind_index = na.blind_index AND nb.subject_id <> na.subject_id \
             AND b.removed_at IS NULL AND COALESCE(b.person_id, b.id) <> COALESCE(a.person_id, a.id) \
             AND (b.name <> a.name OR b.birth_date <> a.birth_date)) \
         ON CONFLICT (blind_index) DO NOTHING",
    )
    .bind(subject_id.to_string())
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE submissions SET duplicate_flag = 1 WHERE duplicate_flag = 0 AND id IN \
         (SELECT b.submission_id FROM number_index na \
          JOIN duplicate_numbers d ON d.blind_index = na.blind_index \
          JOIN number_index nb ON nb.blind_index = na.blind_index \
          JOIN subjects b ON b.id = nb.subject_id AND b.number_ref = nb.number_ref \
          WHERE na.subject_id = $1 AND b.removed_at IS NULL)",
    )
    .bind(subject_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the derivations of a submission's numbers when they are destroyed, and takes
/// their blind indexes off the duplicate list unless another live person still holds them.
pub(crate) async fn forget_submission(tx: &mut Tx, submission: Uuid) -> Result<(), StorageError> {
    forget_versions(
        tx,
        "SELECT id FROM subjects WHERE submission_id = $1",
        submission,
    )
    .await
}

/// The same for the versions `versions` selects (a `SELECT id FROM subjects …` of `$1` =
/// `id`): one person's or one version's numbers disposed of on their own date.
pub(crate) async fn forget_versions(
    tx: &mut Tx,
    versions: &'static str,
    id: Uuid,
) -> Result<(), StorageError> {
    let indexes: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT n.blind_index FROM number_index n \
         WHERE n.subject_id IN ({versions}) AND length(n.blind_index) > 0"
    )))
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM number_index WHERE subject_id IN ({versions})"
    )))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    for index in indexes {
        sqlx::query(
            "DELETE FROM duplicate_numbers WHERE blind_index = $1 AND NOT EXISTS \
             (SELECT 1 FROM number_index n JOIN subjects s ON s.id = n.subject_id \
              WHERE n.blind_index = $1 AND s.removed_at IS NULL)",
        )
        .bind(index)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_numbers_share_an_index_under_one_key_only() {
        let key = NumberIndexKey::from_file(&NumberIndexKey::generate_file()).expect("key");
        let other = NumberIndexKey::from_file(&NumberIndexKey::generate_file()).expect("key");
        let a = MyNumber::parse("123456789018").expect("valid");
        let b = MyNumber::parse("1234 5678 9018").expect("valid");
        assert_eq!(key.index(&a), key.index(&b));
        assert_ne!(key.index(&a), other.index(&a));
        assert!(NumberIndexKey::from_file("not base64!").is_err());
    }

    #[test]
    fn the_last_four_digits_open_for_their_subject_and_key_only() {
        let key = NumberIndexKey::from_file(&NumberIndexKey::generate_file()).expect("key");
        let other = NumberIndexKey::from_file(&NumberIndexKey::generate_file()).expect("key");
        let number = MyNumber::parse("123456789018").expect("valid");
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = key.seal_last4(alice, &number);
        assert!(!sealed.windows(4).any(|w| w == b"9018"));
        assert_eq!(key.open_last4(alice, &sealed).as_deref(), Some("9018"));
        assert_eq!(key.open_last4(bob, &sealed), None);
        assert_eq!(other.open_last4(alice, &sealed), None);
        assert_eq!(key.open_last4(alice, &[]), None);
    }
}
