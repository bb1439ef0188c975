//! Evidence bundles: the events of a time range with everything needed to
//! check them offline, signed.
//!
//! ## Wire format (version 1)
//! JSON lines, in this order:
//! 1. `{"type":"header","format":"palisade-audit-bundle","version":1,"created":T,"since":T|null,"until":T|null,"palisade_version":V}`
//! 2. one line per event, chains one after the other, each in sequence
//!    order: `{"type":"event","chain":C,"seq":N,"prev_hash":H,"hash":H,"event":{...}}`
//!    where `event` is the stored canonical JSON byte for byte;
//! 3. `{"type":"checkpoint","checkpoint":{...}}` for each stored checkpoint
//!    of an exported chain that falls in the exported range;
//! 4. `{"type":"proof","chains":[{"chain","first_seq","first_prev_hash","last_seq","last_hash","events"}]}`:
//!    what the events must chain up to;
//! 5. `{"type":"signature","algorithm":"ed25519","key_id":K,"digest":"sha256:...","signature":S}`:
//!    the ed25519 signature of `palisade-audit-bundle-v1\n` followed by the
//!    32 bytes of the SHA-256 of every byte before this line.
//!
//! Each chain's events in a bundle are contiguous (a time range of a chain
//! is a sequence range), so the auditor can check every link; the first
//! event's `prev_hash` ties the range to the events before it: the genesis
//! hash for a chain's first event, or the hash of a checkpoint just before
//! the range (a prune checkpoint after retention), which `verify-bundle`
//! compares. A bundle without `since` claims every event, so each chain
//! must start anchored.
//!
//! [`export`] refuses to sign a log that does not verify: a signature on a
//! bundle cut from a broken log would lend it a credibility it lacks.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::chain::{GENESIS, Row, link_hash};
use crate::checkpoint::{Checkpoint, CheckpointKind, Trust};
use crate::keys::{PinnedKeys, Signer};
use crate::store::{PAGE, Store};
use crate::verify::VerifyOptions;
use crate::{AuditError, Filter, Timestamp, keys};

const FORMAT: &str = "palisade-audit-bundle";
const SIGNED_PREFIX: &[u8] = b"palisade-audit-bundle-v1\n";

/// One chain's range in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainProof {
    pub chain: String,
    pub first_seq: i64,
    pub first_prev_hash: String,
    pub last_seq: i64,
    pub last_hash: String,
    pub events: u64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(rename = "type")]
    kind: String,
    format: String,
    version: u32,
    created: Timestamp,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    palisade_version: String,
}

#[derive(Deserialize)]
struct EventLine<'a> {
    chain: String,
    seq: i64,
    prev_hash: String,
    hash: String,
    #[serde(borrow)]
    event: &'a RawValue,
}

#[derive(Serialize, Deserialize)]
struct CheckpointLine {
    #[serde(rename = "type")]
    kind: String,
    checkpoint: Checkpoint,
}

#[derive(Serialize, Deserialize)]
struct ProofLine {
    #[serde(rename = "type")]
    kind: String,
    chains: Vec<ChainProof>,
}

#[derive(Serialize, Deserialize)]
struct SignatureLine {
    #[serde(rename = "type")]
    kind: String,
    algorithm: String,
    key_id: String,
    digest: String,
    signature: String,
}

#[derive(Deserialize)]
struct Tagged {
    #[serde(rename = "type")]
    kind: String,
}

/// What `export` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub chains: Vec<ChainProof>,
    pub checkpoints: u64,
}

/// A writer that hashes what passes through it.
struct Hashing<W: Write> {
    inner: W,
    digest: Sha256,
}

