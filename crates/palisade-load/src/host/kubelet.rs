//! The kubelet's effective configuration, merged as the kubelet merges it
//! (`cmd/kubelet/app`): defaults first, which differ with and without
//! `--config` (without it, four legacy flag defaults apply: anonymous
//! authentication on, webhook authentication off, `AlwaysAllow`
//! authorization, read-only port 10255); then the `--config` file; then
//! the `--config-dir` drop-ins (`*.conf`, in name order); then the flags,
//! which win. Feature gates merge per gate: a gate a flag sets wins, the
//! others keep the file's value. Every value keeps where it came from.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::flags::{Arg, Flag, parse};
use super::kube_bench;
use super::origin::Origin;
use super::root::HostRoot;
use crate::parse_documents;

/// How a setting merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    /// One value: the last one set wins.
    Scalar,
    /// A list (`tlsCipherSuites`): a file's list replaces; the first
    /// flag replaces too, and later flags append, as pflag's string slices do.
    List,
    /// `featureGates`: merged per key.
    Gates,
}

/// A setting the benchmarks read: its path in `KubeletConfiguration`, its
/// flag, how it merges, its default with `--config`, and without.
struct Known {
    path: &'static str,
    flag: &'static str,
    merge: Merge,
    with_config: Option<&'static str>,
    without_config: Option<&'static str>,
}

const fn known(
    path: &'static str,
    flag: &'static str,
    with_config: Option<&'static str>,
    without_config: Option<&'static str>,
) -> Known {
    Known {
        path,
        flag,
        merge: Merge::Scalar,
        with_config,
        without_config,
    }
}

/// The settings read, with the defaults of `KubeletConfiguration`
/// v1beta1 (`SetDefaults_KubeletConfiguration`) and `applyLegacyDefaults`.
const KNOWN: &[Known] = &[
    known(
        "authentication.anonymous.enabled",
        "anonymous-auth",
        Some("false"),
        Some("true"),
    ),
    known(
        "authentication.webhook.enabled",
        "authentication-token-webhook",
        Some("true"),
        Some("false"),
    ),
    known(
        "authentication.x509.clientCAFile",
        "client-ca-file",
        None,
        None,
    ),
    known(
        "authorization.mode",
        "authorization-mode",
        Some("Webhook"),
        Some("AlwaysAllow"),
    ),
    known("readOnlyPort", "read-only-port", Some("0"), Some("10255")),
    known(
        "streamingConnectionIdleTimeout",
        "streaming-connection-idle-timeout",
        Some("4h0m0s"),
        Some("4h0m0s"),
    ),
    known(
        "makeIPTablesUtilChains",
        "make-iptables-util-chains",
        Some("true"),
        Some("true"),
    ),
    known("eventRecordQPS", "event-qps", Some("50"), Some("50")),
    known("tlsCertFile", "tls-cert-file", None, None),
    known("tlsPrivateKeyFile", "tls-private-key-file", None, None),
    known(
        "rotateCertificates",
        "rotate-certificates",
        Some("false"),
        Some("false"),
    ),
    known("serverTLSBootstrap", "", Some("false"), Some("false")),
    known(
        "protectKernelDefaults",
        "protect-kernel-defaults",
        Some("false"),
        Some("false"),
    ),
    known("podPidsLimit", "pod-max-pids", Some("-1"), Some("-1")),
    known("staticPodPath", "pod-manifest-path", None, None),
    known(
        "seccompDefault",
        "seccomp-default",
        Some("false"),
        Some("false"),
    ),
    Known {
        path: "tlsCipherSuites",
        flag: "tls-cipher-suites",
        merge: Merge::List,
        with_config: None,
        without_config: None,
    },
    Known {
        path: "featureGates",
        flag: "feature-gates",
        merge: Merge::Gates,
        with_config: None,
        without_config: None,
    },
];

/// Flags with no configuration-file field: they are read from the command
/// line only.
const FLAG_ONLY: &[&str] = &["kubeconfig", "bootstrap-kubeconfig", "hostname-override"];

/// The kubelet's boolean flags among those read (a bare one is `true`).
const BOOLEANS: &[&str] = &[
    "anonymous-auth",
    "authentication-token-webhook",
    "make-iptables-util-chains",
    "rotate-certificates",
    "protect-kernel-defaults",
    "seccomp-default",
];

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The value as text (booleans `true`/`false`, lists joined by `,`).
    pub value: String,
    pub origin: Origin,
}

