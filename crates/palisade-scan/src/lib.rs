//! A scan, from paths to a finished [`Report`]: the walk finds the sources
//! ([`Plan::new`]), each source is loaded and classified once
//! ([`palisade_load::input::load`]) and evaluated by the policy set
//! ([`PolicySet::evaluate`]) on every core, and [`assemble`] turns the
//! outcomes into the report in the one order that is right: merge, the
//! controls that need the whole scan, sort, then compliance (which reads the
//! sorted findings) and exception notes (which read how often each
//! exception was used).
//!
//! No printing, no exit codes: the binary shows progress through a
//! callback and decides what the report means for the pipeline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use palisade_frameworks::compliance::Ran;
use palisade_load::host::{HostOptions, Reading};
use palisade_load::image::ImageOptions;
use palisade_load::rendered::SourceMap;
use palisade_load::walk::{self, Source};
use palisade_load::{Input, InputKind, Limits, LoadError, Loaded};
use palisade_model::{Finding, ResourceRef};
use palisade_policy::{Gathered, PolicySet};
use palisade_rego::RegoError;
use palisade_report::{Comparison, Difference, Report};
use rayon::prelude::*;

/// A resource read by the scan and the file it came from.
pub type Scanned = (Arc<str>, ResourceRef);

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Files and directories (`-` is standard input).
    pub paths: Vec<PathBuf>,
    /// `--exclude` globs.
    pub exclude: Vec<String>,
    /// Size and nesting limits.
    pub limits: Limits,
    /// How images are read (their limits, the layer cache).
    pub images: ImageOptions,
    /// Read and parse only, evaluate nothing (`--parse-only`): the floor
    /// the whole scan is measured against.
    pub parse_only: bool,
    /// Keep every resource read (for `scan --record`: one audit event per
    /// resource, with findings or without).
    pub keep_resources: bool,
}

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// An `--exclude` glob does not compile.
    #[error("invalid --exclude glob: {0}")]
    Exclude(#[from] globset::Error),
}

/// A finished scan.
#[derive(Debug, Default)]
pub struct Scan {
    /// The report every format writes.
    pub report: Report,
    /// Every resource read, with its file (only with `keep_resources`).
    pub resources: Vec<Scanned>,
}

/// The sources a scan will read, found before any is read (so progress can
/// be shown against their number).
#[derive(Debug)]
pub struct Plan {
    sources: Vec<Source>,
    errors: Vec<LoadError>,
}

impl Plan {
    /// Walks the paths: `.gitignore` honoured, `--exclude` applied, missing
    /// paths reported as errors while the rest is still found.
    pub fn new(options: &ScanOptions) -> Result<Plan, ScanError> {
        let exclude = walk::exclude_set(&options.exclude)?;
        let (sources, errors) = walk::sources(&options.paths, &exclude);
        Ok(Plan { sources, errors })
    }

    /// How many sources will be read.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether nothing will be read.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Loads and evaluates every source in parallel (`done` is called once
    /// per source, from any thread), then assembles the report.
    pub fn run(self, policy: &PolicySet, options: &ScanOptions, done: impl Fn() + Sync) -> Scan {
        let outcomes: Vec<Outcome> = self
            .sources
            .par_iter()
            .map(|source| {
                let outcome = Outcome::of(source, policy, options);
                done();
                outcome
            })
            .collect();
        assemble(policy, outcomes, self.errors)
    }
}

/// Judges what changed since a file-integrity baseline (`palisade fim
/// compare`) with the file-integrity controls, assembled as any scan.
pub fn scan_integrity(
    policy: &PolicySet,
    check: palisade_load::integrity::IntegrityCheck,
    options: &ScanOptions,
) -> Scan {
    let loaded = palisade_load::input::load_integrity(check);
    let outcome = Outcome::evaluated(loaded, policy, options);
    assemble(policy, vec![outcome], Vec::new())
}

