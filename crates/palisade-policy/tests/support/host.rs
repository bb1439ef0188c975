//! Host fixtures: `*.host.yaml` describes a host tree (files with their
//! text, modes and owners, and links); the test writes it under a
//! temporary root, applying modes and owners there (git keeps neither),
//! and reads it with the real host reader, as `palisade node scan` does.
//!
//! ```yaml
//! files:
//!   /etc/systemd/system/kubelet.service:
//!     mode: "644"                 # default 600
//!     owner: "1000:1000"          # default 0:0
//!     expect: [kubelet-service-file-permissions]   # a finding about the whole file
//!     text: |
//!       [Service]
//!       ExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml
//!   /var/lib/kubelet/config.yaml:
//!     text: |
//!       readOnlyPort: 10255 # expect: kubelet-read-only-port
//! dirs:
//!   /var/lib/etcd: {mode: "700", owner: "998:998", expect: [etcd-data-dir-permissions]}
//! sockets:
//!   /var/run/docker.sock: {mode: "660", owner: "0:999"}
//! links:
//!   /etc/kubernetes/kubelet.conf: /srv/kubelet.conf
//!   /etc/kubelet.yaml: {target: /var/lib/kubelet/config.yaml, expect: [kubelet-config-file-permissions]}
//! ```
//!
//! A `# expect: <id>` at the end of a text line marks a finding at that
//! line of that host file; the marker is taken out of the text written
//! (a systemd unit has no end-of-line comments). `/etc/passwd`,
//! `/etc/group` and `/etc/hostname` are written unless the fixture has
//! them: `root` (0), `alice` (1000), `etcd` (998) and the group `docker`
//! (999), host `fixture-node`.

use std::collections::BTreeSet;
use std::os::unix::fs::{PermissionsExt, chown, symlink};
use std::path::Path;

use palisade_load::host::HostOptions;
use palisade_load::{Limits, Loaded};
use serde_json::Value;

/// What the fixture expects of `id`: (host file, line).
pub fn expected(id: &str, fixture: &Path) -> BTreeSet<(String, u32)> {
    let spec = spec(fixture);
    let marker = format!("# expect: {id}");
    let mut expected = BTreeSet::new();
    let others = entries(&spec, "dirs")
        .into_iter()
        .chain(entries(&spec, "sockets"));
    for (link, target) in links(&spec).into_iter().chain(others) {
        let marked = target["expect"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(id)));
        if marked {
            expected.insert((link, 1));
        }
    }
    for (path, file) in files(&spec) {
        let whole_file = file["expect"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(id)));
        if whole_file {
            expected.insert((path.clone(), 1));
        }
        for (i, line) in file["text"].as_str().unwrap_or("").lines().enumerate() {
            if line.trim_end().ends_with(&marker) {
                expected.insert((path.clone(), i as u32 + 1));
            }
        }
    }
    expected
}

/// Writes the fixture's host under `dir` and reads it.
pub fn load(fixture: &Path, dir: &Path) -> Loaded {
    write_tree(&spec(fixture), dir);
    palisade_load::input::load_host(&HostOptions {
        root: dir.to_path_buf(),
        proc: None,
        limits: Limits::default(),
        reading: Default::default(),
    })
}

/// Writes a host tree (`files`, `dirs`, `sockets`, `links`) under `dir`,
/// with `/etc/passwd`, `/etc/group` and `/etc/hostname` unless it has them.
pub fn write_tree(spec: &Value, dir: &Path) {
    let files = files(spec);
    let defaults = [
        (
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\netcd:x:998:998::/var/lib/etcd:/sbin/nologin\n",
        ),
        (
            "/etc/group",
            "root:x:0:\nalice:x:1000:\netcd:x:998:\ndocker:x:999:alice\n",
        ),
        ("/etc/hostname", "fixture-node\n"),
    ];
    for (path, text) in defaults {
        if !files.iter().any(|(p, _)| p == path) {
            write(dir, path, text, 0o644, (0, 0));
        }
    }
    for (path, file) in &files {
        let text: String = file["text"]
            .as_str()
            .unwrap_or("")
            .lines()
            .map(|line| match line.find(" # expect: ") {
                Some(at) => format!("{}\n", &line[..at]),
                None => format!("{line}\n"),
            })
            .collect();
        let mode = u32::from_str_radix(file["mode"].as_str().unwrap_or("600"), 8).unwrap();
        let owner = file["owner"].as_str().unwrap_or("0:0");
        let (uid, gid) = owner.split_once(':').unwrap();
        write(
            dir,
            path,
            &text,
            mode,
            (uid.parse().unwrap(), gid.parse().unwrap()),
        );
    }
    for (path, entry) in entries(spec, "dirs") {
        let local = dir.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(&local).unwrap();
        let (mode, (uid, gid)) = mode_and_owner(&entry, "700");
        chown(&local, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    for (path, entry) in entries(spec, "sockets") {
        let local = dir.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        drop(std::os::unix::net::UnixListener::bind(&local).unwrap());
        let (mode, (uid, gid)) = mode_and_owner(&entry, "660");
        chown(&local, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    for (link, target) in links(spec) {
        let local = dir.join(link.trim_start_matches('/'));
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        let target = target["target"].as_str().or(target.as_str()).unwrap();
        symlink(target, &local).unwrap();
    }
}

/// Whether host fixtures can be written here: owners need root (CI runs
/// as root; elsewhere they are skipped, and CI refuses to skip them).
pub fn can_write_owners() -> bool {
    let probe = tempfile::NamedTempFile::new().unwrap();
    let allowed = chown(probe.path(), Some(1000), Some(1000)).is_ok();
    assert!(
        allowed || std::env::var_os("CI").is_none(),
        "host fixtures need root to set file owners, and CI must run them"
    );
    allowed
}

pub fn spec(fixture: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap()
}

fn files(spec: &Value) -> Vec<(String, Value)> {
    spec["files"]
        .as_object()
        .map(|files| files.iter().map(|(p, f)| (p.clone(), f.clone())).collect())
        .unwrap_or_default()
}

fn links(spec: &Value) -> Vec<(String, Value)> {
    entries(spec, "links")
}

fn entries(spec: &Value, key: &str) -> Vec<(String, Value)> {
    spec[key]
        .as_object()
        .map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// An entry's `mode` (octal) and `owner` (`uid:gid`, default `0:0`).
fn mode_and_owner(entry: &Value, default_mode: &str) -> (u32, (u32, u32)) {
    let mode = u32::from_str_radix(entry["mode"].as_str().unwrap_or(default_mode), 8).unwrap();
    let (uid, gid) = entry["owner"]
        .as_str()
        .unwrap_or("0:0")
        .split_once(':')
        .unwrap();
    (mode, (uid.parse().unwrap(), gid.parse().unwrap()))
}

pub fn write(root: &Path, path: &str, text: &str, mode: u32, (uid, gid): (u32, u32)) {
    palisade_testkit::host::write(root, path, text, mode);
    let local = root.join(path.trim_start_matches('/'));
    chown(&local, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
}
