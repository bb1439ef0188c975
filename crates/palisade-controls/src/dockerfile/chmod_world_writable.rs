//! Files made writable by every user: `chmod 777` and its relatives.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::shell::{commands, program, unwrapped};
use super::{at, run_scripts};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-chmod-world-writable",
        title: "Files made writable by every user (chmod 777)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags, in every stage:
- `RUN` commands (shell form, exec form, heredocs, `sh -c` scripts) that give write permission to other users: `chmod` (with or without `-R`, also run by `find -exec` or `xargs`), `mkdir -m` and `install -m`, with an octal mode whose last digit has the write bit (`777`, `666`, `0777`, `722`) or a symbolic mode that adds write for others (`o+w`, `a+rwx`, `ugo+w`, `o=rwx`; a later `o-w` in the same mode takes it back);
- `COPY --chmod` and `ADD --chmod` with such a mode.

Not flagged: a mode that also sets the sticky bit (`1777`, `a+rwxt`), which is how shared directories such as `/tmp` are made (users can then only delete their own files); and a symbolic mode without a *who* (`chmod +w`), which honours the umask (022 during builds) and so does not reach other users.

## Why is this bad?
A world-writable file or directory in an image can be changed by any process in the container, whatever user it runs as: a compromised low-privilege process can then rewrite binaries, scripts or configuration that a more privileged process later runs or reads, and a world-writable directory without the sticky bit lets any user delete or replace the files of another.

## How to fix
Give the files to the user that needs to write them (`COPY --chown=app:app`, `chown`) and keep write for the owner only (`755`/`644`), or for a group (`775`/`664`) the process belongs to. A directory every user shares needs the sticky bit (`chmod 1777`).

## Example
```dockerfile
FROM node:22-alpine
COPY . /app
RUN chmod -R 777 /app
USER node
```
Use instead:
```dockerfile
FROM node:22-alpine
COPY --chown=node:node . /app
USER node
```

## References
- CWE-732: Incorrect Permission Assignment for Critical Resource
"#;

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        if matches!(instruction.keyword.as_str(), "COPY" | "ADD")
            && let Some(mode) = instruction.flag("chmod")
            && world_writable(mode)
        {
            violations.push(at(
                index,
                format!(
                    "{} --chmod={mode} makes the copied files writable by every user; keep write for the owner or a group",
                    instruction.keyword
                ),
            ));
        }
    }
    for (index, script) in run_scripts(dockerfile) {
        let found = commands(&script).iter().find_map(|command| {
            let words = delegated(unwrapped(command));
            let (first, args) = words.split_first()?;
            let name = program(first);
            let mode = match name {
                "chmod" => chmod_mode(args)?,
                "mkdir" | "install" => mode_option(args)?,
                _ => return None,
            };
            world_writable(mode).then(|| format!("{name} {}", args.join(" ")))
        });
        if let Some(command) = found {
            violations.push(at(
                index,
                format!(
                    "RUN {command} makes files writable by every user; keep write for the owner or a group (a shared directory needs the sticky bit, 1777)"
                ),
            ));
        }
    }
    violations.sort_by_key(super::instruction_of);
    violations
}

/// The command `find ... -exec` or `xargs` runs, or the command itself.
fn delegated(words: &[String]) -> &[String] {
    let after = match words.first().map(|w| program(w)) {
        Some("find") => words
            .iter()
            .position(|w| w == "-exec" || w == "-execdir")
            .map(|i| i + 1),
        Some("xargs") => words
            .iter()
            .position(|w| matches!(program(w), "chmod" | "mkdir" | "install")),
        _ => None,
    };
    after.and_then(|i| words.get(i..)).unwrap_or(words)
}

/// `chmod`'s mode: its first word that is not an option (`--reference`
/// takes the mode from a file, which cannot be judged).
fn chmod_mode(args: &[String]) -> Option<&str> {
    if args.iter().any(|w| w.starts_with("--reference")) {
        return None;
    }
    args.iter()
        .find(|w| !w.starts_with('-'))
        .map(String::as_str)
}

