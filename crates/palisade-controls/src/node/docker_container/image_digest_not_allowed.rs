//! A running container's image is not one of the approved digests.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_load::host::images::ImageStore;
use palisade_model::{ControlMeta, Node, Severity};

use super::fail;
use crate::image::{ALLOWED_DIGESTS, normalize_digest};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-image-digest-not-allowed",
        title: "A running container's image digest is not on the approved list",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_DIGESTS],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Compares the image each running container of a Docker host was created from with the approved list of `--allowed-digests FILE` or `allowed-digests:` in `palisade.yaml` (the list `image-digest-not-allowed` checks images and manifests against). The container's image ID (`Image` in dockerd's `config.v2.json`, the digest of the image's config) is looked up in dockerd's image store (`repositories.json`), which knows the registry digests it was pulled by (`docker inspect`'s `RepoDigests`): the container passes when its image ID or one of those digests is on the list. It does nothing until a list is given. With Docker's containerd image store, whose names are not read, only the image ID can match.

## Why is this bad?
What runs on a host is not always what was released: an image built on the host, loaded from a tar, pulled from a mirror or re-tagged by hand runs with none of the checks the approved images passed.

## How to fix
Recreate the container from an approved image, by digest (`docker run registry.example.com/app@sha256:...`). If the image is legitimate, add its digest to the list through the release process (`docker inspect --format '{{index .RepoDigests 0}}' IMAGE` shows it).

## Example
```text
# config.v2.json of a container built on the host: no registry digest
"Image": "sha256:5d8f1b3c...",
```
Use instead:
```sh
docker run -d registry.example.com/web@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d
```

## References
- Docker docs, `docker image inspect` (`Id`, `RepoDigests`)
"#;

fn check(
    container: &DockerContainer,
    daemon: &DockerDaemon,
    params: &Params,
) -> Vec<NodeJudgement> {
    let allowed: Vec<String> = params
        .list(ALLOWED_DIGESTS.name)
        .iter()
        .map(|d| normalize_digest(d))
        .filter(|d| !d.is_empty())
        .collect();
    if allowed.is_empty() {
        return Vec::new();
    }
    let Some(field) = container.state(&["Image"], "Image") else {
        return vec![fail(
            "Image",
            "dockerd's state of the container names no image, so it cannot be verified against the allowed digests".to_owned(),
            container.config_origin("Image"),
        )];
    };
    let id = field
        .node
        .as_str()
        .map(normalize_digest)
        .unwrap_or_default();
    let image = daemon
        .images
        .iter()
        .find(|i| id.strip_prefix("sha256:") == Some(i.id.as_str()));
    let repo_digests: Vec<String> = image.map(|i| i.repo_digests.clone()).unwrap_or_default();
    let mut digests = vec![id.clone()];
    digests.extend(repo_digests.iter().map(|d| normalize_digest(d)));
    if digests.iter().any(|d| allowed.contains(d)) {
        return Vec::new();
    }
    let name = container
        .config
        .get_path(&["Config", "Image"])
        .and_then(Node::as_str)
        .unwrap_or("?");
    let known = if !repo_digests.is_empty() {
        format!("pulled as {}", repo_digests.join(", "))
    } else if daemon.image_store == ImageStore::Containerd {
        "its registry digests are in the containerd image store, which is not read".to_owned()
    } else {
        "no registry digest: built or loaded on the host".to_owned()
    };
    vec![fail(
        "Image",
        format!(
            "container \"{}\" runs {name} (image {id}; {known}), which is not on the allowed digests list",
            container.name
        ),
        field.origin(),
    )]
}
