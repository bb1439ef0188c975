//! What `cosign` makes, written independently of the verifier under test:
//! an ECDSA P-256 key pair (`cosign generate-key-pair`'s kind), signatures
//! as `cosign sign-blob` prints them (base64 of DER), and the signature
//! artifact `cosign sign --key` stores beside an image or artifact (a
//! simple-signing payload naming the signed digest, in a manifest tagged
//! `sha256-<hex>.sig`, the signature in the layer's annotation).

// Test support: key material from a fixed seed cannot fail to encode.
#![allow(clippy::unwrap_used)]

use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

use crate::registry::Registry;

/// A key pair made from `seed` (the same seed, the same key).
pub struct KeyPair {
    signing: SigningKey,
    /// The public key in PEM, as `cosign.pub` holds it.
    pub public_pem: String,
}

impl KeyPair {
    pub fn from_seed(seed: u8) -> Self {
        let signing = SigningKey::from_slice(&[seed; 32]).unwrap();
        let public_pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        Self {
            signing,
            public_pem,
        }
    }

    /// `message` signed as `cosign sign-blob` prints it.
    pub fn sign(&self, message: &[u8]) -> String {
        let signature: Signature = self.signing.sign(message);
        base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
    }

    /// Stores in `registry` what `cosign sign --key` stores for the
    /// manifest `digest` of `repository`, with a payload that names
    /// `signed` (the same digest, or another to test a replay).
    pub fn sign_in(&self, registry: &Registry, repository: &str, digest: &str, signed: &str) {
        let payload = serde_json::json!({
            "critical": {
                "identity": {"docker-reference": format!("{}/{repository}", registry.address)},
                "image": {"docker-manifest-digest": signed},
                "type": "cosign container image signature",
            },
            "optional": null,
        })
        .to_string()
        .into_bytes();
        let config =
            br#"{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": config.len(),
                "digest": sha256(config),
            },
            "layers": [{
                "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                "size": payload.len(),
                "digest": sha256(&payload),
                "annotations": {"dev.cosignproject.cosign/signature": self.sign(&payload)},
            }],
        });
        registry.put_blob(config);
        registry.put_blob(&payload);
        let tag = format!("{}.sig", digest.replace(':', "-"));
        registry.put_manifest(repository, &tag, manifest.to_string().as_bytes());
    }
}

fn sha256(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}
