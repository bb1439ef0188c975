//! No audit rule watches /var/lib/docker.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::audited;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-audit-var-lib-docker",
        title: "No audit rule watches /var/lib/docker",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker host whose audit rules (`/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`: `-w PATH`, or `-F path=PATH`, on it or on a folder above it) do not watch /var/lib/docker, when it is on the host. The rules files are read, not the rules the kernel has loaded (`auditctl -l`), which a person may compare.

## Why is this bad?
Docker's files and binaries decide what runs as root on the host; without an audit rule, who changed or ran them leaves no trace.

## How to fix
Watch it in the audit rules and reload them:
```sh
echo '-w PATH -k docker' >> /etc/audit/rules.d/docker.rules
augenrules --load
```

## Example
```text
# /etc/audit/rules.d/docker.rules: no rule for it
```
Use instead:
```text
-w /var/lib/docker -k docker
```

## References
- auditctl(8), audit.rules(7)
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    audited(daemon, "/var/lib/docker")
}
