//! What the log says of each host's file integrity (`palisade fim`): where
//! a host's baseline is anchored (its newest `fim-baseline` or `fim-accept`
//! event), and, for PCI DSS 11.5.2, whether every host with a baseline was
//! compared recently enough and its latest compare found nothing that was
//! not approved.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::{Decision, Source, SourceKind};
use crate::query::{Cursor, Entry, Filter};
use crate::store::Store;
use crate::{AuditError, Reader, Timestamp};

/// The resource kind of a host's file-integrity events
/// (`FileIntegrity/<host>`).
pub const INTEGRITY_KIND: &str = "FileIntegrity";

/// Events read per page.
const PAGE: u64 = 500;

/// A host's file integrity as the log tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostIntegrity {
    pub host: String,
    /// The digest of the baseline in force, and when it was anchored.
    pub baseline: String,
    pub anchored_at: Timestamp,
    /// The newest compare, if any: when, and its findings not waived.
    pub compared_at: Option<Timestamp>,
    pub unapproved: usize,
    /// `chain#seq` of the newest compare (else of the anchor).
    pub evidence: String,
    pub verdict: IntegrityVerdict,
}

/// Whether a host meets "compared at least every `within`, every change
/// approved".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntegrityVerdict {
    /// Compared within the period, nothing unapproved.
    Pass,
    /// The newest compare found changes nobody approved.
    Changed,
    /// No compare within the period (counted from the baseline when there
    /// was none yet).
    Overdue,
}

impl IntegrityVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrityVerdict::Pass => "pass",
            IntegrityVerdict::Changed => "changed",
            IntegrityVerdict::Overdue => "overdue",
        }
    }
}

fn is_anchor(entry: &Entry) -> bool {
    matches!(&entry.event.source, Source::Node { action, .. }
        if action == "fim-baseline" || action == "fim-accept")
}

fn is_compare(entry: &Entry) -> bool {
    matches!(&entry.event.source, Source::Node { action, .. } if action == "fim-compare")
}

fn node_events(host: Option<&str>) -> Filter {
    Filter {
        source: Some(SourceKind::Node),
        kind: Some(INTEGRITY_KIND.to_owned()),
        name: host.map(str::to_owned),
        newest_first: true,
        limit: Some(PAGE),
        ..Filter::default()
    }
}

impl<S: Store> Reader<S> {
    /// Where the audit log anchors `host`'s file-integrity baseline: its
    /// newest `fim-baseline` or `fim-accept` event (a compare leaves the
    /// anchor as it is). A baseline file whose digest differs from this
    /// event's was replaced or edited outside Palisade.
    pub async fn integrity_anchor(&self, host: &str) -> Result<Option<Entry>, AuditError> {
        let mut filter = node_events(Some(host));
        loop {
            let page = self.query(&filter).await?;
            if let Some(anchor) = page.iter().find(|e| is_anchor(e)) {
                return Ok(Some(anchor.clone()));
            }
            match page.last() {
                Some(last) if page.len() as u64 == PAGE => filter.after = Some(Cursor::of(last)),
                _ => return Ok(None),
            }
        }
    }

    /// Every host with an anchored baseline, judged at `now`: overdue when
    /// its newest compare since the anchor (else the anchor) is older than
    /// `within_ms`, changed when that compare has a finding nobody waived or
    /// approved, or was refused (`denied`: a baseline not as anchored).
    /// Sorted by host.
    pub async fn integrity_status(
        &self,
        now: Timestamp,
        within_ms: i64,
    ) -> Result<Vec<HostIntegrity>, AuditError> {
        // Newest first: each host's first compare and first anchor seen are
        // its newest.
        let mut compares: BTreeMap<String, Entry> = BTreeMap::new();
        let mut anchors: BTreeMap<String, Entry> = BTreeMap::new();
        let mut filter = node_events(None);
        loop {
            let page = self.query(&filter).await?;
            for entry in &page {
                let Source::Node { host, .. } = &entry.event.source else {
                    continue;
                };
                let seen = if is_anchor(entry) {
                    &mut anchors
                } else if is_compare(entry) {
                    &mut compares
                } else {
                    continue;
                };
                seen.entry(host.clone()).or_insert_with(|| entry.clone());
            }
            match page.last() {
                Some(last) if page.len() as u64 == PAGE => filter.after = Some(Cursor::of(last)),
                _ => break,
            }
        }
        let oldest_allowed = now.minus_millis(within_ms);
        Ok(anchors
            .into_iter()
            .map(|(host, anchor)| {
                // An anchor is a node event (`is_anchor`).
                let baseline = match &anchor.event.source {
                    Source::Node { baseline, .. } => baseline.clone(),
                    _ => String::new(),
                };
                // A compare older than the anchor judged a baseline since
                // replaced (an approval, a new baseline): it says nothing of
                // this one.
                let compare = compares
                    .get(&host)
                    .filter(|c| c.event.time >= anchor.event.time);
                let unapproved = compare.map_or(0, |c| {
                    c.event.findings.iter().filter(|f| !f.is_waived()).count()
                });
                let last = compare.map_or(anchor.event.time, |c| c.event.time);
                let changed = compare.is_some_and(|c| {
                    unapproved > 0 || matches!(c.event.decision, Decision::Denied)
                });
                let verdict = if last < oldest_allowed {
                    IntegrityVerdict::Overdue
                } else if changed {
                    IntegrityVerdict::Changed
                } else {
                    IntegrityVerdict::Pass
                };
                let evidence = compare.unwrap_or(&anchor);
                HostIntegrity {
                    host,
                    baseline,
                    anchored_at: anchor.event.time,
                    compared_at: compare.map(|c| c.event.time),
                    unapproved,
                    evidence: format!("{}#{}", evidence.chain, evidence.seq),
                    verdict,
                }
            })
            .collect())
    }
}
