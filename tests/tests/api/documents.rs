//! Uploads through the pipeline: what is stored, and what is refused.

use std::process::Command;

use crate::helpers::*;

/// Signs in with own details and returns (app, subject id).
async fn ready_to_upload() -> (TestApp, String) {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    (app, subject)
}

async fn stored_jpeg(app: &TestApp, response: reqwest::Response) -> Option<Vec<u8>> {
    assert_eq!(response.status(), 201, "upload refused");
    let body = json(response).await;
    let sealed = app
        .sealed_document(body["document_id"].as_str().expect("id"))
        .await;
    assert!(
        sealed.starts_with(b"age-encryption.org/v1\n"),
        "stored as an age file"
    );
    app.open_with_age_cli(&sealed)
}

#[tokio::test]
async fn a_phone_photo_is_stored_sealed_upright_and_without_any_metadata() {
    let (app, subject) = ready_to_upload().await;
    let original = fixture("phone/phone-gps-orientation6.jpg");
    let response = app.upload(&subject, "my_number_card_front", original).await;
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    // Orientation 6 on a 1600x1200 sensor image: upright is 1200 wide, 1600 high.
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(1200), Some(1600))
    );
    let removed: Vec<&str> = body["removed_metadata"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for category in [
        "gps_position",
        "device_make_model",
        "serial_number",
        "capture_time",
        "thumbnail",
    ] {
        assert!(
            removed.contains(&category),
            "{category} reported in {removed:?}"
        );
    }
    let sealed = app
        .sealed_document(body["document_id"].as_str().expect("id"))
        .await;
    let Some(jpeg) = app.open_with_age_cli(&sealed) else {
        return;
    };
    let decoded = image::load_from_memory(&jpeg).expect("a JPEG comes out");
    assert_eq!((decoded.width(), decoded.height()), (1200, 1600));

    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("stored.jpg");
    std::fs::write(&path, &jpeg).expect("write");
    let output = match Command::new("exiftool")
        .args(["-j", "-a", "-G1", "-u"])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) => return tool_missing("exiftool", &e),
    };
    let report = String::from_utf8_lossy(&output.stdout);
    for forbidden in [
        "GPS",
        "Make",
        "Model",
        "Serial",
        "Thumbnail",
        "XMP",
        "Artist",
        "DateTimeOriginal",
        "Software",
        "Orientation",
        "UserComment",
        "MakerNote",
    ] {
        assert!(
            !report.contains(forbidden),
            "exiftool still finds {forbidden} in the stored image:\n{report}"
        );
    }
}

/// The stored orientation samples must match the upright (Orientation=1) one of each shape.
#[tokio::test]
async fn every_orientation_sample_comes_out_upright() {
    // Sixteen uploads in a row from one address: more than the default upload burst (15),
    // which is not what this test is about.
    let app = spawn_with(Spawn {
        tweak: |s| s.rate_limits.upload.burst = 100,
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let subject = app.signed_in_with_self().await;
    for shape in ["landscape", "portrait"] {
        let mut reference: Option<image::RgbImage> = None;
        for n in 1..=8 {
            let response = app
                .upload(
                    &subject,
                    "other_document",
                    fixture(&format!("orientation/{shape}_{n}.jpg")),
                )
                .await;
            let Some(jpeg) = stored_jpeg(&app, response).await else {
                return;
            };
            let img = image::load_from_memory(&jpeg).expect("decode").to_rgb8();
            let small = image::imageops::thumbnail(&img, 32, 32);
            match &reference {
                None => reference = Some(small),
                Some(upright) => {
                    assert_eq!(
                        small.dimensions(),
                        upright.dimensions(),
                        "{shape}_{n} dimensions"
                    );
                    let diff: u64 = small
                        .as_raw()
                        .iter()
                        .zip(upright.as_raw())
                        .map(|(a, b)| u64::from(a.abs_diff(*b)))
                        .sum();
                    let mean = diff as f64 / small.as_raw().len() as f64;
                    assert!(
                        mean < 20.0,
                        "{shape}_{n} differs from upright by {mean:.1} per channel"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn html_in_a_comment_and_after_the_end_marker_does_not_survive() {
    let (app, subject) = ready_to_upload().await;
    let original = fixture("hostile/script-comment-and-trailing-html.jpg");
    assert!(
        original.windows(7).any(|w| w == b"<script"),
        "the fixture carries HTML"
    );
    let response = app.upload(&subject, "other_document", original).await;
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    let removed = body["removed_metadata"].to_string();
    assert!(
        removed.contains("comment") && removed.contains("trailing_data"),
        "{removed}"
    );
    let sealed = app
        .sealed_document(body["document_id"].as_str().expect("id"))
        .await;
    let Some(jpeg) = app.open_with_age_cli(&sealed) else {
        return;
    };
    assert!(
        !jpeg.windows(7).any(|w| w == b"<script" || w == b"<html>\n"),
        "HTML survived the scrub"
    );
    assert!(
        jpeg.ends_with(&[0xFF, 0xD9]),
        "nothing after the end marker"
    );
}

async fn refused(upload: Vec<u8>) -> (u16, serde_json::Value) {
    let (app, subject) = ready_to_upload().await;
    let response = app.upload(&subject, "passport", upload).await;
    let status = response.status().as_u16();
    (status, json(response).await)
}

#[tokio::test]
async fn the_corrupted_sample_gets_422_with_a_clear_message() {
    let (status, body) = refused(fixture("corrupted.jpg")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("corrupt_image"))
    );
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| m.contains("撮影し直して"))
    );
}

#[tokio::test]
async fn a_truncated_jpeg_gets_422() {
    let (status, body) = refused(fixture("hostile/truncated.jpg")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("corrupt_image"))
    );
}

#[tokio::test]
async fn decompression_bombs_are_refused_before_decoding() {
    for bomb in [
        "hostile/bomb-30000x30000.png",
        "hostile/header-65500x65500.jpg",
    ] {
        let bytes = fixture(bomb);
        assert!(
            bytes.len() < 1_000_000,
            "a small file claiming a huge image"
        );
        let (status, body) = refused(bytes).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("too_many_pixels")),
            "{bomb}"
        );
    }
}

#[tokio::test]
async fn a_pdf_named_jpg_and_other_types_get_415() {
    for (file, code) in [
        ("hostile/pdf-renamed.jpg", "unsupported_file_type"),
        ("hostile/small.gif", "unsupported_file_type"),
        ("hostile/scan.tiff", "unsupported_file_type"),
        ("heic/IMG_5195.HEIC", "heic_not_supported"),
    ] {
        let (status, body) = refused(fixture(file)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (415, Some(code)),
            "{file}"
        );
    }
}

#[tokio::test]
async fn the_heic_refusal_tells_the_user_what_to_do() {
    let (_, body) = refused(fixture("heic/IMG_5195.HEIC")).await;
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| m.contains("互換性優先"))
    );
    assert!(
        body["error"]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("Most Compatible"))
    );
}

