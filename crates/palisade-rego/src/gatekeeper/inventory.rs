//! `data.inventory`: the other objects of the scan, where Gatekeeper's sync
//! puts them: `cluster[apiVersion][kind][name]` for cluster-scoped objects,
//! `namespace[namespace][apiVersion][kind][name]` for the rest.

use regorus::Value;

use crate::value;

/// Lays objects out as Gatekeeper's `data.inventory`.
pub fn inventory(objects: &[Value]) -> Value {
    let mut root = Value::new_object();
    for object in objects {
        let api_version = value::get_str(object, "apiVersion").unwrap_or("");
        let kind = value::get_str(object, "kind").unwrap_or("");
        let metadata = value::get(object, "metadata");
        let name = metadata
            .and_then(|m| value::get_str(m, "name"))
            .unwrap_or("");
        if kind.is_empty() || name.is_empty() {
            continue;
        }
        let path: Vec<&str> = match metadata.and_then(|m| value::get_str(m, "namespace")) {
            Some(namespace) if !namespace.is_empty() => {
                vec!["namespace", namespace, api_version, kind, name]
            }
            _ => vec!["cluster", api_version, kind, name],
        };
        insert(&mut root, &path, object.clone());
    }
    root
}

/// The Namespace object named `name` among `objects` (for
/// `namespaceSelector` and `_unstable.namespace`).
pub fn namespace_named<'a>(objects: &'a [Value], name: &str) -> Option<&'a Value> {
    objects.iter().find(|o| {
        value::get_str(o, "kind") == Some("Namespace")
            && value::get(o, "metadata").and_then(|m| value::get_str(m, "name")) == Some(name)
    })
}

fn insert(node: &mut Value, path: &[&str], leaf: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Ok(map) = node.as_object_mut() else {
        return;
    };
    let key = Value::from(*first);
    if rest.is_empty() {
        map.insert(key, leaf);
        return;
    }
    let child = map.get_or_insert_with(key, Value::new_object);
    insert(child, rest, leaf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_objects_out_by_scope() {
        let objects = [
            r#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}"#,
            r#"{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"}}"#,
        ]
        .map(|t| Value::from_json_str(t).unwrap_or(Value::Null));
        let json = value::to_json(&inventory(&objects));
        assert_eq!(
            json["cluster"]["v1"]["Namespace"]["shop"]["metadata"]["name"],
            "shop"
        );
        assert_eq!(
            json["namespace"]["shop"]["networking.k8s.io/v1"]["Ingress"]["web"]["kind"],
            "Ingress"
        );
    }
}
