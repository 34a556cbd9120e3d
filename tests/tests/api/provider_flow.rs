//! The provider's path through the API, and what it refuses.

use crate::helpers::*;

#[tokio::test]
async fn a_provider_enters_details_and_a_dependant_uploads_and_submits() {
    let app = spawn_app().await;
    run_the_whole_flow(&app).await;
}

#[tokio::test]
async fn the_whole_flow_works_on_postgresql_too() {
    let Some(app) = spawn_app_on_postgres().await else {
        return;
    };
    run_the_whole_flow(&app).await;
}

async fn run_the_whole_flow(app: &TestApp) {
    let subject = app.signed_in_with_self().await;
    let dependant = app
        .client
        .post(app.url("/api/v1/provider/subjects"))
        .json(&serde_json::json!({
            "relationship": "child", "number": OTHER_NUMBER, "name": "山田 花子",
            "name_kana": "ヤマダ ハナコ", "birth_date": "2015-05-05", "identity_attested": true
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(dependant.status(), 201);

    let early = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("request");
    assert_eq!(early.status(), 422, "no document yet");
    let body = json(early).await;
    assert_eq!(
        body["error"]["missing"],
        serde_json::json!(["own_documents"])
    );

    let upload = app
        .upload(
            &subject,
            "my_number_card_front",
            fixture("phone/phone-gps-orientation6.jpg"),
        )
        .await;
    assert_eq!(upload.status(), 201);

    let submitted = app
        .client
        .post(app.url("/api/v1/provider/submit"))
        .send()
        .await
        .expect("request");
    assert_eq!(submitted.status(), 200);
    assert_eq!(json(submitted).await["state"], "submitted");

    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status["state"], "submitted");
    assert_eq!(status["subjects"].as_array().map(Vec::len), Some(2));
    // A provider is told a number is saved, never a digit of it (invariant 6: the
    // public side reads no digit).
    assert_eq!(status["subjects"][0]["number_saved"], true);
    assert!(status["subjects"][0].get("number_last4").is_none());
    assert_eq!(status["documents"][0]["kind"], "my_number_card_front");
    assert!(!status.to_string().contains(NUMBER) && !status.to_string().contains(OTHER_NUMBER));

    // Handed in: no more edits, said clearly.
    let edit = app.save_self(NUMBER).await;
    assert_eq!(edit.status(), 409);
    assert_eq!(json(edit).await["error"]["code"], "not_editable");
}

#[tokio::test]
async fn a_wrong_check_digit_gets_422_with_a_message_in_both_languages() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    app.sign_in(&token, None).await;
    let response = app.save_self("123456789019").await;
    assert_eq!(response.status(), 422);
    let body = json(response).await;
    assert_eq!(body["error"]["code"], "number_check_digit");
    assert_eq!(body["error"]["field"], "number");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| m.contains("個人番号"))
    );
    assert!(
        body["error"]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("check digit"))
    );
    assert!(
        !body.to_string().contains("123456789019"),
        "the error never echoes the number"
    );

    for (typed, code) in [
        ("1234567890", "number_wrong_length"),
        ("1234-5678-901X", "number_not_digits"),
    ] {
        let body = json(app.save_self(typed).await).await;
        assert_eq!(body["error"]["code"], code, "{typed}");
    }
}

#[tokio::test]
async fn full_width_digits_with_spaces_and_hyphens_are_accepted() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    app.sign_in(&token, None).await;
    for typed in [
        "１２３４　５６７８　９０１８",
        "1234-5678-9018",
        "１２３４－５６７８－９０１８",
    ] {
        let response = app.save_self(typed).await;
        assert_eq!(response.status(), 200, "{typed}");
    }
}

#[tokio::test]
async fn bad_personal_details_are_refused_field_by_field() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    app.sign_in(&token, None).await;
    let cases = [
        (
            serde_json::json!({"name": "", "name_kana": "ヤマダ", "birth_date": "1990-04-01"}),
            "name",
            "name_empty",
        ),
        (
            serde_json::json!({"name": "山田", "name_kana": "", "birth_date": "1990-04-01"}),
            "name_kana",
            "kana_empty",
        ),
        (
            serde_json::json!({"name": "山田", "name_kana": "Yamada", "birth_date": "1990-04-01"}),
            "name_kana",
            "kana_invalid",
        ),
        (
            serde_json::json!({"name": "山田", "name_kana": "ヤマダ", "birth_date": "2999-01-01"}),
            "birth_date",
            "birth_date_range",
        ),
        (
            serde_json::json!({"name": "山田", "name_kana": "ヤマダ", "birth_date": "1990-02-30"}),
            "birth_date",
            "birth_date_format",
        ),
    ];
    for (mut body, field, code) in cases {
        body["number"] = NUMBER.into();
        let response = app
            .client
            .put(app.url("/api/v1/provider/subjects/self"))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 422, "{body}");
        let error = json(response).await;
        assert_eq!(
            (
                error["error"]["field"].as_str(),
                error["error"]["code"].as_str()
            ),
            (Some(field), Some(code))
        );
    }
    // HTML in a name is data, stored and returned as text (escaping is the page's job).
    let body = serde_json::json!({"number": NUMBER, "name": "<script>alert(1)</script>", "name_kana": "ヤマダ", "birth_date": "1990-04-01"});
    let response = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let malformed = app
        .client
        .put(app.url("/api/v1/provider/subjects/self"))
        .header("content-type", "application/json")
        .body("{\"number\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 400);
    assert_eq!(json(malformed).await["error"]["code"], "bad_request");
}

