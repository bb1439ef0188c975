//! Where events are kept: one trait, two stores, chosen by URL.
//!
//! - `sqlite:///var/lib/palisade/audit.db` (or `sqlite://relative.db`, or a
//!   bare path): embedded, no setup. WAL journal with `synchronous=FULL`:
//!   in WAL mode `NORMAL` may lose the last commits on power loss, and the
//!   webhook promises that an answered admission is on disk; group commit
//!   pays one fsync per batch, not per event.
//! - `postgres://user:pass@host/db` (or `postgresql://`): for several
//!   replicas. Plain TCP or a Unix socket; TLS is not supported yet.
//!
//! Both create their schema on first use, inside a lock, and record its
//! version in `palisade_audit_meta`; a database written by a newer Palisade
//! is refused rather than misread.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use crate::AuditError;
use crate::chain::{Appended, ChainHead, Row};
use crate::checkpoint::Checkpoint;
use crate::event::Event;
use crate::query::{Filter, SummaryGroup};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// What every store does. Methods are async so the webhook never blocks a
/// runtime thread (SQLite runs on the blocking pool).
pub trait Store: Send + Sync {
    /// Appends `events` to `chain` in one transaction (group commit) and
    /// returns where each landed, in order. Holds the chain's head lock for
    /// the transaction, so concurrent appenders to one chain serialise.
    fn append(
        &self,
        chain: &str,
        events: &[Event],
    ) -> impl Future<Output = Result<Vec<Appended>, AuditError>> + Send;

    /// Every chain with its recorded head.
    fn chains(&self) -> impl Future<Output = Result<Vec<ChainHead>, AuditError>> + Send;

    /// Up to `limit` rows of `chain` with `seq > after`, by sequence.
    fn rows(
        &self,
        chain: &str,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Row>, AuditError>> + Send;

    /// Rows matching `filter`, oldest first.
    fn query(&self, filter: &Filter) -> impl Future<Output = Result<Vec<Row>, AuditError>> + Send;

    /// The admissions and scans matching `filter`, counted in the database
    /// by [`SummaryGroup`] (see [`Filter::summary_sql`]): however many
    /// events the window holds, the answer is as small as their variety.
    fn summarise(
        &self,
        filter: &Filter,
    ) -> impl Future<Output = Result<Vec<SummaryGroup>, AuditError>> + Send;

    fn add_checkpoint(
        &self,
        checkpoint: &Checkpoint,
    ) -> impl Future<Output = Result<(), AuditError>> + Send;

    /// Stored checkpoints, of one chain or all, oldest first.
    fn checkpoints(
        &self,
        chain: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Checkpoint>, AuditError>> + Send;

    /// Deletes `chain`'s events with `seq <= checkpoint.seq` and stores the
    /// prune checkpoint, in one transaction. Returns the number deleted.
    fn prune(
        &self,
        checkpoint: &Checkpoint,
    ) -> impl Future<Output = Result<u64, AuditError>> + Send;

    /// Every chain name found in any table (events, heads, checkpoints),
    /// sorted: `verify` walks these, not only the chains with a head, so
    /// rows slipped in under a new name are checked too.
    fn chain_names(&self) -> impl Future<Output = Result<Vec<String>, AuditError>> + Send;
}

/// The distinct chain names of every table. The events part is a loose
/// index scan over the primary key (one probe per chain, not one row per
/// event), in SQL both stores read.
pub(crate) const CHAIN_NAMES: &str = "WITH RECURSIVE c(chain) AS (
    SELECT MIN(chain) FROM audit_events
    UNION ALL
    SELECT (SELECT MIN(e.chain) FROM audit_events e WHERE e.chain > c.chain) FROM c WHERE c.chain IS NOT NULL
)
SELECT chain FROM c WHERE chain IS NOT NULL
UNION SELECT chain FROM audit_chains
UNION SELECT chain FROM audit_checkpoints
ORDER BY 1";

/// A store opened from a URL.
pub enum AnyStore {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PostgresStore),
}

impl AnyStore {
    /// Opens (and on first use creates) the store named by `url`.
    pub async fn open(url: &str) -> Result<AnyStore, AuditError> {
        match parse_url(url)? {
            Location::Sqlite(path) => Ok(AnyStore::Sqlite(sqlite::SqliteStore::open(&path).await?)),
            Location::Postgres(url) => Ok(AnyStore::Postgres(
                postgres::PostgresStore::open(&url).await?,
            )),
        }
    }
}

