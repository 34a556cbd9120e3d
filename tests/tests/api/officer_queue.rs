//! The officer's queue: scope (IDOR), claims that cannot be taken twice, the item view,
//! audited unsealing that fails closed, and the 本人確認 decision.

use storage::staff::Role;

use crate::helpers::{NUMBER, TestApp, captured_logs, json, spawn_app, spawn_app_on_postgres};
use crate::staff_helpers::{Staff, enrolled, submitted_in_branch};

async fn claim(app: &TestApp, officer: &Staff) -> reqwest::Response {
    officer
        .post(app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim")
}

#[tokio::test]
async fn an_officer_reviews_unseals_with_an_audit_entry_first_and_verifies() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;

    let queue = json(
        officer
            .get(&app, "/api/v1/officer/queue")
            .send()
            .await
            .expect("q"),
    )
    .await;
    assert_eq!(queue["items"].as_array().expect("items").len(), 1);

    let claimed = json(claim(&app, &officer).await).await;
    assert_eq!(claimed["submission_id"], handed.submission_id.as_str());

    let item = officer
        .get(
            &app,
            &format!("/api/v1/officer/submissions/{}", handed.submission_id),
        )
        .send()
        .await
        .expect("item");
    assert_eq!(item.status(), 200);
    let text = item.text().await.expect("text");
    assert!(!text.contains(NUMBER), "the item view masks the number");
    assert!(text.contains(&NUMBER[8..]), "the last 4 are shown");

    let image = officer
        .get(
            &app,
            &format!("/api/v1/officer/documents/{}/image", handed.document_id),
        )
        .send()
        .await
        .expect("image");
    assert_eq!(image.status(), 200);
    let headers = image.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert!(
        image
            .bytes()
            .await
            .expect("bytes")
            .starts_with(&[0xFF, 0xD8])
    );

    let revealed = officer
        .post(
            &app,
            &format!("/api/v1/officer/subjects/{}/reveal", handed.subject_id),
        )
        .send()
        .await
        .expect("reveal");
    assert_eq!(revealed.status(), 200);
    assert_eq!(json(revealed).await["number"], NUMBER);

    let actions: Vec<String> = app
        .app
        .vault
        .audit_entries(0, 1000)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"document.unseal".to_owned()));
    assert!(actions.contains(&"number.unseal".to_owned()));

    // An invalid combination is refused with the reason, in both languages.
    let verify_path = format!(
        "/api/v1/officer/submissions/{}/verify",
        handed.submission_id
    );
    let refused = officer
        .post(&app, &verify_path)
        .json(&serde_json::json!({"subjects": [{
            "subject_id": handed.subject_id,
            "number_check": "notification_card",
            "identity_check": "photo_id",
            "identity_documents": ["passport"],
        }]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(refused.status(), 422);
    let body = json(refused).await;
    assert_eq!(body["error"]["code"], "notification_card_unconfirmed");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .expect("ja")
            .contains("通知カード")
    );

    let verified = officer
        .post(&app, &verify_path)
        .json(&serde_json::json!({"subjects": [{
            "subject_id": handed.subject_id,
            "number_check": "my_number_card",
            "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}],
        }]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 200);
    assert_eq!(json(verified).await["state"], "verified");
    assert!(
        !captured_logs().contains(NUMBER),
        "no number in any log line"
    );
}

#[tokio::test]
async fn an_out_of_scope_officer_gets_404_everywhere_and_overseers_never_unseal() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    let other = enrolled(&app, "officer.osaka", Role::Officer, &["OSK"]).await;
    let sid = &handed.submission_id;
    let gets = [
        format!("/api/v1/officer/submissions/{sid}"),
        format!("/api/v1/officer/documents/{}/image", handed.document_id),
    ];
    let posts = [
        (
            format!("/api/v1/officer/subjects/{}/reveal", handed.subject_id),
            serde_json::json!({}),
        ),
        (
            format!("/api/v1/officer/submissions/{sid}/verify"),
            serde_json::json!({"subjects": [{"subject_id": handed.subject_id, "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]}]}),
        ),
        (
            format!("/api/v1/officer/submissions/{sid}/corrections"),
            serde_json::json!({"items": [{"subject_id": handed.subject_id, "reason": "blurry", "message": "もう一度"}]}),
        ),
        (
            format!("/api/v1/officer/submissions/{sid}/reject"),
            serde_json::json!({"reason": "wrong_person", "note": ""}),
        ),
    ];
    for path in &gets {
        let r = other.get(&app, path).send().await.expect("get");
        assert_eq!(r.status(), 404, "GET {path}");
    }
    for (path, body) in &posts {
        let r = other
            .post(&app, path)
            .json(body)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 404, "POST {path}");
    }
    // Nor can it claim what is outside its scope.
    assert_eq!(claim(&app, &other).await.status(), 204);
    let queue = json(
        other
            .get(&app, "/api/v1/officer/queue")
            .send()
            .await
            .expect("q"),
    )
    .await;
    assert_eq!(queue["items"].as_array().expect("items").len(), 0);

    for (name, role) in [("auditor.a", Role::Auditor), ("admin.b", Role::Admin)] {
        let overseer = enrolled(&app, name, role, &["TKY"]).await;
        let image = overseer.get(&app, &gets[1]).send().await.expect("image");
        assert_eq!(image.status(), 403, "{name} image");
        let reveal = overseer
            .post(&app, &posts[0].0)
            .send()
            .await
            .expect("reveal");
        assert_eq!(reveal.status(), 403, "{name} reveal");
    }
}

async fn two_officers_race_for_one_submission(app: &TestApp) {
    submitted_in_branch(app, "TKY").await;
    let a = enrolled(app, "officer.a", Role::Officer, &["TKY"]).await;
    let b = enrolled(app, "officer.b", Role::Officer, &["TKY"]).await;
    let (ra, rb) = tokio::join!(claim(app, &a), claim(app, &b));
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 204], "exactly one officer wins the claim");
    let claims = app
        .app
        .vault
        .audit_entries(0, 1000)
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.action == "submission.claim")
        .count();
    assert_eq!(claims, 1);
}

#[tokio::test]
async fn a_claim_cannot_be_taken_twice_concurrently_on_sqlite() {
    two_officers_race_for_one_submission(&spawn_app().await).await;
}

#[tokio::test]
async fn a_claim_cannot_be_taken_twice_concurrently_on_postgres() {
    let Some(app) = spawn_app_on_postgres().await else {
        return;
    };
    two_officers_race_for_one_submission(&app).await;
}

#[tokio::test]
async fn an_image_is_not_unsealed_when_its_audit_entry_cannot_be_written() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    app.app
        .vault
        .tamper_for_tests(
            "CREATE TRIGGER audit_log_unwritable BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit log unwritable'); END;",
        )
        .await
        .expect("make the trail unwritable");
    let image = officer
        .get(
            &app,
            &format!("/api/v1/officer/documents/{}/image", handed.document_id),
        )
        .send()
        .await
        .expect("image");
    assert_eq!(image.status(), 500);
    assert_ne!(image.headers()["content-type"], "image/jpeg");
    let body = image.bytes().await.expect("bytes");
    assert!(!body.starts_with(&[0xFF, 0xD8]));
    let reveal = officer
        .post(
            &app,
            &format!("/api/v1/officer/subjects/{}/reveal", handed.subject_id),
        )
        .send()
        .await
        .expect("reveal");
    assert_eq!(reveal.status(), 500);
    assert!(!reveal.text().await.expect("text").contains(NUMBER));
}

#[tokio::test]
async fn a_correction_round_trip_redoes_only_the_flagged_photo_and_keeps_the_rest() {
    let app = spawn_app().await;
    let handed = submitted_in_branch(&app, "TKY").await;
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let sid = &handed.submission_id;
    let path = format!("/api/v1/officer/submissions/{sid}/corrections");
    let body = serde_json::json!({"items": [{"document_id": handed.document_id, "reason": "glare",
        "message": "光の反射で番号が読めません <b>再撮影</b>"}]});
    // Without a claim, no decision.
    let unclaimed = officer
        .post(&app, &path)
        .json(&body)
        .send()
        .await
        .expect("c");
    assert_eq!(unclaimed.status(), 409);
    assert_eq!(json(unclaimed).await["error"]["code"], "claim_required");
    assert_eq!(claim(&app, &officer).await.status(), 200);
    let sent = officer
        .post(&app, &path)
        .json(&body)
        .send()
        .await
        .expect("c");
    assert_eq!(sent.status(), 200);
    assert_eq!(json(sent).await["state"], "correction_requested");

    // The provider is told which photo, whose, why, and the officer's words.
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    let open = status["corrections"].as_array().expect("corrections");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["reason"], "glare");
    assert_eq!(open[0]["document_id"], handed.document_id.as_str());
    assert_eq!(
        open[0]["subject_id"],
        handed.subject_id.as_str(),
        "whose photo is recorded"
    );
    let page = app
        .client
        .get(app.url("/p/status"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("光の反射で一部が読み取れません"),
        "the reason in words"
    );
    assert!(
        page.contains("&lt;b&gt;再撮影&lt;/b&gt;"),
        "the message is escaped"
    );
    assert!(!page.contains("<b>再撮影</b>"));
    assert!(
        page.contains(&format!("replace={}", handed.document_id)),
        "a retake link"
    );

    // Retake only that photo; the details and number stay as they were.
    let retake = |replaces: String| {
        let form = reqwest::multipart::Form::new()
            .text("kind", "my_number_card_front")
            .text("replaces", replaces)
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::helpers::fixture(
                    "orientation/landscape_1.jpg",
                )),
            );
        app.client
            .post(app.url(&format!(
                "/api/v1/provider/subjects/{}/documents",
                handed.subject_id
            )))
            .multipart(form)
            .send()
    };
    let retaken = retake(handed.document_id.clone()).await.expect("retake");
    assert_eq!(retaken.status(), 201);
    let new_document = json(retaken).await["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The old photo is gone from the submission; replacing it twice finds nothing.
    assert_eq!(
        retake(handed.document_id.clone())
            .await
            .expect("again")
            .status(),
        404
    );
    assert_eq!(
        retake("not-a-uuid".into()).await.expect("bad").status(),
        400
    );
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    let docs: Vec<&str> = status["documents"]
        .as_array()
        .expect("docs")
        .iter()
        .map(|d| d["document_id"].as_str().expect("id"))
        .collect();
    assert_eq!(docs, [new_document.as_str()]);
    assert_eq!(status["subjects"][0]["number_saved"], true);
    // Only the photo was flagged: the details and number cannot change meanwhile.
    let unflagged = app.save_self(crate::helpers::OTHER_NUMBER).await;
    assert_eq!(unflagged.status(), 409);
    assert_eq!(json(unflagged).await["error"]["code"], "only_flagged_items");
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    assert_eq!(status["subjects"][0]["number_saved"], true);
    // Kept: the officer, who alone sees the last four digits, sees the same number.
    let item = json(
        officer
            .get(
                &app,
                &format!("/api/v1/officer/submissions/{}", handed.submission_id),
            )
            .send()
            .await
            .expect("item"),
    )
    .await;
    assert_eq!(item["subjects"][0]["number_last4"], &NUMBER[8..], "kept");

    let resubmitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(json(resubmitted).await["state"], "resubmitted");
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    assert_eq!(status["corrections"], serde_json::json!([]), "answered");

    // The officer sees the round in the history, answered, beside the new photo.
    let item = json(
        officer
            .get(&app, &format!("/api/v1/officer/submissions/{sid}"))
            .send()
            .await
            .expect("item"),
    )
    .await;
    let history = item["correction_history"].as_array().expect("history");
    assert_eq!(history.len(), 1);
    assert!(history[0]["resolved_at"].is_i64());
    assert_eq!(item["documents"][0]["document_id"], new_document.as_str());
    assert_eq!(item["declined_reason"], serde_json::Value::Null);
}

