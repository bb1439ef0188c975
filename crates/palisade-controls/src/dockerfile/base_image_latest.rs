//! Base images referenced by the `latest` tag or by no tag at all.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::at;
use super::base_image::base_images;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-base-image-latest",
        title: "Base image uses the latest tag or no tag",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `FROM` instructions (in every stage) whose base image is referenced by the `latest` tag, or by no tag (which Docker reads as `latest`), unless a digest pins it. Global `ARG`s are substituted first (`ARG BASE=debian` then `FROM $BASE` is flagged).

Not flagged: `FROM scratch`; `FROM <earlier stage>`; a base image whose tag depends on a build argument without a value (`FROM $BASE`, `FROM node:${NODE_VERSION}` with no default), which is only known at build time (a registry given that way, `FROM ${REGISTRY}/app`, does not hide the missing tag); and a malformed reference (`dockerfile-base-image-registry-not-allowed` reports those when it is configured).

## Why is this bad?
`latest` is a moving pointer: two builds of the same Dockerfile produce different images, a rebuild silently picks up a new major version with breaking changes or new vulnerabilities, and nobody can tell from the Dockerfile what the image was built on. Reproducible builds and vulnerability management both need to know the base.

## How to fix
Name a specific version tag, or better a digest (`FROM debian:12.7@sha256:...`), and let a bot such as Renovate or Dependabot propose updates through review.

## Example
```dockerfile
FROM python
COPY app.py /app/
```
Use instead:
```dockerfile
FROM python:3.12-slim
COPY app.py /app/
```

## References
- hadolint DL3006 "Always tag the version of an image explicitly" and DL3007 "Using latest is prone to errors"; Trivy DS001 "':latest' tag used"
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for base in base_images(dockerfile) {
        if !base.tag_known() {
            continue;
        }
        let image = base.image();
        let Some(reference) = &image.reference else {
            continue;
        };
        if reference.digest().is_some() {
            continue;
        }
        let problem = if !image.explicit_tag {
            "no tag (so \"latest\")"
        } else if reference.tag() == Some("latest") {
            "the \"latest\" tag"
        } else {
            continue;
        };
        violations.push(at(
            base.index,
            format!(
                "FROM {} uses {problem}; pin a version or a digest",
                base.describe()
            ),
        ));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_latest_and_missing_tags() {
        let text = "ARG BASE=debian\nARG REGISTRY\nARG TAG\nFROM debian:latest AS a\nFROM $BASE\nFROM python:3.12-slim AS b\nFROM b\nFROM scratch\nFROM ${REGISTRY}/team/app\nFROM node:${TAG}\nFROM $UNSET\nFROM nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nFROM Not/Valid\nFROM localhost:5000/app\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"4: FROM "debian:latest" uses the "latest" tag; pin a version or a digest"#,
                r#"5: FROM "debian" (written "$BASE") uses no tag (so "latest"); pin a version or a digest"#,
                r#"9: FROM "${REGISTRY}/team/app" uses no tag (so "latest"); pin a version or a digest"#,
                r#"14: FROM "localhost:5000/app" uses no tag (so "latest"); pin a version or a digest"#,
            ]
        );
    }
}
