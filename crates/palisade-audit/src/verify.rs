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
//!
//! Someone who can write to the database can write checkpoints too, so
//! once keys are pinned ([`PinnedKeys`]) only checkpoints whose signature
//! verifies with a pinned key count: a head checkpoint needs a checkpoint
//! (or retention) key, a prune checkpoint a retention key. Every other
//! checkpoint is a problem and anchors nothing, so a forged prune leaves
//! the deleted events reported as removed. Every chain present in any table
//! is walked, and a chain missing from a signed chain list older than its
//! events is reported as inserted. See `docs/audit-verification.md` for
//! what each mode proves.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::chain::{GENESIS, Row, link_hash};
use crate::checkpoint::{Checkpoint, CheckpointKind, Trust};
use crate::keys::{PinnedKeys, Signer};
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
    /// Events of a chain that has no recorded head (rows inserted behind
    /// the writer's back).
    NoHead { chain: String, last_seq: i64 },
    /// With pinned keys: a checkpoint that no pinned key signed. It anchors
    /// nothing.
    UntrustedCheckpoint {
        chain: String,
        seq: i64,
        kind: CheckpointKind,
        checkpoint_time: Timestamp,
        why: Untrusted,
    },
    /// A chain absent from a signed chain list, with events dated at or
    /// before that list: inserted, with back-dated events.
    UnknownChain {
        chain: String,
        first_time: Timestamp,
        listed_at: Timestamp,
    },
    /// A chain named by a signed chain list has nothing left at all.
    ChainRemoved { chain: String, listed_at: Timestamp },
    /// A trusted prune deleted events younger than the minimum retention.
    RetentionTooShort {
        chain: String,
        seq: i64,
        checkpoint_time: Timestamp,
        /// The newest deleted event's time, when the checkpoint says.
        pruned_until: Option<Timestamp>,
        min_retention_ms: i64,
    },
    /// `--require-checkpoint`: no trusted checkpoint of this chain was given
    /// from outside the database.
    NoExternalCheckpoint { chain: String },
}

/// Why a checkpoint is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Untrusted {
    Unsigned,
    /// Signed by a key that is not pinned (the ID it claims).
    OtherKey {
        key_id: Option<String>,
    },
    /// A prune checkpoint signed by a checkpoint key: only a retention key
    /// may excuse deleted events.
    PruneByCheckpointKey {
        key_id: String,
    },
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Untrusted::Unsigned => f.write_str("it is unsigned"),
            Untrusted::OtherKey { key_id } => write!(
                f,
                "it is signed by key {}, which is not pinned",
                key_id.as_deref().unwrap_or("(none named)")
            ),
            Untrusted::PruneByCheckpointKey { key_id } => write!(
                f,
                "it deletes events but is signed by checkpoint key {key_id}, not by a pinned retention key (--retention-public-key)"
            ),
        }
    }
}

