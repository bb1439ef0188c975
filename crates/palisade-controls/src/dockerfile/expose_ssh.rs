//! `EXPOSE` of the SSH port.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::at;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-expose-ssh",
        title: "Image exposes the SSH port (22)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `EXPOSE` instructions (in every stage) that expose port 22: `EXPOSE 22`, `22/tcp`, `22/udp`, or a range that contains it (`EXPOSE 20-25`), after `ARG` and `ENV` substitution (`EXPOSE $SSH_PORT`).

It looks at the declaration only: an SSH server listening on another port, or one started without `EXPOSE`, is not seen.

## Why is this bad?
Port 22 is SSH. An image that exposes it usually runs an SSH server, which means long-lived credentials or keys baked into or mounted in the container, another daemon to patch, and a way in that bypasses the platform's audited access (`docker exec`, `kubectl exec`, which go through its authentication and logs).

## How to fix
Remove the SSH server and the `EXPOSE 22`; use `docker exec` or `kubectl exec` (or an ephemeral debug container) to get a shell. If the image really is an SSH endpoint, such as a Git or SFTP server, take an exception that says so.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
EXPOSE 22 8080
```
Use instead:
```dockerfile
FROM debian:12
EXPOSE 8080
```

## References
- Trivy DS004 "Port 22 exposed"
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        if instruction.keyword != "EXPOSE" {
            continue;
        }
        let text = dockerfile.variables_at(index).expand(&instruction.text());
        if let Some(port) = text.split_whitespace().find(|p| includes_22(p)) {
            violations.push(at(
                index,
                format!(
                    "EXPOSE {port} exposes the SSH port; use docker exec or kubectl exec instead of an SSH server"
                ),
            ));
        }
    }
    violations
}

/// `22`, `22/tcp`, `20-25/udp`.
fn includes_22(port: &str) -> bool {
    let port = port.trim_matches(['"', '\'']);
    let range = port.split('/').next().unwrap_or(port);
    let (low, high) = range.split_once('-').unwrap_or((range, range));
    match (low.trim().parse::<u32>(), high.trim().parse::<u32>()) {
        (Ok(low), Ok(high)) => low <= 22 && 22 <= high,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn finds_port_22() {
        let text = "FROM alpine:3.20\nARG SSH=22\nEXPOSE 8080\nEXPOSE 80 22/tcp\nEXPOSE $SSH\nEXPOSE 20-25/udp\nEXPOSE 2222 220 ${NOPE}\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                "4: EXPOSE 22/tcp exposes the SSH port; use docker exec or kubectl exec instead of an SSH server",
                "5: EXPOSE 22 exposes the SSH port; use docker exec or kubectl exec instead of an SSH server",
                "6: EXPOSE 20-25/udp exposes the SSH port; use docker exec or kubectl exec instead of an SSH server",
            ]
        );
    }
}
