//! The hash chain: each event's hash covers its chain, its sequence number,
//! its predecessor's hash and its canonical JSON, so changing, removing or
//! moving any event breaks the link to the next one.
//!
//! There is one chain per writer (a webhook replica, `palisade scan`), named
//! by [`crate::WriterOptions::chain`]. Appends lock the chain's head row (a
//! `SELECT ... FOR UPDATE` in PostgreSQL, `BEGIN IMMEDIATE` in SQLite), so
//! two processes that share a chain name still produce one valid chain;
//! separate names only avoid waiting for each other. `verify` walks every
//! chain it finds.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::event::{Event, Tally};

/// The predecessor hash of a chain's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain separation: a hash of something else can never pass for a link.
const LINK_PREFIX: &[u8] = b"palisade-audit-event-v1\n";

/// The hash of one link, as lowercase hex. Chain names hold no newline
/// (checked by [`valid_chain_name`]) and the JSON comes last, so the input
/// is unambiguous.
pub fn link_hash(chain: &str, seq: i64, prev_hash: &str, event_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(LINK_PREFIX);
    h.update(chain.as_bytes());
    h.update(b"\n");
    h.update(seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(event_json.as_bytes());
    crate::hex(&h.finalize())
}

/// Chain names: 1 to 128 characters of letters, digits, `.`, `-`, `_`, `:`,
/// `@` (pod names, host names, `scan`).
pub fn valid_chain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '@'))
}

/// An event as stored: the indexed columns (copies of event fields, used by
/// queries) next to the canonical JSON the hash covers. `verify` checks that
/// both agree, so editing a column is caught as surely as editing the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub chain: String,
    pub seq: i64,
    pub time_ms: i64,
    pub source: String,
    pub user: Option<String>,
    pub operation: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub decision: String,
    pub controls: String,
    /// What summaries count (the `failing`, `waived`, `dry_run` and
    /// `endpoint` columns).
    pub tally: Tally,
    pub event_json: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Row {
    /// Builds the row for `event` at `seq` after `prev_hash`.
    pub fn new(chain: &str, seq: i64, prev_hash: &str, event: &Event) -> serde_json::Result<Row> {
        let mut row = Row::unlinked(chain, event)?;
        row.link(seq, prev_hash);
        Ok(row)
    }

    /// The row without its place in the chain: serialised before the
    /// store's transaction (the costly part), linked inside it once the
    /// head is known.
    pub fn unlinked(chain: &str, event: &Event) -> serde_json::Result<Row> {
        Ok(Row {
            chain: chain.to_owned(),
            seq: 0,
            time_ms: event.time.as_millis(),
            source: event.source.kind().as_str().to_owned(),
            user: event.source.user().map(str::to_owned),
            operation: event.source.operation().map(str::to_owned),
            kind: event.resource.kind.clone(),
            namespace: event.resource.namespace.clone(),
            name: event.resource.name.clone(),
            decision: event.decision.as_str().to_owned(),
            controls: event.controls_column(),
            tally: event.tally(),
            event_json: event.canonical_json()?,
            prev_hash: String::new(),
            hash: String::new(),
        })
    }

    /// Places the row at `seq` after `prev_hash` and computes its hash.
    pub fn link(&mut self, seq: i64, prev_hash: &str) {
        self.seq = seq;
        prev_hash.clone_into(&mut self.prev_hash);
        self.hash = link_hash(&self.chain, seq, prev_hash, &self.event_json);
    }

    /// The event, parsed from its JSON.
    pub fn event(&self) -> serde_json::Result<Event> {
        serde_json::from_str(&self.event_json)
    }

    /// The hash this row should carry.
    pub fn computed_hash(&self) -> String {
        link_hash(&self.chain, self.seq, &self.prev_hash, &self.event_json)
    }

    /// The first indexed column that disagrees with the event's JSON, as
    /// (column, stored value, value in the event).
    pub fn column_mismatch(&self, event: &Event) -> Option<(&'static str, String, String)> {
        // Built from the event directly: verification reads every row, and
        // serialising each event again only to compare columns doubled its cost.
        let show = |v: Option<&str>| v.unwrap_or("NULL").to_owned();
        let pairs = [
            (
                "time_ms",
                self.time_ms.to_string(),
                event.time.as_millis().to_string(),
            ),
            (
                "source",
                self.source.clone(),
                event.source.kind().as_str().to_owned(),
            ),
            (
                "user_name",
                show(self.user.as_deref()),
                show(event.source.user()),
            ),
            (
                "operation",
                show(self.operation.as_deref()),
                show(event.source.operation()),
            ),
            ("kind", self.kind.clone(), event.resource.kind.clone()),
            (
                "namespace",
                show(self.namespace.as_deref()),
                show(event.resource.namespace.as_deref()),
            ),
            (
                "name",
                show(self.name.as_deref()),
                show(event.resource.name.as_deref()),
            ),
            (
                "decision",
                self.decision.clone(),
                event.decision.as_str().to_owned(),
            ),
            ("controls", self.controls.clone(), event.controls_column()),
        ];
        let tally = event.tally();
        let tallied = [
            ("failing", self.tally.failing.clone(), tally.failing),
            ("waived", self.tally.waived.clone(), tally.waived),
            (
                "dry_run",
                self.tally.dry_run.to_string(),
                tally.dry_run.to_string(),
            ),
            (
                "endpoint",
                show(self.tally.endpoint.as_deref()),
                show(tally.endpoint.as_deref()),
            ),
        ];
        pairs
            .into_iter()
            .chain(tallied)
            .find(|(_, stored, wanted)| stored != wanted)
    }
}

/// Where a chain stands: its last sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// What an append returns for each event: where it landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appended {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}
