//! The image's final stage runs as root.

use palisade_load::dockerfile::{Dockerfile, Stage};
use palisade_model::{ControlMeta, Severity};

use super::at;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-root-user",
        title: "Image runs as root (no USER, or USER root, in the final stage)",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags a Dockerfile whose final stage (the image `docker build` produces) runs as root: its last `USER` names `root` or UID `0` (with or without a group), or no `USER` is set in the final stage nor in the stages it is built `FROM`. `ARG` and `ENV` values are substituted (`USER ${APP_USER}`). Earlier build stages may run as root: they are not shipped.

A base image can set a user itself (distroless `nonroot` images do); Palisade cannot see inside it, so such a Dockerfile should state `USER` explicitly (it costs nothing and documents the intent) or take an exception.

## Why is this bad?
A process running as root inside a container is root on the host if it escapes (a kernel or runtime vulnerability, a mounted socket, a privileged setting added later), and can modify the whole container filesystem, install tools and read every mounted secret. Kubernetes' `runAsNonRoot` refuses such an image at run time; fixing it at build time avoids the surprise.

## How to fix
Create an unprivileged user in the image and switch to it at the end of the final stage, by numeric UID so that Kubernetes can verify it is not root.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
```
Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && useradd --uid 10001 --no-create-home app
USER 10001
```

## References
- hadolint DL3002 "Last USER should not be root"
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let Some(last) = dockerfile.final_stage() else {
        return Vec::new();
    };
    match last_user(dockerfile, last, 0) {
        Some((index, user)) if is_root(&user) => vec![at(
            index,
            format!("the final stage switches to USER \"{user}\", so the image runs as root"),
        )],
        Some(_) => Vec::new(),
        None => vec![at(
            last.from,
            "the final stage sets no USER, so the image runs as root (unless its base image sets a user)"
                .to_owned(),
        )],
    }
}

/// The last `USER` of a stage, following `FROM <earlier stage>` (bounded, so
/// a malformed chain cannot loop).
fn last_user(dockerfile: &Dockerfile, stage: &Stage, depth: usize) -> Option<(usize, String)> {
    let instructions = dockerfile.stage_instructions(stage);
    let found = instructions
        .iter()
        .enumerate()
        .rev()
        .find(|(_, i)| i.keyword == "USER")
        .map(|(offset, i)| {
            let index = stage.from + offset;
            (
                index,
                dockerfile.variables_at(index).expand(i.text().trim()),
            )
        });
    if found.is_some() || depth > 16 {
        return found;
    }
    let base = stage.base_expanded.to_ascii_lowercase();
    let parent = dockerfile
        .stages
        .iter()
        .take(stage.index)
        .rev()
        .find(|s| s.name.as_deref() == Some(base.as_str()))?;
    last_user(dockerfile, parent, depth + 1)
}

/// `root`, `0`, `root:x`, `0:0`.
fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn final_stage_user() {
        assert_eq!(
            messages(&CONTROL, "FROM debian:12\nRUN true\n"),
            [
                "1: the final stage sets no USER, so the image runs as root (unless its base image sets a user)"
            ]
        );
        assert_eq!(
            messages(
                &CONTROL,
                "FROM debian:12\nUSER app\nRUN x\nUSER root:root\n"
            ),
            [r#"4: the final stage switches to USER "root:root", so the image runs as root"#]
        );
        assert_eq!(
            messages(&CONTROL, "FROM debian:12\nARG UID=0\nUSER $UID\n"),
            [r#"3: the final stage switches to USER "0", so the image runs as root"#]
        );
        assert!(messages(&CONTROL, "FROM debian:12\nUSER 10001\n").is_empty());
        // Build stages may run as root; a stage built FROM another inherits its USER.
        assert!(messages(&CONTROL, "FROM golang:1.23 AS build\nRUN go build\nFROM debian:12 AS base\nUSER app\nFROM base\nCOPY --from=build /app /app\n").is_empty());
        assert!(messages(&CONTROL, "").is_empty());
    }
}
