//! Docker's data root is not a file system of its own.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use crate::node::{NodeJudgement, NodeViolation, normalized};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-data-root-not-separate",
        title: "Docker's data root is not a file system of its own",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker host whose data root (`data-root`, `--data-root`, by default `/var/lib/docker`) is not a mount point of the host's mount table: the host's `/proc/1/mountinfo` when processes are read (`--proc`), else its `/etc/fstab`. The data root judged is the one dockerd runs with (its flag, else `daemon.json`, else the default), and the finding points where it was set. Without a mount table to read, the recommendation cannot be judged and the scan says so.

## Why is this bad?
Images, containers and their writable layers and volumes live under the data root. On the host's root file system, a container that fills its disk fills the host's, and the host stops logging, updating and accepting logins.

## How to fix
Give the data root its own file system (a partition or logical volume, mounted at boot), stop dockerd, copy its contents over, and start it again:
```
/dev/vg0/docker  /var/lib/docker  xfs  defaults,nodev  0 2
```

## Example
```
/dev/sda1  /  ext4  defaults  0 1
```
Use instead:
```
/dev/sda1        /                ext4  defaults        0 1
/dev/vg0/docker  /var/lib/docker  xfs   defaults,nodev  0 2
```

## References
- dockerd reference, `--data-root`: https://docs.docker.com/reference/cli/dockerd/
- proc(5), `/proc/pid/mountinfo`: https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let Some(setting) = daemon.get("data-root") else {
        return Vec::new();
    };
    let Some(mounts) = &daemon.mounts else {
        return vec![NodeJudgement::Unknown {
            subject: "data-root".to_owned(),
            reason: "no mount table to read: neither the host's /proc/1/mountinfo (--proc) nor its /etc/fstab".to_owned(),
        }];
    };
    let root = normalized(&setting.value);
    if mounts.points.iter().any(|p| normalized(p) == root) {
        return Vec::new();
    }
    vec![NodeJudgement::Fail(NodeViolation {
        subject: "data-root".to_owned(),
        message: format!(
            "Docker's data root {} is not a mount point in {}: containers share the file system they fill with the host (set by {})",
            setting.value, mounts.table, setting.origin.what
        ),
        origin: setting.origin.clone(),
    })]
}

#[cfg(test)]
mod tests {
    use crate::node::normalized;

    #[test]
    fn trailing_slashes_do_not_matter() {
        assert_eq!(normalized("/var/lib/docker/"), "/var/lib/docker");
        assert_eq!(normalized("/etc/"), "/etc");
        assert_eq!(normalized("/"), "/");
        assert_eq!(normalized("//"), "/");
        assert_eq!(normalized("///"), "/");
    }
}
