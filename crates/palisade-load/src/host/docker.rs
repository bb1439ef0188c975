//! The Docker daemon as it runs: its command line (a running `dockerd`'s
//! argv, else its systemd unit's `ExecStart=` with the unit's
//! `EnvironmentFile`s, as systemd builds it), its configuration file
//! (`--config-file`, else `/etc/docker/daemon.json`), merged as dockerd
//! merges them, and the files and sockets CIS Docker sections 1 and 3 ask
//! about.
//!
//! dockerd's rule is not "last one wins": a setting given both as a flag
//! and in the configuration file makes it refuse to start ("the following
//! directives are specified both as a flag and in the configuration
//! file"), which is reported as a problem; otherwise the one that is given
//! applies, else dockerd's default.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::containers::{self, DockerContainer};
use super::flags::{Arg, parse};
use super::images::{self, DockerImage, ImageStore};
use super::kubelet::Setting;
use super::origin::Origin;
use super::root::HostRoot;
use super::{Accounts, FileFacts, FileState, Found, file, process, systemd};
use crate::parse_documents;

/// A daemon setting: its key in `daemon.json`, its flag, whether it is a
/// list (`insecure-registries`, given as `--insecure-registry` once per
/// item), and dockerd's default.
struct Known {
    key: &'static str,
    flag: &'static str,
    list: bool,
    default: Option<&'static str>,
}

const fn scalar(key: &'static str, flag: &'static str, default: Option<&'static str>) -> Known {
    Known {
        key,
        flag,
        list: false,
        default,
    }
}

const fn list(key: &'static str, flag: &'static str) -> Known {
    Known {
        key,
        flag,
        list: true,
        default: None,
    }
}

/// The settings read, with the defaults of dockerd 27.
const KNOWN: &[Known] = &[
    scalar("icc", "icc", Some("true")),
    scalar("log-level", "log-level", Some("info")),
    scalar("iptables", "iptables", Some("true")),
    list("insecure-registries", "insecure-registry"),
    scalar("storage-driver", "storage-driver", None),
    scalar("tls", "tls", Some("false")),
    scalar("tlsverify", "tlsverify", Some("false")),
    scalar("tlscacert", "tlscacert", None),
    scalar("tlscert", "tlscert", None),
    scalar("tlskey", "tlskey", None),
    list("hosts", "host"),
    list("default-ulimits", "default-ulimit"),
    scalar("userns-remap", "userns-remap", None),
    scalar("cgroup-parent", "cgroup-parent", None),
    list("storage-opts", "storage-opt"),
    list("authorization-plugins", "authorization-plugin"),
    scalar("log-driver", "log-driver", Some("json-file")),
    scalar("no-new-privileges", "no-new-privileges", Some("false")),
    scalar("live-restore", "live-restore", Some("false")),
    scalar("userland-proxy", "userland-proxy", Some("true")),
    scalar("seccomp-profile", "seccomp-profile", None),
    scalar("experimental", "experimental", Some("false")),
    scalar("data-root", "data-root", Some("/var/lib/docker")),
    scalar("selinux-enabled", "selinux-enabled", Some("false")),
];

/// dockerd's boolean flags among those read.
const BOOLEANS: &[&str] = &[
    "icc",
    "iptables",
    "tls",
    "tlsverify",
    "no-new-privileges",
    "live-restore",
    "userland-proxy",
    "experimental",
    "selinux-enabled",
];

/// The Docker daemon's facts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerDaemon {
    pub found: Found,
    /// Where its command line is.
    pub command: Origin,
    /// Its arguments, as given.
    pub args: Vec<String>,
    /// The configuration file read (`--config-file`, else
    /// `/etc/docker/daemon.json` when it exists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_file: Option<String>,
    /// The effective settings by `daemon.json` key, defaults included.
    pub settings: BTreeMap<String, Setting>,
    /// The files and sockets the benchmark asks about, by role
    /// (`docker.service`, `docker.socket`, `/etc/docker`, `docker.sock`,
    /// `daemon.json`, `tlscacert`, `registry-cert:<path>`, ...).
    pub files: BTreeMap<String, FileFacts>,
    /// The paths the host's audit rules watch (`-w PATH`, `-F path=PATH`).
    pub audited: Vec<String>,
    /// Each path CIS Docker 1.1 asks to audit, by role (`dockerd`,
    /// `docker.service`, `/var/lib/docker`, ...): whether it is on the
    /// host, and the audit rule that watches it (itself or a folder above).
    pub audit_targets: BTreeMap<String, AuditTarget>,
    /// The members of the host's `docker` group: listed on its line of
    /// `/etc/group`, or with it as their primary group in `/etc/passwd`.
    pub docker_group: Vec<GroupMember>,
    /// The host's mount points, when a mount table could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mounts: Option<Mounts>,
    /// The containers in its state (`<data-root>/containers`), by name.
    pub containers: Vec<DockerContainer>,
    /// Which store its images are in.
    pub image_store: ImageStore,
    /// The images of its store that are tagged or used by a container, by
    /// ID (the classic store only: see [`ImageStore`]).
    pub images: Vec<DockerImage>,
    /// What could not be read, or makes dockerd refuse to start.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A member of the host's `docker` group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMember {
    /// The user's name.
    pub name: String,
    /// The line that makes them a member.
    pub origin: Origin,
}

