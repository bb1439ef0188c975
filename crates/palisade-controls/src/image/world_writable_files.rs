//! World-writable files and directories in the image.

use palisade_load::image::{FileKind, Image};
use palisade_model::{ControlMeta, Severity};

use super::{capped, file_field, globs, mode};
use crate::{Check, Control, Param, Params, Violation};

const ALLOWED_PATHS: Param = Param {
    name: "allowed-paths",
    doc: "Absolute paths (globs: `*` matches any characters, `**` any directories) where world-writable files and directories are expected. The default covers the temporary directories and what is below them.",
    default: &[
        "/tmp",
        "/tmp/**",
        "/var/tmp",
        "/var/tmp/**",
        "/dev/shm",
        "/dev/shm/**",
    ],
};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-world-writable-files",
        title: "Image holds world-writable files or directories",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_PATHS],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags regular files and directories that every user may write (mode `o+w`, such as `0666` or `0777`) in a container image's final filesystem (its layers merged in order, whiteouts applied), outside the `allowed-paths` (by default `/tmp`, `/var/tmp`, `/dev/shm` and what is below them). Directories with the sticky bit (`1777`, like `/tmp` or `/run/lock`) are not reported anywhere: there, users can only delete their own files. Symbolic links (always `0777`) and devices are not checked.

Only images whose layers were read are checked (a `docker save` tarball or an OCI layout). At most 20 paths are reported per image, then their count.

## Why is this bad?
A world-writable program, library, configuration file or directory lets any user in the container (an application compromised through a bug, a process started with another UID) replace what another user, often root, later runs or reads: a privilege escalation, or tampering that survives until the container is recreated. It is usually the trace of a `chmod -R 777` written to get past a permission error.

## How to fix
Give the files to the user that needs to write them (`COPY --chown=10001:10001`, `chown`) and drop write access for others (`chmod -R o-w /app`); use a volume or `/tmp` for scratch data.

## Example
```dockerfile
COPY . /app
RUN chmod -R 777 /app
```
Use instead:
```dockerfile
COPY --chown=10001:10001 . /app
RUN chmod -R u=rwX,go=rX /app
```

## References
- CWE-732: Incorrect Permission Assignment for Critical Resource
"#;

fn check(image: &Image, params: &Params) -> Vec<Violation> {
    let Some(filesystem) = &image.filesystem else {
        return Vec::new();
    };
    let allowed = globs(params.list(ALLOWED_PATHS.name));
    let violations = filesystem
        .iter()
        .filter(|(_, e)| {
            e.is_world_writable()
                && match e.kind {
                    FileKind::File | FileKind::HardLink => true,
                    FileKind::Directory => !e.is_sticky(),
                    FileKind::Symlink | FileKind::Other => false,
                }
        })
        .filter(|(path, _)| !allowed.is_match(format!("/{path}")))
        .map(|(path, e)| {
            let what = if e.kind == FileKind::Directory {
                "directory"
            } else {
                "file"
            };
            Violation {
                container: None,
                path: file_field(path),
                message: format!(
                    "{what} \"/{path}\" is world-writable (mode {}), from layer {}",
                    mode(e.mode),
                    e.layer + 1
                ),
            }
        })
        .collect();
    capped(violations, "world-writable paths")
}

#[cfg(test)]
mod tests {
    use palisade_load::image::FileEntry;

    use super::CONTROL;
    use crate::testing::{image_with_files, messages};

    #[test]
    fn flags_world_writable_paths_outside_temporary_directories() {
        let image = image_with_files(vec![vec![
            ("tmp", FileEntry::directory(0o1777)),
            ("tmp/scratch", FileEntry::file(0o666, b"")),
            ("var/tmp/x", FileEntry::directory(0o777)),
            ("run/lock", FileEntry::directory(0o1777)),
            ("app", FileEntry::directory(0o777)),
            ("app/config.yaml", FileEntry::file(0o666, b"")),
            ("app/run.sh", FileEntry::file(0o755, b"")),
            ("app/group-writable", FileEntry::file(0o664, b"")),
            ("tmpfiles/x", FileEntry::file(0o666, b"")),
        ]]);
        assert_eq!(
            messages(&CONTROL, &image),
            [
                r#"files["/app"]: directory "/app" is world-writable (mode 0777), from layer 1"#,
                r#"files["/app/config.yaml"]: file "/app/config.yaml" is world-writable (mode 0666), from layer 1"#,
                r#"files["/tmpfiles/x"]: file "/tmpfiles/x" is world-writable (mode 0666), from layer 1"#,
            ]
        );
    }

    #[test]
    fn a_later_layer_fixes_the_mode() {
        let image = image_with_files(vec![
            vec![("app/data", FileEntry::file(0o666, b""))],
            vec![("app/data", FileEntry::file(0o644, b""))],
        ]);
        assert!(messages(&CONTROL, &image).is_empty());
    }
}