impl AnyStore {
    /// Opens the store named by `url` for reading: like [`AnyStore::open`],
    /// but a SQLite file that does not exist is an error rather than a new
    /// empty log (`palisade audit verify` in the wrong directory must not
    /// answer "no tampering found").
    pub async fn open_existing(url: &str) -> Result<AnyStore, AuditError> {
        if let Location::Sqlite(path) = parse_url(url)?
            && !std::path::Path::new(&path).is_file()
        {
            return Err(AuditError::Store(format!(
                "no audit log at {path} (give --audit-db, or record events first)"
            )));
        }
        AnyStore::open(url).await
    }
}

enum Location {
    Sqlite(String),
    Postgres(String),
}

fn parse_url(url: &str) -> Result<Location, AuditError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Location::Postgres(url.to_owned()));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(AuditError::Url(format!("`{url}` names no file")));
        }
        return Ok(Location::Sqlite(path.to_owned()));
    }
    if url.contains("://") {
        return Err(AuditError::Url(format!(
            "`{}`: use sqlite:///path/to/audit.db or postgres://user@host/db",
            redact_url(url)
        )));
    }
    if url.is_empty() {
        return Err(AuditError::Url("empty database URL".to_owned()));
    }
    Ok(Location::Sqlite(url.to_owned()))
}

impl Store for AnyStore {
    async fn append(&self, chain: &str, events: &[Event]) -> Result<Vec<Appended>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.append(chain, events).await,
            AnyStore::Postgres(s) => s.append(chain, events).await,
        }
    }
    async fn chains(&self) -> Result<Vec<ChainHead>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.chains().await,
            AnyStore::Postgres(s) => s.chains().await,
        }
    }
    async fn rows(&self, chain: &str, after: i64, limit: u32) -> Result<Vec<Row>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.rows(chain, after, limit).await,
            AnyStore::Postgres(s) => s.rows(chain, after, limit).await,
        }
    }
    async fn query(&self, filter: &Filter) -> Result<Vec<Row>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.query(filter).await,
            AnyStore::Postgres(s) => s.query(filter).await,
        }
    }
    async fn summarise(&self, filter: &Filter) -> Result<Vec<SummaryGroup>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.summarise(filter).await,
            AnyStore::Postgres(s) => s.summarise(filter).await,
        }
    }
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.add_checkpoint(checkpoint).await,
            AnyStore::Postgres(s) => s.add_checkpoint(checkpoint).await,
        }
    }
    async fn checkpoints(&self, chain: Option<&str>) -> Result<Vec<Checkpoint>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.checkpoints(chain).await,
            AnyStore::Postgres(s) => s.checkpoints(chain).await,
        }
    }
    async fn prune(&self, checkpoint: &Checkpoint) -> Result<u64, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.prune(checkpoint).await,
            AnyStore::Postgres(s) => s.prune(checkpoint).await,
        }
    }
    async fn chain_names(&self) -> Result<Vec<String>, AuditError> {
        match self {
            AnyStore::Sqlite(s) => s.chain_names().await,
            AnyStore::Postgres(s) => s.chain_names().await,
        }
    }
}

/// `url` with its password replaced by `***`, for messages and logs: an
/// error printed by a CI job or a pod log must not hand out the database.
///
/// ```
/// use palisade_audit::store::redact_url;
/// assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
/// assert_eq!(redact_url("postgres://h/db?password=secret"), "postgres://h/db?password=***");
/// assert_eq!(redact_url("sqlite://audit.db"), "sqlite://audit.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let mut shown = match url.split_once("://") {
        Some((scheme, rest)) => {
            // The authority ends at the first `/`; an `@` later is in the path.
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            match authority.rsplit_once('@') {
                Some((credentials, host)) => match credentials.split_once(':') {
                    Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
                    None => url.to_owned(),
                },
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    };
    // libpq also takes the password as a query parameter.
    if let Some(at) = shown.find("password=") {
        let start = at + "password=".len();
        let end = shown[start..].find('&').map_or(shown.len(), |i| start + i);
        shown.replace_range(start..end, "***");
    }
    shown
}

/// Reads every row of a chain in pages, for verification and export.
pub(crate) const PAGE: u32 = 5_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls() {
        assert!(
            matches!(parse_url("sqlite:///var/a.db"), Ok(Location::Sqlite(p)) if p == "/var/a.db")
        );
        assert!(matches!(parse_url("sqlite://a.db"), Ok(Location::Sqlite(p)) if p == "a.db"));
        assert!(matches!(parse_url("./a.db"), Ok(Location::Sqlite(p)) if p == "./a.db"));
        assert!(matches!(
            parse_url("postgres://u@h/db"),
            Ok(Location::Postgres(_))
        ));
        assert!(parse_url("mysql://h/db").is_err());
        assert!(parse_url("sqlite://").is_err());
    }
}
