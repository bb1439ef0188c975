//! `RUN` instructions that update a package index without installing
//! anything after it.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::shell::{Command, commands, program, unwrapped};
use super::{at, run_scripts};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-update-alone",
        title: "RUN updates the package index without installing in the same RUN",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `RUN` instructions (shell form, exec form, heredocs and `sh -c` scripts, in every stage) that refresh a package index with no install or upgrade by the same package manager after it in the same `RUN`:
- `apt-get update`, `apt update`, `aptitude update`, then `install`, `upgrade`, `dist-upgrade`, `full-upgrade`, `reinstall`, `build-dep` or `source`;
- `apk update`, then `add`, `upgrade` or `fix`;
- `yum makecache`, `dnf makecache`, `microdnf makecache`, then `install`, `update`, `upgrade`, `reinstall`, `groupinstall`, `localinstall`, `distro-sync`, `downgrade` or `builddep` (any of the three: they share the repository metadata);
- `zypper refresh` (`ref`), then `install` (`in`), `update` (`up`), `dist-upgrade` (`dup`), `patch`, `source-install` (`si`) or `install-new-recommends` (`inr`);
- `pacman -Sy`, then an install (`pacman -S package`, also `-Syu`, which does both at once).

`yum update` and `dnf update` upgrade packages (they are installs, not index refreshes); `apk add --update` and `apk --update-cache add` refresh and install at once: none of them is flagged.

## Why is this bad?
The build cache keys a `RUN` on its text, so a lone `RUN apt-get update` is cached once and reused for months: the next `RUN apt-get install` then works from a stale index, installs outdated packages with known vulnerabilities, or fails when the mirror has dropped the versions the index names. It only helps when the install runs in the same layer.

## How to fix
Refresh the index and install in one `RUN`, and clean the index up in the same layer.

## Example
```dockerfile
FROM debian:12
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
```
Use instead:
```dockerfile
FROM debian:12
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

## References
- Docker docs, "Building best practices", apt-get: https://docs.docker.com/build/building/best-practices/#apt-get
- Trivy DS017 "'RUN <package-manager> update' instruction alone"
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, script) in run_scripts(dockerfile) {
        if let Some(text) = lone_update(&script) {
            violations.push(at(
                index,
                format!(
                    "RUN refreshes the package index (\"{text}\") without installing in the same RUN; a later install would use a stale cached index"
                ),
            ));
        }
    }
    violations
}

/// The first package-index refresh of a `RUN` script that no install by
/// the same package manager follows in that script (`apt-get update`).
/// Image histories are judged by the same rule (`image-update-alone`).
pub(crate) fn lone_update(script: &str) -> Option<String> {
    let steps: Vec<(Family, Step, String)> = commands(script).iter().filter_map(classify).collect();
    steps
        .iter()
        .enumerate()
        .find(|(i, (family, step, _))| {
            *step == Step::Update
                && !steps
                    .iter()
                    .skip(i + 1)
                    .any(|(f, s, _)| f == family && *s == Step::Install)
        })
        .map(|(_, (_, _, text))| text.clone())
}

/// Package managers that share an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Apt,
    Apk,
    Rpm,
    Zypper,
    Pacman,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Refreshes the index only.
    Update,
    /// Installs or upgrades packages (and may refresh first).
    Install,
}

/// What a package-manager command does to the index, if anything, with
/// the words that say so (`apt-get update`).
fn classify(command: &Command) -> Option<(Family, Step, String)> {
    let (first, args) = unwrapped(command).split_first()?;
    let family = match program(first) {
        "apt-get" | "apt" | "aptitude" => Family::Apt,
        "apk" => Family::Apk,
        "yum" | "dnf" | "microdnf" => Family::Rpm,
        "zypper" => Family::Zypper,
        "pacman" => Family::Pacman,
        _ => return None,
    };
    if family == Family::Pacman {
        return pacman(args);
    }
    let name = program(first);
    let (update, install): (&[&str], &[&str]) = match family {
        Family::Apt => (
            &["update"],
            &[
                "install",
                "upgrade",
                "dist-upgrade",
                "full-upgrade",
                "reinstall",
                "build-dep",
                "source",
            ],
        ),
        Family::Apk => (&["update"], &["add", "upgrade", "fix"]),
        Family::Rpm => (
            &["makecache"],
            &[
                "install",
                "update",
                "upgrade",
                "reinstall",
                "groupinstall",
                "localinstall",
                "distro-sync",
                "downgrade",
                "builddep",
            ],
        ),
        Family::Zypper | Family::Pacman => (
            &["refresh", "ref"],
            &[
                "install",
                "in",
                "update",
                "up",
                "dist-upgrade",
                "dup",
                "patch",
                "source-install",
                "si",
                "install-new-recommends",
                "inr",
            ],
        ),
    };
    // The subcommand is the first word that names one; option values
    // (`-o Dpkg::Options::=x`) and package names before it are skipped.
    args.iter().filter(|w| !w.starts_with('-')).find_map(|w| {
        let step = if update.contains(&w.as_str()) {
            Step::Update
        } else if install.contains(&w.as_str()) {
            Step::Install
        } else {
            return None;
        };
        Some((family, step, format!("{name} {w}")))
    })
}

/// `pacman -Sy` refreshes; `-S` with packages or `u` installs.
fn pacman(args: &[String]) -> Option<(Family, Step, String)> {
    let sync = args
        .iter()
        .find(|w| w.starts_with("-S") && !w.starts_with("--"))?;
    let packages = args.iter().any(|w| !w.starts_with('-'));
    let step = if sync.contains('u') || packages {
        Step::Install
    } else if sync.contains('y') {
        Step::Update
    } else {
        return None;
    };
    Some((Family::Pacman, step, format!("pacman {sync}")))
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn update_needs_a_later_install() {
        let text = "FROM debian:12\nRUN apt-get update\nRUN apt-get update && apt-get install -y curl\nRUN DEBIAN_FRONTEND=noninteractive apt -o Acquire::Retries=3 update && apt-get -y --no-install-recommends install x\nRUN apt-get install -y x && apt-get update\nRUN apt-get update && pip install x\nRUN <<EOF\napk update\napk add curl\nEOF\nRUN apk update\nRUN dnf makecache && yum install -y x\nRUN yum -y makecache\nRUN yum update -y\nRUN zypper --non-interactive ref\nRUN zypper ref && zypper in -y x\nRUN pacman -Sy --noconfirm\nRUN pacman -Syu --noconfirm\nRUN pacman -Sy --noconfirm git\nRUN sh -c 'apt-get update'\nRUN apk add --update curl\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"2: RUN refreshes the package index ("apt-get update") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"5: RUN refreshes the package index ("apt-get update") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"6: RUN refreshes the package index ("apt-get update") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"11: RUN refreshes the package index ("apk update") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"13: RUN refreshes the package index ("yum makecache") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"15: RUN refreshes the package index ("zypper ref") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"17: RUN refreshes the package index ("pacman -Sy") without installing in the same RUN; a later install would use a stale cached index"#,
                r#"20: RUN refreshes the package index ("apt-get update") without installing in the same RUN; a later install would use a stale cached index"#,
            ]
        );
    }
}
