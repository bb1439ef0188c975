//! Node controls: what a host's components run with (`palisade node
//! scan`), judged on the facts `palisade_load::host` gathers: each value of
//! a component's effective configuration with where it came from, and the
//! modes and owners of its files. One folder per component: `kubelet/`
//! holds CIS Kubernetes section 4 (the worker node); `api_server/`,
//! `controller_manager/`, `scheduler/` and `etcd/` sections 1 and 2 (the
//! control plane), which also run on static-pod manifests in `palisade
//! scan`; `control_plane.rs` what those four share; `docker/` CIS Docker
//! sections 1 to 3 (a Docker host's daemon, its files and audit rules);
//! `docker_container/` section 5 (each running container of that host).
//!
//! A node check answers, for each thing it judges, a [`NodeJudgement`]:
//! nothing (it passes), a violation at the value's origin, a reason it
//! could not judge (an unreadable file: an error of the scan), or a reason
//! the recommendation does not apply to this host.

pub(crate) mod api_server;
pub(crate) mod container_executable_written;
pub(crate) mod control_plane;
pub(crate) mod controller_manager;
pub(crate) mod docker;
pub(crate) mod docker_container;
pub(crate) mod etcd;
pub mod kube_bench;
pub(crate) mod kubelet;
pub(crate) mod scheduler;

use palisade_load::host::kubelet::Setting;
use palisade_load::host::writable_layer::WrittenExecutable;
use palisade_load::host::{FileFacts, FileState, Origin};

use crate::Params;

/// What a node check found about one thing it judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeJudgement {
    /// A value or a file breaks the recommendation.
    Fail(NodeViolation),
    /// It could not be judged (a file that cannot be read), and why.
    Unknown {
        /// The host file or setting that could not be judged.
        subject: String,
        /// Why.
        reason: String,
    },
    /// There is nothing to judge on this host (the kubelet reads no
    /// configuration file, so its mode is no question), and why.
    NotApplicable(String),
}

/// A value or file that breaks a node control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeViolation {
    /// What was judged: a setting (`authentication.anonymous.enabled`,
    /// `--hostname-override`) or a host file.
    pub subject: String,
    /// What is wrong, and what the value is.
    pub message: String,
    /// Where the value came from (the finding points there).
    pub origin: Origin,
}

/// What a container wrote into its writable layer (the host folder
/// `upper`), judged: a violation per executable, naming it as `who` wrote
/// it, and what could not be read or was left unread as unknown.
pub(crate) fn written_executables(
    who: &str,
    upper: &str,
    executables: &[WrittenExecutable],
    unreadable: usize,
    truncated: bool,
) -> Vec<NodeJudgement> {
    let mut judged: Vec<NodeJudgement> = executables
        .iter()
        .map(|x| {
            let kind = if x.elf {
                "an ELF binary"
            } else {
                "an executable"
            };
            let file: std::sync::Arc<str> = x.host_path.as_str().into();
            NodeJudgement::Fail(NodeViolation {
                subject: x.path.clone(),
                message: format!(
                    "{who} wrote {kind} at {} (mode {:04o}, {} bytes) after it started",
                    x.path, x.mode, x.size
                ),
                origin: Origin::at(&file, 0, 0, "the container's writable layer"),
            })
        })
        .collect();
    // What they hold is unknown, so the layer is not judged clean.
    if unreadable > 0 {
        judged.push(NodeJudgement::Unknown {
            subject: upper.to_owned(),
            reason: format!(
                "{unreadable} entries of the writable layer could not be read (a folder not listed, a file not opened): what they hold is unknown"
            ),
        });
    }
    if truncated {
        judged.push(NodeJudgement::Unknown {
            subject: upper.to_owned(),
            reason: format!(
                "the writable layer holds more than {} entries; the rest was not read",
                palisade_load::host::writable_layer::MAX_ENTRIES
            ),
        });
    }
    judged
}

/// A violation of `setting` (at `path`), at the place it was set.
pub(crate) fn setting_fails(path: &str, setting: &Setting, message: String) -> NodeJudgement {
    NodeJudgement::Fail(NodeViolation {
        subject: path.to_owned(),
        message: format!("{message} (set by {})", setting.origin.what),
        origin: setting.origin.clone(),
    })
}

/// A path without its trailing slashes (`/` stays `/`).
pub(crate) fn normalized(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" if path.starts_with('/') => "/",
        trimmed => trimmed,
    }
}

