//! Who is asking: a bearer token (compared against the stored hashes) or
//! a client certificate whose single subject CN the configuration names. Failures
//! are not told apart: a caller learns nothing about which names exist.

use axum::http::{HeaderMap, header};
use palisade_policy::ApiConfig;

use super::roles::{self, Permission};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's name or `cert:<CN>`.
    pub name: String,
    pub role: String,
    pub permissions: Vec<Permission>,
    /// The namespaces it may read without `all-namespaces`.
    pub namespaces: Vec<String>,
}

impl Principal {
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// `None`: every namespace; else only these.
    pub fn scope(&self) -> Option<&[String]> {
        if self.may(Permission::AllNamespaces) {
            None
        } else {
            Some(&self.namespaces)
        }
    }
}

/// The principal behind the request, if its credentials are valid. A
/// bearer token, when present, decides alone (a bad token with a good
/// certificate is refused: ambiguity helps nobody).
pub fn authenticate(
    headers: &HeaderMap,
    peer: Option<&axum_server::tls::TlsInfo>,
    api: &ApiConfig,
) -> Option<Principal> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value.to_str().ok()?.strip_prefix("Bearer ")?.trim();
        // Every stored hash is compared, so timing does not tell how many
        // precede the match.
        let mut found = None;
        for t in &api.tokens {
            if palisade_audit::access::token_matches(token, &t.sha256) && found.is_none() {
                found = Some(t);
            }
        }
        let t = found?;
        return Some(Principal {
            name: t.name.clone(),
            role: t.role.clone(),
            permissions: roles::permissions(&t.role, api),
            namespaces: t.namespaces.clone(),
        });
    }
    // rustls verified the chain against `api.client-ca` during the
    // handshake; without a CA configured no certificate is asked for.
    let ca = api.client_ca.as_ref()?;
    let peer = peer?;
    // The TLS layer also accepts the API server's CA (`admission.client-ca`).
    if !crate::caller::issued_by(ca, &peer.peer_certificates) {
        return None;
    }
    let cn = common_name(peer.peer_certificates.first()?)?;
    let user = api.users.iter().find(|u| u.subject == cn)?;
    Some(Principal {
        name: format!("cert:{cn}"),
        role: user.role.clone(),
        permissions: roles::permissions(&user.role, api),
        namespaces: user.namespaces.clone(),
    })
}

/// The subject CN of a DER certificate, when it has exactly one. With
/// several, readers disagree on which names the holder (Go's crypto/x509
/// and so cert-manager and Kubernetes take the last, x509-parser users
/// often the first), so the certificate names nobody.
fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names = cert.subject().iter_common_name();
    let cn = names.next()?;
    if names.next().is_some() {
        tracing::warn!("client certificate with several subject CNs refused");
        return None;
    }
    cn.as_str().ok().map(str::to_owned)
}