/// The host's mount points and the table they were read from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mounts {
    /// `/proc/1/mountinfo` (the host's, with `--proc`), else `/etc/fstab`.
    pub table: String,
    /// Every mount point, as the table names it.
    pub points: Vec<String>,
}

/// A path the benchmark asks to audit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditTarget {
    /// The host path.
    pub path: String,
    /// Whether anything is there.
    pub exists: bool,
    /// The watched path that covers it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watched_by: Option<String>,
}

/// The paths CIS Docker 1.1.3 to 1.1.18 ask to audit, by role (the unit
/// files are found on systemd's search path).
const AUDIT_TARGETS: &[(&str, &str)] = &[
    ("dockerd", "/usr/bin/dockerd"),
    ("/run/containerd", "/run/containerd"),
    ("/var/lib/docker", "/var/lib/docker"),
    ("/etc/docker", "/etc/docker"),
    ("containerd.sock", "/run/containerd/containerd.sock"),
    ("/etc/default/docker", "/etc/default/docker"),
    ("daemon.json", "/etc/docker/daemon.json"),
    ("/etc/containerd/config.toml", "/etc/containerd/config.toml"),
    ("/etc/sysconfig/docker", "/etc/sysconfig/docker"),
    ("containerd", "/usr/bin/containerd"),
    ("containerd-shim", "/usr/bin/containerd-shim"),
    (
        "containerd-shim-runc-v1",
        "/usr/bin/containerd-shim-runc-v1",
    ),
    (
        "containerd-shim-runc-v2",
        "/usr/bin/containerd-shim-runc-v2",
    ),
    ("runc", "/usr/bin/runc"),
];

/// Each audit target on this host.
fn audit_targets(root: &HostRoot, daemon: &DockerDaemon) -> BTreeMap<String, AuditTarget> {
    let mut targets: Vec<(String, String)> = AUDIT_TARGETS
        .iter()
        .map(|(role, path)| ((*role).to_owned(), (*path).to_owned()))
        .collect();
    for unit in ["docker.service", "docker.socket"] {
        let path = daemon.files.get(unit).map_or_else(
            || format!("/usr/lib/systemd/system/{unit}"),
            |f| f.path.clone(),
        );
        targets.push((unit.to_owned(), path));
    }
    targets
        .into_iter()
        .map(|(role, path)| {
            let watched_by = daemon
                .audited
                .iter()
                .find(|w| {
                    let w = w.trim_end_matches('/');
                    path == w || path.starts_with(&format!("{w}/"))
                })
                .cloned();
            let target = AuditTarget {
                exists: exists(root, &path),
                path,
                watched_by,
            };
            (role, target)
        })
        .collect()
}

impl DockerDaemon {
    /// The effective value of `key`, if it has one.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key).filter(|s| !s.value.is_empty())
    }

    /// The containers dockerd last recorded running: those the benchmark's
    /// runtime section judges.
    pub fn running_containers(&self) -> impl Iterator<Item = &DockerContainer> {
        self.containers.iter().filter(|c| c.running)
    }
}

