//! Staff members as a browser drives them: signed in, TOTP-enrolled, and typing step-up
//! codes, for the officer-side API tests and the campaign benchmark. Creating the accounts
//! (through the vault) is up to the caller; they all share [`STAFF_PASSWORD`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// A purpose of use from the default list (`[portal] purposes`): a release must name one.
pub const RELEASE_PURPOSE: &str = "給与所得・退職所得の源泉徴収票作成事務";

/// The password of every staff account the tests and the benchmark create.
pub const STAFF_PASSWORD: &str = "a quiet officer's passphrase";

/// A running service that staff talk to (in-process, or a `kakunin serve` child process).
pub trait Served {
    /// The address of `path` on this instance.
    fn url(&self, path: &str) -> String;
    /// A browser of its own (cookies), trusting the instance's certificate.
    fn new_client(&self) -> reqwest::Client;
}

/// The JSON body of `response`, which must have status `expected` (else a panic naming
/// `what` and quoting the body); `Null` for an empty body.
pub async fn json_of(response: reqwest::Response, expected: u16, what: &str) -> Value {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(status, expected, "{what}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json body")
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A signed-in staff member: its own cookie jar and the CSRF token of its session.
#[derive(Debug)]
pub struct Staff {
    pub username: String,
    pub client: reqwest::Client,
    pub csrf: String,
    /// Set by [`Staff::enrol_totp`].
    pub totp: Option<Totp>,
    /// The last TOTP time step [`Staff::step_up_code`] spent (or enrolment did).
    last_step: AtomicU64,
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
        .json(&json!({ "username": username, "password": password, "totp": totp }))
        .send()
        .await
        .expect("request")
}

/// Signs in with the password only (a first sign-in, before TOTP enrolment).
pub async fn first_sign_in(app: &impl Served, username: &str) -> Staff {
    first_sign_in_with(app, username, STAFF_PASSWORD).await
}

/// [`first_sign_in`] with the password the holder chose.
pub async fn first_sign_in_with(app: &impl Served, username: &str, password: &str) -> Staff {
    let client = app.new_client();
    let response = sign_in_request(app, &client, username, password, None).await;
    let body = json_of(response, 200, &format!("first sign-in of {username}")).await;
    Staff {
        username: username.to_owned(),
        client,
        csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
        totp: None,
        last_step: AtomicU64::new(0),
    }
}

/// Signs in with the password for the first time and enrols TOTP.
pub async fn sign_in_and_enrol(app: &impl Served, username: &str) -> Staff {
    let mut staff = first_sign_in(app, username).await;
    staff.enrol_totp(app).await;
    staff
}

impl Staff {
    /// A POST carrying the session's CSRF token.
    pub fn post(&self, app: &impl Served, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(app.url(path))
            .header("X-CSRF-Token", &self.csrf)
    }

    pub fn put(&self, app: &impl Served, path: &str) -> reqwest::RequestBuilder {
        self.client
            .put(app.url(path))
            .header("X-CSRF-Token", &self.csrf)
    }

    pub fn get(&self, app: &impl Served, path: &str) -> reqwest::RequestBuilder {
        self.client.get(app.url(path))
    }

    /// Enrols TOTP and confirms it with the current code; returns the recovery codes.
    pub async fn enrol_totp(&mut self, app: &impl Served) -> Vec<String> {
        let enrol = self
            .post(app, "/api/v1/staff/totp/enrol")
            .send()
            .await
            .expect("enrol");
        let enrol = json_of(enrol, 200, "totp enrol").await;
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
        let now = unix_now();
        let confirmed = self
            .post(app, "/api/v1/staff/totp/confirm")
            .json(&json!({ "code": totp.generate(now).to_string() }))
            .send()
            .await
            .expect("confirm");
        let body = json_of(confirmed, 200, "totp confirm").await;
        self.totp = Some(totp);
        self.last_step.store(now / 30, Ordering::SeqCst);
        body["recovery_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect()
    }

    /// A code for the next time step: the current one was spent at enrolment, and a
    /// step is accepted once. (Every call gives the same step until time moves on: for
    /// tests that spend one code after enrolment, or several on refused requests.)
    pub fn next_code(&self) -> String {
        self.totp
            .as_ref()
            .expect("enrolled")
            .generate(unix_now() + 30)
            .to_string()
    }

    /// A code for a step not spent yet by enrolment or an earlier call: the current one,
    /// else the next (within the service's skew of one step), else wait for time to
    /// catch up. For many step-ups in a row (the campaign's release approvals).
    pub async fn step_up_code(&self) -> String {
        let now = unix_now();
        let current = now / 30;
        let step = (self.last_step.load(Ordering::SeqCst) + 1).max(current);
        if step > current + 1 {
            tokio::time::sleep(Duration::from_secs((step - 1) * 30 - now + 1)).await;
        }
        self.last_step.store(step, Ordering::SeqCst);
        self.totp
            .as_ref()
            .expect("enrolled")
            .generate(step * 30)
            .to_string()
    }

    /// Proposes releasing `submission_ids` to payroll (201) for [`RELEASE_PURPOSE`] with
    /// `note` beside it; returns the release's id.
    pub async fn propose_release(
        &self,
        app: &impl Served,
        submission_ids: &[String],
        note: &str,
    ) -> String {
        self.propose_release_in(app, submission_ids, note, "snapshot")
            .await
    }

    /// [`Self::propose_release`] in `mode` (`snapshot`, or `changes`: only what changed,
    /// each row marked added, changed or ended).
    pub async fn propose_release_in(
        &self,
        app: &impl Served,
        submission_ids: &[String],
        note: &str,
        mode: &str,
    ) -> String {
        let proposed = self
            .post(app, "/api/v1/officer/releases")
            .json(&json!({ "submission_ids": submission_ids, "purpose": RELEASE_PURPOSE, "note": note, "mode": mode }))
            .send()
            .await
            .expect("propose");
        json_of(proposed, 201, "propose release").await["release_id"]
            .as_str()
            .expect("release")
            .to_owned()
    }

    /// Approves a release another officer proposed, with the password and the TOTP `code`
    /// again (200); returns the answer (`records`, `sha256`, …).
    pub async fn approve_release(&self, app: &impl Served, release_id: &str, code: &str) -> Value {
        let approved = self
            .post(
                app,
                &format!("/api/v1/officer/releases/{release_id}/approve"),
            )
            .json(&json!({ "password": STAFF_PASSWORD, "totp": code }))
            .send()
            .await
            .expect("approve");
        json_of(approved, 200, "approve release").await
    }
}
