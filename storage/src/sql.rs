//! Dynamic SQL for both backends: text with numbered placeholders and its values, built
//! together so the two never drift apart.
//!
//! Why not `sqlx::QueryBuilder`: over the `Any` driver it writes `?` placeholders, which
//! PostgreSQL rejects (sqlx issue #3000, open): `Any` learns the backend only when the
//! query runs. Every statement here uses `$n`, which both backends accept, so this builder
//! numbers the placeholders itself. Values are always bound, never spliced into the text.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// SQL text and the values of its `$1`, `$2`, … in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// Starts with `text` (no placeholders of its own).
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            values: Vec::new(),
        }
    }

    /// Appends text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the next placeholder and records its value.
    pub(crate) fn push_bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.values.len().to_string());
        self
    }

    /// The text.
    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The query with its values bound.
    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments> {
        self.values.iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(self.text.as_str())),
            |query, value| match value {
                Value::Text(t) => query.bind(t.clone()),
                Value::Int(i) => query.bind(*i),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT 1 FROM t WHERE a = ");
        sql.push_bind("x").push(" AND b < ").push_bind(3_i64);
        assert_eq!(sql.text(), "SELECT 1 FROM t WHERE a = $1 AND b < $2");
    }
}
