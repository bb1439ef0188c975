//! Packages and downloads installed without verification: signature and
//! TLS checks switched off, and downloads piped straight into a shell.

use std::sync::LazyLock;

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};
use regex::RegexSet;

use super::args::assignments;
use super::shell::{Command, pipelines, program, unwrapped};
use super::{at, run_scripts};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-unverified-packages",
        title: "Packages or downloads installed without verification",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `RUN` instructions (shell form, exec form, heredocs and `sh -c` scripts, in every stage) that switch off the verification of what they install:
- package signatures: `apt-get`/`apt` `--allow-unauthenticated`, `--allow-insecure-repositories` or `--force-yes`, the options `APT::Get::AllowUnauthenticated` and `Acquire::AllowInsecureRepositories` set to true, an apt source marked `[trusted=yes]`; `yum`/`dnf`/`microdnf`/`tdnf --nogpgcheck` and `gpgcheck=0` (as `--setopt` or written into a `.repo` file; `repo_gpgcheck` is not flagged); `zypper --no-gpg-checks`; `rpm --nosignature` or `--nodigest`; `apk --allow-untrusted`;
- TLS certificate checks: `curl -k`/`--insecure` (also inside combined options such as `-fsSLk`), `wget --no-check-certificate`, `sslverify=0`, `Acquire::https::Verify-Peer false`, pip's `trusted-host` (as `--trusted-host`, in `pip config` or `pip.conf`, or `PIP_TRUSTED_HOST`) and uv's `--allow-insecure-host`, npm or yarn `strict-ssl false`, git `http.sslVerify false` and `GIT_SSL_NO_VERIFY`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`;
- a download run without being checked: `curl` or `wget` piped into a shell or interpreter that reads its program from standard input (`curl ... | sh`, `wget -qO- ... | sudo bash -s -- -y`, `curl ... | python3 -`), and `sh -c "$(curl ...)"`, `bash <(curl ...)`, `eval "$(wget ...)"`. A pipe into a program that only reads data (`curl ... | tar -xz`, `curl ... | python3 -c '...'`) is not flagged.

`ENV` and `ARG` values that switch verification off for later steps (`NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY=1`, `PIP_TRUSTED_HOST=...`, `NPM_CONFIG_STRICT_SSL=false`) are flagged too. A script downloaded to a file and run in a later command is not flagged, since a checksum check may sit in between.

## Why is this bad?
Signatures and TLS are what tie a package or a script to its publisher. Without them, anyone who can tamper with the network path, a mirror or a compromised repository decides what is installed into the image, which then ships to every environment. A script piped into a shell runs whatever the server returns at that moment, unreviewed, as root during the build.

## How to fix
Keep verification on: import the repository's signing key (`signed-by=` for apt, `gpgkey=` for yum), fix the CA bundle instead of disabling TLS checks (copy the corporate CA into the image and run `update-ca-certificates`), and download scripts to a file, check them against a published checksum or signature, then run them.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --allow-unauthenticated curl \
 && curl -fsSL https://example.com/install.sh | sh
```
Use instead:
```dockerfile
FROM debian:12
ARG INSTALLER_SHA256=2f1e0c4d7b9a6e8f3c5d1b0a9e7f6c4d3b2a1908f7e6d5c4b3a2918f7e6d5c4b
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && curl -fsSLo /tmp/install.sh https://example.com/install.sh \
 && echo "${INSTALLER_SHA256}  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh && rm -rf /tmp/install.sh /var/lib/apt/lists/*
```

## References
- CWE-494: Download of Code Without Integrity Check; CWE-295: Improper Certificate Validation
"#;

