//! Build steps of an image that updated a package index without
//! installing in the same step (CIS Docker 4.7, read from the image's
//! history as `docker history` shows it).

use palisade_load::image::HistoryStep;
use palisade_model::{ControlMeta, Severity};

use super::history::{Instruction, instructions, step_field};
use crate::dockerfile::update_alone::lone_update;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-update-alone",
        title: "Image was built with a RUN that updates the package index without installing",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ImageHistory(check),
};

const DOCS: &str = r#"## What it does
Reads the image's build history (the config's `history`, what `docker history --no-trunc` prints) back into the `RUN` scripts that built it, and flags each step that refreshes a package index with no install by the same package manager after it in the same step, by the rule of `dockerfile-update-alone` (`apt-get update`, `apk update`, `yum`/`dnf makecache`, `zypper refresh`, `pacman -Sy`).

It reads both builders' records: the classic builder's `/bin/sh -c apt-get update` (and `|1 ARG=x /bin/sh -c ...` with build arguments) and BuildKit's `RUN /bin/sh -c apt-get update # buildkit`. Base image steps are part of the history and are judged too: a finding in a base image is fixed there.

It judges images that are scanned (`palisade scan image.tar`, OCI layouts, image configs) and, on Docker hosts (`palisade node scan`), every image in dockerd's image store that is tagged or used by a container. `docker inspect` output carries no history, so nothing is judged for it.

docker-bench-security's 4.7 greps `docker history` for the word `update` and so also reports `apt-get update && apt-get install`, which is the recommended form; this control does not.

## Why is this bad?
The build cache keys a step on its text, so a lone `RUN apt-get update` is cached once and reused: the next install then works from a stale index, installs outdated packages with known vulnerabilities, or fails when the mirror has dropped the versions the index names.

## How to fix
Refresh the index and install in one `RUN`, clean the index up in the same layer, and rebuild the image.

## Example
```text
IMAGE     CREATED BY
<missing> RUN /bin/sh -c apt-get install -y curl # buildkit
<missing> RUN /bin/sh -c apt-get update # buildkit
```
Use instead:
```text
IMAGE     CREATED BY
<missing> RUN /bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* # buildkit
```

## References
- Docker docs, "Building best practices", apt-get: https://docs.docker.com/build/building/best-practices/#apt-get
- docker-bench-security, tests/4_container_images.sh, check_4_7
"#;

fn check(history: &[HistoryStep], _: &Params) -> Vec<Violation> {
    instructions(history)
        .filter_map(|(index, instruction)| match instruction {
            Instruction::Run(script) => lone_update(&script).map(|text| Violation {
                container: None,
                path: step_field(index),
                message: format!(
                    "build step {} refreshes the package index (\"{text}\") without installing in the same step; a later install used a cached, possibly stale index",
                    index + 1
                ),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::{history, messages};

    fn judged(created_by: &[&str]) -> Vec<String> {
        let steps: Vec<(&str, bool)> = created_by.iter().map(|c| (*c, false)).collect();
        messages(&CONTROL, history(&steps).as_slice())
    }

    #[test]
    fn lone_updates_in_either_builder() {
        assert_eq!(
            judged(&[
                "/bin/sh -c #(nop) ADD file:aa in / ",
                "/bin/sh -c apt-get update",
                "|1 V=1 /bin/sh -c apt-get update && apt-get install -y curl",
                "RUN /bin/sh -c apk update # buildkit",
                "RUN /bin/sh -c apk update && apk add curl # buildkit",
                "COPY . /app # buildkit",
            ]),
            [
                "history[1].created_by: build step 2 refreshes the package index (\"apt-get update\") without installing in the same step; a later install used a cached, possibly stale index",
                "history[3].created_by: build step 4 refreshes the package index (\"apk update\") without installing in the same step; a later install used a cached, possibly stale index",
            ]
        );
    }
}
