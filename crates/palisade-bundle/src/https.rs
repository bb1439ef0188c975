//! Bundles as tarballs over HTTPS (`https://.../bundle.tar.gz@sha256:<hex>`,
//! the shape OPA and Conftest bundles are served in): fetched with a
//! bounded body, hashed against the pin, and with keys checked against
//! the `cosign sign-blob` signature at the same URL with `.sig` appended.

use futures_util::StreamExt;

use crate::archive::{self, Unpacked};
use crate::artifact::MAX_BLOB;
use crate::{BundleError, Options, Pulled, cache, err, net, sha256, signature};

/// The most bytes of a signature file read.
const MAX_SIGNATURE: u64 = 16 << 10;

/// Fetches, checks and unpacks the tarball at `url`.
pub(crate) fn pull(
    url: &str,
    reference: &str,
    wanted: Option<&str>,
    options: &Options,
) -> Result<Pulled, BundleError> {
    let runtime = net::runtime()?;
    let client = client(&options.network)?;
    let tarball = runtime.block_on(fetch(&client, url, MAX_BLOB))?;
    let hex = sha256(&tarball);
    if let Some(wanted) = wanted
        && hex != wanted
    {
        return Err(err(format!(
            "{reference}: the tarball hashes to sha256:{hex}, not the sha256:{wanted} pinned: refused"
        )));
    }
    let signed_by = if options.keys.is_empty() {
        None
    } else {
        let signature_url = format!("{url}.sig");
        let signature = runtime
            .block_on(fetch(&client, &signature_url, MAX_SIGNATURE))
            .map_err(|e| {
                err(format!(
                    "{reference}: no signature at {signature_url}, and --policy-key asks for one ({e}): refused"
                ))
            })?;
        let signature = String::from_utf8_lossy(&signature);
        Some(signature::verify_blob(
            &tarball,
            &signature,
            reference,
            &options.keys,
        )?)
    };
    cache::install(&options.cache, &hex, signed_by, |staging| {
        let mut unpacked = Unpacked::default();
        archive::unpack(&tarball, staging, reference, &mut unpacked)?;
        if unpacked.files == 0 {
            return Err(err(format!("{reference}: the bundle holds no files")));
        }
        Ok(())
    })
}

fn client(network: &net::Network) -> Result<reqwest::Client, BundleError> {
    let mut builder = reqwest::Client::builder()
        .https_only(true)
        .connect_timeout(net::CONNECT_TIMEOUT)
        .read_timeout(net::READ_TIMEOUT)
        .timeout(net::REQUEST_TIMEOUT)
        .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")));
    for pem in &network.roots {
        let roots = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            err(format!(
                "the trusted roots (SSL_CERT_FILE) are not PEM certificates: {e}"
            ))
        })?;
        for root in roots {
            builder = builder.add_root_certificate(root);
        }
    }
    builder
        .build()
        .map_err(|e| err(format!("cannot start the HTTPS client: {e}")))
}

/// The body at `url`, at most `limit` bytes, from a 2xx answer.
async fn fetch(client: &reqwest::Client, url: &str, limit: u64) -> Result<Vec<u8>, BundleError> {
    let shown = crate::reference::shown(url);
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| err(format!("{shown}: {}", net::chain(&e.without_url()))))?;
    let status = response.status();
    if !status.is_success() {
        return Err(err(format!("{shown}: the server answered {status}")));
    }
    let mut stream = response.bytes_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| err(format!("{shown}: cut short: {}", net::chain(&e))))?;
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > limit {
            return Err(err(format!(
                "{shown}: larger than {} KiB: refused",
                limit >> 10
            )));
        }
    }
    Ok(bytes)
}
