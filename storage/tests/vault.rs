//! Storage behaviour, run against SQLite and PostgreSQL alike.

use storage::audit::AuditContext;
use storage::invitations::{InvitationKind, NewInvitation, SignInError};
use storage::person::{BirthDate, NameKana, PersonName, Relationship};
use storage::submissions::{
    DependantDeclaration, DocumentKind, MissingItem, SealedDocument, SubjectEdit, SubjectInput,
};
use storage::test_support::TestDatabase;
use storage::{KeyFiles, Keyring, MyNumber, SubmissionState, Vault};

const NUMBER: &str = "123456789018";

use storage::on_both_backends;

on_both_backends!(
    a_provider_signs_in_and_hands_in_a_sealed_number_and_document,
    a_wrong_birth_date_is_counted_and_locks_the_invitation,
    ten_concurrent_wrong_birth_dates_lock_the_invitation_after_five,
    one_live_invitation_per_employee_code_even_when_two_batches_race,
    a_retried_upload_is_stored_once,
    a_submitted_submission_cannot_be_edited,
    a_subject_of_another_submission_is_not_found,
    the_audit_chain_verifies_and_names_the_first_edited_entry,
    a_deleted_tail_of_the_audit_chain_is_detected,
    a_consistently_rewritten_chain_is_caught_by_its_anchor,
    an_interrupted_key_rotation_resumes_and_every_record_opens_with_the_new_identity,
    disposal_takes_two_people_and_destroys_numbers_and_images_only,
    incidents_and_alerts_are_answered_from_the_audit_trail,
    the_file_ledger_is_derived_from_live_accounts_and_records,
    dependants_are_attested_changed_and_removed,
    a_role_grant_needs_a_second_admin_and_takes_effect_on_approval,
    invitations_are_listed_revoked_and_reissued,
);

struct Fixture {
    db_file: Option<std::path::PathBuf>,
    vault: Vault,
    keys: Keyring,
    files: KeyFiles,
    _keys_dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(db: &TestDatabase) -> Self {
        let keys_dir = tempfile::tempdir().expect("tmp");
        let files = KeyFiles::new(keys_dir.path());
        files.create(None).expect("keys");
        Self {
            db_file: db.sqlite_path(),
            vault: Vault::connect(&db.url).await.expect("connect"),
            keys: files.load(true, None).expect("load"),
            files,
            _keys_dir: keys_dir,
        }
    }

    /// The internal side's keys of this fixture's keys directory.
    fn internal_keys(&self) -> storage::InternalKeys {
        storage::InternalKeys::load(self._keys_dir.path()).expect("internal keys")
    }

    async fn invite(&self, birth_date: Option<&str>) -> storage::invitations::CreatedInvitation {
        let new = NewInvitation {
            kind: InvitationKind::Employee,
            name: PersonName::parse("山田 太郎").expect("name"),
            name_kana: None,
            email: None,
            employee_code: None,
            branch: None,
            birth_date: birth_date.map(date),
            valid_days: 30,
        };
        self.vault
            .create_invitation(&AuditContext::cli(), &new)
            .await
            .expect("invite")
    }

    async fn signed_in(&self) -> storage::invitations::ProviderSession {
        let inv = self.invite(None).await;
        self.vault
            .start_provider_session(&ctx(), &inv.token, None, 30 * 60_000)
            .await
            .expect("sign in")
            .session
    }

    fn subject(&self, relationship: Relationship) -> SubjectInput {
        SubjectInput {
            relationship,
            name: PersonName::parse("山田 太郎").expect("name"),
            name_kana: NameKana::parse("やまだ たろう").expect("kana"),
            birth_date: date("1990-04-01"),
            number: Some(
                self.keys
                    .seal_number(&MyNumber::parse(NUMBER).expect("n"))
                    .expect("seal"),
            ),
            no_number_reason: None,
            details: Default::default(),
        }
    }

    /// A dependant the employee attests to having checked (needed before submitting).
    async fn add_attested_dependant(
        &self,
        session: &storage::invitations::ProviderSession,
        relationship: Relationship,
    ) -> uuid::Uuid {
        let declaration = DependantDeclaration {
            identity_attested: true,
            category3_spouse: false,
        };
        self.vault
            .add_dependant_declared(&ctx(), session, &self.subject(relationship), declaration)
            .await
            .expect("dependant")
    }

    fn document(&self) -> SealedDocument {
        SealedDocument {
            kind: DocumentKind::MyNumberCardFront,
            sealed: self
                .keys
                .sealer()
                .seal(b"\xff\xd8 pretend jpeg")
                .expect("seal"),
            width: 2400,
            height: 1800,
            removed_metadata: vec!["gps_position".into()],
            warnings: vec![],
            qr: None,
        }
    }
}

fn date(s: &str) -> BirthDate {
    BirthDate::parse(s, time::macros::date!(2026 - 11 - 22)).expect("date")
}

fn ctx() -> AuditContext {
    AuditContext {
        actor: storage::Actor::System,
        source_ip: Some("192.0.2.1".into()),
    }
}

