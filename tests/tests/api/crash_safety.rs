//! Invariant 8 against the real binary: an upload acknowledged with 201 survives a SIGKILL,
//! nothing half-written is left behind, and SIGTERM drains in-flight uploads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::Connection;
use storage::test_support::TestDatabase;

use crate::helpers::{NUMBER, fixture};
use crate::process::{ServerProcess, init_data_dir, kakunin_cli, upload_photo};

const UPLOADS: usize = 50;
const KILL_AFTER_ACKNOWLEDGED: usize = 10;

fn small_photos() -> Vec<Vec<u8>> {
    [
        "landscape_1",
        "landscape_3",
        "landscape_6",
        "landscape_8",
        "portrait_1",
        "portrait_2",
        "portrait_3",
        "portrait_4",
    ]
    .iter()
    .map(|name| fixture(&format!("orientation/{name}.jpg")))
    .collect()
}

/// A 12 MP JPEG of noise (which compresses badly, like a real photo's detail), made here so
/// that no large file is kept in the repository.
fn twelve_megapixel_photo() -> Vec<u8> {
    let mut seed: u32 = 0x9E37_79B9;
    let image = image::RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed & 0x3f) as u8;
        image::Rgb([
            (x % 256) as u8 ^ noise,
            (y % 256) as u8 ^ noise,
            ((x + y) % 256) as u8,
        ])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .expect("encode");
    jpeg
}

/// Everything the checks need from the database, read with an independent connection.
struct StoredRow {
    id: String,
    sealed: Option<Vec<u8>>,
    sealed_sha256: Vec<u8>,
    sealed_len: i64,
}

type DocumentColumns = (String, Option<Vec<u8>>, Vec<u8>, i64);

async fn stored_documents(url: &str) -> (Vec<StoredRow>, i64) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("db");
    let rows: Vec<DocumentColumns> =
        sqlx::query_as("SELECT id, sealed, sealed_sha256, sealed_len FROM documents")
            .fetch_all(&mut conn)
            .await
            .expect("documents");
    let (seal_entries,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'document.seal'")
            .fetch_one(&mut conn)
            .await
            .expect("audit count");
    if url.starts_with("sqlite:") {
        let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .expect("integrity check");
        assert_eq!(check, "ok", "PRAGMA integrity_check");
    }
    let rows = rows
        .into_iter()
        .map(|(id, sealed, sealed_sha256, sealed_len)| StoredRow {
            id,
            sealed,
            sealed_sha256,
            sealed_len,
        })
        .collect();
    (rows, seal_entries)
}

fn open_with_age(identity: &std::path::Path, sealed: &[u8]) -> Vec<u8> {
    tests::age::decrypt(identity, sealed).expect("age CLI (apt-get install age)")
}

