//! The image declares no health check.

use palisade_load::dockerfile::{Dockerfile, Stage};
use palisade_model::{ControlMeta, Severity};

use super::at;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-healthcheck-missing",
        title: "Image declares no HEALTHCHECK",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags a Dockerfile whose final stage (the image `docker build` produces) has no `HEALTHCHECK`, neither itself nor in the stages it is built `FROM`, or whose health check in force is `HEALTHCHECK NONE` (which switches off one inherited from the base image). Earlier build stages need none: they are not shipped.

A base image pulled from a registry can declare a health check itself; Palisade cannot see inside it, so such a Dockerfile should repeat it (it documents the intent) or take an exception. Kubernetes ignores `HEALTHCHECK`: images that only run there are checked through `livenessProbe` instead (`liveness-probe-missing`), and an exception for this control is the honest record of that choice.

## Why is this bad?
Without a health check, Docker, Compose and Swarm only know whether the process is alive, not whether it still serves: a deadlocked or wedged service stays "running" and keeps receiving traffic, and nothing restarts or replaces it.

## How to fix
Add a `HEALTHCHECK` to the final stage that exercises the service cheaply (an HTTP health endpoint, a client ping), with an interval and timeout suited to it. Distroless images have no shell or curl: use the exec form with a small probe binary shipped in the image.

## Example
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
```
Use instead:
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost/ || exit 1
```

## References
- Dockerfile reference, HEALTHCHECK: https://docs.docker.com/reference/dockerfile/#healthcheck
- Trivy DS026 "No HEALTHCHECK defined"
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let Some(last) = dockerfile.final_stage() else {
        return Vec::new();
    };
    match last_healthcheck(dockerfile, last, 0) {
        Some((index, true)) => vec![at(
            index,
            "the final stage switches the health check off with HEALTHCHECK NONE".to_owned(),
        )],
        Some((_, false)) => Vec::new(),
        None => vec![at(
            last.from,
            "the final stage declares no HEALTHCHECK (unless its base image declares one)"
                .to_owned(),
        )],
    }
}

/// The last `HEALTHCHECK` of a stage, following `FROM <earlier stage>`
/// (bounded, so a malformed chain cannot loop), with whether it is `NONE`.
fn last_healthcheck(dockerfile: &Dockerfile, stage: &Stage, depth: usize) -> Option<(usize, bool)> {
    let found = dockerfile
        .stage_instructions(stage)
        .iter()
        .enumerate()
        .rev()
        .find(|(_, i)| i.keyword == "HEALTHCHECK")
        .map(|(offset, i)| {
            let none = i
                .text()
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("NONE"));
            (stage.from + offset, none)
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
    last_healthcheck(dockerfile, parent, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn final_stage_healthcheck() {
        assert_eq!(
            messages(&CONTROL, "FROM nginx:1.27\nCOPY a b\n"),
            ["1: the final stage declares no HEALTHCHECK (unless its base image declares one)"]
        );
        assert_eq!(
            messages(
                &CONTROL,
                "FROM nginx:1.27\nHEALTHCHECK CMD true\nHEALTHCHECK none\n"
            ),
            ["3: the final stage switches the health check off with HEALTHCHECK NONE"]
        );
        // Only the last stage counts, and it inherits from the stage it is built FROM.
        assert_eq!(
            messages(
                &CONTROL,
                "FROM alpine:3.20 AS build\nHEALTHCHECK CMD true\nFROM alpine:3.20\n"
            ),
            ["3: the final stage declares no HEALTHCHECK (unless its base image declares one)"]
        );
        assert!(
            messages(
                &CONTROL,
                "FROM alpine:3.20 AS base\nHEALTHCHECK --interval=5s CMD [\"/probe\"]\nFROM base\nCOPY a b\n"
            )
            .is_empty()
        );
        assert!(messages(&CONTROL, "").is_empty());
    }
}