/// Judges the host at `host.root` (`palisade node scan`): its facts
/// gathered once, evaluated by the node controls, assembled as any scan.
///
/// With another tool's reading (`--compat kube-bench`), the report gives
/// that reading's verdicts, and the host is judged again by Palisade's own
/// reading to list where the two differ (`Report::compared`).
pub fn scan_host(policy: &PolicySet, host: &HostOptions, options: &ScanOptions) -> Scan {
    let loaded = palisade_load::input::load_host(host);
    let outcome = Outcome::evaluated(loaded, policy, options);
    let mut scan = assemble(policy, vec![outcome], Vec::new());
    if host.reading == Reading::KubeBench {
        let own = HostOptions {
            reading: Reading::Palisade,
            ..host.clone()
        };
        let loaded = palisade_load::input::load_host(&own);
        let ours = Outcome::evaluated(loaded, policy, options).findings;
        scan.report.compared = Some(Comparison {
            reading: "kube-bench",
            differences: differences(&scan.report.findings, &ours),
        });
    }
    scan
}

/// The (control, resource) pairs that fail by one reading and not by the
/// other (waived findings count as failing: the waiver is the same for
/// both), each with the failing side's first message.
fn differences(reported: &[Finding], ours: &[Finding]) -> Vec<Difference> {
    let failing = |findings: &[Finding]| -> BTreeMap<(&'static str, String), String> {
        let mut out = BTreeMap::new();
        for f in findings {
            out.entry((f.control, f.resource.display_name()))
                .or_insert_with(|| f.message.clone());
        }
        out
    };
    let theirs = failing(reported);
    let own = failing(ours);
    let mut differences: Vec<Difference> = theirs
        .iter()
        .filter(|(key, _)| !own.contains_key(*key))
        .map(|((control, resource), message)| Difference {
            control,
            resource: resource.clone(),
            reported_fails: true,
            palisade_fails: false,
            message: message.clone(),
        })
        .chain(
            own.iter()
                .filter(|(key, _)| !theirs.contains_key(*key))
                .map(|((control, resource), message)| Difference {
                    control,
                    resource: resource.clone(),
                    reported_fails: false,
                    palisade_fails: true,
                    message: message.clone(),
                }),
        )
        .collect();
    differences.sort_by(|a, b| (&a.resource, a.control).cmp(&(&b.resource, b.control)));
    differences
}

/// Moves findings and errors in rendered manifests to the files they were
/// rendered from, at their line in the rendered document, and quotes each
/// such document as its source's text (unless two documents of one source
/// would disagree: then no snippet rather than a wrong one).
fn move_to_sources(
    report: &mut Report,
    rendered: &BTreeMap<Arc<str>, (SourceMap, Option<Arc<str>>)>,
) {
    if rendered.is_empty() {
        return;
    }
    let locate = |file: &Arc<str>, line: u32| {
        let (map, _) = rendered.get(file)?;
        map.locate(line)
            .map(|(source, within)| (source.clone(), within, line - within))
    };
    for finding in &mut report.findings {
        let location = &mut finding.location;
        if let Some((source, line, shift)) = locate(&location.file, location.line) {
            location.file = source;
            location.line = line;
            location.end_line = location.end_line.saturating_sub(shift);
        }
    }
    for error in &mut report.errors {
        if let Some((source, line, _)) = locate(&error.file, error.line) {
            error.file = source;
            error.line = line;
        }
    }
    let mut quoted: BTreeMap<Arc<str>, Option<String>> = BTreeMap::new();
    for (map, text) in rendered.values() {
        let Some(text) = text else { continue };
        let lines: Vec<&str> = text.lines().collect();
        for section in &map.sections {
            let first = section.first_line.saturating_sub(1) as usize;
            let last = (section.last_line as usize).min(lines.len());
            let document = lines.get(first..last).unwrap_or_default().join("\n");
            quoted
                .entry(section.source.clone())
                .and_modify(|seen| {
                    if seen.as_deref() != Some(document.as_str()) {
                        *seen = None;
                    }
                })
                .or_insert(Some(document));
        }
    }
    for (source, document) in quoted {
        if let Some(document) = document {
            report.sources.insert(source, Arc::from(document));
        }
    }
}

/// Scans `options.paths` with `policy`.
pub fn scan(policy: &PolicySet, options: &ScanOptions) -> Result<Scan, ScanError> {
    Ok(Plan::new(options)?.run(policy, options, || {}))
}

