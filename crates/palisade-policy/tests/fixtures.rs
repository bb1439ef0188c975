//! Every control's fixtures: `tests/fixtures/<control-id>/{pass,fail}/*.yaml`
//! (manifests) or `*.Dockerfile` (Dockerfiles).
//!
//! A `fail` fixture marks each line that must be reported with
//! `# expect: <control-id>` at its end; the control must report exactly
//! those lines. A Dockerfile has no end-of-line comments, so there the
//! marker is a comment line of its own and marks the line after it.
//! A `pass` fixture must produce no finding of its control. A fixture may
//! set a parameter of its control with `# param: NAME = value, value`.
//! Cross-resource controls see every document of the fixture file. An
//! `*.image.yaml` fixture describes an image that the test builds as a
//! `docker save` tarball (see `support/image.rs`); image findings are at
//! line 1, so its marker goes on line 1. An `*.host.yaml` fixture
//! describes a host tree (`support/host.rs`): its findings are at lines of
//! the host's files, marked in their text or on the file's entry. An
//! `*.integrity.yaml` fixture is a host tree, a baseline of it and changes
//! made after it (`support/integrity.rs`): its findings are at the changed
//! paths. Each control
//! must have at least one of each, and the rendered findings of its `fail`
//! fixtures are snapshotted so a reviewer sees file, line and message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use palisade_load::{Input, Limits, Loaded, parse_documents};
use palisade_policy::PolicySet;

#[path = "support/host.rs"]
mod host_support;
#[path = "support/image.rs"]
mod image_support;
#[path = "support/integrity.rs"]
mod integrity_support;

/// A finding's place: the host file for host fixtures (empty otherwise:
/// the fixture itself), line, column; and its message.
type Found = (String, u32, u32, String);

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// The fixtures in `dir` this machine can run (host fixtures need root,
/// see `support/host.rs`).
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    static OWNERS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let owners = *OWNERS.get_or_init(host_support::can_write_owners);
    let mut files = all_fixtures(dir);
    files.retain(|p| {
        let name = p.to_string_lossy();
        owners || !(name.ends_with(".host.yaml") || name.ends_with(".integrity.yaml"))
    });
    files
}

/// Every fixture in `dir`.
fn all_fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "yaml") || palisade_load::walk::is_dockerfile_name(p)
    });
    files.sort();
    files
}

/// Every finding of `id` in the fixture `file`.
fn findings(id: &str, file: &Path) -> Vec<Found> {
    let text = fs::read_to_string(file).unwrap();
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let mut policy = PolicySet::select(&[], &[id.to_owned()]).unwrap();
    for line in text.lines() {
        let Some((name, values)) = line
            .trim()
            .strip_prefix("# param:")
            .and_then(|p| p.split_once('='))
        else {
            continue;
        };
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_owned()).collect();
        for selected in policy.selected_mut() {
            selected
                .params
                .set(selected.control, name.trim(), values.clone())
                .unwrap();
        }
    }
    if name.ends_with(".image.yaml") {
        let dir = tempfile::tempdir().unwrap();
        return image_support::build(file, dir.path())
            .iter()
            .flat_map(|image| policy.evaluate_image(image))
            .map(|f| {
                assert_eq!(f.control, id);
                (String::new(), f.location.line, f.location.column, f.message)
            })
            .collect();
    }
    if name.ends_with(".host.yaml") || name.ends_with(".integrity.yaml") {
        let dir = tempfile::tempdir().unwrap();
        let loaded = if name.ends_with(".host.yaml") {
            host_support::load(file, dir.path())
        } else {
            integrity_support::load(file, dir.path())
        };
        assert!(
            loaded.errors.is_empty(),
            "{}: {:?}",
            file.display(),
            loaded.errors
        );
        let evaluated = policy.evaluate(&loaded);
        assert!(evaluated.unjudged.is_empty(), "{:?}", evaluated.unjudged);
        return evaluated
            .findings
            .into_iter()
            .map(|f| {
                assert_eq!(f.control, id);
                let at = f.location.file.to_string();
                (at, f.location.line, f.location.column, f.message)
            })
            .collect();
    }
    // Through the one entry point a scan uses: the input, then what needs
    // every input (cross-resource controls see every document of the file).
    let (input, errors) = if palisade_load::walk::is_dockerfile_name(file) {
        let parsed = palisade_load::dockerfile::parse_dockerfile(name.as_str().into(), &text);
        (Input::Dockerfile(parsed.dockerfile), parsed.errors)
    } else {
        let parsed = parse_documents(name.as_str().into(), &text, &Limits::default());
        (Input::Manifests(parsed.documents), parsed.errors)
    };
    assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    let loaded = Loaded {
        name: name.as_str().into(),
        text: Some(text.as_str().into()),
        input,
        errors,
    };
    let evaluated = policy.evaluate(&loaded);
    assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
    let whole_file = policy.evaluate_gathered(&evaluated.gathered);
    evaluated
        .findings
        .into_iter()
        .chain(whole_file.findings)
        .map(|f| {
            assert_eq!(f.control, id);
            (String::new(), f.location.line, f.location.column, f.message)
        })
        .collect()
}

