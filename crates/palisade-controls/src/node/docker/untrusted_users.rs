//! A user outside the trusted list can control the Docker daemon.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use crate::node::{NodeJudgement, NodeViolation};
use crate::{Check, Control, Param, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-untrusted-users",
        title: "A user outside the trusted list can control the Docker daemon",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "trusted-users",
        doc: "The users who may be members of the host's docker group.",
        default: &["root"],
    }],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags each member of the host's `docker` group who is not in the parameter `trusted-users` (by default only `root`). Members are read from the host's own `/etc/group` (the group's member list) and `/etc/passwd` (users whose primary group is `docker`), never the scanner's; each finding points at the line that makes the user a member. Users from a directory service (LDAP, SSSD) are not in these files and are not seen.

## Why is this bad?
The docker group can use the Docker socket, and whoever can start a container can mount the host's `/` into it as root: membership is root on the host, without a password or an audit trail of what was done as root.

## How to fix
Remove the user from the group, or list them in `trusted-users` when they need it:
```
gpasswd -d alice docker
```
```yaml
controls:
  docker-untrusted-users:
    parameters:
      trusted-users: [root, deploy]
```

## Example
```
docker:x:999:alice,deploy
```
Use instead:
```
docker:x:999:deploy
```
with `deploy` in `trusted-users`.

## References
- Docker, "Linux post-installation steps", the docker group grants root-level privileges: https://docs.docker.com/engine/install/linux-postinstall/
- Docker security, the daemon's attack surface: https://docs.docker.com/engine/security/#docker-daemon-attack-surface
"#;

fn check(daemon: &DockerDaemon, params: &Params) -> Vec<NodeJudgement> {
    let trusted = params.list("trusted-users");
    daemon
        .docker_group
        .iter()
        .filter(|member| !trusted.contains(&member.name))
        .map(|member| {
            NodeJudgement::Fail(NodeViolation {
                subject: member.name.clone(),
                message: format!(
                    "{} is in the docker group but not in trusted-users: membership controls the Docker daemon, which is root on the host ({})",
                    member.name, member.origin.what
                ),
                origin: member.origin.clone(),
            })
        })
        .collect()
}