async fn a_provider_signs_in_and_hands_in_a_sealed_number_and_document(f: Fixture) {
    let session = f.signed_in().await;
    let status = f
        .vault
        .submission_status(session.submission_id)
        .await
        .expect("status");
    assert_eq!(status.state, SubmissionState::Draft);

    let missing = f.vault.submit(&ctx(), &session).await.expect("submit");
    assert_eq!(
        missing,
        Err(vec![MissingItem::OwnDetails, MissingItem::OwnDocuments])
    );

    let subject = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    // Saving again replaces rather than duplicates.
    let again = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    assert_eq!(subject, again);
    f.add_attested_dependant(&session, Relationship::Child)
        .await;
    assert!(
        f.vault
            .add_dependant(&ctx(), &session, &f.subject(Relationship::Myself))
            .await
            .is_err()
    );
    f.vault
        .store_document(
            &ctx(),
            session.submission_id,
            subject,
            &f.document(),
            None,
            None,
        )
        .await
        .expect("document");
    let state = f
        .vault
        .submit(&ctx(), &session)
        .await
        .expect("submit")
        .expect("complete");
    assert_eq!(state, SubmissionState::Submitted);

    let status = f
        .vault
        .submission_status(session.submission_id)
        .await
        .expect("status");
    assert_eq!(status.subjects.len(), 2);
    // What the provider's side reads: that a number is saved, no digit of it.
    assert!(status.subjects[0].number_saved);
    assert_eq!(status.subjects[0].number_last4, None);
    // The internal side derives the last four digits, sealed, and shows them to staff.
    let internal = f.internal_keys();
    f.vault
        .index_pending_numbers(
            &internal.number_index,
            f.keys.unsealer().expect("identity"),
            None,
            10,
        )
        .await
        .expect("derive");
    let mut shown = status.clone();
    f.vault
        .show_last4s(&internal.number_index, &mut shown)
        .await
        .expect("last4");
    assert_eq!(shown.subjects[0].number_last4.as_deref(), Some("9018"));
    assert_eq!(status.documents.len(), 1);
    assert_eq!(status.documents[0].removed_metadata, ["gps_position"]);

    let entries = f.vault.audit_entries(0, 1000).await.expect("entries");
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"document.seal"), "{actions:?}");
    assert!(actions.contains(&"submission.transition"), "{actions:?}");
    for e in &entries {
        let text = format!("{e:?}");
        assert!(
            !text.contains(NUMBER) && !text.contains("9018"),
            "audit entry holds a number: {text}"
        );
    }
    assert_eq!(
        f.vault
            .verify_audit_chain()
            .await
            .expect("verify")
            .first_break,
        None
    );
}

/// Security review, finding 4: on PostgreSQL the count of wrong birth dates was read
/// without a lock, so concurrent guesses each saw the same count. Ten at once: four are
/// told how many tries remain, the fifth locks the invitation, the rest find it locked.
async fn ten_concurrent_wrong_birth_dates_lock_the_invitation_after_five(f: Fixture) {
    let inv = f.invite(Some("1990-04-01")).await;
    let guesses = (0..10).map(|_| {
        let vault = f.vault.clone();
        let token = storage::SecretToken::parse(inv.token.expose()).expect("token");
        tokio::spawn(async move {
            vault
                .start_provider_session(&ctx(), &token, Some(date("1990-04-02")), 60_000)
                .await
                .err()
        })
    });
    let mut wrong = Vec::new();
    let mut locked = 0;
    for answer in futures_util::future::join_all(guesses).await {
        match answer.expect("task") {
            Some(SignInError::SecondFactorWrong { remaining }) => wrong.push(remaining),
            Some(SignInError::Locked { .. }) => locked += 1,
            other => panic!("{other:?}"),
        }
    }
    wrong.sort_unstable();
    assert_eq!(
        wrong,
        [1, 2, 3, 4],
        "each guess saw the count the previous one left"
    );
    assert_eq!(locked, 6);
}

/// Issue 15: the "already invited" rule lived only in the roster check, so `kakunin invite`
/// bypassed it and two concurrent roster uploads could both pass. Now the database holds
/// it: of two batches racing for one employee code exactly one lands (whole), a third is
/// refused naming the code, and once the first is revoked the code may be invited again.
async fn one_live_invitation_per_employee_code_even_when_two_batches_race(f: Fixture) {
    let batch = |codes: &[&str]| -> Vec<NewInvitation> {
        codes
            .iter()
            .map(|code| NewInvitation {
                kind: InvitationKind::Employee,
                name: PersonName::parse("山田 太郎").expect("name"),
                name_kana: None,
                email: None,
                employee_code: Some(storage::org::EmployeeCode::parse(code).expect("code")),
                branch: None,
                birth_date: None,
                valid_days: 30,
            })
            .collect()
    };
    let (a, b) = (batch(&["E001", "E002"]), batch(&["E003", "E002"]));
    let (ctx_a, ctx_b) = (ctx(), ctx());
    let (first, second) = tokio::join!(
        f.vault.create_invitations(&ctx_a, &a),
        f.vault.create_invitations(&ctx_b, &b)
    );
    assert!(
        first.is_ok() != second.is_ok(),
        "exactly one batch lands: {:?} / {:?}",
        first.as_ref().err(),
        second.as_ref().err()
    );
    let landed = first.or(second).expect("one landed");
    assert_eq!(landed.len(), 2, "the winner landed whole");
    let codes = f.vault.invited_employee_codes().await.expect("codes");
    assert!(
        codes.len() == 2 && codes.contains("E002"),
        "the loser left nothing behind: {codes:?}"
    );
    let again = f.vault.create_invitations(&ctx(), &batch(&["E002"])).await;
    assert!(
        matches!(again, Err(storage::StorageError::AlreadyInvited(ref c)) if c == "E002"),
        "{again:?}"
    );
    // E002 is the second of either batch.
    f.vault
        .revoke_invitation(&ctx(), landed[1].id)
        .await
        .expect("revoke");
    f.vault
        .create_invitations(&ctx(), &batch(&["E002"]))
        .await
        .expect("a revoked invitation frees its code");
}

