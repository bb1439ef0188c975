//! The containers a Docker host keeps, read from dockerd's own state under
//! `<data-root>/containers/<id>/`: `config.v2.json` (name, image, the
//! container's configuration with what it inherited from its image, the
//! AppArmor profile, mount points, whether it runs) and `hostconfig.json`
//! (what `docker run` was given: privileges, namespaces, mounts, ports,
//! limits, security options). Reading the files rather than asking dockerd
//! needs no Docker socket, so the node agent never holds root's key to the
//! host; every value keeps its place in the file, where findings point.

use std::sync::Arc;

use palisade_model::Node;
use serde::Serialize;

use super::origin::Origin;
use super::root::HostRoot;
use super::writable_layer::{self, WritableLayer};
use crate::parse_documents;

/// How many containers are read at most: a host with more is judged on
/// the first ones by name, and the scan says so.
pub const MAX_CONTAINERS: usize = 2_000;

/// One container of a Docker host, as dockerd stored it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerContainer {
    /// The container's ID (its state folder's name).
    pub id: String,
    /// Its name, without Docker's leading `/`.
    pub name: String,
    /// The image it was started from, as given (`Config.Image`).
    pub image: String,
    /// Whether dockerd last recorded it running (`State.Running`).
    pub running: bool,
    /// `config.v2.json`, as read. Not written by `node collect`: its
    /// `Config.Env` holds whatever secrets the container was given.
    #[serde(skip)]
    pub config: Node,
    /// `hostconfig.json`, as read (not written by `node collect`, with
    /// `config`).
    #[serde(skip)]
    pub host_config: Node,
    /// The host path of `config.v2.json`.
    pub config_file: Arc<str>,
    /// The host path of `hostconfig.json`.
    pub host_config_file: Arc<str>,
    /// What it wrote into its writable layer (running containers only).
    pub writable_layer: Option<WritableLayer>,
}

/// A value of a container's state and where it is written.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The value.
    pub node: &'a Node,
    /// The file it is in.
    file: &'a Arc<str>,
    /// The key's position (the value's for items of a list).
    line: u32,
    column: u32,
    /// The path of keys, as a finding names it (`HostConfig.Privileged`).
    path: &'a str,
}

impl Field<'_> {
    /// Where the value is written, and what it is.
    pub fn origin(&self) -> Origin {
        Origin::at(self.file, self.line, self.column, self.path.to_owned())
    }

    /// The same file, at an item inside this value (`path` names it).
    pub fn origin_of(&self, item: &Node, path: &str) -> Origin {
        Origin::at(self.file, item.pos.line, item.pos.column, path.to_owned())
    }
}

impl DockerContainer {
    /// A member of `hostconfig.json` (`Privileged`, `PortBindings`), `None`
    /// when absent or `null`.
    pub fn host<'a>(&'a self, key: &'a str) -> Option<Field<'a>> {
        let entry = self.host_config.entry(key)?;
        (!matches!(entry.value.value, palisade_model::Value::Null)).then_some(Field {
            node: &entry.value,
            file: &self.host_config_file,
            line: entry.key_pos.line,
            column: entry.key_pos.column,
            path: key,
        })
    }

    /// A value of `config.v2.json` under `keys` (`["Config", "User"]`),
    /// `None` when absent or `null`; `shown` is how a finding names it.
    pub fn state<'a>(&'a self, keys: &[&str], shown: &'a str) -> Option<Field<'a>> {
        let (last, parents) = keys.split_last()?;
        let parent = self.config.get_path(parents)?;
        let entry = parent.entry(last)?;
        (!matches!(entry.value.value, palisade_model::Value::Null)).then_some(Field {
            node: &entry.value,
            file: &self.config_file,
            line: entry.key_pos.line,
            column: entry.key_pos.column,
            path: shown,
        })
    }

    /// Where the container's state is, for what a control says of a value
    /// that is absent: `hostconfig.json` as a whole.
    pub fn host_config_origin(&self, what: &str) -> Origin {
        Origin::at(&self.host_config_file, 0, 0, what.to_owned())
    }

    /// `config.v2.json` as a whole.
    pub fn config_origin(&self, what: &str) -> Origin {
        Origin::at(&self.config_file, 0, 0, what.to_owned())
    }
}

/// Every container under `<data_root>/containers`, by name; what could
/// not be read goes to `problems`, naming the file.
pub fn read(root: &HostRoot, data_root: &str, problems: &mut Vec<String>) -> Vec<DockerContainer> {
    let folder = format!("{}/containers", data_root.trim_end_matches('/'));
    let Ok(resolved) = root.resolve(&folder) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&resolved.local) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    ids.sort();
    if ids.len() > MAX_CONTAINERS {
        problems.push(format!(
            "{folder} holds {} containers; the first {MAX_CONTAINERS} by ID are judged",
            ids.len()
        ));
        ids.truncate(MAX_CONTAINERS);
    }
    let mut containers: Vec<DockerContainer> = ids
        .into_iter()
        .filter_map(|id| container(root, &folder, id, problems))
        .collect();
    for c in containers.iter_mut().filter(|c| c.running) {
        let driver = c
            .config
            .get("Driver")
            .and_then(Node::as_str)
            .unwrap_or("overlay2");
        c.writable_layer = Some(writable_layer::read(root, data_root, &c.id, driver));
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    containers
}