/// The daemon of the host: a running `dockerd` first, else the one its
/// systemd unit configures; `None` when there is neither.
pub fn daemon(
    root: &HostRoot,
    accounts: &Accounts,
    proc: Option<&std::path::Path>,
) -> Option<DockerDaemon> {
    let unit = systemd::configured(root, "docker.service");
    let running = proc
        .map(|proc| process::find(proc, "dockerd"))
        .unwrap_or_default()
        .into_iter()
        .next();
    let (found, command, args, mut problems) = match (running, &unit) {
        (Some(p), _) => {
            let command = Origin::at(&p.cmdline, 0, 0, format!("process {}", p.pid));
            (Found::Running { pid: p.pid }, command, p.args, Vec::new())
        }
        (None, Some(unit)) => (
            Found::Configured {
                unit_files: unit.files.clone(),
            },
            unit.exec_start.clone(),
            unit.args.clone(),
            unit.problems.clone(),
        ),
        (None, None) => return None,
    };
    let mut daemon = DockerDaemon {
        found,
        args: args.iter().map(|a| a.text.clone()).collect(),
        config_file: None,
        settings: BTreeMap::new(),
        files: BTreeMap::new(),
        audited: audit_rules(root, &mut problems),
        audit_targets: BTreeMap::new(),
        docker_group: docker_group(accounts),
        mounts: mounts(root, proc),
        containers: Vec::new(),
        image_store: ImageStore::None,
        images: Vec::new(),
        problems: Vec::new(),
        command,
    };
    daemon.merge(root, &args, &mut problems);
    if let Some(data_root) = daemon.get("data-root").map(|s| s.value.clone()) {
        daemon.containers = containers::read(root, &data_root, &mut problems);
        (daemon.image_store, daemon.images) =
            images::read(root, &data_root, &daemon.containers, &mut problems);
    }
    daemon.problems = problems;
    daemon.files = files_of(root, accounts, &daemon, unit.as_ref());
    daemon.audit_targets = audit_targets(root, &daemon);
    Some(daemon)
}

impl DockerDaemon {
    fn merge(&mut self, root: &HostRoot, args: &[Arg], problems: &mut Vec<String>) {
        let flags = parse(args, BOOLEANS);
        let default_origin = Origin {
            what: "dockerd's default".to_owned(),
            ..self.command.clone()
        };
        for known in KNOWN {
            if let Some(value) = known.default {
                self.settings.insert(
                    known.key.to_owned(),
                    Setting {
                        value: value.to_owned(),
                        origin: default_origin.clone(),
                    },
                );
            }
        }
        let config_flag = flags.iter().rev().find(|f| f.name == "config-file");
        let (path, required) = match config_flag {
            Some(flag) => (flag.value.clone(), true),
            None => ("/etc/docker/daemon.json".to_owned(), false),
        };
        let from_file = self.read_config(root, &path, required, problems);
        // Flags: list flags accumulate, others the last one wins.
        let mut given: BTreeMap<&'static str, Setting> = BTreeMap::new();
        for flag in &flags {
            let name = match flag.name.as_str() {
                "H" => "host",
                "l" => "log-level",
                other => other,
            };
            let Some(known) = KNOWN.iter().find(|k| k.flag == name) else {
                continue;
            };
            let dashes = if flag.name.len() == 1 { "-" } else { "--" };
            let origin = Origin {
                what: format!(
                    "{dashes}{}={} ({})",
                    flag.name, flag.value, flag.origin.what
                ),
                ..flag.origin.clone()
            };
            let value = match given.get(known.key) {
                Some(previous) if known.list => format!("{},{}", previous.value, flag.value),
                _ => flag.value.clone(),
            };
            given.insert(known.key, Setting { value, origin });
        }
        for (key, setting) in given {
            if from_file.contains(&key) {
                problems.push(format!(
                    "dockerd would refuse to start: {key} is set both as a flag ({}) and in {path}",
                    setting.origin
                ));
            }
            self.settings.insert(key.to_owned(), setting);
        }
    }

    /// Reads `daemon.json`; the keys it sets.
    fn read_config(
        &mut self,
        root: &HostRoot,
        path: &str,
        required: bool,
        problems: &mut Vec<String>,
    ) -> Vec<&'static str> {
        if !required && !exists(root, path) {
            return Vec::new();
        }
        let text = match root.read_text(path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!(
                    "cannot read the Docker daemon configuration {path}: {e}"
                ));
                return Vec::new();
            }
        };
        self.config_file = Some(path.to_owned());
        let file: Arc<str> = path.into();
        let parsed = parse_documents(file.clone(), &text, root.limits());
        problems.extend(parsed.errors.iter().map(ToString::to_string));
        let Some(document) = parsed.documents.first() else {
            return Vec::new();
        };
        let mut set = Vec::new();
        for known in KNOWN {
            let Some(entry) = document.root.entry(known.key) else {
                continue;
            };
            let value = if known.list || !entry.value.items().is_empty() {
                entry
                    .value
                    .items()
                    .iter()
                    .map(|i| i.scalar_text())
                    .collect::<Vec<_>>()
                    .join(",")
            } else if entry.value.is_map() {
                entry
                    .value
                    .entries()
                    .iter()
                    .map(|e| e.key.clone())
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                entry.value.scalar_text()
            };
            self.settings.insert(
                known.key.to_owned(),
                Setting {
                    value,
                    origin: Origin::at(
                        &file,
                        entry.key_pos.line,
                        entry.key_pos.column,
                        format!("{} in {path}", known.key),
                    ),
                },
            );
            set.push(known.key);
        }
        set
    }
}

