//! A registry on loopback that speaks the OCI distribution API's wire
//! format (what `registry:2`, Harbor and GHCR answer): `/v2/`, manifests
//! and blobs by tag or digest, chunked and monolithic uploads, the error
//! envelope, and, when asked, token authentication (`401` with a
//! `WWW-Authenticate: Bearer realm=...` challenge, a `/token` endpoint
//! taking basic credentials). Over TLS with its own CA, or plain HTTP.
//! Files put at other paths are served as a web server would, for
//! `https://` bundles. Every request is logged, for tests to assert what
//! went over the wire.

// Test support: a registry that cannot bind loopback or make its
// certificate should stop the test at once.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};

/// How the registry is started.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Serve HTTPS with a certificate for 127.0.0.1 from a CA of its own
    /// ([`Registry::ca_pem`]).
    pub tls: bool,
    /// Require a token, issued for these basic credentials.
    pub credentials: Option<(String, String)>,
}

#[derive(Default)]
struct State {
    blobs: HashMap<String, Vec<u8>>,
    /// (repository, tag or digest) to (content type, bytes).
    manifests: HashMap<(String, String), (String, Vec<u8>)>,
    uploads: HashMap<String, Vec<u8>>,
    files: HashMap<String, Vec<u8>>,
    requests: Vec<String>,
}

/// A running registry; it stops when dropped.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// The CA's certificate, PEM, when serving TLS.
    pub ca_pem: Option<String>,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Runtime>,
}

const TOKEN: &str = "palisade-test-token";

