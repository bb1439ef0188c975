//! `palisade scan`: walk, read, parse and evaluate in parallel, then report.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use palisade_controls::Inventory;
use palisade_load::dockerfile::parse_dockerfile;
use palisade_load::image::{self, Image, ImageOptions};
use palisade_load::walk::{self, Source};
use palisade_load::{Limits, LoadError, objects, parse_documents};
use palisade_model::{Finding, ResourceRef};
use palisade_policy::{Config, Deferred, PolicySet, PolicySources};
use palisade_rego::{Policies, RegoError};
use palisade_report::{Report, TextOptions};
use rayon::prelude::*;

use crate::cli::{ColorChoice, Format, ScanArgs};

/// A resource read by the scan and the file it came from.
pub type Scanned = (Arc<str>, ResourceRef);

/// What one source produced.
#[derive(Default)]
struct FileOutcome {
    name: Option<Arc<str>>,
    text: Option<Arc<str>>,
    documents: usize,
    resources: usize,
    skipped: usize,
    findings: Vec<Finding>,
    errors: Vec<LoadError>,
    inventory: Inventory,
    deferred: Vec<Deferred>,
    /// With `--combine`: the file's documents for the combined input.
    combined: Vec<palisade_rego::Value>,
    /// Every resource read, with its file (only with `--record`).
    resource_refs: Vec<Scanned>,
}

/// The exit status of a scan that read no document, Dockerfile or image.
pub const EXIT_NOTHING_SCANNED: u8 = 3;

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let (report, resources, policy_version) = execute_scan(args)?;
    let verdict = verdict(args, &report);
    if report.summary.documents == 0 {
        warn_nothing_scanned(args, &report);
    }
    // The verdict is known before a byte is written: a reader that stops
    // early (`palisade scan . | head -1`) must not turn a failing scan into
    // a pass, nor keep the scan out of the audit log.
    let written = write_report(args, &report);
    if let Some(policy_version) = policy_version {
        super::record::record_scan(args, &report, &resources, &policy_version)?;
    }
    super::finish(verdict, written)
}

fn warn_nothing_scanned(args: &ScanArgs, report: &Report) {
    eprintln!(
        "warning: nothing was scanned: no Kubernetes manifest, Dockerfile or image in {} ({} files read){}",
        args.paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        report.summary.files,
        if args.allow_empty {
            ""
        } else {
            "; exit 3 (--allow-empty accepts it)"
        }
    );
}

/// 2 when something could not be read, 3 when nothing was scanned (unless
/// `--allow-empty`), 1 for a blocking finding at or above `--fail-on`,
/// else 0.
fn verdict(args: &ScanArgs, report: &Report) -> ExitCode {
    if !report.errors.is_empty() {
        return ExitCode::from(2);
    }
    // A scan that read nothing (an empty directory, links it could not
    // follow, `helm template` printing nothing) must not pass as a clean
    // one: kube-linter's `--fail-if-no-objects-found`, on by default here.
    if report.summary.documents == 0 && !args.allow_empty {
        return ExitCode::from(EXIT_NOTHING_SCANNED);
    }
    if report.blocking().any(|f| f.severity >= args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The configuration: `--config FILE`, else `palisade.yaml` in the working
/// directory when there is one, else the defaults.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None => {
            let default = Path::new(Config::FILE_NAME);
            if !default.is_file() {
                return Ok(Config::default());
            }
            // Found by name, not asked for: manifests that happen to be
            // called palisade.yaml (`palisade install > palisade.yaml`) are
            // input, not configuration.
            let text = std::fs::read_to_string(default)
                .with_context(|| format!("cannot read {}", default.display()))?;
            if Config::is_kubernetes_manifest(Config::FILE_NAME, &text) {
                eprintln!(
                    "palisade: warning: {} holds Kubernetes manifests, not a Palisade configuration; it is not read as configuration (pass one with --config)",
                    Config::FILE_NAME
                );
                return Ok(Config::default());
            }
            Ok(Config::load(default)?)
        }
    }
}

/// Scans and builds the finished report (compliance and exception notes
/// included), without writing it.
pub fn execute(args: &ScanArgs) -> Result<Report> {
    execute_scan(args).map(|(report, _, _)| report)
}