/// What one source gave.
#[derive(Debug)]
pub struct Outcome {
    name: Arc<str>,
    /// Kept only when a finding may point into it.
    text: Option<Arc<str>>,
    counts: palisade_load::Counts,
    findings: Vec<palisade_model::Finding>,
    errors: Vec<LoadError>,
    gathered: Gathered,
    resources: Vec<ResourceRef>,
    kind: InputKind,
    judged: Vec<&'static str>,
    /// Where rendered manifests came from (`helm template`, `kustomize
    /// build`): findings are moved to those files.
    rendered: SourceMap,
}

impl Outcome {
    fn of(source: &Source, policy: &PolicySet, options: &ScanOptions) -> Outcome {
        let loaded = palisade_load::input::load(source, &options.limits, &options.images);
        Outcome::evaluated(loaded, policy, options)
    }

    /// What a loaded input gives once evaluated (counted only, with
    /// `--parse-only`).
    fn evaluated(loaded: Loaded, policy: &PolicySet, options: &ScanOptions) -> Outcome {
        let mut outcome = Outcome {
            name: loaded.name.clone(),
            text: None,
            counts: loaded.counts(),
            findings: Vec::new(),
            errors: Vec::new(),
            gathered: Gathered::default(),
            resources: match options.keep_resources {
                true => loaded.resources(),
                false => Vec::new(),
            },
            kind: loaded.input.kind(),
            judged: Vec::new(),
            rendered: match (&loaded.input, &loaded.text) {
                (Input::Manifests(documents), Some(text)) => SourceMap::of(text, documents),
                _ => SourceMap::default(),
            },
        };
        if !options.parse_only {
            let evaluated = policy.evaluate(&loaded);
            outcome.findings = evaluated.findings;
            outcome.gathered = evaluated.gathered;
            outcome.errors = evaluated.errors.iter().map(policy_error).collect();
            outcome.errors.extend(evaluated.unjudged);
            outcome.judged = evaluated.judged;
        }
        let Loaded { text, errors, .. } = loaded;
        outcome.errors.splice(0..0, errors);
        // Findings made at the end of the scan (cross-resource controls,
        // user policies reviewing the inventory) may point into any file
        // with a workload.
        if !outcome.findings.is_empty() || outcome.gathered.may_be_pointed_at() {
            outcome.text = text;
        }
        outcome
    }
}

/// The report of a scan's outcomes, in source order: counts and findings
/// merged, the controls that need every input run over what was gathered,
/// findings sorted and counted ([`Report::finish`]), then one compliance
/// summary per framework and the notes on exceptions.
pub fn assemble(policy: &PolicySet, outcomes: Vec<Outcome>, walk_errors: Vec<LoadError>) -> Scan {
    let mut gathered = Gathered::default();
    let mut resources = Vec::new();
    let mut seen: BTreeSet<InputKind> = BTreeSet::new();
    let mut judged_something: BTreeSet<&'static str> = BTreeSet::new();
    let mut rendered: BTreeMap<Arc<str>, (SourceMap, Option<Arc<str>>)> = BTreeMap::new();
    let mut report = Report {
        controls: policy.control_metas(),
        errors: walk_errors,
        ..Report::default()
    };
    report
        .findings
        .reserve(outcomes.iter().map(|o| o.findings.len()).sum());
    for outcome in outcomes {
        let summary = &mut report.summary;
        summary.files += 1;
        summary.documents += outcome.counts.documents;
        summary.resources += outcome.counts.resources;
        summary.skipped_documents += outcome.counts.skipped;
        if !outcome.rendered.is_empty() {
            rendered.insert(
                outcome.name.clone(),
                (outcome.rendered, outcome.text.clone()),
            );
        }
        if let Some(text) = outcome.text {
            report.sources.insert(outcome.name.clone(), text);
        }
        resources.extend(
            outcome
                .resources
                .into_iter()
                .map(|r| (outcome.name.clone(), r)),
        );
        report.scanned.push(outcome.name);
        seen.insert(outcome.kind);
        judged_something.extend(outcome.judged);
        report.findings.extend(outcome.findings);
        report.errors.extend(outcome.errors);
        gathered.merge(outcome.gathered);
    }
    let whole_scan = policy.evaluate_gathered(&gathered);
    report.findings.extend(whole_scan.findings);
    report
        .errors
        .extend(whole_scan.errors.iter().map(policy_error));
    move_to_sources(&mut report, &rendered);
    report.finish();
    // A control ran when the scan read a kind of input it judges; a
    // per-component control (kubelet, control plane, Docker) found nothing to judge
    // when no input had its component.
    let (judged, without_input): (Vec<&str>, Vec<&str>) = report
        .controls
        .iter()
        .map(|c| c.id)
        .partition(|id| inputs_of(policy, id).iter().any(|k| seen.contains(k)));
    let not_applicable: Vec<&str> = policy
        .selected()
        .iter()
        .filter(|s| s.control.check.per_component())
        .map(|s| s.control.meta.id)
        .filter(|id| judged.contains(id) && !judged_something.contains(id))
        .collect();
    let ran = Ran {
        judged: &judged,
        without_input: &without_input,
        not_applicable: &not_applicable,
    };
    report.compliance = policy
        .frameworks()
        .iter()
        .map(|f| palisade_frameworks::compliance::assess(&f.pack, &report.findings, ran))
        .collect();
    report.exception_notes = policy.exceptions().notes();
    Scan { report, resources }
}

