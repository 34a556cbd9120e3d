//! Staff sessions, sign-in counting and the officer queue, on SQLite and PostgreSQL alike.

use storage::audit::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation};
use storage::lockout::{AttemptKey, Reserved, Throttle};
use storage::org::BranchCode;
use storage::person::{BirthDate, NameKana, PersonName, Relationship};
use storage::staff::{NewStaffAccount, NewStaffSession, Role, SignInAttempt, SignInOutcome};
use storage::submissions::{DocumentKind, SealedDocument, SubjectInput};
use storage::test_support::TestDatabase;
use storage::{InternalKeys, KeyFiles, Keyring, MyNumber, SecretToken, StorageError, Vault};
use uuid::Uuid;

use storage::on_both_backends;

on_both_backends!(
    a_new_sign_in_ends_the_accounts_previous_session,
    a_staff_session_in_use_stays_and_an_idle_one_ends,
    sign_in_attempts_are_kept_in_the_history,
    thirty_concurrent_guesses_get_no_more_checks_than_the_limit,
    a_session_row_made_without_the_session_key_or_changed_since_is_no_session,
    an_expired_claim_passes_to_another_officer_and_the_first_cannot_decide,
    the_queue_shows_only_the_officers_branches,
    a_number_on_two_different_people_is_flagged_and_filtered,
);

struct Fixture {
    vault: Vault,
    keys: Keyring,
    internal: InternalKeys,
    _keys_dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(db: &TestDatabase) -> Self {
        let keys_dir = tempfile::tempdir().expect("tmp");
        let files = KeyFiles::new(keys_dir.path());
        files.create(None).expect("keys");
        Self {
            vault: Vault::connect(&db.url).await.expect("connect"),
            keys: files.load(true, None).expect("load"),
            internal: InternalKeys::load(keys_dir.path()).expect("internal keys"),
            _keys_dir: keys_dir,
        }
    }

    /// What the internal side's indexer does every few seconds.
    async fn derive_numbers(&self) {
        self.vault
            .index_pending_numbers(
                &self.internal.number_index,
                self.keys.unsealer().expect("identity"),
                None,
                100,
            )
            .await
            .expect("derive");
    }

    async fn sign_in(&self, id: Uuid, token: &SecretToken, absolute_expires_at: i64) {
        let ok = attempt("officer", Some(id), "192.0.2.1", SignInOutcome::Success);
        let session = NewStaffSession {
            tag: self.internal.session.tag(token),
            role: Role::Officer,
            second_factor_done: true,
            absolute_expires_at,
        };
        self.vault
            .record_sign_in(&ok, Some((&self.internal.session, &session)))
            .await
            .expect("sign in");
    }

    async fn session_of(
        &self,
        token: &SecretToken,
        idle: i64,
    ) -> Option<storage::staff::StaffSession> {
        self.vault
            .staff_session(
                &self.internal.session,
                &self.internal.session.tag(token),
                idle,
            )
            .await
            .expect("session")
    }

    async fn staff(&self, username: &str, scopes: &[&str]) -> Uuid {
        self.vault
            .create_staff_account(
                &AuditContext::cli(),
                &NewStaffAccount {
                    username: storage::staff::Username::parse(username).expect("username"),
                    role: Role::Officer,
                    password_hash: "$argon2id$not-used-here".into(),
                    scopes: scopes
                        .iter()
                        .map(|s| BranchCode::parse(s).expect("b"))
                        .collect(),
                },
            )
            .await
            .expect("staff")
    }

    /// A submission of `branch`, handed in with one person and one document.
    async fn submitted(&self, branch: &str) -> Uuid {
        self.submitted_as(branch, "山田 太郎").await
    }

