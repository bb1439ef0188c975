//! Checkpoints: a chain's head (sequence number and hash) at a moment,
//! signed with an ed25519 key.
//!
//! A hash chain alone cannot show that its tail was cut off: the shorter
//! chain is still valid. A signed checkpoint can, once it is kept where the
//! attacker cannot delete it (a copy written with `--out`, an evidence
//! bundle): `verify` reports any checkpoint whose event is gone or different.
//! Pruning writes a checkpoint of kind `prune` for the last removed event,
//! which becomes the anchor of what is left.
//!
//! A head checkpoint may also list every chain of the log when it was
//! signed (`chains`), so a chain that appears later with events dated
//! before that moment is known to be inserted. The field is left out of the
//! JSON when absent, so checkpoints signed before it existed keep their
//! bytes and their signatures.

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::chain::ChainHead;
use crate::keys::{PinnedKeys, Signer};
use crate::{Timestamp, keys};

/// Domain separation for checkpoint signatures.
const SIGNED_PREFIX: &[u8] = b"palisade-audit-checkpoint-v1\n";

/// Why a checkpoint was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointKind {
    /// The chain's head at `time`: every event up to `seq` must stay.
    Head,
    /// Events up to `seq` were deleted by retention; `hash` is the last
    /// deleted event's hash, the predecessor of the first one kept.
    Prune,
}

impl CheckpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointKind::Head => "head",
            CheckpointKind::Prune => "prune",
        }
    }
}

/// What retention removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrunedRange {
    pub from_seq: i64,
    pub to_seq: i64,
    pub count: i64,
    /// The newest removed event's time.
    pub last_time: Option<Timestamp>,
}

/// The signed part of a checkpoint, in its canonical field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointBody {
    pub kind: CheckpointKind,
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    pub time: Timestamp,
    pub pruned: Option<PrunedRange>,
    /// Every chain of the log at `time`, sorted (head checkpoints signed
    /// since the field exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chains: Option<Vec<String>>,
}

/// A checkpoint with its signature (absent when taken without a key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(flatten)]
    pub body: CheckpointBody,
    pub key_id: Option<String>,
    pub signature: Option<String>,
}

/// How a checkpoint stands against the pinned keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// No key is pinned: the checkpoint is used, but proves nothing that
    /// someone with write access to the database could not have written.
    Unchecked,
    /// The signature verifies with this pinned key.
    Signed(Signer),
    /// No signature at all.
    Unsigned,
    /// Signed, but by no pinned key: another key (its claimed ID).
    OtherKey(Option<String>),
    /// Claims a pinned key's ID and the signature does not verify: forged,
    /// or altered after signing.
    Invalid,
}

impl Checkpoint {
    /// A head checkpoint of `head`, signed when a key is given.
    pub fn head(head: &ChainHead, time: Timestamp, key: Option<&SigningKey>) -> Self {
        Self::head_listing(head, None, time, key)
    }

    /// A head checkpoint of `head` that also lists every chain of the log.
    pub fn head_listing(
        head: &ChainHead,
        chains: Option<Vec<String>>,
        time: Timestamp,
        key: Option<&SigningKey>,
    ) -> Self {
        let chains = chains.map(|mut c| {
            c.sort();
            c.dedup();
            c
        });
        let body = CheckpointBody {
            kind: CheckpointKind::Head,
            chain: head.chain.clone(),
            seq: head.seq,
            hash: head.hash.clone(),
            time,
            pruned: None,
            chains,
        };
        Self::signed(body, key)
    }

    /// Signs `body` when a key is given.
    pub fn signed(body: CheckpointBody, key: Option<&SigningKey>) -> Self {
        match key {
            Some(key) => Checkpoint {
                key_id: Some(keys::key_id(&key.verifying_key())),
                signature: Some(keys::sign(key, &message(&body))),
                body,
            },
            None => Checkpoint {
                body,
                key_id: None,
                signature: None,
            },
        }
    }

    /// Checks the signature against every pinned key (the claimed key ID
    /// is not signed, so it only decides between "other key" and "invalid").
    pub fn trust(&self, keys: &PinnedKeys) -> Trust {
        if !keys.is_pinned() {
            return Trust::Unchecked;
        }
        let Some(signature) = &self.signature else {
            return Trust::Unsigned;
        };
        if let Some(signer) = keys.signer(&message(&self.body), signature) {
            return Trust::Signed(signer);
        }
        match &self.key_id {
            Some(id) if keys.ids().contains(id) => Trust::Invalid,
            other => Trust::OtherKey(other.clone()),
        }
    }

    /// Whether this checkpoint may anchor anything under `trust`: any
    /// checkpoint when nothing is pinned; otherwise a head checkpoint needs
    /// a pinned key and a prune checkpoint a pinned retention key.
    pub fn anchors(&self, trust: &Trust) -> bool {
        matches!(
            (trust, self.body.kind),
            (Trust::Unchecked | Trust::Signed(Signer::Retention(_)), _)
                | (Trust::Signed(Signer::Checkpoint(_)), CheckpointKind::Head)
        )
    }

    /// The checkpoint as one line of JSON (the stored and exported form).
    pub fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }

    pub fn from_json(text: &str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }
}

/// The bytes signed: a prefix and the body's canonical JSON (structs only,
/// fixed order; see `event.rs` for why no maps).
fn message(body: &CheckpointBody) -> Vec<u8> {
    let mut out = SIGNED_PREFIX.to_vec();
    // A body of strings, integers and enums always serialises.
    out.extend(serde_json::to_vec(body).unwrap_or_default());
    out
}
