//! Bundles in a registry, through the OCI distribution API (the
//! `oci-client` crate: token and basic authentication, the manifest and
//! blob endpoints, chunked uploads). Credentials come from the Docker
//! configuration (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`,
//! credential helpers included), as `docker login`, `oras login` and
//! `cosign login` leave them; without any, access is anonymous.
//!
//! Registries are reached over HTTPS; a registry named in
//! `PALISADE_INSECURE_REGISTRIES` over plain HTTP.

use std::path::PathBuf;
use std::str::FromStr;

use futures_util::StreamExt;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::artifact::{self, Artifact, EMPTY_CONFIG, MANIFEST_TYPE, MAX_BLOB};
use crate::{BundleError, err, net};

/// A registry repository read as an artifact store.
pub(crate) struct Store {
    runtime: tokio::runtime::Runtime,
    client: Client,
    auth: RegistryAuth,
    image: Reference,
    label: String,
}

impl Store {
    /// A client for the repository of `image` (`REGISTRY/REPO[:TAG]`).
    pub fn connect(image: &str, network: &net::Network) -> Result<Self, BundleError> {
        let label = format!("oci://{image}");
        let image = Reference::from_str(image)
            .map_err(|e| err(format!("{label}: not a registry reference: {e}")))?;
        let roots = network
            .roots
            .iter()
            .map(|data| Certificate {
                encoding: CertificateEncoding::Pem,
                data: data.clone(),
            })
            .collect();
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(network.insecure_registries.clone()),
            extra_root_certificates: roots,
            connect_timeout: Some(net::CONNECT_TIMEOUT),
            read_timeout: Some(net::READ_TIMEOUT),
            user_agent: concat!("palisade/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        };
        Ok(Self {
            runtime: net::runtime()?,
            client: Client::new(config),
            auth: credentials(image.resolve_registry()),
            image,
            label,
        })
    }

    fn at(&self, reference: &str) -> Reference {
        let repository = self.image.repository().to_owned();
        let registry = self.image.registry().to_owned();
        if let Some(digest) = reference.strip_prefix("sha256:") {
            Reference::with_digest(registry, repository, format!("sha256:{digest}"))
        } else {
            Reference::with_tag(registry, repository, reference.to_owned())
        }
    }
}

impl artifact::Store for Store {
    fn manifest(&mut self, reference: &str) -> Result<Option<Vec<u8>>, BundleError> {
        let at = self.at(reference);
        let fetched = self.runtime.block_on(self.client.pull_manifest_raw(
            &at,
            &self.auth,
            &[
                MANIFEST_TYPE,
                "application/vnd.docker.distribution.manifest.v2+json",
            ],
        ));
        match fetched {
            Ok((bytes, _)) if bytes.len() as u64 > MAX_BLOB => Err(err(format!(
                "{}: manifest {reference} is larger than {} MiB",
                self.label,
                MAX_BLOB >> 20
            ))),
            Ok((bytes, _)) => Ok(Some(bytes.to_vec())),
            Err(error) if not_found(&error) => Ok(None),
            Err(error) => Err(err(format!(
                "{}: cannot read manifest {reference}: {}",
                self.label,
                net::chain(&error)
            ))),
        }
    }

    fn blob(&mut self, digest: &str) -> Result<Vec<u8>, BundleError> {
        artifact::digest_hex(digest, &self.label)?;
        let label = &self.label;
        let fetch = async {
            let mut stream = self
                .client
                .pull_blob_stream(&self.image, digest)
                .await
                .map_err(|e| {
                    err(format!(
                        "{label}: cannot read blob {digest}: {}",
                        net::chain(&e)
                    ))
                })?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.stream.next().await {
                let chunk =
                    chunk.map_err(|e| err(format!("{label}: blob {digest}: {e}: refused")))?;
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > MAX_BLOB {
                    return Err(err(format!(
                        "{label}: blob {digest} is larger than {} MiB",
                        MAX_BLOB >> 20
                    )));
                }
            }
            Ok(bytes)
        };
        let bytes = self
            .runtime
            .block_on(async { tokio::time::timeout(net::REQUEST_TIMEOUT, fetch).await })
            .map_err(|_| {
                err(format!(
                    "{label}: blob {digest}: not read within {} s",
                    net::REQUEST_TIMEOUT.as_secs()
                ))
            })??;
        artifact::checked(bytes, digest, &format!("{label} blob {digest}"))
    }
}

/// Pushes the files under `paths` as a bundle to `oci://REGISTRY/REPO:TAG`
/// (the same bytes `push_layout` writes, so the same digest), and
/// returns the manifest's digest.
pub fn push(
    paths: &[PathBuf],
    reference: &str,
    network: &net::Network,
) -> Result<String, BundleError> {
    let image = reference
        .strip_prefix("oci://")
        .ok_or_else(|| err(format!("{reference}: push to oci://REGISTRY/REPO:TAG")))?;
    let files = artifact::collect_files(paths)?;
    let bundle = Artifact::of(&files)?;
    net::off_runtime(|| {
        let store = Store::connect(image, network)?;
        let label = &store.label;
        let target = &store.image;
        let failed = |what: &str, e: OciDistributionError| {
            err(format!("{label}: cannot push {what}: {}", net::chain(&e)))
        };
        store.runtime.block_on(async {
            store
                .client
                .store_auth_if_needed(target.resolve_registry(), &store.auth)
                .await;
            for (what, blob) in [("the config", EMPTY_CONFIG), ("the layer", &bundle.layer)] {
                let digest = artifact::digest_of(blob);
                store
                    .client
                    .push_blob(target, blob.to_vec(), &digest)
                    .await
                    .map_err(|e| failed(what, e))?;
            }
            let content_type = MANIFEST_TYPE
                .parse()
                .map_err(|_| err("the manifest type is no header value"))?;
            store
                .client
                .push_manifest_raw(target, bundle.manifest.clone(), content_type)
                .await
                .map_err(|e| failed("the manifest", e))?;
            Ok(artifact::digest_of(&bundle.manifest))
        })
    })?
}

/// The Docker configuration's credentials for `registry`, anonymous when
/// there are none. An identity token (an OAuth refresh token) needs an
/// exchange this client does not make, so it counts as none.
fn credentials(registry: &str) -> RegistryAuth {
    let mut names = vec![registry.to_owned()];
    if registry == "index.docker.io" || registry == "docker.io" {
        names.insert(0, "https://index.docker.io/v1/".to_owned());
    }
    names
        .iter()
        .find_map(|name| match docker_credential::get_credential(name) {
            Ok(docker_credential::DockerCredential::UsernamePassword(user, password)) => {
                Some(RegistryAuth::Basic(user, password))
            }
            _ => None,
        })
        .unwrap_or(RegistryAuth::Anonymous)
}

/// Whether the registry answered that the manifest or repository is not
/// there (as opposed to refusing or failing).
fn not_found(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound
            )
        }),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        _ => false,
    }
}
