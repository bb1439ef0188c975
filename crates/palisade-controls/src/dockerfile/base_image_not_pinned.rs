//! Base images referenced by a tag instead of an immutable digest.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::at;
use super::base_image::base_images;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-base-image-not-pinned",
        title: "Base image is not pinned by digest",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `FROM` instructions (in every stage) whose base image carries no digest (`@sha256:...`). A reference with both a tag and a digest (`debian:12.7@sha256:...`) is pinned: the digest decides what is pulled. Global `ARG`s are substituted first.

Not flagged: `FROM scratch`; `FROM <earlier stage>`; a base image whose tag or digest part depends on a build argument without a value (`FROM $BASE`, `FROM app:${VERSION}`), which is only known at build time; and a malformed reference (`dockerfile-base-image-registry-not-allowed` reports those when it is configured).

## Why is this bad?
Tags are mutable: whoever controls the repository can move `debian:12` to different content, so the same Dockerfile builds on a different base from one day to the next, and a compromised publisher account silently changes what every image is built on. A digest names exactly the content that was reviewed and scanned.

## How to fix
Resolve the tag to its digest (`docker buildx imagetools inspect debian:12.7`, `crane digest debian:12.7`) and write `FROM debian:12.7@sha256:...`, keeping the tag for readability. Let Renovate or Dependabot update the digest through review.

## Example
```dockerfile
FROM debian:12.7
```
Use instead:
```dockerfile
FROM debian:12.7@sha256:b8084b1a576c5504a031936e1132574f4ce1d6cc7130bbcc25a28f074539ae6b
```

## References
- Docker docs, "Building best practices", pin base image versions: https://docs.docker.com/build/building/best-practices/#pin-base-image-versions
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    base_images(dockerfile)
        .iter()
        .filter(|base| base.tag_known())
        .filter(|base| {
            base.image()
                .reference
                .is_some_and(|reference| reference.digest().is_none())
        })
        .map(|base| {
            at(
                base.index,
                format!(
                    "FROM {} is not pinned by digest; a tag can be moved to other content",
                    base.describe()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_references_without_digest() {
        let text = "ARG VERSION\nARG DIGEST=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nFROM golang:1.23 AS build\nFROM build\nFROM debian:12.7@$DIGEST\nFROM app:${VERSION}\nFROM ${REGISTRY}/app:1.0\nFROM scratch\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"3: FROM "golang:1.23" is not pinned by digest; a tag can be moved to other content"#,
                r#"7: FROM "${REGISTRY}/app:1.0" is not pinned by digest; a tag can be moved to other content"#,
            ]
        );
    }
}