async fn a_wrong_birth_date_is_counted_and_locks_the_invitation(f: Fixture) {
    let inv = f.invite(Some("1990-04-01")).await;
    let idle = 30 * 60_000;
    assert_eq!(
        f.vault
            .start_provider_session(&ctx(), &inv.token, None, idle)
            .await
            .err(),
        Some(SignInError::SecondFactorRequired)
    );
    for remaining in (1..5).rev() {
        let err = f
            .vault
            .start_provider_session(&ctx(), &inv.token, Some(date("1990-04-02")), idle)
            .await
            .err();
        assert_eq!(err, Some(SignInError::SecondFactorWrong { remaining }));
    }
    let locked = f
        .vault
        .start_provider_session(&ctx(), &inv.token, Some(date("1990-04-02")), idle)
        .await
        .err();
    assert!(
        matches!(locked, Some(SignInError::Locked { .. })),
        "{locked:?}"
    );
    // Locked: even the right birth date is refused until the lock expires.
    let still = f
        .vault
        .start_provider_session(&ctx(), &inv.token, Some(date("1990-04-01")), idle)
        .await
        .err();
    assert!(
        matches!(still, Some(SignInError::Locked { .. })),
        "{still:?}"
    );

    let other = f.invite(Some("1990-04-01")).await;
    let ok = f
        .vault
        .start_provider_session(&ctx(), &other.token, Some(date("1990-04-01")), idle)
        .await;
    let started = ok.expect("right birth date signs in");
    let found = f
        .vault
        .provider_session(&started.token, idle)
        .await
        .expect("lookup");
    assert_eq!(found.map(|s| s.submission_id), Some(other.submission_id));
    let unknown = storage::SecretToken::generate();
    assert_eq!(
        f.vault
            .start_provider_session(&ctx(), &unknown, None, idle)
            .await
            .err(),
        Some(SignInError::InvalidLink)
    );
}

async fn a_retried_upload_is_stored_once(f: Fixture) {
    let session = f.signed_in().await;
    let subject = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    let first = f
        .vault
        .store_document(
            &ctx(),
            session.submission_id,
            subject,
            &f.document(),
            Some("k1"),
            None,
        )
        .await
        .expect("1");
    let retry = f
        .vault
        .store_document(
            &ctx(),
            session.submission_id,
            subject,
            &f.document(),
            Some("k1"),
            None,
        )
        .await
        .expect("2");
    assert!(first.created && !retry.created);
    assert_eq!(first.summary.document_id, retry.summary.document_id);
    let status = f
        .vault
        .submission_status(session.submission_id)
        .await
        .expect("status");
    assert_eq!(status.documents.len(), 1);
}

async fn a_submitted_submission_cannot_be_edited(f: Fixture) {
    let session = f.signed_in().await;
    let subject = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    f.vault
        .store_document(
            &ctx(),
            session.submission_id,
            subject,
            &f.document(),
            None,
            None,
        )
        .await
        .expect("doc");
    f.vault
        .submit(&ctx(), &session)
        .await
        .expect("submit")
        .expect("complete");
    let err = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await;
    assert!(
        matches!(err, Err(storage::StorageError::Illegal(_))),
        "{err:?}"
    );
    let err = f.vault.submit(&ctx(), &session).await;
    assert!(
        matches!(err, Err(storage::StorageError::Illegal(_))),
        "{err:?}"
    );
    // Declining stays possible until an officer decides.
    assert_eq!(
        f.vault
            .decline(&ctx(), &session, "理由")
            .await
            .expect("decline"),
        SubmissionState::Declined
    );
}

async fn a_subject_of_another_submission_is_not_found(f: Fixture) {
    let alice = f.signed_in().await;
    let bob = f.signed_in().await;
    let alices_subject = f
        .vault
        .save_self_subject(&ctx(), &alice, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    let err = f
        .vault
        .store_document(
            &ctx(),
            bob.submission_id,
            alices_subject,
            &f.document(),
            None,
            None,
        )
        .await;
    assert!(
        matches!(err, Err(storage::StorageError::NotFound)),
        "{err:?}"
    );
}

async fn the_audit_chain_verifies_and_names_the_first_edited_entry(f: Fixture) {
    for _ in 0..3 {
        f.signed_in().await;
    }
    let report = f.vault.verify_audit_chain().await.expect("verify");
    assert!(
        report.entries >= 9 && report.first_break.is_none(),
        "{report:?}"
    );

    // The database refuses edits...
    let refused = f
        .vault
        .tamper_for_tests("UPDATE audit_log SET outcome = 'denied' WHERE seq = 4")
        .await;
    assert!(
        refused.is_err(),
        "the append-only trigger must refuse edits"
    );
    // ...and whoever removes the trigger is still caught by the chain.
    f.vault.drop_audit_triggers_for_tests().await;
    f.vault
        .tamper_for_tests("UPDATE audit_log SET outcome = 'denied' WHERE seq = 4")
        .await
        .expect("tamper");
    let report = f.vault.verify_audit_chain().await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.seq), Some(4));
}

async fn a_deleted_tail_of_the_audit_chain_is_detected(f: Fixture) {
    f.signed_in().await;
    f.signed_in().await;
    let before = f.vault.verify_audit_chain().await.expect("verify");
    f.vault.drop_audit_triggers_for_tests().await;
    f.vault
        .tamper_for_tests("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .await
        .expect("delete");
    let report = f.vault.verify_audit_chain().await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.seq), Some(before.entries));
    f.vault
        .tamper_for_tests("DELETE FROM audit_log WHERE seq = 2")
        .await
        .expect("delete");
    let report = f.vault.verify_audit_chain().await.expect("verify");
    assert_eq!(report.first_break.map(|b| b.seq), Some(2));
}