impl<W: Write> Hashing<W> {
    fn line(&mut self, text: &str) -> std::io::Result<()> {
        self.digest.update(text.as_bytes());
        self.digest.update(b"\n");
        self.inner.write_all(text.as_bytes())?;
        self.inner.write_all(b"\n")
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, AuditError> {
    serde_json::to_string(value).map_err(|e| AuditError::Bundle(e.to_string()))
}

/// [`export_verified`] after a verification that pins no key: it refuses a
/// log whose chains are broken, but cannot tell a forged checkpoint (for
/// the read API, which holds only the checkpoint key).
pub async fn export<S: Store, W: Write>(
    store: &S,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    key: &SigningKey,
    palisade_version: &str,
    out: W,
) -> Result<ExportSummary, AuditError> {
    let options = VerifyOptions::default();
    export_verified(store, &options, since, until, key, palisade_version, out).await
}

/// Verifies the whole log with `verify` and, only when it holds, writes
/// the events with `since <= time <= until` of every chain (each chain's
/// range made contiguous), their checkpoints, the proof and a signature by
/// `key`. Nothing is written when the log does not verify.
pub async fn export_verified<S: Store, W: Write>(
    store: &S,
    verify: &VerifyOptions,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    key: &SigningKey,
    palisade_version: &str,
    out: W,
) -> Result<ExportSummary, AuditError> {
    let report = crate::verify(store, verify).await?;
    if !report.is_ok() {
        return Err(AuditError::Unverified(
            report.problems.iter().map(ToString::to_string).collect(),
        ));
    }
    let mut out = Hashing {
        inner: out,
        digest: Sha256::new(),
    };
    out.line(&json(&Header {
        kind: "header".into(),
        format: FORMAT.into(),
        version: 1,
        created: Timestamp::now(),
        since,
        until,
        palisade_version: palisade_version.into(),
    })?)?;
    let mut proofs = Vec::new();
    for chain in store.chain_names().await? {
        if let Some(proof) = export_chain(store, &chain, since, until, &mut out).await? {
            proofs.push(proof);
        }
    }
    let mut checkpoints = 0;
    for checkpoint in store.checkpoints(None).await? {
        let in_range = proofs.iter().any(|p| {
            p.chain == checkpoint.body.chain
                && checkpoint.body.seq >= p.first_seq - 1
                && checkpoint.body.seq <= p.last_seq
        });
        if in_range {
            checkpoints += 1;
            out.line(&json(&CheckpointLine {
                kind: "checkpoint".into(),
                checkpoint,
            })?)?;
        }
    }
    out.line(&json(&ProofLine {
        kind: "proof".into(),
        chains: proofs.clone(),
    })?)?;
    let digest = out.digest.clone().finalize();
    out.line(&signature_line(&digest, key)?)?;
    out.inner.flush()?;
    Ok(ExportSummary {
        chains: proofs,
        checkpoints,
    })
}

/// The signature line that ends a bundle whose lines hash to `digest`.
fn signature_line(digest: &[u8], key: &SigningKey) -> Result<String, AuditError> {
    let mut message = SIGNED_PREFIX.to_vec();
    message.extend_from_slice(digest);
    json(&SignatureLine {
        kind: "signature".into(),
        algorithm: "ed25519".into(),
        key_id: keys::key_id(&key.verifying_key()),
        digest: format!("sha256:{}", crate::hex(digest)),
        signature: keys::sign(key, &message),
    })
}

/// `lines` as a bundle signed by `key`, as [`export`] ends one: for a
/// bundle edited after export (what tests of `verify_bundle` forge with
/// the real key, to show that the signature alone proves nothing).
pub fn signed(lines: &[String], key: &SigningKey) -> Result<String, AuditError> {
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let digest = Sha256::digest(text.as_bytes());
    text.push_str(&signature_line(&digest, key)?);
    text.push('\n');
    Ok(text)
}

async fn export_chain<S: Store, W: Write>(
    store: &S,
    chain: &str,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    out: &mut Hashing<W>,
) -> Result<Option<ChainProof>, AuditError> {
    // The range starts at the chain's first event at or after `since`.
    let start = store
        .query(&Filter {
            chain: Some(chain.to_owned()),
            since,
            until,
            limit: Some(1),
            ..Filter::default()
        })
        .await?;
    let Some(first) = start.into_iter().next() else {
        return Ok(None);
    };
    let mut proof: Option<ChainProof> = None;
    let mut after = first.seq - 1;
    'pages: loop {
        let rows = store.rows(chain, after, PAGE).await?;
        let Some(tail) = rows.last() else { break };
        after = tail.seq;
        for row in rows {
            if until.is_some_and(|u| row.time_ms > u.as_millis()) {
                break 'pages;
            }
            out.line(&event_line(&row)?)?;
            match &mut proof {
                None => {
                    proof = Some(ChainProof {
                        chain: chain.to_owned(),
                        first_seq: row.seq,
                        first_prev_hash: row.prev_hash.clone(),
                        last_seq: row.seq,
                        last_hash: row.hash.clone(),
                        events: 1,
                    })
                }
                Some(p) => {
                    p.last_seq = row.seq;
                    p.last_hash.clone_from(&row.hash);
                    p.events += 1;
                }
            }
        }
    }
    Ok(proof)
}

/// The event line, with the stored JSON embedded byte for byte.
fn event_line(row: &Row) -> Result<String, AuditError> {
    Ok(format!(
        "{{\"type\":\"event\",\"chain\":{},\"seq\":{},\"prev_hash\":{},\"hash\":{},\"event\":{}}}",
        json(&row.chain)?,
        row.seq,
        json(&row.prev_hash)?,
        json(&row.hash)?,
        row.event_json
    ))
}

/// What `verify-bundle` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BundleReport {
    pub events: u64,
    pub chains: Vec<ChainProof>,
    pub checkpoints: u64,
    /// Checkpoints by kind of signature: valid by a pinned key, unsigned,
    /// by another key (or forged). Only the first kind counts as evidence.
    pub checkpoints_valid: u64,
    pub checkpoints_unsigned: u64,
    pub checkpoints_other_key: u64,
    /// What ties each chain's first event to the events before it.
    pub anchors: Vec<ChainAnchor>,
    pub key_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Each problem names its line.
    pub problems: Vec<String>,
}

