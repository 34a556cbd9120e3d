//! The auditor's desk over HTTP, like a browser without JavaScript (issue 18): the trail
//! searched by a plain date and by name, with names, labels and Japan time, newest first in
//! pages of 50 that stay put; a bad value shown beside the form under the staff header; the
//! CSV downloads; and the periodic audit review.

use storage::staff::Role;

use crate::helpers::{NUMBER, TestApp, csrf_in, spawn_app, spawn_app_on_postgres};
use crate::staff_helpers::{Staff, enrolled, sign_in_request, submitted_in_branch};

async fn page(app: &TestApp, who: &Staff, path: &str) -> (u16, String) {
    let r = who.client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

fn jst_today() -> String {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date()
        .to_string()
}

/// The rows of the trail table's body.
fn rows(html: &str) -> Vec<&str> {
    html.split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .map(|b| b.split("<tr>").skip(1).collect())
        .unwrap_or_default()
}

/// The `#seq` of each row.
fn seqs(html: &str) -> Vec<i64> {
    rows(html)
        .iter()
        .filter_map(|r| {
            r.split("<span class=\"small\">#")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .and_then(|s| s.parse().ok())
        })
        .collect()
}

fn link(html: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&"))
}

/// A page that holds no raw staff id (`staff:<uuid>`) anywhere.
fn no_raw_staff_ids(html: &str) -> bool {
    !html.contains("staff:0")
        && !html
            .split("staff:")
            .skip(1)
            .any(|rest| rest.len() >= 36 && uuid::Uuid::parse_str(&rest[..36]).is_ok())
}

#[tokio::test]
async fn a_plain_date_searches_that_day_in_japan_and_a_bad_one_shows_the_staff_page_with_the_form()
{
    let app = spawn_app().await;
    let auditor = enrolled(&app, "auditor.d", Role::Auditor, &[]).await;
    let today = jst_today();
    let (status, html) = page(&app, &auditor, &format!("/s/audit?from={today}&to={today}")).await;
    assert_eq!(status, 200, "a plain date is a day, not a 400");
    assert!(html.contains("staff.sign_in"), "today's sign-in is found");
    assert!(
        html.contains(&format!("value=\"{today}\"")),
        "the date is kept"
    );
    let (status, html) = page(&app, &auditor, "/s/audit?from=2099-01-01&to=2099-01-31").await;
    assert_eq!(status, 200);
    assert!(rows(&html).is_empty(), "nothing in 2099");

    for bad in [
        "from=30%2F11%2F2026",
        "from=2026-13-01",
        "from=2026-12-01&to=2026-11-30",
    ] {
        let (status, html) = page(&app, &auditor, &format!("/s/audit?{bad}")).await;
        assert_eq!(status, 422, "{bad}");
        assert!(
            html.contains("<body class=\"staff\">"),
            "the staff header: {bad}"
        );
        assert!(
            html.contains("2026-11-30 の形") && html.contains("as 2026-11-30"),
            "both languages"
        );
        assert!(
            html.contains("name=\"from\""),
            "the form is there to correct it"
        );
    }
    // A mangled page link is no dead end either: the first page, or the form again.
    let (status, _) = page(&app, &auditor, "/s/audit?older=nonsense").await;
    assert_eq!(status, 200);
    let (status, html) = page(&app, &auditor, "/s/audit?family=%ZZ").await;
    assert_eq!(status, 422);
    assert!(html.contains("<body class=\"staff\">") && html.contains("name=\"family\""));
    // The JSON API takes the plain date too.
    let api = auditor
        .get(
            &app,
            &format!("/api/v1/admin/audit?action=staff.sign_in&from={today}&to={today}"),
        )
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 200);
}

#[tokio::test]
async fn an_error_on_a_staff_page_is_the_bilingual_page_under_the_staff_header() {
    let app = spawn_app().await;
    let officer = enrolled(&app, "officer.e", Role::Officer, &["TKY"]).await;
    let (status, html) = page(&app, &officer, "/s/audit").await;
    assert_eq!(status, 403);
    assert!(html.contains("<body class=\"staff\">"));
    assert!(html.contains("href=\"/s\""), "a way back");
}

