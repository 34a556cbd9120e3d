//! Issue 15: scope belongs to the application layer, not only to HTTP. Every officer use
//! case called through `application` directly, by an officer of another branch, on a record
//! of this branch, is refused as not found (indistinguishable from a record that does not
//! exist), leaves the record as it was and unseals nothing; the lists leave it out. On both
//! backends. (The HTTP and page handlers are covered per route in `governance.rs` and
//! `staff_pages.rs`.)

use application::access::Officer;
use application::review::{CorrectionEntry, SubjectVerification};
use application::{AppError, Staff};
use domain::{DocumentId, SubjectId, SubmissionId};
use storage::audit::{Actor, AuditContext};
use storage::org::BranchCode;
use storage::staff::{NewStaffAccount, Role};

use crate::helpers::*;
use crate::staff_helpers::*;

/// An officer of `branch`, as the application layer knows a signed-in caller.
async fn officer_of(app: &TestApp, username: &str, branch: &str) -> Officer {
    application::access::officer(staff_of(app, username, Role::Officer, branch).await)
        .expect("an officer")
}

/// A signed-in staff member of `branch` with `role`, past the second factor.
async fn staff_of(app: &TestApp, username: &str, role: Role, branch: &str) -> Staff {
    let id = app
        .app
        .vault
        .create_staff_account(
            &AuditContext::cli(),
            &NewStaffAccount {
                username: storage::staff::Username::parse(username).expect("username"),
                role,
                password_hash: intake_api::password::hash_password(STAFF_PASSWORD).expect("hash"),
                scopes: vec![BranchCode::parse(branch).expect("branch")],
            },
        )
        .await
        .expect("create");
    Staff {
        id: id.into(),
        username: username.to_owned(),
        role,
        second_factor_done: true,
        audit: AuditContext {
            actor: Actor::Staff(id),
            source_ip: None,
        },
    }
}

fn refused_as_not_found<T: std::fmt::Debug>(what: &str, result: Result<T, AppError>) {
    assert!(
        matches!(result, Err(AppError::NotFound)),
        "{what}: {result:?} (must be not found)"
    );
}

#[tokio::test]
async fn an_officer_of_another_branch_reaches_nothing_through_the_application_layer() {
    every_use_case(spawn_app().await).await;
}

#[tokio::test]
async fn the_same_on_postgresql() {
    if let Some(app) = spawn_app_on_postgres().await {
        every_use_case(app).await;
    }
}

async fn every_use_case(app: TestApp) {
    let handed = submitted_in_branch(&app, "OSK").await;
    let submission: SubmissionId = handed.submission_id.parse().expect("id");
    let subject: SubjectId = handed.subject_id.parse().expect("id");
    let document: DocumentId = handed.document_id.parse().expect("id");
    let osaka = officer_of(&app, "officer.osk", "OSK").await;
    let tokyo = officer_of(&app, "officer.tky", "TKY").await;
    let a = &app.app;

    // The lists leave it out; nothing to claim.
    let queue = application::review::queue(a, &tokyo, &storage::review::QueueQuery::default())
        .await
        .expect("queue");
    assert!(queue.iter().all(|l| l.submission_id != submission.uuid()));
    assert_eq!(
        application::review::claim_next(a, &tokyo)
            .await
            .expect("claim"),
        None
    );
    // In its own branch it is claimed, so the decisions below would otherwise apply.
    assert_eq!(
        application::review::claim_next(a, &osaka)
            .await
            .expect("claim"),
        Some(submission)
    );

    refused_as_not_found(
        "item",
        application::review::item(a, &tokyo, submission).await,
    );
    refused_as_not_found(
        "image",
        application::review::document_image(a, &tokyo, document).await,
    );
    refused_as_not_found(
        "number",
        application::review::reveal_number(a, &tokyo, subject).await,
    );
    let claim = serde_json::from_value(serde_json::json!({
        "number_check": "my_number_card", "identity_check": "my_number_card",
        "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]
    }))
    .expect("a claim the rules would accept in scope");
    refused_as_not_found(
        "verify",
        application::review::verify(
            a,
            &tokyo,
            submission,
            &[SubjectVerification {
                subject_id: subject,
                claim,
            }],
        )
        .await,
    );
    refused_as_not_found(
        "send back",
        application::review::send_back(
            a,
            &tokyo,
            submission,
            &[CorrectionEntry {
                subject_id: Some(subject),
                document_id: Some(document),
                reason: serde_json::from_value(serde_json::json!("blurry")).expect("reason"),
                message: String::new(),
            }],
        )
        .await,
    );
    refused_as_not_found(
        "reject",
        application::review::reject(
            a,
            &tokyo,
            submission,
            serde_json::from_value(serde_json::json!("other")).expect("reason"),
            "",
        )
        .await,
    );
    refused_as_not_found(
        "needed until",
        application::review::set_needed_until(a, &tokyo, submission, "2026-01-31").await,
    );
    refused_as_not_found(
        "release",
        application::release::propose(
            a,
            &tokyo,
            &[submission],
            tests::staff::RELEASE_PURPOSE,
            None,
        )
        .await,
    );
    refused_as_not_found(
        "disposal",
        application::disposal::propose(
            a,
            &tokyo,
            application::disposal::Target::Record(submission),
        )
        .await,
    );
    assert!(
        application::release::releasable(a, &tokyo, 100)
            .await
            .expect("releasable")
            .is_empty()
    );
    assert!(
        application::disposal::due(a, &tokyo, 366)
            .await
            .expect("due")
            .iter()
            .all(|d| d.submission_id != submission.uuid())
    );

    // Nothing changed and nothing was unsealed: the record is still claimed by Osaka, and
    // its own officer still reaches it.
    let item = application::review::item(a, &osaka, submission)
        .await
        .expect("its own officer reaches it");
    assert_eq!(item.status.state, domain::SubmissionState::InReview);
    let unsealed_by_tokyo = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            actor: Some(format!("staff:{}", tokyo.id().uuid())),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("trail")
        .into_iter()
        .filter(|e| e.action.ends_with(".unseal"))
        .count();
    assert_eq!(
        unsealed_by_tokyo, 0,
        "no unseal by the other branch's officer"
    );
}

