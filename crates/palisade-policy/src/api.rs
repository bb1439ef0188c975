//! The `api:` section of `palisade.yaml`: who may use the read API that
//! `palisade serve` exposes, and with which role. Data only; the server
//! checks credentials and permissions.
//!
//! ```yaml
//! api:
//!   client-ca: ca.pem            # verify client certificates (mTLS)
//!   tokens:                      # from `palisade audit token`
//!     - {name: ci, sha256: "sha256:…", role: auditor}
//!     - {name: team-a, sha256: "sha256:…", role: developer, namespaces: [team-a]}
//!   users:                       # client certificates, by subject CN
//!     - {subject: alice, role: admin}
//!   roles:                       # custom roles: named permission sets
//!     reader: [events, summary, all-namespaces]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// `api:` as written, paths resolved from the configuration's folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApiConfig {
    /// CA bundle that client certificates must chain to. Without it, no
    /// client certificate is asked for.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
    /// Bearer tokens, stored as their SHA-256.
    #[serde(default)]
    pub tokens: Vec<ApiToken>,
    /// Client-certificate subjects (CN).
    #[serde(default)]
    pub users: Vec<ApiUser>,
    /// Custom roles: name to permissions.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
}

/// One bearer token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApiToken {
    /// Who holds it (recorded in API audit events).
    pub name: String,
    /// `sha256:<hex>` of the token, as `palisade audit token` prints it.
    pub sha256: String,
    pub role: String,
    /// The namespaces a role without `all-namespaces` may read.
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// One client-certificate user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApiUser {
    /// The certificate subject's common name.
    pub subject: String,
    pub role: String,
    #[serde(default)]
    pub namespaces: Vec<String>,
}