impl BundleReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What a chain's range in a bundle starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainAnchor {
    pub chain: String,
    pub anchor: Anchor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// The chain's first event (its predecessor is the genesis hash).
    Genesis,
    /// A checkpoint signed by a pinned key names the first event's
    /// predecessor (after retention: the prune checkpoint).
    SignedCheckpoint,
    /// The range starts mid-chain (`--since`): the events before it are
    /// not in the bundle and nothing signed vouches for the link.
    None,
}

/// Checks a bundle with nothing but the pinned public keys: the bundle's
/// signature must verify with one of them, and so must every checkpoint in
/// it (a prune checkpoint with a retention key).
pub fn verify_bundle<R: BufRead>(input: R, keys: &PinnedKeys) -> Result<BundleReport, AuditError> {
    let mut report = BundleReport::default();
    let mut digest = Sha256::new();
    let mut signature: Option<(usize, SignatureLine, [u8; 32])> = None;
    let mut proof: Option<(usize, Vec<ChainProof>)> = None;
    let mut observed: BTreeMap<String, ChainProof> = BTreeMap::new();
    let mut hashes: BTreeMap<(String, i64), String> = BTreeMap::new();
    let mut checkpoints: Vec<(usize, Checkpoint)> = Vec::new();
    let mut saw_header = false;
    let mut whole_log = false;

    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = line?;
        if signature.is_some() {
            report
                .problems
                .push(format!("line {number}: content after the signature line"));
            break;
        }
        let Ok(tagged) = serde_json::from_str::<Tagged>(&line) else {
            report
                .problems
                .push(format!("line {number}: not a bundle line"));
            digest.update(line.as_bytes());
            digest.update(b"\n");
            continue;
        };
        if tagged.kind == "signature" {
            match serde_json::from_str::<SignatureLine>(&line) {
                Ok(s) => signature = Some((number, s, digest.clone().finalize().into())),
                Err(e) => report
                    .problems
                    .push(format!("line {number}: unreadable signature: {e}")),
            }
            continue;
        }
        digest.update(line.as_bytes());
        digest.update(b"\n");
        match tagged.kind.as_str() {
            "header" => match serde_json::from_str::<Header>(&line) {
                Ok(h) if h.format == FORMAT && h.version == 1 => {
                    saw_header = true;
                    whole_log = h.since.is_none();
                    report.since = h.since;
                    report.until = h.until;
                }
                Ok(h) => report.problems.push(format!(
                    "line {number}: unsupported bundle {} version {}",
                    h.format, h.version
                )),
                Err(e) => report
                    .problems
                    .push(format!("line {number}: bad header: {e}")),
            },
            "event" => {
                report.events += 1;
                match serde_json::from_str::<EventLine<'_>>(&line) {
                    Ok(e) => check_event(number, &e, &mut observed, &mut hashes, &mut report),
                    Err(e) => report
                        .problems
                        .push(format!("line {number}: bad event: {e}")),
                }
            }
            "checkpoint" => match serde_json::from_str::<CheckpointLine>(&line) {
                Ok(c) => checkpoints.push((number, c.checkpoint)),
                Err(e) => report
                    .problems
                    .push(format!("line {number}: bad checkpoint: {e}")),
            },
            "proof" => match serde_json::from_str::<ProofLine>(&line) {
                Ok(p) => proof = Some((number, p.chains)),
                Err(e) => report
                    .problems
                    .push(format!("line {number}: bad proof: {e}")),
            },
            other => report
                .problems
                .push(format!("line {number}: unknown line type `{other}`")),
        }
    }

    if !saw_header {
        report.problems.push("line 1: no bundle header".to_owned());
    }
    match signature {
        None => report
            .problems
            .push("no signature line: the bundle is incomplete".to_owned()),
        Some((number, s, computed)) => {
            report.key_id = Some(s.key_id.clone());
            let expected = format!("sha256:{}", crate::hex(&computed));
            let mut message = SIGNED_PREFIX.to_vec();
            message.extend_from_slice(&computed);
            if s.digest != expected {
                report.problems.push(format!(
                    "line {number}: the bundle's content changed after signing (digest {} recorded, {expected} computed)",
                    s.digest
                ));
            } else if keys.signer(&message, &s.signature).is_none() {
                if keys.ids().contains(&s.key_id) {
                    report
                        .problems
                        .push(format!("line {number}: the signature does not verify"));
                } else {
                    report.problems.push(format!(
                        "line {number}: signed by key {}, not by a given key ({})",
                        s.key_id,
                        keys.ids().join(", ")
                    ));
                }
            }
        }
    }
    match proof {
        None => report.problems.push("no proof line".to_owned()),
        Some((number, chains)) => {
            let seen: Vec<ChainProof> = observed.values().cloned().collect();
            for claimed in &chains {
                match observed.get(&claimed.chain) {
                    None => report.problems.push(format!(
                        "line {number}: the proof lists chain {} but the bundle has none of its events",
                        claimed.chain
                    )),
                    Some(found) if found != claimed => report.problems.push(format!(
                        "line {number}: chain {}: the proof says #{}..#{} ({} events, last hash {}), the events are #{}..#{} ({} events, last hash {})",
                        claimed.chain,
                        claimed.first_seq,
                        claimed.last_seq,
                        claimed.events,
                        claimed.last_hash,
                        found.first_seq,
                        found.last_seq,
                        found.events,
                        found.last_hash
                    )),
                    Some(_) => {}
                }
            }
            for found in &seen {
                if !chains.iter().any(|c| c.chain == found.chain) {
                    report.problems.push(format!(
                        "line {number}: chain {} has events but is not in the proof",
                        found.chain
                    ));
                }
            }
            report.chains = chains;
        }
    }
    check_checkpoints(&checkpoints, keys, &hashes, &mut report);
    anchor_chains(&observed, &checkpoints, keys, whole_log, &mut report);
    Ok(report)
}

