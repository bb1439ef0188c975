//! The embedded store: one SQLite file, WAL journal, `synchronous=FULL`
//! (see the module doc of `store` for why), a 10-second busy timeout so
//! that `palisade scan --record` and a running webhook can share a file.
//!
//! Two connections: appends and prunes go through the writer, queries and
//! verification through the reader, so a long export does not hold up the
//! webhook's commits (WAL lets one writer and many readers run together).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};

use super::{CHAIN_NAMES, SCHEMA_VERSION, Store};
use crate::AuditError;
use crate::chain::{Appended, ChainHead, GENESIS, Row};
use crate::checkpoint::Checkpoint;
use crate::event::{Event, Tally};
use crate::query::{Dialect, Filter, Param, SummaryGroup};

/// Schema migrations; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE audit_chains (
    chain     TEXT PRIMARY KEY,
    head_seq  INTEGER NOT NULL,
    head_hash TEXT NOT NULL
);
CREATE TABLE audit_events (
    chain     TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    time_ms   INTEGER NOT NULL,
    source    TEXT NOT NULL,
    user_name TEXT,
    operation TEXT,
    kind      TEXT NOT NULL,
    namespace TEXT,
    name      TEXT,
    decision  TEXT NOT NULL,
    controls  TEXT NOT NULL,
    event     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_events_time ON audit_events (time_ms);
CREATE INDEX audit_events_namespace ON audit_events (namespace, time_ms);
CREATE TABLE audit_checkpoints (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    chain TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    body  TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_chain ON audit_checkpoints (chain, seq);
"#,
    r#"
ALTER TABLE audit_events ADD COLUMN failing TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN waived TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN endpoint TEXT;
DROP INDEX audit_events_time;
CREATE INDEX audit_events_tally ON audit_events (time_ms, source, decision, namespace, dry_run, endpoint, failing, waived);
"#,
];

/// The schema version whose migration adds the [`Tally`] columns: the rows
/// already written get theirs from their JSON (see [`backfill_tallies`]).
const TALLY_VERSION: usize = 2;

const SELECT_ROW: &str = "SELECT chain, seq, time_ms, source, user_name, operation, kind, namespace, name, decision, controls, event, prev_hash, hash, failing, waived, dry_run, endpoint FROM audit_events";

/// The SQLite store. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    /// Reading connections: a summary and a page of events (the dashboard
    /// asks for both at once) run side by side instead of in turn.
    readers: Arc<[Mutex<Connection>]>,
}

/// Reading connections per store.
const READERS: usize = 2;

impl SqliteStore {
    /// Opens or creates the database file at `path`.
    pub async fn open(path: &str) -> Result<SqliteStore, AuditError> {
        let path = path.to_owned();
        blocking(move || {
            if let Some(parent) = Path::new(&path).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    AuditError::Store(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            create_private(&path)?;
            let writer = connect(&path)?;
            migrate(&writer)?;
            let readers = (0..READERS)
                .map(|_| connect(&path).map(Mutex::new))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(SqliteStore {
                writer: Arc::new(Mutex::new(writer)),
                readers: readers.into(),
            })
        })
        .await
    }

    /// Runs `f` on a connection on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        write: bool,
        f: impl FnOnce(&mut Connection) -> Result<T, AuditError> + Send + 'static,
    ) -> Result<T, AuditError> {
        let store = self.clone();
        blocking(move || {
            let poisoned = || AuditError::Store("SQLite connection poisoned".to_owned());
            if write {
                let mut guard = store.writer.lock().map_err(|_| poisoned())?;
                return f(&mut guard);
            }
            // A free reader if there is one, else wait for the first.
            let free = store.readers.iter().find_map(|r| r.try_lock().ok());
            let mut guard = match free {
                Some(guard) => guard,
                None => store
                    .readers
                    .first()
                    .ok_or_else(poisoned)?
                    .lock()
                    .map_err(|_| poisoned())?,
            };
            f(&mut guard)
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuditError> + Send + 'static,
) -> Result<T, AuditError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuditError::Store(format!("SQLite task failed: {e}")))?
}

/// Creates the database file readable by its owner only, before SQLite
/// opens it: the log names users, namespaces and findings, and SQLite
/// gives its `-wal` and `-shm` files the mode of the database file. An
/// existing file is left as it is.
#[cfg(unix)]
fn create_private(path: &str) -> Result<(), AuditError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(AuditError::Store(format!("cannot create {path}: {e}"))),
    }
}

#[cfg(not(unix))]
fn create_private(_path: &str) -> Result<(), AuditError> {
    Ok(())
}

fn connect(path: &str) -> Result<Connection, AuditError> {
    let connection = Connection::open(path).map_err(|e| sql_error(path, e))?;
    connection
        .busy_timeout(Duration::from_secs(10))
        .map_err(|e| sql_error(path, e))?;
    connection
        .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(|e| sql_error(path, e))?;
    Ok(connection)
}

