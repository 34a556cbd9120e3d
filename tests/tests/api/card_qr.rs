//! Issue 19: the QR code on the back of a My Number card, read by the upload pipeline and
//! compared with the typed number. The photos are made here: a card-back-like image with
//! a QR code of the payload, at the size a phone photo gives it.

use crate::helpers::*;
use crate::staff_helpers::*;
use storage::staff::Role;

/// A 2,000 × 1,500 photo of a card back (pale card on a darker desk) whose QR code holds
/// `payload` (nothing when `None`), as a JPEG.
pub fn card_back_photo(payload: Option<&str>) -> Vec<u8> {
    let (w, h) = (2000u32, 1500u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([96, 110, 128]));
    // The card, 1,400 px wide (about 16 px/mm).
    let (cx, cy, cw, ch) = (300u32, 300u32, 1400u32, 883u32);
    for y in cy..cy + ch {
        for x in cx..cx + cw {
            img.put_pixel(x, y, image::Rgb([248, 242, 244]));
        }
    }
    // Text-like bars.
    for i in 0..4 {
        for y in cy + 150 + i * 90..cy + 180 + i * 90 {
            for x in cx + 60..cx + 700 {
                img.put_pixel(x, y, image::Rgb([80, 80, 80]));
            }
        }
    }
    if let Some(payload) = payload {
        let code = qrcode::QrCode::new(payload.as_bytes()).expect("qr");
        let modules = code.width() as u32;
        let colors = code.to_colors();
        let module = 9u32; // ~13 mm for a version-1 code
        let (qx, qy) = (
            cx + cw - 60 - (modules + 8) * module,
            cy + ch - 60 - (modules + 8) * module,
        );
        for y in 0..(modules + 8) * module {
            for x in 0..(modules + 8) * module {
                let (mx, my) = (x / module, y / module);
                let dark = (4..modules + 4).contains(&mx)
                    && (4..modules + 4).contains(&my)
                    && colors[((my - 4) * modules + (mx - 4)) as usize] == qrcode::Color::Dark;
                let v = if dark { 20 } else { 255 };
                img.put_pixel(qx + x, qy + y, image::Rgb([v, v, v]));
            }
        }
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .expect("jpeg");
    jpeg
}

async fn upload_card_back(
    app: &TestApp,
    subject: &str,
    payload: Option<&str>,
) -> serde_json::Value {
    let response = app
        .upload(subject, "my_number_card_back", card_back_photo(payload))
        .await;
    assert_eq!(response.status(), 201);
    json(response).await
}

#[tokio::test]
async fn a_card_back_whose_qr_holds_the_typed_number_matches() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let body = upload_card_back(&app, &subject, Some(NUMBER)).await;
    assert_eq!(body["qr_check"], "matches", "{body}");
    // The front of the card is not looked at for a QR.
    let front = json(
        app.upload(
            &subject,
            "my_number_card_front",
            card_back_photo(Some(NUMBER)),
        )
        .await,
    )
    .await;
    assert!(front["qr_check"].is_null(), "{front}");
    let review = app
        .client
        .get(app.url("/p/review"))
        .send()
        .await
        .expect("review")
        .text()
        .await
        .expect("html");
    assert!(review.contains("data-qr=\"matches\""), "{review}");
    assert!(!captured_logs().contains(NUMBER));
}

