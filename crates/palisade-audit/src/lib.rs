//! Palisade's tamper-evident audit log.
//!
//! Every admission decision and every recorded scan becomes an [`Event`].
//! Events are appended to hash chains ([`chain`]) in SQLite or PostgreSQL
//! ([`store`]), written off the request path by a [`Recorder`]
//! ([`writer`]), verified by [`verify()`], anchored by signed
//! [`Checkpoint`]s, pruned by [`retention`], read by [`query`] and exported
//! as signed evidence bundles ([`bundle`]) that an auditor checks offline.
//!
//! For the webhook: [`AuditLog::open`] returns a [`Recorder`];
//! [`Recorder::record`] enqueues an event and returns a [`Receipt`] whose
//! [`Receipt::committed`] resolves once the event is durable. For the read
//! API: [`Reader`] runs [`Filter`]s (with a namespace scope for restricted
//! roles) and [`access`] hashes and checks bearer tokens.

pub mod access;
pub mod bundle;
pub mod chain;
pub mod checkpoint;
pub mod event;
pub mod integrity;
pub mod keys;
pub mod query;
pub mod retention;
pub mod store;
mod timestamp;
pub mod verify;
pub mod writer;

pub use chain::{Appended, ChainHead};
pub use checkpoint::{Checkpoint, CheckpointKind};
pub use event::{
    AuditFinding, AuditWaiver, Decision, Event, FindingAction, Resource, Source, SourceKind, Tally,
};
pub use integrity::{HostIntegrity, INTEGRITY_KIND, IntegrityVerdict};
pub use keys::PinnedKeys;
pub use query::{Cursor, Entry, Filter, SummaryGroup};
pub use store::{AnyStore, Store, redact_url};
pub use timestamp::Timestamp;
pub use verify::{Problem, VerifyOptions, VerifyReport, verify};
pub use writer::{
    AuditLog, CheckpointSchedule, Committed, Receipt, RecordError, Recorder, ShutdownReport,
    WriterOptions,
};

/// What can go wrong outside of a verification finding.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit database URL: {0}")]
    Url(String),
    #[error("{0}")]
    Store(String),
    #[error(
        "the audit database has schema version {found}, newer than this Palisade reads ({supported}): upgrade Palisade"
    )]
    Schema { found: i64, supported: i64 },
    #[error("corrupt audit data: {0}")]
    Corrupt(String),
    #[error("invalid chain name `{0}`: 1 to 128 letters, digits, `.`, `-`, `_`, `:` or `@`")]
    Chain(String),
    #[error("key: {0}")]
    Key(String),
    #[error("bundle: {0}")]
    Bundle(String),
    #[error(
        "the audit log does not verify, so nothing was signed ({} problems):\n  {}",
        .0.len(),
        .0.join("\n  ")
    )]
    Unverified(Vec<String>),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Read access for the API and `palisade audit query`: a store plus the
/// filters, nothing that writes.
pub struct Reader<S: Store = AnyStore> {
    store: S,
}

impl Reader<AnyStore> {
    /// Opens the store at `url` for reading (a SQLite file must exist).
    pub async fn open(url: &str) -> Result<Self, AuditError> {
        Ok(Reader {
            store: AnyStore::open_existing(url).await?,
        })
    }
}

impl<S: Store> Reader<S> {
    pub fn new(store: S) -> Self {
        Reader { store }
    }

    /// Events matching `filter`, oldest first.
    pub async fn query(&self, filter: &Filter) -> Result<Vec<Entry>, AuditError> {
        self.store
            .query(filter)
            .await?
            .into_iter()
            .map(Entry::try_from)
            .collect()
    }

    /// Events matching `filter` restricted to `namespaces` (the developer
    /// role): the scope is intersected with any namespace filter given.
    pub async fn query_scoped(
        &self,
        filter: &Filter,
        namespaces: &[String],
    ) -> Result<Vec<Entry>, AuditError> {
        let mut scoped = filter.clone();
        scoped.namespaces = Some(namespaces.to_vec());
        self.query(&scoped).await
    }

    /// The admissions and scans matching `filter`, grouped and counted in
    /// the database (see [`Store::summarise`]); `namespaces` restricts as
    /// in [`Reader::query_scoped`] (`None`: every namespace).
    pub async fn summarise(
        &self,
        filter: &Filter,
        namespaces: Option<&[String]>,
    ) -> Result<Vec<SummaryGroup>, AuditError> {
        let mut scoped = filter.clone();
        if let Some(namespaces) = namespaces {
            scoped.namespaces = Some(namespaces.to_vec());
        }
        self.store.summarise(&scoped).await
    }

    pub fn store(&self) -> &S {
        &self.store
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Bytes of a hex string, or `None` when it is not hex.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