fn sql_error(context: &str, e: rusqlite::Error) -> AuditError {
    AuditError::Store(format!("SQLite {context}: {e}"))
}

fn err(e: rusqlite::Error) -> AuditError {
    AuditError::Store(format!("SQLite: {e}"))
}

/// Applies the missing migrations inside one immediate transaction, so two
/// processes opening a new file at once do not both create it.
fn migrate(connection: &Connection) -> Result<(), AuditError> {
    connection.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let result = (|| {
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS palisade_audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            )
            .map_err(err)?;
        let version: i64 = connection
            .query_row(
                "SELECT value FROM palisade_audit_meta WHERE key = 'schema_version'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(err)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if version > SCHEMA_VERSION {
            return Err(AuditError::Schema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (done, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            connection.execute_batch(migration).map_err(err)?;
            if done + 1 == TALLY_VERSION {
                backfill_tallies(connection)?;
            }
        }
        connection
            .execute(
                "INSERT INTO palisade_audit_meta (key, value) VALUES ('schema_version', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![SCHEMA_VERSION.to_string()],
            )
            .map_err(err)?;
        Ok(())
    })();
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    connection.execute_batch(end).map_err(err)?;
    result
}

/// Fills the [`Tally`] columns of the rows written before they existed,
/// from each row's JSON, in pages of rows. A row whose JSON does not parse
/// keeps the empty defaults; `verify` reports it unreadable.
fn backfill_tallies(connection: &Connection) -> Result<(), AuditError> {
    let mut select = connection
        .prepare("SELECT rowid, event FROM audit_events WHERE rowid > ?1 ORDER BY rowid LIMIT 1000")
        .map_err(err)?;
    let mut update = connection
        .prepare("UPDATE audit_events SET failing = ?2, waived = ?3, dry_run = ?4, endpoint = ?5 WHERE rowid = ?1")
        .map_err(err)?;
    let mut after = 0_i64;
    loop {
        let page = select
            .query_map(params![after], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after = *last;
        for (rowid, json) in page {
            let Ok(event) = serde_json::from_str::<Event>(&json) else {
                continue;
            };
            let tally = event.tally();
            update
                .execute(params![
                    rowid,
                    tally.failing,
                    tally.waived,
                    tally.dry_run,
                    tally.endpoint
                ])
                .map_err(err)?;
        }
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        chain: r.get(0)?,
        seq: r.get(1)?,
        time_ms: r.get(2)?,
        source: r.get(3)?,
        user: r.get(4)?,
        operation: r.get(5)?,
        kind: r.get(6)?,
        namespace: r.get(7)?,
        name: r.get(8)?,
        decision: r.get(9)?,
        controls: r.get(10)?,
        event_json: r.get(11)?,
        prev_hash: r.get(12)?,
        hash: r.get(13)?,
        tally: Tally {
            failing: r.get(14)?,
            waived: r.get(15)?,
            dry_run: r.get(16)?,
            endpoint: r.get(17)?,
        },
    })
}

/// A filter's parameter as SQLite binds it.
fn value(p: Param) -> rusqlite::types::Value {
    match p {
        Param::Text(t) => rusqlite::types::Value::Text(t),
        Param::Int(i) => rusqlite::types::Value::Integer(i),
    }
}

fn parse_checkpoint(body: String) -> Result<Checkpoint, AuditError> {
    Checkpoint::from_json(&body)
        .map_err(|e| AuditError::Corrupt(format!("stored checkpoint is not valid: {e}")))
}

impl Store for SqliteStore {
    async fn append(&self, chain: &str, events: &[Event]) -> Result<Vec<Appended>, AuditError> {
        let chain = chain.to_owned();
        let rows = events
            .iter()
            .map(|e| Row::unlinked(&chain, e))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AuditError::Store(format!("cannot serialise event: {e}")))?;
        self.with(true, move |c| {
            // IMMEDIATE takes the write lock now: the head read below cannot
            // be overtaken by another process's append.
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            // Cached statements: preparing these three on every commit
            // took 4% of an audited webhook's CPU.
            tx.prepare_cached(
                "INSERT OR IGNORE INTO audit_chains (chain, head_seq, head_hash) VALUES (?1, 0, ?2)",
            )
            .and_then(|mut s| s.execute(params![chain, GENESIS]))
            .map_err(err)?;
            let (mut seq, mut prev): (i64, String) = tx
                .prepare_cached("SELECT head_seq, head_hash FROM audit_chains WHERE chain = ?1")
                .and_then(|mut s| s.query_row(params![chain], |r| Ok((r.get(0)?, r.get(1)?))))
                .map_err(err)?;
            let mut appended = Vec::with_capacity(rows.len());
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO audit_events (chain, seq, time_ms, source, user_name, operation, kind, namespace, name, decision, controls, event, prev_hash, hash, failing, waived, dry_run, endpoint)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                    )
                    .map_err(err)?;
                for mut row in rows {
                    seq += 1;
                    row.link(seq, &prev);
                    insert
                        .execute(params![
                            row.chain,
                            row.seq,
                            row.time_ms,
                            row.source,
                            row.user,
                            row.operation,
                            row.kind,
                            row.namespace,
                            row.name,
                            row.decision,
                            row.controls,
                            row.event_json,
                            row.prev_hash,
                            row.hash,
                            row.tally.failing,
                            row.tally.waived,
                            row.tally.dry_run,
                            row.tally.endpoint
                        ])
                        .map_err(err)?;
                    prev.clone_from(&row.hash);
                    appended.push(Appended {
                        chain: chain.clone(),
                        seq,
                        hash: row.hash,
                    });
                }
            }
            tx.prepare_cached("UPDATE audit_chains SET head_seq = ?2, head_hash = ?3 WHERE chain = ?1")
                .and_then(|mut s| s.execute(params![chain, seq, prev]))
                .map_err(err)?;
            tx.commit().map_err(err)?;
            Ok(appended)
        })
        .await
    }

    async fn chains(&self) -> Result<Vec<ChainHead>, AuditError> {
        self.with(false, |c| {
            let mut stmt = c
                .prepare("SELECT chain, head_seq, head_hash FROM audit_chains ORDER BY chain")
                .map_err(err)?;
            let heads = stmt
                .query_map([], |r| {
                    Ok(ChainHead {
                        chain: r.get(0)?,
                        seq: r.get(1)?,
                        hash: r.get(2)?,
                    })
                })
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            Ok(heads)
        })
        .await
    }

    async fn rows(&self, chain: &str, after: i64, limit: u32) -> Result<Vec<Row>, AuditError> {
        let chain = chain.to_owned();
        self.with(false, move |c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "{SELECT_ROW} WHERE chain = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
                ))
                .map_err(err)?;
            let rows = stmt
                .query_map(params![chain, after, limit], read_row)
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            Ok(rows)
        })
        .await
    }

    async fn query(&self, filter: &Filter) -> Result<Vec<Row>, AuditError> {
        let (clause, params) = filter.where_clause(Dialect::Sqlite);
        self.with(false, move |c| {
            let mut stmt = c.prepare(&format!("{SELECT_ROW}{clause}")).map_err(err)?;
            let rows = stmt
                .query_map(params_from_iter(params.into_iter().map(value)), read_row)
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            Ok(rows)
        })
        .await
    }

    async fn summarise(&self, filter: &Filter) -> Result<Vec<SummaryGroup>, AuditError> {
        let (sql, params) = filter.summary_sql(Dialect::Sqlite);
        self.with(false, move |c| {
            let mut stmt = c.prepare(&sql).map_err(err)?;
            let groups = stmt
                .query_map(params_from_iter(params.into_iter().map(value)), |r| {
                    Ok(SummaryGroup::from_columns(
                        r.get(0)?,
                        r.get(1)?,
                        r.get::<_, i64>(2)? != 0,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            Ok(groups)
        })
        .await
    }

    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        let checkpoint = checkpoint.clone();
        self.with(true, move |c| {
            let body = checkpoint
                .to_json()
                .map_err(|e| AuditError::Store(e.to_string()))?;
            c.execute(
                "INSERT INTO audit_checkpoints (chain, seq, body) VALUES (?1, ?2, ?3)",
                params![checkpoint.body.chain, checkpoint.body.seq, body],
            )
            .map_err(err)?;
            Ok(())
        })
        .await
    }

    async fn checkpoints(&self, chain: Option<&str>) -> Result<Vec<Checkpoint>, AuditError> {
        let chain = chain.map(str::to_owned);
        self.with(false, move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT body FROM audit_checkpoints WHERE ?1 IS NULL OR chain = ?1 ORDER BY id",
                )
                .map_err(err)?;
            let bodies = stmt
                .query_map(params![chain], |r| r.get::<_, String>(0))
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            bodies.into_iter().map(parse_checkpoint).collect()
        })
        .await
    }

    async fn prune(&self, checkpoint: &Checkpoint) -> Result<u64, AuditError> {
        let checkpoint = checkpoint.clone();
        self.with(true, move |c| {
            let body = checkpoint
                .to_json()
                .map_err(|e| AuditError::Store(e.to_string()))?;
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let deleted = tx
                .execute(
                    "DELETE FROM audit_events WHERE chain = ?1 AND seq <= ?2",
                    params![checkpoint.body.chain, checkpoint.body.seq],
                )
                .map_err(err)?;
            tx.execute(
                "INSERT INTO audit_checkpoints (chain, seq, body) VALUES (?1, ?2, ?3)",
                params![checkpoint.body.chain, checkpoint.body.seq, body],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            Ok(deleted as u64)
        })
        .await
    }

    async fn chain_names(&self) -> Result<Vec<String>, AuditError> {
        self.with(false, |c| {
            let mut stmt = c.prepare_cached(CHAIN_NAMES).map_err(err)?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            Ok(names)
        })
        .await
    }
}
