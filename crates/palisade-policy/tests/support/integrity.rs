//! File-integrity fixtures: `*.integrity.yaml` describes a host tree (as a
//! `*.host.yaml` does), the changes made to it after its baseline, and the
//! profile. The test writes the tree, takes a baseline with the real
//! capture, applies the changes to the same files (so an edit keeps its
//! inode and a replacement gets a new one), compares with the real
//! compare, and evaluates the result as `palisade fim compare` does.
//!
//! ```yaml
//! profile: {include: [/etc/**], expected-to-change: [/etc/rotated-*]}   # default: node
//! host:
//!   files:
//!     /etc/sudoers: {mode: "440", text: "root ALL=(ALL) ALL"}
//! changes:
//!   - {write: /etc/sudoers, text: "x", expect: [file-integrity-content-changed]}
//!   - {replace: /usr/bin/kubelet, text: "new build"}       # a new inode
//!   - {add: /etc/sudoers.d/zz, text: "...", mode: "440"}
//!   - {remove: /etc/audit/rules.d/docker.rules}
//!   - {chmod: /usr/bin/runc, mode: "4755"}
//!   - {chown: /etc/sudoers, owner: "1000:1000"}
//!   - {link: /etc/cni/net.d/10.conf, target: /tmp/evil.conf}  # retargeted
//!   - {setcap: /usr/bin/kubelet, value: "0100000200200000000000000000000000000000"}  # hex
//!   - {unreadable: /etc/kubernetes/pki/ca.key}
//! ```
//!
//! A change's `expect` lists the controls that must report its path (at
//! line 1). `unreadable` cannot be made real when the tests run as root
//! (CI does; root reads everything), so it marks the path's record as the
//! capture marks a file it cannot open, between the capture and the
//! compare; `palisade-load`'s own tests read a real unreadable file when
//! they do not run as root.

use std::collections::BTreeSet;
use std::os::unix::fs::{PermissionsExt, chown, symlink};
use std::path::Path;

use palisade_load::Loaded;
use palisade_load::host::HostRoot;
use palisade_load::integrity::{self, IntegrityCheck, Profile, compare};
use serde_json::Value;

use crate::host_support;

/// What the fixture expects of `id`: (changed path, line 1).
pub fn expected(id: &str, fixture: &Path) -> BTreeSet<(String, u32)> {
    changes(&host_support::spec(fixture))
        .iter()
        .filter(|c| {
            c["expect"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(id)))
        })
        .map(|c| (target(c).to_owned(), 1))
        .collect()
}

/// Writes the tree under `dir`, takes its baseline, applies the changes
/// and compares.
pub fn load(fixture: &Path, dir: &Path) -> Loaded {
    let spec = host_support::spec(fixture);
    host_support::write_tree(&spec["host"], dir);
    let profile = match &spec["profile"] {
        Value::Null => Profile::builtin("node").unwrap(),
        written => Profile::parse("profile", &serde_json::to_string(written).unwrap()).unwrap(),
    };
    let root = HostRoot::new(dir);
    let (baseline, _) = integrity::take(&root, &profile, "fixture-node", "2026-12-01T00:00:00Z");
    let mut unreadable = Vec::new();
    for change in changes(&spec) {
        apply(dir, &change, &mut unreadable);
    }
    let mut captured = integrity::capture(&root, &profile);
    for file in &mut captured.files {
        if unreadable.contains(&file.path) {
            file.sha256 = None;
            file.unreadable = Some("cannot open: Permission denied (os error 13)".to_owned());
        }
    }
    let changes = compare::compare(
        &baseline,
        &captured.files,
        |p| profile.expects_change(p),
        "2026-12-07",
    );
    palisade_load::input::load_integrity(IntegrityCheck {
        host: "fixture-node".to_owned(),
        root: dir.display().to_string(),
        profile: profile.name.clone(),
        baseline_digest: baseline.digest(),
        baseline_taken_at: baseline.taken_at.clone(),
        files: captured.files.len(),
        changes,
        problems: captured.problems,
    })
}

fn changes(spec: &Value) -> Vec<Value> {
    spec["changes"].as_array().cloned().unwrap_or_default()
}

const OPS: &[&str] = &[
    "write",
    "replace",
    "add",
    "remove",
    "chmod",
    "chown",
    "link",
    "setcap",
    "unreadable",
];

/// The path a change is about.
fn target(change: &Value) -> &str {
    OPS.iter()
        .find_map(|op| change[*op].as_str())
        .unwrap_or_else(|| panic!("a change names none of {OPS:?}: {change}"))
}

fn apply(dir: &Path, change: &Value, unreadable: &mut Vec<String>) {
    let path = target(change);
    let local = dir.join(path.trim_start_matches('/'));
    let text = change["text"].as_str().unwrap_or("");
    let mode =
        |default: &str| u32::from_str_radix(change["mode"].as_str().unwrap_or(default), 8).unwrap();
    if change["write"].is_string() {
        // In place: the same inode.
        std::fs::write(&local, text).unwrap();
    } else if change["replace"].is_string() {
        let old = std::fs::metadata(&local).unwrap();
        let next = local.with_extension("palisade-new");
        std::fs::write(&next, text).unwrap();
        std::fs::set_permissions(
            &next,
            std::fs::Permissions::from_mode(old.permissions().mode()),
        )
        .unwrap();
        std::fs::rename(&next, &local).unwrap();
    } else if change["add"].is_string() {
        host_support::write(dir, path, text, mode("644"), (0, 0));
    } else if change["remove"].is_string() {
        std::fs::remove_file(&local).unwrap();
    } else if change["chmod"].is_string() {
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode("644"))).unwrap();
    } else if change["chown"].is_string() {
        let (uid, gid) = change["owner"].as_str().unwrap().split_once(':').unwrap();
        chown(
            &local,
            Some(uid.parse().unwrap()),
            Some(gid.parse().unwrap()),
        )
        .unwrap();
    } else if change["link"].is_string() {
        // Made beside and renamed over, as `ln -sfn` does: the new link
        // never reuses the old one's inode (a removed link's could be).
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        let next = local.with_extension("palisade-new");
        symlink(change["target"].as_str().unwrap(), &next).unwrap();
        std::fs::rename(&next, &local).unwrap();
    } else if change["setcap"].is_string() {
        let hex = change["value"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        rustix::fs::lsetxattr(
            &local,
            "security.capability",
            &bytes,
            rustix::fs::XattrFlags::empty(),
        )
        .unwrap();
    } else {
        unreadable.push(path.to_owned());
    }
}
