//! The images a Docker host keeps, read from dockerd's classic image store
//! under `<data-root>/image/<driver>/`: `repositories.json` (the tags) and
//! `imagedb/content/sha256/<id>` (each image's config, whose `history` is
//! what `docker history` prints). Only the images that are tagged or used
//! by a container are read: the store also holds every intermediate image
//! of the classic builder, which nobody runs.
//!
//! Docker's containerd image store (the default of new installs since
//! Docker 29) keeps images in containerd's content store and names them in
//! containerd's bolt database instead; when dockerd has containers but no
//! classic store, this reader says so rather than judging an empty store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use palisade_model::Node;
use serde::Serialize;

use super::containers::{DockerContainer, json_file};
use super::origin::Origin;
use super::root::HostRoot;
use crate::image::HistoryStep;

/// How many images are read at most: a host with more is judged on the
/// first ones by ID, and the scan says so.
pub const MAX_IMAGES: usize = 2_000;

/// One image of a Docker host's store.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerImage {
    /// Its ID: the SHA-256 of its config, in hex.
    pub id: String,
    /// Its tags (`nginx:1.27`), sorted; empty for an image only a
    /// container uses.
    pub tags: Vec<String>,
    /// The registry digests it was pulled by (`nginx@sha256:...`, what
    /// `docker inspect` lists as `RepoDigests`), sorted.
    pub repo_digests: Vec<String>,
    /// The containers started from it, by name.
    pub containers: Vec<String>,
    /// The host path of its config.
    pub config_file: Arc<str>,
    /// Its build history, oldest step first. Not written by `node
    /// collect`: build arguments (`|1 TOKEN=...`) are recorded in it.
    #[serde(skip)]
    pub history: Vec<HistoryStep>,
    /// Where each step's `created_by` is written, by the step's index.
    #[serde(skip)]
    pub steps: Vec<Origin>,
}

impl DockerImage {
    /// How findings name it: its first tag, else its short ID.
    pub fn name(&self) -> String {
        self.tags
            .first()
            .cloned()
            .unwrap_or_else(|| self.id.chars().take(12).collect())
    }

    /// Where step `index` of the history is written, else the config.
    pub fn step_origin(&self, index: usize) -> Origin {
        self.steps.get(index).cloned().unwrap_or_else(|| {
            Origin::at(
                &self.config_file,
                0,
                0,
                format!("history[{index}] of the image config"),
            )
        })
    }
}

/// Which store dockerd keeps its images in, as far as the host shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageStore {
    /// `<data-root>/image/<driver>/imagedb`: read.
    Classic,
    /// No classic store, though dockerd keeps containers: their images are
    /// in the containerd image store, which is not read.
    Containerd,
    /// Neither: dockerd holds no images.
    #[default]
    None,
}

/// The images of the store under `data_root` that are tagged or used by
/// one of `containers`, by ID, and which store that is. What could not be
/// read goes to `problems`, naming the file.
pub fn read(
    root: &HostRoot,
    data_root: &str,
    containers: &[DockerContainer],
    problems: &mut Vec<String>,
) -> (ImageStore, Vec<DockerImage>) {
    let folder = format!("{}/image", data_root.trim_end_matches('/'));
    let drivers = subfolders(root, &folder);
    let stores: Vec<String> = drivers
        .into_iter()
        .map(|driver| format!("{folder}/{driver}"))
        .filter(|store| root.exists(&format!("{store}/imagedb")))
        .collect();
    if stores.is_empty() {
        // Containers need images: with no classic store, they are in
        // containerd's. (containerd's own content folder says nothing: it
        // is there under the classic store too.)
        let store = if containers.is_empty() {
            ImageStore::None
        } else {
            ImageStore::Containerd
        };
        return (store, Vec::new());
    }
    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for container in containers {
        if let Some(id) = container
            .config
            .get("Image")
            .and_then(Node::as_str)
            .and_then(image_id)
        {
            used.entry(id).or_default().push(container.name.clone());
        }
    }
    let mut images = Vec::new();
    for store in &stores {
        let (tags, repo_digests) = references(root, store, problems);
        let mut ids: BTreeSet<&String> = tags.keys().collect();
        ids.extend(used.keys());
        let mut ids: Vec<&String> = ids.into_iter().collect();
        if ids.len() > MAX_IMAGES {
            problems.push(format!(
                "{store} holds {} tagged or used images; the first {MAX_IMAGES} by ID are judged",
                ids.len()
            ));
            ids.truncate(MAX_IMAGES);
        }
        for id in ids {
            let path = format!("{store}/imagedb/content/sha256/{id}");
            let Some(config) = json_file(root, &path, "the image store file", problems) else {
                continue;
            };
            let (history, steps) = history(&config, &Arc::from(path.as_str()));
            images.push(DockerImage {
                id: id.clone(),
                tags: tags.get(id).cloned().unwrap_or_default(),
                repo_digests: repo_digests.get(id).cloned().unwrap_or_default(),
                containers: used.get(id).cloned().unwrap_or_default(),
                config_file: Arc::from(path.as_str()),
                history,
                steps,
            });
        }
    }
    (ImageStore::Classic, images)
}

/// `sha256:<64 hex>` as the hex, else `None` (a name, not an ID).
fn image_id(reference: &str) -> Option<String> {
    let hex = reference.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hex.to_owned())
}

/// The folders directly under `folder`, sorted.
fn subfolders(root: &HostRoot, folder: &str) -> Vec<String> {
    let Ok(resolved) = root.resolve(folder) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&resolved.local) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Image references by ID.
type ByImage = BTreeMap<String, Vec<String>>;

