//! Images whose digest is not on the approved list (drift prevention).

use palisade_load::PodSpec;
use palisade_load::image::Image;
use palisade_model::{ControlMeta, FieldPath, Severity};

use crate::workload::image::Image as ImageRef;
use crate::workload::{container_violation, describe};
use crate::{Check, Control, Param, Params, Violation};

/// The parameter that `--allowed-digests FILE` and `allowed-digests:` in
/// `palisade.yaml` fill.
pub const ALLOWED_DIGESTS: Param = Param {
    name: "allowed-digests",
    doc: "The approved image digests (`sha256:<hex>`; `name@sha256:<hex>` is accepted and its name ignored). Set by `palisade scan --allowed-digests FILE` or `allowed-digests:` in `palisade.yaml`. The control reports nothing while the list is empty.",
    default: &[],
};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-digest-not-allowed",
        title: "Image digest is not on the approved list",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_DIGESTS],
    check: Check::ImageAndWorkload {
        image: check_image,
        workload: check_workload,
    },
};

const DOCS: &str = r#"## What it does
Compares images with an approved list of digests (the images that were built, scanned and signed off), given with `palisade scan --allowed-digests FILE` (one digest per line, `#` comments) or `allowed-digests:` in `palisade.yaml`. It does nothing until a list is given.
- A container image read by Palisade (`docker save`, OCI layout, image config, `docker inspect`) passes when any of its digests is on the list: its manifest digest (what a registry serves it under), its image index digest (what a multi-platform tag resolves to), its config digest (the image ID), or a `RepoDigests` digest.
- A Kubernetes container (init, regular, ephemeral) whose image is pinned by digest (`name@sha256:...`, with or without a tag) passes when that digest is on the list. An image not pinned by digest cannot be verified, and is reported as such: its tag may point at any content.

## Why is this bad?
An image that is not on the approved list is drift: something was rebuilt, pushed or pulled outside the release process (a hotfix built on a laptop, a tag moved in the registry, a compromised pipeline), and whatever runs it has not been through the checks the approved images passed.

## How to fix
Deploy only approved images, by digest. If the image is legitimate, add its digest to the list through the release process (the build prints it; `crane digest`, `docker buildx imagetools inspect` or `docker inspect --format '{{index .RepoDigests 0}}'` show it).

## Example
```yaml
# allowed-digests: [sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d]
containers:
- name: app
  image: registry.example.com/app:1.4.2
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d
```

## References
- OCI image spec, descriptors and digests: https://github.com/opencontainers/image-spec/blob/main/descriptor.md
"#;

/// A digest as compared: `sha256:<hex>`, lowercase, without a name.
///
/// ```
/// use palisade_controls::image::normalize_digest;
/// assert_eq!(normalize_digest(" nginx@SHA256:AB "), "sha256:ab");
/// ```
pub fn normalize_digest(digest: &str) -> String {
    let digest = digest.trim();
    let digest = digest.rsplit_once('@').map_or(digest, |(_, d)| d);
    digest.to_ascii_lowercase()
}

pub(crate) fn allowed(params: &Params) -> Vec<String> {
    params
        .list(ALLOWED_DIGESTS.name)
        .iter()
        .map(|d| normalize_digest(d))
        .filter(|d| !d.is_empty())
        .collect()
}

fn check_image(image: &Image, params: &Params) -> Vec<Violation> {
    let allowed = allowed(params);
    if allowed.is_empty() {
        return Vec::new();
    }
    let digests = image.digests();
    if digests.iter().any(|d| allowed.contains(d)) {
        return Vec::new();
    }
    let message = if digests.is_empty() {
        format!(
            "image \"{}\" has no digest, so it cannot be verified against the allowed digests",
            image.name()
        )
    } else {
        let known: Vec<String> = [
            ("manifest", &image.manifest_digest),
            ("index", &image.index_digest),
            ("config", &image.config_digest),
        ]
        .into_iter()
        .filter_map(|(what, d)| d.as_ref().map(|d| format!("{what} {d}")))
        .chain(
            image
                .repo_digests
                .iter()
                .map(|r| format!("repo digest {r}")),
        )
        .collect();
        format!(
            "image \"{}\" ({}) is not on the allowed digests list",
            image.name(),
            known.join(", ")
        )
    };
    vec![Violation {
        container: None,
        path: FieldPath::root().key("digest"),
        message,
    }]
}

