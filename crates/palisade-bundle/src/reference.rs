//! What a `--policy` bundle reference names, read from its text.

use std::path::PathBuf;

use crate::{BundleError, err};

/// Where a bundle is and which digest it is pinned to (`hex`: 64
/// lowercase hex digits of a SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `oci-layout:DIR@sha256:<hex>`: always pinned.
    Layout { dir: PathBuf, digest: String },
    /// `oci://REGISTRY/REPO[:TAG][@sha256:<hex>]`; `image` is the part
    /// before the digest, as `oci-client` parses it.
    Registry {
        image: String,
        tag: Option<String>,
        digest: Option<String>,
    },
    /// `https://...[@sha256:<hex>]`: the digest of the tarball itself.
    Https { url: String, digest: Option<String> },
}

/// Whether a `--policy` value names a bundle rather than a path.
pub fn is_reference(value: &str) -> bool {
    ["oci-layout:", "oci://", "https://", "http://"]
        .iter()
        .any(|p| value.starts_with(p))
}

impl Reference {
    /// Reads a reference; what it cannot be is said with the reference.
    pub fn parse(text: &str) -> Result<Self, BundleError> {
        let (body, digest) = split_digest(text)?;
        if let Some(dir) = body.strip_prefix("oci-layout:") {
            let digest = digest.ok_or_else(|| {
                err(format!(
                    "{text}: pin the bundle by digest (oci-layout:DIR@sha256:<hex>, as `palisade policy push` prints it)"
                ))
            })?;
            if dir.is_empty() {
                return Err(err(format!("{text}: no layout folder named")));
            }
            return Ok(Self::Layout {
                dir: PathBuf::from(dir),
                digest,
            });
        }
        if let Some(image) = body.strip_prefix("oci://") {
            let (path, tag) = split_tag(image);
            if !path.contains('/') || path.starts_with('/') || path.ends_with('/') {
                return Err(err(format!(
                    "{text}: name a registry and a repository (oci://REGISTRY/REPO[:TAG][@sha256:<hex>])"
                )));
            }
            return Ok(Self::Registry {
                image: image.to_owned(),
                tag: tag.map(str::to_owned),
                digest,
            });
        }
        if body.starts_with("https://") {
            return Ok(Self::Https {
                url: body.to_owned(),
                digest,
            });
        }
        if body.starts_with("http://") {
            return Err(err(format!("{text}: bundles are fetched over https only")));
        }
        Err(err(format!(
            "{text}: not a bundle reference (oci-layout:DIR@sha256:<hex>, oci://REGISTRY/REPO:TAG, https://...tar.gz@sha256:<hex>)"
        )))
    }

    /// The pinned digest's hex, if any.
    pub fn digest(&self) -> Option<&str> {
        match self {
            Self::Layout { digest, .. } => Some(digest),
            Self::Registry { digest, .. } | Self::Https { digest, .. } => digest.as_deref(),
        }
    }

    /// How this reference would read pinned, for error messages.
    pub(crate) fn pinned_example(&self) -> String {
        match self {
            Self::Layout { dir, .. } => format!("oci-layout:{}@sha256:<hex>", dir.display()),
            Self::Registry { image, .. } => format!("oci://{image}@sha256:<hex>"),
            Self::Https { url, .. } => format!("{url}@sha256:<hex>"),
        }
    }
}

/// `reference` as messages show it: an `https://` URL's
/// `user:password@` left out, so that no credential reaches a log.
pub(crate) fn shown(reference: &str) -> String {
    let Some(rest) = reference.strip_prefix("https://") else {
        return reference.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest.get(..end).and_then(|authority| authority.rfind('@')) {
        Some(at) => format!("https://{}", rest.get(at + 1..).unwrap_or_default()),
        None => reference.to_owned(),
    }
}

/// The reference without its `@sha256:<hex>` pin, and the pin's hex.
fn split_digest(text: &str) -> Result<(&str, Option<String>), BundleError> {
    let Some((body, hex)) = text.rsplit_once("@sha256:") else {
        if let Some((_, other)) = text.rsplit_once('@')
            && other.contains(':')
            && !other.contains('/')
        {
            return Err(err(format!("{text}: only sha256 digests pin a bundle")));
        }
        return Ok((text, None));
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err(format!(
            "{text}: sha256:{hex} is no sha256:<64 hex> digest"
        )));
    }
    Ok((body, Some(hex.to_ascii_lowercase())))
}

/// A registry path and its tag: the tag follows the last `:` after the
/// last `/` (a `:` before it is the registry's port).
fn split_tag(image: &str) -> (&str, Option<&str>) {
    let slash = image.rfind('/').unwrap_or(0);
    match image.get(slash..).and_then(|last| last.find(':')) {
        Some(colon) => {
            let at = slash + colon;
            (
                image.get(..at).unwrap_or(image),
                image.get(at + 1..).filter(|t| !t.is_empty()),
            )
        }
        None => (image, None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn references_read_as_their_scheme_says() {
        let pinned = format!("oci://localhost:5000/acme/policies:v3@sha256:{HEX}");
        assert_eq!(
            Reference::parse(&pinned).unwrap(),
            Reference::Registry {
                image: "localhost:5000/acme/policies:v3".into(),
                tag: Some("v3".into()),
                digest: Some(HEX.into()),
            }
        );
        assert_eq!(
            Reference::parse("oci://localhost:5000/acme/policies").unwrap(),
            Reference::Registry {
                image: "localhost:5000/acme/policies".into(),
                tag: None,
                digest: None,
            }
        );
        let layout = format!("oci-layout:dist/p@sha256:{}", HEX.to_uppercase());
        assert_eq!(
            Reference::parse(&layout).unwrap(),
            Reference::Layout {
                dir: "dist/p".into(),
                digest: HEX.into()
            }
        );
        let https = format!("https://user@example.com/b.tar.gz@sha256:{HEX}");
        assert_eq!(
            Reference::parse(&https).unwrap(),
            Reference::Https {
                url: "https://user@example.com/b.tar.gz".into(),
                digest: Some(HEX.into())
            }
        );
    }

    #[test]
    fn credentials_in_a_url_are_never_shown() {
        assert_eq!(
            shown("https://ci:s3cret@example.com/b.tar.gz@sha256:00"),
            "https://example.com/b.tar.gz@sha256:00"
        );
        assert_eq!(shown("https://example.com/a@b"), "https://example.com/a@b");
    }

    #[test]
    fn malformed_references_are_refused_with_the_reason() {
        let cases = [
            ("oci-layout:dist/p", "pin the bundle"),
            ("oci-layout:dist/p@sha256:abc", "no sha256:<64 hex>"),
            ("oci://policies:v1", "name a registry and a repository"),
            ("oci://ghcr.io/a@sha512:00", "only sha256"),
            ("http://example.com/b.tar.gz", "https only"),
        ];
        for (text, reason) in cases {
            let error = Reference::parse(text).unwrap_err();
            assert!(error.0.contains(reason), "{text}: {error}");
        }
    }
}
