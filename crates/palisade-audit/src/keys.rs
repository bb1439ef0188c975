//! ed25519 keys for checkpoints and bundles: PKCS#8 PEM for the private
//! key, SubjectPublicKeyInfo PEM for the public one (what `openssl pkey`
//! reads and writes), and a short key ID so a signature names its key.
//!
//! Two roles, two keys ([`PinnedKeys`]): the *checkpoint* key signs head
//! checkpoints and bundles (it lives with the webhook, which signs
//! periodically); the *retention* key signs prune checkpoints, the only
//! signature that excuses missing events, and is kept offline. A key ID is
//! only a hint for messages: trust comes from the signature verifying with a
//! pinned key, never from the (unsigned) ID a checkpoint claims.

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer as _, Verifier};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::AuditError;

/// A freshly generated key pair as (private PEM, public PEM).
pub fn generate() -> Result<(String, String), AuditError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| AuditError::Key(format!("no randomness: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| AuditError::Key(e.to_string()))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| AuditError::Key(e.to_string()))?;
    Ok((private.to_string(), public))
}

/// Reads a private key (PKCS#8 PEM).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, AuditError> {
    let text = read(path)?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        AuditError::Key(format!(
            "{}: not an ed25519 private key: {e}",
            path.display()
        ))
    })
}

/// Reads a public key (SubjectPublicKeyInfo PEM).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, AuditError> {
    let text = read(path)?;
    VerifyingKey::from_public_key_pem(&text).map_err(|e| {
        AuditError::Key(format!(
            "{}: not an ed25519 public key: {e}",
            path.display()
        ))
    })
}

/// Refuses a private key file that its group or others may read or write:
/// a signing key anyone on the host can copy signs forged checkpoints.
/// (A Kubernetes Secret volume needs `defaultMode: 0400`.)
#[cfg(unix)]
pub fn check_private_mode(path: &Path) -> Result<(), AuditError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| AuditError::Key(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(AuditError::Key(format!(
            "{}: private key readable or writable by group or others (mode {:o}): chmod 600 it (in Kubernetes: defaultMode: 0400)",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn check_private_mode(_path: &Path) -> Result<(), AuditError> {
    Ok(())
}

/// Reads a private key for signing after [`check_private_mode`]: what the
/// commands use (the lenient [`read_signing_key`] is for tests and tools).
pub fn read_private_key(path: &Path) -> Result<SigningKey, AuditError> {
    check_private_mode(path)?;
    read_signing_key(path)
}

/// The public keys a verification trusts. Empty: nothing is pinned, and
/// verification proves only that the log is consistent with itself.
#[derive(Debug, Clone, Default)]
pub struct PinnedKeys {
    /// Keys that may sign head checkpoints and bundles (several during a
    /// rotation).
    pub checkpoint: Vec<VerifyingKey>,
    /// Keys that may sign prune checkpoints (and, being more trusted, head
    /// checkpoints and bundles too).
    pub retention: Vec<VerifyingKey>,
}

/// Which pinned key a signature verifies with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A pinned retention key, by its ID.
    Retention(String),
    /// A pinned checkpoint key, by its ID.
    Checkpoint(String),
}

impl PinnedKeys {
    /// Whether any key is pinned.
    pub fn is_pinned(&self) -> bool {
        !self.checkpoint.is_empty() || !self.retention.is_empty()
    }

    /// The pinned key `signature_hex` over `message` verifies with, if any;
    /// retention keys first. Every key is tried: the claimed ID is ignored.
    pub fn signer(&self, message: &[u8], signature_hex: &str) -> Option<Signer> {
        if let Some(key) = self
            .retention
            .iter()
            .find(|k| verify(k, message, signature_hex))
        {
            return Some(Signer::Retention(key_id(key)));
        }
        self.checkpoint
            .iter()
            .find(|k| verify(k, message, signature_hex))
            .map(|k| Signer::Checkpoint(key_id(k)))
    }

    /// The pinned key IDs, for messages.
    pub fn ids(&self) -> Vec<String> {
        self.checkpoint
            .iter()
            .chain(&self.retention)
            .map(key_id)
            .collect()
    }
}

fn read(path: &Path) -> Result<String, AuditError> {
    std::fs::read_to_string(path)
        .map_err(|e| AuditError::Key(format!("cannot read {}: {e}", path.display())))
}

/// The first 16 hex digits of the SHA-256 of the public key's bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    crate::hex(digest.get(..8).unwrap_or_default())
}

/// Signs `message` and returns the signature as hex.
pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    crate::hex(&key.sign(message).to_bytes())
}

/// Whether `signature_hex` is `key`'s signature of `message`.
pub fn verify(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> bool {
    let Some(bytes) = crate::unhex(signature_hex) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&bytes)).is_ok()
}
