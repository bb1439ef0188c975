//! `ADD` used where `COPY` does the job: local files and folders.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::args::copy_paths;
use super::at;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-add-instead-of-copy",
        title: "ADD copies local files (use COPY)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `ADD` instructions (in every stage) that copy local files or folders, which `COPY` does without `ADD`'s extra behaviour. Not flagged, because only `ADD` can do it:
- remote sources: URLs (`https://...`, any `scheme://`), Git repositories (`git@github.com:org/repo.git`, `https://github.com/org/repo.git#v1.2`);
- local tar archives, which `ADD` unpacks into the destination: names ending in `.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`, `.tbz`, `.tbz2`, `.tb2`, `.tar.xz`, `.txz`, `.tar.zst` or `.tzst`;
- heredocs (`ADD <<EOF /etc/motd`), which are neither archives nor URLs.

An `ADD` is flagged when any of its sources is local and not a tar archive. Variables are substituted; a source that depends on a build argument without a value is not judged. A `.zip`, or a compressed file that is not a tar (`data.json.gz`), is flagged: `ADD` copies those unchanged, exactly like `COPY` (hadolint DL3020 accepts any `.gz`, `.bz2`, `.xz`, `.lz`, `.lzma` or `.Z` name).

## Why is this bad?
`ADD` does more than copy: given an archive it unpacks it, and given a URL it downloads it. A file that happens to be (or later becomes) a tar archive is silently extracted into the image, possibly over existing paths, and a source that is switched to a URL pulls unreviewed content at build time. `COPY` does only what it says, which makes the Dockerfile easier to review.

## How to fix
Use `COPY` for local files and folders. Keep `ADD` for a tar archive that should be unpacked, or for a remote source pinned with `--checksum`.

## Example
```dockerfile
FROM eclipse-temurin:21-jre
ADD target/app.jar /opt/app/app.jar
```
Use instead:
```dockerfile
FROM eclipse-temurin:21-jre
COPY target/app.jar /opt/app/app.jar
```

## References
- Dockerfile reference, ADD and COPY: https://docs.docker.com/reference/dockerfile/#add
- hadolint DL3020 "Use COPY instead of ADD for files and folders"; Trivy DS005 "ADD instead of COPY"
"#;

/// Tar archives `ADD` unpacks, by name.
const TAR_SUFFIXES: [&str; 11] = [
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tb2", ".tar.xz", ".txz", ".tar.zst",
    ".tzst",
];

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        if instruction.keyword != "ADD" {
            continue;
        }
        let Some(paths) = copy_paths(dockerfile, index) else {
            continue;
        };
        let local: Vec<String> = paths
            .sources
            .iter()
            .flatten()
            .filter(|source| !is_remote(source) && !is_tar(source) && !source.starts_with("<<"))
            .map(|source| format!("{source:?}"))
            .collect();
        if !local.is_empty() {
            violations.push(at(
                index,
                format!(
                    "ADD copies local {} {}; use COPY, which neither unpacks archives nor fetches URLs",
                    if local.len() == 1 { "file" } else { "files" },
                    local.join(", ")
                ),
            ));
        }
    }
    violations
}

/// A URL or a Git source.
pub(crate) fn is_remote(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@")
}

/// A source `ADD` unpacks: a local tar archive, compressed or not.
pub(crate) fn is_tar(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    TAR_SUFFIXES.iter().any(|suffix| lower.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn local_non_archives_only() {
        let text = "FROM alpine:3.20\nARG URL\nADD \"/target/resources.tar.gz\" \"resources\"\nADD \"/target/app.jar\" \"app.jar\"\nADD https://example.com/x.zip /x\nADD --keep-git-dir git@github.com:acme/repo.git /src\nADD rootfs.TGZ config.json /\nADD [\"a b\", \"c\", \"/d/\"]\nADD data.json.gz /data/\nADD $URL /opt/\nADD <<EOF /etc/motd\nhello\nEOF\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"4: ADD copies local file "/target/app.jar"; use COPY, which neither unpacks archives nor fetches URLs"#,
                r#"7: ADD copies local file "config.json"; use COPY, which neither unpacks archives nor fetches URLs"#,
                r#"8: ADD copies local files "a b", "c"; use COPY, which neither unpacks archives nor fetches URLs"#,
                r#"9: ADD copies local file "data.json.gz"; use COPY, which neither unpacks archives nor fetches URLs"#,
            ]
        );
    }
}
