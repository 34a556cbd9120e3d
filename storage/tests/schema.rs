//! The two migration directories describe one schema: after migrating a fresh SQLite file
//! and a fresh PostgreSQL database, the tables, their columns (type, NOT NULL, primary
//! key), their unique constraints and their named indexes (columns, uniqueness, partial)
//! are the same, but for the differences allowed below. A migration written for one backend
//! and forgotten (or typed differently) for the other fails here, not in production.

use std::collections::BTreeSet;

use sqlx::{Connection, Row};
use storage::Vault;
use storage::test_support::TestDatabase;

/// What may differ, each with its reason. (Empty: the schemas agree in every respect
/// compared here.)
const ALLOWED: &[(&str, &str)] = &[];

#[tokio::test]
async fn the_sqlite_and_postgresql_migrations_describe_the_same_schema() {
    let sqlite = TestDatabase::sqlite();
    let Some(postgres) = TestDatabase::postgres().await else {
        return;
    };
    for db in [&sqlite, &postgres] {
        Vault::connect(&db.url)
            .await
            .expect("migrate")
            .close()
            .await;
    }
    let lite = sqlite_schema(&sqlite.url).await;
    let pg = postgres_schema(&postgres.url).await;
    let allowed: BTreeSet<&str> = ALLOWED.iter().map(|(fact, _)| *fact).collect();
    let only_lite: Vec<&String> = lite
        .difference(&pg)
        .filter(|f| !allowed.contains(f.as_str()))
        .collect();
    let only_pg: Vec<&String> = pg
        .difference(&lite)
        .filter(|f| !allowed.contains(f.as_str()))
        .collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "the migrations drifted apart:\n  SQLite only: {only_lite:#?}\n  PostgreSQL only: {only_pg:#?}"
    );
    assert!(
        lite.iter()
            .any(|f| f.starts_with("column subjects.number_sealed ")),
        "the comparison read the schema"
    );
}

/// SQLite's declared types, in the words PostgreSQL's would normalise to.
fn sqlite_type(declared: &str) -> &'static str {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => "int64",
        "TEXT" => "text",
        "BLOB" => "bytes",
        _ => "unknown",
    }
}

fn postgres_type(data_type: &str) -> &'static str {
    match data_type {
        "bigint" => "int64",
        "integer" => "int32",
        "text" => "text",
        "bytea" => "bytes",
        _ => "unknown",
    }
}

async fn sqlite_schema(url: &str) -> BTreeSet<String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("sqlite");
    let mut facts = BTreeSet::new();
    let columns = sqlx::query(
        "SELECT m.name AS tbl, p.name AS col, p.type AS typ, p.\"notnull\" AS nn, p.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("columns");
    for r in columns {
        let (tbl, col, typ): (String, String, String) = (r.get("tbl"), r.get("col"), r.get("typ"));
        let not_null = r.get::<i64, _>("nn") != 0 || r.get::<i64, _>("pk") != 0;
        facts.insert(format!(
            "column {tbl}.{col} {} {}",
            sqlite_type(&typ),
            if not_null { "not null" } else { "null" }
        ));
        if r.get::<i64, _>("pk") != 0 {
            facts.insert(format!("primary key {tbl}.{col}"));
        }
    }
    let indexes = sqlx::query(
        "SELECT m.name AS tbl, il.name AS idx, il.\"unique\" AS uniq, il.origin AS origin, il.partial AS partial, \
         (SELECT group_concat(name, ',') FROM (SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)) AS cols \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("indexes");
    for r in indexes {
        let (tbl, idx, origin, cols): (String, String, String, String) =
            (r.get("tbl"), r.get("idx"), r.get("origin"), r.get("cols"));
        match origin.as_str() {
            // A named index (CREATE INDEX).
            "c" => {
                facts.insert(format!(
                    "index {idx} on {tbl}({cols}){}{}",
                    if r.get::<i64, _>("uniq") != 0 {
                        " unique"
                    } else {
                        ""
                    },
                    if r.get::<i64, _>("partial") != 0 {
                        " partial"
                    } else {
                        ""
                    },
                ));
            }
            // A UNIQUE constraint.
            "u" => {
                facts.insert(format!("unique {tbl}({cols})"));
            }
            _ => {}
        }
    }
    facts
}

async fn postgres_schema(url: &str) -> BTreeSet<String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("postgres");
    let mut facts = BTreeSet::new();
    let columns = sqlx::query(
        "SELECT CAST(table_name AS TEXT) AS tbl, CAST(column_name AS TEXT) AS col, \
         CAST(data_type AS TEXT) AS typ, CAST(is_nullable AS TEXT) AS nullable \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("columns");
    for r in columns {
        let (tbl, col, typ, nullable): (String, String, String, String) =
            (r.get("tbl"), r.get("col"), r.get("typ"), r.get("nullable"));
        facts.insert(format!(
            "column {tbl}.{col} {} {}",
            postgres_type(&typ),
            if nullable == "NO" { "not null" } else { "null" }
        ));
    }
    let keys = sqlx::query(
        "SELECT CAST(c.conrelid::regclass AS TEXT) AS tbl, CAST(c.contype AS TEXT) AS kind, \
         (SELECT string_agg(CAST(a.attname AS TEXT), ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(att, ord) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS cols \
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
         WHERE n.nspname = 'public' AND c.contype IN ('p', 'u') \
         AND c.conrelid::regclass::text <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("constraints");
    for r in keys {
        let (tbl, kind, cols): (String, String, String) =
            (r.get("tbl"), r.get("kind"), r.get("cols"));
        if kind == "p" {
            // SQLite reports a composite key as one fact per column, like this.
            for col in cols.split(',') {
                facts.insert(format!("primary key {tbl}.{col}"));
            }
        } else {
            facts.insert(format!("unique {tbl}({cols})"));
        }
    }
    let indexes = sqlx::query(
        "SELECT CAST(t.relname AS TEXT) AS tbl, CAST(i.relname AS TEXT) AS idx, \
         CAST(CASE WHEN x.indisunique THEN 1 ELSE 0 END AS BIGINT) AS uniq, \
         CAST(CASE WHEN x.indpred IS NULL THEN 0 ELSE 1 END AS BIGINT) AS partial, \
         (SELECT string_agg(CAST(a.attname AS TEXT), ',' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY AS k(att, ord) \
          JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.att) AS cols \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(&mut conn)
    .await
    .expect("indexes");
    for r in indexes {
        let (tbl, idx, cols): (String, String, String) =
            (r.get("tbl"), r.get("idx"), r.get("cols"));
        facts.insert(format!(
            "index {idx} on {tbl}({cols}){}{}",
            if r.get::<i64, _>("uniq") != 0 {
                " unique"
            } else {
                ""
            },
            if r.get::<i64, _>("partial") != 0 {
                " partial"
            } else {
                ""
            },
        ));
    }
    facts
}
