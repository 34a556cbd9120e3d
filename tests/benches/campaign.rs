//! Campaign simulation (issue 6): a year-end collection from invitations to release, timed.
//!
//! The real service runs in this process on a random port over TLS, on a fresh database, as
//! the black-box tests start it (rate limits raised: the whole campaign comes from one
//! loopback address). Then, over HTTPS like phones and browsers:
//!
//! 1. an admin (created through the vault, signed in, TOTP enrolled) invites every employee
//!    through `POST /api/v1/admin/invitations` in batches (codes E00001…, names, furigana,
//!    10 branches);
//! 2. employees, 16 at a time, each with its own cookie jar: sign in with the link's token,
//!    save their details and number, add 0–3 dependants (1.2 on average; the employee
//!    attests them), upload the photos the rule table needs (the employee's My Number card;
//!    also the card of a spouse filing as 国民年金第3号被保険者, whom the employer must
//!    verify), submit;
//! 3. four officers (all 10 branches) work the queue at once: claim the next submission,
//!    open it, look at every photo (unsealed, audited), verify each person (My Number card
//!    for the employee and a category-3 spouse, the employee's attestation for other
//!    dependants), until nothing waits (a claim that answers 204 while the queue still
//!    lists submitted items is counted, and the officer asks again);
//! 4. release: one officer proposes the verified submissions in batches, another approves
//!    each with password and TOTP again, downloads the export and opens it with the `age`
//!    CLI and payroll's identity (`age-keygen`); the CSVs must hold exactly one line per
//!    person with the numbers that were typed.
//!
//! Then a second year, the year-end re-confirmation (年末調整, issue 17 part B):
//!
//! 6. the admin opens a campaign over all employees (`POST /api/v1/admin/campaigns`: one
//!    transaction, an answer row and a fresh link each);
//! 7. employees, 16 at a time, sign in with that link: about 90 % answer 「変更なし」 in one
//!    call, the tenth who change report a newborn (with a photo of the 住民票 showing the
//!    number) or, one in four, a new address (with the card's photo), and hand it in;
//! 8. the four officers work the queue: it holds the changed people only;
//! 9. release in `mode: changes` (one line per changed person, marked added or changed).
//!
//! Prints a Markdown table: wall time per phase and in total, throughput, people, photos,
//! database size (SQLite: file + WAL after a checkpoint; PostgreSQL: `pg_database_size`),
//! peak RSS of this process (client and server together).
//!
//! `cargo bench -p tests --bench campaign` (SQLite, the embedded default);
//! `KAKUNIN_BENCH_BACKEND=postgres cargo bench -p tests --bench campaign` (a fresh database
//! on the PostgreSQL at `KAKUNIN_TEST_POSTGRES_URL`, dropped at the end).
//! `KAKUNIN_CAMPAIGN_EMPLOYEES` (default 2000) and `KAKUNIN_CAMPAIGN_PHOTO` (an absolute
//! path; default the 1600×1200 phone photo `fixtures/images/phone/phone-gps-orientation6.jpg`)
//! change the shape. Needs `age` and `age-keygen` on the PATH.
//!
//! Starting the service, staff sign-in with TOTP, release proposals and approvals and the
//! `age` CLI come from the `tests` library (`tests/src/`), which the API tests use too.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intake_api::config::Quota;
use serde_json::{Value, json};
use sqlx::Connection;
use storage::org::BranchCode;
use storage::staff::{NewStaffAccount, Role};
use storage::test_support::TestDatabase;
use storage::{AuditContext, MyNumber};
use tests::staff::{STAFF_PASSWORD, Served, Staff, json_of, sign_in_and_enrol};
use tests::{age, service};

const BRANCHES: [&str; 10] = [
    "TKY", "OSK", "NGY", "FUK", "SPK", "SDI", "HRS", "KNZ", "YKH", "KBE",
];
const EMPLOYEE_CONCURRENCY: usize = 16;
const OFFICERS: usize = 4;
/// Invitations per API call. The service reads JSON bodies up to 64 KiB, which holds about
/// 600 of these rows (the roster's own cap, 5,000 rows, is for the CSV upload).
const INVITATION_BATCH: usize = 250;
/// Submissions per proposed release. 64 KiB of JSON holds about 1,680 ids.
const RELEASE_BATCH: usize = 1000;

const SURNAMES: [(&str, &str); 16] = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山本", "ヤマモト"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
];
const ADULT_NAMES: [(&str, &str); 12] = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("美咲", "ミサキ"),
    ("健太", "ケンタ"),
    ("陽子", "ヨウコ"),
    ("大輔", "ダイスケ"),
    ("由美", "ユミ"),
    ("翔太", "ショウタ"),
    ("恵", "メグミ"),
    ("拓也", "タクヤ"),
    ("直子", "ナオコ"),
];
const CHILD_NAMES: [(&str, &str); 8] = [
    ("蓮", "レン"),
    ("陽菜", "ヒナ"),
    ("湊", "ミナト"),
    ("結衣", "ユイ"),
    ("大翔", "ヒロト"),
    ("葵", "アオイ"),
    ("悠真", "ユウマ"),
    ("凛", "リン"),
];