/// [`execute`], plus every resource read (file, resource) and the policy
/// version when the scan is recorded in the audit log.
pub fn execute_scan(args: &ScanArgs) -> Result<(Report, Vec<Scanned>, Option<String>)> {
    let config = load_config(args.config.as_deref())?;
    let frameworks = config.frameworks(&args.framework)?;
    let user = load_user_policies(&args.policy, &config)?;
    let mut policy = config.policy_with(&frameworks, &args.control, user)?;
    if let Some(path) = &args.allowed_digests {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let digests = palisade_policy::digests::parse_list(&path.display().to_string(), &text)?;
        policy.allow_digests(&digests);
    }
    if args.no_annotation_waivers {
        policy.set_annotation_waivers(palisade_policy::exceptions::AnnotationWaivers::Ignored);
    }
    if args.no_builtins {
        policy.selected_mut().clear();
    }
    policy.set_combine(args.combine);
    // The one policy version `palisade serve` computes too.
    let policy_version = match args.record.record {
        true => Some(config.policy_version(&policy, &policy_sources(&args.policy))?),
        false => None,
    };
    let exclude = walk::exclude_set(&args.exclude).context("invalid --exclude glob")?;
    let limits = Limits {
        max_file_bytes: args.max_file_size,
        ..Limits::default()
    };

    let (sources, walk_errors) = walk::sources(&args.paths, &exclude);
    let progress = progress_bar(args, sources.len());
    let outcomes: Vec<FileOutcome> = sources
        .par_iter()
        .map(|source| {
            let outcome = scan_source(source, &policy, &limits, args);
            progress.inc(1);
            outcome
        })
        .collect();
    progress.finish_and_clear();

    let mut inventory = Inventory::default();
    let mut deferred = Vec::new();
    let mut combined = Vec::new();
    let mut resources = Vec::new();
    let mut report = Report {
        controls: policy.control_metas(),
        errors: walk_errors,
        ..Report::default()
    };
    for outcome in outcomes {
        report.summary.files += 1;
        report.summary.documents += outcome.documents;
        report.summary.resources += outcome.resources;
        report.summary.skipped_documents += outcome.skipped;
        if let Some(name) = outcome.name {
            if let Some(text) = outcome.text {
                report.sources.insert(name.clone(), text);
            }
            report.scanned.push(name);
        }
        report.findings.extend(outcome.findings);
        report.errors.extend(outcome.errors);
        inventory.merge(outcome.inventory);
        deferred.extend(outcome.deferred);
        if !outcome.combined.is_empty()
            && let Some(name) = report.scanned.last()
        {
            combined.push((name.clone(), outcome.combined));
        }
        resources.extend(outcome.resource_refs);
    }
    report
        .findings
        .extend(policy.evaluate_inventory(&inventory));
    if !deferred.is_empty() {
        let (findings, errors) = policy.evaluate_deferred(&deferred);
        report.findings.extend(findings);
        report.errors.extend(errors.iter().map(policy_error));
    }
    if args.combine && !combined.is_empty() {
        match policy.evaluate_combined(&combined) {
            Ok(findings) => report.findings.extend(findings),
            Err(error) => report.errors.push(policy_error(&error)),
        }
    }
    report.finish();
    let ran: Vec<&str> = policy.control_metas().iter().map(|c| c.id).collect();
    report.compliance = policy
        .frameworks()
        .iter()
        .map(|f| palisade_frameworks::compliance::assess(&f.pack, &report.findings, &ran))
        .collect();
    report.exception_notes = policy.exceptions().notes();
    Ok((report, resources, policy_version))
}