    /// The same, for a person of this name (the number is always the same one).
    async fn submitted_as(&self, branch: &str, name: &str) -> Uuid {
        let inv = self
            .vault
            .create_invitation(
                &AuditContext::cli(),
                &NewInvitation {
                    kind: InvitationKind::Employee,
                    name: PersonName::parse("山田 太郎").expect("name"),
                    name_kana: None,
                    email: None,
                    employee_code: None,
                    branch: Some(BranchCode::parse(branch).expect("b")),
                    birth_date: None,
                    valid_days: 30,
                },
            )
            .await
            .expect("invite");
        let session = self
            .vault
            .start_provider_session(&AuditContext::cli(), &inv.token, None, 60_000)
            .await
            .expect("sign in")
            .session;
        let subject = self
            .vault
            .save_self_subject(
                &AuditContext::cli(),
                &session,
                &SubjectInput {
                    relationship: Relationship::Myself,
                    name: PersonName::parse(name).expect("name"),
                    name_kana: NameKana::parse("やまだ たろう").expect("kana"),
                    birth_date: BirthDate::parse("1990-04-01", time::macros::date!(2026 - 11 - 22))
                        .expect("date"),
                    number: Some(
                        self.keys
                            .seal_number(&MyNumber::parse("123456789018").expect("n"))
                            .expect("seal"),
                    ),
                    no_number_reason: None,
                    details: Default::default(),
                },
            )
            .await
            .expect("save");
        let document = SealedDocument {
            kind: DocumentKind::MyNumberCardFront,
            sealed: self.keys.sealer().seal(b"\xff\xd8 jpeg").expect("seal"),
            width: 10,
            height: 10,
            removed_metadata: vec![],
            warnings: vec![],
            qr: None,
        };
        self.vault
            .store_document(
                &AuditContext::cli(),
                session.submission_id,
                subject,
                &document,
                None,
                None,
            )
            .await
            .expect("store");
        self.vault
            .submit(&AuditContext::cli(), &session)
            .await
            .expect("submit")
            .expect("complete");
        session.submission_id
    }
}

fn attempt(
    username: &str,
    account: Option<Uuid>,
    ip: &str,
    outcome: SignInOutcome,
) -> SignInAttempt {
    SignInAttempt {
        username: username.into(),
        account_id: account,
        source_ip: Some(ip.into()),
        user_agent: Some("test".into()),
        outcome,
        reason: "test",
    }
}

fn far_future() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp() + 3600) * 1000
}

async fn a_new_sign_in_ends_the_accounts_previous_session(f: Fixture) {
    let id = f.staff("officer.a", &["TKY"]).await;
    let (first, second) = (SecretToken::generate(), SecretToken::generate());
    f.sign_in(id, &first, far_future()).await;
    assert!(f.session_of(&first, 60_000).await.is_some());
    f.sign_in(id, &second, far_future()).await;
    assert!(f.session_of(&first, 60_000).await.is_none());
    let live = f.session_of(&second, 60_000).await.expect("live");
    assert_eq!((live.account_id, live.role), (id, Role::Officer));
    // Past its absolute end, a session is gone whatever its activity.
    let expired = SecretToken::generate();
    f.sign_in(id, &expired, 1).await;
    assert!(f.session_of(&expired, 60_000).await.is_none());
}

