//! What systemd would run for a unit, rebuilt from its files when the
//! process itself cannot be seen: the unit found first on the search path,
//! its drop-ins (`<unit>.d/*.conf`, a name in a higher folder masking the
//! same name lower, applied in name order), `Environment=` and
//! `EnvironmentFile=` (a file's variables override `Environment=`'s, a
//! leading `-` makes it optional), and the last `ExecStart=` after the
//! last empty one that resets it. `$VAR` expands to words, `${VAR}` to one.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::flags::Arg;
use super::origin::Origin;
use super::root::HostRoot;
use crate::words::split as split_words;

/// Unit folders, highest priority first (systemd's system search path).
pub const UNIT_DIRS: [&str; 5] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// A unit's command as configured.
#[derive(Debug, Clone)]
pub struct Configured {
    /// The unit file and its drop-ins, in the order they were applied.
    pub files: Vec<String>,
    /// The `ExecStart=` line that runs.
    pub exec_start: Origin,
    /// Its arguments after the program, expanded.
    pub args: Vec<Arg>,
    /// Problems met (an unreadable drop-in, a missing required
    /// environment file): the rest is still used.
    pub problems: Vec<String>,
}

/// `unit` (`kubelet.service`) as its files configure it; `None` when no
/// unit file exists or none of them has an `ExecStart=`.
pub fn configured(root: &HostRoot, unit: &str) -> Option<Configured> {
    let main = UNIT_DIRS
        .iter()
        .map(|dir| format!("{dir}/{unit}"))
        .find(|path| root.resolve(path).is_ok_and(|r| r.local.is_file()))?;
    let mut drop_ins: BTreeMap<String, String> = BTreeMap::new();
    for dir in UNIT_DIRS.iter().rev() {
        let folder = format!("{dir}/{unit}.d");
        let Ok(resolved) = root.resolve(&folder) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(&resolved.local) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".conf") {
                // Lower folders first, so a higher one's file replaces it.
                drop_ins.insert(name.clone(), format!("{folder}/{name}"));
            }
        }
    }
    let mut state = State::default();
    let mut files = Vec::new();
    for path in std::iter::once(main).chain(drop_ins.into_values()) {
        match root.read_text(&path) {
            Ok(text) => state.apply(&path, &text, root),
            Err(e) => state.problems.push(format!("cannot read {path}: {e}")),
        }
        files.push(path);
    }
    let (exec_start, line) = state.exec_start?;
    let mut environment = state.environment;
    environment.extend(state.file_environment);
    let mut words = expand(&line, &environment).into_iter();
    words.next()?; // the program
    let args = words
        .enumerate()
        .map(|(i, text)| Arg {
            text,
            origin: Origin {
                what: format!("argument {} of {}", i + 1, exec_start.what),
                ..exec_start.clone()
            },
        })
        .collect();
    Some(Configured {
        files,
        exec_start,
        args,
        problems: state.problems,
    })
}

#[derive(Default)]
struct State {
    environment: BTreeMap<String, String>,
    file_environment: BTreeMap<String, String>,
    exec_start: Option<(Origin, String)>,
    problems: Vec<String>,
}

impl State {
    fn apply(&mut self, path: &str, text: &str, root: &HostRoot) {
        let file: Arc<str> = path.into();
        let mut section = String::new();
        for (line_no, line) in logical_lines(text) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                name.clone_into(&mut section);
                continue;
            }
            if section != "Service" {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "Environment" => {
                    for assignment in split_words(value) {
                        if let Some((k, v)) = assignment.split_once('=') {
                            self.environment.insert(k.to_owned(), v.to_owned());
                        }
                    }
                }
                "EnvironmentFile" => {
                    let (optional, env_path) = match value.strip_prefix('-') {
                        Some(rest) => (true, rest),
                        None => (false, value),
                    };
                    match root.read_text(env_path) {
                        Ok(text) => self.file_environment.extend(environment_file(&text)),
                        Err(_) if optional => {}
                        Err(e) => self
                            .problems
                            .push(format!("{path}:{line_no}: cannot read {env_path}: {e}")),
                    }
                }
                "ExecStart" if value.is_empty() => self.exec_start = None,
                "ExecStart" => {
                    let command = value.trim_start_matches(['-', '@', ':', '+', '!']);
                    let origin = Origin::at(&file, line_no, 0, format!("ExecStart= of {path}"));
                    self.exec_start = Some((origin, command.to_owned()));
                }
                _ => {}
            }
        }
    }
}

