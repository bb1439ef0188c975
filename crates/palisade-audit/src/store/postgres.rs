//! The PostgreSQL store, for several webhook replicas sharing one log.
//!
//! Each append is one transaction: lock the chain's head row
//! (`SELECT ... FOR UPDATE`), insert the whole batch with one `UNNEST`
//! statement (one round trip whatever the batch size), move the head,
//! commit. Replicas writing separate chains never wait for each other;
//! writers sharing a chain queue on the row lock and still produce one
//! valid chain.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

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
    head_seq  BIGINT NOT NULL,
    head_hash TEXT NOT NULL
);
CREATE TABLE audit_events (
    chain     TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    time_ms   BIGINT NOT NULL,
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
    id    BIGSERIAL PRIMARY KEY,
    chain TEXT NOT NULL,
    seq   BIGINT NOT NULL,
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
CREATE INDEX audit_events_tally ON audit_events (time_ms) INCLUDE (source, decision, namespace, dry_run, endpoint, failing, waived);
"#,
];

/// The schema version whose migration adds the [`Tally`] columns: the rows
/// already written get theirs from their JSON (see `backfill_tallies`).
const TALLY_VERSION: usize = 2;

/// Any fixed number serves: it only keeps two replicas from creating the
/// schema at the same moment.
const SCHEMA_LOCK: i64 = 0x7061_6c69_7361_6465; // "palisade"

const SELECT_ROW: &str = "SELECT chain, seq, time_ms, source, user_name, operation, kind, namespace, name, decision, controls, event, prev_hash, hash, failing, waived, dry_run, endpoint FROM audit_events";

/// The PostgreSQL store: a connection pool. Cheap to clone.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

fn err(e: impl std::fmt::Display) -> AuditError {
    AuditError::Store(format!("PostgreSQL: {e}"))
}

impl PostgresStore {
    /// Connects to `url` and creates or upgrades the schema.
    pub async fn open(url: &str) -> Result<PostgresStore, AuditError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| AuditError::Url(format!("invalid PostgreSQL URL: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager).max_size(8).build().map_err(err)?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, AuditError> {
        self.pool.get().await.map_err(err)
    }

    async fn migrate(&self) -> Result<(), AuditError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(err)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS palisade_audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )
        .await
        .map_err(err)?;
        let version: i64 = tx
            .query_opt(
                "SELECT value FROM palisade_audit_meta WHERE key = 'schema_version'",
                &[],
            )
            .await
            .map_err(err)?
            .and_then(|r| r.get::<_, String>(0).parse().ok())
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
            tx.batch_execute(migration).await.map_err(err)?;
            if done + 1 == TALLY_VERSION {
                backfill_tallies(&tx).await?;
            }
        }
        tx.execute(
            "INSERT INTO palisade_audit_meta (key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&SCHEMA_VERSION.to_string()],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }
}

/// Fills the [`Tally`] columns of the rows written before they existed,
/// from each row's JSON, a page of rows at a time. A row whose JSON does not
/// parse keeps the empty defaults; `verify` reports it unreadable.
async fn backfill_tallies(tx: &deadpool_postgres::Transaction<'_>) -> Result<(), AuditError> {
    let select = tx
        .prepare("SELECT chain, seq, event FROM audit_events WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT 1000")
        .await
        .map_err(err)?;
    let update = tx
        .prepare("UPDATE audit_events SET failing = $3, waived = $4, dry_run = $5, endpoint = $6 WHERE chain = $1 AND seq = $2")
        .await
        .map_err(err)?;
    let (mut chain, mut seq) = (String::new(), 0_i64);
    loop {
        let page = tx.query(&select, &[&chain, &seq]).await.map_err(err)?;
        if page.is_empty() {
            return Ok(());
        }
        for row in &page {
            chain = row.try_get(0).map_err(err)?;
            seq = row.try_get(1).map_err(err)?;
            let json: String = row.try_get(2).map_err(err)?;
            let Ok(event) = serde_json::from_str::<Event>(&json) else {
                continue;
            };
            let tally = event.tally();
            let dry_run = i32::from(tally.dry_run);
            tx.execute(
                &update,
                &[
                    &chain,
                    &seq,
                    &tally.failing,
                    &tally.waived,
                    &dry_run,
                    &tally.endpoint,
                ],
            )
            .await
            .map_err(err)?;
        }
    }
}