/// The kinds of input a control judges: a built-in control's check says;
/// user policies read manifests, Dockerfiles and JSON documents.
fn inputs_of(policy: &PolicySet, id: &str) -> &'static [InputKind] {
    policy
        .selected()
        .iter()
        .find(|s| s.control.meta.id == id)
        .map_or(
            &[
                InputKind::Manifests,
                InputKind::Dockerfile,
                InputKind::Images,
            ],
            |s| s.control.check.inputs(),
        )
}

/// A user policy that failed on an input is reported like an input error:
/// the scan goes on, and exits 2.
fn policy_error(error: &RegoError) -> LoadError {
    LoadError {
        file: Arc::from(error.file.as_str()),
        line: error.line.unwrap_or(0),
        column: 0,
        message: format!("policy evaluation failed: {}", error.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn a_scan_counts_and_evaluates_every_kind_of_input_in_one_report() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: app\n    image: nginx\n    securityContext: {privileged: true}\n---\nnot: an object\n",
        );
        write(dir.path(), "Dockerfile", "FROM nginx:latest\n");
        write(dir.path(), "broken.yaml", "a: [\n");
        let options = ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            keep_resources: true,
            ..ScanOptions::default()
        };
        let scan = scan(&PolicySet::all(), &options).unwrap();
        let summary = &scan.report.summary;
        assert_eq!(
            (summary.files, summary.resources, summary.skipped_documents),
            (3, 2, 1)
        );
        assert_eq!(scan.report.errors.len(), 1, "{:?}", scan.report.errors);
        assert!(scan.report.errors[0].file.ends_with("broken.yaml"));
        let controls: Vec<&str> = scan.report.findings.iter().map(|f| f.control).collect();
        assert!(controls.contains(&"privileged-container"), "{controls:?}");
        assert!(
            scan.report
                .findings
                .iter()
                .any(|f| f.resource.kind == "Dockerfile"),
            "{controls:?}"
        );
        // Sorted by location, as every format expects.
        assert!(
            scan.report
                .findings
                .windows(2)
                .all(|w| w[0].location <= w[1].location)
        );
        let kinds: Vec<&str> = scan
            .resources
            .iter()
            .map(|(_, r)| r.kind.as_str())
            .collect();
        assert_eq!(kinds, ["Dockerfile", "Pod"]);
        // Text is kept only for files findings point into.
        assert_eq!(scan.report.sources.len(), 2);
    }

    #[test]
    fn parse_only_counts_what_it_read_and_evaluates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "list.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n",
        );
        let options = ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            parse_only: true,
            ..ScanOptions::default()
        };
        let scan = scan(&PolicySet::all(), &options).unwrap();
        assert_eq!(scan.report.summary.documents, 1);
        assert_eq!(scan.report.summary.resources, 2);
        assert!(scan.report.findings.is_empty());
        assert!(scan.report.sources.is_empty());
    }

    #[test]
    fn a_bad_exclude_glob_is_an_error_before_anything_is_read() {
        let options = ScanOptions {
            exclude: vec!["[".into()],
            ..ScanOptions::default()
        };
        let error = Plan::new(&options).unwrap_err().to_string();
        assert!(error.starts_with("invalid --exclude glob"), "{error}");
    }
}