/// Settings that switch verification off, wherever they are written (a
/// command option, a configuration file written by `echo`, an environment
/// variable), as `(what it is, pattern)`.
const SETTINGS: &[(&str, &str)] = &[
    (
        "APT::Get::AllowUnauthenticated",
        r#"(?i)APT::Get::AllowUnauthenticated["']?\s*[= ]\s*["']?(true|1|yes)"#,
    ),
    (
        "Acquire::AllowInsecureRepositories",
        r#"(?i)Acquire::AllowInsecureRepositories["']?\s*[= ]\s*["']?(true|1|yes)"#,
    ),
    (
        "Acquire::https::Verify-Peer false",
        r#"(?i)Acquire::https?(::[^:\s=]+)?::Verify-(Peer|Host)["']?\s*[= ]\s*["']?(false|0|no)"#,
    ),
    (
        "an apt source marked [trusted=yes]",
        r"(?i)\[[^\]]*trusted=yes",
    ),
    (
        "gpgcheck=0",
        r#"(?i)(^|[^a-z_])gpgcheck\s*=\s*["']?(0|false|no|off)\b"#,
    ),
    (
        "sslverify=0",
        r#"(?i)(^|[^a-z_])sslverify\s*=\s*["']?(0|false|no|off)\b"#,
    ),
    (
        "strict-ssl false",
        r#"(?i)strict[-_]ssl["']?\s*[= ]\s*["']?false"#,
    ),
    (
        "git http.sslVerify false",
        r#"(?i)http\.(\S+\.)?sslverify["']?\s*[= ]\s*["']?false"#,
    ),
    (
        "pip trusted-host",
        r"(?i)trusted[-_]host|allow-insecure-host",
    ),
    (
        "NODE_TLS_REJECT_UNAUTHORIZED=0",
        r#"NODE_TLS_REJECT_UNAUTHORIZED\s*[= ]\s*["']?0"#,
    ),
    (
        "GIT_SSL_NO_VERIFY",
        r#"GIT_SSL_NO_VERIFY\s*[= ]\s*["']?[^\s"']"#,
    ),
    (
        "PYTHONHTTPSVERIFY=0",
        r#"PYTHONHTTPSVERIFY\s*[= ]\s*["']?0"#,
    ),
];

/// Options that skip verification, per program.
fn skipping_flags(program: &str) -> &'static [&'static str] {
    match program {
        "apt-get" | "apt" | "aptitude" => &[
            "--allow-unauthenticated",
            "--allow-insecure-repositories",
            "--force-yes",
        ],
        "yum" | "dnf" | "microdnf" | "tdnf" => &["--nogpgcheck"],
        "zypper" => &["--no-gpg-checks"],
        "rpm" => &["--nosignature", "--nodigest"],
        "apk" => &["--allow-untrusted"],
        "wget" => &["--no-check-certificate"],
        "curl" => &["--insecure"],
        _ => &[],
    }
}

fn check(dockerfile: &Dockerfile, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        if !matches!(instruction.keyword.as_str(), "ENV" | "ARG") {
            continue;
        }
        let env = instruction.keyword == "ENV";
        let mut found = Vec::new();
        for (name, value) in assignments(&instruction.text(), env) {
            if !value.is_empty() {
                found.extend(settings(&format!("{name}={value}")));
            }
        }
        dedup(&mut found);
        if !found.is_empty() {
            violations.push(at(
                index,
                format!(
                    "{} switches verification off for later steps ({}); keep TLS and signature checks on",
                    instruction.keyword,
                    found.join(", ")
                ),
            ));
        }
    }
    for (index, script) in run_scripts(dockerfile) {
        let found = problems(&script);
        if !found.is_empty() {
            violations.push(at(
                index,
                format!(
                    "RUN installs without verification ({}); keep signature and TLS checks on, and check downloads against a checksum or signature before running them",
                    found.join(", ")
                ),
            ));
        }
    }
    violations.sort_by_key(super::instruction_of);
    violations
}

/// The settings of [`SETTINGS`] that `text` holds.
fn settings(text: &str) -> Vec<String> {
    static SET: LazyLock<RegexSet> = LazyLock::new(|| {
        RegexSet::new(SETTINGS.iter().map(|(_, p)| *p)).unwrap_or_else(|_| RegexSet::empty())
    });
    SET.matches(text)
        .into_iter()
        .filter_map(|i| SETTINGS.get(i).map(|(what, _)| (*what).to_owned()))
        .collect()
}