async fn a_consistently_rewritten_chain_is_caught_by_its_anchor(f: Fixture) {
    let anchors = tempfile::tempdir().expect("tmp");
    let path = anchors.path().join("audit-anchor.log");
    f.signed_in().await;
    let anchored = f.vault.anchor_audit_head(&path).await.expect("anchor");
    assert!(anchored > 0);
    // Nothing moved: no second line.
    f.vault.anchor_audit_head(&path).await.expect("anchor");
    assert_eq!(
        std::fs::read_to_string(&path)
            .expect("read")
            .lines()
            .count(),
        1
    );
    assert_eq!(
        f.vault.check_audit_anchors(&path).await.expect("check"),
        None
    );

    // A database administrator cuts the tail and resets the head consistently: the chain
    // alone looks intact, the anchor does not.
    f.vault.drop_audit_triggers_for_tests().await;
    f.vault
        .tamper_for_tests("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .await
        .expect("cut");
    f.vault
        .tamper_for_tests(
            "UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)) WHERE id = 1",
        )
        .await
        .expect("reset head");
    assert_eq!(
        f.vault
            .verify_audit_chain()
            .await
            .expect("verify")
            .first_break,
        None
    );
    let caught = f.vault.check_audit_anchors(&path).await.expect("check");
    assert_eq!(caught.map(|b| b.seq), Some(anchored));
}

async fn an_interrupted_key_rotation_resumes_and_every_record_opens_with_the_new_identity(
    f: Fixture,
) {
    for _ in 0..2 {
        let session = f.signed_in().await;
        let subject = f
            .vault
            .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
            .await
            .expect("save");
        f.vault
            .add_dependant(&ctx(), &session, &f.subject(Relationship::Spouse))
            .await
            .expect("dependant");
        f.vault
            .store_document(
                &ctx(),
                session.submission_id,
                subject,
                &f.document(),
                None,
                None,
            )
            .await
            .expect("doc");
    }
    let before = f.vault.sealed_blobs_for_tests().await;
    assert_eq!(before.len(), 6);

    f.files.begin_rotation(None).expect("begin");
    let keys = f.files.rotation_keys(None).expect("keys");
    // Interrupted after one batch of two...
    let first = f
        .vault
        .reseal_to_next_identity(&ctx(), &keys, 2, Some(1))
        .await
        .expect("first run");
    assert_eq!((first.resealed, first.complete), (2, false));
    // ...and resumed, even after starting over (begin is idempotent).
    f.files.begin_rotation(None).expect("resume");
    let keys = f.files.rotation_keys(None).expect("keys");
    let second = f
        .vault
        .reseal_to_next_identity(&ctx(), &keys, 2, None)
        .await
        .expect("second run");
    assert!(second.complete);
    assert_eq!((second.resealed, second.already_rotated), (4, 2));

    let after = f.vault.sealed_blobs_for_tests().await;
    assert!(
        after.iter().all(|b| keys.next.can_open(b)),
        "everything opens with the new identity"
    );
    assert!(
        after.iter().all(|b| !keys.retiring[0].can_open(b)),
        "nothing opens with the old one"
    );
    let retired = f.files.finish_rotation().expect("finish");
    assert!(retired.exists());
    let reloaded = f.files.load(true, None).expect("load");
    assert_eq!(
        reloaded
            .unsealer()
            .map(storage::sealing::Unsealer::recipient),
        Some(keys.next.recipient())
    );
    assert_eq!(f.files.destroy_retired().expect("destroy"), 1);
    assert!(!retired.exists());
    let reseals = f.vault.audit_entries(0, 1000).await.expect("audit");
    assert_eq!(
        reseals.iter().filter(|e| e.action == "keys.reseal").count(),
        3
    );
    assert_eq!(
        f.vault
            .verify_audit_chain()
            .await
            .expect("verify")
            .first_break,
        None
    );
}

async fn disposal_takes_two_people_and_destroys_numbers_and_images_only(f: Fixture) {
    let session = f.signed_in().await;
    let subject = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    f.add_attested_dependant(&session, Relationship::Spouse)
        .await;
    f.vault
        .store_document(
            &ctx(),
            session.submission_id,
            subject,
            &f.document(),
            None,
            None,
        )
        .await
        .expect("doc");
    f.vault
        .submit(&ctx(), &session)
        .await
        .expect("submit")
        .expect("complete");
    f.vault
        .tamper_for_tests("UPDATE submissions SET branch_code = 'TKY'")
        .await
        .expect("branch");
    let officer = |name: &'static str, branch: &'static str| {
        let vault = f.vault.clone();
        async move {
            let id = vault
                .create_staff_account(
                    &ctx(),
                    &storage::staff::NewStaffAccount {
                        username: storage::staff::Username::parse(name).expect("name"),
                        role: storage::staff::Role::Officer,
                        password_hash: "$argon2id$not-used-here".into(),
                        scopes: vec![storage::org::BranchCode::parse(branch).expect("b")],
                    },
                )
                .await
                .expect("officer");
            domain::StaffId::from(id)
        }
    };
    let (alice, bob, carol) = (
        officer("alice", "TKY").await,
        officer("bob", "TKY").await,
        officer("carol", "OSK").await,
    );
    let (alice, bob, carol) = (
        f.vault.as_staff(alice),
        f.vault.as_staff(bob),
        f.vault.as_staff(carol),
    );
    // Not verified yet: nothing to dispose of.
    assert!(
        alice
            .propose_disposal(
                &ctx(),
                storage::retention::DisposalTarget::Record(session.submission_id),
                time::macros::date!(2026 - 11 - 30),
            )
            .await
            .is_err()
    );
    f.vault
        .set_state_for_tests(session.submission_id, SubmissionState::Verified)
        .await;

    alice
        .set_needed_until(
            &ctx(),
            session.submission_id,
            time::macros::date!(2018 - 03 - 31),
        )
        .await
        .expect("needed");
    let today = time::macros::date!(2026 - 11 - 22);
    let due = alice.disposal_list(today, 30).await.expect("list");
    assert_eq!(due.len(), 1);
    // The same list for the operator; nothing for an officer of another branch, who can
    // neither propose nor approve it (the storage refuses by itself: issue 15).
    assert_eq!(
        f.vault
            .as_operator()
            .disposal_list(today, 30)
            .await
            .expect("list")
            .len(),
        1
    );
    assert!(
        carol
            .disposal_list(today, 30)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        carol
            .propose_disposal(
                &ctx(),
                storage::retention::DisposalTarget::Record(session.submission_id),
                time::macros::date!(2026 - 11 - 30),
            )
            .await,
        Err(storage::StorageError::NotFound)
    ));
    assert_eq!(
        (due[0].due_on.as_str(), due[0].overdue),
        ("2025-03-31", true)
    );
    assert!(
        alice
            .disposal_list(time::macros::date!(2025 - 01 - 01), 30)
            .await
            .expect("list")
            .is_empty()
    );

    let ciphertexts = f.vault.sealed_blobs_for_tests().await;
    assert_eq!(ciphertexts.len(), 3);
    let backup = f.db_file.as_ref().map(|db| {
        let copy = db.with_extension("backup");
        backup_copy(db, &copy);
        copy
    });

    let proposal = alice
        .propose_disposal(
            &ctx(),
            storage::retention::DisposalTarget::Record(session.submission_id),
            time::macros::date!(2026 - 11 - 30),
        )
        .await
        .expect("propose");
    let same = alice.approve_disposal(&ctx(), proposal).await;
    assert!(
        matches!(same, Err(storage::StorageError::SeparationOfDuties(_))),
        "{same:?}"
    );
    let elsewhere = carol.approve_disposal(&ctx(), proposal).await;
    assert!(
        matches!(elsewhere, Err(storage::StorageError::NotFound)),
        "{elsewhere:?}"
    );
    let record = bob
        .approve_disposal(&ctx(), proposal)
        .await
        .expect("approve");
    assert_eq!(
        (record.numbers_destroyed, record.documents_destroyed),
        (2, 1)
    );

    let status = f
        .vault
        .submission_status(session.submission_id)
        .await
        .expect("status");
    assert_eq!(status.state, SubmissionState::Disposed);
    assert_eq!(status.subjects.len(), 2, "the other personal data remain");
    assert!(
        status
            .subjects
            .iter()
            .all(|s| !s.number_saved && !s.name.is_empty())
    );
    assert!(f.vault.sealed_blobs_for_tests().await.is_empty());
    assert_eq!(f.vault.disposal_ledger().await.expect("ledger").len(), 1);

    if let Some(db) = &f.db_file {
        for suffix in ["", "-wal"] {
            let path = format!("{}{suffix}", db.display());
            let bytes = std::fs::read(&path).unwrap_or_default();
            for c in &ciphertexts {
                let probe = &c[c.len() - 48..];
                assert!(
                    !bytes.windows(probe.len()).any(|w| w == probe),
                    "disposed ciphertext still in {path}"
                );
            }
        }
    }

    // Crypto-shredding: the backup taken before the disposal still holds the ciphertext, but
    // after a rotation and the destruction of the retired identity nothing opens it.
    if let Some(backup) = backup {
        let bytes = std::fs::read(&backup).expect("backup");
        let probe = &ciphertexts[0][ciphertexts[0].len() - 48..];
        assert!(
            bytes.windows(probe.len()).any(|w| w == probe),
            "the backup holds the old ciphertext"
        );
        f.files.begin_rotation(None).expect("begin");
        let keys = f.files.rotation_keys(None).expect("keys");
        f.vault
            .reseal_to_next_identity(&ctx(), &keys, 100, None)
            .await
            .expect("reseal");
        f.files.finish_rotation().expect("finish");
        f.files.destroy_retired().expect("destroy");
        let current = f.files.load(true, None).expect("load");
        let unsealer = current.unsealer().expect("identity");
        assert!(
            ciphertexts.iter().all(|c| !unsealer.can_open(c)),
            "the backup's numbers are unreadable"
        );
    }
}