/// The parameter `name` as a permission mask in octal (`600`, `0644`).
pub(crate) fn mode_param(params: &Params, name: &str) -> Result<u32, NodeJudgement> {
    let text = params.list(name).first().map(String::as_str).unwrap_or("");
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|mode| *mode <= 0o7777)
        .ok_or_else(|| NodeJudgement::Unknown {
            subject: format!("parameter {name}"),
            reason: format!("`{text}` is no octal permission mode (e.g. 600)"),
        })
}

/// Where a file's facts point: the file itself, as the component names it.
fn file_origin(file: &FileFacts, what: &str) -> Origin {
    let shown: std::sync::Arc<str> = file.path.as_str().into();
    Origin::at(&shown, 0, 0, what)
}

/// `(through the link ...)`: a link is judged by the file it protects and
/// reported as a link.
fn through_links(file: &FileFacts) -> String {
    match file.links.as_slice() {
        [] => String::new(),
        [link] => format!(" (through the link {link})"),
        links => format!(" (through the links {})", links.join(", ")),
    }
}

/// A file's permissions allow nothing beyond `max` (setuid, setgid and
/// sticky bits included), as a mask: `640` passes under `644`, `604` does
/// not pass under `640`. A missing file is `missing`'s answer; an unreadable
/// one cannot be judged.
pub(crate) fn mode_at_most(
    file: &FileFacts,
    max: u32,
    what: &str,
    missing: impl FnOnce() -> Option<NodeJudgement>,
) -> Option<NodeJudgement> {
    match &file.state {
        FileState::Present { mode, .. } => {
            let extra = mode & 0o7777 & !max;
            (extra != 0).then(|| {
                NodeJudgement::Fail(NodeViolation {
                    subject: file.path.clone(),
                    message: format!(
                        "{what} {} has mode {mode:o}{}, which allows more than {max:o} (bits {extra:o} must be cleared)",
                        file.path,
                        through_links(file)
                    ),
                    origin: file_origin(file, what),
                })
            })
        }
        FileState::Missing => missing(),
        FileState::Unreadable { reason } => Some(NodeJudgement::Unknown {
            subject: file.path.clone(),
            reason: reason.clone(),
        }),
    }
}

/// A file is owned by user 0 and group 0 (named as the host's own
/// `/etc/passwd` and `/etc/group` name them).
pub(crate) fn owned_by_root(
    file: &FileFacts,
    what: &str,
    missing: impl FnOnce() -> Option<NodeJudgement>,
) -> Option<NodeJudgement> {
    match &file.state {
        FileState::Present {
            uid,
            gid,
            owner,
            group,
            ..
        } => (*uid != 0 || *gid != 0).then(|| {
            let named = |id: &u32, name: &Option<String>| match name {
                Some(name) => format!("{name} ({id})"),
                None => format!("{id} (not in the host's account files)"),
            };
            NodeJudgement::Fail(NodeViolation {
                subject: file.path.clone(),
                message: format!(
                    "{what} {} is owned by {}:{}{}, not root:root",
                    file.path,
                    named(uid, owner),
                    named(gid, group),
                    through_links(file)
                ),
                origin: file_origin(file, what),
            })
        }),
        FileState::Missing => missing(),
        FileState::Unreadable { reason } => Some(NodeJudgement::Unknown {
            subject: file.path.clone(),
            reason: reason.clone(),
        }),
    }
}

/// A Go duration (`4h0m0s`, `5m`, `0`, `1.5h`, `300ms`) in seconds, as
/// `time.ParseDuration` reads it; `None` when it is not one.
pub(crate) fn go_duration_seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let (sign, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest.get(..number_len)?.parse().ok()?;
        rest = rest.get(number_len..)?;
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest.get(..unit_len)? {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = rest.get(unit_len..)?;
        total += number * scale;
    }
    Some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::go_duration_seconds;

    #[test]
    fn durations_read_as_go_reads_them() {
        assert_eq!(go_duration_seconds("0"), Some(0.0));
        assert_eq!(go_duration_seconds("0s"), Some(0.0));
        assert_eq!(go_duration_seconds("0h0m0s"), Some(0.0));
        assert_eq!(go_duration_seconds("4h0m0s"), Some(14400.0));
        assert_eq!(go_duration_seconds("5m"), Some(300.0));
        assert_eq!(go_duration_seconds("1.5h"), Some(5400.0));
        assert_eq!(go_duration_seconds("300ms"), Some(0.3));
        assert_eq!(go_duration_seconds("-1s"), Some(-1.0));
        assert_eq!(go_duration_seconds("5"), None, "a unit is required");
        assert_eq!(go_duration_seconds(""), None);
        assert_eq!(go_duration_seconds("1d"), None);
    }
}