/// The kubelet's effective configuration.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effective {
    /// `--config`, as a host path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_file: Option<String>,
    /// The drop-ins of `--config-dir` applied, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_drop_ins: Vec<String>,
    /// By `KubeletConfiguration` path (`authentication.anonymous.enabled`,
    /// `featureGates.RotateKubeletServerCertificate`); flags without a
    /// file field by their flag (`--kubeconfig`).
    pub settings: BTreeMap<String, Setting>,
    /// What could not be read, with the reason; the rest still applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Effective {
    /// The setting at `path`, if it has a value.
    pub fn get(&self, path: &str) -> Option<&Setting> {
        self.settings.get(path)
    }
}

/// Merges the kubelet's configuration from its arguments (after the
/// program name) and the files they name under `root`. `command` is where
/// the command line is (a process's `cmdline`, a unit's `ExecStart=`):
/// defaults are reported there.
pub fn effective(root: &HostRoot, args: &[Arg], command: &Origin) -> Effective {
    let flags = parse(args, BOOLEANS);
    let last = |name: &str| flags.iter().rev().find(|f| f.name == name);
    let mut out = Effective {
        config_file: last("config").map(|f| f.value.clone()),
        ..Effective::default()
    };
    let with_config = out.config_file.is_some();
    let default_origin = Origin {
        what: if with_config {
            "the kubelet's default with --config (KubeletConfiguration v1beta1)".to_owned()
        } else {
            "the kubelet's default without --config (its legacy flag defaults)".to_owned()
        },
        ..command.clone()
    };
    for known in KNOWN {
        let default = if with_config {
            known.with_config
        } else {
            known.without_config
        };
        if let Some(value) = default {
            out.settings.insert(
                known.path.to_owned(),
                Setting {
                    value: value.to_owned(),
                    origin: default_origin.clone(),
                },
            );
        }
    }
    if let Some(path) = out.config_file.clone() {
        out.read_config(root, &path);
    }
    if let Some(dir) = last("config-dir").map(|f| f.value.clone()) {
        out.read_config_dir(root, &dir);
    }
    out.apply_flags(&flags);
    out
}

/// The kubelet's configuration as kube-bench reads it (`--compat
/// kube-bench`, see [`super::kube_bench`]): no defaults; the first of
/// kube-bench's configuration files that exists, whatever `--config`
/// names, and no `--config-dir`; then each flag where kube-bench's grep
/// finds it, which wins over the file.
pub fn effective_as_kube_bench(root: &HostRoot, args: &[Arg]) -> Effective {
    let config = kube_bench::kubelet_config(root);
    let mut out = Effective::default();
    // kube-bench's list ends with the kubelet's units, for its flags; as a
    // configuration file a unit gives no fields (kube-bench then errors on
    // each field it looks up: differences the documentation lists).
    let unit = config.starts_with("/etc/systemd/") || config.starts_with("/lib/systemd/");
    if root.exists(&config) && !unit {
        out.read_config(root, &config);
        out.config_file = Some(config);
    }
    for known in KNOWN.iter().filter(|k| !k.flag.is_empty()) {
        let Some((value, origin)) = kube_bench::flag(args, known.flag) else {
            continue;
        };
        if known.merge == Merge::Gates {
            for gate in value.split(',').filter(|g| !g.trim().is_empty()) {
                let (name, value) = gate.split_once('=').unwrap_or((gate, ""));
                out.settings.insert(
                    format!("featureGates.{}", name.trim()),
                    Setting {
                        value: value.trim().to_owned(),
                        origin: origin.clone(),
                    },
                );
            }
        } else {
            out.settings
                .insert(known.path.to_owned(), Setting { value, origin });
        }
    }
    for name in FLAG_ONLY {
        if let Some((value, origin)) = kube_bench::flag(args, name) {
            out.settings
                .insert(format!("--{name}"), Setting { value, origin });
        }
    }
    out
}

/// The flag that sets `path` of `KubeletConfiguration` (`read-only-port`
/// for `readOnlyPort`); a flag-only setting's path is its flag
/// (`--hostname-override`).
pub fn flag_of(path: &str) -> Option<&'static str> {
    if let Some(flag) = path.strip_prefix("--") {
        return FLAG_ONLY.iter().copied().find(|f| *f == flag);
    }
    if path.starts_with("featureGates.") {
        return Some("feature-gates");
    }
    KNOWN
        .iter()
        .find(|k| k.path == path && !k.flag.is_empty())
        .map(|k| k.flag)
}