fn read_row(r: &tokio_postgres::Row) -> Result<Row, AuditError> {
    Ok(Row {
        chain: r.try_get(0).map_err(err)?,
        seq: r.try_get(1).map_err(err)?,
        time_ms: r.try_get(2).map_err(err)?,
        source: r.try_get(3).map_err(err)?,
        user: r.try_get(4).map_err(err)?,
        operation: r.try_get(5).map_err(err)?,
        kind: r.try_get(6).map_err(err)?,
        namespace: r.try_get(7).map_err(err)?,
        name: r.try_get(8).map_err(err)?,
        decision: r.try_get(9).map_err(err)?,
        controls: r.try_get(10).map_err(err)?,
        event_json: r.try_get(11).map_err(err)?,
        prev_hash: r.try_get(12).map_err(err)?,
        hash: r.try_get(13).map_err(err)?,
        tally: Tally {
            failing: r.try_get(14).map_err(err)?,
            waived: r.try_get(15).map_err(err)?,
            dry_run: r.try_get::<_, i32>(16).map_err(err)? != 0,
            endpoint: r.try_get(17).map_err(err)?,
        },
    })
}

/// A filter's parameters as PostgreSQL binds them.
fn boxed(params: Vec<Param>) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .into_iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Text(t) => Box::new(t),
                Param::Int(i) => Box::new(i),
            }
        })
        .collect()
}

