//! The `images` variable: every container image of a Pod or pod
//! controller, parsed as Kyverno parses it (`pkg/utils/api/image.go`,
//! `pkg/utils/image/infos.go`), so that rules can read
//! `images.containers.<name>.registry` and the like.

use serde_json::{Map, Value as Json, json};

/// The default registry for names without one, as Kyverno's default
/// configuration has it.
pub(crate) const DEFAULT_REGISTRY: &str = "docker.io";

/// `images` for `object`, or `None` when it has no pod spec or no image.
pub fn image_infos(object: &Json) -> Option<Json> {
    let kind = object.get("kind").and_then(Json::as_str)?;
    let spec: &[&str] = match kind {
        "Pod" => &["spec"],
        "DaemonSet"
        | "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "StatefulSet"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    };
    let mut pod = object;
    for key in spec {
        pod = pod.get(key)?;
    }
    let pull_secrets: Vec<Json> = pod
        .get("imagePullSecrets")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("name").cloned())
        .collect();
    let mut images = Map::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let mut infos = Map::new();
        for (i, container) in pod
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (Some(name), Some(image)) = (
                container.get("name").and_then(Json::as_str),
                container
                    .get("image")
                    .and_then(Json::as_str)
                    .filter(|s| !s.trim().is_empty()),
            ) else {
                continue;
            };
            let Some(mut info) = parse(image) else {
                continue;
            };
            if let Some(obj) = info.as_object_mut() {
                obj.insert(
                    "jsonPointer".into(),
                    Json::String(format!("/{}/{list}/{i}/image", spec.join("/"))),
                );
                obj.insert(
                    "imagePullSecrets".into(),
                    if pull_secrets.is_empty() {
                        Json::Null
                    } else {
                        Json::Array(pull_secrets.clone())
                    },
                );
            }
            infos.insert(name.to_string(), info);
        }
        if !infos.is_empty() {
            images.insert(list.to_string(), Json::Object(infos));
        }
    }
    (!images.is_empty()).then_some(Json::Object(images))
}

/// One image reference's parts (`registry`, `path`, `name`, `tag`,
/// `digest`, `reference`, `referenceWithTag`).
pub fn parse(image: &str) -> Option<Json> {
    let full = with_default_registry(image);
    let (name_part, digest) = match full.split_once('@') {
        Some((n, d)) => (n, d.to_string()),
        None => (full.as_str(), String::new()),
    };
    let (registry, rest) = name_part.split_once('/')?;
    let (path, tag) = match rest.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p.to_string(), t.to_string()),
        _ => (rest.to_string(), String::new()),
    };
    if path.is_empty() || registry.is_empty() {
        return None;
    }
    let tag = if tag.is_empty() && digest.is_empty() {
        "latest".to_string()
    } else {
        tag
    };
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    let reference_with_tag = format!("{registry}/{path}:{tag}");
    let reference = if digest.is_empty() {
        format!("{registry}/{path}:{tag}")
    } else {
        format!("{registry}/{path}@{digest}")
    };
    let mut info = json!({
        "registry": registry,
        "name": name,
        "path": path,
        "reference": reference,
        "referenceWithTag": reference_with_tag,
    });
    if let Some(obj) = info.as_object_mut() {
        if !tag.is_empty() {
            obj.insert("tag".into(), Json::String(tag));
        }
        if !digest.is_empty() {
            obj.insert("digest".into(), Json::String(digest));
        }
    }
    Some(info)
}

/// Kyverno's `addDefaultRegistry`: a first segment that is not a host
/// (no `.` or `:`, not `localhost`, lower case) gets the default registry.
pub(crate) fn with_default_registry(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            image.to_string()
        }
        _ => format!("{DEFAULT_REGISTRY}/{image}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn references_parse_as_kyverno_parses_them() {
        let i = parse("nginx").unwrap();
        assert_eq!(i["registry"], "docker.io");
        assert_eq!(i["path"], "nginx");
        assert_eq!(i["tag"], "latest");
        assert_eq!(i["reference"], "docker.io/nginx:latest");
        let i = parse("ghcr.io/org/app:1.2@sha256:abc").unwrap();
        assert_eq!(i["registry"], "ghcr.io");
        assert_eq!(i["path"], "org/app");
        assert_eq!(i["name"], "app");
        assert_eq!(i["tag"], "1.2");
        assert_eq!(i["digest"], "sha256:abc");
        assert_eq!(i["reference"], "ghcr.io/org/app@sha256:abc");
        let i = parse("localhost:5000/app").unwrap();
        assert_eq!(i["registry"], "localhost:5000");
    }

    #[test]
    fn images_of_a_deployment() {
        let d = json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "foo.io/nginx:1.7.9"}]}}}});
        let images = image_infos(&d).unwrap();
        assert_eq!(images["containers"]["web"]["registry"], "foo.io");
        assert_eq!(
            images["containers"]["web"]["jsonPointer"],
            "/spec/template/spec/containers/0/image"
        );
        assert!(image_infos(&json!({"kind": "ConfigMap"})).is_none());
    }
}