/// Everything in a `RUN` script that skips verification, in order, once.
fn problems(script: &str) -> Vec<String> {
    let mut found = settings(script);
    // `sh -c "..."` scripts are split again; a work list rather than
    // recursion, bounded so hostile nesting cannot run away.
    let mut pending = vec![script.to_owned()];
    let mut budget = 64usize;
    while let Some(script) = pending.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        for pipeline in pipelines(&script) {
            found.extend(piped_download(&pipeline));
            for command in &pipeline {
                let words = unwrapped(command);
                let Some((first, args)) = words.split_first() else {
                    continue;
                };
                let name = program(first);
                for flag in skipping_flags(name) {
                    if args.iter().any(|w| {
                        w == flag || w.strip_prefix(flag).is_some_and(|r| r.starts_with('='))
                    }) {
                        found.push(format!("{name} {flag}"));
                    }
                }
                if name == "curl" && args.iter().any(|w| curl_short_insecure(w)) {
                    found.push("curl -k".to_owned());
                }
                if let Some(what) = substituted_download(name, args) {
                    found.push(what);
                }
                if is_shell(name)
                    && let Some(inline) = args
                        .iter()
                        .position(|w| w == "-c")
                        .and_then(|i| args.get(i + 1))
                {
                    pending.push(inline.clone());
                }
            }
        }
    }
    dedup(&mut found);
    found
}

fn dedup(found: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| seen.insert(f.clone()));
}

/// `-k` inside a cluster of curl's short options (`-fsSLk`), before any
/// option that takes a value (whose value the rest of the word is).
fn curl_short_insecure(word: &str) -> bool {
    const TAKES_VALUE: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";
    let Some(cluster) = word.strip_prefix('-') else {
        return false;
    };
    if cluster.starts_with('-') {
        return false;
    }
    for c in cluster.chars() {
        if c == 'k' {
            return true;
        }
        if TAKES_VALUE.contains(c) {
            return false;
        }
    }
    false
}

fn is_download(name: &str) -> bool {
    matches!(name, "curl" | "wget")
}

fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "fish"
    )
}

/// For an interpreter, the options that give it its program as an
/// argument instead of reading it from standard input.
fn interpreter_code_options(name: &str) -> Option<&'static [char]> {
    if name.starts_with("python") {
        return Some(&['c', 'm']);
    }
    match name {
        "perl" => Some(&['e', 'E']),
        "ruby" => Some(&['e']),
        "node" | "nodejs" => Some(&['e', 'p']),
        "php" => Some(&['r']),
        _ => None,
    }
}

/// `curl ... | sh`: a download followed, later in the same pipeline, by a
/// shell or interpreter that runs what it reads.
fn piped_download(pipeline: &[Command]) -> Option<String> {
    let first_download = pipeline.iter().position(|command| {
        unwrapped(command)
            .first()
            .is_some_and(|w| is_download(program(w)))
    })?;
    pipeline
        .iter()
        .skip(first_download + 1)
        .find_map(|command| {
            let words = unwrapped(command);
            let (first, args) = words.split_first()?;
            let name = program(first);
            runs_stdin(name, args).then(|| format!("a download piped into {name}"))
        })
}

/// Whether `name args...` runs a program read from standard input.
fn runs_stdin(name: &str, args: &[String]) -> bool {
    let shell = is_shell(name);
    let code_options: &[char] = match interpreter_code_options(name) {
        Some(options) => options,
        None if shell => &['c'],
        None => return false,
    };
    let mut i = 0;
    while let Some(word) = args.get(i) {
        if word == "-" {
            return true;
        }
        if word == "--" {
            return args.get(i + 1).is_none_or(|w| w == "-");
        }
        if let Some(long) = word.strip_prefix("--") {
            if matches!(long, "eval" | "print" | "command") {
                return false;
            }
            if matches!(long, "rcfile" | "init-file") {
                i += 1;
            }
        } else if let Some(cluster) = word.strip_prefix(['-', '+']).filter(|c| !c.is_empty()) {
            if cluster.chars().any(|c| code_options.contains(&c)) {
                return false;
            }
            if shell && cluster.contains('s') {
                return true;
            }
            if shell && cluster.contains(['o', 'O']) {
                i += 1;
            }
        } else {
            // An operand: a script file.
            return false;
        }
        i += 1;
    }
    true
}