async fn acknowledged_uploads_survive_sigkill(db: Option<TestDatabase>) {
    let root = tempfile::tempdir().expect("tmp");
    let data = root.path().join("data");
    let url = db.as_ref().map(|d| d.url.clone());
    init_data_dir(&data, url.as_deref(), "");
    let server = ServerProcess::start(&data, url.as_deref());
    let (phone, subject) = server.signed_in_provider(NUMBER).await;
    let upload_url = server.url(&format!("/api/v1/provider/subjects/{subject}/documents"));

    let acknowledged = Arc::new(AtomicUsize::new(0));
    let photos = small_photos();
    let tasks: Vec<_> = (0..UPLOADS)
        .map(|i| {
            let (phone, url) = (phone.clone(), upload_url.clone());
            let bytes = photos[i % photos.len()].clone();
            let acknowledged = Arc::clone(&acknowledged);
            tokio::spawn(async move {
                let result = upload_photo(&phone, &url, bytes).await;
                if result.is_ok() {
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                result
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::SeqCst) < KILL_AFTER_ACKNOWLEDGED {
        assert!(Instant::now() < deadline, "uploads did not progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_hard();
    let mut acknowledged_ids = Vec::new();
    let mut cut = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(id) => acknowledged_ids.push(id),
            Err(_) => cut += 1,
        }
    }
    eprintln!(
        "SIGKILL with uploads in flight: {} acknowledged, {cut} cut off",
        acknowledged_ids.len()
    );

    // Restart on the same data directory: the service comes back and serves.
    let server = ServerProcess::start(&data, url.as_deref());
    let health = server
        .new_client()
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);

    let db_url = url.unwrap_or_else(|| format!("sqlite://{}", data.join("kakunin.db").display()));
    let (rows, seal_entries) = stored_documents(&db_url).await;
    // Nothing half-written: every row has its blob, intact, and its audit entry.
    for row in &rows {
        let sealed = row
            .sealed
            .as_deref()
            .expect("a document row without its blob");
        assert_eq!(Sha256::digest(sealed).as_slice(), row.sealed_sha256);
        assert_eq!(sealed.len() as i64, row.sealed_len);
    }
    assert_eq!(
        seal_entries,
        rows.len() as i64,
        "one audit entry per document"
    );
    // Everything acknowledged is there and opens with the identity in the data directory.
    for id in &acknowledged_ids {
        let row = rows
            .iter()
            .find(|r| &r.id == id)
            .unwrap_or_else(|| panic!("acknowledged document {id} lost"));
        let jpeg = open_with_age(
            &data.join("keys/identity.txt"),
            row.sealed.as_deref().unwrap_or_default(),
        );
        assert_eq!(
            image::guess_format(&jpeg).expect("format"),
            image::ImageFormat::Jpeg
        );
        image::load_from_memory(&jpeg).expect("decodes");
    }
    let (status, out) = kakunin_cli(&data, server.database_url.as_deref(), &["audit", "verify"]);
    assert_eq!(status, 0, "kakunin audit verify: {out}");

    // And it keeps accepting uploads.
    let (phone, subject) = server.signed_in_provider(NUMBER).await;
    let url = server.url(&format!("/api/v1/provider/subjects/{subject}/documents"));
    upload_photo(&phone, &url, small_photos().remove(0))
        .await
        .expect("upload after restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_uploads_survive_sigkill_on_sqlite() {
    acknowledged_uploads_survive_sigkill(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_uploads_survive_sigkill_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    acknowledged_uploads_survive_sigkill(Some(db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_in_flight_uploads() {
    const IN_FLIGHT: usize = 10;
    let root = tempfile::tempdir().expect("tmp");
    let data = root.path().join("data");
    // One decode at a time: the uploads queue inside the server, so most of them are
    // still being processed when the signal arrives.
    init_data_dir(&data, None, "[upload]\nmax_concurrent_decodes = 1\n");
    let server = ServerProcess::start(&data, None);
    let (phone, subject) = server.signed_in_provider(NUMBER).await;
    let url = server.url(&format!("/api/v1/provider/subjects/{subject}/documents"));
    // Full-size (12 MP) photos: each takes a scrub long enough that, one decode at a time,
    // ten of them are still queued half a second in, however fast the build.
    let photo = twelve_megapixel_photo();
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (phone, url) = (phone.clone(), url.clone());
            let photo = photo.clone();
            tokio::spawn(async move { upload_photo(&phone, &url, photo).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let still_running = tasks.iter().filter(|t| !t.is_finished()).count();
    server.terminate();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(
            task.await
                .expect("task")
                .expect("in-flight upload completes with 201"),
        );
    }
    eprintln!("SIGTERM with {still_running} of {IN_FLIGHT} uploads in flight: all acknowledged");
    assert!(
        still_running > 0,
        "no upload was in flight when SIGTERM arrived"
    );
    let status = server.wait_for_exit(Duration::from_secs(60));
    assert!(status.success(), "kakunin exited with {status}");

    let db_url = format!("sqlite://{}", data.join("kakunin.db").display());
    let (rows, _) = stored_documents(&db_url).await;
    for id in &ids {
        assert!(rows.iter().any(|r| &r.id == id), "{id} lost after SIGTERM");
    }
}