/// One person as the employee types them.
#[derive(Debug, Clone)]
struct Person {
    relationship: &'static str,
    number: String,
    name: String,
    kana: String,
    birth_date: String,
    category3_spouse: bool,
}

/// One employee of the roster, with the link the admin got for them.
#[derive(Debug, Clone)]
struct Employee {
    code: String,
    branch: &'static str,
    own: Person,
    dependants: Vec<Person>,
    token: String,
    submission_id: String,
}

/// A valid number, distinct for every `index`: eleven digits, then the check digit found
/// by the storage crate's own parser.
fn my_number(index: u64) -> String {
    let eleven = format!("{:011}", 31_415_926_000 + index * 7_919);
    (0..=9)
        .map(|d| format!("{eleven}{d}"))
        .find(|n| MyNumber::parse(n).is_ok())
        .expect("one check digit fits")
}

fn roster(n: usize) -> Vec<Employee> {
    (0..n)
        .map(|i| {
            let (surname, surname_kana) = SURNAMES[i % SURNAMES.len()];
            let (given, given_kana) = ADULT_NAMES[(i / SURNAMES.len()) % ADULT_NAMES.len()];
            let person = |k: usize, relationship, given: &str, kana: &str, birth_date| Person {
                relationship,
                number: my_number((i * 4 + k) as u64),
                name: format!("{surname} {given}"),
                kana: format!("{surname_kana} {kana}"),
                birth_date,
                category3_spouse: false,
            };
            let birth = |year: usize, k: usize| {
                format!("{year}-{:02}-{:02}", 1 + (i + k) % 12, 1 + (i * 7 + k) % 28)
            };
            // 0–3 dependants: 30 % none, 32 % one, 26 % two, 12 % three (1.2 on average).
            let h = (i as u64).wrapping_mul(2_654_435_761) % 100;
            let count = match h {
                0..30 => 0,
                30..62 => 1,
                62..88 => 2,
                _ => 3,
            };
            let mut dependants = Vec::new();
            for k in 1..=count {
                if k == 1 && i % 10 < 7 {
                    let (g, gk) = ADULT_NAMES[(i * 5 + 3) % ADULT_NAMES.len()];
                    let mut spouse = person(k, "spouse", g, gk, birth(1962 + i % 38, k));
                    // A third of spouses file as 国民年金第3号被保険者: the employer verifies.
                    spouse.category3_spouse = i % 3 == 0;
                    dependants.push(spouse);
                } else {
                    let (g, gk) = CHILD_NAMES[(i + k) % CHILD_NAMES.len()];
                    dependants.push(person(k, "child", g, gk, birth(2000 + (i + k) % 25, k)));
                }
            }
            Employee {
                code: format!("E{:05}", i + 1),
                branch: BRANCHES[i % BRANCHES.len()],
                own: person(0, "self", given, given_kana, birth(1960 + i % 40, 0)),
                dependants,
                token: String::new(),
                submission_id: String::new(),
            }
        })
        .collect()
}

/// What every phone and browser needs: the address and the development certificate.
struct Ctx {
    base: String,
    cert: reqwest::Certificate,
    photo: Vec<u8>,
}

impl Served for Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A phone or browser of its own (cookies), trusting the development certificate.
    fn new_client(&self) -> reqwest::Client {
        service::client_with(&self.cert, &self.base)
    }
}

/// One employee's evening: sign in, details, dependants, photos, submit. Returns the time
/// of each upload.
async fn employee_session(ctx: &Ctx, e: &Employee) -> Vec<Duration> {
    let client = ctx.new_client();
    let signed_in = client
        .post(ctx.url("/api/v1/provider/session"))
        .json(&json!({ "token": e.token }))
        .send()
        .await
        .expect("sign in");
    let body = json_of(signed_in, 200, "provider sign-in").await;
    assert_eq!(
        body["submission_id"],
        e.submission_id.as_str(),
        "{}",
        e.code
    );
    let saved = client
        .put(ctx.url("/api/v1/provider/subjects/self"))
        .json(&json!({
            "number": e.own.number, "name": e.own.name, "name_kana": e.own.kana,
            "birth_date": e.own.birth_date,
        }))
        .send()
        .await
        .expect("save self");
    let own_id = json_of(saved, 200, "save self").await["subject_id"]
        .as_str()
        .expect("subject")
        .to_owned();
    let mut photos_for = vec![own_id];
    for d in &e.dependants {
        let added = client
            .post(ctx.url("/api/v1/provider/subjects"))
            .json(&json!({
                "relationship": d.relationship, "number": d.number, "name": d.name,
                "name_kana": d.kana, "birth_date": d.birth_date,
                "identity_attested": true, "category3_spouse": d.category3_spouse,
            }))
            .send()
            .await
            .expect("dependant");
        let id = json_of(added, 201, "add dependant").await["subject_id"]
            .as_str()
            .expect("subject")
            .to_owned();
        if d.category3_spouse {
            photos_for.push(id);
        }
    }
    let mut upload_times = Vec::new();
    for subject in photos_for {
        let form = reqwest::multipart::Form::new()
            .text("kind", "my_number_card_front")
            .part(
                "file",
                reqwest::multipart::Part::bytes(ctx.photo.clone())
                    .file_name("IMG_0001.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime"),
            );
        let started = Instant::now();
        let uploaded = client
            .post(ctx.url(&format!("/api/v1/provider/subjects/{subject}/documents")))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        json_of(uploaded, 201, "upload").await;
        upload_times.push(started.elapsed());
    }
    let submitted = client
        .post(ctx.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    let body = json_of(submitted, 200, "submit").await;
    assert_eq!(body["state"], "submitted");
    upload_times
}

/// What an employee answers in the re-confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 「変更なし」 in one tap.
    NoChange,
    /// A child was born: the newborn with the photo of the 住民票 showing the number.
    Newborn,
    /// A new address: the employee's new version with the card's photo.
    Address,
}

