//! `palisade audit verify`: walk every chain and name what was altered,
//! removed or reordered.
//!
//! For each event, in sequence order:
//! 1. a gap in sequence numbers means events were removed;
//! 2. the stored hash must be the hash of (chain, seq, predecessor hash,
//!    JSON); when it is not, the JSON is hashed again under nearby
//!    sequence numbers: a match means the event was moved (rows reordered
//!    or renumbered), no match means its content was altered;
//! 3. the predecessor hash must be the previous event's hash: when the
//!    event itself is intact but names another predecessor, the previous
//!    event was replaced or altered and re-hashed;
//! 4. the indexed columns must agree with the JSON.
//!
//! Then checkpoints: each must match the event at its sequence number; one
//! beyond the last event proves the tail was cut off. A `prune` checkpoint
//! anchors the first event kept after retention.

use std::collections::{HashMap, HashSet};
use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::chain::{GENESIS, Row, link_hash};
use crate::checkpoint::{Checkpoint, CheckpointKind, SignatureStatus};
use crate::store::{PAGE, Store};
use crate::{AuditError, Timestamp};

/// How far from its slot a moved event is looked for.
const MOVE_WINDOW: i64 = 1_000;

/// One thing wrong, precisely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum Problem {
    /// The event's content no longer matches its hash.
    Altered { chain: String, seq: i64 },
    /// An indexed column was changed (the JSON still matches its hash).
    ColumnAltered {
        chain: String,
        seq: i64,
        column: String,
        stored: String,
        event: String,
    },
    /// The event at `seq` was written as `written_as`: rows were reordered,
    /// or renumbered after a removal.
    Moved {
        chain: String,
        seq: i64,
        written_as: i64,
    },
    /// Sequence numbers `from..=to` are missing.
    Removed { chain: String, from: i64, to: i64 },
    /// The event at `seq` is intact but names another predecessor: the
    /// event before it was replaced, or altered and re-hashed.
    PredecessorReplaced { chain: String, seq: i64 },
    /// The event is not valid JSON at all.
    Unreadable { chain: String, seq: i64 },
    /// A checkpoint names an event beyond the last one: the tail was cut.
    Truncated {
        chain: String,
        last_seq: i64,
        checkpoint_seq: i64,
        checkpoint_time: Timestamp,
    },
    /// The event at a checkpoint's sequence number has another hash: an
    /// event at or before it was altered and the chain re-hashed.
    CheckpointMismatch {
        chain: String,
        seq: i64,
        checkpoint_time: Timestamp,
    },
    /// A checkpoint's signature does not verify with the given key.
    BadSignature {
        chain: String,
        seq: i64,
        checkpoint_time: Timestamp,
    },
    /// The chain's recorded head and its last event disagree.
    HeadMismatch {
        chain: String,
        head_seq: i64,
        last_seq: i64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Altered { chain, seq } => write!(
                f,
                "{chain}#{seq}: altered: the event's content does not match its hash"
            ),
            Problem::ColumnAltered {
                chain,
                seq,
                column,
                stored,
                event,
            } => write!(
                f,
                "{chain}#{seq}: altered: column `{column}` is `{stored}` but the hashed event says `{event}`"
            ),
            Problem::Moved {
                chain,
                seq,
                written_as,
            } => write!(
                f,
                "{chain}#{seq}: reordered: this event was written as #{written_as} (rows reordered, or renumbered after a removal)"
            ),
            Problem::Removed { chain, from, to } if from == to => {
                write!(f, "{chain}#{from}: removed: the event is missing")
            }
            Problem::Removed { chain, from, to } => {
                write!(
                    f,
                    "{chain}#{from}..#{to}: removed: {} events are missing",
                    to - from + 1
                )
            }
            Problem::PredecessorReplaced { chain, seq } => write!(
                f,
                "{chain}#{}: replaced: #{seq} is intact but links to another predecessor, so #{} was altered and re-hashed or substituted",
                seq - 1,
                seq - 1
            ),
            Problem::Unreadable { chain, seq } => {
                write!(
                    f,
                    "{chain}#{seq}: altered: the stored event is not valid JSON"
                )
            }
            Problem::Truncated {
                chain,
                last_seq,
                checkpoint_seq,
                checkpoint_time,
            } => write!(
                f,
                "{chain}#{}: removed: the log ends at #{last_seq} but a checkpoint of {checkpoint_time} covers #{checkpoint_seq} (tail truncated)",
                last_seq + 1
            ),
            Problem::CheckpointMismatch {
                chain,
                seq,
                checkpoint_time,
            } => write!(
                f,
                "{chain}#{seq}: altered: the checkpoint of {checkpoint_time} recorded another hash for it (an event up to #{seq} was changed and the chain re-hashed)"
            ),
            Problem::BadSignature {
                chain,
                seq,
                checkpoint_time,
            } => write!(
                f,
                "{chain}#{seq}: the checkpoint of {checkpoint_time} has a signature that does not verify with the given key (forged or altered checkpoint)"
            ),
            Problem::HeadMismatch {
                chain,
                head_seq,
                last_seq,
            } => write!(
                f,
                "{chain}: the recorded chain head is #{head_seq} but the last event is #{last_seq}"
            ),
        }
    }
}

