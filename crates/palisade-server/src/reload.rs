//! Reloads without a restart. One task polls the modification time, size
//! and inode of the certificate, key, configuration and policy files (a
//! Kubernetes Secret or ConfigMap volume swaps a symlink, which changes the
//! inode the path resolves to) and rebuilds what changed. A reload that
//! fails keeps what is in use and says why in the log and in `/readyz`.
//! The policies are also rebuilt when the date changes, so exceptions
//! expire at midnight in a server that runs for months. The same tick
//! records the count of unauthenticated API refusals of a flood that ended
//! (see `api::flood`).

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::Shared;
use crate::state::Prepared;
use crate::tls;

/// What the last reloads said.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Why the last policy reload failed (cleared by a successful one).
    pub policy_error: Option<String>,
    /// Why the last certificate reload failed (cleared by a successful one).
    pub tls_error: Option<String>,
    /// When the certificate was last loaded.
    pub tls_loaded_at: Option<SystemTime>,
}

/// What identifies a version of a set of files: each path, and for each
/// absent, or (mtime, size, inode). A file added to or removed from a policy
/// folder changes the set.
type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64, u64)>)>;

fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    paths
        .iter()
        .map(|p| {
            let version = std::fs::metadata(p).ok().map(|m| {
                (
                    m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    m.len(),
                    m.ino(),
                )
            });
            (p.clone(), version)
        })
        .collect()
}

fn today() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

/// Polls every `interval` until the process ends.
pub(crate) async fn watch(shared: Arc<Shared>, interval: Duration) {
    let mut tls_files = vec![shared.tls_files.0.clone(), shared.tls_files.1.clone()];
    tls_files.extend(shared.tls_files.2.clone());
    let mut tls_seen = fingerprint(&tls_files);
    let mut policy_seen = (fingerprint(&shared.sources.files()), today());
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Some(api) = &shared.api {
            api.flush_refusals(&shared.prepared.load().policy_version);
        }
        let now = fingerprint(&tls_files);
        if now != tls_seen {
            tls_seen = now;
            reload_tls(&shared).await;
        }
        // Listed afresh: folders gain files, and `policies:` may change.
        let now = (fingerprint(&shared.sources.files()), today());
        if now != policy_seen {
            policy_seen = now;
            reload_policies(&shared).await;
        }
    }
}

async fn reload_tls(shared: &Arc<Shared>) {
    let (cert, key, client_cas) = shared.tls_files.clone();
    let result = tokio::task::spawn_blocking(move || tls::server_config(&cert, &key, &client_cas))
        .await
        .unwrap_or_else(|e| Err(format!("internal error: {e}")));
    let mut status = Status::clone(&shared.status.load());
    match result {
        Ok(config) => {
            shared.tls.reload_from_config(Arc::new(config));
            tracing::info!("reloaded the TLS certificate");
            status.tls_error = None;
            status.tls_loaded_at = Some(SystemTime::now());
            shared.metrics.reload("tls", true);
        }
        Err(e) => {
            tracing::error!(error = %e, "TLS certificate reload failed; still serving the previous certificate");
            status.tls_error = Some(e);
            shared.metrics.reload("tls", false);
        }
    }
    shared.status.store(Arc::new(status));
}

pub(crate) async fn reload_policies(shared: &Arc<Shared>) {
    let sources = shared.sources.clone();
    let generation = shared.prepared.load().generation + 1;
    let result = tokio::task::spawn_blocking(move || Prepared::load(&sources, generation))
        .await
        .unwrap_or_else(|e| Err(format!("internal error: {e}")));
    let mut status = Status::clone(&shared.status.load());
    match result {
        Ok(prepared) => {
            tracing::info!(
                generation,
                controls = prepared.evaluator.policy().len(),
                "reloaded the policies"
            );
            shared.metrics.generation(generation);
            shared.prepared.store(Arc::new(prepared));
            status.policy_error = None;
            shared.metrics.reload("policy", true);
        }
        Err(e) => {
            tracing::error!(error = %e, "policy reload failed; still using the previous policies");
            status.policy_error = Some(e);
            shared.metrics.reload("policy", false);
        }
    }
    shared.status.store(Arc::new(status));
}
