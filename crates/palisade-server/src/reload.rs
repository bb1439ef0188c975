//! Reloads without a restart. One task polls the modification time, size
//! and inode of the certificate, key, configuration and policy files (a
//! Kubernetes Secret or ConfigMap volume swaps a symlink, which changes the
//! inode the path resolves to) and rebuilds what changed. A reload that
//! fails keeps what is in use and says why in the log and in `/readyz`.
//! A change of `api.client-ca` in the configuration rebuilds the TLS
//! configuration with the new CA.
//! The policies are also rebuilt when the date changes, so exceptions
//! expire at midnight in a server that runs for months. The same tick
//! records the count of unauthenticated API refusals of a flood that ended
//! (see `api::flood`).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use palisade_policy::AdmissionSettings;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::Shared;
use crate::state::{PolicyFiles, Prepared};
use crate::tls;

/// What the last reloads said. The errors are redacted
/// ([`redact_secrets`]) but still quote the configuration: they are for the
/// log and for admins (`/api/v1/status`), never for `/readyz`.
#[derive(Debug, Clone, Default)]
pub struct ReloadStatus {
    /// Why the last policy reload failed (cleared by a successful one).
    pub policy_error: Option<String>,
    /// Why the last certificate reload failed (cleared by a successful one).
    pub tls_error: Option<String>,
    /// When the certificate was last loaded.
    pub tls_loaded_at: Option<SystemTime>,
}

/// What an unauthenticated caller learns about a failed reload.
const RELOAD_FAILED: &str =
    "failed; the previous version is in use (details in the server log and on /api/v1/status)";

impl ReloadStatus {
    /// `ok`, or a generic sentence when the last policy reload failed.
    pub fn policy_outcome(&self) -> &'static str {
        if self.policy_error.is_some() {
            RELOAD_FAILED
        } else {
            "ok"
        }
    }

    /// `ok`, or a generic sentence when the last TLS reload failed.
    pub fn tls_outcome(&self) -> &'static str {
        if self.tls_error.is_some() {
            RELOAD_FAILED
        } else {
            "ok"
        }
    }
}

/// `text` with the password of every `scheme://user:password@host` in it
/// replaced by `***`. Reload errors quote the configuration's lines, and
/// `audit.db` may carry a PostgreSQL password.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The URL runs to the next blank or quote; its credentials end at
        // the last `@` in it (a password may hold `/` or `@` unescaped).
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .unwrap_or(tail.len());
        let (url, after) = tail.split_at(end);
        match url.rsplit_once('@') {
            Some((userinfo, host)) => {
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(url),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// What identifies a version of a set of files: each path, and for each
/// absent, or (mtime, size, inode). A file added to or removed from a policy
/// folder changes the set.
pub(crate) type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64, u64)>)>;

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

/// The certificate, the key and the client CAs in use (the read API's and
/// the API server's).
fn tls_files(shared: &Shared) -> Vec<PathBuf> {
    let (cert, key) = &shared.tls_files;
    let api_ca = shared.client_ca.load_full();
    tls_paths(
        cert,
        key,
        api_ca.as_deref().map(PathBuf::as_path),
        &shared.prepared.load().settings,
    )
}

fn tls_paths(
    cert: &Path,
    key: &Path,
    api_ca: Option<&Path>,
    settings: &AdmissionSettings,
) -> Vec<PathBuf> {
    let mut files = vec![cert.to_path_buf(), key.to_path_buf()];
    files.extend(api_ca.map(Path::to_path_buf));
    files.extend(settings.client_ca.clone());
    files
}

/// The versions of the files last loaded, each taken just before the files
/// are read, so a file that changes while the server starts is reloaded on
/// the first tick rather than missed until it changes again.
pub(crate) struct Seen {
    policy: (Fingerprint, u64),
    tls: Fingerprint,
}

impl Seen {
    /// The configuration and policy files' versions: take before loading
    /// them.
    pub(crate) fn policies(sources: &PolicyFiles) -> (Fingerprint, u64) {
        (fingerprint(&sources.files()), today())
    }

    /// With the TLS files' versions (the certificate, the key and the
    /// client CAs): take before reading them.
    pub(crate) fn with_tls(
        policy: (Fingerprint, u64),
        cert: &Path,
        key: &Path,
        api_ca: Option<&Path>,
        settings: &AdmissionSettings,
    ) -> Seen {
        Seen {
            policy,
            tls: fingerprint(&tls_paths(cert, key, api_ca, settings)),
        }
    }
}