/// The idle clock moves with use, in steps of a tenth of the idle period: used every
/// 0.6 s, a session with a 1 s idle period lives on; left alone for longer, it ends.
async fn a_staff_session_in_use_stays_and_an_idle_one_ends(f: Fixture) {
    let id = f.staff("officer.idle", &["TKY"]).await;
    let token = SecretToken::generate();
    f.sign_in(id, &token, far_future()).await;
    let idle = 1_000;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert!(
            f.session_of(&token, idle).await.is_some(),
            "in use, the session lives on past its idle period"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert!(
        f.session_of(&token, idle).await.is_none(),
        "idle longer than its period, it is over"
    );
}

/// Invariant 6: whoever writes the database without `keys/session.key` — a compromised
/// public instance, a stolen database password — cannot make a session: a row keyed with
/// another key lets nobody in (the black-box test in `tests/` tries the plain hash of a
/// token, as rows held before), and a real row moved to
/// another account, given another role or marked past the second factor stops working.
async fn a_session_row_made_without_the_session_key_or_changed_since_is_no_session(f: Fixture) {
    let officer = f.staff("officer.a", &["TKY"]).await;
    let admin = f.staff("admin.b", &[]).await;
    let other_dir = tempfile::tempdir().expect("tmp");
    let other = storage::SessionKey::load_or_create(other_dir.path()).expect("other key");
    // A row written with another key (as an attacker holding a key of their own would).
    let token = SecretToken::generate();
    let session = NewStaffSession {
        tag: other.tag(&token),
        role: Role::Officer,
        second_factor_done: true,
        absolute_expires_at: far_future(),
    };
    f.vault
        .record_sign_in(
            &attempt(
                "officer.a",
                Some(officer),
                "192.0.2.1",
                SignInOutcome::Success,
            ),
            Some((&other, &session)),
        )
        .await
        .expect("written");
    assert!(f.session_of(&token, 60_000).await.is_none(), "another key");
    // A real session, then changed row by row.
    for tamper in [
        "UPDATE staff_sessions SET account_id = (SELECT id FROM staff_accounts WHERE username = 'admin.b')",
        "UPDATE staff_accounts SET role = 'admin' WHERE username = 'officer.a'",
        "UPDATE staff_sessions SET absolute_expires_at = absolute_expires_at + 1",
    ] {
        let token = SecretToken::generate();
        f.vault
            .tamper_for_tests(
                "UPDATE staff_accounts SET role = 'officer' WHERE username = 'officer.a'",
            )
            .await
            .expect("reset role");
        f.sign_in(officer, &token, far_future()).await;
        assert!(f.session_of(&token, 60_000).await.is_some(), "genuine");
        f.vault.tamper_for_tests(tamper).await.expect("tamper");
        assert!(f.session_of(&token, 60_000).await.is_none(), "{tamper}");
        f.vault
            .tamper_for_tests("DELETE FROM staff_sessions")
            .await
            .expect("clean");
    }
    let _ = admin;
}

async fn sign_in_attempts_are_kept_in_the_history(f: Fixture) {
    for ip in ["192.0.2.1", "192.0.2.1", "192.0.2.2"] {
        f.vault
            .record_sign_in(&attempt("someone", None, ip, SignInOutcome::Failure), None)
            .await
            .expect("record");
    }
    f.vault
        .record_sign_in(
            &attempt("other", None, "192.0.2.1", SignInOutcome::Locked),
            None,
        )
        .await
        .expect("record");
    assert_eq!(f.vault.sign_in_history(10).await.expect("history").len(), 4);
}

/// Security review, finding 4: 29 wrong passwords and the right one, sent at once, were all
/// checked. Reserved before the check, at most `limit` attempts are ever in flight or
/// failed: the rest are refused unchecked, on both backends; a success clears the key.
async fn thirty_concurrent_guesses_get_no_more_checks_than_the_limit(f: Fixture) {
    let throttle = Throttle {
        limit: 5,
        window_ms: 60_000,
        cleared_by_success: true,
    };
    let key = || AttemptKey {
        key: "staff-user:alice".into(),
        throttle,
    };
    let attempts = (0..30).map(|_| {
        let vault = f.vault.clone();
        let key = key();
        tokio::spawn(async move {
            let reserved = vault.reserve_attempt(&[key]).await.expect("reserve");
            // The check (an argon2 run) takes a while; meanwhile the others arrive.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            match reserved {
                Reserved::Granted(r) => {
                    vault.settle_attempt(r, false).await.expect("settle");
                    true
                }
                Reserved::Locked { .. } => false,
            }
        })
    });
    let mut checked = 0;
    for attempt in futures_util::future::join_all(attempts).await {
        checked += usize::from(attempt.expect("task"));
    }
    assert_eq!(checked, 5, "exactly the limit was checked");
    assert!(matches!(
        f.vault.reserve_attempt(&[key()]).await.expect("r"),
        Reserved::Locked { retry_after_ms, .. } if retry_after_ms > 0
    ));
    // Another key is not affected; a success there clears its failures.
    let bob = AttemptKey {
        key: "staff-user:bob".into(),
        throttle,
    };
    for _ in 0..4 {
        let Reserved::Granted(r) = f
            .vault
            .reserve_attempt(std::slice::from_ref(&bob))
            .await
            .expect("r")
        else {
            panic!("bob is not locked");
        };
        f.vault.settle_attempt(r, false).await.expect("settle");
    }
    let Reserved::Granted(r) = f
        .vault
        .reserve_attempt(std::slice::from_ref(&bob))
        .await
        .expect("r")
    else {
        panic!("a fifth attempt is allowed");
    };
    f.vault.settle_attempt(r, true).await.expect("success");
    for _ in 0..5 {
        let Reserved::Granted(r) = f
            .vault
            .reserve_attempt(std::slice::from_ref(&bob))
            .await
            .expect("r")
        else {
            panic!("the success cleared bob's failures");
        };
        f.vault.settle_attempt(r, false).await.expect("settle");
    }
}

