//! Build steps of an image that used `ADD` to copy local files (CIS Docker
//! 4.9, read from the image's history as `docker history` shows it).

use palisade_load::image::HistoryStep;
use palisade_model::{ControlMeta, Severity};

use super::history::{Instruction, first_layer, instructions, is_hashed, step_field};
use crate::dockerfile::add_instead_of_copy::{is_remote, is_tar};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-add-instead-of-copy",
        title: "Image was built with ADD copying local files (use COPY)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ImageHistory(check),
};

const DOCS: &str = r#"## What it does
Reads the image's build history (the config's `history`, what `docker history --no-trunc` prints) back into instructions and flags each `ADD` that copied local files or folders, by the rule of `dockerfile-add-instead-of-copy`: URLs, Git sources and tar archives (which only `ADD` unpacks) are accepted.

The builders record `ADD` differently:
- BuildKit records the instruction as written (`ADD --chown=1 app.jar /app/ # buildkit`): its sources are judged by name, exactly as in a Dockerfile;
- the classic builder records a content hash instead of the name (`ADD file:4b03b5... in /app`, `dir:...`, `multi:...`). A folder (`dir:`) or several sources (`multi:`) are flagged; a single file (`file:`) is flagged too, since a hash does not tell a tar archive from a plain file, except the step that made the bottom layer: that is the base image's root filesystem, unpacked from a tar archive (`ADD rootfs.tar.xz /`). Waive a finding for a later archive that is meant to be unpacked.

It judges images that are scanned (`palisade scan image.tar`, OCI layouts, image configs) and, on Docker hosts (`palisade node scan`), every image in dockerd's image store that is tagged or used by a container. `docker inspect` output carries no history, so nothing is judged for it.

docker-bench-security's 4.9 drops the oldest history line and reports any other line that contains `ADD`, so it reports URLs and archives too; this control does not.

## Why is this bad?
`ADD` does more than copy: given an archive it unpacks it, and given a URL it downloads it. A file that happens to be (or later becomes) a tar archive is silently extracted into the image, and a source switched to a URL pulls unreviewed content at build time. `COPY` does only what it says.

## How to fix
Use `COPY` for local files and folders in the Dockerfile the image is built from, and rebuild it.

## Example
```text
IMAGE     CREATED BY
<missing> ADD target/app.jar /opt/app/app.jar # buildkit
```
Use instead:
```text
IMAGE     CREATED BY
<missing> COPY target/app.jar /opt/app/app.jar # buildkit
```

## References
- Dockerfile reference, ADD and COPY: https://docs.docker.com/reference/dockerfile/#add
- docker-bench-security, tests/4_container_images.sh, check_4_9
"#;

fn check(history: &[HistoryStep], _: &Params) -> Vec<Violation> {
    let base = first_layer(history);
    instructions(history)
        .filter_map(|(index, instruction)| {
            let Instruction::Add(sources) = instruction else {
                return None;
            };
            let message = match sources.first().map(String::as_str) {
                Some(hashed) if is_hashed(hashed) => {
                    if hashed.starts_with("file:") && Some(index) == base {
                        return None;
                    }
                    let what = match hashed.split(':').next() {
                        Some("dir") => "a local folder",
                        Some("multi") => "several local sources",
                        _ => "a local file (the history records only its hash, so an archive meant to be unpacked is flagged too: waive it then)",
                    };
                    format!(
                        "build step {} used ADD to copy {what}; use COPY, which neither unpacks archives nor fetches URLs",
                        index + 1
                    )
                }
                _ => {
                    let local: Vec<String> = sources
                        .iter()
                        .filter(|s| !is_remote(s) && !is_tar(s) && !s.starts_with("<<"))
                        .map(|s| format!("{s:?}"))
                        .collect();
                    if local.is_empty() {
                        return None;
                    }
                    format!(
                        "build step {} used ADD to copy local {} {}; use COPY, which neither unpacks archives nor fetches URLs",
                        index + 1,
                        if local.len() == 1 { "file" } else { "files" },
                        local.join(", ")
                    )
                }
            };
            Some(Violation {
                container: None,
                path: step_field(index),
                message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::{history, messages};

    fn judged(steps: &[(&str, bool)]) -> Vec<String> {
        messages(&CONTROL, history(steps).as_slice())
    }

    #[test]
    fn the_base_layer_archives_and_urls_pass() {
        assert_eq!(
            judged(&[
                ("/bin/sh -c #(nop)  ARG RELEASE", true),
                ("/bin/sh -c #(nop) ADD file:aa in / ", false),
                ("ADD https://example.com/x.zip /x # buildkit", false),
                ("ADD app.tar.gz /opt/ # buildkit", false),
                ("COPY . /app # buildkit", false),
            ]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn local_sources_are_flagged_in_either_builder() {
        assert_eq!(
            judged(&[
                ("ADD rootfs.tar.xz / # buildkit", false),
                ("ADD --chown=1 app.jar conf/ /app/ # buildkit", false),
                ("/bin/sh -c #(nop) ADD dir:bb in /srv ", false),
                ("/bin/sh -c #(nop) ADD file:cc in /opt/x ", false),
            ]),
            [
                "history[1].created_by: build step 2 used ADD to copy local files \"app.jar\", \"conf/\"; use COPY, which neither unpacks archives nor fetches URLs",
                "history[2].created_by: build step 3 used ADD to copy a local folder; use COPY, which neither unpacks archives nor fetches URLs",
                "history[3].created_by: build step 4 used ADD to copy a local file (the history records only its hash, so an archive meant to be unpacked is flagged too: waive it then); use COPY, which neither unpacks archives nor fetches URLs",
            ]
        );
    }
}