#[tokio::test]
async fn an_invalid_link_is_refused_without_saying_why() {
    let app = spawn_app().await;
    for token in [
        "nonsense",
        "' OR 1=1 --",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let response = app.sign_in(token, None).await;
        assert_eq!(response.status(), 401);
        assert_eq!(json(response).await["error"]["code"], "invalid_invitation");
    }
}

#[tokio::test]
async fn the_birth_date_is_asked_when_the_invitation_has_one() {
    let app = spawn_app().await;
    let token = app.invite(Some("1985-12-24")).await;
    let missing = app.sign_in(&token, None).await;
    assert_eq!(
        (
            missing.status().as_u16(),
            json(missing).await["error"]["code"].clone()
        ),
        (401, "birth_date_required".into())
    );
    let wrong = app.sign_in(&token, Some("1985-12-25")).await;
    assert_eq!(
        (
            wrong.status().as_u16(),
            json(wrong).await["error"]["code"].clone()
        ),
        (401, "birth_date_mismatch".into())
    );
    let right = app.sign_in(&token, Some("１９８５－１２－２４")).await;
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn without_a_session_every_provider_endpoint_answers_401() {
    let app = spawn_app().await;
    let c = &app.client;
    let requests = [
        c.put(app.url("/api/v1/provider/subjects/self"))
            .json(&serde_json::json!({})),
        c.post(app.url("/api/v1/provider/subjects"))
            .json(&serde_json::json!({})),
        c.post(app.url(&format!(
            "/api/v1/provider/subjects/{}/documents",
            uuid::Uuid::nil()
        ))),
        c.post(app.url("/api/v1/provider/submit")),
        c.post(app.url("/api/v1/provider/decline"))
            .json(&serde_json::json!({"reason": "x"})),
        c.get(app.url("/api/v1/provider/status")),
    ];
    for request in requests {
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 401, "{}", response.url());
        assert_eq!(json(response).await["error"]["code"], "session_required");
    }
}

#[tokio::test]
async fn a_provider_cannot_reach_another_providers_subject() {
    let app = spawn_app().await;
    let alices_subject = app.signed_in_with_self().await;
    let bob = app.new_client();
    let token = app.invite(None).await;
    let response = bob
        .post(app.url("/api/v1/provider/session"))
        .json(&serde_json::json!({"token": token}))
        .send()
        .await
        .expect("r");
    assert_eq!(response.status(), 200);
    let form = reqwest::multipart::Form::new()
        .text("kind", "passport")
        .part(
            "file",
            reqwest::multipart::Part::bytes(fixture("orientation/landscape_1.jpg")),
        );
    let response = bob
        .post(app.url(&format!(
            "/api/v1/provider/subjects/{alices_subject}/documents"
        )))
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let status = json(
        bob.get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("r"),
    )
    .await;
    assert_eq!(
        status["subjects"],
        serde_json::json!([]),
        "Bob sees only his own submission"
    );
}

#[tokio::test]
async fn declining_is_recorded_not_an_error() {
    let app = spawn_app().await;
    let token = app.invite(None).await;
    app.sign_in(&token, None).await;
    let empty = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({"reason": "  "}))
        .send()
        .await
        .expect("r");
    assert_eq!(json(empty).await["error"]["code"], "decline_reason_invalid");
    let response = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({"reason": "マイナンバーカードを持っていないため"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["state"], "declined");
}

/// A decline reason is free text officers read: it may not carry a number (番号法第20条;
/// DESIGN invariants 1–2). A reason holding twelve digits, in ASCII or full width, is
/// refused at its field in both languages and nothing is declined; a plain reason is.
#[tokio::test]
async fn a_decline_reason_carrying_a_number_is_refused_and_nothing_is_declined() {
    let app = spawn_app().await;
    app.signed_in_with_self().await;
    for reason in [
        format!("番号は{NUMBER}です"),
        "番号は１２３４ ５６７８ ９０１８".replace(' ', ""),
    ] {
        let refused = app
            .client
            .post(app.url("/api/v1/provider/decline"))
            .json(&serde_json::json!({ "reason": reason }))
            .send()
            .await
            .expect("decline");
        assert_eq!(refused.status(), 422);
        let body = json(refused).await;
        assert_eq!(body["error"]["field"], "reason");
        assert!(
            !body["error"]["message_ja"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert!(
            !body["error"]["message_en"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    let status = json(
        app.client
            .get(app.url("/api/v1/provider/status"))
            .send()
            .await
            .expect("status"),
    )
    .await;
    assert_eq!(status["state"], "draft", "nothing declined");
    let declined = app
        .client
        .post(app.url("/api/v1/provider/decline"))
        .json(&serde_json::json!({ "reason": "別の会社で提出済みのため" }))
        .send()
        .await
        .expect("decline");
    assert_eq!(declined.status(), 200);
}
