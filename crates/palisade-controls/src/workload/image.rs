//! Container image references, read as the container runtime reads them
//! (`nginx` is `docker.io/library/nginx:latest`).

use oci_spec::distribution::Reference;
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

#[cfg(test)]
mod tests {
    use super::Image;

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