/// The files the benchmark asks about, by role.
fn files_of(
    root: &HostRoot,
    accounts: &Accounts,
    daemon: &DockerDaemon,
    unit: Option<&systemd::Configured>,
) -> BTreeMap<String, FileFacts> {
    let mut files = BTreeMap::new();
    // A role takes the first of its paths that holds something.
    let mut add = |role: &str, path: &str| {
        if files.contains_key(role) {
            return;
        }
        let facts = file::facts(root, accounts, path);
        if facts.state != FileState::Missing {
            files.insert(role.to_owned(), facts);
        }
    };
    if let Some(unit_file) = unit.and_then(|u| u.files.first()) {
        add("docker.service", unit_file);
    }
    for dir in systemd::UNIT_DIRS {
        add("docker.socket", &format!("{dir}/docker.socket"));
    }
    for (role, path) in [
        ("/etc/docker", "/etc/docker"),
        ("docker.sock", "/var/run/docker.sock"),
        ("docker.sock", "/run/docker.sock"),
        ("containerd.sock", "/run/containerd/containerd.sock"),
        ("/etc/default/docker", "/etc/default/docker"),
        ("/etc/sysconfig/docker", "/etc/sysconfig/docker"),
    ] {
        add(role, path);
    }
    if let Some(config) = &daemon.config_file {
        add("daemon.json", config);
    }
    for key in ["tlscacert", "tlscert", "tlskey"] {
        if let Some(path) = daemon.get(key).map(|s| s.value.clone()) {
            add(key, &path);
        }
    }
    for path in registry_certificates(root) {
        add(&format!("registry-cert:{path}"), &path);
    }
    files
}

/// The certificates under `/etc/docker/certs.d/<registry>/`.
fn registry_certificates(root: &HostRoot) -> Vec<String> {
    let Ok(resolved) = root.resolve("/etc/docker/certs.d") else {
        return Vec::new();
    };
    let Ok(registries) = std::fs::read_dir(&resolved.local) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for registry in registries.filter_map(Result::ok).take(256) {
        let name = registry.file_name().to_string_lossy().into_owned();
        let Ok(certs) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for cert in certs.filter_map(Result::ok).take(256) {
            let file = cert.file_name().to_string_lossy().into_owned();
            if [".crt", ".cert", ".pem", ".key"]
                .iter()
                .any(|s| file.ends_with(s))
            {
                out.push(format!("/etc/docker/certs.d/{name}/{file}"));
            }
        }
    }
    out.sort();
    out
}

/// The paths the host's audit rules watch: `-w PATH` and `-F path=PATH`
/// in `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`.
fn audit_rules(root: &HostRoot, problems: &mut Vec<String>) -> Vec<String> {
    let mut files = vec!["/etc/audit/audit.rules".to_owned()];
    if let Ok(resolved) = root.resolve("/etc/audit/rules.d")
        && let Ok(entries) = std::fs::read_dir(&resolved.local)
    {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rules"))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("/etc/audit/rules.d/{n}")));
    }
    let mut watched = Vec::new();
    for path in files {
        if !exists(root, &path) {
            continue;
        }
        let text = match root.read_text(&path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("cannot read the audit rules {path}: {e}"));
                continue;
            }
        };
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
            let words: Vec<&str> = line.split_whitespace().collect();
            for pair in words.windows(2) {
                if let [flag, value] = pair {
                    if *flag == "-w" {
                        watched.push((*value).to_owned());
                    } else if *flag == "-F"
                        && let Some(path) = value.strip_prefix("path=")
                    {
                        watched.push(path.to_owned());
                    }
                }
            }
        }
    }
    watched.sort();
    watched.dedup();
    watched
}

/// The members of the host's `docker` group, each where it is named: on
/// the group's line of `/etc/group`, or with it as their primary group in
/// `/etc/passwd` (from the accounts already read to name owners).
fn docker_group(accounts: &Accounts) -> Vec<GroupMember> {
    accounts
        .members_of("docker")
        .into_iter()
        .map(|member| {
            let why = if member.file == "/etc/group" {
                "the docker group's members"
            } else {
                "a user whose primary group is docker"
            };
            let file: Arc<str> = Arc::from(member.file);
            GroupMember {
                name: member.name,
                origin: Origin::at(&file, member.line, 0, why),
            }
        })
        .collect()
}

