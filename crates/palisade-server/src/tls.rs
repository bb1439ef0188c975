//! The serving certificate: read from PEM files into a rustls server
//! configuration, checked (the key must match the certificate) before it
//! replaces the one in use, so a half-written pair never goes live.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

/// Why a certificate, key or client CA cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A file's PEM cannot be parsed (`what` names the file's role).
    #[error("invalid {what} PEM: {source}")]
    Pem {
        what: &'static str,
        source: rustls::pki_types::pem::Error,
    },
    /// The certificate file holds no certificate.
    #[error("no certificate in the certificate file")]
    NoCertificate,
    /// A client CA cannot be used as a trust anchor.
    #[error("client CA: {0}")]
    ClientCa(String),
    /// rustls refused the pair (a key that does not match, or an
    /// algorithm it does not offer).
    #[error("certificate and key do not form a pair: {0}")]
    Pair(rustls::Error),
    /// The certificate and key files named, around one of the above.
    #[error("{cert} and {key}: {source}")]
    Files {
        cert: String,
        key: String,
        source: Box<TlsError>,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Installs ring as the process's rustls crypto provider. Call once before
/// any TLS is used (a second call is harmless).
pub fn install_crypto_provider() {
    // Err means a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Reads a certificate chain and its key into a server configuration that
/// offers HTTP/2 and HTTP/1.1.
/// With client CAs (the read API's `api.client-ca`, the API server's
/// `admission.client-ca`), client certificates are asked for and verified
/// against them, but not required: API clients may use a bearer token
/// instead, and each endpoint checks the issuer it trusts (see
/// `crate::caller`).
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_cas: &[std::path::PathBuf],
) -> Result<ServerConfig, TlsError> {
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let mut ca_pem: Option<Vec<u8>> = None;
    for path in client_cas {
        let pem = read(path)?;
        let bundle = ca_pem.get_or_insert_with(Vec::new);
        bundle.extend_from_slice(&pem);
        bundle.push(b'\n');
    }
    config_from_pem_with(&cert_pem, &key_pem, ca_pem.as_deref()).map_err(|source| TlsError::Files {
        cert: cert.display().to_string(),
        key: key.display().to_string(),
        source: Box::new(source),
    })
}

/// For a reload: like [`server_config`], except that a client CA that
/// cannot be read or used does not leave the previous one in force. The
/// configuration is then built without client certificates (bearer tokens
/// still work) and the second value says why. `Err` only when the
/// certificate or key cannot be used (the previous configuration stays).
pub fn reload_config(
    cert: &Path,
    key: &Path,
    client_cas: &[std::path::PathBuf],
) -> Result<(ServerConfig, Option<String>), TlsError> {
    match server_config(cert, key, client_cas) {
        Ok(config) => Ok((config, None)),
        Err(e) if !client_cas.is_empty() => {
            let config = server_config(cert, key, &[])?;
            Ok((
                config,
                Some(format!(
                    "{e}; client certificates are not accepted until the client CA can be loaded"
                )),
            ))
        }
        Err(e) => Err(e),
    }
}

/// Builds a server configuration from PEM text.
pub fn config_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<ServerConfig, TlsError> {
    config_from_pem_with(cert_pem, key_pem, None)
}

/// Builds a server configuration from PEM text, verifying optional client
/// certificates against `client_ca_pem`.
pub fn config_from_pem_with(
    cert_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
) -> Result<ServerConfig, TlsError> {
    let bad_pem = |what| move |source| TlsError::Pem { what, source };
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad_pem("certificate"))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(bad_pem("key"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Pair)?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_slice_iter(pem) {
                let ca = ca.map_err(bad_pem("client CA"))?;
                roots
                    .add(ca)
                    .map_err(|e| TlsError::ClientCa(e.to_string()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::ClientCa(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(TlsError::Pair)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