/// Lines joined across trailing backslashes, with the number of the first.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut lines = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (start, mut joined) = current.take().unwrap_or((number, String::new()));
        match raw.strip_suffix('\\') {
            Some(part) => {
                joined.push_str(part);
                joined.push(' ');
                current = Some((start, joined));
            }
            None => {
                joined.push_str(raw);
                lines.push((start, joined));
            }
        }
    }
    lines.extend(current);
    lines
}

/// `KEY=VALUE` lines of an environment file (`#` comments, optional
/// quotes around the value).
fn environment_file(text: &str) -> BTreeMap<String, String> {
    logical_lines(text)
        .into_iter()
        .filter_map(|(_, line)| {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') {
                return None;
            }
            let (key, value) = line.split_once('=')?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            Some((key.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

/// The words of an `ExecStart=` line, variables expanded as systemd does.
fn expand(line: &str, environment: &BTreeMap<String, String>) -> Vec<String> {
    let mut words = Vec::new();
    for word in split_words(line) {
        if let Some(name) = word.strip_prefix('$').filter(|n| !n.starts_with('{')) {
            // `$VAR` alone is split into words; unset is no word at all.
            if let Some(value) = environment.get(name) {
                words.extend(split_words(value));
            }
            continue;
        }
        words.push(expand_braces(&word, environment));
    }
    words
}

/// `${VAR}` inside a word, replaced by the value (one word).
fn expand_braces(word: &str, environment: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        match after.find('}') {
            Some(end) => {
                let name = after.get(..end).unwrap_or_default();
                out.push_str(environment.get(name).map_or("", String::as_str));
                rest = after.get(end + 1..).unwrap_or_default();
            }
            None => {
                out.push_str(rest.get(start..).unwrap_or_default());
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// kubeadm's kubelet unit and drop-in, as its packages ship them.
    fn kubeadm_node(dir: &std::path::Path) {
        let write = |path: &str, text: &str| palisade_testkit::host::write(dir, path, text, 0o644);
        write(
            "/lib/systemd/system/kubelet.service",
            "[Unit]\nDescription=kubelet\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n",
        );
        write(
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "# shadowed by /etc\n[Service]\nExecStart=/bin/false\n",
        );
        write(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "[Service]\n\
             Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n\
             Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n\
             EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n\
             EnvironmentFile=-/etc/default/kubelet\n\
             ExecStart=\n\
             ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS \\\n  $KUBELET_EXTRA_ARGS\n",
        );
        write(
            "/var/lib/kubelet/kubeadm-flags.env",
            "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n",
        );
    }

    #[test]
    fn kubeadm_units_are_rebuilt_in_systemd_order() {
        let dir = tempfile::tempdir().unwrap();
        kubeadm_node(dir.path());
        std::fs::write(
            dir.path()
                .join("etc/systemd/system/kubelet.service.d/20-extra.conf"),
            "[Service]\nEnvironment=KUBELET_EXTRA_ARGS=--read-only-port=10255\n",
        )
        .unwrap();
        let root = HostRoot::new(dir.path());
        let unit = configured(&root, "kubelet.service").unwrap();
        assert_eq!(
            unit.files,
            [
                "/lib/systemd/system/kubelet.service",
                "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                "/etc/systemd/system/kubelet.service.d/20-extra.conf",
            ]
        );
        let args: Vec<&str> = unit.args.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            args,
            [
                "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                "--kubeconfig=/etc/kubernetes/kubelet.conf",
                "--config=/var/lib/kubelet/config.yaml",
                "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
                "--pod-infra-container-image=registry.k8s.io/pause:3.10",
                "--read-only-port=10255",
            ]
        );
        assert_eq!(unit.exec_start.line, 7);
        assert_eq!(
            &*unit.exec_start.file,
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
        );
        assert!(unit.problems.is_empty(), "{:?}", unit.problems);
    }

    #[test]
    fn variables_expand_as_words_or_one_word() {
        let env: BTreeMap<String, String> = [("A".to_owned(), "--x=1 --y=2".to_owned())]
            .into_iter()
            .collect();
        assert_eq!(
            expand("/bin/k $A ${A} $UNSET --z=${A}!", &env),
            [
                "/bin/k",
                "--x=1",
                "--y=2",
                "--x=1 --y=2",
                "--z=--x=1 --y=2!"
            ]
        );
    }
}