#[tokio::test]
async fn staff_of_another_branch_file_nothing_through_the_application_layer() {
    every_intake_use_case(spawn_app().await).await;
}

#[tokio::test]
async fn filing_is_scoped_on_postgresql_too() {
    if let Some(app) = spawn_app_on_postgres().await {
        every_intake_use_case(app).await;
    }
}

/// Intake on a person's behalf (代理受付) and changes on a verified record: every use case
/// of `application::intake` and `application::history` takes a `Filing`, which only the
/// scope check makes; a collector or an officer of Tokyo asking for an Osaka record (a
/// draft, an untouched invitation, a verified record's change) is told it does not exist,
/// and nothing moves.
async fn every_intake_use_case(app: TestApp) {
    use application::intake::{self, Filer, NewRecord};
    let a = &app.app;
    let (_, drafted) = drafted_as(&app, "OSK", "E101").await;
    let draft: SubmissionId = drafted.submission_id.parse().expect("id");
    let untouched = a
        .vault
        .create_invitation(
            &AuditContext::cli(),
            &storage::invitations::NewInvitation {
                kind: storage::invitations::InvitationKind::Employee,
                name: storage::person::PersonName::parse("未着手 花子").expect("name"),
                name_kana: None,
                email: None,
                employee_code: Some(storage::org::EmployeeCode::parse("E102").expect("code")),
                branch: Some(BranchCode::parse("OSK").expect("branch")),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("invite");
    let invited: SubmissionId = untouched.submission_id.into();
    for role in [Role::Collector, Role::Officer] {
        let name = format!("{}.tky", role.code());
        let tokyo = application::access::assistant(staff_of(&app, &name, role, "TKY").await)
            .expect("may take submissions in");
        for submission in [draft, invited] {
            let filer = Filer::Staff {
                staff: &tokyo,
                submission,
            };
            refused_as_not_found("open", filer.open(a).await);
            refused_as_not_found("look", filer.look(a).await);
            refused_as_not_found("change", filer.change_filing(a, submission).await);
            refused_as_not_found("history", application::history::history(a, filer).await);
            refused_as_not_found(
                "record a change",
                application::history::change_address(
                    a,
                    filer,
                    None,
                    storage::person::Address::parse_optional("東京都千代田区1-1")
                        .expect("address")
                        .expect("not blank"),
                    time::macros::date!(2026 - 12 - 01),
                )
                .await,
            );
        }
        refused_as_not_found(
            "new record elsewhere",
            intake::new_record(
                a,
                &tokyo,
                NewRecord {
                    kind: storage::invitations::InvitationKind::Employee,
                    name: storage::person::PersonName::parse("郵送 次郎").expect("name"),
                    employee_code: None,
                    branch: BranchCode::parse("OSK").expect("branch"),
                },
            )
            .await,
        );
        let roster = intake::people(a, &tokyo).await.expect("roster");
        assert!(
            roster
                .iter()
                .all(|e| ![draft.uuid(), invited.uuid()].contains(&e.submission_id)),
            "the roster leaves Osaka out"
        );
        assert_eq!(
            intake::branches(a, &tokyo).await.expect("branches"),
            vec!["TKY".to_owned()]
        );
    }

    // Nothing moved: the draft is a draft with its one photo, the invitation untouched,
    // and Osaka's own collector reaches both.
    let osaka = application::access::assistant(
        staff_of(&app, "collector.osk", Role::Collector, "OSK").await,
    )
    .expect("may take submissions in");
    let mine = Filer::Staff {
        staff: &osaka,
        submission: draft,
    };
    let status = intake::status(a, &mine.look(a).await.expect("in scope"))
        .await
        .expect("status");
    assert_eq!(status.state, domain::SubmissionState::Draft);
    assert_eq!(status.documents.len(), 1);
    let untouched = a
        .vault
        .submission_status(invited.uuid())
        .await
        .expect("status");
    assert_eq!(untouched.state, domain::SubmissionState::Invited);
    let roster = intake::people(a, &osaka).await.expect("roster");
    assert!(roster.iter().any(|e| e.submission_id == invited.uuid()));
}

#[tokio::test]
async fn a_provider_reaches_only_their_own_submission_through_the_application_layer() {
    a_providers_filing_is_their_own(spawn_app().await).await;
}

#[tokio::test]
async fn a_providers_filing_is_their_own_on_postgresql_too() {
    if let Some(app) = spawn_app_on_postgres().await {
        a_providers_filing_is_their_own(app).await;
    }
}

/// A provider's `Filing` is their own session's submission: every intake use case called
/// with another provider's person or photo (ids a compromised browser could send) is told
/// it does not exist, and the other submission stays as it was.
async fn a_providers_filing_is_their_own(app: TestApp) {
    use application::intake::{self, Filer};
    use domain::person::{ParsedEdit, ParsedSubject, Relationship};
    use storage::person::{BirthDate, FilingDetails, NameKana, PersonName};
    use storage::submissions::{DependantDeclaration, DocumentKind, SealedDocument};
    let a = &app.app;
    let today = application::time_jp::today();
    let person = |number: &str, relationship: Relationship, name: &str| ParsedSubject {
        relationship,
        number: Some(domain::MyNumber::parse(number).expect("number")),
        no_number_reason: None,
        name: PersonName::parse(name).expect("name"),
        name_kana: NameKana::parse("ヤマダ タロウ").expect("kana"),
        birth_date: BirthDate::parse("1990-04-01", today).expect("birth"),
        details: FilingDetails::default(),
    };
    let mut started = Vec::new();
    for code in ["E301", "E302"] {
        let created = a
            .vault
            .create_invitation(
                &AuditContext::cli(),
                &storage::invitations::NewInvitation {
                    kind: storage::invitations::InvitationKind::Employee,
                    name: PersonName::parse("山田 太郎").expect("name"),
                    name_kana: None,
                    email: None,
                    employee_code: Some(storage::org::EmployeeCode::parse(code).expect("code")),
                    branch: Some(BranchCode::parse("TKY").expect("branch")),
                    birth_date: None,
                    valid_days: 30,
                },
            )
            .await
            .expect("invite");
        let signed_in = application::provider_session::sign_in(a, &created.token, None, None)
            .await
            .expect("signed in");
        started.push(signed_in.session);
    }
    let audit = |s: &storage::invitations::ProviderSession| s.audit_context(None);
    let (mine, theirs) = (&started[0], &started[1]);
    let (my_audit, their_audit) = (audit(mine), audit(theirs));
    let me = Filer::Provider {
        session: mine,
        audit: &my_audit,
    };
    let them = Filer::Provider {
        session: theirs,
        audit: &their_audit,
    };
    let my_filing = me.open(a).await.expect("mine");
    let their_filing = them.open(a).await.expect("theirs");
    intake::save_self(
        a,
        &my_filing,
        person(NUMBER, Relationship::Myself, "山田 太郎"),
    )
    .await
    .expect("my own details");
    let their_self = intake::save_self(
        a,
        &their_filing,
        person(NUMBER, Relationship::Myself, "鈴木 一郎"),
    )
    .await
    .expect("their details");
    let declaration = DependantDeclaration {
        identity_attested: true,
        category3_spouse: false,
    };
    let their_child = intake::add_dependant(
        a,
        &their_filing,
        person(OTHER_NUMBER, Relationship::Child, "鈴木 花子"),
        declaration,
    )
    .await
    .expect("their dependant");

    let edit = ParsedEdit {
        relationship: Relationship::Child,
        number: None,
        name: PersonName::parse("乗っ取り 太郎").expect("name"),
        name_kana: NameKana::parse("ノットリ タロウ").expect("kana"),
        birth_date: BirthDate::parse("2015-05-05", today).expect("birth"),
        no_number_reason: None,
        details: FilingDetails::default(),
    };
    refused_as_not_found(
        "edit their dependant",
        intake::edit_dependant(a, &my_filing, their_child, edit, declaration).await,
    );
    refused_as_not_found(
        "remove their dependant",
        intake::remove_dependant(a, &my_filing, their_child).await,
    );
    let photo = SealedDocument {
        kind: DocumentKind::MyNumberCardFront,
        sealed: a
            .keys
            .sealer()
            .seal(b"not an image of theirs")
            .expect("sealed"),
        width: 1,
        height: 1,
        removed_metadata: Vec::new(),
        warnings: Vec::new(),
        qr: None,
    };
    refused_as_not_found(
        "a photo for their person",
        intake::store_photo(a, &my_filing, their_self, &photo, None, None).await,
    );
    refused_as_not_found(
        "their change event",
        me.change_filing(a, their_filing.submission()).await,
    );

    // Theirs is as it was: two people, the dependant's name unchanged, no photo.
    let status = intake::status(a, &their_filing).await.expect("status");
    assert_eq!(status.subjects.len(), 2);
    assert!(status.subjects.iter().any(|s| s.name == "鈴木 花子"));
    assert!(status.documents.is_empty());
}
