//! Container image references, read as the container runtime reads them
//! (`nginx` is `docker.io/library/nginx:latest`).
//!
//! The grammar is the distribution project's (`distribution/reference`):
//! `[domain[:port]/]path[:tag][@algorithm:hex]`. It is parsed by hand
//! rather than with `oci-spec`'s `Reference`, whose regular expression cost
//! more than every other workload control together on large scans; a test
//! checks that both agree on a wide set of references.

use palisade_load::Container;
use palisade_model::Node;

/// A container's `image`, parsed.
#[derive(Debug)]
pub(crate) struct Image<'a> {
    /// As written.
    pub(crate) text: &'a str,
    /// Parsed and normalised; `None` when the reference is malformed.
    pub(crate) reference: Option<Reference>,
    /// Whether the text names a tag itself (the parser defaults it to `latest`).
    pub(crate) explicit_tag: bool,
}

impl<'a> Image<'a> {
    /// The container's image; `None` when `image` is unset (allowed in pod
    /// templates that a controller fills in, and reported by no image control).
    pub(crate) fn of(container: &Container<'a>) -> Option<Image<'a>> {
        let text = container.node.get("image").and_then(Node::as_str)?;
        Some(Image::parse(text))
    }

    /// Parses a reference.
    ///
    /// ```ignore
    /// let image = Image::parse("ghcr.io/acme/app:1.2");
    /// ```
    pub(crate) fn parse(text: &'a str) -> Image<'a> {
        let name = text.split('@').next().unwrap_or(text);
        let last = name.rsplit('/').next().unwrap_or(name);
        Image {
            text,
            reference: text.parse().ok(),
            explicit_tag: last.contains(':'),
        }
    }

    /// The registry and repository, e.g. `docker.io/library/nginx`.
    pub(crate) fn name(&self) -> Option<String> {
        self.reference
            .as_ref()
            .map(|r| format!("{}/{}", r.registry(), r.repository()))
    }
}

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// The registry host (and port), `docker.io` by default.
    pub(crate) fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository, `library/nginx` for `nginx`.
    pub(crate) fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag; `latest` when the reference names neither tag nor digest.
    pub(crate) fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, `sha256:...`.
    pub(crate) fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }
}

impl std::str::FromStr for Reference {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (text, None),
        };
        if let Some(digest) = digest {
            valid_digest(digest).then_some(()).ok_or(())?;
        }
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest.get(last_slash..).and_then(|last| last.rfind(':')) {
            Some(colon) => {
                let at = last_slash + colon;
                (rest.get(..at).ok_or(())?, rest.get(at + 1..))
            }
            None => (rest, None),
        };
        if let Some(tag) = tag {
            valid_tag(tag).then_some(()).ok_or(())?;
        }
        valid_name(name).then_some(()).ok_or(())?;
        let (registry, repository) = split_domain(name);
        if repository.len() > 255 {
            return Err(());
        }
        let tag = match (tag, digest) {
            (None, None) => Some("latest".to_owned()),
            (tag, _) => tag.map(str::to_owned),
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest: digest.map(str::to_owned),
        })
    }
}

/// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:hex{32,}`, with the
/// hex length of the known algorithms enforced.
fn valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|part| {
        part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && part.chars().all(|c| c.is_ascii_alphanumeric())
    });
    let expected = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    algorithm_ok
        && hex.len() >= 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && expected == Some(hex.len())
}

/// `[\w][\w.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    tag.len() <= 128
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-')
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().is_some_and(alnum) || !bytes.last().is_some_and(alnum) {
        return false;
    }
    let mut i = 0;
    while let Some(b) = bytes.get(i) {
        if alnum(b) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|b| !alnum(b)) {
            i += 1;
        }
        let separator = component.get(start..i).unwrap_or("");
        if !(separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-'))
        {
            return false;
        }
    }
    true
}

/// `host(.host)*(:port)?` with hosts of letters, digits and inner hyphens.
fn valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric)
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    host.split('.').all(label_ok)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn valid_name(name: &str) -> bool {
    let mut components = name.split('/');
    let Some(first) = components.next() else {
        return false;
    };
    let rest: Vec<&str> = components.collect();
    let first_ok = valid_path_component(first) || (!rest.is_empty() && valid_domain(first));
    first_ok && rest.iter().all(|c| valid_path_component(c))
}

/// Docker's normalisation: a first component with a `.` or `:`, or
/// `localhost`, is a registry; otherwise the image is on Docker Hub, and a
/// one-component name is an official image under `library/`.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((left, right)) if left.contains(['.', ':']) || left == "localhost" => {
            (left.to_owned(), right.to_owned())
        }
        _ => ("docker.io".to_owned(), name.to_owned()),
    };
    if domain == "index.docker.io" {
        domain = "docker.io".to_owned();
    }
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

#[cfg(test)]
mod tests {
    use super::Image;

    /// The hand-written parser agrees with `oci-spec`'s reference parser.
    #[test]
    fn agrees_with_oci_spec() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let cases = [
            "nginx".to_owned(),
            "nginx:1.27".into(),
            "nginx:latest".into(),
            "library/nginx".into(),
            "bitnami/redis:7.2".into(),
            "ghcr.io/acme/app:1.2.3".into(),
            "localhost:5000/app".into(),
            "localhost/app:dev".into(),
            "registry.example.com:443/team/app:v1_2-3".into(),
            "index.docker.io/nginx".into(),
            format!("nginx@{digest}"),
            format!("nginx:1.27@{digest}"),
            format!("ghcr.io/acme/app@{digest}"),
            "nginx@sha256:abc".into(),
            "nginx@md5:0123456789abcdef0123456789abcdef".into(),
            "Nginx".into(),
            "NOT VALID".into(),
            "".into(),
            "a/b/c/d:e".into(),
            "my_app/x__y/z-w".into(),
            "my--app".into(),
            "app_".into(),
            "-app".into(),
            "app:".into(),
            ":tag".into(),
            "app:-tag".into(),
            "app:.tag".into(),
            "Registry.Example.com/app".into(),
            "registry-.example.com/app".into(),
            "[::1]:5000/app".into(),
            "host:port/app".into(),
            "a:1/b:2".into(),
            "app@".into(),
            format!("app:{}", "t".repeat(129)),
        ];
        for case in &cases {
            let ours: Option<super::Reference> = case.parse().ok();
            let theirs: Option<oci_spec::distribution::Reference> = case.parse().ok();
            match (&ours, &theirs) {
                (Some(a), Some(b)) => {
                    assert_eq!(a.registry(), b.registry(), "{case}");
                    assert_eq!(a.repository(), b.repository(), "{case}");
                    assert_eq!(a.tag(), b.tag(), "{case}");
                    assert_eq!(a.digest(), b.digest(), "{case}");
                }
                (None, None) => {}
                _ => panic!("{case}: ours {ours:?}, oci-spec {theirs:?}"),
            }
        }
    }

    #[test]
    fn normalises_like_the_runtime() {
        let image = Image::parse("nginx");
        assert_eq!(image.name().as_deref(), Some("docker.io/library/nginx"));
        assert!(!image.explicit_tag);
        let image = Image::parse(
            "localhost:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        );
        assert_eq!(image.name().as_deref(), Some("localhost:5000/app"));
        assert!(!image.explicit_tag);
        assert!(Image::parse("ghcr.io/acme/app:1.2").explicit_tag);
        assert!(Image::parse("Not A Reference").reference.is_none());
    }
}