/// `90d`, `36h`, `45m` or `10s` for a number of milliseconds.
fn duration_text(ms: i64) -> String {
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)] {
        if ms % size == 0 && ms >= size {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{}s", ms / 1000)
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
            Problem::NoHead { chain, last_seq } => write!(
                f,
                "{chain}: inserted: events up to #{last_seq} belong to a chain no writer recorded (no chain head)"
            ),
            Problem::UntrustedCheckpoint {
                chain,
                seq,
                kind,
                checkpoint_time,
                why,
            } => write!(
                f,
                "{chain}#{seq}: untrusted {} checkpoint of {checkpoint_time}: {why}; it anchors nothing",
                kind.as_str()
            ),
            Problem::UnknownChain {
                chain,
                first_time,
                listed_at,
            } => write!(
                f,
                "{chain}: inserted: this chain is not in the signed chain list of {listed_at}, yet has events dated from {first_time} (a chain added behind the writers' back)"
            ),
            Problem::ChainRemoved { chain, listed_at } => write!(
                f,
                "{chain}: removed: the signed chain list of {listed_at} names this chain, and nothing of it is left"
            ),
            Problem::RetentionTooShort {
                chain,
                seq,
                checkpoint_time,
                pruned_until,
                min_retention_ms,
            } => match pruned_until {
                Some(until) => write!(
                    f,
                    "{chain}#{seq}: pruned too early: the prune of {checkpoint_time} deleted events up to {until}, younger than the minimum retention of {}",
                    duration_text(*min_retention_ms)
                ),
                None => write!(
                    f,
                    "{chain}#{seq}: the prune of {checkpoint_time} does not say how old the deleted events were, so the minimum retention of {} cannot be shown",
                    duration_text(*min_retention_ms)
                ),
            },
            Problem::NoExternalCheckpoint { chain } => write!(
                f,
                "{chain}: no trusted checkpoint from outside the database covers this chain (--require-checkpoint)"
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
    /// The oldest event's time.
    pub first_time: Option<Timestamp>,
    pub events: u64,
    /// Sequence numbers removed by retention, anchored by a prune checkpoint.
    pub pruned_through: Option<i64>,
    pub checkpoints: u64,
    /// Checkpoints whose signature verifies with a pinned key.
    pub signed_valid: u64,
    /// Signed checkpoints whose signature was not checked (no key pinned).
    pub signatures_unchecked: u64,
    /// Signed by a key that is not pinned (or forged).
    pub other_key: u64,
    pub unsigned: u64,
    /// Trusted checkpoints given from outside the database.
    pub external: u64,
    /// The newest trusted checkpoint's sequence number and time: events
    /// after it are only protected by the chain until the next checkpoint.
    pub latest_checkpoint_seq: Option<i64>,
    pub latest_checkpoint_time: Option<Timestamp>,
    /// The same for checkpoints from outside the database, which survive
    /// someone who rewrites the database.
    pub latest_external_seq: Option<i64>,
    pub latest_external_time: Option<Timestamp>,
    /// Whether the newest signed chain list names this chain (`None`: no
    /// chain list was signed).
    pub listed: Option<bool>,
}

/// Everything `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Whether checkpoint signatures were checked against pinned keys.
    pub pinned: bool,
    pub chains: Vec<ChainSummary>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What to check against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The public keys trusted to sign checkpoints. None pinned: every
    /// checkpoint is used and nothing is proven against a forger.
    pub keys: PinnedKeys,
    /// Checkpoints kept outside the database (`checkpoint --out`, bundles),
    /// checked like stored ones; these survive an attacker who deletes rows.
    pub extra_checkpoints: Vec<Checkpoint>,
    /// Every chain must be covered by a trusted checkpoint from
    /// `extra_checkpoints`.
    pub require_external: bool,
    /// A trusted prune must not have deleted events younger than this many
    /// milliseconds at the time of the prune.
    pub min_retention_ms: Option<i64>,
    /// Stop listing problems of a chain after this many (0: no limit).
    pub max_problems_per_chain: usize,
}

/// A checkpoint with where it came from and how far it is trusted.
struct Judged {
    checkpoint: Checkpoint,
    external: bool,
    trust: Trust,
}

impl Judged {
    fn anchors(&self) -> bool {
        self.checkpoint.anchors(&self.trust)
    }
}

/// Verifies every chain in `store`.
pub async fn verify<S: Store>(
    store: &S,
    options: &VerifyOptions,
) -> Result<VerifyReport, AuditError> {
    let heads = store.chains().await?;
    let mut judged: Vec<Judged> = Vec::new();
    let stored = store
        .checkpoints(None)
        .await?
        .into_iter()
        .map(|c| (c, false));
    let external = options.extra_checkpoints.iter().cloned().map(|c| (c, true));
    for (checkpoint, is_external) in stored.chain(external) {
        // A checkpoint kept both in the database and in a file counts once,
        // as kept outside.
        if let Some(seen) = judged.iter_mut().find(|j| j.checkpoint == checkpoint) {
            seen.external |= is_external;
            continue;
        }
        let trust = checkpoint.trust(&options.keys);
        judged.push(Judged {
            checkpoint,
            external: is_external,
            trust,
        });
    }
    // Signed chain lists: (time, names), from trusted checkpoints only.
    let lists: Vec<(Timestamp, &[String])> = judged
        .iter()
        .filter(|j| j.anchors())
        .filter_map(|j| Some((j.checkpoint.body.time, j.checkpoint.body.chains.as_deref()?)))
        .collect();

    let mut names: Vec<String> = store.chain_names().await?;
    names.extend(heads.iter().map(|h| h.chain.clone()));
    names.extend(judged.iter().map(|j| j.checkpoint.body.chain.clone()));
    names.extend(lists.iter().flat_map(|(_, l)| l.iter().cloned()));
    names.sort();
    names.dedup();

    let mut report = VerifyReport {
        pinned: options.keys.is_pinned(),
        ..VerifyReport::default()
    };
    for chain in names {
        let checkpoints: Vec<&Judged> = judged
            .iter()
            .filter(|j| j.checkpoint.body.chain == chain)
            .collect();
        let head_seq = heads.iter().find(|h| h.chain == chain).map(|h| h.seq);
        let (mut summary, mut problems) =
            verify_chain(store, &chain, head_seq, &checkpoints, options).await?;
        membership(&mut summary, head_seq, &lists, &mut problems);
        if options.require_external && summary.latest_external_seq.is_none() {
            problems.push(Problem::NoExternalCheckpoint {
                chain: chain.clone(),
            });
        }
        if options.max_problems_per_chain > 0 {
            problems.truncate(options.max_problems_per_chain);
        }
        report.chains.push(summary);
        report.problems.extend(problems);
    }
    Ok(report)
}

/// Checks a chain against the signed chain lists: a list older than the
/// chain's first event that does not name it is fine (the chain is newer);
/// one dated at or after that event means the chain was slipped in.
fn membership(
    summary: &mut ChainSummary,
    head_seq: Option<i64>,
    lists: &[(Timestamp, &[String])],
    problems: &mut Vec<Problem>,
) {
    let named = |names: &[String]| names.contains(&summary.chain);
    if let Some((_, newest)) = lists.iter().max_by_key(|(time, _)| *time) {
        summary.listed = Some(named(newest));
    }
    if let Some(first_time) = summary.first_time
        && let Some(listed_at) = lists
            .iter()
            .filter(|(time, names)| *time >= first_time && !named(names))
            .map(|(time, _)| *time)
            .max()
    {
        problems.push(Problem::UnknownChain {
            chain: summary.chain.clone(),
            first_time,
            listed_at,
        });
    }
    let nothing_left = summary.events == 0
        && head_seq.is_none()
        && summary.checkpoints == 0
        && problems.is_empty();
    if nothing_left
        && let Some(listed_at) = lists
            .iter()
            .filter(|(_, names)| named(names))
            .map(|(time, _)| *time)
            .max()
    {
        problems.push(Problem::ChainRemoved {
            chain: summary.chain.clone(),
            listed_at,
        });
    }
}

/// Counts `checkpoint` in the summary and says whether it anchors; an
/// untrusted one becomes a problem when keys are pinned.
fn judge(summary: &mut ChainSummary, judged: &Judged, problems: &mut Vec<Problem>) -> bool {
    let cp = &judged.checkpoint;
    summary.checkpoints += 1;
    let why = match &judged.trust {
        Trust::Unchecked => {
            if cp.signature.is_some() {
                summary.signatures_unchecked += 1;
            } else {
                summary.unsigned += 1;
            }
            None
        }
        Trust::Signed(signer) => {
            summary.signed_valid += 1;
            match signer {
                Signer::Checkpoint(id) if cp.body.kind == CheckpointKind::Prune => {
                    Some(Untrusted::PruneByCheckpointKey { key_id: id.clone() })
                }
                _ => None,
            }
        }
        Trust::Unsigned => {
            summary.unsigned += 1;
            Some(Untrusted::Unsigned)
        }
        Trust::OtherKey(key_id) => {
            summary.other_key += 1;
            Some(Untrusted::OtherKey {
                key_id: key_id.clone(),
            })
        }
        Trust::Invalid => {
            summary.other_key += 1;
            problems.push(Problem::BadSignature {
                chain: summary.chain.clone(),
                seq: cp.body.seq,
                checkpoint_time: cp.body.time,
            });
            return false;
        }
    };
    if let Some(why) = why {
        problems.push(Problem::UntrustedCheckpoint {
            chain: summary.chain.clone(),
            seq: cp.body.seq,
            kind: cp.body.kind,
            checkpoint_time: cp.body.time,
            why,
        });
        return false;
    }
    judged.anchors()
}

async fn verify_chain<S: Store>(
    store: &S,
    chain: &str,
    head_seq: Option<i64>,
    checkpoints: &[&Judged],
    options: &VerifyOptions,
) -> Result<(ChainSummary, Vec<Problem>), AuditError> {
    let mut summary = ChainSummary {
        chain: chain.to_owned(),
        ..ChainSummary::default()
    };
    let mut problems = Vec::new();

    // Signatures first: a checkpoint no pinned key signed is reported and
    // then ignored, so a forged one cannot excuse a removal.
    let mut trusted: Vec<&Checkpoint> = Vec::new();
    for judged in checkpoints {
        if judge(&mut summary, judged, &mut problems) {
            trusted.push(&judged.checkpoint);
            if judged.external {
                summary.external += 1;
                let cp = &judged.checkpoint.body;
                if summary.latest_external_seq.is_none_or(|s| s < cp.seq) {
                    summary.latest_external_seq = Some(cp.seq);
                    summary.latest_external_time = Some(cp.time);
                }
            }
        }
    }
    if let Some(latest) = trusted.iter().max_by_key(|c| (c.body.seq, c.body.time)) {
        summary.latest_checkpoint_seq = Some(latest.body.seq);
        summary.latest_checkpoint_time = Some(latest.body.time);
    }

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
    if let Some(min) = options.min_retention_ms {
        for p in trusted
            .iter()
            .filter(|c| c.body.kind == CheckpointKind::Prune)
        {
            let pruned_until = p.body.pruned.as_ref().and_then(|r| r.last_time);
            let old_enough =
                pruned_until.is_some_and(|until| until <= p.body.time.minus_millis(min));
            if !old_enough {
                problems.push(Problem::RetentionTooShort {
                    chain: chain.to_owned(),
                    seq: p.body.seq,
                    checkpoint_time: p.body.time,
                    pruned_until,
                    min_retention_ms: min,
                });
            }
        }
    }

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
            let time = Timestamp::from_millis(row.time_ms);
            if summary.first_time.is_none_or(|t| time < t) {
                summary.first_time = Some(time);
            }
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
    match head_seq {
        Some(head) if head != last_seq => problems.push(Problem::HeadMismatch {
            chain: chain.to_owned(),
            head_seq: head,
            last_seq,
        }),
        None if summary.events > 0 => problems.push(Problem::NoHead {
            chain: chain.to_owned(),
            last_seq,
        }),
        _ => {}
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
        Problem::UntrustedCheckpoint { seq, .. } | Problem::RetentionTooShort { seq, .. } => *seq,
        Problem::Truncated { last_seq, .. }
        | Problem::HeadMismatch { last_seq, .. }
        | Problem::NoHead { last_seq, .. } => last_seq + 1,
        Problem::UnknownChain { .. }
        | Problem::ChainRemoved { .. }
        | Problem::NoExternalCheckpoint { .. } => i64::MAX,
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