/// The most bytes of a mount table read (`/proc/1/mountinfo` is not a
/// regular file, so the root's bounded reader does not apply).
const MOUNT_TABLE_LIMIT: u64 = 4 * 1024 * 1024;

/// The host's mount points: its `/proc/1/mountinfo` when `proc` is given
/// (field 5, with the kernel's octal escapes), else `/etc/fstab` (field
/// 2); `None` when neither is read.
fn mounts(root: &HostRoot, proc: Option<&std::path::Path>) -> Option<Mounts> {
    if let Some(proc) = proc {
        let path = proc.join("1/mountinfo");
        if let Some(text) = super::process::read_proc(&path, MOUNT_TABLE_LIMIT)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        {
            let points = text
                .lines()
                .filter_map(|l| l.split_whitespace().nth(4))
                .map(unescape_mount)
                .collect();
            return Some(Mounts {
                table: path.display().to_string(),
                points,
            });
        }
    }
    let text = root.read_text("/etc/fstab").ok()?;
    let points = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(unescape_mount)
        .collect();
    Some(Mounts {
        table: "/etc/fstab".to_owned(),
        points,
    })
}

/// A mount point as the kernel and fstab write it: space, tab, newline
/// and backslash as three octal digits (`\040`).
fn unescape_mount(point: &str) -> String {
    let mut out = String::with_capacity(point.len());
    let mut rest = point;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 4)
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        match code {
            Some(byte) if byte.is_ascii() => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            _ => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether anything is at the host path `path`.
fn exists(root: &HostRoot, path: &str) -> bool {
    root.resolve(path)
        .is_ok_and(|r| std::fs::symlink_metadata(r.local).is_ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    use crate::host::test_tree as host;

    fn read(dir: &tempfile::TempDir) -> DockerDaemon {
        let root = HostRoot::new(dir.path());
        let accounts = Accounts::read(&root);
        daemon(&root, &accounts, None).unwrap()
    }

    const UNIT: &str = "[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --icc=false\n";

    #[test]
    fn flags_the_configuration_file_and_defaults_merge_as_dockerd_merges_them() {
        let dir = host(&[
            ("/lib/systemd/system/docker.service", UNIT),
            (
                "/etc/docker/daemon.json",
                "{\n  \"log-level\": \"debug\",\n  \"insecure-registries\": [\"10.0.0.5:5000\"]\n}\n",
            ),
            (
                "/etc/audit/rules.d/docker.rules",
                "-w /usr/bin/dockerd -k docker\n-a always,exit -F path=/usr/bin/runc -F perm=x\n",
            ),
        ]);
        let d = read(&dir);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let value = |k: &str| d.get(k).map(|s| s.value.as_str());
        assert_eq!(value("icc"), Some("false"));
        assert_eq!(value("log-level"), Some("debug"));
        let level = d.get("log-level").unwrap();
        assert_eq!(
            (&*level.origin.file, level.origin.line),
            ("/etc/docker/daemon.json", 2)
        );
        assert_eq!(value("insecure-registries"), Some("10.0.0.5:5000"));
        assert_eq!(value("live-restore"), Some("false"));
        assert_eq!(
            d.get("live-restore").unwrap().origin.what,
            "dockerd's default"
        );
        assert_eq!(value("hosts"), Some("fd://"));
        assert_eq!(d.audited, ["/usr/bin/dockerd", "/usr/bin/runc"]);
        let runc = &d.audit_targets["runc"];
        assert_eq!(runc.watched_by.as_deref(), Some("/usr/bin/runc"));
        assert!(!runc.exists);
        assert!(d.audit_targets["/var/lib/docker"].watched_by.is_none());
        assert!(d.files.contains_key("docker.service"));
        assert!(d.files.contains_key("daemon.json"));
    }

    #[test]
    fn a_setting_given_twice_is_a_daemon_that_would_not_start() {
        let dir = host(&[
            ("/lib/systemd/system/docker.service", UNIT),
            ("/etc/docker/daemon.json", "{\"icc\": true}\n"),
        ]);
        let d = read(&dir);
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
        assert!(
            d.problems[0].contains("icc is set both as a flag"),
            "{:?}",
            d.problems
        );
    }
}
