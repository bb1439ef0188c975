//! The policy version: one content hash of everything that decides, the
//! same for `palisade scan --record` and `palisade serve` when they run one
//! configuration, recorded in every audit event.
//!
//! What is hashed is what the policy set *is*, not how it was asked for:
//! the Palisade version (which fixes the embedded controls and packs), the
//! configuration's text, each control as it runs (ID, PSS version,
//! severity, parameters: allowed digests land there whether they came from
//! `--allowed-digests` or `allowed-digests:`), and every user policy and
//! data document. `--framework pss-baseline` and a configuration naming
//! the same framework select the same controls, so they hash alike.
//! [`Config::build`](crate::Config::build) computes it from the sources it
//! compiled.

/// A labelled SHA-256: each part's label and bytes are hashed with their
/// lengths, so parts cannot run into each other.
#[derive(Default)]
pub struct PolicyVersion(sha2::Sha256);

impl PolicyVersion {
    /// An empty hash.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one labelled input.
    pub fn part(&mut self, label: &str, bytes: &[u8]) -> &mut Self {
        use sha2::Digest;
        self.0.update((label.len() as u64).to_le_bytes());
        self.0.update(label.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// `sha256:<hex>`.
    pub fn finish(self) -> String {
        use sha2::Digest;
        let digest = self.0.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}
