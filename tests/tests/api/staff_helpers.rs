//! Staff accounts for the officer-side tests: created through the vault, signed in and
//! TOTP-enrolled over HTTP like a browser would (the browser side, [`Staff`], lives in the
//! `tests` library, shared with the campaign benchmark).

use storage::AuditContext;
use storage::org::BranchCode;
use storage::staff::{NewStaffAccount, Role};
pub use tests::staff::{STAFF_PASSWORD, Staff, first_sign_in, sign_in_request};
use tests::staff::{Served, sign_in_and_enrol};

use crate::helpers::{NUMBER, TestApp, fixture, json};

impl Served for TestApp {
    fn url(&self, path: &str) -> String {
        TestApp::url(self, path)
    }
    fn new_client(&self) -> reqwest::Client {
        TestApp::new_client(self)
    }
}

impl Served for crate::process::ServerProcess {
    fn url(&self, path: &str) -> String {
        crate::process::ServerProcess::url(self, path)
    }
    fn new_client(&self) -> reqwest::Client {
        crate::process::ServerProcess::new_client(self)
    }
}

pub async fn create_staff(app: &TestApp, username: &str, role: Role, scopes: &[&str]) {
    app.app
        .vault
        .create_staff_account(
            &AuditContext::cli(),
            &NewStaffAccount {
                username: storage::staff::Username::parse(username).expect("username"),
                role,
                password_hash: intake_api::password::hash_password(STAFF_PASSWORD).expect("hash"),
                scopes: scopes
                    .iter()
                    .map(|s| BranchCode::parse(s).expect("branch"))
                    .collect(),
            },
        )
        .await
        .expect("create staff");
}

/// A staff member created, signed in and enrolled.
pub async fn enrolled(app: &TestApp, username: &str, role: Role, scopes: &[&str]) -> Staff {
    create_staff(app, username, role, scopes).await;
    sign_in_and_enrol(app, username).await
}

/// The ids of one handed-in submission.
pub struct Handed {
    pub submission_id: String,
    pub subject_id: String,
    pub document_id: String,
}

/// A provider of `branch` enters details, uploads a card photo and submits.
pub async fn submitted_in_branch(app: &TestApp, branch: &str) -> Handed {
    submitted_as(app, branch, "E000").await
}

/// The same, for the employee with this code.
pub async fn submitted_as(app: &TestApp, branch: &str, employee_code: &str) -> Handed {
    let (_, handed) = drafted_as(app, branch, employee_code).await;
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    handed
}

/// The employee with this code enters details and uploads a card photo, but does not
/// hand in (the app's client stays signed in as them). Returns the invitation's id too.
pub async fn drafted_as(app: &TestApp, branch: &str, employee_code: &str) -> (uuid::Uuid, Handed) {
    let new = storage::invitations::NewInvitation {
        kind: storage::invitations::InvitationKind::Employee,
        name: storage::person::PersonName::parse("山田 太郎").expect("name"),
        name_kana: None,
        email: None,
        employee_code: Some(storage::org::EmployeeCode::parse(employee_code).expect("code")),
        branch: Some(BranchCode::parse(branch).expect("branch")),
        birth_date: None,
        valid_days: 30,
    };
    let created = app
        .app
        .vault
        .create_invitation(&AuditContext::cli(), &new)
        .await
        .expect("invite");
    let signed_in = app.sign_in(created.token.expose(), None).await;
    assert_eq!(signed_in.status(), 200);
    let submission_id = json(signed_in).await["submission_id"]
        .as_str()
        .expect("submission")
        .to_owned();
    let saved = app.save_self(NUMBER).await;
    assert_eq!(saved.status(), 200);
    let subject_id = json(saved).await["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    let uploaded = app
        .upload(
            &subject_id,
            "my_number_card_front",
            fixture("phone/phone-gps-orientation6.jpg"),
        )
        .await;
    assert_eq!(uploaded.status(), 201);
    let document_id = json(uploaded).await["document_id"]
        .as_str()
        .expect("doc")
        .to_owned();
    let handed = Handed {
        submission_id,
        subject_id,
        document_id,
    };
    (created.id, handed)
}

/// Claims the next submission in the officer's queue (one of `handed`) and verifies it
/// with the My Number card; returns its id.
pub async fn claim_and_verify(app: &TestApp, officer: &Staff, handed: &[Handed]) -> String {
    let claimed = json(
        officer
            .post(app, "/api/v1/officer/claims")
            .send()
            .await
            .expect("claim"),
    )
    .await;
    let id = claimed["submission_id"]
        .as_str()
        .expect("claimed")
        .to_owned();
    let subject = &handed
        .iter()
        .find(|h| h.submission_id == id)
        .expect("ours")
        .subject_id;
    let verified = officer
        .post(app, &format!("/api/v1/officer/submissions/{id}/verify"))
        .json(&serde_json::json!({"subjects": [{
            "subject_id": subject, "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]
        }]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 200);
    id
}
