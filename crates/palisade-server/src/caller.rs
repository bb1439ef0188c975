//! Who called `/validate` or `/mutate`. Only the API server should, and it
//! proves it with the client certificate its admission configuration
//! names (`AdmissionConfiguration` -> `kubeConfigFile` -> `client-certificate`).
//! Without that proof, everything the review says of its requester
//! (`userInfo`) is a claim of whoever reached the port.
//!
//! `admission.client-ca` names the CA that issued that certificate, and
//! `admission.client-names` the subject CNs or DNS names accepted (empty:
//! any certificate of that CA). The chain is verified here again against
//! that CA alone: the TLS layer also accepts the read API's client CA, and
//! a certificate from it must not pass for the API server. With
//! `admission.client-auth: optional` (the default, for a rollout) an
//! unproven caller is answered and its events say `authenticated: false`;
//! with `required` it gets HTTP 401 and nothing is recorded for it.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;

/// The check of the caller's certificate, prepared from the configuration.
#[derive(Clone)]
pub struct ClientAuth {
    verifier: Arc<dyn ClientCertVerifier>,
    names: Vec<String>,
    /// Refuse callers without a valid certificate.
    pub required: bool,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("names", &self.names)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl ClientAuth {
    /// Reads the CA bundle; `None` when no `admission.client-ca` is set.
    pub fn load(
        settings: &palisade_policy::AdmissionSettings,
    ) -> Result<Option<ClientAuth>, String> {
        let Some(path) = &settings.client_ca else {
            return Ok(None);
        };
        ClientAuth::from_file(
            path,
            settings.client_names.clone(),
            settings.client_auth_required,
        )
        .map(Some)
    }

    /// Certificates issued by the CAs of `path` with one of `names` (empty:
    /// any name).
    pub fn from_file(
        path: &std::path::Path,
        names: Vec<String>,
        required: bool,
    ) -> Result<ClientAuth, String> {
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(&pem) {
            let ca = ca.map_err(|e| format!("{}: invalid PEM: {e}", path.display()))?;
            roots
                .add(ca)
                .map_err(|e| format!("{}: invalid CA: {e}", path.display()))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ClientAuth {
            verifier,
            names,
            required,
        })
    }

    /// The name the caller proved (its certificate's CN), or why it did not.
    pub fn check(&self, peer: &[Vec<u8>]) -> Result<String, String> {
        let Some((leaf, intermediates)) = peer.split_first() else {
            return Err("no client certificate".to_owned());
        };
        let leaf = CertificateDer::from(leaf.as_slice());
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        self.verifier
            .verify_client_cert(&leaf, &intermediates, UnixTime::now())
            .map_err(|e| format!("client certificate not issued by admission.client-ca: {e}"))?;
        let (cn, dns) = names(&leaf);
        if self.names.is_empty() {
            return Ok(cn.unwrap_or_default());
        }
        cn.iter()
            .chain(dns.iter())
            .find(|n| self.names.contains(n))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "client certificate for {} is not one of admission.client-names",
                    cn.as_deref().unwrap_or("no CN")
                )
            })
    }
}

/// The subject CN and DNS subject alternative names of a certificate.
fn names(der: &[u8]) -> (Option<String>, Vec<String>) {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return (None, Vec::new());
    };
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned);
    let dns = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => Some((*d).to_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    (cn, dns)
}

/// Whether the first of `peer` chains to a CA of `ca_file`: the TLS layer
/// accepts certificates of every configured client CA, so each endpoint
/// checks the issuer it trusts (the read API its `api.client-ca`).
pub fn issued_by(ca_file: &std::path::Path, peer: &[Vec<u8>]) -> bool {
    ClientAuth::from_file(ca_file, Vec::new(), true).is_ok_and(|auth| auth.check(peer).is_ok())
}
