//! The auditor's downloads as CSV for people: the trail and the sign-in history, the rows of
//! the same search as the page, with Japanese headers and labels beside the codes, Japan time,
//! names instead of ids. Written through [`verifier::csv_file::CsvFile`] like the ledgers:
//! UTF-8 with a byte-order mark (so Excel shows the Japanese) and no cell that starts a
//! formula (a username or a remark beginning with `=` is written as `'=…`).

use application::audit_desk::{Named, TrailLine};
use portal::Lang;
use portal::audit_desk::Labels;
use storage::audit_desk::SignInLine;
use verifier::csv_file::CsvFile;

fn named(labels: &Labels, n: &Named) -> String {
    match (&n.name, &n.short_id) {
        (Some(name), _) => format!("{name}（{}）", labels.kind(&n.kind)),
        (None, Some(id)) => format!("{} {id}", labels.kind(&n.kind)),
        (None, None) => labels.kind(&n.kind),
    }
}

/// The trail rows as a CSV file.
pub fn trail(lines: &[TrailLine]) -> Result<Vec<u8>, csv::Error> {
    let labels = Labels(Lang::Ja);
    let mut out = CsvFile::for_people();
    out.row([
        "番号",
        "日時（日本時間）",
        "操作者",
        "操作",
        "操作コード",
        "対象",
        "結果",
        "結果コード",
        "接続元",
        "詳細",
    ])?;
    for line in lines {
        let detail: Vec<String> = line
            .detail
            .iter()
            .map(|d| {
                if d.key.is_empty() {
                    labels.value(d)
                } else {
                    format!("{}: {}", labels.detail(&d.key), labels.value(d))
                }
            })
            .collect();
        out.row([
            line.entry.seq.to_string(),
            labels.when(&line.entry.at),
            named(&labels, &line.actor),
            labels.action(&line.entry.action),
            line.entry.action.clone(),
            line.target
                .as_ref()
                .map(|t| named(&labels, t))
                .unwrap_or_default(),
            labels.outcome(&line.entry.outcome),
            line.entry.outcome.clone(),
            line.entry.source_ip.clone().unwrap_or_default(),
            detail.join(" / "),
        ])?;
    }
    Ok(out.finish()?.to_vec())
}

/// The sign-in history as a CSV file.
pub fn sign_ins(lines: &[SignInLine]) -> Result<Vec<u8>, csv::Error> {
    let labels = Labels(Lang::Ja);
    let mut out = CsvFile::for_people();
    out.row([
        "日時（日本時間）",
        "ユーザー名",
        "結果",
        "結果コード",
        "理由",
        "理由コード",
        "接続元",
        "ブラウザ",
    ])?;
    for l in lines {
        let r = &l.record;
        out.row([
            labels.when(&r.at),
            r.username.clone(),
            labels.outcome(&r.outcome),
            r.outcome.clone(),
            labels.reason(&r.reason),
            r.reason.clone(),
            r.source_ip.clone().unwrap_or_default(),
            r.user_agent.clone().unwrap_or_default(),
        ])?;
    }
    Ok(out.finish()?.to_vec())
}
