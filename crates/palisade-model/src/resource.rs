//! Which Kubernetes object a finding is about.

use serde::Serialize;

/// The identity of a Kubernetes object: enough for a person to find it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `apiVersion`, e.g. `apps/v1`.
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// `metadata.namespace`, when the manifest sets it.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`), when set.
    pub name: Option<String>,
}

impl ResourceRef {
    /// A Dockerfile, named by its file: what Dockerfile findings and audit
    /// events are about.
    ///
    /// ```
    /// use palisade_model::ResourceRef;
    /// assert_eq!(ResourceRef::dockerfile("app/Dockerfile").display_name(), "Dockerfile/app/Dockerfile");
    /// ```
    pub fn dockerfile(file: &str) -> Self {
        Self::outside_kubernetes("Dockerfile", file)
    }

    /// A container image, named by its reference (else its file).
    pub fn image(name: &str) -> Self {
        Self::outside_kubernetes("Image", name)
    }

    /// An input that is no Kubernetes object: no API version, no namespace.
    pub fn outside_kubernetes(kind: &str, name: &str) -> Self {
        ResourceRef {
            api_version: String::new(),
            kind: kind.to_owned(),
            namespace: None,
            name: (!name.is_empty()).then(|| name.to_owned()),
        }
    }

    /// `Kind/namespace/name`, leaving out what is unknown.
    ///
    /// ```
    /// use palisade_model::ResourceRef;
    /// let r = ResourceRef { api_version: "v1".into(), kind: "Pod".into(), namespace: None, name: Some("web".into()) };
    /// assert_eq!(r.display_name(), "Pod/web");
    /// ```
    pub fn display_name(&self) -> String {
        let mut out = self.kind.clone();
        if let Some(ns) = &self.namespace {
            out.push('/');
            out.push_str(ns);
        }
        out.push('/');
        out.push_str(self.name.as_deref().unwrap_or("<unnamed>"));
        out
    }
}