/// About 90 % answer 「変更なし」; of the tenth who change, three in four report a newborn,
/// the others a new address.
fn answer_of(i: usize) -> Answer {
    if i % 10 != 9 {
        Answer::NoChange
    } else if (i / 10) % 4 == 3 {
        Answer::Address
    } else {
        Answer::Newborn
    }
}

/// One photo to a change's new version.
async fn upload_to_change(
    ctx: &Ctx,
    client: &reqwest::Client,
    change: &str,
    subject: &str,
    kind: &str,
) {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(ctx.photo.clone())
                .file_name("IMG_0002.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    let uploaded = client
        .post(ctx.url(&format!(
            "/api/v1/provider/changes/{change}/subjects/{subject}/documents"
        )))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    json_of(uploaded, 201, "upload to change").await;
}

/// One employee answers the re-confirmation through the campaign's link.
async fn re_confirm(ctx: &Ctx, e: &Employee, token: &str, i: usize) -> Answer {
    let client = ctx.new_client();
    let signed_in = client
        .post(ctx.url("/api/v1/provider/session"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("sign in");
    json_of(signed_in, 200, "campaign sign-in").await;
    let answer = answer_of(i);
    let (body, photo) = match answer {
        Answer::NoChange => {
            let answered = client
                .post(ctx.url("/api/v1/provider/campaign/no-change"))
                .send()
                .await
                .expect("no change");
            let body = json_of(answered, 200, "no change").await;
            assert_eq!(body["outcome"], "recorded", "{}", e.code);
            return answer;
        }
        Answer::Newborn => {
            let surname = e.own.name.split(' ').next().unwrap_or_default();
            let kana = e.own.kana.split(' ').next().unwrap_or_default();
            (
                json!({"kind": "add_dependant", "effective_on": "2026-11-15", "dependant": {
                    "relationship": "child", "number": my_number(1_000_000 + i as u64),
                    "name": format!("{surname} 新"), "name_kana": format!("{kana} アラタ"),
                    "birth_date": "2026-11-15", "identity_attested": true}}),
                "residence_record",
            )
        }
        Answer::Address => (
            json!({"kind": "address", "effective_on": "2026-11-01",
                   "address": format!("東京都千代田区丸の内{}-1", 1 + i % 9)}),
            "my_number_card_front",
        ),
    };
    let changed = client
        .post(ctx.url("/api/v1/provider/changes"))
        .json(&body)
        .send()
        .await
        .expect("change");
    let changed = json_of(changed, 201, "change").await;
    let change = changed["change_id"].as_str().expect("change").to_owned();
    let subject = changed["subject_id"].as_str().expect("subject").to_owned();
    upload_to_change(ctx, &client, &change, &subject, photo).await;
    let handed = client
        .post(ctx.url(&format!("/api/v1/provider/changes/{change}/submit")))
        .send()
        .await
        .expect("hand in");
    assert_eq!(
        json_of(handed, 200, "hand in change").await["state"],
        "submitted"
    );
    answer
}

/// One verified submission, as the officer saw it.
struct Worked {
    submission_id: String,
    elapsed: Duration,
    images: usize,
    /// The slowest request of the four kinds (claim, open, image, verify) and its time.
    slowest: (&'static str, Duration),
}

/// Notes the time since `step` for the request `name`; keeps the slowest.
fn lap(name: &'static str, step: &mut Instant, slowest: &mut (&'static str, Duration)) {
    let took = step.elapsed();
    if took > slowest.1 {
        *slowest = (name, took);
    }
    *step = Instant::now();
}

/// An officer works the queue until nothing waits. Returns the verified submissions and
/// how often a claim answered "nothing waits" (204) while the queue still listed submitted
/// items (the officer then asks again, as one would on seeing the list).
async fn work_queue(ctx: &Ctx, officer: &Staff) -> (Vec<Worked>, usize) {
    let mut done = Vec::new();
    let mut early_empty = 0;
    loop {
        let started = Instant::now();
        let mut step = started;
        let mut slowest = ("", Duration::ZERO);
        let claimed = officer
            .post(ctx, "/api/v1/officer/claims")
            .send()
            .await
            .expect("claim");
        if claimed.status() == 204 {
            let waiting = officer
                .get(ctx, "/api/v1/officer/queue?state=submitted")
                .send()
                .await
                .expect("queue");
            let waiting = json_of(waiting, 200, "queue").await["items"]
                .as_array()
                .map_or(0, Vec::len);
            if waiting == 0 {
                return (done, early_empty);
            }
            early_empty += 1;
            continue;
        }
        let id = json_of(claimed, 200, "claim").await["submission_id"]
            .as_str()
            .expect("claimed")
            .to_owned();
        lap("claim", &mut step, &mut slowest);
        let item = officer
            .get(ctx, &format!("/api/v1/officer/submissions/{id}"))
            .send()
            .await
            .expect("item");
        let item = json_of(item, 200, "open submission").await;
        lap("open", &mut step, &mut slowest);
        let documents = item["documents"].as_array().expect("documents");
        for doc in documents {
            let document = doc["document_id"].as_str().expect("document");
            let image = officer
                .get(ctx, &format!("/api/v1/officer/documents/{document}/image"))
                .send()
                .await
                .expect("image");
            assert_eq!(image.status(), 200, "view image");
            assert!(!image.bytes().await.expect("image bytes").is_empty());
            lap("image", &mut step, &mut slowest);
        }
        let subjects: Vec<Value> = item["subjects"]
            .as_array()
            .expect("subjects")
            .iter()
            .map(|s| {
                let subject = s["subject_id"].clone();
                if s["relationship"] == "self" {
                    json!({"subject_id": subject,
                           "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]})
                } else if s["category3_spouse"] == true {
                    json!({"subject_id": subject, "category3_spouse": true,
                           "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]})
                } else {
                    json!({"subject_id": subject, "number_check": "employee_attestation",
                           "identity_check": "employee_attestation"})
                }
            })
            .collect();
        let verified = officer
            .post(ctx, &format!("/api/v1/officer/submissions/{id}/verify"))
            .json(&json!({ "subjects": subjects }))
            .send()
            .await
            .expect("verify");
        assert_eq!(json_of(verified, 200, "verify").await["state"], "verified");
        lap("verify", &mut step, &mut slowest);
        done.push(Worked {
            submission_id: id,
            elapsed: started.elapsed(),
            images: documents.len(),
            slowest,
        });
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// A field of `/proc/self/status` in kB.
fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) used by this process so far (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    match (tick(11), tick(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => 0.0,
    }
}

fn mib(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// The database's size in bytes and in words (SQLite: file + WAL after a checkpoint;
/// PostgreSQL: `pg_database_size`).
async fn database_size(db: &TestDatabase, postgres: bool) -> (u64, String) {
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.expect("db");
    if postgres {
        let (size,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
            .fetch_one(&mut conn)
            .await
            .expect("size");
        (
            size as u64,
            format!("{} (`pg_database_size`)", mib(size as u64)),
        )
    } else {
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .expect("checkpoint");
        let path = db.sqlite_path().expect("sqlite file");
        let size = |suffix: &str| {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        (
            size("") + size("-wal"),
            format!(
                "{} (file {} + WAL {} after a checkpoint)",
                mib(size("") + size("-wal")),
                mib(size("")),
                mib(size("-wal"))
            ),
        )
    }
}

/// A timed phase: wall clock and this process's CPU.
struct Timer {
    wall: Instant,
    cpu: f64,
}

impl Timer {
    fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }
    fn stop(self) -> (Duration, f64) {
        (self.wall.elapsed(), cpu_seconds() - self.cpu)
    }
}

struct Row {
    phase: String,
    wall: Duration,
    cpu: f64,
    work: String,
    rate: String,
}

#[tokio::main]
async fn main() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .try_init();
    let n: usize = std::env::var("KAKUNIN_CAMPAIGN_EMPLOYEES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let postgres = std::env::var("KAKUNIN_BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    let photo_path = std::env::var("KAKUNIN_CAMPAIGN_PHOTO")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/images/phone/phone-gps-orientation6.jpg")
        });
    let photo =
        std::fs::read(&photo_path).unwrap_or_else(|e| panic!("{}: {e}", photo_path.display()));
    let (width, height) = image::ImageReader::open(&photo_path)
        .and_then(|r| r.with_guessed_format())
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .unwrap_or((0, 0));
    println!("# Campaign simulation\n");
    println!(
        "{n} employees, backend {}, photo {} ({width}×{height}, {:.0} KB){}",
        if postgres { "PostgreSQL" } else { "SQLite" },
        photo_path.display(),
        photo.len() as f64 / 1000.0,
        if std::env::var("KAKUNIN_CAMPAIGN_PHOTO").is_err() {
            " — a real phone photo of modest size, not 12 MP (set KAKUNIN_CAMPAIGN_PHOTO to change)"
        } else {
            ""
        }
    );

    // Setup: the service as the black-box tests start it, and its staff.
    let setup = Timer::start();
    let db = if postgres {
        TestDatabase::postgres()
            .await
            .expect("PostgreSQL at KAKUNIN_TEST_POSTGRES_URL")
    } else {
        TestDatabase::sqlite()
    };
    let payroll = age::keygen().expect("age-keygen on the PATH (apt-get install age)");
    let running = service::start(&db.url, |settings| {
        let plenty = Quota {
            per_minute: 1_000_000,
            burst: 100_000,
        };
        settings.rate_limits.general = plenty;
        settings.rate_limits.sign_in = plenty;
        settings.rate_limits.upload = plenty;
        settings.rate_limits.upload_per_invitation = plenty;
        settings.payroll_recipient = Some(payroll.recipient.clone());
    })
    .await;
    let ctx = Arc::new(Ctx {
        base: running.base.clone(),
        cert: service::certificate(&running.settings.tls_cert_path()),
        photo,
    });
    let branches: Vec<BranchCode> = BRANCHES
        .iter()
        .map(|b| BranchCode::parse(b).expect("branch"))
        .collect();
    let password_hash = intake_api::password::hash_password(STAFF_PASSWORD).expect("hash");
    let mut staff = vec![("hr.admin".to_owned(), Role::Admin, Vec::new())];
    for k in 1..=OFFICERS {
        staff.push((format!("officer.{k}"), Role::Officer, branches.clone()));
    }
    for (username, role, scopes) in staff {
        running
            .state
            .vault
            .create_staff_account(
                &AuditContext::cli(),
                &NewStaffAccount {
                    username: storage::staff::Username::parse(&username).expect("username"),
                    role,
                    password_hash: password_hash.clone(),
                    scopes,
                },
            )
            .await
            .expect("staff account");
    }
    let admin = sign_in_and_enrol(&*ctx, "hr.admin").await;
    let (setup_wall, setup_cpu) = setup.stop();
    let mut rows = vec![Row {
        phase: "setup (init, keys, migrations, 5 staff accounts, admin sign-in + TOTP)".into(),
        wall: setup_wall,
        cpu: setup_cpu,
        work: "—".into(),
        rate: "—".into(),
    }];

    // 1. Invitations.
    let mut employees = roster(n);
    let timer = Timer::start();
    for batch in employees.chunks_mut(INVITATION_BATCH) {
        let invitations: Vec<Value> = batch
            .iter()
            .map(|e| {
                json!({"employee_code": e.code, "name": e.own.name,
                       "name_kana": e.own.kana, "branch": e.branch})
            })
            .collect();
        let created = admin
            .post(&*ctx, "/api/v1/admin/invitations")
            .json(&json!({ "invitations": invitations }))
            .send()
            .await
            .expect("invite");
        let body = json_of(created, 201, "invite batch").await;
        let items = body["items"].as_array().expect("items");
        assert_eq!(items.len(), batch.len());
        for (e, item) in batch.iter_mut().zip(items) {
            let url = item["url"].as_str().expect("url");
            e.token = url.rsplit_once("/i/").expect("link").1.to_owned();
            e.submission_id = item["submission_id"].as_str().expect("id").to_owned();
        }
    }
    let (wall, cpu) = timer.stop();
    rows.push(Row {
        phase: format!("1. admin invites the roster (API, {INVITATION_BATCH} per call)"),
        wall,
        cpu,
        work: format!("{n} invitations in {} calls", n.div_ceil(INVITATION_BATCH)),
        rate: format!("{:.0} invitations/s", n as f64 / wall.as_secs_f64()),
    });
    let people: usize = employees.iter().map(|e| 1 + e.dependants.len()).sum();
    let dependants = people - n;
    let spouses = employees
        .iter()
        .flat_map(|e| &e.dependants)
        .filter(|d| d.relationship == "spouse")
        .count();
    let category3 = employees
        .iter()
        .flat_map(|e| &e.dependants)
        .filter(|d| d.category3_spouse)
        .count();
    let expected: HashSet<(String, String)> = employees
        .iter()
        .flat_map(|e| {
            std::iter::once(&e.own)
                .chain(&e.dependants)
                .map(|p| (e.code.clone(), p.number.clone()))
        })
        .collect();
    assert_eq!(expected.len(), people, "every number is distinct");

    // 2. Employees, 16 at a time.
    let employees = Arc::new(employees);
    let next = Arc::new(AtomicUsize::new(0));
    let session_times = Arc::new(Mutex::new(Vec::new()));
    let timer = Timer::start();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..EMPLOYEE_CONCURRENCY {
        let (ctx, employees, next, session_times) = (
            ctx.clone(),
            employees.clone(),
            next.clone(),
            session_times.clone(),
        );
        workers.spawn(async move {
            let mut uploads = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(e) = employees.get(i) else {
                    return uploads;
                };
                let started = Instant::now();
                uploads.extend(employee_session(&ctx, e).await);
                session_times.lock().expect("lock").push(started.elapsed());
            }
        });
    }
    let mut upload_times = Vec::new();
    while let Some(done) = workers.join_next().await {
        upload_times.extend(done.expect("employee worker"));
    }
    let (wall, cpu) = timer.stop();
    let photos = upload_times.len();
    upload_times.sort_unstable();
    let mut sessions = std::mem::take(&mut *session_times.lock().expect("lock"));
    sessions.sort_unstable();
    rows.push(Row {
        phase: format!("2. employees hand in ({EMPLOYEE_CONCURRENCY} at a time)"),
        wall,
        cpu,
        work: format!(
            "{n} submissions, {people} people, {photos} photos; per employee p50 {} p95 {} \
             max {}; per upload p50 {} p95 {} max {}",
            ms(percentile(&sessions, 0.5)),
            ms(percentile(&sessions, 0.95)),
            ms(percentile(&sessions, 1.0)),
            ms(percentile(&upload_times, 0.5)),
            ms(percentile(&upload_times, 0.95)),
            ms(percentile(&upload_times, 1.0)),
        ),
        rate: format!(
            "**{:.1} photos/s**, {:.1} employees/s",
            photos as f64 / wall.as_secs_f64(),
            n as f64 / wall.as_secs_f64()
        ),
    });

    // 3. Four officers work the queue.
    let timer = Timer::start();
    let mut officers = Vec::new();
    for k in 1..=OFFICERS {
        officers.push(Arc::new(
            sign_in_and_enrol(&*ctx, &format!("officer.{k}")).await,
        ));
    }
    let mut working = tokio::task::JoinSet::new();
    for officer in &officers {
        let (ctx, officer) = (ctx.clone(), officer.clone());
        working.spawn(async move {
            let (done, early_empty) = work_queue(&ctx, &officer).await;
            (officer.username.clone(), done, early_empty)
        });
    }
    let mut worked = Vec::new();
    let mut per_officer = Vec::new();
    let mut early_empty = 0;
    while let Some(done) = working.join_next().await {
        let (username, done, early) = done.expect("officer");
        early_empty += early;
        let slowest = done.iter().map(|w| w.elapsed).max().unwrap_or_default();
        per_officer.push(format!(
            "{username} {} (slowest {})",
            done.len(),
            ms(slowest)
        ));
        worked.extend(done);
    }
    let (wall, cpu) = timer.stop();
    assert_eq!(worked.len(), n, "every submission verified once");
    let images: usize = worked.iter().map(|w| w.images).sum();
    let mut item_times: Vec<Duration> = worked.iter().map(|w| w.elapsed).collect();
    item_times.sort_unstable();
    per_officer.sort_unstable();
    let slowest_request = worked
        .iter()
        .map(|w| w.slowest)
        .max_by_key(|s| s.1)
        .unwrap_or_default();
    rows.push(Row {
        phase: format!("3. {OFFICERS} officers verify (sign-in + TOTP included)"),
        wall,
        cpu,
        work: format!(
            "{n} submissions verified ({people} people), {images} photos viewed; \
             per submission p50 {} p95 {} max {}; slowest request: {} {}; per officer: {}; \
             claims answered 204 \"nothing waits\" while submitted items were listed: {early_empty}",
            ms(percentile(&item_times, 0.5)),
            ms(percentile(&item_times, 0.95)),
            ms(percentile(&item_times, 1.0)),
            slowest_request.0,
            ms(slowest_request.1),
            per_officer.join(", "),
        ),
        rate: format!("{:.1} submissions/s", n as f64 / wall.as_secs_f64()),
    });

    // 4. Release in batches, dual control, export opened by payroll with `age`.
    let timer = Timer::start();
    let ids: Vec<String> = worked.into_iter().map(|w| w.submission_id).collect();
    let mut lines = Vec::new();
    let mut sealed_bytes = 0;
    let batches = ids.chunks(RELEASE_BATCH).count();
    for (b, chunk) in ids.chunks(RELEASE_BATCH).enumerate() {
        let proposer = &officers[b % OFFICERS];
        let approver = &officers[(b + 1) % OFFICERS];
        let release = proposer
            .propose_release(&*ctx, chunk, "2026年分 年末調整 (year-end adjustment)")
            .await;
        let records = approver
            .approve_release(&*ctx, &release, &approver.step_up_code().await)
            .await["records"]
            .as_u64()
            .expect("records");
        let download = approver
            .post(&*ctx, &format!("/api/v1/officer/releases/{release}/export"))
            .send()
            .await
            .expect("download");
        assert_eq!(download.status(), 200, "download");
        let sealed = download.bytes().await.expect("export");
        assert!(sealed.starts_with(b"age-encryption.org/v1"));
        sealed_bytes += sealed.len();
        let csv =
            String::from_utf8(age::decrypt(&payroll.identity, &sealed).expect("age on the PATH"))
                .expect("utf-8 CSV");
        let mut csv_lines = csv.lines();
        assert_eq!(
            csv_lines.next(),
            Some(
                "employee_code,name,furigana,relationship,number,verification_method,checker,date,person_id,birth_date,address,no_number_reason,change,change_date"
            )
        );
        let batch_lines: Vec<String> = csv_lines.map(str::to_owned).collect();
        assert_eq!(batch_lines.len() as u64, records, "one line per record");
        for line in &batch_lines {
            let checker = line.split(',').nth(6).expect("checker");
            assert!(
                officers.iter().any(|o| o.username == checker),
                "checker {checker}"
            );
        }
        lines.extend(batch_lines);
    }
    let (wall, cpu) = timer.stop();
    assert_eq!(lines.len(), people, "one CSV line per person");
    let released: HashSet<(String, String)> = lines
        .iter()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[4].to_owned())
        })
        .collect();
    assert!(
        released == expected,
        "the export holds exactly the numbers typed"
    );
    rows.push(Row {
        phase: format!(
            "4. release ({RELEASE_BATCH} submissions per batch), export opened with age"
        ),
        wall,
        cpu,
        work: format!(
            "{batches} proposals + step-up approvals, {} lines, {} sealed",
            lines.len(),
            mib(sealed_bytes as u64)
        ),
        rate: format!("{:.0} people/s", people as f64 / wall.as_secs_f64()),
    });

    // 5. Report.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.expect("db");
    let (documents, stored): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(LENGTH(sealed)), 0) AS BIGINT) FROM documents",
    )
    .fetch_one(&mut conn)
    .await
    .expect("documents");
    let (_, db_size) = database_size(&db, postgres).await;
    drop(conn);
    // Year 2: the year-end re-confirmation (年末調整) over everyone released in year 1.
    let (db_before, _) = database_size(&db, postgres).await;
    let mut year2 = Vec::new();
    // 6. The admin opens the campaign over all employees.
    let timer = Timer::start();
    let opened = admin
        .post(&*ctx, "/api/v1/admin/campaigns")
        .json(&json!({"year": 2026}))
        .send()
        .await
        .expect("open campaign");
    let opened = json_of(opened, 201, "open campaign").await;
    let campaign = opened["id"].as_str().expect("campaign").to_owned();
    let tokens: std::collections::HashMap<String, String> = opened["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let url = item["url"].as_str().expect("url");
            (
                item["employee_code"].as_str().expect("code").to_owned(),
                url.rsplit_once("/i/").expect("link").1.to_owned(),
            )
        })
        .collect();
    let (wall, cpu) = timer.stop();
    assert_eq!(tokens.len(), n, "every employee is in the campaign");
    year2.push(Row {
        phase: "6. admin opens the campaign over all employees (one call, one transaction)".into(),
        wall,
        cpu,
        work: format!("{n} answer rows and fresh links"),
        rate: format!("{:.0} links/s", n as f64 / wall.as_secs_f64()),
    });

    // 7. Employees answer, 16 at a time.
    let tokens = Arc::new(tokens);
    let next = Arc::new(AtomicUsize::new(0));
    let timer = Timer::start();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..EMPLOYEE_CONCURRENCY {
        let (ctx, employees, next, tokens) =
            (ctx.clone(), employees.clone(), next.clone(), tokens.clone());
        workers.spawn(async move {
            let mut answers = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(e) = employees.get(i) else {
                    return answers;
                };
                answers.push(re_confirm(&ctx, e, &tokens[&e.code], i).await);
            }
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = workers.join_next().await {
        answers.extend(done.expect("employee worker"));
    }
    let (wall, cpu) = timer.stop();
    let count = |a: Answer| answers.iter().filter(|x| **x == a).count();
    let (unchanged, newborns, moves) = (
        count(Answer::NoChange),
        count(Answer::Newborn),
        count(Answer::Address),
    );
    let changed = newborns + moves;
    year2.push(Row {
        phase: format!("7. employees answer ({EMPLOYEE_CONCURRENCY} at a time)"),
        wall,
        cpu,
        work: format!(
            "{unchanged} 「変更なし」, {changed} changes ({newborns} newborns with a 住民票 photo, \
             {moves} new addresses with a card photo)"
        ),
        rate: format!("{:.1} answers/s", n as f64 / wall.as_secs_f64()),
    });

    // The admin's progress: one grouped query over the campaign's answers.
    let started = Instant::now();
    let summary = admin
        .get(&*ctx, &format!("/api/v1/admin/campaigns/{campaign}"))
        .send()
        .await
        .expect("progress");
    let summary = json_of(summary, 200, "progress").await;
    let progress_time = started.elapsed();
    assert_eq!(summary["total"]["no_change"], unchanged as u64, "{summary}");
    assert_eq!(summary["total"]["changed"], changed as u64);
    assert_eq!(summary["total"]["not_yet"], 0);

    // 8. Officers verify the changed people only.
    let timer = Timer::start();
    let mut working = tokio::task::JoinSet::new();
    for officer in &officers {
        let (ctx, officer) = (ctx.clone(), officer.clone());
        working.spawn(async move { work_queue(&ctx, &officer).await.0 });
    }
    let mut worked2 = Vec::new();
    while let Some(done) = working.join_next().await {
        worked2.extend(done.expect("officer"));
    }
    let (wall, cpu) = timer.stop();
    let verified_people = worked2.len();
    assert_eq!(
        verified_people, changed,
        "officers verify the changed people only"
    );
    year2.push(Row {
        phase: format!("8. {OFFICERS} officers verify the changes"),
        wall,
        cpu,
        work: format!(
            "{verified_people} items verified (= the {changed} changed people), {} photos viewed",
            worked2.iter().map(|w| w.images).sum::<usize>()
        ),
        rate: format!("{:.1} items/s", verified_people as f64 / wall.as_secs_f64()),
    });

    // 9. Release in `mode: changes`, dual control, opened with `age`.
    let timer = Timer::start();
    let change_ids: Vec<String> = worked2.into_iter().map(|w| w.submission_id).collect();
    let mut marks = std::collections::BTreeMap::<String, usize>::new();
    let mut change_lines = 0;
    for (b, chunk) in change_ids.chunks(RELEASE_BATCH).enumerate() {
        let proposer = &officers[b % OFFICERS];
        let approver = &officers[(b + 1) % OFFICERS];
        let release = proposer
            .propose_release_in(
                &*ctx,
                chunk,
                "年末調整の再確認 (re-confirmation)",
                "changes",
            )
            .await;
        approver
            .approve_release(&*ctx, &release, &approver.step_up_code().await)
            .await;
        let download = approver
            .post(&*ctx, &format!("/api/v1/officer/releases/{release}/export"))
            .send()
            .await
            .expect("download");
        assert_eq!(download.status(), 200, "download");
        let sealed = download.bytes().await.expect("export");
        let csv =
            String::from_utf8(age::decrypt(&payroll.identity, &sealed).expect("age on the PATH"))
                .expect("utf-8 CSV");
        for line in csv.lines().skip(1) {
            change_lines += 1;
            let mark = line.split(',').nth(12).unwrap_or_default().to_owned();
            *marks.entry(mark).or_default() += 1;
        }
    }
    let (wall, cpu) = timer.stop();
    assert_eq!(change_lines, changed, "one line per changed person");
    assert_eq!(
        marks.get("added").copied().unwrap_or(0),
        newborns,
        "{marks:?}"
    );
    assert_eq!(
        marks.get("changed").copied().unwrap_or(0),
        moves,
        "{marks:?}"
    );
    year2.push(Row {
        phase: "9. release in `mode: changes`, export opened with age".into(),
        wall,
        cpu,
        work: format!(
            "{change_lines} lines: {}",
            marks
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        rate: "—".into(),
    });
    let (db_after, db_after_text) = database_size(&db, postgres).await;
    let total_wall: Duration = rows[1..].iter().map(|r| r.wall).sum();
    let total_cpu: f64 = rows[1..].iter().map(|r| r.cpu).sum();

    println!("\n| phase | wall | CPU of this process | work | throughput |");
    println!("|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.1} s | {:.1} s | {} | {} |",
            r.phase,
            r.wall.as_secs_f64(),
            r.cpu,
            r.work,
            r.rate
        );
    }
    println!(
        "| **total, phases 1–4** | **{:.1} s** | {total_cpu:.1} s | {n} employees → {people} people released | {:.1} employees/s |",
        total_wall.as_secs_f64(),
        n as f64 / total_wall.as_secs_f64()
    );
    println!("\n| figure | value |");
    println!("|---|---|");
    println!(
        "| people | {people} ({n} employees + {dependants} dependants: {spouses} spouses, of whom {category3} category 3; {:.2} per employee) |",
        dependants as f64 / n as f64
    );
    println!(
        "| photos uploaded | {photos} ({documents} stored, {} sealed, {:.0} KB per photo) |",
        mib(stored as u64),
        stored as f64 / documents.max(1) as f64 / 1000.0
    );
    println!("| database size | {db_size} |");
    println!(
        "| peak RSS (VmHWM, client and server in this process) | {} |",
        mib(proc_status_kb("VmHWM:") * 1024)
    );

    println!("\n## Year 2: the re-confirmation (年末調整)\n");
    println!("| phase | wall | CPU of this process | work | throughput |");
    println!("|---|---|---|---|---|");
    for r in &year2 {
        println!(
            "| {} | {:.1} s | {:.1} s | {} | {} |",
            r.phase,
            r.wall.as_secs_f64(),
            r.cpu,
            r.work,
            r.rate
        );
    }
    let year2_wall: Duration = year2.iter().map(|r| r.wall).sum();
    println!(
        "| **total, phases 6–9** | **{:.1} s** | {:.1} s | {n} employees re-confirmed, {changed} changed | {:.1} employees/s |",
        year2_wall.as_secs_f64(),
        year2.iter().map(|r| r.cpu).sum::<f64>(),
        n as f64 / year2_wall.as_secs_f64()
    );
    println!("\n| figure | value |");
    println!("|---|---|");
    println!("| items officers verified | {verified_people} (the changed people: {changed}) |");
    println!(
        "| admin's progress page (`GET /api/v1/admin/campaigns/{{id}}`, {n} answers) | {} |",
        ms(progress_time)
    );
    println!(
        "| database growth between the years | +{} ({} → {db_after_text}) |",
        mib(db_after.saturating_sub(db_before)),
        mib(db_before)
    );

    if postgres {
        // The test database holds every photo: close the service's pool, then drop it.
        eprintln!(
            "dropping the campaign database (the service's audit anchoring may log that its \
             pool is closed)"
        );
        running.state.vault.close().await;
        let name = db.url.rsplit('/').next().expect("name").to_owned();
        let admin_url = std::env::var("KAKUNIN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::AnyConnection::connect(&admin_url)
            .await
            .expect("postgres");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        .expect("drop the campaign database");
    }
}