/// Copies a SQLite database file after checkpointing, as a file-level backup would.
fn backup_copy(from: &std::path::Path, to: &std::path::Path) {
    let status = std::process::Command::new("sqlite3")
        .arg(from)
        .arg(format!(".backup '{}'", to.display()))
        .status();
    if !status.is_ok_and(|s| s.success()) {
        std::fs::copy(from, to).expect("copy database");
    }
}

async fn incidents_and_alerts_are_answered_from_the_audit_trail(f: Fixture) {
    use storage::AuditEvent;
    use storage::audit::actions::{DOCUMENT_UNSEAL, NUMBER_UNSEAL};
    let (alice, bob) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let staff = |id| AuditContext {
        actor: storage::Actor::Staff(id),
        source_ip: Some("10.1.1.1".into()),
    };
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let session = f.signed_in().await;
        let subject = f
            .vault
            .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
            .await
            .expect("save");
        let doc = f
            .vault
            .store_document(
                &ctx(),
                session.submission_id,
                subject,
                &f.document(),
                None,
                None,
            )
            .await
            .expect("doc");
        subjects.push((subject, doc.summary.document_id));
    }
    let start = f.vault.audit_entries(0, 1).await.expect("first")[0].at;
    for _ in 0..3 {
        f.vault
            .record(
                &staff(alice),
                AuditEvent::success(DOCUMENT_UNSEAL, format!("document:{}", subjects[0].1)),
            )
            .await
            .expect("audit");
    }
    f.vault
        .record(
            &staff(alice),
            AuditEvent::success(NUMBER_UNSEAL, format!("subject:{}", subjects[0].0)),
        )
        .await
        .expect("audit");
    f.vault
        .record(
            &staff(bob),
            AuditEvent::success(NUMBER_UNSEAL, format!("subject:{}", subjects[1].0)),
        )
        .await
        .expect("audit");
    let end = i64::MAX;

    let scope = f
        .vault
        .incident_scope(&[staff(alice).actor.label()], start, end)
        .await
        .expect("scope");
    assert_eq!(scope.people.len(), 1);
    assert_eq!(
        (scope.people[0].subject_id, scope.people[0].unseals),
        (subjects[0].0, 4)
    );
    assert!(!scope.ppc_report_due);
    let both = [staff(alice).actor.label(), staff(bob).actor.label()];
    assert_eq!(
        f.vault
            .incident_scope(&both, start, end)
            .await
            .expect("scope")
            .people
            .len(),
        2
    );

    let inv = f.invite(Some("1990-04-01")).await;
    for _ in 0..3 {
        let _ = f
            .vault
            .start_provider_session(&ctx(), &inv.token, Some(date("1990-04-02")), 60_000)
            .await;
    }
    let rules = storage::alerts::AlertRules {
        window_millis: 24 * 3_600_000,
        unseal_threshold: 4,
        sign_in_failure_threshold: 3,
        working_hours_jst: (0, 24),
        ..storage::alerts::AlertRules::default()
    };
    let raised = f.vault.raise_alerts(&rules, start).await.expect("alerts");
    let mut kinds: Vec<(&str, &str)> = raised
        .iter()
        .map(|a| (a.rule.as_str(), a.actor.as_str()))
        .collect();
    kinds.sort();
    let alice_label = staff(alice).actor.label();
    let provider_label = storage::Actor::Provider(inv.id).label();
    let mut expected = vec![
        ("mass_unseal", alice_label.as_str()),
        ("sign_in_failures", "ip:192.0.2.1"),
        ("sign_in_failures", provider_label.as_str()),
    ];
    expected.sort();
    assert_eq!(kinds, expected);
    assert!(
        f.vault
            .raise_alerts(&rules, start)
            .await
            .expect("again")
            .is_empty(),
        "raised once"
    );
    // Nobody works at any hour: every unseal is off hours.
    let strict = storage::alerts::AlertRules {
        working_hours_jst: (0, 0),
        ..rules
    };
    let off = f
        .vault
        .raise_alerts(&strict, start)
        .await
        .expect("off hours");
    assert_eq!(
        off.iter().filter(|a| a.rule == "off_hours_unseal").count(),
        2
    );
    assert_eq!(f.vault.alerts(start).await.expect("list").len(), 5);

    // A payroll pull outside the export schedule (here: no day is scheduled).
    f.vault
        .record(
            &staff(bob),
            AuditEvent::success(storage::audit::actions::EXPORT_PULL, None),
        )
        .await
        .expect("audit");
    let no_exports = storage::alerts::AlertRules {
        export_weekdays: 0,
        ..rules
    };
    let off_schedule = f
        .vault
        .raise_alerts(&no_exports, start)
        .await
        .expect("exports");
    assert_eq!(
        off_schedule
            .iter()
            .map(|a| (a.rule.as_str(), a.actor.clone()))
            .collect::<Vec<_>>(),
        [("off_schedule_export", staff(bob).actor.label())]
    );
}