impl Effective {
    fn read_config(&mut self, root: &HostRoot, path: &str) {
        let text = match root.read_text(path) {
            Ok(text) => text,
            Err(e) => {
                self.problems
                    .push(format!("cannot read the kubelet configuration {path}: {e}"));
                return;
            }
        };
        let file: Arc<str> = path.into();
        let parsed = parse_documents(file.clone(), &text, root.limits());
        for error in &parsed.errors {
            self.problems.push(error.to_string());
        }
        let Some(document) = parsed.documents.first() else {
            self.problems
                .push(format!("{path}: no KubeletConfiguration in the file"));
            return;
        };
        let root_node = &document.root;
        if let Some(kind) = root_node.get("kind").and_then(|k| k.as_str())
            && kind != "KubeletConfiguration"
        {
            self.problems.push(format!(
                "{path}: kind is {kind}, not KubeletConfiguration; its fields are read as the kubelet would refuse them"
            ));
        }
        for known in KNOWN {
            let keys: Vec<&str> = known.path.split('.').collect();
            let Some((last, parents)) = keys.split_last() else {
                continue;
            };
            let Some(entry) = root_node.get_path(parents).and_then(|p| p.entry(last)) else {
                continue;
            };
            let node = &entry.value;
            // A setting points at its key: the line that sets it, also for
            // a list whose items start on the next line.
            let key_at =
                |what: String| Origin::at(&file, entry.key_pos.line, entry.key_pos.column, what);
            match known.merge {
                Merge::Scalar => {
                    self.settings.insert(
                        known.path.to_owned(),
                        Setting {
                            value: node.scalar_text(),
                            origin: key_at(format!("{} in {path}", known.path)),
                        },
                    );
                }
                Merge::List => {
                    let items: Vec<String> = node.items().iter().map(|i| i.scalar_text()).collect();
                    self.settings.insert(
                        known.path.to_owned(),
                        Setting {
                            value: items.join(","),
                            origin: key_at(format!("{} in {path}", known.path)),
                        },
                    );
                }
                Merge::Gates => {
                    for gate in node.entries() {
                        self.settings.insert(
                            format!("featureGates.{}", gate.key),
                            Setting {
                                value: gate.value.scalar_text(),
                                origin: Origin::at(
                                    &file,
                                    gate.key_pos.line,
                                    gate.key_pos.column,
                                    format!("featureGates.{} in {path}", gate.key),
                                ),
                            },
                        );
                    }
                }
            }
        }
    }

    fn read_config_dir(&mut self, root: &HostRoot, dir: &str) {
        let entries = root
            .resolve(dir)
            .map_err(|e| e.to_string())
            .and_then(|r| std::fs::read_dir(r.local).map_err(|e| e.to_string()));
        let entries = match entries {
            Ok(entries) => entries,
            Err(e) => {
                self.problems
                    .push(format!("cannot read --config-dir {dir}: {e}"));
                return;
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".conf"))
            .collect();
        names.sort();
        for name in names {
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            self.read_config(root, &path);
            self.config_drop_ins.push(path);
        }
    }

    fn apply_flags(&mut self, flags: &[Flag]) {
        // The list flags given so far: each one's first occurrence replaces.
        let mut lists_given: Vec<&str> = Vec::new();
        for flag in flags {
            let origin = Origin {
                what: format!("--{}={} ({})", flag.name, flag.value, flag.origin.what),
                ..flag.origin.clone()
            };
            if FLAG_ONLY.contains(&flag.name.as_str()) {
                self.settings.insert(
                    format!("--{}", flag.name),
                    Setting {
                        value: flag.value.clone(),
                        origin,
                    },
                );
                continue;
            }
            let Some(known) = KNOWN
                .iter()
                .find(|k| !k.flag.is_empty() && k.flag == flag.name)
            else {
                continue;
            };
            match known.merge {
                Merge::Scalar => {
                    let value = if BOOLEANS.contains(&known.flag) {
                        go_bool(&flag.value).map_or_else(|| flag.value.clone(), str::to_owned)
                    } else {
                        flag.value.clone()
                    };
                    self.settings
                        .insert(known.path.to_owned(), Setting { value, origin });
                }
                Merge::List => {
                    let value = match self.settings.get(known.path) {
                        Some(previous) if lists_given.contains(&known.path) => {
                            format!("{},{}", previous.value, flag.value)
                        }
                        _ => flag.value.clone(),
                    };
                    lists_given.push(known.path);
                    self.settings
                        .insert(known.path.to_owned(), Setting { value, origin });
                }
                Merge::Gates => {
                    for gate in flag.value.split(',').filter(|g| !g.trim().is_empty()) {
                        let (name, value) = gate.split_once('=').unwrap_or((gate, ""));
                        self.settings.insert(
                            format!("featureGates.{}", name.trim()),
                            Setting {
                                value: go_bool(value.trim()).unwrap_or(value.trim()).to_owned(),
                                origin: origin.clone(),
                            },
                        );
                    }
                }
            }
        }
    }
}