/// `sh -c "$(curl ...)"`, `bash <(wget ...)`, `eval "$(curl ...)"`.
fn substituted_download(name: &str, args: &[String]) -> Option<String> {
    let runs_code = is_shell(name)
        || interpreter_code_options(name).is_some()
        || matches!(name, "eval" | "source" | ".");
    if !runs_code {
        return None;
    }
    let substituted = args.iter().any(|w| {
        ["$(", "<(", "`"].iter().any(|open| {
            ["curl", "wget"]
                .iter()
                .any(|d| w.contains(&format!("{open}{d}")))
        })
    });
    substituted.then(|| format!("a download run by {name}"))
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    const RUN_SUFFIX: &str = "; keep signature and TLS checks on, and check downloads against a checksum or signature before running them";

    fn runs(text: &str) -> Vec<String> {
        messages(&CONTROL, text)
            .into_iter()
            .map(|m| m.replace(RUN_SUFFIX, ""))
            .collect()
    }

    #[test]
    fn package_managers() {
        let text = "FROM debian:12\nRUN apt-get update && apt-get install -y --allow-unauthenticated curl\nRUN apt-get -o APT::Get::AllowUnauthenticated=true install x\nRUN echo 'deb [trusted=yes] http://repo/ ./' > /etc/apt/sources.list.d/x.list\nRUN yum install -y --nogpgcheck x && dnf --setopt=gpgcheck=0 install y\nRUN sed -i 's/repo_gpgcheck=1/repo_gpgcheck=0/' /etc/yum.repos.d/x.repo\nRUN rpm -i --nosignature x.rpm && apk add --allow-untrusted y.apk && zypper --no-gpg-checks in z\nRUN apt-get install -y --no-install-recommends ca-certificates\n";
        assert_eq!(
            runs(text),
            [
                "2: RUN installs without verification (apt-get --allow-unauthenticated)",
                "3: RUN installs without verification (APT::Get::AllowUnauthenticated)",
                "4: RUN installs without verification (an apt source marked [trusted=yes])",
                "5: RUN installs without verification (gpgcheck=0, yum --nogpgcheck)",
                "7: RUN installs without verification (rpm --nosignature, apk --allow-untrusted, zypper --no-gpg-checks)",
            ]
        );
    }

    #[test]
    fn tls_and_downloads() {
        let text = "FROM alpine:3.20\nRUN curl -fsSLk https://x -o /x && wget --no-check-certificate https://y\nRUN curl -fsSL https://get.example.com | sh\nRUN wget -qO- https://x | sudo -E bash -s -- -y\nRUN curl -o k https://x && curl -H 'X-k: 1' https://y | tar -xz\nRUN curl -fsSL https://x | python3 -c 'import json,sys; json.load(sys.stdin)'\nRUN sh -c \"$(curl -fsSL https://x)\"\nRUN pip install --trusted-host pypi.internal x && npm config set strict-ssl false\nRUN git config --global http.sslVerify false\nRUN curl -fsSL https://x | python3 -\nRUN [\"/bin/bash\", \"-c\", \"curl -fsSL https://x | bash\"]\nENV NODE_TLS_REJECT_UNAUTHORIZED=0 PATH=/x\nARG PIP_TRUSTED_HOST\nRUN curl -fsSL https://x -o /tmp/i.sh && sha256sum -c sums && sh /tmp/i.sh\n";
        assert_eq!(
            runs(text),
            [
                "2: RUN installs without verification (curl -k, wget --no-check-certificate)",
                "3: RUN installs without verification (a download piped into sh)",
                "4: RUN installs without verification (a download piped into bash)",
                "7: RUN installs without verification (a download run by sh)",
                "8: RUN installs without verification (strict-ssl false, pip trusted-host)",
                "9: RUN installs without verification (git http.sslVerify false)",
                "10: RUN installs without verification (a download piped into python3)",
                "11: RUN installs without verification (a download piped into bash)",
                "12: ENV switches verification off for later steps (NODE_TLS_REJECT_UNAUTHORIZED=0); keep TLS and signature checks on",
            ]
        );
    }
}