#[tokio::test]
async fn a_differing_card_is_told_to_the_provider_shown_to_the_officer_and_needs_a_reason() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "qr-officer", Role::Officer, &["TOKYO"]).await;
    let (_, handed) = drafted_as(&app, "TOKYO", "E019").await;
    let body = upload_card_back(&app, &handed.subject_id, Some(OTHER_NUMBER)).await;
    assert_eq!(body["qr_check"], "differs", "{body}");

    // The provider is told, in Japanese and English, with a link to correct either.
    for lang in ["ja", "en"] {
        let page = app
            .client
            .get(app.url(&format!(
                "/p/subjects/{}/documents?lang={lang}",
                handed.subject_id
            )))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(page.contains("data-qr=\"differs\""), "{page}");
        assert!(
            page.contains("href=\"/p/self\""),
            "a link to correct the number"
        );
        assert!(page.contains("?replace="), "a link to retake the photo");
    }
    let review = app
        .client
        .get(app.url("/p/review?lang=ja"))
        .send()
        .await
        .expect("review")
        .text()
        .await
        .expect("html");
    assert!(review.contains("data-qr=\"differs\""), "{review}");
    assert!(review.contains("カードの写真の番号が、入力された個人番号と異なります"));

    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);

    // The officer sees it as evidence and cannot rely on the card without a reason.
    let claimed = json(
        officer
            .post(&app, "/api/v1/officer/claims")
            .send()
            .await
            .expect("claim"),
    )
    .await;
    let id = claimed["submission_id"]
        .as_str()
        .expect("claimed")
        .to_owned();
    assert_eq!(id, handed.submission_id);
    let desk = officer
        .get(&app, &format!("/s/submissions/{id}"))
        .send()
        .await
        .expect("desk")
        .text()
        .await
        .expect("html");
    assert!(
        desk.contains("data-qr=\"differs\""),
        "the desk shows the outcome"
    );
    assert!(
        desk.contains("qr_override_reason."),
        "the verify form asks why"
    );
    let verify = |reason: Option<&str>| {
        // The card photographed is its back (the side with the QR); the rule table
        // asks for the card relied on with its expiry date.
        let mut subject = serde_json::json!({
            "subject_id": handed.subject_id, "number_check": "my_number_card",
            "identity_check": "my_number_card",
            "identity_documents": [{"kind": "my_number_card_back", "valid_until": "2030-12-31"}]
        });
        if let Some(reason) = reason {
            subject["qr_override_reason"] = reason.into();
        }
        officer
            .post(&app, &format!("/api/v1/officer/submissions/{id}/verify"))
            .json(&serde_json::json!({ "subjects": [subject] }))
            .send()
    };
    let refused = verify(None).await.expect("verify");
    assert_eq!(refused.status(), 422);
    let body = json(refused).await;
    assert_eq!(body["error"]["code"], "card_qr_differs", "{body}");
    let digits = verify(Some("番号 9018 を確認")).await.expect("verify");
    assert_eq!(json(digits).await["error"]["code"], "reason_holds_digits");
    // The reason is typed text like every message: no bidi or control character.
    let bidi = verify(Some("原本を確認\u{202E}済み"))
        .await
        .expect("verify");
    assert_eq!(bidi.status(), 422);
    assert_eq!(json(bidi).await["error"]["code"], "message_invalid");
    let ok = verify(Some(
        "原本を対面で確認し、入力された番号が正しいことを確かめた",
    ))
    .await
    .expect("verify");
    assert_eq!(ok.status(), 200);

    let logs = captured_logs();
    for number in [NUMBER, OTHER_NUMBER] {
        let lines: Vec<&str> = logs.lines().filter(|l| l.contains(number)).collect();
        assert!(lines.is_empty(), "{number} in the logs: {lines:?}");
    }
}

#[tokio::test]
async fn a_card_back_without_a_qr_is_no_qr() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let body = upload_card_back(&app, &subject, None).await;
    assert_eq!(body["qr_check"], "no_qr", "{body}");
    // A photo the person marks as the card is looked at whatever its kind.
    let form = reqwest::multipart::Form::new()
        .text("kind", "other_document")
        .text("read_qr", "1")
        .part(
            "file",
            reqwest::multipart::Part::bytes(card_back_photo(Some(NUMBER))).file_name("p.jpg"),
        );
    let marked = app
        .client
        .post(app.url(&format!("/api/v1/provider/subjects/{subject}/documents")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(marked.status(), 201);
    assert_eq!(json(marked).await["qr_check"], "matches");
}

#[tokio::test]
async fn a_qr_holding_anything_but_a_valid_number_is_unreadable() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let url = format!("https://example.jp/card/{NUMBER}");
    let bad_check_digit = "123456789019";
    for payload in [url.as_str(), &NUMBER[..11], bad_check_digit] {
        let body = upload_card_back(&app, &subject, Some(payload)).await;
        assert_eq!(body["qr_check"], "unreadable", "{payload}: {body}");
    }
    assert!(!captured_logs().contains(bad_check_digit));
}