/// Each image's tags and registry digests, by image ID, from
/// `repositories.json` (`{"Repositories": {"nginx": {"nginx:1.27":
/// "sha256:<id>", "nginx@sha256:<digest>": "sha256:<id>"}}}`).
fn references(root: &HostRoot, store: &str, problems: &mut Vec<String>) -> (ByImage, ByImage) {
    let path = format!("{store}/repositories.json");
    let mut tags = ByImage::new();
    let mut digests = ByImage::new();
    if !root.exists(&path) {
        return (tags, digests);
    }
    let Some(file) = json_file(root, &path, "the image store file", problems) else {
        return (tags, digests);
    };
    let Some(repositories) = file.get("Repositories") else {
        return (tags, digests);
    };
    for repository in repositories.entries() {
        for reference in repository.value.entries() {
            let name = reference.key.as_str();
            let Some(id) = reference.value.as_str().and_then(image_id) else {
                continue;
            };
            let list = if name.contains('@') {
                &mut digests
            } else {
                &mut tags
            };
            list.entry(id).or_default().push(name.to_owned());
        }
    }
    for list in tags.values_mut().chain(digests.values_mut()) {
        list.sort();
    }
    (tags, digests)
}

/// The history of a config, with the place of each step's `created_by`
/// (of the step itself when it has none).
fn history(config: &Node, file: &Arc<str>) -> (Vec<HistoryStep>, Vec<Origin>) {
    let Some(history) = config.get("history") else {
        return (Vec::new(), Vec::new());
    };
    history
        .items()
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let what = format!("history[{index}].created_by");
            let (created_by, origin) = match step.entry("created_by") {
                Some(entry) => (
                    entry.value.as_str().unwrap_or_default().to_owned(),
                    Origin::at(file, entry.key_pos.line, entry.key_pos.column, what),
                ),
                None => (
                    String::new(),
                    Origin::at(file, step.pos.line, step.pos.column, what),
                ),
            };
            let empty_layer = step
                .get("empty_layer")
                .and_then(Node::as_bool)
                .unwrap_or(false);
            (
                HistoryStep {
                    created_by,
                    empty_layer,
                },
                origin,
            )
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::host::test_tree as host;

    const TAGGED: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const USED: &str = "2222222222222222222222222222222222222222222222222222222222222222";
    const DANGLING: &str = "3333333333333333333333333333333333333333333333333333333333333333";

    fn store() -> Vec<(String, String)> {
        let db = "/var/lib/docker/image/overlay2";
        vec![
            (
                format!("{db}/repositories.json"),
                format!(
                    r#"{{"Repositories":{{"web":{{"web:1":"sha256:{TAGGED}","web@sha256:ab":"sha256:{TAGGED}"}}}}}}"#
                ),
            ),
            (
                format!("{db}/imagedb/content/sha256/{TAGGED}"),
                "{\"history\":[\n{\"created_by\":\"/bin/sh -c #(nop) ADD file:aa in / \"},\n{\"created_by\":\"/bin/sh -c apt-get update\"},\n{\"empty_layer\":true}]}".to_owned(),
            ),
            (
                format!("{db}/imagedb/content/sha256/{USED}"),
                "{\"history\":[]}".to_owned(),
            ),
            (
                format!("{db}/imagedb/content/sha256/{DANGLING}"),
                "not json {".to_owned(),
            ),
        ]
    }

    fn container(name: &str, image: &str) -> DockerContainer {
        let text = format!(r#"{{"Image":"sha256:{image}"}}"#);
        let parsed = crate::parse_documents(Arc::from("c"), &text, &crate::Limits::default());
        DockerContainer {
            id: name.to_owned(),
            name: name.to_owned(),
            image: String::new(),
            running: true,
            config: parsed.documents.into_iter().next().unwrap().root,
            host_config: Node::new(palisade_model::Value::Null, Default::default()),
            config_file: Arc::from("c"),
            host_config_file: Arc::from("h"),
            writable_layer: None,
        }
    }

    #[test]
    fn reads_tagged_and_used_images_with_the_places_of_their_steps() {
        let files = store();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let dir = host(&files);
        let mut problems = Vec::new();
        let (kind, images) = read(
            &HostRoot::new(dir.path()),
            "/var/lib/docker",
            &[container("app", USED)],
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(kind, ImageStore::Classic);
        let [tagged, used] = images.as_slice() else {
            panic!("{images:?}")
        };
        assert_eq!(tagged.name(), "web:1");
        assert_eq!(used.name(), "222222222222");
        assert_eq!(used.containers, ["app"]);
        assert_eq!(tagged.history.len(), 3);
        assert_eq!(tagged.history[1].created_by, "/bin/sh -c apt-get update");
        assert!(tagged.history[2].empty_layer);
        assert_eq!(
            tagged.step_origin(1).to_string(),
            format!(
                "/var/lib/docker/image/overlay2/imagedb/content/sha256/{TAGGED}:3:2 (history[1].created_by)"
            )
        );
        let collected = serde_json::to_string(tagged).unwrap();
        assert!(!collected.contains("apt-get"), "{collected}");
    }

    #[test]
    fn containers_without_a_classic_store_are_on_containerds() {
        let dir = host(&[(
            "/var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/aa",
            "{}",
        )]);
        let root = HostRoot::new(dir.path());
        let mut problems = Vec::new();
        let (kind, images) = read(&root, "/var/lib/docker", &[], &mut problems);
        assert_eq!(kind, ImageStore::None, "no containers, no images");
        assert!(images.is_empty());
        let (kind, _) = read(
            &root,
            "/var/lib/docker",
            &[container("app", USED)],
            &mut problems,
        );
        assert_eq!(kind, ImageStore::Containerd);
        assert!(problems.is_empty(), "{problems:?}");
    }
}
