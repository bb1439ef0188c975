//! Reading the log: filters for `palisade audit query` and the read API.
//!
//! The filter is plain data and both stores turn it into the same `WHERE`
//! clause ([`Filter::where_clause`]), so a filter means the same thing on
//! SQLite and PostgreSQL. `namespaces` is the scope of a caller that may
//! only see some namespaces (the API's `developer` role): it restricts on
//! top of every other filter, and an empty scope sees nothing.

use serde::Serialize;

use crate::chain::Row;
use crate::event::{Decision, Event, SourceKind};
use crate::{AuditError, Timestamp};

/// Which events to return. Every field is optional and they all combine
/// with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// At or after this time.
    pub since: Option<Timestamp>,
    /// At or before this time.
    pub until: Option<Timestamp>,
    pub namespace: Option<String>,
    /// The namespaces the caller may see (`None`: all of them).
    pub namespaces: Option<Vec<String>>,
    pub kind: Option<String>,
    pub name: Option<String>,
    /// Events with at least one finding of this control.
    pub control: Option<String>,
    pub decision: Option<Decision>,
    pub user: Option<String>,
    pub source: Option<SourceKind>,
    pub chain: Option<String>,
    /// At most this many events (oldest first after `offset`).
    pub limit: Option<u64>,
    pub offset: u64,
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    Int(i64),
}

/// How a store spells placeholders: `?1` (SQLite) or `$1` (PostgreSQL), and
/// how it finds a substring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }
}

impl Filter {
    /// ` WHERE ... ORDER BY ... LIMIT ...` and its parameters.
    pub fn where_clause(&self, dialect: Dialect) -> (String, Vec<Param>) {
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let bind = |params: &mut Vec<Param>, p: Param| {
            params.push(p);
            dialect.placeholder(params.len())
        };
        if let Some(t) = self.since {
            let p = bind(&mut params, Param::Int(t.as_millis()));
            conditions.push(format!("time_ms >= {p}"));
        }
        if let Some(t) = self.until {
            let p = bind(&mut params, Param::Int(t.as_millis()));
            conditions.push(format!("time_ms <= {p}"));
        }
        let text_columns = [
            ("namespace", &self.namespace),
            ("kind", &self.kind),
            ("name", &self.name),
            ("user_name", &self.user),
            ("chain", &self.chain),
        ];
        for (column, value) in text_columns {
            if let Some(v) = value {
                let p = bind(&mut params, Param::Text(v.clone()));
                conditions.push(format!("{column} = {p}"));
            }
        }
        if let Some(d) = self.decision {
            let p = bind(&mut params, Param::Text(d.as_str().to_owned()));
            conditions.push(format!("decision = {p}"));
        }
        if let Some(s) = self.source {
            let p = bind(&mut params, Param::Text(s.as_str().to_owned()));
            conditions.push(format!("source = {p}"));
        }
        if let Some(control) = &self.control {
            // `controls` is `,a,b,`: matching `,id,` cannot hit a longer ID.
            let p = bind(&mut params, Param::Text(format!(",{control},")));
            conditions.push(match dialect {
                Dialect::Sqlite => format!("instr(controls, {p}) > 0"),
                Dialect::Postgres => format!("strpos(controls, {p}) > 0"),
            });
        }
        if let Some(scope) = &self.namespaces {
            if scope.is_empty() {
                conditions.push("1 = 0".to_owned());
            } else {
                let list: Vec<String> = scope
                    .iter()
                    .map(|ns| bind(&mut params, Param::Text(ns.clone())))
                    .collect();
                conditions.push(format!("namespace IN ({})", list.join(", ")));
            }
        }
        let mut sql = String::new();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY time_ms, chain, seq");
        if let Some(limit) = self.limit {
            let p = bind(
                &mut params,
                Param::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
            );
            sql.push_str(&format!(" LIMIT {p}"));
        }
        if self.offset > 0 {
            if self.limit.is_none() {
                // Both dialects need a LIMIT before OFFSET; -1 / ALL mean none.
                sql.push_str(match dialect {
                    Dialect::Sqlite => " LIMIT -1",
                    Dialect::Postgres => " LIMIT ALL",
                });
            }
            let p = bind(
                &mut params,
                Param::Int(i64::try_from(self.offset).unwrap_or(i64::MAX)),
            );
            sql.push_str(&format!(" OFFSET {p}"));
        }
        (sql, params)
    }
}

/// An event read back, with where it stands in its chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    pub event: Event,
}

impl TryFrom<Row> for Entry {
    type Error = AuditError;
    fn try_from(row: Row) -> Result<Self, AuditError> {
        let event = row.event().map_err(|e| {
            AuditError::Corrupt(format!(
                "event {}#{} is not valid JSON: {e}",
                row.chain, row.seq
            ))
        })?;
        Ok(Entry {
            chain: row.chain,
            seq: row.seq,
            hash: row.hash,
            event,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_one_clause_for_both_dialects() {
        let filter = Filter {
            namespace: Some("payments".into()),
            control: Some("privileged-container".into()),
            namespaces: Some(vec!["payments".into(), "web".into()]),
            limit: Some(10),
            ..Filter::default()
        };
        let (sql, params) = filter.where_clause(Dialect::Postgres);
        assert_eq!(
            sql,
            " WHERE namespace = $1 AND strpos(controls, $2) > 0 AND namespace IN ($3, $4) ORDER BY time_ms, chain, seq LIMIT $5"
        );
        assert_eq!(params.len(), 5);
        let (sql, _) = Filter {
            namespaces: Some(vec![]),
            ..Filter::default()
        }
        .where_clause(Dialect::Sqlite);
        assert!(sql.contains("1 = 0"));
    }
}
