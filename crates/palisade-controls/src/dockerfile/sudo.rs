//! `RUN` commands that use `sudo`.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::shell::{Command, commands, program};
use super::{at, run_scripts};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-sudo",
        title: "RUN uses sudo",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `RUN` instructions (in every stage, shell form, exec form and heredocs, and scripts run with `sh -c`) that invoke `sudo`.

## Why is this bad?
`sudo` in an image means a privilege-raising tool is installed and configured in it, usually with a password-less rule: anything that later runs as the image's unprivileged user can become root again, which defeats `USER`. During the build it is also pointless: `RUN` already runs as the current `USER`, and switching with `USER root` is explicit and auditable.

## How to fix
Run the privileged steps before switching to the unprivileged user (or switch with `USER root` around them), and do not install sudo in the image. Where a process must drop privileges at run time, use `gosu` or `su-exec`.

## Example
```dockerfile
FROM debian:12
USER app
RUN sudo apt-get update && sudo apt-get install -y curl
```
Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
USER app
```

## References
- hadolint DL3004 "Do not use sudo as it leads to unpredictable behavior"
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    run_scripts(dockerfile)
        .filter(|(_, script)| commands(script).iter().any(invokes_sudo))
        .map(|(index, _)| {
            at(
                index,
                "RUN uses sudo; run privileged steps as root before USER instead".to_owned(),
            )
        })
        .collect()
}

/// Whether the command runs `sudo` (after variable assignments and
/// `env`/`nice`/`time` wrappers), not merely mentions it (`apt-get install sudo`).
fn invokes_sudo(command: &Command) -> bool {
    command
        .iter()
        .find(|w| {
            let assignment = w.contains('=') && !w.starts_with('-');
            !assignment && !matches!(program(w), "env" | "nice" | "time" | "nohup" | "exec")
        })
        .is_some_and(|w| program(w) == "sudo")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn finds_sudo_anywhere_in_run() {
        let text = "FROM alpine:3.20\nRUN pip install --upgrade pip\nRUN apk add curl && sudo pip install x\nRUN [\"/usr/bin/sudo\", \"make\"]\nRUN <<EOF\nset -e\nsudo make install\nEOF\nRUN echo sudo-is-just-a-word && apt-get install -y sudo\nRUN sh -c 'sudo true'\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                "3: RUN uses sudo; run privileged steps as root before USER instead",
                "4: RUN uses sudo; run privileged steps as root before USER instead",
                "5: RUN uses sudo; run privileged steps as root before USER instead",
                "10: RUN uses sudo; run privileged steps as root before USER instead",
            ]
        );
    }
}
