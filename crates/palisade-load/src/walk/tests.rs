#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::symlink;

use super::*;

fn walk(root: &Path) -> (Vec<String>, Vec<LoadError>) {
    let (sources, errors) = sources(&[root.to_path_buf()], &exclude_set(&[]).unwrap());
    let names = sources
        .iter()
        .map(|s| {
            let name = s.name();
            name.strip_prefix(&*root.to_string_lossy())
                .unwrap_or(&name)
                .trim_start_matches('/')
                .to_owned()
        })
        .collect();
    (names, errors)
}

/// The layout of a ConfigMap mounted as a volume: every key a link through
/// the hidden `..data` link to a hidden timestamped directory.
#[test]
fn a_configmap_volume_is_scanned_through_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let stamped = root.join("..2026_12_03_19_00_00.123456789");
    std::fs::create_dir(&stamped).unwrap();
    std::fs::write(stamped.join("deploy.yaml"), "kind: Pod\n").unwrap();
    std::fs::write(stamped.join("Dockerfile"), "FROM x\n").unwrap();
    symlink("..2026_12_03_19_00_00.123456789", root.join("..data")).unwrap();
    symlink("..data/deploy.yaml", root.join("deploy.yaml")).unwrap();
    symlink("..data/Dockerfile", root.join("Dockerfile")).unwrap();
    let (names, errors) = walk(root);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(names, ["Dockerfile", "deploy.yaml"]);
}

#[test]
fn links_out_of_the_tree_broken_or_looping_are_errors_and_the_rest_is_walked() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), "kind: Secret\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("real.yaml"), "kind: Pod\n").unwrap();
    symlink(outside.path().join("secret.yaml"), root.join("escape.yaml")).unwrap();
    symlink("missing.yaml", root.join("broken.yaml")).unwrap();
    symlink("loop-b.yaml", root.join("loop-a.yaml")).unwrap();
    symlink("loop-a.yaml", root.join("loop-b.yaml")).unwrap();
    let (names, errors) = walk(root);
    assert_eq!(names, ["real.yaml"]);
    let mut messages: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            let file = Path::new(&*e.file).file_name().unwrap();
            (file.to_string_lossy().into_owned(), e.message.clone())
        })
        .collect();
    messages.sort();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(
        messages[0].1.contains("target does not exist"),
        "{messages:?}"
    );
    assert!(
        messages[1].1.contains("outside the scanned directory"),
        "{messages:?}"
    );
    // ELOOP: "Too many levels of symbolic links".
    assert!(
        messages[2].1.contains("levels of symbolic links"),
        "{messages:?}"
    );
    assert!(
        messages[3].1.contains("levels of symbolic links"),
        "{messages:?}"
    );
}

#[test]
fn a_file_reached_twice_is_read_once_and_directory_links_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("base")).unwrap();
    std::fs::write(root.join("base/pod.yaml"), "kind: Pod\n").unwrap();
    std::fs::create_dir(root.join(".hidden")).unwrap();
    std::fs::write(root.join(".hidden/svc.yaml"), "kind: Service\n").unwrap();
    symlink("base/pod.yaml", root.join("alias.yaml")).unwrap();
    symlink(".hidden/svc.yaml", root.join("b.yaml")).unwrap();
    symlink(".hidden/svc.yaml", root.join("a.yaml")).unwrap();
    // A link to a directory (here, to the root itself) would loop.
    symlink(".", root.join("self.yaml")).unwrap();
    let (names, errors) = walk(root);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(names, ["a.yaml", "base/pod.yaml"]);
}