#[tokio::test]
async fn on_postgresql_a_card_back_matches_and_the_database_keeps_no_digit() {
    let Some(app) = spawn_app_on_postgres().await else {
        return;
    };
    let subject = app.signed_in_with_self().await;
    let body = upload_card_back(&app, &subject, Some(OTHER_NUMBER)).await;
    assert_eq!(body["qr_check"], "differs", "{body}");
    assert!(!captured_logs().contains(OTHER_NUMBER));
}

#[tokio::test]
async fn correcting_the_typed_number_checks_the_card_photo_again() {
    let app = spawn_app().await;
    let subject = app.signed_in_with_self().await;
    let body = upload_card_back(&app, &subject, Some(OTHER_NUMBER)).await;
    assert_eq!(body["qr_check"], "differs", "{body}");
    // The person follows the link and types the number on the card.
    assert_eq!(app.save_self(OTHER_NUMBER).await.status(), 200);
    let page = app
        .client
        .get(app.url(&format!("/p/subjects/{subject}/documents")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("data-qr=\"matches\""), "{page}");
    assert!(!captured_logs().contains(OTHER_NUMBER));
}

/// The own-details form sent as multipart to `/p/self/card`, with the photo in `file`.
async fn read_card_on_the_page(
    c: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    photo: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("name", "山田 太郎")
        .text("name_kana", "ヤマダ タロウ")
        .text("birth_date", "1990-04-01")
        .text("address", "東京都千代田区一丁目1番1号")
        .text("number", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(photo).file_name("IMG_0001.jpg"),
        );
    c.post(app.url("/p/self/card"))
        .multipart(form)
        .send()
        .await
        .expect("read card")
}

fn hidden_card_read(html: &str) -> String {
    html.split("name=\"card_read\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the card read to confirm")
        .to_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn photo_first_fills_the_number_from_the_card_back_and_keeps_the_photo_once_confirmed() {
    use crate::portal_pages::{location, page, post_form, signed_in};
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    let (_, form) = page(&c, &app, "/p/self").await;
    assert!(
        form.contains("formaction=\"/p/self/card\"") && form.contains("番号をカードから読み取る"),
        "the own-details form offers to read the card"
    );

    // The photo of the card's back: the number comes back in the form, in groups of four,
    // with everything typed kept, for the person to check against the card.
    let r = read_card_on_the_page(&c, &app, &csrf, card_back_photo(Some(NUMBER))).await;
    assert_eq!(r.status(), 200);
    let cache = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap_or("").to_owned());
    assert!(
        cache.is_some_and(|v| v.contains("no-store")),
        "never cached"
    );
    let html = r.text().await.expect("body");
    assert!(
        html.contains("value=\"1234 5678 9018\""),
        "the number is filled"
    );
    assert!(html.contains("お手元のカードの番号と同じか確かめて"));
    assert!(html.contains("東京都千代田区一丁目1番1号") && html.contains("ヤマダ タロウ"));
    let read = hidden_card_read(&html);

    // Until it is saved nothing is in the clear: the read photo and its number are sealed.
    let db_path = app.db.sqlite_path().expect("sqlite");
    for suffix in ["", "-wal"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", db_path.display())) {
            for number in [NUMBER, "1234 5678 9018"] {
                assert!(!contains(&bytes, number.as_bytes()), "{number} at rest");
            }
        }
    }

    // Saving the form as shown (the number field holds the grouped digits) keeps the
    // photo as the card-back document, and its QR matches the number saved.
    let mut fields =
        crate::portal_pages::person(&csrf, "1234 5678 9018", "ヤマダ タロウ", "1990-04-01");
    fields.push(("address", "東京都千代田区一丁目1番1号"));
    fields.push(("card_read", &read));
    let r = post_form(&c, &app, "/p/self", &fields).await;
    assert_eq!(r.status(), 303);
    let documents = location(&r);
    assert!(documents.ends_with("/documents"), "{documents}");
    let (_, html) = page(&c, &app, &documents).await;
    assert!(
        html.contains("番号を読み取ったカード裏面の写真も登録しました"),
        "{html}"
    );
    assert_eq!(
        html.matches("data-qr=\"matches\"").count(),
        1,
        "one card back, matching"
    );
    assert!(
        !html.contains(NUMBER) && !html.contains("1234 5678 9018"),
        "no number shown after saving"
    );

    // The same confirmation sent again stores nothing twice.
    let r = post_form(&c, &app, "/p/self", &fields).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, &app, &documents).await;
    assert_eq!(html.matches("data-qr=").count(), 1, "still one card back");
    assert!(
        html.contains("カード裏面の写真はこの画面でもう一度撮影"),
        "the used read is gone"
    );

    let logs = captured_logs();
    assert!(logs.contains("/p/self/card"), "the logs were captured");
    assert!(
        !logs.contains(NUMBER) && !logs.contains("1234 5678 9018"),
        "no number in the logs"
    );
}

