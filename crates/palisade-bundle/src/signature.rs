//! Signatures made with a cosign key pair (`cosign sign --key`,
//! `cosign sign-blob --key`), verified against the public keys a user
//! gives with `--policy-key`.
//!
//! An OCI bundle's signature is what cosign stores beside the artifact:
//! a manifest tagged `sha256-<hex>.sig` whose layers are "simple signing"
//! payloads, each naming the signed manifest's digest, with the ECDSA
//! P-256 signature over the payload in the layer's
//! `dev.cosignproject.cosign/signature` annotation. A tarball's signature
//! is `cosign sign-blob`'s output (the base64 signature over the file),
//! fetched from the tarball's URL with `.sig` appended.
//!
//! Keyless signatures (Fulcio certificates, Rekor entries) and cosign's
//! newer Sigstore-bundle format (OCI referrers) are not verified: a key
//! given and only such a signature present refuses the bundle.

use std::path::Path;

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey};

use crate::artifact::{Store, at};
use crate::{BundleError, err, sha256};

const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
const PAYLOAD_TYPE: &str = "cosign container image signature";
/// The most signature layers read from one signature manifest.
const MAX_SIGNATURES: usize = 64;

/// A public key signatures are checked against.
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// The SHA-256 of the key's DER encoding, lowercase hex: how reports
    /// and the cache name it.
    pub fingerprint: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// Reads a PEM public key (`-----BEGIN PUBLIC KEY-----`, as
    /// `cosign generate-key-pair` writes `cosign.pub`).
    pub fn read(path: &Path) -> Result<Self, BundleError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err(format!("{}: cannot read the key: {e}", path.display())))?;
        Self::from_pem(&text).map_err(|e| err(format!("{}: {}", path.display(), e.0)))
    }

    /// A key from its PEM text.
    pub fn from_pem(text: &str) -> Result<Self, BundleError> {
        let key = VerifyingKey::from_public_key_pem(text.trim()).map_err(|e| {
            err(format!(
                "not an ECDSA P-256 public key in PEM (cosign's default key type): {e}"
            ))
        })?;
        let der = key
            .to_public_key_der()
            .map_err(|e| err(format!("cannot encode the key: {e}")))?;
        Ok(Self {
            fingerprint: sha256(der.as_bytes()),
            key,
        })
    }

    /// Whether `signature` (base64 of DER, or of the 64-byte fixed form)
    /// is this key's over `message`.
    fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
            return false;
        };
        let parsed = Signature::from_der(&bytes).or_else(|_| Signature::from_slice(&bytes));
        parsed.is_ok_and(|s| self.key.verify(message, &s).is_ok())
    }
}

/// The fingerprint of the first key that signed the manifest `hex` in
/// `store`, or why none did.
pub(crate) fn verify_artifact(
    store: &mut dyn Store,
    reference: &str,
    hex: &str,
    keys: &[PublicKey],
) -> Result<String, BundleError> {
    let tag = format!("sha256-{hex}.sig");
    let Some(manifest) = store.manifest(&tag)? else {
        return Err(err(format!(
            "{reference}: no cosign signature ({tag}) beside the bundle, and --policy-key asks for one: refused"
        )));
    };
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).map_err(|e| {
        err(format!(
            "{reference}: the signature manifest is not JSON: {e}"
        ))
    })?;
    let layers = at(&manifest, "/layers")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut reasons = Vec::new();
    for layer in layers.iter().take(MAX_SIGNATURES) {
        if at(layer, "/mediaType") != SIMPLE_SIGNING {
            continue;
        }
        let Some(signature) = layer
            .get("annotations")
            .and_then(|a| a.get(SIGNATURE_ANNOTATION))
            .and_then(|s| s.as_str())
        else {
            reasons.push("a signature layer without a signature".to_owned());
            continue;
        };
        let digest = at(layer, "/digest").as_str().unwrap_or_default();
        let payload = store.blob(digest)?;
        match payload_names(&payload, hex) {
            Ok(()) => {}
            Err(reason) => {
                reasons.push(reason);
                continue;
            }
        }
        match keys.iter().find(|k| k.verifies(&payload, signature)) {
            Some(key) => return Ok(key.fingerprint.clone()),
            None => reasons.push("a signature by none of the keys given".to_owned()),
        }
    }
    if reasons.is_empty() {
        reasons.push("no key-pair signature (keyless signatures are not verified)".to_owned());
    }
    Err(err(format!(
        "{reference}: signature not verified ({}): refused",
        reasons.join("; ")
    )))
}

/// Whether a simple-signing payload signs the manifest `hex`.
fn payload_names(payload: &[u8], hex: &str) -> Result<(), String> {
    let payload: serde_json::Value =
        serde_json::from_slice(payload).map_err(|_| "a payload that is not JSON".to_owned())?;
    if at(&payload, "/critical/type") != PAYLOAD_TYPE {
        return Err("a payload of another type".to_owned());
    }
    let signed = at(&payload, "/critical/image/docker-manifest-digest")
        .as_str()
        .unwrap_or_default();
    if signed != format!("sha256:{hex}") {
        return Err(format!("a signature of another manifest ({signed})"));
    }
    Ok(())
}

/// The fingerprint of the first key whose `cosign sign-blob` signature
/// (`signature`, base64) verifies over `blob`.
pub(crate) fn verify_blob(
    blob: &[u8],
    signature: &str,
    reference: &str,
    keys: &[PublicKey],
) -> Result<String, BundleError> {
    keys.iter()
        .find(|k| k.verifies(blob, signature))
        .map(|k| k.fingerprint.clone())
        .ok_or_else(|| {
            err(format!(
                "{reference}: the signature is by none of the keys given: refused"
            ))
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use palisade_testkit::cosign::KeyPair;

    use super::*;

    fn key(seed: u8) -> (KeyPair, PublicKey) {
        let pair = KeyPair::from_seed(seed);
        let public = PublicKey::from_pem(&pair.public_pem).unwrap();
        (pair, public)
    }

    #[test]
    fn a_blob_signature_verifies_with_its_key_only() {
        let (signing, public) = key(7);
        let (_, other) = key(9);
        let signature = signing.sign(b"bundle bytes");
        let fingerprint = verify_blob(
            b"bundle bytes",
            &signature,
            "b",
            &[other.clone(), public.clone()],
        )
        .unwrap();
        assert_eq!(fingerprint, public.fingerprint);
        assert!(verify_blob(b"other bytes", &signature, "b", &[public]).is_err());
        assert!(verify_blob(b"bundle bytes", &signature, "b", &[other]).is_err());
        assert!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .is_err()
        );
    }

    #[test]
    fn a_payload_must_name_the_manifest_it_signs() {
        let hex = "a".repeat(64);
        let signed = serde_json::json!({
            "critical": {
                "identity": {"docker-reference": "r/p"},
                "image": {"docker-manifest-digest": format!("sha256:{hex}")},
                "type": PAYLOAD_TYPE,
            },
            "optional": null,
        })
        .to_string();
        assert!(payload_names(signed.as_bytes(), &hex).is_ok());
        let reason = payload_names(signed.as_bytes(), &"b".repeat(64)).unwrap_err();
        assert!(reason.contains("another manifest"), "{reason}");
        let reason = payload_names(b"{}", &hex).unwrap_err();
        assert!(reason.contains("another type"), "{reason}");
    }
}
