//! Linux capabilities as container runtimes read them: case-insensitive,
//! with or without the `CAP_` prefix (containerd and CRI-O both upper-case
//! the name and add the prefix when it is missing).

use palisade_load::Container;
use palisade_model::{FieldPath, Node};

/// `net_raw`, `CAP_NET_RAW` and ` Net_Raw ` are all `NET_RAW`.
pub(crate) fn normalize(capability: &str) -> String {
    let upper = capability.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(bare) => bare.to_owned(),
        None => upper,
    }
}

/// One entry of `securityContext.capabilities.add` or `.drop`.
pub(crate) struct Entry {
    /// As written.
    pub(crate) text: String,
    /// Normalised (`NET_RAW`).
    pub(crate) name: String,
    /// Its path from the object's root.
    pub(crate) path: FieldPath,
}

/// Path of `securityContext.capabilities.<list>` of a container.
pub(crate) fn list_path(container: &Container<'_>, list: &str) -> FieldPath {
    container
        .path
        .keys(&["securityContext", "capabilities", list])
}

/// The string entries of the container's `securityContext.capabilities.<list>`.
pub(crate) fn entries(container: &Container<'_>, list: &str) -> Vec<Entry> {
    let base = list_path(container, list);
    container
        .security_context
        .capabilities
        .as_ref()
        .and_then(|c| c.node.get(list))
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            item.as_str().map(|text| Entry {
                text: text.to_owned(),
                name: normalize(text),
                path: base.index(i),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_like_the_runtime() {
        assert_eq!(normalize("net_raw"), "NET_RAW");
        assert_eq!(normalize("CAP_NET_RAW"), "NET_RAW");
        assert_eq!(normalize("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize(" all "), "ALL");
    }
}
