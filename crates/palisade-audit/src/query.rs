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
    /// Events with a finding of at least one of these controls (a
    /// requirement's, for its drill-down); an empty list matches nothing.
    pub any_control: Option<Vec<String>>,
    pub decision: Option<Decision>,
    pub user: Option<String>,
    pub source: Option<SourceKind>,
    pub chain: Option<String>,
    /// Only events after this one in the query's order (a page's
    /// continuation, see [`Cursor`]).
    pub after: Option<Cursor>,
    /// At most this many events (oldest first after `offset`, unless
    /// `newest_first`).
    pub limit: Option<u64>,
    pub offset: u64,
    /// Newest first (and `after` continues towards older events): the
    /// latest denials without counting the window's events first.
    pub newest_first: bool,
}

/// Where a page of events ended, in the order every query uses (time,
/// chain, sequence): the next page starts after it. Unlike an offset it
/// stays right while events are appended, and the database seeks to it
/// through the time index instead of counting rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub time_ms: i64,
    pub chain: String,
    pub seq: i64,
}

impl Cursor {
    /// The position of `entry`.
    pub fn of(entry: &Entry) -> Cursor {
        Cursor {
            time_ms: entry.event.time.as_millis(),
            chain: entry.chain.clone(),
            seq: entry.seq,
        }
    }
}

/// `time_ms.seq.chain`: chain names may hold dots, so they come last.
impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.time_ms, self.seq, self.chain)
    }
}

impl std::str::FromStr for Cursor {
    type Err = String;
    fn from_str(s: &str) -> Result<Cursor, String> {
        let invalid = || format!("invalid cursor `{s}` (give back the `next` of a page)");
        let mut parts = s.splitn(3, '.');
        let time_ms = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(invalid)?;
        let seq = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(invalid)?;
        let chain = parts.next().filter(|c| !c.is_empty()).ok_or_else(invalid)?;
        Ok(Cursor {
            time_ms,
            chain: chain.to_owned(),
            seq,
        })
    }
}

/// Events of a summary that share a namespace, a decision, whether they
/// were dry runs, and which controls had unwaived and waived findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryGroup {
    pub namespace: Option<String>,
    pub decision: String,
    pub dry_run: bool,
    /// Controls with at least one unwaived finding in each of these events.
    pub failing: Vec<String>,
    /// Controls with at least one waived finding in each of these events.
    pub waived: Vec<String>,
    /// How many events.
    pub events: u64,
}

impl SummaryGroup {
    /// A group from the columns of [`Filter::summary_sql`]: the control
    /// lists come comma-separated in any order.
    pub(crate) fn from_columns(
        namespace: Option<String>,
        decision: String,
        dry_run: bool,
        failing: Option<String>,
        waived: Option<String>,
        events: i64,
    ) -> SummaryGroup {
        let list = |text: Option<String>| {
            let mut ids: Vec<String> = text
                .unwrap_or_default()
                .split(',')
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        SummaryGroup {
            namespace,
            decision,
            dry_run,
            failing: list(failing),
            waived: list(waived),
            events: u64::try_from(events).unwrap_or(0),
        }
    }
}

/// The decisions of an admission or a scan. Other decisions (API accesses
/// are `source = 'api'`; the mutating webhook's `mutated` and `unchanged`)
/// say nothing about compliance and are left out of summaries.
pub const ADMISSION_DECISIONS: [&str; 4] = ["allowed", "denied", "warned", "audited"];

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
        let (conditions, mut params) = self.conditions(dialect);
        let bind = |params: &mut Vec<Param>, p: Param| {
            params.push(p);
            dialect.placeholder(params.len())
        };
        let mut sql = String::new();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(if self.newest_first {
            " ORDER BY time_ms DESC, chain DESC, seq DESC"
        } else {
            " ORDER BY time_ms, chain, seq"
        });
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

    /// The filter's conditions (every field but `limit` and `offset`), to
    /// be joined with AND, and their parameters.
    fn conditions(&self, dialect: Dialect) -> (Vec<String>, Vec<Param>) {
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
        // `controls` is `,a,b,`: matching `,id,` cannot hit a longer ID.
        let has_control = |params: &mut Vec<Param>, control: &str| {
            let p = bind(params, Param::Text(format!(",{control},")));
            match dialect {
                Dialect::Sqlite => format!("instr(controls, {p}) > 0"),
                Dialect::Postgres => format!("strpos(controls, {p}) > 0"),
            }
        };
        if let Some(control) = &self.control {
            conditions.push(has_control(&mut params, control));
        }
        if let Some(any) = &self.any_control {
            if any.is_empty() {
                conditions.push("1 = 0".to_owned());
            } else {
                let each: Vec<String> = any.iter().map(|c| has_control(&mut params, c)).collect();
                conditions.push(format!("({})", each.join(" OR ")));
            }
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
        if let Some(cursor) = &self.after {
            let t = bind(&mut params, Param::Int(cursor.time_ms));
            let c = bind(&mut params, Param::Text(cursor.chain.clone()));
            let n = bind(&mut params, Param::Int(cursor.seq));
            let towards = if self.newest_first { '<' } else { '>' };
            conditions.push(format!("(time_ms, chain, seq) {towards} ({t}, {c}, {n})"));
        }
        (conditions, params)
    }

    /// One statement that groups the admissions and scans matching the
    /// filter (`limit` and `offset` do not apply) into [`SummaryGroup`]s,
    /// in the database: its columns are namespace, decision, dry run (0 or
    /// 1), failing controls, waived controls (comma-separated) and the
    /// count. Left out: API accesses, decisions that are not
    /// [`ADMISSION_DECISIONS`], and events of the mutating webhook
    /// (`source.endpoint` other than `validate`; events without it count).
    pub fn summary_sql(&self, dialect: Dialect) -> (String, Vec<Param>) {
        let (mut conditions, params) = self.conditions(dialect);
        conditions.push("source <> 'api'".to_owned());
        let decisions: Vec<String> = ADMISSION_DECISIONS
            .iter()
            .map(|d| format!("'{d}'"))
            .collect();
        conditions.push(format!("decision IN ({})", decisions.join(", ")));
        // Every column read is in the tally index (see `Tally`): a summary
        // of a day of admissions reads no event's JSON.
        conditions.push("COALESCE(endpoint, 'validate') = 'validate'".to_owned());
        let sql = format!(
            "SELECT namespace, decision, dry_run, failing, waived, COUNT(*) FROM audit_events WHERE {} \
             GROUP BY namespace, decision, dry_run, failing, waived",
            conditions.join(" AND ")
        );
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

    #[test]
    fn newest_first_pages_towards_older_events() {
        let filter = Filter {
            any_control: Some(vec!["a".into(), "b".into()]),
            after: Some(Cursor {
                time_ms: 5,
                chain: "c".into(),
                seq: 2,
            }),
            newest_first: true,
            ..Filter::default()
        };
        let (sql, params) = filter.where_clause(Dialect::Sqlite);
        assert_eq!(
            sql,
            " WHERE (instr(controls, ?1) > 0 OR instr(controls, ?2) > 0) AND (time_ms, chain, seq) < (?3, ?4, ?5) ORDER BY time_ms DESC, chain DESC, seq DESC"
        );
        assert_eq!(params[0], Param::Text(",a,".into()));
        let (sql, _) = Filter {
            any_control: Some(vec![]),
            ..Filter::default()
        }
        .where_clause(Dialect::Postgres);
        assert!(sql.contains("1 = 0"), "{sql}");
    }
}
