//! A PostgreSQL role per mode: what a public instance's database credentials allow.
//!
//! Invariant 6 of DESIGN.md: an attacker holding a public instance holds its database
//! credentials too. So the public instance connects as its own role, whose grants allow
//! exactly what the provider side does — read an invitation, keep a provider session,
//! write a person's details, sealed number and sealed photos, hand in, append to the audit
//! trail — and nothing of the staff side: no staff table (accounts, sessions, second
//! factors), no derivation of a number (`number_index`, `duplicate_numbers`), no decision,
//! release, ledger or key check. The internal instance connects as the owner of the schema
//! (it runs the migrations) and re-applies these grants after each one, so that a new table
//! is out of the public role's reach until it is listed here.
//!
//! `kakunin db roles` prints the statements that create the role; a public instance that
//! finds its role can reach more than this list refuses to start.

use sqlx::Row;

use crate::{Backend, StorageError, Vault};

/// What the public role may do, table by table (PostgreSQL privilege syntax; a column list
/// limits UPDATE to the columns the provider side writes).
pub const PUBLIC_GRANTS: &[(&str, &str)] = &[
    // The public side does not migrate; it checks the schema is the one it was built for.
    ("_sqlx_migrations", "SELECT"),
    // INSERT: a change on a verified record (issue 17) is an event of its own, whose
    // invitation row carries no link (a random hash, expired at birth); the columns a
    // live invitation needs (live_employee_code, email, issued_at) stay out of reach.
    (
        "invitations",
        "SELECT, INSERT (id, token_hash, kind, display_name, name_kana, employee_code, branch_code, \
         birth_date, created_by, created_at, expires_at), UPDATE (failed_attempts, locked_until)",
    ),
    ("provider_sessions", "SELECT, INSERT, UPDATE, DELETE"),
    (
        "submissions",
        "SELECT, INSERT, UPDATE (state, updated_at, submitted_at, declined_reason, person_id)",
    ),
    (
        "subjects",
        "SELECT, INSERT, UPDATE (relationship, name, name_kana, birth_date, number_sealed, \
         number_ref, number_saved_at, number_pending, identity_attested, category3_spouse, updated_at, \
         removed_at, address, name_alphabetic, common_name, former_surname, no_number_reason, person_id)",
    ),
    // The record over the years: the provider's people and their dated relationships.
    ("people", "SELECT, INSERT, UPDATE (holder_id, relationship)"),
    ("category3_periods", "SELECT"),
    // The re-confirmation (年末調整): the employee reads their campaign and answers it
    // (「変更なし」, or a change handed in). The rows hold no name and no number; the
    // opening, reminder and closing columns are written by the internal side only.
    ("campaigns", "SELECT"),
    (
        "campaign_answers",
        "SELECT, UPDATE (answer, change_id, answered_at)",
    ),
    ("documents", "SELECT, INSERT, UPDATE (replaced_at)"),
    // Photo first: a card-back photo waiting for the person to confirm its QR number.
    ("card_reads", "SELECT, INSERT, DELETE"),
    ("correction_requests", "SELECT, UPDATE (resolved_at)"),
    // Appending takes the head row's lock and reads the previous hash; the trail itself is
    // written, never read.
    ("audit_log", "INSERT"),
    ("audit_head", "SELECT, UPDATE"),
];

/// Whether `name` is a role name we are willing to put into SQL unquoted.
pub fn is_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

/// The statements that (re)set the public role's grants: everything revoked, then the
/// list above. Run by the schema's owner.
pub fn grant_statements(role: &str) -> Vec<String> {
    let mut out = vec![
        format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"),
        format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
    ];
    out.extend(
        PUBLIC_GRANTS
            .iter()
            .map(|(table, privileges)| format!("GRANT {privileges} ON {table} TO {role}")),
    );
    out
}

/// The whole script a database administrator runs once: the role (without a password:
/// set one, or use a certificate, as the site's PostgreSQL requires), then its grants.
pub fn create_role_script(role: &str, database: &str) -> String {
    let mut out = format!(
        "-- Kakunin: the role of public instances (kakunin serve --mode public).\n\
         -- Run as the owner of the Kakunin schema, after an internal instance has migrated it.\n\
         DO $$ BEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN\n    \
         CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;\n  END IF;\n\
         END $$;\n-- ALTER ROLE {role} PASSWORD '…';\n\
         GRANT CONNECT ON DATABASE \"{database}\" TO {role};\n"
    );
    for statement in grant_statements(role) {
        out.push_str(&statement);
        out.push_str(";\n");
    }
    out.push_str(&format!(
        "-- Then set public_db_role = \"{role}\" on the internal instance, which re-applies these\n\
         -- grants after every upgrade, and give public instances a database_url as {role}.\n"
    ));
    out
}

impl Vault {
    /// Re-applies the public role's grants (PostgreSQL; a no-op on SQLite, which has no
    /// roles). The role must exist (see [`create_role_script`]).
    pub async fn grant_public_role(&self, role: &str) -> Result<(), StorageError> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        if !is_role_name(role) {
            return Err(StorageError::Invalid("not a role name"));
        }
        let mut tx = self.pool.begin().await?;
        for statement in grant_statements(role) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs [`create_role_script`]'s output (PostgreSQL, as the schema owner).
    pub async fn create_public_role(&self, script: &str) -> Result<(), StorageError> {
        if self.backend() != Backend::Postgres {
            return Err(StorageError::Invalid("database roles are for PostgreSQL"));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_owned()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The tables this connection's role can read or write beyond what the public side
    /// needs (PostgreSQL), sorted: a public instance refuses to start unless it is empty.
    /// On SQLite every connection holds the whole file, so this is every internal table.
    pub async fn tables_beyond_public_grants(&self) -> Result<Vec<String>, StorageError> {
        let allowed: Vec<&str> = PUBLIC_GRANTS.iter().map(|(t, _)| *t).collect();
        let tables: Vec<String> = match self.backend() {
            Backend::Postgres => sqlx::query(
                "SELECT CAST(c.relname AS TEXT) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r' \
                 AND (has_table_privilege(c.oid, 'SELECT') OR has_table_privilege(c.oid, 'INSERT') \
                      OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE'))",
            )
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("name"))
            .collect::<Result<_, _>>()?,
            Backend::Sqlite => sqlx::query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("name"))
            .collect::<Result<_, _>>()?,
        };
        let mut beyond: Vec<String> = tables
            .into_iter()
            .filter(|t| !allowed.contains(&t.as_str()))
            .collect();
        beyond.sort();
        Ok(beyond)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_plain_identifiers_only() {
        assert!(is_role_name("kakunin_public"));
        assert!(is_role_name("_p1"));
        assert!(!is_role_name(""));
        assert!(!is_role_name("Kakunin"));
        assert!(!is_role_name("x; DROP TABLE subjects"));
        assert!(!is_role_name("1role"));
        assert!(!is_role_name(&"a".repeat(64)));
    }

    #[test]
    fn the_script_grants_nothing_of_the_staff_side() {
        let script = create_role_script("kakunin_public", "kakunin");
        for table in [
            "staff_accounts",
            "staff_sessions",
            "number_index",
            "duplicate_numbers",
            "key_checks",
            "verifications",
            "releases",
        ] {
            assert!(!script.contains(&format!(" ON {table} ")), "{table}");
        }
        assert!(script.contains("GRANT INSERT ON audit_log TO kakunin_public"));
    }
}
