//! Staff accounts for the officer-side tests: created through the vault, signed in and
//! TOTP-enrolled over HTTP like a browser would.

use storage::AuditContext;
use storage::org::BranchCode;
use storage::staff::{NewStaffAccount, Role};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::helpers::{NUMBER, TestApp, fixture, json};

pub const STAFF_PASSWORD: &str = "a quiet officer's passphrase";

/// A running service that staff talk to: the in-process [`TestApp`] or a real
/// `kakunin serve` process ([`crate::process::ServerProcess`]).
pub trait Served {
    /// The address of `path` on this instance.
    fn url(&self, path: &str) -> String;
    /// A browser of its own (cookies), trusting the instance's certificate.
    fn new_client(&self) -> reqwest::Client;
}

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

/// A signed-in staff member: its own cookie jar and the CSRF token of its session.
pub struct Staff {
    pub client: reqwest::Client,
    pub csrf: String,
    pub totp: Option<Totp>,
}

pub async fn create_staff(app: &TestApp, username: &str, role: Role, scopes: &[&str]) {
    app.app
        .vault
        .create_staff_account(
            &AuditContext::cli(),
            &NewStaffAccount {
                username: username.to_owned(),
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

pub async fn sign_in_request(
    app: &impl Served,
    client: &reqwest::Client,
    username: &str,
    password: &str,
    totp: Option<&str>,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/staff/session"))
        .json(&serde_json::json!({ "username": username, "password": password, "totp": totp }))
        .send()
        .await
        .expect("request")
}

/// Signs in with the password only (a first sign-in, before TOTP enrolment).
pub async fn first_sign_in(app: &impl Served, username: &str) -> Staff {
    let client = app.new_client();
    let response = sign_in_request(app, &client, username, STAFF_PASSWORD, None).await;
    assert_eq!(response.status(), 200, "first sign-in of {username}");
    let body = json(response).await;
    Staff {
        client,
        csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
        totp: None,
    }
}

impl Staff {
    pub fn post(&self, app: &impl Served, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(app.url(path))
            .header("X-CSRF-Token", &self.csrf)
    }

    pub fn get(&self, app: &impl Served, path: &str) -> reqwest::RequestBuilder {
        self.client.get(app.url(path))
    }

    /// Enrols TOTP and confirms it with the current code; returns the recovery codes.
    pub async fn enrol_totp(&mut self, app: &impl Served) -> Vec<String> {
        let enrol = json(
            self.post(app, "/api/v1/staff/totp/enrol")
                .send()
                .await
                .expect("enrol"),
        )
        .await;
        let secret =
            Secret::try_from_base32(enrol["secret"].as_str().expect("secret")).expect("b32");
        assert!(
            enrol["otpauth_uri"]
                .as_str()
                .expect("uri")
                .starts_with("otpauth://totp/")
        );
        let totp = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_step_duration(30)
            .with_secret(secret)
            .build()
            .expect("totp");
        let code = totp.generate_current().to_string();
        let confirmed = self
            .post(app, "/api/v1/staff/totp/confirm")
            .json(&serde_json::json!({ "code": code }))
            .send()
            .await
            .expect("confirm");
        assert_eq!(confirmed.status(), 200);
        let body = json(confirmed).await;
        self.totp = Some(totp);
        body["recovery_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect()
    }

    /// A code for the next time step: the current one was spent at enrolment, and a
    /// step is accepted once.
    pub fn next_code(&self) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
        self.totp
            .as_ref()
            .expect("enrolled")
            .generate(now + 30)
            .to_string()
    }
}

/// A staff member created, signed in and enrolled.
pub async fn enrolled(app: &TestApp, username: &str, role: Role, scopes: &[&str]) -> Staff {
    create_staff(app, username, role, scopes).await;
    let mut staff = first_sign_in(app, username).await;
    staff.enrol_totp(app).await;
    staff
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
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    Handed {
        submission_id,
        subject_id,
        document_id,
    }
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
            "subject_id": subject, "number_check": "my_number_card", "identity_check": "my_number_card"
        }]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 200);
    id
}
