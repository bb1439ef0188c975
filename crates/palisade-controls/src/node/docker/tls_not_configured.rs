//! The Docker daemon listens on TCP without verified TLS.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::is_true;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-tls-not-configured",
        title: "The Docker daemon listens on TCP without verified TLS",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon that listens on a TCP address (`hosts`, `-H`; anything but `unix://` and `fd://`) without `tlsverify` and all of `tlscacert`, `tlscert` and `tlskey`. A daemon on its Unix socket only passes. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
The Docker API is root on the host: any client that reaches an unauthenticated TCP port can start a privileged container with the host's root mounted.

## How to fix
Require client certificates on every TCP listener:
```json
{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"], "tlsverify": true,
 "tlscacert": "/etc/docker/ca.pem", "tlscert": "/etc/docker/server.pem", "tlskey": "/etc/docker/server-key.pem"}
```

## Example
```json
{"hosts": ["tcp://0.0.0.0:2375"]}
```
Use instead:
```json
{"hosts": ["unix:///var/run/docker.sock"]}
```

## References
- Protect the Docker daemon socket: https://docs.docker.com/engine/security/protect-access/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let Some(hosts) = daemon.get("hosts") else {
        return Vec::new();
    };
    let tcp: Vec<&str> = hosts
        .value
        .split(',')
        .map(str::trim)
        .filter(|h| !(h.starts_with("unix://") || h.starts_with("fd://") || h.is_empty()))
        .collect();
    if tcp.is_empty() {
        return Vec::new();
    }
    let verify = daemon.get("tlsverify").is_some_and(|s| is_true(&s.value));
    let files = ["tlscacert", "tlscert", "tlskey"]
        .iter()
        .all(|k| daemon.get(k).is_some());
    if verify && files {
        return Vec::new();
    }
    vec![crate::node::setting_fails(
        "hosts",
        hosts,
        format!(
            "dockerd listens on {} without verifying clients' certificates (tlsverify with tlscacert, tlscert and tlskey): whoever reaches the port is root on the host",
            tcp.join(", ")
        ),
    )]
}