#[tokio::test]
async fn an_officer_sees_why_a_provider_declined() {
    let app = spawn_app().await;
    let new = storage::invitations::NewInvitation {
        kind: storage::invitations::InvitationKind::Employee,
        name: storage::person::PersonName::parse("鈴木 三郎").expect("name"),
        name_kana: None,
        email: None,
        employee_code: None,
        branch: Some(storage::org::BranchCode::parse("TKY").expect("branch")),
        birth_date: None,
        valid_days: 30,
    };
    let created = app
        .app
        .vault
        .create_invitation(&storage::AuditContext::cli(), &new)
        .await
        .expect("invite");
    let signed_in = json(app.sign_in(created.token.expose(), None).await).await;
    let sid = signed_in["submission_id"].as_str().expect("sid").to_owned();
    let declined = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({"reason": "海外在住のため番号がありません"}))
        .send()
        .await
        .expect("decline");
    assert_eq!(declined.status(), 200);
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let queue = json(
        officer
            .get(&app, "/api/v1/officer/queue?declined=true")
            .send()
            .await
            .expect("queue"),
    )
    .await;
    assert_eq!(queue["items"][0]["submission_id"], sid.as_str());
    let item = json(
        officer
            .get(&app, &format!("/api/v1/officer/submissions/{sid}"))
            .send()
            .await
            .expect("item"),
    )
    .await;
    assert_eq!(item["declined_reason"], "海外在住のため番号がありません");
}