/// The outcome for one chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChainSummary {
    pub chain: String,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub events: u64,
    /// Sequence numbers removed by retention, anchored by a prune checkpoint.
    pub pruned_through: Option<i64>,
    pub checkpoints: u64,
    pub signed_valid: u64,
    /// Signed checkpoints whose key was not given (or by another key).
    pub signatures_unchecked: u64,
    pub unsigned: u64,
    /// The newest checkpoint's sequence number: events after it are only
    /// protected by the chain until the next checkpoint.
    pub latest_checkpoint_seq: Option<i64>,
}

/// Everything `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub chains: Vec<ChainSummary>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What to check against.
#[derive(Default)]
pub struct VerifyOptions {
    /// The checkpoint signer's public key; without it signatures are not
    /// checked (and a forged checkpoint would pass).
    pub public_key: Option<VerifyingKey>,
    /// Checkpoints kept outside the database (`checkpoint --out`), checked
    /// like stored ones; these survive an attacker who deletes rows.
    pub extra_checkpoints: Vec<Checkpoint>,
    /// Stop listing problems of a chain after this many (0: no limit).
    pub max_problems_per_chain: usize,
}

/// Verifies every chain in `store`.
pub async fn verify<S: Store>(
    store: &S,
    options: &VerifyOptions,
) -> Result<VerifyReport, AuditError> {
    let heads = store.chains().await?;
    let stored = store.checkpoints(None).await?;
    let mut by_chain: HashMap<String, Vec<Checkpoint>> = HashMap::new();
    for cp in stored
        .into_iter()
        .chain(options.extra_checkpoints.iter().cloned())
    {
        // A checkpoint kept both in the database and in a file counts once.
        let list = by_chain.entry(cp.body.chain.clone()).or_default();
        if !list.contains(&cp) {
            list.push(cp);
        }
    }
    let mut report = VerifyReport::default();
    let mut names: Vec<String> = heads.iter().map(|h| h.chain.clone()).collect();
    // A checkpoint of a chain whose rows and head are all gone still counts.
    for chain in by_chain.keys() {
        if !names.contains(chain) {
            names.push(chain.clone());
        }
    }
    names.sort();
    for chain in names {
        let checkpoints = by_chain.remove(&chain).unwrap_or_default();
        let head_seq = heads.iter().find(|h| h.chain == chain).map(|h| h.seq);
        let (summary, problems) =
            verify_chain(store, &chain, head_seq, &checkpoints, options).await?;
        report.chains.push(summary);
        report.problems.extend(problems);
    }
    Ok(report)
}

