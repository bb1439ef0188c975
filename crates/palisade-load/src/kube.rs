//! Kubernetes objects: documents with an `apiVersion` and a `kind`.

use palisade_model::{Node, ResourceRef};

/// A Kubernetes object inside a document (the document itself, or an item of
/// a `List`). Node positions are absolute in the file, so findings can be
/// located from the object's own node.
#[derive(Debug, Clone, Copy)]
pub struct KubeObject<'a> {
    /// The object's root mapping.
    pub node: &'a Node,
}

impl<'a> KubeObject<'a> {
    /// `kind`.
    pub fn kind(&self) -> &'a str {
        self.node.get("kind").and_then(Node::as_str).unwrap_or("")
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &'a str {
        self.node
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("")
    }

    /// `metadata`, when present.
    pub fn metadata(&self) -> Option<&'a Node> {
        self.node.get("metadata")
    }

    /// The identity used in findings.
    pub fn resource(&self) -> ResourceRef {
        let meta = self.metadata();
        let text = |key: &str| {
            meta.and_then(|m| m.get(key))
                .and_then(Node::as_str)
                .map(str::to_owned)
        };
        ResourceRef {
            api_version: self.api_version().to_owned(),
            kind: self.kind().to_owned(),
            namespace: text("namespace"),
            name: text("name").or_else(|| text("generateName")),
        }
    }
}

fn is_object(node: &Node) -> bool {
    let text = |key| {
        node.get(key)
            .and_then(Node::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    node.is_map() && text("apiVersion") && text("kind")
}

/// The Kubernetes objects in a document: none when it is not an object,
/// the items of a `List` (or any `*List` kind), or the document itself.
///
/// ```
/// use palisade_load::{objects, parse_documents, Limits};
/// let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n";
/// let parsed = parse_documents("l.yaml".into(), text, &Limits::default());
/// let found = objects(&parsed.documents[0].root);
/// assert_eq!(found.iter().map(|o| o.kind()).collect::<Vec<_>>(), ["Pod", "Service"]);
/// ```
pub fn objects(root: &Node) -> Vec<KubeObject<'_>> {
    if !is_object(root) {
        return Vec::new();
    }
    let object = KubeObject { node: root };
    if object.kind().ends_with("List")
        && let Some(items) = root.get("items")
    {
        return items
            .items()
            .iter()
            .filter(|item| is_object(item))
            .map(|node| KubeObject { node })
            .collect();
    }
    vec![object]
}
