//! The record over the years (issue 17) in the vault, on SQLite and PostgreSQL alike: a
//! change after verification holds a new version of the changed person only, goes through
//! the claim and the verification alone, supersedes the replaced version when verified, and
//! reaches the export as a change or as part of the current record.

use storage::audit::AuditContext;
use storage::history::{Change, ChangeMark};
use storage::invitations::{InvitationKind, NewInvitation, ProviderSession};
use storage::org::{BranchCode, EmployeeCode};
use storage::person::{BirthDate, NameKana, PersonName, Relationship};
use storage::release::ReleaseMode;
use storage::review::{QueueQuery, VerificationRecord};
use storage::staff::{NewStaffAccount, Role};
use storage::submissions::{DependantDeclaration, DocumentKind, SealedDocument, SubjectInput};
use storage::test_support::TestDatabase;
use storage::{InternalKeys, KeyFiles, Keyring, MyNumber, StorageError, Vault};
use uuid::Uuid;

use storage::on_both_backends;

on_both_backends!(
    existing_and_new_subjects_are_people_with_a_stable_id,
    a_reissued_number_is_verified_alone_and_supersedes_the_old_one,
    a_name_change_is_no_duplicate_and_a_snapshot_carries_the_current_record,
    a_change_needs_a_verified_record_and_one_pending_change_per_person,
);

struct Fixture {
    vault: Vault,
    keys: Keyring,
    internal: InternalKeys,
    _keys_dir: tempfile::TempDir,
}

fn cli() -> AuditContext {
    AuditContext::cli()
}

fn staff_ctx(id: Uuid) -> AuditContext {
    AuditContext {
        actor: storage::Actor::Staff(id),
        source_ip: None,
    }
}

fn today() -> time::Date {
    time::macros::date!(2026 - 11 - 30)
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

    fn sealed(&self, number: &str) -> storage::SealedNumber {
        self.keys
            .seal_number(&MyNumber::parse(number).expect("n"))
            .expect("seal")
    }

    fn photo(&self) -> SealedDocument {
        SealedDocument {
            kind: DocumentKind::MyNumberCardFront,
            sealed: self.keys.sealer().seal(b"\xff\xd8 jpeg").expect("seal"),
            width: 10,
            height: 10,
            removed_metadata: vec![],
            warnings: vec![],
            qr: None,
        }
    }

    async fn officer(&self) -> Uuid {
        self.vault
            .create_staff_account(
                &cli(),
                &NewStaffAccount {
                    username: storage::staff::Username::parse("officer.a").expect("username"),
                    role: Role::Officer,
                    password_hash: "$argon2id$not-used-here".into(),
                    scopes: vec![BranchCode::parse("TKY").expect("b")],
                },
            )
            .await
            .expect("staff")
    }

    /// An employee and an attested spouse, handed in (not verified).
    async fn handed_in(&self) -> (ProviderSession, Uuid, Uuid) {
        let inv = self
            .vault
            .create_invitation(
                &cli(),
                &NewInvitation {
                    kind: InvitationKind::Employee,
                    name: PersonName::parse("山田 太郎").expect("name"),
                    name_kana: None,
                    email: None,
                    employee_code: Some(EmployeeCode::parse("E100").expect("code")),
                    branch: Some(BranchCode::parse("TKY").expect("b")),
                    birth_date: None,
                    valid_days: 30,
                },
            )
            .await
            .expect("invite");
        let session = self
            .vault
            .start_provider_session(&cli(), &inv.token, None, 60_000)
            .await
            .expect("sign in")
            .session;
        let own = self
            .vault
            .save_self_subject(
                &cli(),
                &session,
                &self.input("山田 太郎", "123456789018", true),
            )
            .await
            .expect("self");
        let spouse = self
            .vault
            .add_dependant_declared(
                &cli(),
                &session,
                &self.input("山田 花子", "987654321093", false),
                DependantDeclaration {
                    identity_attested: true,
                    category3_spouse: false,
                },
            )
            .await
            .expect("spouse");
        self.vault
            .store_document(
                &cli(),
                session.submission_id,
                own,
                &self.photo(),
                None,
                None,
            )
            .await
            .expect("photo");
        self.vault
            .submit(&cli(), &session)
            .await
            .expect("submit")
            .expect("complete");
        (session, own, spouse)
    }

    fn input(&self, name: &str, number: &str, own: bool) -> SubjectInput {
        SubjectInput {
            relationship: if own {
                Relationship::Myself
            } else {
                Relationship::Spouse
            },
            name: PersonName::parse(name).expect("name"),
            name_kana: NameKana::parse("やまだ").expect("kana"),
            birth_date: BirthDate::parse("1990-04-01", today()).expect("date"),
            number: Some(self.sealed(number)),
            no_number_reason: None,
            details: Default::default(),
        }
    }

    /// Claims the next item and verifies every person on it (card for the employee, the
    /// employee's attestation for a dependant); returns the submission.
    async fn verify_next(&self, officer: Uuid) -> Uuid {
        self.derive_numbers().await;
        let vault = self.vault.as_staff(officer.into());
        let submission = vault
            .claim_next(&staff_ctx(officer), 60_000)
            .await
            .expect("claim")
            .expect("an item");
        let records: Vec<VerificationRecord> = vault
            .claimed_subjects(submission)
            .await
            .expect("subjects")
            .into_iter()
            .map(|(id, relationship)| {
                let own = relationship == "self";
                VerificationRecord {
                    subject_id: id,
                    number_check: if own {
                        "my_number_card"
                    } else {
                        "employee_attestation"
                    },
                    identity_check: if own {
                        "my_number_card"
                    } else {
                        "employee_attestation"
                    },
                    documents: vec![],
                    qr_override_reason: None,
                    relied_on: vec![],
                    rule_version: "test",
                }
            })
            .collect();
        vault
            .record_verification(&staff_ctx(officer), submission, &records, false)
            .await
            .expect("verify");
        submission
    }

    async fn export(
        &self,
        officer: Uuid,
        submissions: &[Uuid],
        mode: ReleaseMode,
    ) -> Vec<storage::release::ExportRow> {
        let vault = self.vault.as_staff(officer.into());
        let release = vault
            .propose_release_as(&staff_ctx(officer), submissions, "扶養異動", None, mode)
            .await
            .expect("propose");
        vault
            .export_rows_for_approval(&staff_ctx(officer), release)
            .await
            .expect("rows")
            .0
    }
}