fn refs(values: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// The batch as one array per column, for `INSERT ... SELECT FROM UNNEST`.
#[derive(Default)]
struct Columns {
    chain: Vec<String>,
    seq: Vec<i64>,
    time_ms: Vec<i64>,
    source: Vec<String>,
    user: Vec<Option<String>>,
    operation: Vec<Option<String>>,
    kind: Vec<String>,
    namespace: Vec<Option<String>>,
    name: Vec<Option<String>>,
    decision: Vec<String>,
    controls: Vec<String>,
    event: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
    failing: Vec<String>,
    waived: Vec<String>,
    dry_run: Vec<i32>,
    endpoint: Vec<Option<String>>,
}

impl Columns {
    fn push(&mut self, row: Row) {
        self.chain.push(row.chain);
        self.seq.push(row.seq);
        self.time_ms.push(row.time_ms);
        self.source.push(row.source);
        self.user.push(row.user);
        self.operation.push(row.operation);
        self.kind.push(row.kind);
        self.namespace.push(row.namespace);
        self.name.push(row.name);
        self.decision.push(row.decision);
        self.controls.push(row.controls);
        self.event.push(row.event_json);
        self.prev_hash.push(row.prev_hash);
        self.hash.push(row.hash);
        self.failing.push(row.tally.failing);
        self.waived.push(row.tally.waived);
        self.dry_run.push(i32::from(row.tally.dry_run));
        self.endpoint.push(row.tally.endpoint);
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 18] {
        [
            &self.chain,
            &self.seq,
            &self.time_ms,
            &self.source,
            &self.user,
            &self.operation,
            &self.kind,
            &self.namespace,
            &self.name,
            &self.decision,
            &self.controls,
            &self.event,
            &self.prev_hash,
            &self.hash,
            &self.failing,
            &self.waived,
            &self.dry_run,
            &self.endpoint,
        ]
    }
}

impl Store for PostgresStore {
    async fn append(&self, chain: &str, events: &[Event]) -> Result<Vec<Appended>, AuditError> {
        // Serialise before taking the chain's lock: other writers wait less.
        let rows = events
            .iter()
            .map(|e| Row::unlinked(chain, e))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AuditError::Store(format!("cannot serialise event: {e}")))?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(err)?;
        tx.execute(
            "INSERT INTO audit_chains (chain, head_seq, head_hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
            &[&chain, &GENESIS],
        )
        .await
        .map_err(err)?;
        // The row lock serialises appenders of this chain until commit.
        let head = tx
            .query_one(
                "SELECT head_seq, head_hash FROM audit_chains WHERE chain = $1 FOR UPDATE",
                &[&chain],
            )
            .await
            .map_err(err)?;
        let mut seq: i64 = head.try_get(0).map_err(err)?;
        let mut prev: String = head.try_get(1).map_err(err)?;
        let mut columns = Columns::default();
        let mut appended = Vec::with_capacity(events.len());
        for mut row in rows {
            seq += 1;
            row.link(seq, &prev);
            prev.clone_from(&row.hash);
            appended.push(Appended {
                chain: chain.to_owned(),
                seq,
                hash: row.hash.clone(),
            });
            columns.push(row);
        }
        let insert = tx
            .prepare_cached(
                "INSERT INTO audit_events (chain, seq, time_ms, source, user_name, operation, kind, namespace, name, decision, controls, event, prev_hash, hash, failing, waived, dry_run, endpoint)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::integer[], $18::text[])",
            )
            .await
            .map_err(err)?;
        tx.execute(&insert, &columns.params()).await.map_err(err)?;
        tx.execute(
            "UPDATE audit_chains SET head_seq = $2, head_hash = $3 WHERE chain = $1",
            &[&chain, &seq, &prev],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(appended)
    }

    async fn chains(&self) -> Result<Vec<ChainHead>, AuditError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT chain, head_seq, head_hash FROM audit_chains ORDER BY chain",
                &[],
            )
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(ChainHead {
                    chain: r.try_get(0).map_err(err)?,
                    seq: r.try_get(1).map_err(err)?,
                    hash: r.try_get(2).map_err(err)?,
                })
            })
            .collect()
    }

    async fn rows(&self, chain: &str, after: i64, limit: u32) -> Result<Vec<Row>, AuditError> {
        let client = self.client().await?;
        let limit = i64::from(limit);
        let rows = client
            .query(
                &format!("{SELECT_ROW} WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3"),
                &[&chain, &after, &limit],
            )
            .await
            .map_err(err)?;
        rows.iter().map(read_row).collect()
    }

    async fn query(&self, filter: &Filter) -> Result<Vec<Row>, AuditError> {
        let (clause, params) = filter.where_clause(Dialect::Postgres);
        let values = boxed(params);
        let client = self.client().await?;
        let rows = client
            .query(&format!("{SELECT_ROW}{clause}"), &refs(&values))
            .await
            .map_err(err)?;
        rows.iter().map(read_row).collect()
    }

    async fn summarise(&self, filter: &Filter) -> Result<Vec<SummaryGroup>, AuditError> {
        let (sql, params) = filter.summary_sql(Dialect::Postgres);
        let values = boxed(params);
        let client = self.client().await?;
        let rows = client.query(&sql, &refs(&values)).await.map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok(SummaryGroup::from_columns(
                    r.try_get(0).map_err(err)?,
                    r.try_get(1).map_err(err)?,
                    r.try_get::<_, i32>(2).map_err(err)? != 0,
                    r.try_get(3).map_err(err)?,
                    r.try_get(4).map_err(err)?,
                    r.try_get(5).map_err(err)?,
                ))
            })
            .collect()
    }

    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        let body = checkpoint
            .to_json()
            .map_err(|e| AuditError::Store(e.to_string()))?;
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO audit_checkpoints (chain, seq, body) VALUES ($1, $2, $3)",
                &[&checkpoint.body.chain, &checkpoint.body.seq, &body],
            )
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn checkpoints(&self, chain: Option<&str>) -> Result<Vec<Checkpoint>, AuditError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT body FROM audit_checkpoints WHERE $1::text IS NULL OR chain = $1 ORDER BY id",
                &[&chain],
            )
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get(0).map_err(err)?;
                Checkpoint::from_json(&body).map_err(|e| {
                    AuditError::Corrupt(format!("stored checkpoint is not valid: {e}"))
                })
            })
            .collect()
    }

    async fn prune(&self, checkpoint: &Checkpoint) -> Result<u64, AuditError> {
        let body = checkpoint
            .to_json()
            .map_err(|e| AuditError::Store(e.to_string()))?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(err)?;
        let deleted = tx
            .execute(
                "DELETE FROM audit_events WHERE chain = $1 AND seq <= $2",
                &[&checkpoint.body.chain, &checkpoint.body.seq],
            )
            .await
            .map_err(err)?;
        tx.execute(
            "INSERT INTO audit_checkpoints (chain, seq, body) VALUES ($1, $2, $3)",
            &[&checkpoint.body.chain, &checkpoint.body.seq, &body],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(deleted)
    }

    async fn chain_names(&self) -> Result<Vec<String>, AuditError> {
        let client = self.client().await?;
        let rows = client.query(CHAIN_NAMES, &[]).await.map_err(err)?;
        rows.iter().map(|r| r.try_get(0).map_err(err)).collect()
    }
}