/// The value of `-m MODE`, `-mMODE`, `-pm MODE` or `--mode=MODE`.
fn mode_option(args: &[String]) -> Option<&str> {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if let Some(mode) = word.strip_prefix("--mode=") {
            return Some(mode);
        }
        if word == "--mode" {
            return words.next().map(String::as_str);
        }
        if let Some(cluster) = word.strip_prefix('-').filter(|c| !c.starts_with('-'))
            && let Some(at) = cluster.find('m')
        {
            let rest = cluster.get(at + 1..).unwrap_or("");
            return if rest.is_empty() {
                words.next().map(String::as_str)
            } else {
                Some(rest)
            };
        }
    }
    None
}

/// Whether a mode gives write to others without the sticky bit.
fn world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.len() <= 4 && mode.chars().all(|c| ('0'..='7').contains(&c)) {
        return u32::from_str_radix(mode, 8)
            .is_ok_and(|value| value & 0o002 != 0 && value & 0o1000 == 0);
    }
    let (mut writable, mut sticky) = (false, false);
    for clause in mode.split(',') {
        let who_end = clause
            .find(|c: char| !"ugoa".contains(c))
            .unwrap_or(clause.len());
        let (who, actions) = clause.split_at(who_end);
        let others = who.contains(['o', 'a']);
        let mut op = None;
        for c in actions.chars() {
            match c {
                '+' | '-' | '=' => {
                    op = Some(c);
                    if c == '=' && others {
                        writable = false;
                    }
                }
                'w' if others => writable = op != Some('-'),
                't' => sticky = op != Some('-'),
                _ => {}
            }
        }
    }
    writable && !sticky
}

#[cfg(test)]
mod tests {
    use super::{CONTROL, world_writable};
    use crate::testing::messages;

    #[test]
    fn modes() {
        for mode in [
            "777", "0777", "666", "722", "2777", "o+w", "a+rwx", "ugo+w", "o=rwx", "u+x,o+w",
        ] {
            assert!(world_writable(mode), "{mode}");
        }
        for mode in [
            "755",
            "0644",
            "1777",
            "01777",
            "775",
            "+w",
            "u+w",
            "g+w",
            "a+rwxt",
            "a+rwx,o-w",
            "o=rx",
            "-w",
            "77777",
            "u=rwx,o=u",
        ] {
            assert!(!world_writable(mode), "{mode}");
        }
    }

    #[test]
    fn chmod_mkdir_install_and_copy() {
        let text = "FROM alpine:3.20\nRUN chmod -R 777 /app && chmod 755 /bin/x\nRUN mkdir -p /data && chmod 1777 /data\nRUN mkdir -pm 0777 /cache\nRUN install -m 666 a /etc/a\nCOPY --chmod=777 run.sh /\nCOPY --chmod=755 run.sh /\nRUN sh -c 'chmod a+w /x'\nRUN chmod --reference=/a /b\nRUN chmod +w /x\nRUN find /srv -type d -exec chmod 0777 {} +\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                "2: RUN chmod -R 777 /app makes files writable by every user; keep write for the owner or a group (a shared directory needs the sticky bit, 1777)",
                "4: RUN mkdir -pm 0777 /cache makes files writable by every user; keep write for the owner or a group (a shared directory needs the sticky bit, 1777)",
                "5: RUN install -m 666 a /etc/a makes files writable by every user; keep write for the owner or a group (a shared directory needs the sticky bit, 1777)",
                "6: COPY --chmod=777 makes the copied files writable by every user; keep write for the owner or a group",
                "8: RUN chmod a+w /x makes files writable by every user; keep write for the owner or a group (a shared directory needs the sticky bit, 1777)",
                "11: RUN chmod 0777 {} + makes files writable by every user; keep write for the owner or a group (a shared directory needs the sticky bit, 1777)",
            ]
        );
    }
}
