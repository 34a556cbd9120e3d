//! Lockout: how many wrong guesses a secret may take, counted where every instance sees it.
//!
//! The policy, after NIST SP 800-63B §5.2.2 (rate limiting): a secret — a staff password
//! with its second factor, a step-up re-authentication — may be guessed wrong at most
//! `limit` times per key (a username, a client address, an account) within a window;
//! past that, attempts are refused unchecked until the window ends. A success clears the
//! key's failures when the key is the account's own (not a shared address's).
//!
//! Why reservations: checking a password takes an argon2 run (about 0.1 s), and counting
//! failures afterwards let 30 concurrent guesses all be checked while the count still read
//! zero (security review, finding 4). Here an attempt is *reserved* before the secret is
//! checked — in one write transaction that reads and raises the counter under the row's
//! lock (`BEGIN IMMEDIATE` on SQLite, a row lock taken by an UPDATE on PostgreSQL) — and
//! *settled* after: attempts in flight count against the limit, so at most `limit` guesses
//! are ever checked in a window, however many arrive at once. A reservation left behind by
//! a crash ends with its window.

use crate::vault::now_millis;
use crate::{StorageError, Vault};

/// How many failed attempts a key may take within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failed (or in-flight) attempts allowed in a window.
    pub limit: i64,
    /// The window, from its first attempt, in milliseconds.
    pub window_ms: i64,
    /// Whether a success clears the failures (the account's own key, not an address's).
    pub cleared_by_success: bool,
}

/// One counter to reserve an attempt on.
#[derive(Debug, Clone)]
pub struct AttemptKey {
    /// What is counted, e.g. `staff-user:alice` or `staff-ip:192.0.2.1`.
    pub key: String,
    /// Its limits.
    pub throttle: Throttle,
}

/// An attempt allowed to go ahead; settle it with [`Vault::settle_attempt`].
#[derive(Debug)]
#[must_use = "settle the attempt once the secret is checked"]
pub struct Reservation {
    keys: Vec<AttemptKey>,
}

/// The answer to a reservation.
#[derive(Debug)]
pub enum Reserved {
    /// Check the secret, then settle.
    Granted(Reservation),
    /// Refused unchecked: the key at `key` (index into the keys asked for) is locked for
    /// `retry_after_ms` more.
    Locked {
        /// Which key is locked.
        key: usize,
        /// Until the window ends.
        retry_after_ms: i64,
    },
}

impl Vault {
    /// Reserves one attempt on every key, all or none (see the module documentation).
    pub async fn reserve_attempt(&self, keys: &[AttemptKey]) -> Result<Reserved, StorageError> {
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        for (position, k) in keys.iter().enumerate() {
            sqlx::query(
                "INSERT INTO attempt_counters (key, window_start, failures, in_flight) \
                 VALUES ($1, $2, 0, 0) ON CONFLICT (key) DO NOTHING",
            )
            .bind(k.key.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // A window that has ended starts afresh; the UPDATE also takes the row's lock, so
            // the read below sees every attempt reserved before this one.
            sqlx::query(
                "UPDATE attempt_counters SET \
                 failures = CASE WHEN window_start <= $2 THEN 0 ELSE failures END, \
                 in_flight = CASE WHEN window_start <= $2 THEN 0 ELSE in_flight END, \
                 window_start = CASE WHEN window_start <= $2 THEN $3 ELSE window_start END \
                 WHERE key = $1",
            )
            .bind(k.key.clone())
            .bind(now - k.throttle.window_ms)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (window_start, failures, in_flight): (i64, i64, i64) = sqlx::query_as(
                "SELECT window_start, failures, in_flight FROM attempt_counters WHERE key = $1",
            )
            .bind(k.key.clone())
            .fetch_one(&mut *tx)
            .await?;
            if failures + in_flight >= k.throttle.limit {
                tx.rollback().await?;
                return Ok(Reserved::Locked {
                    key: position,
                    retry_after_ms: (window_start + k.throttle.window_ms - now).max(1),
                });
            }
            sqlx::query("UPDATE attempt_counters SET in_flight = in_flight + 1 WHERE key = $1")
                .bind(k.key.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Reserved::Granted(Reservation {
            keys: keys.to_vec(),
        }))
    }

    /// Settles a reserved attempt: a failure stays counted until its window ends; a success
    /// clears the failures of the keys that a success clears.
    pub async fn settle_attempt(
        &self,
        reservation: Reservation,
        succeeded: bool,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for k in &reservation.keys {
            // A success clears the failures only when it is the one attempt in flight (SET
            // reads the row as it was): during a burst of guesses the holder's own sign-in
            // does not hand the guesser a fresh allowance, so the checks stay within the
            // limit however the burst and the success interleave.
            let clear = succeeded && k.throttle.cleared_by_success;
            sqlx::query(
                "UPDATE attempt_counters SET \
                 in_flight = CASE WHEN in_flight > 0 THEN in_flight - 1 ELSE 0 END, \
                 failures = CASE WHEN $2 = 1 AND in_flight <= 1 THEN 0 WHEN $3 = 1 THEN failures ELSE failures + 1 END \
                 WHERE key = $1",
            )
            .bind(k.key.clone())
            .bind(i64::from(clear))
            .bind(i64::from(succeeded))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