/// Counts the checkpoints by signature, reports every one that is not
/// evidence, and compares the trusted ones with the bundle's events.
fn check_checkpoints(
    checkpoints: &[(usize, Checkpoint)],
    keys: &PinnedKeys,
    hashes: &BTreeMap<(String, i64), String>,
    report: &mut BundleReport,
) {
    for (number, cp) in checkpoints {
        report.checkpoints += 1;
        let at = format!(
            "line {number}: {} checkpoint {}#{}",
            cp.body.kind.as_str(),
            cp.body.chain,
            cp.body.seq
        );
        match cp.trust(keys) {
            Trust::Signed(signer) => {
                report.checkpoints_valid += 1;
                if let Signer::Checkpoint(id) = signer
                    && cp.body.kind == CheckpointKind::Prune
                {
                    report.problems.push(format!(
                        "{at}: deletes events but is signed by checkpoint key {id}, not by a given retention key"
                    ));
                }
            }
            Trust::Unsigned | Trust::Unchecked => {
                report.checkpoints_unsigned += 1;
                report
                    .problems
                    .push(format!("{at}: unsigned, so it proves nothing"));
            }
            Trust::OtherKey(id) => {
                report.checkpoints_other_key += 1;
                report.problems.push(format!(
                    "{at}: signed by key {}, not by a given key",
                    id.as_deref().unwrap_or("(none named)")
                ));
            }
            Trust::Invalid => {
                report.checkpoints_other_key += 1;
                report
                    .problems
                    .push(format!("{at}: has an invalid signature"));
            }
        }
        if let Some(hash) = hashes.get(&(cp.body.chain.clone(), cp.body.seq))
            && *hash != cp.body.hash
        {
            report.problems.push(format!(
                "{at}: records another hash than the bundle's event"
            ));
        }
    }
}