async fn existing_and_new_subjects_are_people_with_a_stable_id(f: Fixture) {
    let (session, own, spouse) = f.handed_in().await;
    let people = f
        .vault
        .record_history(session.submission_id)
        .await
        .expect("history");
    assert_eq!(people.len(), 2);
    let me = people
        .iter()
        .find(|p| p.person_id == own)
        .expect("own person id = first subject id");
    assert_eq!(me.kind, "employee");
    let partner = people
        .iter()
        .find(|p| p.person_id == spouse)
        .expect("spouse");
    assert_eq!(partner.kind, "dependant");
    assert_eq!(partner.relationship.as_deref(), Some("spouse"));
}

async fn a_reissued_number_is_verified_alone_and_supersedes_the_old_one(f: Fixture) {
    let (session, own, _spouse) = f.handed_in().await;
    let officer = f.officer().await;
    let record = f.verify_next(officer).await;
    assert_eq!(record, session.submission_id);
    let change = f
        .vault
        .record_change(
            &cli(),
            &session,
            &Change::Number {
                person: own,
                number: f.sealed("555666777885"),
            },
            today(),
        )
        .await
        .expect("change");
    assert_eq!(change.person_id, own);
    // A new version of the employee needs a photo before it can be handed in.
    let change_session = ProviderSession {
        submission_id: change.change_id,
        ..session.clone()
    };
    let missing = f
        .vault
        .submit(&cli(), &change_session)
        .await
        .expect("submit");
    assert!(missing.is_err());
    f.vault
        .store_document(
            &cli(),
            change.change_id,
            change.subject_id,
            &f.photo(),
            None,
            None,
        )
        .await
        .expect("photo");
    f.vault
        .submit(&cli(), &change_session)
        .await
        .expect("submit")
        .expect("complete");
    let verified = f.verify_next(officer).await;
    assert_eq!(
        verified, change.change_id,
        "the change alone goes to the officer"
    );
    let verifications = f
        .vault
        .recorded_verifications(change.change_id)
        .await
        .expect("v");
    assert_eq!(
        verifications.len(),
        1,
        "only the changed person is verified again"
    );

    let people = f.vault.record_history(record).await.expect("history");
    let me = people.iter().find(|p| p.person_id == own).expect("own");
    assert_eq!(me.versions.len(), 2);
    assert!(
        me.versions[0].superseded_at.is_some(),
        "the old number is superseded"
    );
    assert!(me.versions[0].number_saved, "and kept, sealed");
    assert!(me.versions[1].superseded_at.is_none());

    let rows = f
        .export(officer, &[change.change_id], ReleaseMode::Changes)
        .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].subject_id, change.subject_id);
    assert_eq!(rows[0].person_id, own);
    assert_eq!(rows[0].change, Some(ChangeMark::Changed));
}