fn expected_lines(id: &str, file: &Path) -> BTreeSet<(String, u32)> {
    if file.to_string_lossy().ends_with(".host.yaml") {
        return host_support::expected(id, file);
    }
    if file.to_string_lossy().ends_with(".integrity.yaml") {
        return integrity_support::expected(id, file);
    }
    let marker = format!("# expect: {id}");
    let next_line = palisade_load::walk::is_dockerfile_name(file);
    fs::read_to_string(file)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_end().ends_with(&marker))
        .map(|(i, _)| (String::new(), i as u32 + if next_line { 2 } else { 1 }))
        .collect()
}

#[test]
fn every_control_has_pass_and_fail_fixtures() {
    let root = fixtures_root();
    for control in palisade_controls::registry::all() {
        let id = control.meta.id;
        for kind in ["pass", "fail"] {
            assert!(
                !all_fixtures(&root.join(id).join(kind)).is_empty(),
                "{id} has no {kind} fixture in tests/fixtures/{id}/{kind}/"
            );
        }
    }
    for entry in fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            palisade_controls::registry::find(&name).is_some(),
            "fixtures for unknown control {name}"
        );
    }
}

#[test]
fn fail_fixtures_report_exactly_the_marked_lines() {
    let root = fixtures_root();
    for control in palisade_controls::registry::all() {
        let id = control.meta.id;
        let mut rendered = String::new();
        let fixtures = yaml_files(&root.join(id).join("fail"));
        if fixtures.is_empty() {
            continue; // host fixtures, not runnable without root
        }
        for file in fixtures {
            let expected = expected_lines(id, &file);
            assert!(
                !expected.is_empty(),
                "{} marks no `# expect: {id}` line",
                file.display()
            );
            let found = findings(id, &file);
            let lines: BTreeSet<(String, u32)> = found
                .iter()
                .map(|(at, line, _, _)| (at.clone(), *line))
                .collect();
            assert_eq!(
                lines,
                expected,
                "{}: reported lines differ from the marked ones: {found:#?}",
                file.display()
            );
            for (at, line, column, message) in found {
                let name = file.file_name().unwrap().to_string_lossy();
                let at = if at.is_empty() { at } else { format!(" {at}") };
                rendered.push_str(&format!("{name}{at}:{line}:{column}: {message}\n"));
            }
        }
        // Inode numbers differ from one run to the next.
        insta::with_settings!({filters => vec![(r"inode: \d+ -> \d+", "inode: [old] -> [new]")]}, {
            insta::assert_snapshot!(format!("fail-{id}"), rendered);
        });
    }
}

#[test]
fn pass_fixtures_report_nothing() {
    let root = fixtures_root();
    for control in palisade_controls::registry::all() {
        let id = control.meta.id;
        for file in yaml_files(&root.join(id).join("pass")) {
            let found = findings(id, &file);
            assert!(
                found.is_empty(),
                "{} should pass {id}: {found:#?}",
                file.display()
            );
        }
    }
}

/// Every (requirement, control) pair of every framework pack: the control
/// exists and fails at least one of its `fail` fixtures, so no requirement
/// is wired to a control that cannot fire. The table of pairs, with the
/// fixture and line that fails each, is snapshotted for review.
#[test]
fn every_framework_mapping_fails_a_fixture() {
    let root = fixtures_root();
    let mut table = String::new();
    let mut complete = true;
    for framework in palisade_frameworks::all() {
        for requirement in &framework.requirements {
            for id in &requirement.controls {
                let fixtures = yaml_files(&root.join(id).join("fail"));
                if fixtures.is_empty() {
                    complete = false; // host fixtures, not runnable without root
                    continue;
                }
                let failing = fixtures.into_iter().find_map(|file| {
                    let found = findings(id, &file);
                    found.first().map(|(_, line, _, _)| {
                        format!("{}:{line}", file.file_name().unwrap().to_string_lossy())
                    })
                });
                let failing = failing.unwrap_or_else(|| {
                    panic!(
                        "{} {} maps to {id}, but no fixture fails it",
                        framework.id, requirement.id
                    )
                });
                table.push_str(&format!(
                    "{} {} -> {id} ({failing})\n",
                    framework.id, requirement.id
                ));
            }
        }
    }
    assert!(palisade_frameworks::load_errors().is_empty());
    if complete {
        insta::assert_snapshot!("framework-mappings", table);
    }
}