#[tokio::test]
async fn photo_first_explains_a_photo_without_a_number_and_keeps_what_was_typed() {
    use crate::portal_pages::{location, page, signed_in};
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    // No QR; a URL, 11 digits, a bad check digit: never taken as a number.
    for (payload, ja) in [
        (None, "QRコードが見つかりませんでした"),
        (
            Some("https://example.com/"),
            "QRコードから番号を読み取れませんでした",
        ),
        (
            Some("12345678901"),
            "QRコードから番号を読み取れませんでした",
        ),
        (
            Some("123456789012"),
            "QRコードから番号を読み取れませんでした",
        ),
    ] {
        let r = read_card_on_the_page(&c, &app, &csrf, card_back_photo(payload)).await;
        assert_eq!(r.status(), 303, "{payload:?}");
        assert_eq!(location(&r), "/p/self");
        let (_, html) = page(&c, &app, "/p/self").await;
        assert!(html.contains(ja), "{payload:?} explained");
        assert!(
            html.contains("aria-invalid=\"true\""),
            "the photo field is marked"
        );
        assert!(
            html.contains("ヤマダ タロウ") && html.contains("東京都千代田区一丁目1番1号"),
            "typed values kept"
        );
        assert!(!html.contains("name=\"card_read\""), "nothing to confirm");
    }
    // In English too.
    let r = read_card_on_the_page(&c, &app, &csrf, card_back_photo(None)).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, &app, "/p/self?lang=en").await;
    assert!(
        html.contains("No QR code of the card&#39;s back was found in the photo"),
        "{html}"
    );

    // A corrupt photo is explained the same way; without the CSRF token nothing is read.
    let corrupt: Vec<u8> = card_back_photo(Some(NUMBER))
        .into_iter()
        .take(5_000)
        .collect();
    let r = read_card_on_the_page(&c, &app, &csrf, corrupt).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, &app, "/p/self?lang=ja").await;
    assert!(
        html.contains("画像を読み取れませんでした"),
        "corrupt explained"
    );
    let r = read_card_on_the_page(&c, &app, "forged", card_back_photo(Some(NUMBER))).await;
    assert_eq!(r.status(), 403);

    // Sent without a photo (Enter in a field), the form saves the details as typed.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("name", "山田 太郎")
        .text("name_kana", "ヤマダ タロウ")
        .text("birth_date", "1990-04-01")
        .text("address", "東京都千代田区一丁目1番1号")
        .text("number", NUMBER)
        .part(
            "file",
            reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
        );
    let r = c
        .post(app.url("/p/self/card"))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/documents"), "saved");
}

/// A card read for a submission its provider can no longer edit (here: declined) is
/// refused before anything is stored: no sealed photo waits in `card_reads`.
#[tokio::test]
async fn photo_first_keeps_nothing_for_a_submission_that_cannot_change() {
    use crate::portal_pages::{post_form, signed_in};
    let app = spawn_app().await;
    let (c, csrf) = signed_in(&app).await;
    let declined = post_form(
        &c,
        &app,
        "/p/decline",
        &[
            ("csrf", csrf.as_str()),
            ("reason", "会社に提出したくないため"),
        ],
    )
    .await;
    assert_eq!(declined.status(), 303);
    let r = read_card_on_the_page(&c, &app, &csrf, card_back_photo(Some(NUMBER))).await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.expect("body");
    assert!(!body.contains(NUMBER) && !body.contains("1234 5678 9018"));
    use sqlx::Connection;
    let mut db = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
    let (left,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM card_reads")
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(left, 0, "nothing kept");
}
