//! Retention: delete a chain's oldest events and leave a signed `prune`
//! checkpoint that names the last deleted event's hash, so the first event
//! kept still links to something `verify` can check.
//!
//! Only a prefix of a chain is ever deleted (by age: up to the first event
//! at or after the cutoff), so what remains stays one unbroken chain.

use ed25519_dalek::SigningKey;
use serde::Serialize;

use crate::chain::Row;
use crate::checkpoint::{Checkpoint, CheckpointBody, CheckpointKind, PrunedRange};
use crate::store::{PAGE, Store};
use crate::{AuditError, Timestamp};

/// What to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Events younger than this many days (by event time).
    Days(u32),
    /// The newest N events of each chain.
    Last(u64),
}

/// What was pruned from one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pruned {
    pub chain: String,
    pub from_seq: i64,
    pub to_seq: i64,
    pub deleted: u64,
}

/// Prunes every chain as `keep` says, each with a prune checkpoint signed
/// by `key`. Chains with nothing to prune are left alone.
pub async fn prune<S: Store>(
    store: &S,
    keep: Keep,
    key: &SigningKey,
    now: Timestamp,
) -> Result<Vec<Pruned>, AuditError> {
    let mut out = Vec::new();
    for head in store.chains().await? {
        let Some((first, last)) = prefix_to_prune(store, &head.chain, head.seq, keep, now).await?
        else {
            continue;
        };
        let body = CheckpointBody {
            kind: CheckpointKind::Prune,
            chain: head.chain.clone(),
            seq: last.seq,
            hash: last.hash.clone(),
            time: now,
            pruned: Some(PrunedRange {
                from_seq: first.seq,
                to_seq: last.seq,
                count: last.seq - first.seq + 1,
                last_time: Some(Timestamp::from_millis(last.time_ms)),
            }),
            chains: None,
        };
        let checkpoint = Checkpoint::signed(body, Some(key));
        let deleted = store.prune(&checkpoint).await?;
        out.push(Pruned {
            chain: head.chain,
            from_seq: first.seq,
            to_seq: last.seq,
            deleted,
        });
    }
    Ok(out)
}

/// The first and last rows of the prefix to delete, if any.
async fn prefix_to_prune<S: Store>(
    store: &S,
    chain: &str,
    head_seq: i64,
    keep: Keep,
    now: Timestamp,
) -> Result<Option<(Row, Row)>, AuditError> {
    let first_page = store.rows(chain, i64::MIN, 1).await?;
    let Some(first) = first_page.into_iter().next() else {
        return Ok(None);
    };
    match keep {
        Keep::Last(n) => {
            let through = head_seq.saturating_sub(i64::try_from(n).unwrap_or(i64::MAX));
            if through < first.seq {
                return Ok(None);
            }
            let last = store.rows(chain, through - 1, 1).await?.into_iter().next();
            Ok(last.filter(|r| r.seq == through).map(|last| (first, last)))
        }
        Keep::Days(days) => {
            let cutoff = now.minus_millis(i64::from(days) * 86_400_000).as_millis();
            let mut last: Option<Row> = None;
            let mut after = i64::MIN;
            'pages: loop {
                let rows = store.rows(chain, after, PAGE).await?;
                let Some(tail) = rows.last() else { break };
                after = tail.seq;
                for row in rows {
                    if row.time_ms >= cutoff {
                        break 'pages;
                    }
                    last = Some(row);
                }
            }
            Ok(last.map(|last| (first, last)))
        }
    }
}