async fn names_instead_of_ids(app: TestApp) {
    submitted_in_branch(&app, "TKY").await;
    let auditor = enrolled(&app, "auditor.n", Role::Auditor, &[]).await;
    let officer = enrolled(&app, "officer.n", Role::Officer, &["TKY"]).await;
    let claimed = officer
        .post(&app, "/api/v1/officer/claims")
        .send()
        .await
        .expect("claim");
    assert!(claimed.status().is_success());

    let (status, html) = page(&app, &auditor, "/s/audit?staff=officer.n").await;
    assert_eq!(status, 200);
    let found = rows(&html);
    assert!(!found.is_empty(), "the officer's rows by username");
    assert!(found.iter().all(|r| r.contains("officer.n")), "only theirs");
    assert!(
        html.contains("確認作業を担当") && html.contains("submission.claim"),
        "label and code"
    );
    assert!(html.contains("山田 太郎"), "the person claimed, by name");
    assert!(no_raw_staff_ids(&html), "no staff:<uuid> on the page");
    assert!(!html.contains(NUMBER));
    assert!(
        html.contains("<option value=\"officer.n\""),
        "the staff select"
    );

    let (_, html) = page(&app, &auditor, "/s/audit?staff=nobody.here").await;
    assert!(rows(&html).is_empty());
    assert!(html.contains("このユーザー名の職員はいません") && html.contains("nobody.here"));

    let (status, html) = page(
        &app,
        &auditor,
        "/s/audit?person=%E5%B1%B1%E7%94%B0", // 山田
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let found = rows(&html);
    assert!(!found.is_empty(), "the person's rows");
    assert!(
        html.contains("提出者") && html.contains("document.seal"),
        "what they did: {}",
        found.join("\n---\n")
    );
    assert!(
        html.contains("submission.claim"),
        "and what was done to their submission"
    );
    let (_, html) = page(&app, &auditor, "/s/audit?person=%E4%BD%90%E8%97%A4").await; // 佐藤
    assert!(html.contains("この氏名を含む提出者・本人はいません"));

    let (_, html) = page(&app, &auditor, "/s/audit?family=review").await;
    assert!(
        rows(&html).iter().all(|r| r.contains("submission.")),
        "review only"
    );
}

#[tokio::test]
async fn the_trail_names_people_and_staff_instead_of_ids() {
    names_instead_of_ids(spawn_app().await).await;
}

#[tokio::test]
async fn the_trail_names_people_and_staff_instead_of_ids_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        names_instead_of_ids(app).await;
    }
}

#[tokio::test]
async fn the_trail_is_newest_first_in_pages_of_fifty_that_stay_put() {
    let app = spawn_app().await;
    let auditor = enrolled(&app, "auditor.p", Role::Auditor, &[]).await;
    for _ in 0..60 {
        let (status, _) = page(&app, &auditor, "/s/ledgers/files").await;
        assert_eq!(status, 200);
    }
    let (_, first) = page(&app, &auditor, "/s/audit?staff=auditor.p").await;
    let first_seqs = seqs(&first);
    assert_eq!(first_seqs.len(), 50, "50 to a page");
    assert!(first_seqs.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert!(
        link(&first, "prev").is_none(),
        "nothing newer on the first page"
    );
    let older = link(&first, "next").expect("an older page");
    let (_, second) = page(&app, &auditor, &older).await;
    let second_seqs = seqs(&second);
    assert!(!second_seqs.is_empty());
    assert!(
        second_seqs[0] < first_seqs[49],
        "continues where page 1 ended"
    );
    // Reading appended entries (each search is one); the previous page is still page 1.
    let newer = link(&second, "prev").expect("a newer page");
    let (_, back) = page(&app, &auditor, &newer).await;
    assert_eq!(seqs(&back), first_seqs, "the same rows as before");
    assert!(first.contains("監査証跡を検索") && first.contains("台帳・履歴を閲覧"));
    assert!(first.contains(&jst_today()), "Japan time");
}

#[tokio::test]
async fn the_csv_downloads_carry_a_bom_japanese_headers_and_no_formula() {
    let app = spawn_app().await;
    let auditor = enrolled(&app, "auditor.c", Role::Auditor, &[]).await;
    let formula = "=HYPERLINK(\"http://x\")";
    let refused = sign_in_request(&app, &app.new_client(), formula, "wrong password", None).await;
    assert_eq!(refused.status(), 401);

    let csv = auditor
        .get(&app, "/s/sign-ins.csv")
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .starts_with("attachment")
    );
    let bytes = csv.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    assert!(
        text.starts_with("日時（日本時間）,ユーザー名"),
        "Japanese headers"
    );
    assert!(text.contains("'=HYPERLINK"), "the formula is neutralised");
    assert!(text.contains("存在しないユーザー名"), "the reason's label");
    for cell in text.split([',', '\n']) {
        let cell = cell.trim_start_matches('"');
        assert!(!cell.starts_with('='), "no cell starts a formula: {cell}");
    }

    let csv = auditor
        .get(&app, "/s/audit.csv?staff=auditor.c")
        .send()
        .await
        .expect("csv");
    let bytes = csv.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    assert!(text.starts_with("番号,日時（日本時間）,操作者,操作"));
    assert!(text.contains("auditor.c（職員）") && text.contains("職員のサインイン"));
    assert!(no_raw_staff_ids(text));
}