/// Polls every `interval` until the process ends.
pub(crate) async fn watch(shared: Arc<Shared>, interval: Duration, seen: Seen) {
    let Seen {
        tls: mut tls_seen,
        policy: mut policy_seen,
    } = seen;
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Some(api) = &shared.api {
            api.flush_refusals(&shared.prepared.load().policy_version);
        }
        // Listed afresh: folders gain files, and `policies:` may change.
        let now = (fingerprint(&shared.sources.files()), today());
        if now != policy_seen {
            policy_seen = now;
            reload_policies(&shared).await;
        }
        // After the policies: a new `api.client-ca` changes this list.
        let now = fingerprint(&tls_files(&shared));
        if now != tls_seen {
            tls_seen = now;
            reload_tls(&shared).await;
        }
    }
}

/// Rebuilds the TLS configuration from the files. A client CA that cannot
/// be loaded turns client certificates off rather than keeping the old
/// trust anchor: whoever removed or replaced it meant to stop trusting it.
async fn reload_tls(shared: &Arc<Shared>) {
    let (cert, key) = shared.tls_files.clone();
    let api_ca = shared.client_ca.load_full();
    let client_cas = crate::client_cas(
        api_ca.as_deref().map(PathBuf::as_path),
        &shared.prepared.load().settings,
    );
    let result = tokio::task::spawn_blocking(move || tls::reload_config(&cert, &key, &client_cas))
        .await
        .map_err(|e| format!("internal error: {e}"))
        .and_then(|prepared| prepared.map_err(|e| e.to_string()));
    let mut status = ReloadStatus::clone(&shared.status.load());
    // The status is stored before the new configuration is served, so a
    // client that meets the new handshake finds its reason already told.
    let mut config_to_serve = None;
    match result {
        Ok((config, ca_error)) => {
            config_to_serve = Some(config);
            status.tls_loaded_at = Some(SystemTime::now());
            match ca_error {
                None => {
                    tracing::info!("reloaded the TLS certificate");
                    status.tls_error = None;
                    shared.metrics.reload("tls", true);
                }
                Some(e) => {
                    let e = redact_secrets(&e);
                    tracing::error!(error = %e, "client CA reload failed; client certificates are refused");
                    status.tls_error = Some(e);
                    shared.metrics.reload("tls", false);
                }
            }
        }
        Err(e) => {
            let e = redact_secrets(&e);
            tracing::error!(error = %e, "TLS certificate reload failed; still serving the previous certificate");
            status.tls_error = Some(e);
            shared.metrics.reload("tls", false);
        }
    }
    shared.status.store(Arc::new(status));
    if let Some(config) = config_to_serve {
        shared.tls.reload_from_config(Arc::new(config));
    }
}

pub(crate) async fn reload_policies(shared: &Arc<Shared>) {
    let sources = shared.sources.clone();
    let generation = shared.prepared.load().generation + 1;
    let result = tokio::task::spawn_blocking(move || Prepared::load(&sources, generation))
        .await
        .map_err(|e| format!("internal error: {e}"))
        .and_then(|prepared| prepared.map_err(|e| e.to_string()));
    let mut status = ReloadStatus::clone(&shared.status.load());
    match result {
        Ok(prepared) => {
            tracing::info!(
                generation,
                controls = prepared.evaluator.policy().len(),
                "reloaded the policies"
            );
            shared.metrics.generation(generation);
            // The TLS check that follows sees the new client CA.
            if shared.client_ca.load().as_deref() != prepared.api.client_ca.as_ref() {
                tracing::info!(client_ca = ?prepared.api.client_ca, "api.client-ca changed");
                shared
                    .client_ca
                    .store(prepared.api.client_ca.clone().map(Arc::new));
            }
            shared.prepared.store(Arc::new(prepared));
            status.policy_error = None;
            shared.metrics.reload("policy", true);
        }
        Err(e) => {
            let e = redact_secrets(&e);
            tracing::error!(error = %e, "policy reload failed; still using the previous policies");
            status.policy_error = Some(e);
            shared.metrics.reload("policy", false);
        }
    }
    shared.status.store(Arc::new(status));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        let text = "palisade.yaml:3:7: bad\n  3 |   db: \"postgres://audit:s3cr/t@x@db.example/audit\"\n see https://example.com/docs and postgres://nobody@h/db";
        let redacted = redact_secrets(text);
        assert!(!redact_secrets(text).contains("s3cr"), "{redacted}");
        assert!(
            redacted.contains("postgres://audit:***@db.example/audit\""),
            "{redacted}"
        );
        assert!(redacted.contains("https://example.com/docs"), "{redacted}");
        assert!(redacted.contains("postgres://nobody@h/db"), "{redacted}");
        assert_eq!(redact_secrets("no url"), "no url");
    }
}