async fn verify_chain<S: Store>(
    store: &S,
    chain: &str,
    head_seq: Option<i64>,
    checkpoints: &[Checkpoint],
    options: &VerifyOptions,
) -> Result<(ChainSummary, Vec<Problem>), AuditError> {
    let mut summary = ChainSummary {
        chain: chain.to_owned(),
        ..ChainSummary::default()
    };
    let mut problems = Vec::new();

    // Signatures first: a checkpoint that fails its signature is reported
    // and then ignored, so a forged one cannot excuse a removal.
    let mut trusted: Vec<&Checkpoint> = Vec::new();
    for cp in checkpoints {
        summary.checkpoints += 1;
        match options.public_key.as_ref().map(|k| cp.signature_status(k)) {
            Some(SignatureStatus::Valid) => {
                summary.signed_valid += 1;
                trusted.push(cp);
            }
            Some(SignatureStatus::Invalid) => problems.push(Problem::BadSignature {
                chain: chain.to_owned(),
                seq: cp.body.seq,
                checkpoint_time: cp.body.time,
            }),
            Some(SignatureStatus::Unsigned) => {
                summary.unsigned += 1;
                trusted.push(cp);
            }
            Some(SignatureStatus::OtherKey) | None => {
                if cp.signature.is_some() {
                    summary.signatures_unchecked += 1;
                } else {
                    summary.unsigned += 1;
                }
                trusted.push(cp);
            }
        }
    }
    summary.latest_checkpoint_seq = trusted.iter().map(|c| c.body.seq).max();

    // Retention: the newest prune checkpoint is where the chain now starts.
    let prune = trusted
        .iter()
        .filter(|c| c.body.kind == CheckpointKind::Prune)
        .max_by_key(|c| c.body.seq);
    let (mut expected_seq, mut expected_prev) = match prune {
        Some(p) => {
            summary.pruned_through = Some(p.body.seq);
            (p.body.seq + 1, p.body.hash.clone())
        }
        None => (1, GENESIS.to_owned()),
    };

    let wanted: HashMap<i64, Vec<&Checkpoint>> =
        trusted.iter().fold(HashMap::new(), |mut m, cp| {
            m.entry(cp.body.seq).or_default().push(*cp);
            m
        });
    let mut seen_hash: HashMap<i64, String> = HashMap::new();
    // Events already reported: a checkpoint over them adds nothing.
    let mut flagged: HashSet<i64> = HashSet::new();

    let mut after = i64::MIN;
    loop {
        let rows = store.rows(chain, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in &rows {
            summary.events += 1;
            summary.first_seq.get_or_insert(row.seq);
            summary.last_seq = Some(row.seq);
            if wanted.contains_key(&row.seq) {
                seen_hash.insert(row.seq, row.hash.clone());
            }
            let before = problems.len();
            check_row(row, expected_seq, &expected_prev, &mut problems);
            if problems.len() > before {
                flagged.insert(row.seq);
            }
            expected_seq = row.seq + 1;
            expected_prev.clone_from(&row.hash);
        }
    }

    let last_seq = summary.last_seq.or(summary.pruned_through).unwrap_or(0);
    if let Some(head) = head_seq
        && head != last_seq
    {
        problems.push(Problem::HeadMismatch {
            chain: chain.to_owned(),
            head_seq: head,
            last_seq,
        });
    }
    let first_kept = summary.first_seq.unwrap_or(last_seq + 1);
    for cp in &trusted {
        let seq = cp.body.seq;
        if seq > last_seq {
            problems.push(Problem::Truncated {
                chain: chain.to_owned(),
                last_seq,
                checkpoint_seq: seq,
                checkpoint_time: cp.body.time,
            });
        } else if seq >= first_kept
            && !flagged.contains(&seq)
            && let Some(hash) = seen_hash.get(&seq)
            && *hash != cp.body.hash
        {
            problems.push(Problem::CheckpointMismatch {
                chain: chain.to_owned(),
                seq,
                checkpoint_time: cp.body.time,
            });
        }
        // Checkpoints before the first kept event were covered by pruning
        // (or the events are missing, which the walk reported).
    }
    problems.sort_by_key(problem_position);
    problems.dedup();
    if options.max_problems_per_chain > 0 {
        problems.truncate(options.max_problems_per_chain);
    }
    Ok((summary, problems))
}

/// Problems in chain order, so the first listed is the first event touched.
fn problem_position(p: &Problem) -> i64 {
    match p {
        Problem::Altered { seq, .. }
        | Problem::ColumnAltered { seq, .. }
        | Problem::Moved { seq, .. }
        | Problem::Unreadable { seq, .. }
        | Problem::CheckpointMismatch { seq, .. }
        | Problem::BadSignature { seq, .. } => *seq,
        Problem::PredecessorReplaced { seq, .. } => seq - 1,
        Problem::Removed { from, .. } => *from,
        Problem::Truncated { last_seq, .. } => last_seq + 1,
        Problem::HeadMismatch { last_seq, .. } => last_seq + 1,
    }
}

fn check_row(row: &Row, expected_seq: i64, expected_prev: &str, problems: &mut Vec<Problem>) {
    let chain = row.chain.clone();
    let gap = row.seq > expected_seq;
    if gap {
        problems.push(Problem::Removed {
            chain: chain.clone(),
            from: expected_seq,
            to: row.seq - 1,
        });
    }
    let intact = row.computed_hash() == row.hash;
    if !intact {
        match written_as(row) {
            Some(original) => problems.push(Problem::Moved {
                chain: chain.clone(),
                seq: row.seq,
                written_as: original,
            }),
            None => problems.push(Problem::Altered {
                chain: chain.clone(),
                seq: row.seq,
            }),
        }
    } else if !gap && row.prev_hash != expected_prev {
        problems.push(Problem::PredecessorReplaced {
            chain: chain.clone(),
            seq: row.seq,
        });
    }
    // Columns are compared with the JSON only when the JSON is the one that
    // was hashed: an altered event is reported once, not once per column.
    match row.event() {
        Ok(event) if intact => {
            if let Some((column, stored, wanted)) = row.column_mismatch(&event) {
                problems.push(Problem::ColumnAltered {
                    chain,
                    seq: row.seq,
                    column: column.to_owned(),
                    stored,
                    event: wanted,
                });
            }
        }
        Ok(_) => {}
        Err(_) if intact => problems.push(Problem::Unreadable {
            chain,
            seq: row.seq,
        }),
        Err(_) => {}
    }
}

/// The sequence number under which this row's content hashes to its stored
/// hash, when that is not its current one.
fn written_as(row: &Row) -> Option<i64> {
    let low = (row.seq - MOVE_WINDOW).max(1);
    let high = row.seq + MOVE_WINDOW;
    (low..=high)
        .filter(|s| *s != row.seq)
        .find(|s| link_hash(&row.chain, *s, &row.prev_hash, &row.event_json) == row.hash)
}