/// Ties each chain's first event to what comes before it: the genesis hash
/// at #1, else a trusted checkpoint at the preceding sequence number, whose
/// hash must be the first event's predecessor.
fn anchor_chains(
    observed: &BTreeMap<String, ChainProof>,
    checkpoints: &[(usize, Checkpoint)],
    keys: &PinnedKeys,
    whole_log: bool,
    report: &mut BundleReport,
) {
    for proof in observed.values() {
        let chain = &proof.chain;
        let anchor = if proof.first_seq == 1 {
            if proof.first_prev_hash != GENESIS {
                report.problems.push(format!(
                    "event {chain}#1: its predecessor is not the genesis hash: the chain's start was replaced"
                ));
            }
            Anchor::Genesis
        } else {
            let before = checkpoints.iter().filter(|(_, cp)| {
                cp.body.chain == *chain
                    && cp.body.seq == proof.first_seq - 1
                    && cp.anchors(&cp.trust(keys))
            });
            let mut anchor = Anchor::None;
            for (number, cp) in before {
                if cp.body.hash == proof.first_prev_hash {
                    anchor = Anchor::SignedCheckpoint;
                } else {
                    report.problems.push(format!(
                        "line {number}: checkpoint {chain}#{} records hash {}, but the bundle's first event #{} names {} as its predecessor: events before the range were replaced",
                        cp.body.seq, cp.body.hash, proof.first_seq, proof.first_prev_hash
                    ));
                }
            }
            if anchor == Anchor::None && whole_log {
                report.problems.push(format!(
                    "chain {chain}: the bundle claims every event (no --since) but starts at #{} with nothing signed before it: events #1..#{} are missing",
                    proof.first_seq,
                    proof.first_seq - 1
                ));
            }
            anchor
        };
        report.anchors.push(ChainAnchor {
            chain: chain.clone(),
            anchor,
        });
    }
}

fn check_event(
    number: usize,
    e: &EventLine<'_>,
    observed: &mut BTreeMap<String, ChainProof>,
    hashes: &mut BTreeMap<(String, i64), String>,
    report: &mut BundleReport,
) {
    let at = format!("line {number}: event {}#{}", e.chain, e.seq);
    if link_hash(&e.chain, e.seq, &e.prev_hash, e.event.get()) != e.hash {
        report.problems.push(format!(
            "{at}: altered: its content does not match its hash"
        ));
    }
    hashes.insert((e.chain.clone(), e.seq), e.hash.clone());
    match observed.get_mut(&e.chain) {
        None => {
            observed.insert(
                e.chain.clone(),
                ChainProof {
                    chain: e.chain.clone(),
                    first_seq: e.seq,
                    first_prev_hash: e.prev_hash.clone(),
                    last_seq: e.seq,
                    last_hash: e.hash.clone(),
                    events: 1,
                },
            );
        }
        Some(p) => {
            if e.seq != p.last_seq + 1 {
                report.problems.push(format!(
                    "{at}: follows #{}: events removed or reordered",
                    p.last_seq
                ));
            } else if e.prev_hash != p.last_hash {
                report.problems.push(format!(
                    "{at}: does not link to #{}: an event was replaced",
                    p.last_seq
                ));
            }
            p.last_seq = e.seq;
            p.last_hash.clone_from(&e.hash);
            p.events += 1;
        }
    }
}
