//! What the network fetches share: a runtime of their own, TLS roots, the
//! time they may take.

use std::time::Duration;

use crate::{BundleError, err};

/// How long connecting may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a read may stall.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one whole request may take (a server dripping bytes just
/// faster than the read timeout is cut here).
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs `fetch` on a thread of its own with a single-threaded runtime,
/// so that a caller inside an async runtime (the webhook reloading its
/// policies) never blocks one of that runtime's workers or nests
/// runtimes.
pub(crate) fn off_runtime<T: Send>(fetch: impl FnOnce() -> T + Send) -> Result<T, BundleError> {
    // TLS through rustls with the ring provider, as the webhook serves.
    let _ = rustls::crypto::ring::default_provider().install_default();
    std::thread::scope(|scope| {
        scope
            .spawn(fetch)
            .join()
            .map_err(|_| err("the bundle fetch stopped unexpectedly"))
    })
}

/// A runtime for one fetch.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, BundleError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| err(format!("cannot start the network client: {e}")))
}

/// How the network is reached: what the environment says, passed in
/// rather than read here so that callers (and tests) say it.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Registries reached over plain HTTP (`HOST[:PORT]`): a local
    /// registry in a test or a lab. Everything else is HTTPS, verified
    /// against the system's roots and [`Network::roots`].
    pub insecure_registries: Vec<String>,
    /// PEM certificates trusted beside the system's: a private CA's
    /// registry or server is trusted by naming its certificate.
    pub roots: Vec<Vec<u8>>,
}

impl Network {
    /// `PALISADE_INSECURE_REGISTRIES` (comma-separated) and
    /// `SSL_CERT_FILE` (the variable OpenSSL, Go and Trivy read).
    pub fn from_env() -> Result<Self, BundleError> {
        let insecure_registries = std::env::var("PALISADE_INSECURE_REGISTRIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let roots = match std::env::var_os("SSL_CERT_FILE") {
            Some(path) => vec![std::fs::read(&path).map_err(|e| {
                err(format!(
                    "SSL_CERT_FILE={}: cannot read: {e}",
                    std::path::Path::new(&path).display()
                ))
            })?],
            None => Vec::new(),
        };
        Ok(Self {
            insecure_registries,
            roots,
        })
    }
}

/// An error in words with its causes (reqwest nests the TLS or
/// connection failure under a generic one).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