async fn the_file_ledger_is_derived_from_live_accounts_and_records(f: Fixture) {
    use storage::staff::{NewStaffAccount, Role};
    let session = f.signed_in().await;
    let subject = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    f.vault
        .store_document(
            &ctx(),
            session.submission_id,
            subject,
            &f.document(),
            None,
            None,
        )
        .await
        .expect("doc");
    for (username, role, scopes) in [
        ("sato", Role::Officer, vec!["osaka", "kobe"]),
        ("audit", Role::Auditor, vec![]),
    ] {
        let new = NewStaffAccount {
            username: storage::staff::Username::parse(username).expect("username"),
            role,
            password_hash: "$argon2id$placeholder".into(),
            scopes: scopes
                .into_iter()
                .map(|s| storage::org::BranchCode::parse(s).expect("code"))
                .collect(),
        };
        f.vault
            .create_staff_account(&ctx(), &new)
            .await
            .expect("staff");
    }
    let ledger = f.vault.file_ledger().await.expect("ledger");
    assert_eq!(ledger.len(), 2);
    assert_eq!((ledger[0].live_records, ledger[1].live_records), (1, 1));
    assert_eq!(ledger[0].retention_years, 7);
    assert_eq!(ledger[0].purposes.len(), 4);
    let handlers: Vec<_> = ledger[0]
        .handlers
        .iter()
        .map(|h| (h.username.as_str(), h.scopes.join(",")))
        .collect();
    assert_eq!(
        handlers,
        [("sato", "kobe,osaka".to_owned())],
        "auditors never handle numbers"
    );
}