/// One container's state folder.
fn container(
    root: &HostRoot,
    folder: &str,
    id: String,
    problems: &mut Vec<String>,
) -> Option<DockerContainer> {
    let config_path = format!("{folder}/{id}/config.v2.json");
    let host_path = format!("{folder}/{id}/hostconfig.json");
    let config = json_file(root, &config_path, "the container state", problems)?;
    let host_config = json_file(root, &host_path, "the container state", problems)?;
    let text = |keys: &[&str]| {
        config
            .get_path(keys)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = text(&["Name"]).trim_start_matches('/').to_owned();
    let image = text(&["Config", "Image"]);
    let running = config
        .get_path(&["State", "Running"])
        .and_then(Node::as_bool)
        .unwrap_or(false);
    Some(DockerContainer {
        name: if name.is_empty() {
            id.chars().take(12).collect()
        } else {
            name
        },
        id,
        image,
        running,
        config,
        host_config,
        config_file: Arc::from(config_path.as_str()),
        host_config_file: Arc::from(host_path.as_str()),
        writable_layer: None,
    })
}

/// A JSON file of dockerd's state (`what`: `the container state`, `the
/// image store's`), read within the limits, as a tree with positions; a
/// problem when it cannot be read or is not a JSON object.
pub(super) fn json_file(
    root: &HostRoot,
    path: &str,
    what: &str,
    problems: &mut Vec<String>,
) -> Option<Node> {
    let text = match root.read_text(path) {
        Ok(text) => text,
        Err(e) => {
            problems.push(format!("cannot read {what} {path}: {e}"));
            return None;
        }
    };
    let parsed = parse_documents(Arc::from(path), &text, root.limits());
    if !parsed.errors.is_empty() {
        problems.extend(parsed.errors.iter().map(ToString::to_string));
        return None;
    }
    let root = parsed.documents.into_iter().next()?.root;
    if !root.is_map() {
        problems.push(format!("{path}: {what} is not a JSON object"));
        return None;
    }
    Some(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::host::test_tree as host;

    const ID: &str = "0123abcd";

    #[test]
    fn reads_a_container_with_the_places_of_its_values() {
        let dir = host(&[
            (
                "/var/lib/docker/containers/0123abcd/config.v2.json",
                r#"{"Name":"/web","Config":{"Image":"nginx:1.27","User":"","Env":["TOKEN=s3cr3t"]},"State":{"Running":true}}"#,
            ),
            (
                "/var/lib/docker/containers/0123abcd/hostconfig.json",
                r#"{"Privileged":true,"CapAdd":null}"#,
            ),
        ]);
        let root = HostRoot::new(dir.path());
        let mut problems = Vec::new();
        let containers = read(&root, "/var/lib/docker", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let [web] = containers.as_slice() else {
            panic!("{containers:?}")
        };
        assert_eq!(
            (web.name.as_str(), web.image.as_str()),
            ("web", "nginx:1.27")
        );
        assert!(web.running);
        let privileged = web.host("Privileged").unwrap();
        assert_eq!(privileged.node.as_bool(), Some(true));
        assert_eq!(
            privileged.origin().to_string(),
            format!("/var/lib/docker/containers/{ID}/hostconfig.json:1:2 (Privileged)")
        );
        assert!(web.host("CapAdd").is_none(), "null is absent");
        let user = web.state(&["Config", "User"], "Config.User").unwrap();
        assert_eq!(user.node.as_str(), Some(""));
        let collected = serde_json::to_string(web).unwrap();
        assert!(!collected.contains("s3cr3t"), "{collected}");
    }

    #[test]
    fn a_broken_state_file_is_a_problem_and_the_others_are_read() {
        let dir = host(&[
            ("/d/containers/aa/config.v2.json", "{\"Name\": "),
            ("/d/containers/aa/hostconfig.json", "{}"),
            ("/d/containers/bb/config.v2.json", "{\"Name\":\"/ok\"}"),
            ("/d/containers/bb/hostconfig.json", "{}"),
            ("/d/containers/not-an-id/config.v2.json", "{}"),
        ]);
        let root = HostRoot::new(dir.path());
        let mut problems = Vec::new();
        let containers = read(&root, "/d/", &mut problems);
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0].name, "ok");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("/d/containers/aa/config.v2.json"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_host_without_docker_state_has_no_containers() {
        let dir = host(&[]);
        let mut problems = Vec::new();
        assert!(read(&HostRoot::new(dir.path()), "/var/lib/docker", &mut problems).is_empty());
        assert!(problems.is_empty());
    }
}
