//! ed25519 keys for checkpoints and bundles: PKCS#8 PEM for the private
//! key, SubjectPublicKeyInfo PEM for the public one (what `openssl pkey`
//! reads and writes), and a short key ID so a signature names its key.

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, Verifier};
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