impl Registry {
    /// Starts a registry on a free loopback port.
    pub fn start(settings: Settings) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (acceptor, ca_pem) = if settings.tls {
            let (acceptor, ca) = tls();
            (Some(acceptor), Some(ca))
        } else {
            (None, None)
        };
        let state = Arc::new(Mutex::new(State::default()));
        let scheme = if settings.tls { "https" } else { "http" };
        let server = Server {
            state: Arc::clone(&state),
            realm: format!("{scheme}://{address}/token"),
            credentials: settings.credentials,
        };
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let server = server.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let server = server.clone();
                        async move { Ok::<_, std::convert::Infallible>(server.answer(request).await) }
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
        });
        Self {
            address,
            ca_pem,
            state,
            runtime: Some(runtime),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Stores a blob; returns its digest.
    pub fn put_blob(&self, bytes: &[u8]) -> String {
        let digest = digest(bytes);
        self.state().blobs.insert(digest.clone(), bytes.to_vec());
        digest
    }

    /// Stores a manifest under `tag` and its digest; returns the digest.
    pub fn put_manifest(&self, repository: &str, tag: &str, bytes: &[u8]) -> String {
        let digest = digest(bytes);
        let entry = (
            "application/vnd.oci.image.manifest.v1+json".to_owned(),
            bytes.to_vec(),
        );
        let mut state = self.state();
        for reference in [tag.to_owned(), digest.clone()] {
            state
                .manifests
                .insert((repository.to_owned(), reference), entry.clone());
        }
        digest
    }

    /// Serves `bytes` at `path` (`/bundles/p.tar.gz`).
    pub fn put_file(&self, path: &str, bytes: &[u8]) {
        self.state().files.insert(path.to_owned(), bytes.to_vec());
    }

    /// Replaces a stored blob's bytes, keeping its digest: a registry
    /// that serves something other than what it was asked for.
    pub fn corrupt_blob(&self, digest: &str, bytes: &[u8]) {
        self.state().blobs.insert(digest.to_owned(), bytes.to_vec());
    }

    /// `METHOD path` of every request so far.
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[derive(Clone)]
struct Server {
    state: Arc<Mutex<State>>,
    realm: String,
    credentials: Option<(String, String)>,
}

type Answer = Response<Full<Bytes>>;

fn answer(status: StatusCode, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

fn with(mut response: Answer, name: &'static str, value: &str) -> Answer {
    if let Ok(value) = value.parse() {
        response.headers_mut().insert(name, value);
    }
    response
}

fn unknown(code: &str) -> Answer {
    let body = format!(r#"{{"errors":[{{"code":"{code}","message":"unknown","detail":null}}]}}"#);
    with(
        answer(StatusCode::NOT_FOUND, body),
        "content-type",
        "application/json",
    )
}

impl Server {
    async fn answer(&self, request: Request<Incoming>) -> Answer {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let authorization = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes().to_vec())
            .unwrap_or_default();
        self.state
            .lock()
            .unwrap()
            .requests
            .push(format!("{method} {path}"));
        if path == "/token" {
            return self.token(&authorization);
        }
        if let Some(rest) = path.strip_prefix("/v2/") {
            if self.credentials.is_some() && authorization != format!("Bearer {TOKEN}") {
                let challenge = format!(
                    r#"Bearer realm="{}",service="palisade-test",scope="repository:acme:pull""#,
                    self.realm
                );
                let response = answer(
                    StatusCode::UNAUTHORIZED,
                    r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
                );
                return with(response, "www-authenticate", &challenge);
            }
            if rest.is_empty() {
                return answer(StatusCode::OK, "{}");
            }
            return self.distribution(&method, rest, &query, body);
        }
        match self.state.lock().unwrap().files.get(&path) {
            Some(bytes) if method == Method::GET => answer(StatusCode::OK, bytes.clone()),
            _ => answer(StatusCode::NOT_FOUND, "not found"),
        }
    }

    fn token(&self, authorization: &str) -> Answer {
        let Some((user, password)) = &self.credentials else {
            return answer(StatusCode::OK, format!(r#"{{"token":"{TOKEN}"}}"#));
        };
        let expected =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        if authorization == format!("Basic {expected}") {
            answer(
                StatusCode::OK,
                format!(r#"{{"token":"{TOKEN}","access_token":"{TOKEN}","expires_in":300}}"#),
            )
        } else {
            answer(
                StatusCode::UNAUTHORIZED,
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#,
            )
        }
    }

    fn distribution(&self, method: &Method, rest: &str, query: &str, body: Vec<u8>) -> Answer {
        let mut state = self.state.lock().unwrap();
        let digest_param = query
            .split('&')
            .find_map(|p| p.strip_prefix("digest="))
            .map(|d| d.replace("%3A", ":").replace("%3a", ":"));
        if let Some((repository, reference)) = rest.split_once("/manifests/") {
            let key = (repository.to_owned(), reference.to_owned());
            return match *method {
                Method::GET | Method::HEAD => match state.manifests.get(&key) {
                    Some((content_type, bytes)) => {
                        let body = if *method == Method::HEAD {
                            Vec::new()
                        } else {
                            bytes.clone()
                        };
                        let response =
                            with(answer(StatusCode::OK, body), "content-type", content_type);
                        let response = with(response, "docker-content-digest", &digest(bytes));
                        with(response, "content-length", &bytes.len().to_string())
                    }
                    None => unknown("MANIFEST_UNKNOWN"),
                },
                Method::PUT => {
                    let digest = digest(&body);
                    let entry = (
                        "application/vnd.oci.image.manifest.v1+json".to_owned(),
                        body,
                    );
                    state.manifests.insert(key, entry.clone());
                    state
                        .manifests
                        .insert((repository.to_owned(), digest.clone()), entry);
                    let location = format!("/v2/{repository}/manifests/{digest}");
                    let response = with(answer(StatusCode::CREATED, ""), "location", &location);
                    with(response, "docker-content-digest", &digest)
                }
                _ => answer(StatusCode::METHOD_NOT_ALLOWED, ""),
            };
        }
        if let Some((repository, upload)) = rest.split_once("/blobs/uploads/") {
            let location = |id: &str| format!("/v2/{repository}/blobs/uploads/{id}");
            return match *method {
                Method::POST => {
                    if let Some(digest_param) = digest_param {
                        return store_blob(&mut state, repository, &digest_param, body);
                    }
                    let id = format!("upload-{}", state.uploads.len() + 1);
                    state.uploads.insert(id.clone(), Vec::new());
                    let response =
                        with(answer(StatusCode::ACCEPTED, ""), "location", &location(&id));
                    let response = with(response, "range", "0-0");
                    with(response, "docker-upload-uuid", &id)
                }
                Method::PATCH => match state.uploads.get_mut(upload) {
                    Some(bytes) => {
                        bytes.extend_from_slice(&body);
                        let range = format!("0-{}", bytes.len().saturating_sub(1));
                        let response = with(
                            answer(StatusCode::ACCEPTED, ""),
                            "location",
                            &location(upload),
                        );
                        with(response, "range", &range)
                    }
                    None => unknown("BLOB_UPLOAD_UNKNOWN"),
                },
                Method::PUT => match (state.uploads.remove(upload), digest_param) {
                    (Some(mut bytes), Some(digest_param)) => {
                        bytes.extend_from_slice(&body);
                        store_blob(&mut state, repository, &digest_param, bytes)
                    }
                    _ => unknown("BLOB_UPLOAD_UNKNOWN"),
                },
                _ => answer(StatusCode::METHOD_NOT_ALLOWED, ""),
            };
        }
        if let Some((_, digest)) = rest.split_once("/blobs/") {
            return match (state.blobs.get(digest), method) {
                (Some(bytes), &Method::HEAD) => with(
                    answer(StatusCode::OK, ""),
                    "content-length",
                    &bytes.len().to_string(),
                ),
                (Some(bytes), &Method::GET) => {
                    let response = answer(StatusCode::OK, bytes.clone());
                    with(response, "docker-content-digest", digest)
                }
                _ => unknown("BLOB_UNKNOWN"),
            };
        }
        unknown("NAME_UNKNOWN")
    }
}

fn store_blob(state: &mut State, repository: &str, wanted: &str, bytes: Vec<u8>) -> Answer {
    let actual = digest(&bytes);
    if actual != wanted {
        return with(
            answer(
                StatusCode::BAD_REQUEST,
                r#"{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}"#,
            ),
            "content-type",
            "application/json",
        );
    }
    state.blobs.insert(actual.clone(), bytes);
    let location = format!("/v2/{repository}/blobs/{actual}");
    let response = with(answer(StatusCode::CREATED, ""), "location", &location);
    with(response, "docker-content-digest", &actual)
}

/// An acceptor with a certificate for 127.0.0.1 and localhost, signed by
/// a fresh CA, and that CA's PEM.
fn tls() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let serving =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let cert = serving.signed_by(&key, &issuer).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    (
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_cert.pem(),
    )
}
