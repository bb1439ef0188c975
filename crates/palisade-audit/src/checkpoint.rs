//! Checkpoints: a chain's head (sequence number and hash) at a moment,
//! signed with an ed25519 key.
//!
//! A hash chain alone cannot show that its tail was cut off: the shorter
//! chain is still valid. A signed checkpoint can, once it is kept where the
//! attacker cannot delete it (a copy written with `--out`, an evidence
//! bundle): `verify` reports any checkpoint whose event is gone or different.
//! Pruning writes a checkpoint of kind `prune` for the last removed event,
//! which becomes the anchor of what is left.

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::chain::ChainHead;
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
}

/// A checkpoint with its signature (absent when taken without a key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(flatten)]
    pub body: CheckpointBody,
    pub key_id: Option<String>,
    pub signature: Option<String>,
}

/// How a checkpoint's signature stands against a given public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureStatus {
    Valid,
    /// Signed, but by another key than the one given.
    OtherKey,
    /// Signed by the given key, and the signature does not match.
    Invalid,
    Unsigned,
}

impl Checkpoint {
    /// A head checkpoint of `head`, signed when a key is given.
    pub fn head(head: &ChainHead, time: Timestamp, key: Option<&SigningKey>) -> Self {
        let body = CheckpointBody {
            kind: CheckpointKind::Head,
            chain: head.chain.clone(),
            seq: head.seq,
            hash: head.hash.clone(),
            time,
            pruned: None,
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

    /// Checks the signature against `key`.
    pub fn signature_status(&self, key: &VerifyingKey) -> SignatureStatus {
        let (Some(id), Some(signature)) = (&self.key_id, &self.signature) else {
            return SignatureStatus::Unsigned;
        };
        if *id != keys::key_id(key) {
            return SignatureStatus::OtherKey;
        }
        if keys::verify(key, &message(&self.body), signature) {
            SignatureStatus::Valid
        } else {
            SignatureStatus::Invalid
        }
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