async fn an_expired_claim_passes_to_another_officer_and_the_first_cannot_decide(f: Fixture) {
    let submission = f.submitted("TKY").await;
    let a = f.staff("officer.a", &["TKY"]).await;
    let b = f.staff("officer.b", &["TKY"]).await;
    let ctx = |id| AuditContext {
        actor: storage::Actor::Staff(id),
        source_ip: None,
    };
    // A claim that is already over (as if 30 minutes had passed).
    assert_eq!(
        f.vault
            .as_staff(a.into())
            .claim_next(&ctx(a), -1)
            .await
            .expect("claim"),
        Some(submission)
    );
    assert_eq!(
        f.vault
            .as_staff(b.into())
            .claim_next(&ctx(b), 60_000)
            .await
            .expect("claim"),
        Some(submission)
    );
    assert_eq!(
        f.vault
            .as_staff(a.into())
            .claim_next(&ctx(a), 60_000)
            .await
            .expect("claim"),
        None
    );
    let refused = f
        .vault
        .as_staff(a.into())
        .reject_submission(&ctx(a), submission, "other", "")
        .await;
    assert!(matches!(refused, Err(StorageError::ClaimRequired)));
    let state = f
        .vault
        .as_staff(b.into())
        .reject_submission(&ctx(b), submission, "other", "")
        .await
        .expect("reject");
    assert_eq!(state, storage::SubmissionState::Rejected);
}

async fn the_queue_shows_only_the_officers_branches(f: Fixture) {
    let tokyo = f.submitted("TKY").await;
    f.submitted("OSK").await;
    let officer = f.staff("officer.a", &["TKY"]).await;
    f.derive_numbers().await;
    let open = [storage::SubmissionState::Submitted];
    let queue = f
        .vault
        .as_staff(officer.into())
        .queue(&open)
        .await
        .expect("queue");
    assert_eq!(
        queue.iter().map(|e| e.submission_id).collect::<Vec<_>>(),
        [tokyo]
    );
    // The same person (same name and birth date) on two submissions is no duplicate;
    // only the same blind index on two different people is.
    assert!(!queue[0].duplicate_number);
}

async fn a_number_on_two_different_people_is_flagged_and_filtered(f: Fixture) {
    use storage::review::QueueQuery;
    let first = f.submitted("TKY").await;
    let officer = f.staff("officer.a", &["TKY"]).await;
    let duplicates = QueueQuery {
        states: vec![storage::SubmissionState::Submitted],
        duplicates_only: true,
        ..QueueQuery::default()
    };
    assert!(
        f.vault
            .as_staff(officer.into())
            .queue_page(&duplicates)
            .await
            .expect("q")
            .is_empty()
    );
    let second = f.submitted_as("TKY", "佐藤 花子").await;
    // Only the internal side can tell that two sealed numbers are equal.
    assert!(
        f.vault
            .as_staff(officer.into())
            .queue_page(&duplicates)
            .await
            .expect("q")
            .is_empty(),
        "nothing is flagged before the internal side derives the numbers"
    );
    f.derive_numbers().await;
    let page = f
        .vault
        .as_staff(officer.into())
        .queue_page(&duplicates)
        .await
        .expect("q");
    assert_eq!(
        page.iter().map(|e| e.submission_id).collect::<Vec<_>>(),
        [first, second]
    );
    assert!(page.iter().all(|e| e.duplicate_number));
    // Paging: the line after the first.
    let after = QueueQuery {
        after: Some((page[0].submitted_at.expect("at"), first)),
        ..duplicates
    };
    let rest = f
        .vault
        .as_staff(officer.into())
        .queue_page(&after)
        .await
        .expect("q");
    assert_eq!(
        rest.iter().map(|e| e.submission_id).collect::<Vec<_>>(),
        [second]
    );
}
