//! `palisade scan`: the configured run, the scan (`palisade-scan`), the
//! report in the chosen format, and the exit code.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use palisade_load::Limits;
use palisade_load::image::{ImageOptions, LayerCache};
use palisade_policy::{PolicyRequest, PolicySources};
use palisade_report::{Report, TextOptions};
use palisade_scan::{Plan, Scan, ScanOptions};

use super::Configured;
use crate::cli::{ColorChoice, FailOn, Format, ReportArgs, ScanArgs};

/// The exit status of a scan that read no document, Dockerfile or image.
pub const EXIT_NOTHING_SCANNED: u8 = 3;

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let (scan, configured) = execute_scan(args)?;
    if let (Some(file), Some(expires)) = (&args.write_baseline, args.baseline_expiry) {
        return write_baseline(file, expires, &scan.report);
    }
    let report = &scan.report;
    let verdict = verdict(args, report);
    if report.summary.documents == 0 {
        warn_nothing_scanned(args, report);
    }
    // The verdict is known before a byte is written: a reader that stops
    // early (`palisade scan . | head -1`) must not turn a failing scan into
    // a pass, nor keep the scan out of the audit log.
    let written = write_report(&args.report, report);
    if args.record.record {
        super::record::record_scan(&args.record, args.report.fail_on, &scan, &configured)?;
    }
    // The process ends next: freeing a large scan's findings one by one
    // would be the last serial step of the run, for nothing.
    std::mem::forget(scan);
    super::finish(verdict, written)
}

/// `--write-baseline`: the exceptions of today's findings, written over
/// `file` (what people filled in kept). 0 when written, 2 when an input
/// could not be read (a baseline of a partial scan would hide what the
/// unread files hold).
fn write_baseline(file: &Path, expires: jiff::civil::Date, report: &Report) -> Result<ExitCode> {
    if !report.errors.is_empty() {
        for error in &report.errors {
            eprintln!("error: {error}");
        }
        bail!(
            "no baseline written: {} input(s) could not be read or judged",
            report.errors.len()
        );
    }
    let existing = match std::fs::read_to_string(file) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => bail!("cannot read {}: {e}", file.display()),
    };
    let shown = file.display().to_string();
    let (text, entries) = palisade_policy::baseline::write(
        &report.findings,
        &shown,
        existing.as_deref(),
        jiff::ZonedDateTime::now().date(),
        expires,
    )?;
    std::fs::write(file, text).with_context(|| format!("cannot write {shown}"))?;
    eprintln!(
        "wrote {entries} exception{} to {shown}; scan with --baseline {shown} to fail only on new findings",
        if entries == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
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
    verdict_of(report, args.report.fail_on, args.allow_empty)
}

/// The exit code of a finished report, for `scan` and `node scan` alike.
pub fn verdict_of(report: &Report, fail_on: FailOn, allow_empty: bool) -> ExitCode {
    if !report.errors.is_empty() {
        return ExitCode::from(2);
    }
    // A scan that read nothing (an empty directory, links it could not
    // follow, `helm template` printing nothing) must not pass as a clean
    // one: kube-linter's `--fail-if-no-objects-found`, on by default here.
    if report.summary.documents == 0 && !allow_empty {
        return ExitCode::from(EXIT_NOTHING_SCANNED);
    }
    let Some(fail_on) = fail_on.threshold() else {
        return ExitCode::SUCCESS;
    };
    if report.blocking().any(|f| f.severity >= fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Scans and builds the finished report (compliance and exception notes
/// included), without writing it.
pub fn execute(args: &ScanArgs) -> Result<Report> {
    execute_scan(args).map(|(scan, _)| scan.report)
}

/// [`execute`], with every resource read (file, resource) and the
/// configured run (configuration and policy version) for `--record`.
pub fn execute_scan(args: &ScanArgs) -> Result<(Scan, Configured)> {
    let configured = Configured::new(args.config.as_deref(), &policy_request(args)?)?;
    let options = ScanOptions {
        paths: args.paths.clone(),
        exclude: args.exclude.clone(),
        limits: Limits {
            max_file_bytes: args.max_file_size,
            ..Limits::default()
        },
        images: ImageOptions {
            cache: image_cache(args),
            ..ImageOptions::default()
        },
        parse_only: args.parse_only,
        keep_resources: args.record.record,
    };
    let plan = Plan::new(&options)?;
    let progress = progress_bar(args, plan.len());
    let scan = plan.run(&configured.built.policy, &options, || progress.inc(1));
    progress.finish_and_clear();
    Ok((scan, configured))
}

/// The layer cache: `--image-cache DIR`, else the user's cache folder;
/// none with `--no-image-cache`.
fn image_cache(args: &ScanArgs) -> Option<LayerCache> {
    if args.no_image_cache {
        return None;
    }
    let mut cache = match &args.image_cache {
        Some(dir) => LayerCache {
            dir: dir.clone(),
            max_bytes: 0,
        },
        None => LayerCache::default_place()?,
    };
    cache.max_bytes = args.image_cache_size.saturating_mul(1024 * 1024);
    Some(cache)
}

/// What the scan's flags ask of the policy set.
fn policy_request(args: &ScanArgs) -> Result<PolicyRequest> {
    Ok(PolicyRequest {
        frameworks: args.framework.clone(),
        controls: args.control.clone(),
        policies: policy_sources(&args.policy),
        allowed_digests: args.allowed_digests.clone(),
        no_annotation_waivers: args.no_annotation_waivers,
        no_builtins: args.no_builtins,
        combine: args.combine,
        baseline: args.baseline.clone(),
    })
}

/// The command line's policy options (bundle references among the paths
/// are pulled and verified by the policy set's builder).
pub fn policy_sources(args: &crate::cli::PolicyArgs) -> PolicySources {
    PolicySources {
        paths: args.policies.clone(),
        data: args.data.clone(),
        namespaces: args.namespaces.clone(),
        all_namespaces: args.all_namespaces,
        keys: args.policy_keys.clone(),
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

/// Writes `report` as `args` ask: format, file or standard output, colour.
pub fn write_report(args: &ReportArgs, report: &Report) -> Result<()> {
    // `--severity` filters what is written, not what fails the run (the
    // verdict is already known).
    let filtered;
    let report = if args.severity.is_empty() {
        report
    } else {
        filtered = report.with_severities(&args.severity);
        &filtered
    };
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
        Format::Text => palisade_report::write_text(
            report,
            TextOptions {
                color,
                quiet: args.quiet,
            },
            &mut out,
        )?,
        Format::Json => palisade_report::write_json(report, &mut out)?,
        Format::Sarif => palisade_report::write_sarif(report, &mut out)?,
        Format::Junit => palisade_report::write_junit(report, &mut out)?,
        Format::Github => palisade_report::write_github(report, &mut out)?,
        Format::Html => palisade_report::write_html(report, &mut out)?,
    }
    out.flush()?;
    Ok(())
}
