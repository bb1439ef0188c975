//! Setuid and setgid files in the image.

use palisade_load::image::Image;
use palisade_model::{ControlMeta, Severity};

use super::{capped, file_field, globs, mode};
use crate::{Check, Control, Param, Params, Violation};

const ALLOWED_SETUID: Param = Param {
    name: "allowed-setuid",
    doc: "Absolute paths (globs: `*` matches any characters, `**` any directories) of setuid and setgid files that are not reported. The default is the set that Debian, Ubuntu, Alpine, Red Hat UBI and Fedora base images ship for logging in and managing passwords and mounts; `sudo` is not in it.",
    default: &[
        "/usr/bin/passwd",
        "/bin/passwd",
        "/usr/bin/su",
        "/bin/su",
        "/usr/bin/mount",
        "/bin/mount",
        "/usr/bin/umount",
        "/bin/umount",
        "/usr/bin/newgrp",
        "/usr/bin/chsh",
        "/usr/bin/chfn",
        "/usr/bin/gpasswd",
        "/usr/bin/chage",
        "/usr/bin/expiry",
        "/usr/bin/wall",
        "/usr/bin/write",
        "/usr/sbin/unix_chkpwd",
        "/sbin/unix_chkpwd",
        "/usr/sbin/pam_timestamp_check",
        "/usr/bin/ssh-agent",
        "/usr/lib/openssh/ssh-keysign",
        "/usr/libexec/openssh/ssh-keysign",
        "/usr/lib/dbus-1.0/dbus-daemon-launch-helper",
        "/bin/bbsuid",
    ],
};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-setuid-files",
        title: "Image holds setuid or setgid files",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_SETUID],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags regular files with the setuid (`04000`) or setgid (`02000`) bit in a container image's final filesystem: its layers merged in order, with files deleted by a later layer (whiteouts) left out. Files on the `allowed-setuid` list are not reported: by default, the password, login and mount tools that Debian, Ubuntu, Alpine, Red Hat UBI and Fedora base images ship (`/usr/bin/passwd`, `su`, `mount`, `umount`, `newgrp`, `chsh`, `chfn`, `gpasswd`, `chage`, `expiry`, `wall`, `write`, `unix_chkpwd`, `ssh-agent`, `ssh-keysign`, `dbus-daemon-launch-helper`, busybox's `bbsuid`), so that every image built on them does not fail for files its authors did not add. `sudo` is deliberately not on the list: an image that installs it means to let its user become root.

Only images whose layers were read are checked (a `docker save` tarball or an OCI layout, not an image config or `docker inspect` output). At most 20 files are reported per image, then their count.

## Why is this bad?
A setuid-root program runs as root whoever starts it: any flaw in it (or in how it handles its environment) is a privilege escalation from the container's user to root inside the container, one step from the host. A container rarely needs to change user at run time, so these bits only widen the attack surface. Kubernetes' `allowPrivilegeEscalation: false` neutralises them at run time; removing them at build time protects every runtime.

## How to fix
Remove the bits in the Dockerfile, after installing packages, for everything the application does not need:
```dockerfile
RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
```
or add the files that must keep them to `allowed-setuid`.

## Example
A layer holding:
```
-rwsr-xr-x root root /usr/local/bin/backup-tool
-rwsr-xr-x root root /usr/bin/sudo
```
Use instead:
```
-rwxr-xr-x root root /usr/local/bin/backup-tool
```

## References
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(image: &Image, params: &Params) -> Vec<Violation> {
    let Some(filesystem) = &image.filesystem else {
        return Vec::new();
    };
    let allowed = globs(params.list(ALLOWED_SETUID.name));
    let violations = filesystem
        .iter()
        .filter(|(_, e)| e.is_file() && (e.is_setuid() || e.is_setgid()))
        .filter(|(path, _)| !allowed.is_match(format!("/{path}")))
        .map(|(path, e)| {
            let bits = match (e.is_setuid(), e.is_setgid()) {
                (true, true) => "setuid and setgid",
                (true, false) => "setuid",
                _ => "setgid",
            };
            let owner = if e.is_setuid() {
                format!("owner UID {}", e.uid)
            } else {
                format!("group GID {}", e.gid)
            };
            Violation {
                container: None,
                path: file_field(path),
                message: format!(
                    "\"/{path}\" is {bits} (mode {}, {owner}), from layer {}",
                    mode(e.mode),
                    e.layer + 1
                ),
            }
        })
        .collect();
    capped(violations, "setuid or setgid files")
}

#[cfg(test)]
mod tests {
    use palisade_load::image::{FileEntry, ImageConfig};

    use super::CONTROL;
    use crate::Params;
    use crate::testing::{
        image as image_without_layers, image_with_files, messages, messages_with,
    };

    #[test]
    fn flags_setuid_and_setgid_files_not_allowed() {
        let image = image_with_files(vec![
            vec![
                ("usr/bin/passwd", FileEntry::file(0o4755, b"")),
                ("usr/bin/sudo", FileEntry::file(0o4111, b"")),
                ("usr/local/bin/tool", FileEntry::file(0o2755, b"")),
                ("usr/local/bin/gone", FileEntry::file(0o6755, b"")),
                ("usr/local/share", FileEntry::directory(0o2775)),
                ("usr/bin/ls", FileEntry::file(0o755, b"")),
            ],
            vec![("usr/local/bin/.wh.gone", FileEntry::file(0, b""))],
        ]);
        assert_eq!(
            messages(&CONTROL, &image),
            [
                r#"files["/usr/bin/sudo"]: "/usr/bin/sudo" is setuid (mode 4111, owner UID 0), from layer 1"#,
                r#"files["/usr/local/bin/tool"]: "/usr/local/bin/tool" is setgid (mode 2755, group GID 0), from layer 1"#,
            ]
        );
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, "allowed-setuid", vec!["/usr/local/bin/*".into()])
            .unwrap();
        assert_eq!(
            messages_with(&CONTROL, &params, &image),
            [
                r#"files["/usr/bin/passwd"]: "/usr/bin/passwd" is setuid (mode 4755, owner UID 0), from layer 1"#,
                r#"files["/usr/bin/sudo"]: "/usr/bin/sudo" is setuid (mode 4111, owner UID 0), from layer 1"#,
            ]
        );
        // No layers, nothing to check.
        assert!(messages(&CONTROL, &image_without_layers(ImageConfig::default())).is_empty());
    }

    #[test]
    fn many_files_are_counted() {
        let names: Vec<String> = (0..25).map(|i| format!("opt/bin/t{i:02}")).collect();
        let image = image_with_files(vec![
            names
                .iter()
                .map(|n| (n.as_str(), FileEntry::file(0o4755, b"")))
                .collect(),
        ]);
        let found = messages(&CONTROL, &image);
        assert_eq!(found.len(), 21);
        assert_eq!(found[20], "files: and 5 more setuid or setgid files");
    }
}
