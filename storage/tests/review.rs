//! Staff sessions, sign-in counting and the officer queue, on SQLite and PostgreSQL alike.

use storage::audit::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation};
use storage::org::BranchCode;
use storage::person::{BirthDate, NameKana, PersonName, Relationship};
use storage::staff::{NewStaffAccount, NewStaffSession, Role, SignInAttempt, SignInOutcome};
use storage::submissions::{DocumentKind, SealedDocument, SubjectInput};
use storage::test_support::TestDatabase;
use storage::{KeyFiles, Keyring, MyNumber, SecretToken, StorageError, Vault};
use uuid::Uuid;

use storage::on_both_backends;

on_both_backends!(
    a_new_sign_in_ends_the_accounts_previous_session,
    a_staff_session_in_use_stays_and_an_idle_one_ends,
    failures_are_counted_per_username_and_per_address,
    an_expired_claim_passes_to_another_officer_and_the_first_cannot_decide,
    the_queue_shows_only_the_officers_branches,
    a_number_on_two_different_people_is_flagged_and_filtered,
);

struct Fixture {
    vault: Vault,
    keys: Keyring,
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
            _keys_dir: keys_dir,
        }
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
                    number: self
                        .keys
                        .seal_number(&MyNumber::parse("123456789018").expect("n"))
                        .expect("seal"),
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

fn session(token: &SecretToken, absolute_expires_at: i64) -> NewStaffSession {
    NewStaffSession {
        token_hash: token.hash(),
        csrf_hash: SecretToken::generate().hash(),
        second_factor_done: true,
        absolute_expires_at,
    }
}

fn far_future() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp() + 3600) * 1000
}

async fn a_new_sign_in_ends_the_accounts_previous_session(f: Fixture) {
    let id = f.staff("officer.a", &["TKY"]).await;
    let (first, second) = (SecretToken::generate(), SecretToken::generate());
    let ok = attempt("officer.a", Some(id), "192.0.2.1", SignInOutcome::Success);
    f.vault
        .record_sign_in(&ok, Some(&session(&first, far_future())))
        .await
        .expect("first");
    assert!(
        f.vault
            .staff_session(&first.hash(), 60_000)
            .await
            .expect("s")
            .is_some()
    );
    f.vault
        .record_sign_in(&ok, Some(&session(&second, far_future())))
        .await
        .expect("second");
    assert!(
        f.vault
            .staff_session(&first.hash(), 60_000)
            .await
            .expect("s")
            .is_none()
    );
    let live = f
        .vault
        .staff_session(&second.hash(), 60_000)
        .await
        .expect("s")
        .expect("live");
    assert_eq!((live.account_id, live.role), (id, Role::Officer));
    // Past its absolute end, a session is gone whatever its activity.
    let expired = SecretToken::generate();
    f.vault
        .record_sign_in(&ok, Some(&session(&expired, 1)))
        .await
        .expect("third");
    assert!(
        f.vault
            .staff_session(&expired.hash(), 60_000)
            .await
            .expect("s")
            .is_none()
    );
}

/// The idle clock moves with use, in steps of a tenth of the idle period: used every
/// 0.6 s, a session with a 1 s idle period lives on; left alone for longer, it ends.
async fn a_staff_session_in_use_stays_and_an_idle_one_ends(f: Fixture) {
    let id = f.staff("officer.idle", &["TKY"]).await;
    let token = SecretToken::generate();
    let ok = attempt(
        "officer.idle",
        Some(id),
        "192.0.2.1",
        SignInOutcome::Success,
    );
    f.vault
        .record_sign_in(&ok, Some(&session(&token, far_future())))
        .await
        .expect("sign in");
    let idle = 1_000;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert!(
            f.vault
                .staff_session(&token.hash(), idle)
                .await
                .expect("s")
                .is_some(),
            "in use, the session lives on past its idle period"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert!(
        f.vault
            .staff_session(&token.hash(), idle)
            .await
            .expect("s")
            .is_none(),
        "idle longer than its period, it is over"
    );
}

async fn failures_are_counted_per_username_and_per_address(f: Fixture) {
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
    let counts = f
        .vault
        .recent_sign_in_failures("someone", Some("192.0.2.1"), 0)
        .await
        .expect("count");
    assert_eq!(counts, (3, 2));
    let later = far_future();
    assert_eq!(
        f.vault
            .recent_sign_in_failures("someone", Some("192.0.2.1"), later)
            .await
            .expect("c"),
        (0, 0),
        "failures outside the window do not count"
    );
    assert_eq!(f.vault.sign_in_history(10).await.expect("history").len(), 4);
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
        f.vault.claim_next(&ctx(a), a, -1).await.expect("claim"),
        Some(submission)
    );
    assert_eq!(
        f.vault.claim_next(&ctx(b), b, 60_000).await.expect("claim"),
        Some(submission)
    );
    assert_eq!(
        f.vault.claim_next(&ctx(a), a, 60_000).await.expect("claim"),
        None
    );
    let refused = f
        .vault
        .reject_submission(&ctx(a), a, submission, "other", "")
        .await;
    assert!(matches!(refused, Err(StorageError::Conflict(_))));
    let state = f
        .vault
        .reject_submission(&ctx(b), b, submission, "other", "")
        .await
        .expect("reject");
    assert_eq!(state, storage::SubmissionState::Rejected);
}

async fn the_queue_shows_only_the_officers_branches(f: Fixture) {
    let tokyo = f.submitted("TKY").await;
    f.submitted("OSK").await;
    let officer = f.staff("officer.a", &["TKY"]).await;
    let open = [storage::SubmissionState::Submitted];
    let queue = f.vault.queue(officer, &open).await.expect("queue");
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
            .queue_page(officer, &duplicates)
            .await
            .expect("q")
            .is_empty()
    );
    let second = f.submitted_as("TKY", "佐藤 花子").await;
    let page = f.vault.queue_page(officer, &duplicates).await.expect("q");
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
    let rest = f.vault.queue_page(officer, &after).await.expect("q");
    assert_eq!(
        rest.iter().map(|e| e.submission_id).collect::<Vec<_>>(),
        [second]
    );
}
