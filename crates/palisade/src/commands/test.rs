//! `palisade test`: Rego unit tests, Gatekeeper-format fixture suites and
//! Kyverno CLI test files (`kyverno-test.yaml`), with a line per test and a
//! summary per suite.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use palisade_load::{Document, Limits, objects, parse_documents};
use palisade_policy::PolicySet;
use palisade_rego::testing::suite::{self, BuiltinControls};
use palisade_rego::testing::{Checked, Outcome, unit};
use palisade_rego::{Sources, collect_sources};
use serde_json::json;

use crate::cli::{ListFormat, TestArgs};

/// One group of results: the Rego unit tests, or one suite file.
struct Group {
    name: String,
    results: Vec<Checked>,
    error: Option<String>,
}

pub fn run(args: &TestArgs) -> Result<ExitCode> {
    let mut groups = Vec::new();
    let rego_files: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rego"))
        .cloned()
        .collect();
    let sources = if rego_files.is_empty() {
        Ok(Sources::default())
    } else {
        collect_sources(&rego_files, &args.data)
    };
    let failed = |errors: Vec<palisade_rego::RegoError>| Group {
        name: "rego tests".into(),
        results: Vec::new(),
        error: Some(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    match sources.map(|sources| (sources.rego.is_empty(), unit::run(&sources))) {
        // No Rego file, or only policies without tests (a suite's
        // `policy:`): no group.
        Ok((true, _)) => {}
        Ok((false, Ok(results))) if results.is_empty() => {}
        Ok((false, Ok(results))) => groups.push(Group {
            name: "rego tests".into(),
            results,
            error: None,
        }),
        Ok((false, Err(errors))) | Err(errors) => groups.push(failed(errors)),
    }
    for path in suite_files(&args.paths) {
        let name = path.display().to_string();
        groups.push(match suite::run(&path, Some(&Builtins)) {
            Ok(results) => Group {
                name,
                results,
                error: None,
            },
            Err(error) => Group {
                name,
                results: Vec::new(),
                error: Some(error.to_string()),
            },
        });
    }
    for path in kyverno_test_files(&args.paths) {
        groups.push(kyverno_group(&path));
    }
    if groups.is_empty() {
        anyhow::bail!(
            "no Rego tests, suite files or kyverno-test.yaml files under the given paths"
        );
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    match args.format {
        ListFormat::Json => write_json(&groups, &mut out)?,
        _ => write_text(&groups, &mut out)?,
    }
    out.flush()?;
    Ok(if groups.iter().any(|g| g.error.is_some()) {
        ExitCode::from(2)
    } else if groups
        .iter()
        .flat_map(|g| &g.results)
        .any(|r| r.outcome.failed())
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `kyverno-test.yaml` files under the paths (in hidden `.kyverno-test`
/// folders too, where upstream keeps them).
fn kyverno_test_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = paths
        .iter()
        .flat_map(|p| palisade_kyverno::testing::find_tests(p))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// One Kyverno test file as a group: a line per expected result. A result
/// whose policy or rule Palisade cannot run fails, saying why.
fn kyverno_group(path: &Path) -> Group {
    let name = path.display().to_string();
    match palisade_kyverno::testing::run_test(path) {
        Ok(test) => Group {
            name,
            results: test
                .rows
                .into_iter()
                .map(|row| {
                    let outcome = match (row.ok, row.expected.as_str()) {
                        (false, _) => Outcome::Fail(row.message),
                        (true, "skip") => Outcome::Skip,
                        // Excluded: the policy judged the resource with no
                        // such rule, which the Kyverno CLI counts as skipped.
                        (true, _) if row.actual.is_none() => Outcome::Skip,
                        (true, _) => Outcome::Pass,
                    };
                    Checked {
                        name: format!(
                            "{}/{} {} ({})",
                            row.policy, row.rule, row.resource, row.expected
                        ),
                        outcome,
                        duration: std::time::Duration::ZERO,
                    }
                })
                .collect(),
            error: None,
        },
        Err(error) => Group {
            name,
            results: Vec::new(),
            error: Some(error),
        },
    }
}

/// Suite files under the paths: YAML files with a `kind: Suite` document.
fn suite_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        // Unreadable folders hold no suite to report.
        palisade_rego::files_under(path, &mut files, &mut Vec::new());
    }
    let mut found: Vec<PathBuf> = files
        .into_iter()
        .filter(|file| {
            file.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
                && is_suite(file)
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

fn is_suite(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim_end() == "kind: Suite" || l.trim_end() == "kind: \"Suite\"")
    })
}

fn counts(results: &[Checked]) -> (usize, usize, usize) {
    let passed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .count();
    let failed = results.iter().filter(|r| r.outcome.failed()).count();
    (passed, failed, results.len() - passed - failed)
}

fn write_text(groups: &[Group], out: &mut dyn Write) -> std::io::Result<()> {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for group in groups {
        if let Some(error) = &group.error {
            writeln!(out, "ERROR {}: {error}", group.name)?;
            continue;
        }
        for result in &group.results {
            let millis = result.duration.as_secs_f64() * 1000.0;
            match &result.outcome {
                Outcome::Pass => writeln!(out, "PASS  {} ({millis:.1} ms)", result.name)?,
                Outcome::Skip => writeln!(out, "SKIP  {}", result.name)?,
                Outcome::Fail(why) => {
                    writeln!(out, "FAIL  {} ({millis:.1} ms)\n      {why}", result.name)?
                }
            }
        }
        let (p, f, s) = counts(&group.results);
        writeln!(
            out,
            "--    {}: {p}/{} passed{}",
            group.name,
            p + f,
            if s > 0 {
                format!(", {s} skipped")
            } else {
                String::new()
            }
        )?;
        passed += p;
        failed += f;
        skipped += s;
    }
    let errors = groups.iter().filter(|g| g.error.is_some()).count();
    writeln!(
        out,
        "\n{passed} passed, {failed} failed, {skipped} skipped, {errors} could not run"
    )
}

fn write_json(groups: &[Group], out: &mut dyn Write) -> std::io::Result<()> {
    let doc = json!({
        "groups": groups.iter().map(|g| {
            let (passed, failed, skipped) = counts(&g.results);
            json!({
                "name": g.name,
                "error": g.error,
                "passed": passed,
                "failed": failed,
                "skipped": skipped,
                "tests": g.results.iter().map(|r| json!({
                    "name": r.name,
                    "outcome": match r.outcome { Outcome::Pass => "pass", Outcome::Fail(_) => "fail", Outcome::Skip => "skip" },
                    "message": match &r.outcome { Outcome::Fail(why) => Some(why.as_str()), _ => None },
                    "durationMs": r.duration.as_secs_f64() * 1000.0,
                })).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Built-in controls for suites whose tests name a `control`.
struct Builtins;

impl BuiltinControls for Builtins {
    fn messages(&self, control: &str, file: &Path) -> Result<Vec<String>, String> {
        let policy = PolicySet::select(&[], &[control.to_string()]).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name: Arc<str> = Arc::from(file.display().to_string());
        let parsed = parse_documents(name.clone(), &text, &Limits::default());
        if let Some(error) = parsed.errors.first() {
            return Err(error.to_string());
        }
        let mut messages = Vec::new();
        for document in &parsed.documents {
            // An AdmissionReview case: the request's object is what is checked.
            let request_object = objects(&document.root)
                .first()
                .filter(|o| o.kind() == "AdmissionReview")
                .and_then(|o| o.node.get_path(&["request", "object"]).cloned());
            let checked = match request_object {
                Some(root) => Document {
                    file: name.clone(),
                    index: document.index,
                    root,
                },
                None => document.clone(),
            };
            let outcome = policy.evaluate_document(&checked);
            messages.extend(
                outcome
                    .findings
                    .into_iter()
                    .filter(|f| f.control == control)
                    .map(|f| f.message),
            );
        }
        Ok(messages)
    }
}
