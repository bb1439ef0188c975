//! File-integrity capture and compare on real files: what a baseline
//! records, what each kind of change looks like, and the bad input a node
//! holds (links out of the root, FIFOs, files over the hashing limit,
//! unreadable files, a baseline file edited or cut).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use palisade_load::host::HostRoot;
use palisade_load::integrity::{self, Baseline, ChangeKind, FileType, Profile};
use palisade_testkit::host::write;

fn profile(yaml: &str) -> Profile {
    Profile::parse("profile.yaml", yaml).unwrap()
}

fn kinds(root: &Path, baseline: &Baseline) -> Vec<(String, ChangeKind, Vec<String>)> {
    integrity::check(&HostRoot::new(root), baseline, "h", "2026-12-07")
        .unwrap()
        .changes
        .into_iter()
        .map(|c| {
            let fields = c.fields.iter().map(|f| f.field.clone()).collect();
            (c.path, c.kind, fields)
        })
        .collect()
}

#[test]
fn a_baseline_records_each_path_once_sorted_with_its_facts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "/etc/kubernetes/admin.conf",
        "apiVersion: v1\n",
        0o600,
    );
    write(
        root,
        "/etc/kubernetes/manifests/etcd.yaml",
        "kind: Pod\n",
        0o600,
    );
    write(root, "/usr/bin/runc", "runc", 0o4755);
    symlink("admin.conf", root.join("etc/kubernetes/current.conf")).unwrap();
    // Two patterns reaching the same paths record them once.
    let p = profile("include: [/etc/kubernetes/**, /etc/kubernetes/manifests/*, /usr/bin/runc]\n");
    let (baseline, captured) =
        integrity::take(&HostRoot::new(root), &p, "h", "2026-12-01T00:00:00Z");
    let paths: Vec<&str> = baseline.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/etc/kubernetes",
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes/current.conf",
            "/etc/kubernetes/manifests",
            "/etc/kubernetes/manifests/etcd.yaml",
            "/usr/bin/runc",
        ]
    );
    let runc = baseline
        .files
        .iter()
        .find(|f| f.path == "/usr/bin/runc")
        .unwrap();
    assert_eq!(runc.mode, 0o4755, "setuid is kept");
    assert_eq!(runc.file_type, FileType::File);
    // `printf runc | sha256sum`
    assert_eq!(
        runc.sha256.as_deref(),
        Some("sha256:501e03083c73bb097e77509a3cb92cedc7f44d6d53e1e54eb4c40f23f03307e9")
    );
    assert_eq!(
        runc.inode,
        std::fs::metadata(root.join("usr/bin/runc")).unwrap().ino()
    );
    let link = baseline
        .files
        .iter()
        .find(|f| f.path == "/etc/kubernetes/current.conf")
        .unwrap();
    assert_eq!(link.file_type, FileType::Symlink);
    assert_eq!(link.target.as_deref(), Some("admin.conf"));
    assert_eq!(link.sha256, None, "a link is recorded, not followed");
    assert_eq!(captured.bytes_hashed, 15 + 10 + 4);
    // The digest is of the content, whatever the file's formatting.
    let file = dir.path().join("baseline.json");
    baseline.write(&file).unwrap();
    assert_eq!(Baseline::read(&file).unwrap().digest(), baseline.digest());
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn each_kind_of_change_is_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, text) in [
        ("/etc/app/edited.conf", "a"),
        ("/etc/app/replaced.conf", "b"),
        ("/etc/app/chmod.conf", "c"),
        ("/etc/app/removed.conf", "d"),
        ("/etc/app/renamed.conf", "e"),
        ("/etc/app/same.conf", "f"),
    ] {
        write(root, path, text, 0o644);
    }
    symlink("/etc/app/same.conf", root.join("etc/app/link")).unwrap();
    let p = profile("include: [/etc/app/**]\n");
    let (baseline, _) = integrity::take(&HostRoot::new(root), &p, "h", "t");
    let app = root.join("etc/app");
    std::fs::write(app.join("edited.conf"), "A").unwrap();
    std::fs::write(app.join("replaced.new"), "b").unwrap();
    std::fs::rename(app.join("replaced.new"), app.join("replaced.conf")).unwrap();
    std::fs::set_permissions(
        app.join("chmod.conf"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    std::fs::remove_file(app.join("removed.conf")).unwrap();
    std::fs::rename(app.join("renamed.conf"), app.join("moved.conf")).unwrap();
    // Retargeted as `ln -sfn` does (a new link renamed over the old, so it
    // cannot reuse the old one's inode).
    symlink("/etc/shadow", app.join("link.new")).unwrap();
    std::fs::rename(app.join("link.new"), app.join("link")).unwrap();
    write(root, "/etc/app/added.conf", "g", 0o644);
    let s = |t: &str| t.to_owned();
    // The folder itself keeps its mode, owner and inode.
    assert_eq!(
        kinds(root, &baseline),
        vec![
            (s("/etc/app/added.conf"), ChangeKind::Added, vec![]),
            (
                s("/etc/app/chmod.conf"),
                ChangeKind::Modified,
                vec![s("mode")]
            ),
            (
                s("/etc/app/edited.conf"),
                ChangeKind::Modified,
                vec![s("content")]
            ),
            (
                s("/etc/app/link"),
                ChangeKind::Replaced,
                vec![s("target"), s("inode")]
            ),
            (s("/etc/app/moved.conf"), ChangeKind::Added, vec![]),
            (s("/etc/app/removed.conf"), ChangeKind::Removed, vec![]),
            (s("/etc/app/renamed.conf"), ChangeKind::Removed, vec![]),
            (
                s("/etc/app/replaced.conf"),
                ChangeKind::Replaced,
                vec![s("inode")]
            ),
        ]
    );
}

#[test]
fn nothing_is_followed_out_of_the_root_and_special_files_are_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(outside.path(), "/secret", "outside the root", 0o644);
    std::fs::create_dir_all(root.join("etc/app")).unwrap();
    // An absolute link, and a folder link that leads out of the root.
    symlink(outside.path().join("secret"), root.join("etc/app/abs")).unwrap();
    symlink(outside.path(), root.join("etc/app/dir")).unwrap();
    let fifo = root.join("etc/app/fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let p = profile("include: [/etc/app/**]\n");
    let (baseline, _) = integrity::take(&HostRoot::new(root), &p, "h", "t");
    let paths: Vec<&str> = baseline.files.iter().map(|f| f.path.as_str()).collect();
    assert!(!paths.iter().any(|p| p.contains("secret")), "{paths:?}");
    for link in ["/etc/app/abs", "/etc/app/dir"] {
        let record = baseline.files.iter().find(|f| f.path == link).unwrap();
        assert_eq!(record.file_type, FileType::Symlink);
        assert!(record.sha256.is_none());
    }
    if made.is_ok_and(|s| s.success()) {
        let record = baseline
            .files
            .iter()
            .find(|f| f.path == "/etc/app/fifo")
            .unwrap();
        assert_eq!(record.file_type, FileType::Fifo);
        assert!(record.sha256.is_none() && record.unreadable.is_none());
    }
}

#[test]
fn large_files_are_compared_by_size_and_time_and_the_root_s_prefix_links_resolve_inside() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "/usr/lib/systemd/system/kubelet.service",
        "[Service]\n",
        0o644,
    );
    write(root, "/usr/lib/big.bin", &"x".repeat(2048), 0o644);
    // A merged-usr host: /lib is a link to usr/lib.
    symlink("usr/lib", root.join("lib")).unwrap();
    let p = profile(
        "include: [/lib/systemd/system/kubelet.service, /usr/lib/big.bin]\nmax-file-bytes: 1024\n",
    );
    let (baseline, _) = integrity::take(&HostRoot::new(root), &p, "h", "t");
    let unit = baseline
        .files
        .iter()
        .find(|f| f.path == "/lib/systemd/system/kubelet.service")
        .expect("named as the profile names it");
    assert!(unit.sha256.is_some());
    let big = baseline
        .files
        .iter()
        .find(|f| f.path == "/usr/lib/big.bin")
        .unwrap();
    assert_eq!(big.sha256, None);
    assert_eq!(big.unhashed.as_deref(), Some("larger than 1024 bytes"));
    std::fs::write(root.join("usr/lib/big.bin"), "y".repeat(4096)).unwrap();
    let changes = kinds(root, &baseline);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].2.contains(&"size".to_owned()), "{changes:?}");
}

#[test]
fn an_unreadable_file_is_recorded_as_such_and_the_walk_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "/etc/app/a.conf", "a", 0o644);
    write(root, "/etc/app/key", "k", 0o644);
    write(root, "/etc/app/z.conf", "z", 0o644);
    let p = profile("include: [/etc/app/**]\n");
    let (baseline, _) = integrity::take(&HostRoot::new(root), &p, "h", "t");
    std::fs::set_permissions(
        root.join("etc/app/key"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    if std::fs::read(root.join("etc/app/key")).is_ok() {
        // Root reads a file whatever its mode: the mode change is all
        // there is to see (the fixtures of file-integrity-unreadable cover
        // the rest).
        assert_eq!(
            kinds(root, &baseline),
            vec![(
                "/etc/app/key".to_owned(),
                ChangeKind::Modified,
                vec!["mode".to_owned()]
            )]
        );
        return;
    }
    let check = integrity::check(&HostRoot::new(root), &baseline, "h", "2026-12-07").unwrap();
    assert_eq!(check.changes.len(), 1, "{:?}", check.changes);
    assert_eq!(check.changes[0].kind, ChangeKind::Unreadable);
    assert!(
        check.changes[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("Permission denied")
    );
    assert_eq!(check.files, 4, "the files after it are still read");
}

#[test]
fn an_edited_or_cut_baseline_is_refused_or_changes_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "/etc/app/a.conf", "a", 0o644);
    let p = profile("include: [/etc/app/**]\n");
    let (baseline, _) = integrity::take(&HostRoot::new(root), &p, "h", "t");
    let file = dir.path().join("baseline.json");
    baseline.write(&file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    // Cut in half: not JSON.
    std::fs::write(&file, &text[..text.len() / 2]).unwrap();
    let e = Baseline::read(&file).unwrap_err().to_string();
    assert!(e.contains("not a baseline"), "{e}");
    // A mode edited: another digest, which the audit log's anchor refuses.
    std::fs::write(&file, text.replace("\"mode\": 420", "\"mode\": 438")).unwrap();
    let edited = Baseline::read(&file).unwrap();
    assert_ne!(edited.digest(), baseline.digest());
    // Its profile's patterns edited: refused by the profile's own digest.
    std::fs::write(&file, text.replace("/etc/app/**", "/etc/other/**")).unwrap();
    let e = Baseline::read(&file)
        .unwrap()
        .profile
        .profile()
        .unwrap_err()
        .to_string();
    assert!(e.contains("do not match its digest"), "{e}");
}

#[test]
fn approvals_accept_one_state_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "/etc/app/a.conf", "a", 0o644);
    let p = profile("include: [/etc/app/**]\n");
    let host = HostRoot::new(root);
    let (mut baseline, _) = integrity::take(&host, &p, "h", "t");
    std::fs::write(root.join("etc/app/a.conf"), "b").unwrap();
    let check = integrity::check(&host, &baseline, "h", "2026-12-07").unwrap();
    baseline.approvals.push(integrity::Approval {
        path: "/etc/app/a.conf".into(),
        state: check.changes[0].now.clone(),
        owner: "platform".into(),
        reason: "CHG-7".into(),
        ticket: None,
        expires: "2026-12-31".into(),
        approved_by: "alice".into(),
        approved_at: "2026-12-07T10:00:00Z".into(),
    });
    let approved = |today: &str| {
        integrity::check(&host, &baseline, "h", today)
            .unwrap()
            .changes[0]
            .approval
            .is_some()
    };
    assert!(approved("2026-12-31"));
    assert!(!approved("2027-01-01"), "expired");
    // Changed again: the approval was of the other state.
    std::fs::write(root.join("etc/app/a.conf"), "c").unwrap();
    assert!(!approved("2026-12-07"));
}

#[test]
fn a_paced_capture_keeps_to_its_rate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..3 {
        write(
            root,
            &format!("/etc/app/{i}.bin"),
            &"x".repeat(100_000),
            0o644,
        );
    }
    let p = profile("include: [/etc/app/**]\n");
    let started = std::time::Instant::now();
    let pace = integrity::Pace {
        bytes_per_second: Some(1_000_000),
        threads: Some(1),
    };
    let captured = integrity::capture_paced(&HostRoot::new(root), &p, pace);
    let elapsed = started.elapsed();
    assert_eq!(captured.bytes_hashed, 300_000);
    assert!(
        elapsed >= std::time::Duration::from_millis(280),
        "{elapsed:?}"
    );
    assert_eq!(
        captured.files,
        integrity::capture(&HostRoot::new(root), &p).files,
        "the pace changes nothing recorded"
    );
}

#[test]
fn a_starting_point_that_is_a_link_is_recorded_as_one_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(outside.path(), "/cni/10.conf", "outside the root", 0o644);
    std::fs::create_dir_all(root.join("etc/cni")).unwrap();
    // /etc/cni/net.d -> a folder outside the root.
    symlink(outside.path().join("cni"), root.join("etc/cni/net.d")).unwrap();
    let p = profile("include: [/etc/cni/net.d/**]\n");
    let (baseline, _) = integrity::take(&HostRoot::new(root), &p, "h", "t");
    let paths: Vec<&str> = baseline.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["/etc/cni/net.d"]);
    assert_eq!(baseline.files[0].file_type, FileType::Symlink);
}