async fn dependants_are_attested_changed_and_removed(f: Fixture) {
    let session = f.signed_in().await;
    let own = f
        .vault
        .save_self_subject(&ctx(), &session, &f.subject(Relationship::Myself))
        .await
        .expect("save");
    f.vault
        .store_document(
            &ctx(),
            session.submission_id,
            own,
            &f.document(),
            None,
            None,
        )
        .await
        .expect("doc");
    let missing = |f: &Fixture| {
        let vault = f.vault.clone();
        let id = session.submission_id;
        async move { vault.missing_items(id).await.expect("missing") }
    };
    let spouse = f
        .vault
        .add_dependant_declared(
            &ctx(),
            &session,
            &f.subject(Relationship::Spouse),
            DependantDeclaration {
                identity_attested: false,
                category3_spouse: true,
            },
        )
        .await
        .expect("spouse");
    // The employer verifies a category-3 spouse from their documents: no attestation by
    // the employee is asked for, only the documents.
    assert_eq!(missing(&f).await, vec![MissingItem::SpouseDocuments]);

    // A change without a number keeps the saved one; the declaration is replaced.
    let changed = SubjectEdit {
        name: PersonName::parse("山田 華").expect("name"),
        number: None,
        ..SubjectEdit::from(&f.subject(Relationship::Spouse))
    };
    let attested = DependantDeclaration {
        identity_attested: true,
        category3_spouse: true,
    };
    f.vault
        .edit_subject(&ctx(), &session, spouse, &changed, Some(attested))
        .await
        .expect("edit");
    let status = f
        .vault
        .submission_status(session.submission_id)
        .await
        .expect("status");
    let saved = status
        .subjects
        .iter()
        .find(|s| s.subject_id == spouse)
        .expect("spouse");
    assert_eq!(saved.name, "山田 華");
    assert!(saved.number_saved);
    assert!(saved.identity_attested && saved.category3_spouse);
    assert_eq!(missing(&f).await, vec![MissingItem::SpouseDocuments]);

    // Self and dependants do not swap, the provider cannot be removed, and another
    // submission's subject is not found.
    let as_self = SubjectEdit::from(&f.subject(Relationship::Myself));
    assert!(matches!(
        f.vault
            .edit_subject(&ctx(), &session, spouse, &as_self, None)
            .await,
        Err(storage::StorageError::Invalid(_))
    ));
    assert!(matches!(
        f.vault.remove_dependant(&ctx(), &session, own).await,
        Err(storage::StorageError::Invalid(_))
    ));
    let stranger = f.signed_in().await;
    assert!(matches!(
        f.vault.remove_dependant(&ctx(), &stranger, spouse).await,
        Err(storage::StorageError::NotFound)
    ));

    f.vault
        .remove_dependant(&ctx(), &session, spouse)
        .await
        .expect("remove");
    let status = f
        .vault
        .submission_status(session.submission_id)
        .await
        .expect("status");
    assert_eq!(status.subjects.len(), 1);
    assert!(missing(&f).await.is_empty());
    assert!(matches!(
        f.vault.remove_dependant(&ctx(), &session, spouse).await,
        Err(storage::StorageError::NotFound)
    ));
}

async fn a_role_grant_needs_a_second_admin_and_takes_effect_on_approval(f: Fixture) {
    use storage::grants::GrantOutcome;
    use storage::staff::{NewStaffAccount, Role, Username};
    let name = |n: &str| Username::parse(n).expect("username");
    let mut admins = Vec::new();
    for username in ["admin.a", "admin.b"] {
        let new = NewStaffAccount {
            username: name(username),
            role: Role::Admin,
            password_hash: "$argon2id$placeholder".into(),
            scopes: vec![],
        };
        admins.push(
            f.vault
                .create_staff_account(&ctx(), &new)
                .await
                .expect("admin"),
        );
    }
    let tky = storage::org::BranchCode::parse("TKY").expect("code");
    let internal = f.internal_keys();
    let issuer = storage::staff_lifecycle::ActivationIssuer {
        key: &internal.session,
        valid_ms: 3_600_000,
    };
    assert!(matches!(
        f.vault
            .propose_grant(
                &ctx(),
                admins[0],
                &name("admin.a"),
                Role::Officer,
                &[],
                None
            )
            .await,
        Err(storage::StorageError::SeparationOfDuties(_))
    ));
    let grant = f
        .vault
        .propose_grant(
            &ctx(),
            admins[0],
            &name("officer.n"),
            Role::Officer,
            std::slice::from_ref(&tky),
            None,
        )
        .await
        .expect("propose");
    assert_eq!(f.vault.pending_grants().await.expect("pending").len(), 1);
    assert!(matches!(
        f.vault
            .approve_grant(&ctx(), admins[0], grant, issuer)
            .await,
        Err(storage::StorageError::SeparationOfDuties(_))
    ));
    let GrantOutcome::Created(activation) = f
        .vault
        .approve_grant(&ctx(), admins[1], grant, issuer)
        .await
        .expect("approve")
    else {
        panic!("a new account");
    };
    let officer = activation.account_id;
    // Created without a password: its holder sets one through the link.
    let credentials = f
        .vault
        .staff_credentials("officer.n")
        .await
        .expect("credentials")
        .expect("account");
    assert_eq!(
        credentials.password_hash,
        storage::staff_lifecycle::NO_PASSWORD
    );
    assert!(f.vault.staff_has_scope(officer, &tky).await.expect("scope"));
    assert!(f.vault.pending_grants().await.expect("pending").is_empty());
    // Approved once: a second approval finds nothing.
    assert!(matches!(
        f.vault
            .approve_grant(&ctx(), admins[1], grant, issuer)
            .await,
        Err(storage::StorageError::NotFound)
    ));
    let change = f
        .vault
        .propose_grant(
            &ctx(),
            admins[1],
            &name("officer.n"),
            Role::Collector,
            &[],
            None,
        )
        .await
        .expect("propose");
    assert!(matches!(
        f.vault
            .approve_grant(&ctx(), admins[0], change, issuer)
            .await
            .expect("approve"),
        GrantOutcome::Changed(id) if id == officer
    ));
    assert!(!f.vault.staff_has_scope(officer, &tky).await.expect("scope"));
}