fn scan_source(
    source: &Source,
    policy: &PolicySet,
    limits: &Limits,
    args: &ScanArgs,
) -> FileOutcome {
    let parse_only = args.parse_only;
    let combine = args.combine;
    let record = args.record.record;
    let name = source.name();
    let mut outcome = FileOutcome {
        name: Some(name.clone()),
        ..FileOutcome::default()
    };
    match source {
        Source::ImageLayout(path) => return scan_image(path, name, policy, parse_only, record),
        Source::File(path) if walk::is_image_archive_name(path) => {
            return scan_image(path, name, policy, parse_only, record);
        }
        _ => {}
    }
    let text = match walk::read(source, limits) {
        Ok(text) => text,
        Err(error) => {
            outcome.errors.push(error);
            return outcome;
        }
    };
    if walk::is_dockerfile_name(Path::new(&*name)) {
        let parsed = parse_dockerfile(name, &text);
        outcome.documents = 1;
        outcome.resources = 1;
        outcome.errors = parsed.errors;
        if !parse_only {
            outcome.findings = policy.evaluate_dockerfile(&parsed.dockerfile);
            match policy.evaluate_user_dockerfile(&parsed.dockerfile, &text) {
                Ok(findings) => outcome.findings.extend(findings),
                Err(error) => outcome.errors.push(policy_error(&error)),
            }
        }
        if record {
            // The same resource the Dockerfile controls report.
            let resource = ResourceRef {
                api_version: String::new(),
                kind: "Dockerfile".to_owned(),
                namespace: None,
                name: Some(parsed.dockerfile.file.to_string()),
            };
            outcome
                .resource_refs
                .push((parsed.dockerfile.file.clone(), resource));
        }
        if !outcome.findings.is_empty() {
            outcome.text = Some(text.into());
        }
        return outcome;
    }
    let parsed = parse_documents(name.clone(), &text, limits);
    outcome.documents = parsed.documents.len();
    outcome.errors = parsed.errors;
    if !parse_only {
        let per_document: Vec<_> = parsed
            .documents
            .par_iter()
            .map(|d| policy.evaluate_document(d))
            .collect();
        for document in per_document {
            if document.objects == 0 {
                outcome.skipped += 1;
            }
            outcome.resources += document.objects;
            outcome.findings.extend(document.findings);
            outcome.inventory.merge(document.inventory);
            outcome.deferred.extend(document.deferred);
            outcome
                .errors
                .extend(document.errors.iter().map(policy_error));
        }
        if combine {
            outcome.combined = parsed
                .documents
                .iter()
                .map(|d| palisade_rego::value::from_node(&d.root))
                .collect();
        }
        if record {
            for document in &parsed.documents {
                for object in objects(&document.root) {
                    outcome
                        .resource_refs
                        .push((name.clone(), object.resource()));
                }
            }
        }
    }
    // JSON that is no Kubernetes object may be an image config or `docker
    // inspect` output (told by its shape).
    if outcome.resources == 0
        && Path::new(&*name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && image::json_shape(text.as_bytes()).is_some()
    {
        match image::from_json(name.clone(), text.as_bytes()) {
            Ok(images) => add_images(&mut outcome, &images, policy, parse_only, record),
            Err(message) => outcome.errors.push(LoadError::file(name, message)),
        }
        return outcome;
    }
    // Cross-resource findings (and user policies reviewing objects once the
    // scan is over) may point into any file with a workload.
    if !outcome.findings.is_empty()
        || !outcome.inventory.workloads.is_empty()
        || !outcome.deferred.is_empty()
    {
        outcome.text = Some(text.into());
    }
    outcome
}

/// Loads and evaluates the images of a tar or an OCI layout directory. A
/// tar that holds no image is skipped.
fn scan_image(
    path: &Path,
    name: Arc<str>,
    policy: &PolicySet,
    parse_only: bool,
    record: bool,
) -> FileOutcome {
    let mut outcome = FileOutcome {
        name: Some(name.clone()),
        ..FileOutcome::default()
    };
    match image::load(path, name, &ImageOptions::default()) {
        Ok(images) if images.is_empty() => outcome.skipped = 1,
        Ok(images) => add_images(&mut outcome, &images, policy, parse_only, record),
        Err(error) => outcome.errors.push(error),
    }
    outcome
}

fn add_images(
    outcome: &mut FileOutcome,
    images: &[Image],
    policy: &PolicySet,
    parse_only: bool,
    record: bool,
) {
    outcome.documents = images.len();
    outcome.resources = images.len();
    outcome.skipped = 0;
    if !parse_only {
        for image in images {
            outcome.findings.extend(policy.evaluate_image(image));
        }
    }
    if record && let Some(file) = &outcome.name {
        for image in images {
            // The same resource the image controls report.
            let resource = ResourceRef {
                api_version: String::new(),
                kind: "Image".to_owned(),
                namespace: None,
                name: Some(image.name()),
            };
            outcome.resource_refs.push((file.clone(), resource));
        }
    }
}

/// Loads the user policies of `--policy` and of the configuration's
/// `policies:` (none: `None`).
pub fn load_user_policies(
    args: &crate::cli::PolicyArgs,
    config: &Config,
) -> Result<Option<Policies>> {
    Ok(config.load_user_policies(&policy_sources(args))?)
}

/// The command line's policy options.
pub fn policy_sources(args: &crate::cli::PolicyArgs) -> PolicySources {
    PolicySources {
        paths: args.policies.clone(),
        data: args.data.clone(),
        namespaces: args.namespaces.clone(),
        all_namespaces: args.all_namespaces,
    }
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

fn progress_bar(args: &ScanArgs, files: usize) -> ProgressBar {
    let show = !args.no_progress && files > 50 && std::io::stderr().is_terminal();
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} scanning {pos}/{len} files {wide_bar} {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn write_report(args: &ScanArgs, report: &Report) -> Result<()> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        Format::Text => palisade_report::write_text(report, TextOptions { color }, &mut out)?,
        Format::Json => palisade_report::write_json(report, &mut out)?,
        Format::Sarif => palisade_report::write_sarif(report, &mut out)?,
        Format::Junit => palisade_report::write_junit(report, &mut out)?,
        Format::Github => palisade_report::write_github(report, &mut out)?,
        Format::Html => palisade_report::write_html(report, &mut out)?,
    }
    out.flush()?;
    Ok(())
}