fn check_workload(pod: &PodSpec<'_>, params: &Params) -> Vec<Violation> {
    let allowed = allowed(params);
    if allowed.is_empty() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for container in &pod.containers {
        let Some(image) = ImageRef::of(container) else {
            continue;
        };
        let problem = match image.reference.as_ref().and_then(|r| r.digest()) {
            Some(digest) if allowed.contains(&normalize_digest(digest)) => continue,
            Some(_) => "whose digest is not on the allowed digests list",
            None => {
                "which is not pinned by digest, so it cannot be verified against the allowed digests"
            }
        };
        violations.push(container_violation(
            container,
            &["image"],
            format!(
                "{} uses image \"{}\", {problem}",
                describe(container),
                image.text
            ),
        ));
    }
    violations
}

#[cfg(test)]
mod tests {
    use palisade_load::image::{Image, ImageConfig};
    use palisade_load::{Limits, PodSpec, objects, parse_documents};

    use super::{CONTROL, check_workload};
    use crate::Params;
    use crate::testing::{image, messages_with};

    const A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn params(list: &[&str]) -> Params {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(
                &CONTROL,
                "allowed-digests",
                list.iter().map(|d| (*d).to_owned()).collect(),
            )
            .unwrap();
        params
    }

    #[test]
    fn images_pass_by_any_of_their_digests() {
        let built = Image {
            manifest_digest: Some(A.into()),
            config_digest: Some(B.into()),
            ..image(ImageConfig::default())
        };
        assert!(
            messages_with(&CONTROL, &Params::defaults(&CONTROL), &built).is_empty(),
            "inactive without a list"
        );
        assert!(messages_with(&CONTROL, &params(&[A]), &built).is_empty());
        assert!(
            messages_with(
                &CONTROL,
                &params(&[&format!("acme/api@{}", B.to_uppercase())]),
                &built
            )
            .is_empty()
        );
        let other = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
        assert_eq!(
            messages_with(&CONTROL, &params(&[other]), &built),
            [format!(
                r#"digest: image "acme/api:1.0" (manifest {A}, config {B}) is not on the allowed digests list"#
            )]
        );
        let inspected = Image {
            repo_digests: vec![format!("nginx@{A}")],
            ..image(ImageConfig::default())
        };
        assert!(messages_with(&CONTROL, &params(&[A]), &inspected).is_empty());
        assert_eq!(
            messages_with(&CONTROL, &params(&[A]), &image(ImageConfig::default())),
            [
                r#"digest: image "acme/api:1.0" has no digest, so it cannot be verified against the allowed digests"#
            ]
        );
    }

    fn workload(params: &Params, spec: &str) -> Vec<String> {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
        let parsed = parse_documents("t.yaml".into(), &text, &Limits::default());
        let object = objects(&parsed.documents[0].root)[0];
        let pod = PodSpec::find(&object).unwrap();
        check_workload(&pod, params)
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    }

    #[test]
    fn containers_must_be_pinned_to_an_allowed_digest() {
        let spec = format!(
            "  containers:\n  - {{name: a, image: 'app@{A}'}}\n  - {{name: b, image: 'app:1.0@{B}'}}\n  - {{name: c, image: 'app:1.0'}}\n  - {{name: d}}\n"
        );
        assert!(workload(&Params::defaults(&CONTROL), &spec).is_empty());
        assert_eq!(
            workload(&params(&[A]), &spec),
            [
                format!(r#"spec.containers[1].image: container "b" uses image "app:1.0@{B}", whose digest is not on the allowed digests list"#),
                r#"spec.containers[2].image: container "c" uses image "app:1.0", which is not pinned by digest, so it cannot be verified against the allowed digests"#.to_owned(),
            ]
        );
    }
}