async fn invitations_are_listed_revoked_and_reissued(f: Fixture) {
    use storage::invitation_admin::{InvitationQuery, LinkState};
    use storage::invitations::EmailAddress;
    use storage::org::{BranchCode, EmployeeCode};
    let row = |code: &str, branch: &str, email: Option<&str>| NewInvitation {
        kind: InvitationKind::Employee,
        name: PersonName::parse(&format!("社員 {code}")).expect("name"),
        name_kana: Some(NameKana::parse("しゃいん").expect("kana")),
        email: email.map(|e| EmailAddress::parse(e).expect("email")),
        employee_code: Some(EmployeeCode::parse(code).expect("code")),
        branch: Some(BranchCode::parse(branch).expect("branch")),
        birth_date: None,
        valid_days: 30,
    };
    let batch = [
        row("E1", "TKY", Some("e1@example.jp")),
        row("E2", "TKY", None),
        row("E3", "OSK", None),
    ];
    let created = f
        .vault
        .create_invitations(&ctx(), &batch)
        .await
        .expect("batch");
    assert_eq!(created.len(), 3);
    assert!(EmailAddress::parse("not an address").is_err());

    let all = |q: InvitationQuery| {
        let vault = f.vault.clone();
        async move { vault.invitations(&q).await.expect("list") }
    };
    let everyone = all(InvitationQuery {
        limit: 100,
        ..Default::default()
    })
    .await;
    assert_eq!(everyone.len(), 3);
    assert!(everyone.iter().all(|l| l.link == LinkState::Active));
    assert_eq!(
        everyone[0].employee_code.as_deref(),
        Some("E3"),
        "newest first"
    );
    assert_eq!(everyone[2].name_kana.as_deref(), Some("シャイン"));
    let tokyo = all(InvitationQuery {
        branch: Some(BranchCode::parse("TKY").expect("b")),
        limit: 100,
        ..Default::default()
    })
    .await;
    assert_eq!(tokyo.len(), 2);
    let first_page = all(InvitationQuery {
        limit: 2,
        ..Default::default()
    })
    .await;
    let last = &first_page[1];
    let second_page = all(InvitationQuery {
        before: Some((last.created_at, last.id)),
        limit: 2,
        ..Default::default()
    })
    .await;
    assert_eq!(second_page.len(), 1);
    assert_eq!(second_page[0].employee_code.as_deref(), Some("E1"));
    let taken = f.vault.invited_employee_codes().await.expect("codes");
    assert_eq!(taken.len(), 3);
    assert_eq!(
        f.vault
            .invitation_roster_name(created[0].id)
            .await
            .expect("roster name"),
        ("社員 E1".to_owned(), Some("シャイン".to_owned()))
    );

    // Revoking ends the link and its sessions; a second revocation is a conflict.
    let session = f
        .vault
        .start_provider_session(&ctx(), &created[1].token, None, 60_000)
        .await
        .expect("sign in");
    f.vault
        .revoke_invitation(&ctx(), created[1].id)
        .await
        .expect("revoke");
    assert!(
        f.vault
            .provider_session(&session.token, 60_000)
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        f.vault
            .preview_invitation(&created[1].token)
            .await
            .expect("preview")
            .is_none()
    );
    assert!(matches!(
        f.vault.revoke_invitation(&ctx(), created[1].id).await,
        Err(storage::StorageError::Conflict(_))
    ));
    assert!(matches!(
        f.vault.reissue_invitation(&ctx(), created[1].id, 30).await,
        Err(storage::StorageError::Conflict(_))
    ));
    assert!(matches!(
        f.vault
            .revoke_invitation(&ctx(), uuid::Uuid::now_v7())
            .await,
        Err(storage::StorageError::NotFound)
    ));
    let revoked = all(InvitationQuery {
        link: Some(LinkState::Revoked),
        limit: 100,
        ..Default::default()
    })
    .await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        f.vault.invited_employee_codes().await.expect("codes").len(),
        2
    );

    // Re-issuing replaces the link: the old one stops, the new one opens the same submission.
    let old = f
        .vault
        .start_provider_session(&ctx(), &created[0].token, None, 60_000)
        .await
        .expect("sign in");
    f.vault
        .note_invitation_emailed(&ctx(), created[0].id, true)
        .await
        .expect("emailed");
    let again = f
        .vault
        .reissue_invitation(&ctx(), created[0].id, 30)
        .await
        .expect("reissue");
    assert_eq!(again.submission_id, created[0].submission_id);
    assert!(
        f.vault
            .preview_invitation(&created[0].token)
            .await
            .expect("old")
            .is_none()
    );
    assert!(
        f.vault
            .preview_invitation(&again.token)
            .await
            .expect("new")
            .is_some()
    );
    assert!(
        f.vault
            .provider_session(&old.token, 60_000)
            .await
            .expect("old session")
            .is_none()
    );
    let line = f.vault.invitation(created[0].id).await.expect("line");
    assert_eq!(line.issued_count, 2);
    assert_eq!(line.emailed_at, None, "the new link has not been e-mailed");
    f.vault
        .note_invitation_emailed(&ctx(), created[0].id, false)
        .await
        .expect("failed e-mail");

    let count = |action: &'static str| {
        let vault = f.vault.clone();
        async move {
            vault
                .search_audit(&storage::audit::AuditQuery {
                    action: Some(action.into()),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .expect("trail")
                .len()
        }
    };
    assert_eq!(count("invitation.create").await, 3);
    assert_eq!(count("invitation.revoke").await, 1);
    assert_eq!(count("invitation.reissue").await, 1);
    assert_eq!(count("invitation.email").await, 2);
    f.vault.verify_audit_chain().await.expect("chain");
}

/// The SQLite file and its `-wal` and `-shm` companions are readable by their owner only,
/// whether the vault creates the file or finds it with a wider mode (SQLite only: on
/// PostgreSQL the server owns its files).
#[tokio::test]
async fn the_sqlite_file_and_its_wal_and_shm_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let db = TestDatabase::sqlite();
    let path = db.sqlite_path().expect("sqlite path");
    let companions = |path: &std::path::Path| {
        ["", "-wal", "-shm"].map(|suffix| {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            std::path::PathBuf::from(file)
        })
    };
    // A new file (SQLite itself would create it 0644 under the usual umask of 022).
    let vault = Vault::connect(&db.url).await.expect("connect");
    vault
        .create_invitation(
            &AuditContext::cli(),
            &NewInvitation {
                kind: InvitationKind::Employee,
                name: PersonName::parse("山田 太郎").expect("name"),
                name_kana: None,
                email: None,
                employee_code: None,
                branch: None,
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("a write, so the WAL exists");
    for file in companions(&path) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    vault.close().await;
    // An existing file left world-readable is narrowed when the vault opens it.
    for file in companions(&path) {
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    let vault = Vault::connect(&db.url).await.expect("reconnect");
    for file in companions(&path) {
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    vault.close().await;
    assert_eq!(mode(&path), 0o600);
}
