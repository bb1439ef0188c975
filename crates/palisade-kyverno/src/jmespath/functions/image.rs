//! `image_normalize(image)`: an image reference with Kyverno's defaults
//! (registry `docker.io`, tag `latest`), parsed by the grammar of
//! distribution/reference. `nginx` is `docker.io/nginx:latest`: Kyverno
//! adds the registry but not `library/`.

use std::sync::LazyLock;

use jmespath::Rcvar;
use regex::Regex;

use super::{FnError, error, string_arg};
use crate::jmespath::value::string;

use crate::images::DEFAULT_REGISTRY;
const NAME_TOTAL_LENGTH_MAX: usize = 255;

const DOMAIN_AND_PORT: &str = r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?";
const REMOTE_NAME: &str =
    r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*";

/// name, tag, digest.
static REFERENCE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:{DOMAIN_AND_PORT}/)?{REMOTE_NAME})(?::([\w][\w.-]{{0,127}}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{{32,}}))?$"
    ))
    .ok()
});
/// domain, path.
static NAME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(&format!(r"^(?:({DOMAIN_AND_PORT})/)?({REMOTE_NAME})$")).ok());

/// `digest.Parse`'s checks.
fn check_digest(digest: &str) -> Result<(), &'static str> {
    let (algorithm, encoded) = digest
        .split_once(':')
        .ok_or("invalid checksum digest format")?;
    let size = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err("unsupported digest algorithm"),
    };
    if encoded.len() != size {
        return Err("invalid checksum digest length");
    }
    if !encoded
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err("invalid checksum digest format");
    }
    Ok(())
}

/// `reference.Parse` then Kyverno's `ImageInfo.String()`.
fn normalize(image: &str) -> Result<String, String> {
    let full = crate::images::with_default_registry(image);
    let fail = |why: &str| {
        format!(
            "bad image: {full}, defaultRegistry: {DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: {why}"
        )
    };
    let (Some(reference), Some(name_re)) = (REFERENCE.as_ref(), NAME.as_ref()) else {
        return Err(fail("invalid reference grammar"));
    };
    let Some(caps) = reference.captures(&full) else {
        if reference.is_match(&full.to_lowercase()) {
            return Err(fail("repository name must be lowercase"));
        }
        return Err(fail("invalid reference format"));
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    if name.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(fail("repository name must not be more than 255 characters"));
    }
    let tag = caps.get(2).map(|m| m.as_str());
    let digest = caps.get(3).map(|m| m.as_str());
    if let Some(digest) = digest {
        check_digest(digest).map_err(fail)?;
    }
    let (domain, path) = match name_re.captures(name) {
        Some(n) => (
            n.get(1).map_or("", |m| m.as_str()),
            n.get(2).map_or("", |m| m.as_str()),
        ),
        None => ("", name),
    };
    let image = if domain.is_empty() {
        path.to_string()
    } else {
        format!("{domain}/{path}")
    };
    Ok(match digest {
        Some(digest) => format!("{image}@{digest}"),
        None => format!("{image}:{}", tag.unwrap_or("latest")),
    })
}

pub(crate) fn image_normalize(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let image = string_arg("image_normalize", args, 0)?;
    normalize(image)
        .map(string)
        .map_err(|e| error("image_normalize", e))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    // Go: Test_ImageNormalize.
    #[test]
    fn normalizes_as_kyverno() {
        for (image, want) in [
            ("nginx", "docker.io/nginx:latest"),
            ("docker.io/nginx", "docker.io/nginx:latest"),
            ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
            ("ghcr.io/library/nginx", "ghcr.io/library/nginx:latest"),
            ("ghcr.io/nginx", "ghcr.io/nginx:latest"),
            ("ghcr.io/nginx:latest", "ghcr.io/nginx:latest"),
            ("ghcr.io/nginx:1.2", "ghcr.io/nginx:1.2"),
            ("library/nginx", "docker.io/library/nginx:latest"),
            ("localhost:5000/app:v1", "localhost:5000/app:v1"),
            (
                "nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "docker.io/nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ] {
            assert_eq!(normalize(image).unwrap(), want, "{image}");
        }
        assert_eq!(
            normalize("").unwrap_err(),
            "bad image: docker.io/, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: invalid reference format"
        );
        assert!(
            normalize("Nginx")
                .unwrap_err()
                .ends_with("repository name must be lowercase")
        );
        assert!(normalize("nginx@sha256:abcd").is_err());
    }
}