#[tokio::test]
async fn with_the_option_set_the_images_are_destroyed_at_verification_and_the_decision_kept() {
    let app = crate::helpers::spawn_with(crate::helpers::Spawn {
        tweak: |s| s.staff.destroy_images_after_verification = true,
        ..crate::helpers::Spawn::default()
    })
    .await
    .expect("spawn");
    let handed = submitted_in_branch(&app, "TKY").await;
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    let submission =
        crate::staff_helpers::claim_and_verify(&app, &officer, std::slice::from_ref(&handed)).await;
    assert_eq!(submission, handed.submission_id);
    let image = officer
        .get(
            &app,
            &format!("/api/v1/officer/documents/{}/image", handed.document_id),
        )
        .send()
        .await
        .expect("image");
    assert_eq!(image.status(), 404, "no image is left to unseal");
    let id = uuid::Uuid::parse_str(&submission).expect("uuid");
    let status = app.app.vault.submission_status(id).await.expect("status");
    assert_eq!(status.state.code(), "verified");
    let trail = app
        .app
        .vault
        .search_audit(&storage::audit::AuditQuery {
            about: Some(submission.clone()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("trail");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    let verified_at = actions
        .iter()
        .position(|a| *a == "verification.record")
        .expect("decision recorded");
    let destroyed_at = actions
        .iter()
        .position(|a| *a == "document.destroy")
        .expect("destruction recorded");
    assert!(verified_at < destroyed_at, "{actions:?}");
    let (count,): (i64,) = {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.expect("db");
        sqlx::query_as(
            "SELECT COUNT(*) FROM documents WHERE submission_id = $1 AND sealed IS NOT NULL",
        )
        .bind(submission.clone())
        .fetch_one(&mut conn)
        .await
        .expect("count")
    };
    assert_eq!(count, 0);
}

/// A spouse who files as 国民年金第3号被保険者 must be verified by the employer: the API
/// takes that from what the person declared (storage), not from the request, so a body
/// that leaves `category3_spouse` out cannot pass the employee's attestation.
#[tokio::test]
async fn a_category3_spouse_cannot_be_verified_by_attestation_whatever_the_body_says() {
    use crate::helpers::{OTHER_NUMBER, fixture};
    let app = spawn_app().await;
    let invitation = app
        .app
        .vault
        .create_invitation(
            &storage::AuditContext::cli(),
            &storage::invitations::NewInvitation {
                kind: storage::invitations::InvitationKind::Employee,
                name: storage::person::PersonName::parse("山田 太郎").expect("name"),
                name_kana: None,
                email: None,
                employee_code: None,
                branch: Some(storage::org::BranchCode::parse("TKY").expect("branch")),
                birth_date: None,
                valid_days: 30,
            },
        )
        .await
        .expect("invite");
    let signed_in = app.sign_in(invitation.token.expose(), None).await;
    let submission_id = json(signed_in).await["submission_id"]
        .as_str()
        .expect("submission")
        .to_owned();
    let own = json(app.save_self(NUMBER).await).await["subject_id"]
        .as_str()
        .expect("self")
        .to_owned();
    let spouse = app
        .client
        .post(app.url("/api/v1/provider/subjects"))
        .json(&serde_json::json!({
            "relationship": "spouse", "number": OTHER_NUMBER, "name": "山田 花子",
            "name_kana": "ヤマダ ハナコ", "birth_date": "1991-05-05",
            "identity_attested": true, "category3_spouse": true
        }))
        .send()
        .await
        .expect("add spouse");
    assert_eq!(spouse.status(), 201);
    let spouse_id = json(spouse).await["subject_id"]
        .as_str()
        .expect("id")
        .to_owned();
    for subject in [&own, &spouse_id] {
        let card = app
            .upload(
                subject,
                "my_number_card_front",
                fixture("orientation/landscape_1.jpg"),
            )
            .await;
        assert_eq!(card.status(), 201);
    }
    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("submit");
    assert_eq!(submitted.status(), 200);
    let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
    assert_eq!(claim(&app, &officer).await.status(), 200);
    let sid = &submission_id;
    let attested = officer
        .post(&app, &format!("/api/v1/officer/submissions/{sid}/verify"))
        .json(&serde_json::json!({"subjects": [
            {"subject_id": own, "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]},
            {"subject_id": spouse_id, "number_check": "employee_attestation", "identity_check": "employee_attestation"}
        ]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(
        attested.status(),
        422,
        "the attestation is refused for a category-3 spouse"
    );
    let by_card = officer
        .post(&app, &format!("/api/v1/officer/submissions/{sid}/verify"))
        .json(&serde_json::json!({"subjects": [
            {"subject_id": own, "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]},
            {"subject_id": spouse_id, "number_check": "my_number_card", "identity_check": "my_number_card", "identity_documents": [{"kind": "my_number_card_front", "valid_until": "2030-12-31"}]}
        ]}))
        .send()
        .await
        .expect("verify");
    assert_eq!(by_card.status(), 200, "the employer verifies with the card");
}

/// Security review, finding 8: reveal and image worked on a draft nobody handed in and on
/// a declined submission. An officer unseals only what the person handed in: not a draft,
/// not what they declined to provide, not a photo added after the last hand-in (while sent
/// back) — on both backends.
#[tokio::test]
async fn an_officer_unseals_only_what_the_person_handed_in() {
    for app in [Some(spawn_app().await), spawn_app_on_postgres().await]
        .into_iter()
        .flatten()
    {
        let officer = enrolled(&app, "officer.a", Role::Officer, &["TKY"]).await;
        let unseal = |handed: &crate::staff_helpers::Handed| {
            let image = officer
                .get(
                    &app,
                    &format!("/api/v1/officer/documents/{}/image", handed.document_id),
                )
                .send();
            let number = officer
                .post(
                    &app,
                    &format!("/api/v1/officer/subjects/{}/reveal", handed.subject_id),
                )
                .send();
            async move {
                (
                    image.await.expect("image").status().as_u16(),
                    number.await.expect("reveal").status().as_u16(),
                )
            }
        };
        // A draft: saved, never handed in.
        let (_, draft) = crate::staff_helpers::drafted_as(&app, "TKY", "E100").await;
        assert_eq!(unseal(&draft).await, (404, 404), "a draft");
        // Declined after saving: what the person refused to provide stays sealed.
        let declined = app
            .client
            .post(app.url("/api/v1/provider/decline"))
            .json(&serde_json::json!({"reason": "提供しません"}))
            .send()
            .await
            .expect("decline");
        assert_eq!(declined.status(), 200);
        assert_eq!(unseal(&draft).await, (404, 404), "declined");
        // Handed in: the officer may look.
        let handed = submitted_in_branch(&app, "TKY").await;
        assert_eq!(unseal(&handed).await, (200, 200), "handed in");
    }
}