#[tokio::test]
async fn an_auditor_signs_off_a_review_and_an_admin_cannot() {
    let app = spawn_app().await;
    let auditor = enrolled(&app, "auditor.r", Role::Auditor, &[]).await;
    let admin = enrolled(&app, "admin.r", Role::Admin, &[]).await;
    let (status, html) = page(&app, &auditor, "/s/audit/reviews").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("未点検の月はありません"),
        "this month is still running"
    );
    assert!(html.contains("C-e"), "the guideline item");
    let csrf = csrf_in(&html);
    let today = jst_today();
    let first = format!("{}-01", &today[..7]);
    let sign_off = |who: &Staff, csrf: String, to: String, boxes: &'static [&'static str]| {
        let mut form = vec![
            ("csrf".to_owned(), csrf),
            ("from".to_owned(), first.clone()),
            ("to".to_owned(), to),
            ("remarks".to_owned(), "=SUM(A1) 異常なし".to_owned()),
        ];
        form.extend(
            boxes
                .iter()
                .map(|b| ("looked_at".to_owned(), (*b).to_owned())),
        );
        who.client
            .post(app.url("/s/audit/reviews"))
            .form(&form)
            .send()
    };
    // Nothing ticked, or a period ending tomorrow: refused beside the form.
    let refused = sign_off(&auditor, csrf.clone(), today.clone(), &[])
        .await
        .expect("post");
    let html = refused.text().await.expect("html");
    assert!(html.contains("点検の記録を受け付けられません"));
    let tomorrow = (time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date()
        + time::Duration::days(1))
    .to_string();
    let refused = sign_off(&auditor, csrf.clone(), tomorrow, &["trail"])
        .await
        .expect("post");
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("点検の記録を受け付けられません")
    );
    // Without the CSRF token: refused.
    let forged = sign_off(&auditor, "x".into(), today.clone(), &["trail"])
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    // An admin reads the page but cannot sign off.
    let (status, admin_html) = page(&app, &admin, "/s/audit/reviews").await;
    assert_eq!(status, 200);
    assert!(admin_html.contains("点検の記録は監査責任者が行います"));
    let by_admin = sign_off(&admin, csrf_in(&admin_html), today.clone(), &["trail"])
        .await
        .expect("post");
    assert_eq!(by_admin.status(), 403);

    let done = sign_off(
        &auditor,
        csrf,
        today.clone(),
        &["trail", "sign_ins", "export_ledger"],
    )
    .await
    .expect("post");
    let html = done.text().await.expect("html");
    assert!(html.contains("点検を記録しました"));
    assert!(html.contains(&format!("{first} – {today}")));
    assert!(html.contains("監査証跡, サインイン履歴, 持出管理記録簿"));
    assert!(html.contains("=SUM(A1) 異常なし") && html.contains("auditor.r"));
    let (_, trail) = page(&app, &auditor, "/s/audit?family=oversight").await;
    assert!(trail.contains("audit_review.sign_off") && trail.contains("監査の点検を記録"));
    assert!(!trail.contains("異常なし"), "remarks stay out of the trail");
}