async fn a_name_change_is_no_duplicate_and_a_snapshot_carries_the_current_record(f: Fixture) {
    let (session, own, spouse) = f.handed_in().await;
    let officer = f.officer().await;
    f.verify_next(officer).await;
    let change = f
        .vault
        .record_change(
            &cli(),
            &session,
            &Change::Name {
                person: own,
                name: PersonName::parse("佐藤 太郎").expect("name"),
                name_kana: NameKana::parse("さとう たろう").expect("kana"),
                former_surname: None,
            },
            today(),
        )
        .await
        .expect("change");
    f.vault
        .store_document(
            &cli(),
            change.change_id,
            change.subject_id,
            &f.photo(),
            None,
            None,
        )
        .await
        .expect("photo");
    let change_session = ProviderSession {
        submission_id: change.change_id,
        ..session.clone()
    };
    f.vault
        .submit(&cli(), &change_session)
        .await
        .expect("submit")
        .expect("complete");
    f.derive_numbers().await;
    let flagged = f
        .vault
        .as_staff(officer.into())
        .queue_page(&QueueQuery {
            duplicates_only: true,
            ..QueueQuery::default()
        })
        .await
        .expect("queue");
    assert!(
        flagged.is_empty(),
        "two versions of one person share a number"
    );
    f.verify_next(officer).await;
    let rows = f
        .export(officer, &[change.change_id], ReleaseMode::Snapshot)
        .await;
    let mut names: Vec<(&str, Uuid)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.person_id))
        .collect();
    names.sort();
    assert_eq!(names, [("佐藤 太郎", own), ("山田 花子", spouse)]);
    assert!(rows.iter().all(|r| r.change.is_none()));
    let people = f
        .vault
        .record_history(session.submission_id)
        .await
        .expect("h");
    let me = people.iter().find(|p| p.person_id == own).expect("own");
    assert_eq!(me.versions[1].former_surname.as_deref(), Some("山田"));
}

async fn a_change_needs_a_verified_record_and_one_pending_change_per_person(f: Fixture) {
    let (session, _own, spouse) = f.handed_in().await;
    let end = Change::EndDependant { person: spouse };
    assert!(matches!(
        f.vault.record_change(&cli(), &session, &end, today()).await,
        Err(StorageError::Illegal(_))
    ));
    let officer = f.officer().await;
    f.verify_next(officer).await;
    let first = f
        .vault
        .record_change(&cli(), &session, &end, today())
        .await
        .expect("end");
    // Tried again before handing in: the draft's version is replaced, not doubled.
    let again = f
        .vault
        .record_change(&cli(), &session, &end, today())
        .await
        .expect("again");
    assert_eq!(again.change_id, first.change_id);
    let change_session = ProviderSession {
        submission_id: first.change_id,
        ..session.clone()
    };
    let status = f
        .vault
        .submission_status(first.change_id)
        .await
        .expect("status");
    assert_eq!(status.subjects.len(), 1);
    f.vault
        .submit(&cli(), &change_session)
        .await
        .expect("submit")
        .expect("complete");
    // Handed in: a second change of the same person waits for the officer's decision.
    assert!(matches!(
        f.vault.record_change(&cli(), &session, &end, today()).await,
        Err(StorageError::Conflict(_))
    ));
    // Someone else's person is not found.
    let stranger = Change::EndDependant {
        person: Uuid::now_v7(),
    };
    assert!(matches!(
        f.vault
            .record_change(&cli(), &session, &stranger, today())
            .await,
        Err(StorageError::NotFound)
    ));
}