#[tokio::test]
async fn an_empty_file_gets_a_clear_error() {
    let (status, body) = refused(Vec::new()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("empty_file"))
    );
}

#[tokio::test]
async fn an_oversize_body_gets_413() {
    let app = spawn_with(Spawn {
        tweak: |s| s.upload.max_body_bytes = 1024 * 1024,
        ..Spawn::default()
    })
    .await
    .expect("spawn");
    let subject = app.signed_in_with_self().await;
    let response = app
        .upload(&subject, "passport", vec![0xFF; 2 * 1024 * 1024])
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(json(response).await["error"]["code"], "payload_too_large");
    // The service goes on serving the same client.
    let ok = app
        .upload(&subject, "passport", fixture("orientation/landscape_1.jpg"))
        .await;
    assert_eq!(ok.status(), 201);
}

#[tokio::test]
async fn a_missing_kind_or_file_is_named() {
    let (app, subject) = ready_to_upload().await;
    let url = app.url(&format!("/api/v1/provider/subjects/{subject}/documents"));
    let no_file = reqwest::multipart::Form::new().text("kind", "passport");
    let response = app
        .client
        .post(&url)
        .multipart(no_file)
        .send()
        .await
        .expect("request");
    assert_eq!(json(response).await["error"]["code"], "file_missing");
    let bad_kind = reqwest::multipart::Form::new()
        .text("kind", "<script>")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("orientation/landscape_1.jpg")),
        );
    let response = app
        .client
        .post(&url)
        .multipart(bad_kind)
        .send()
        .await
        .expect("request");
    assert_eq!(
        json(response).await["error"]["code"],
        "document_kind_invalid"
    );
}

#[tokio::test]
async fn a_retried_upload_with_the_same_key_is_stored_once() {
    let (app, subject) = ready_to_upload().await;
    let send = || {
        let form = reqwest::multipart::Form::new()
            .text("kind", "passport")
            .part(
                "file",
                reqwest::multipart::Part::bytes(fixture("orientation/landscape_1.jpg")),
            );
        app.client
            .post(app.url(&format!("/api/v1/provider/subjects/{subject}/documents")))
            .header("Idempotency-Key", "upload-1")
            .multipart(form)
            .send()
    };
    let first = send().await.expect("first");
    let second = send().await.expect("retry");
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (201, 200)
    );
    let (a, b) = (json(first).await, json(second).await);
    assert_eq!(a["document_id"], b["document_id"]);
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("r"),
    )
    .await;
    assert_eq!(status["documents"].as_array().map(Vec::len), Some(1));
}
