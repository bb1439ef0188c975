//! Which host paths a file-integrity baseline covers: include globs, exclude
//! globs, and globs of files expected to change (rotated certificates,
//! `*-current.pem` links), as a built-in profile (`node`, `docker`) or a
//! YAML file:
//!
//! ```yaml
//! name: payments-node
//! extends: node                  # start from a built-in profile (optional)
//! include: [/opt/payments/bin/**, /etc/payments/*.conf]
//! exclude: [/etc/payments/cache/**]
//! expected-to-change: [/etc/payments/session-*.key]
//! max-file-bytes: 536870912      # larger files are recorded unhashed
//! ```
//!
//! Globs are host paths; `*` stays within one path component and `**`
//! crosses them. A pattern `DIR/**` covers `DIR` itself too, so a folder's
//! own mode and owner are watched along with its files.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Files larger than this are recorded without their content's hash.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Most paths one baseline records (a profile that reaches a whole disk is
/// refused rather than left to run for hours).
pub const MAX_ENTRIES: usize = 1_000_000;

/// What the built-in `node` profile watches on a Kubernetes node: the
/// configuration, PKI and binaries of the kubelet, kubeadm and the
/// container runtimes, their systemd units, CNI, and the host's own
/// security configuration (accounts, sudo, SSH, PAM, audit rules, the
/// dynamic loader's preload list).
const NODE_INCLUDE: &[&str] = &[
    "/etc/kubernetes/**",
    "/var/lib/kubelet/config.yaml",
    "/var/lib/kubelet/kubeadm-flags.env",
    "/var/lib/kubelet/pki/**",
    "/etc/default/kubelet",
    "/etc/sysconfig/kubelet",
    "/usr/bin/kubelet",
    "/usr/local/bin/kubelet",
    "/usr/bin/kubeadm",
    "/usr/bin/kubectl",
    "/usr/bin/containerd*",
    "/usr/local/bin/containerd*",
    "/usr/bin/runc",
    "/usr/sbin/runc",
    "/usr/local/sbin/runc",
    "/usr/bin/crio",
    "/usr/bin/crictl",
    "/usr/bin/conmon",
    "/etc/containerd/**",
    "/etc/crio/**",
    "/etc/containers/**",
    "/etc/cni/net.d/**",
    "/opt/cni/bin/**",
    "/etc/systemd/system/**",
    "/usr/lib/systemd/system/kubelet.service*",
    "/usr/lib/systemd/system/containerd.service*",
    "/usr/lib/systemd/system/crio.service*",
    "/lib/systemd/system/kubelet.service*",
    "/lib/systemd/system/containerd.service*",
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/sudoers.d/**",
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/**",
    "/etc/pam.d/**",
    "/etc/audit/auditd.conf",
    "/etc/audit/audit.rules",
    "/etc/audit/rules.d/**",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d/**",
    "/etc/crontab",
    "/etc/cron.d/**",
];

/// Never worth a baseline: pod volumes and logs change all day, and the
/// kubelet's checkpoints and kubeadm's scratch folder are rewritten by the
/// components themselves.
const NODE_EXCLUDE: &[&str] = &[
    "/var/lib/kubelet/pods/**",
    "/var/log/**",
    "/etc/kubernetes/tmp/**",
    "/var/lib/kubelet/pki/*.tmp",
];

/// Rotated by the kubelet: their content and their links' targets change
/// (their modes and owners may not).
const NODE_EXPECTED: &[&str] = &[
    "/var/lib/kubelet/pki/kubelet-client-*.pem",
    "/var/lib/kubelet/pki/kubelet-server-*.pem",
];

/// What the built-in `docker` profile watches on a Docker host: the
/// daemon's binaries, configuration, units and sockets (CIS Docker 1.1 and
/// 3.x name them), and the host's accounts and sudo rules.
const DOCKER_INCLUDE: &[&str] = &[
    "/usr/bin/docker*",
    "/usr/local/bin/docker*",
    "/usr/bin/containerd*",
    "/usr/bin/runc",
    "/usr/sbin/runc",
    "/etc/docker/**",
    "/etc/containerd/**",
    "/etc/default/docker",
    "/etc/sysconfig/docker",
    "/etc/systemd/system/docker.service*",
    "/etc/systemd/system/docker.socket",
    "/lib/systemd/system/docker.service",
    "/lib/systemd/system/docker.socket",
    "/usr/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.socket",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/etc/passwd",
    "/etc/group",
    "/etc/sudoers",
    "/etc/sudoers.d/**",
    "/etc/audit/rules.d/**",
];

/// Which paths a baseline covers.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `node`, `docker`, or the profile file's `name` (else its path).
    pub name: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub expected_to_change: Vec<String>,
    pub max_file_bytes: u64,
    include_set: GlobSet,
    exclude_set: GlobSet,
    expected_set: GlobSet,
    /// The folders of `DIR/**` patterns, watched themselves.
    folders: Vec<String>,
}

/// A profile file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProfileFile {
    name: Option<String>,
    extends: Option<String>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    expected_to_change: Vec<String>,
    max_file_bytes: Option<u64>,
}

/// Why a profile cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProfileError(String);

impl ProfileError {
    pub fn new(message: String) -> ProfileError {
        ProfileError(message)
    }
}

/// The canonical form a profile's digest covers (what a baseline records of
/// the profile that made it).
#[derive(Serialize)]
struct Canonical<'a> {
    include: &'a [String],
    exclude: &'a [String],
    expected_to_change: &'a [String],
    max_file_bytes: u64,
}

impl Profile {
    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<Profile> {
        let (include, exclude, expected) = match name {
            "node" => (NODE_INCLUDE, NODE_EXCLUDE, NODE_EXPECTED),
            "docker" => (DOCKER_INCLUDE, &[][..], &[][..]),
            _ => return None,
        };
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        Profile::from_parts(
            name,
            owned(include),
            owned(exclude),
            owned(expected),
            DEFAULT_MAX_FILE_BYTES,
        )
        .ok()
    }

    /// `node`, `docker`, or the path of a profile file.
    pub fn named(name_or_file: &str) -> Result<Profile, ProfileError> {
        if let Some(profile) = Profile::builtin(name_or_file) {
            return Ok(profile);
        }
        let text = std::fs::read_to_string(name_or_file).map_err(|e| {
            ProfileError(format!(
                "{name_or_file}: not a built-in profile (node, docker) and cannot be read: {e}"
            ))
        })?;
        Profile::parse(name_or_file, &text)
    }

    /// A profile file's text (`file` names it in errors).
    pub fn parse(file: &str, text: &str) -> Result<Profile, ProfileError> {
        let written: ProfileFile =
            serde_saphyr::from_str(text).map_err(|e| ProfileError(format!("{file}: {e}")))?;
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        let mut expected = Vec::new();
        let mut max_file_bytes = DEFAULT_MAX_FILE_BYTES;
        if let Some(base) = &written.extends {
            let base = Profile::builtin(base).ok_or_else(|| {
                ProfileError(format!(
                    "{file}: extends: {base} is not a built-in profile (node, docker)"
                ))
            })?;
            include = base.include;
            exclude = base.exclude;
            expected = base.expected_to_change;
            max_file_bytes = base.max_file_bytes;
        }
        include.extend(written.include);
        exclude.extend(written.exclude);
        expected.extend(written.expected_to_change);
        let name = written.name.unwrap_or_else(|| file.to_owned());
        Profile::from_parts(
            &name,
            include,
            exclude,
            expected,
            written.max_file_bytes.unwrap_or(max_file_bytes),
        )
        .map_err(|e| ProfileError(format!("{file}: {e}")))
    }

    /// A profile from its patterns and limit.
    pub fn from_parts(
        name: &str,
        include: Vec<String>,
        exclude: Vec<String>,
        expected_to_change: Vec<String>,
        max_file_bytes: u64,
    ) -> Result<Profile, ProfileError> {
        if include.is_empty() {
            return Err(ProfileError("include: no path to watch".to_owned()));
        }
        let folders = include
            .iter()
            .filter_map(|p| p.strip_suffix("/**"))
            .filter(|dir| !has_glob(dir))
            .map(|dir| if dir.is_empty() { "/" } else { dir }.to_owned())
            .collect();
        Ok(Profile {
            name: name.to_owned(),
            include_set: glob_set("include", &include)?,
            exclude_set: glob_set("exclude", &exclude)?,
            expected_set: glob_set("expected-to-change", &expected_to_change)?,
            include,
            exclude,
            expected_to_change,
            max_file_bytes,
            folders,
        })
    }

    /// Whether the baseline records the host path `path`.
    pub fn covers(&self, path: &str) -> bool {
        (self.include_set.is_match(path) || self.folders.iter().any(|f| f == path))
            && !self.excludes(path)
    }

    /// Whether `path` and everything under it is left out.
    pub fn excludes(&self, path: &str) -> bool {
        self.exclude_set.is_match(path)
    }

    /// Whether `path` is expected to change (its content and link target).
    pub fn expects_change(&self, path: &str) -> bool {
        self.expected_set.is_match(path)
    }

    /// The folders (or single paths) the walk starts from: each pattern's
    /// part before its first glob character, sorted, with those under
    /// another left out.
    pub fn starts(&self) -> Vec<String> {
        let mut starts: Vec<String> = self.include.iter().map(|p| static_prefix(p)).collect();
        starts.sort();
        starts.dedup();
        let mut kept: Vec<String> = Vec::new();
        for start in starts {
            let under_kept = kept.iter().any(|k| {
                k == "/"
                    || start
                        .strip_prefix(k.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            });
            if !under_kept {
                kept.push(start);
            }
        }
        kept
    }

    /// `sha256:<hex>` of the profile's patterns and limit: a baseline names
    /// the profile that made it, and a compare with another is refused.
    pub fn digest(&self) -> String {
        let canonical = Canonical {
            include: &self.include,
            exclude: &self.exclude,
            expected_to_change: &self.expected_to_change,
            max_file_bytes: self.max_file_bytes,
        };
        let json = serde_json::to_vec(&canonical).unwrap_or_default();
        format!("sha256:{}", hex(&Sha256::digest(&json)))
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

/// The components of `pattern` before its first glob, as a host path.
fn static_prefix(pattern: &str) -> String {
    let mut prefix = String::new();
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        if has_glob(part) {
            break;
        }
        prefix.push('/');
        prefix.push_str(part);
    }
    if prefix.is_empty() {
        "/".to_owned()
    } else {
        prefix
    }
}

fn glob_set(field: &str, patterns: &[String]) -> Result<GlobSet, ProfileError> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        if !pattern.starts_with('/') {
            return Err(ProfileError(format!(
                "{field}: {pattern} is not an absolute host path"
            )));
        }
        let glob: Glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| ProfileError(format!("{field}: {pattern}: {e}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|e| ProfileError(format!("{field}: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn globs_stay_within_a_component_unless_doubled() {
        let p = Profile::parse(
            "p.yaml",
            "include: [/etc/kubernetes/**, /usr/bin/containerd*]\nexclude: [/etc/kubernetes/tmp/**]\n",
        )
        .unwrap();
        assert!(p.covers("/etc/kubernetes"));
        assert!(p.covers("/etc/kubernetes/pki/ca.crt"));
        assert!(!p.covers("/etc/kubernetes/tmp/x"));
        assert!(p.covers("/usr/bin/containerd-shim-runc-v2"));
        assert!(!p.covers("/usr/bin/containerd.d/x"));
        assert_eq!(p.starts(), ["/etc/kubernetes", "/usr/bin"]);
    }

    #[test]
    fn a_profile_extends_a_builtin_one_and_its_digest_tells_them_apart() {
        let node = Profile::builtin("node").unwrap();
        let p = Profile::parse("p.yaml", "extends: node\ninclude: [/opt/app/**]\n").unwrap();
        assert!(p.covers("/etc/sudoers") && p.covers("/opt/app/bin/run"));
        assert!(p.expects_change("/var/lib/kubelet/pki/kubelet-client-2026-01-01.pem"));
        assert_ne!(p.digest(), node.digest());
        assert_eq!(node.digest(), Profile::builtin("node").unwrap().digest());
    }

    #[test]
    fn mistakes_are_named() {
        let e = Profile::parse("p.yaml", "include: [etc/passwd]\n").unwrap_err();
        assert!(e.to_string().contains("not an absolute host path"), "{e}");
        let e = Profile::parse("p.yaml", "includes: [/etc]\n").unwrap_err();
        assert!(e.to_string().starts_with("p.yaml: "), "{e}");
        let e = Profile::parse("p.yaml", "extends: windows\ninclude: [/x]\n").unwrap_err();
        assert!(e.to_string().contains("not a built-in profile"), "{e}");
        assert!(Profile::named("no-such-profile.yaml").is_err());
    }
}