/// A boolean as Go's `strconv.ParseBool` reads it.
fn go_bool(text: &str) -> Option<&'static str> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some("true"),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some("false"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn command() -> Origin {
        Origin::at(&Arc::from("/proc/812/cmdline"), 0, 0, "process 812")
    }

    fn args(texts: &[&str]) -> Vec<Arg> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Arg {
                text: (*t).to_owned(),
                origin: Origin::at(
                    &Arc::from("/proc/812/cmdline"),
                    0,
                    0,
                    format!("argument {}", i + 1),
                ),
            })
            .collect()
    }

    fn value<'a>(e: &'a Effective, path: &str) -> Option<&'a str> {
        e.get(path).map(|s| s.value.as_str())
    }

    #[test]
    fn without_config_the_legacy_defaults_apply() {
        let dir = tempfile::tempdir().unwrap();
        let e = effective(
            &HostRoot::new(dir.path()),
            &args(&["--kubeconfig=/etc/kubernetes/kubelet.conf"]),
            &command(),
        );
        assert_eq!(value(&e, "authentication.anonymous.enabled"), Some("true"));
        assert_eq!(value(&e, "authorization.mode"), Some("AlwaysAllow"));
        assert_eq!(value(&e, "readOnlyPort"), Some("10255"));
        assert_eq!(
            value(&e, "--kubeconfig"),
            Some("/etc/kubernetes/kubelet.conf")
        );
        assert!(
            e.get("readOnlyPort")
                .unwrap()
                .origin
                .what
                .contains("without --config")
        );
    }

    #[test]
    fn file_then_drop_ins_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/kubelet/conf.d")).unwrap();
        std::fs::write(
            dir.path().join("var/lib/kubelet/config.yaml"),
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: yes\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nreadOnlyPort: 10255\nfeatureGates:\n  RotateKubeletServerCertificate: false\n  Other: true\ntlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("var/lib/kubelet/conf.d/20-b.conf"),
            "readOnlyPort: 0\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("var/lib/kubelet/conf.d/10-a.conf"),
            "readOnlyPort: 1\nseccompDefault: true\n",
        )
        .unwrap();
        let e = effective(
            &HostRoot::new(dir.path()),
            &args(&[
                "--config=/var/lib/kubelet/config.yaml",
                "--config-dir=/var/lib/kubelet/conf.d",
                "--anonymous-auth=f",
                "--feature-gates=RotateKubeletServerCertificate=true",
                "--tls-cipher-suites=A",
                "--tls-cipher-suites=B",
            ]),
            &command(),
        );
        assert!(e.problems.is_empty(), "{:?}", e.problems);
        // A flag beats the file; YAML 1.1 `yes` was read as Go's true first.
        assert_eq!(value(&e, "authentication.anonymous.enabled"), Some("false"));
        // Drop-ins in name order, over the file.
        assert_eq!(value(&e, "readOnlyPort"), Some("0"));
        assert_eq!(
            e.get("readOnlyPort").unwrap().origin.file.as_ref(),
            "/var/lib/kubelet/conf.d/20-b.conf"
        );
        assert_eq!(value(&e, "seccompDefault"), Some("true"));
        // With --config the v1beta1 defaults apply to what nothing sets.
        assert_eq!(value(&e, "authorization.mode"), Some("Webhook"));
        assert_eq!(
            value(&e, "authentication.x509.clientCAFile"),
            Some("/etc/kubernetes/pki/ca.crt")
        );
        let ca = &e.get("authentication.x509.clientCAFile").unwrap().origin;
        // A setting points at its key.
        assert_eq!((ca.line, ca.column), (7, 5));
        // Gates merge per gate: the flag's wins, the file's others stay.
        assert_eq!(
            value(&e, "featureGates.RotateKubeletServerCertificate"),
            Some("true")
        );
        assert_eq!(value(&e, "featureGates.Other"), Some("true"));
        // The first list flag replaces the file's list, the next appends.
        assert_eq!(value(&e, "tlsCipherSuites"), Some("A,B"));
        assert_eq!(
            e.config_drop_ins,
            [
                "/var/lib/kubelet/conf.d/10-a.conf",
                "/var/lib/kubelet/conf.d/20-b.conf"
            ]
        );
    }

    #[test]
    fn an_unreadable_config_is_a_problem_and_the_rest_applies() {
        let dir = tempfile::tempdir().unwrap();
        let e = effective(
            &HostRoot::new(dir.path()),
            &args(&["--config", "/nope.yaml", "--read-only-port=0"]),
            &command(),
        );
        assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
        assert!(e.problems[0].contains("/nope.yaml"));
        assert_eq!(value(&e, "readOnlyPort"), Some("0"));
        assert_eq!(value(&e, "authentication.anonymous.enabled"), Some("false"));
    }
}
