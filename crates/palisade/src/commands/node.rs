//! `palisade node collect` and `palisade node scan`: a host's node
//! components, as facts (`palisade-load/src/host/`) or judged by the node
//! controls (`palisade-controls/src/node/`) and reported as `scan` reports.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use palisade_load::Limits;
use palisade_load::host::{HostOptions, Reading, collect as collect_facts};
use palisade_policy::{PolicyRequest, PolicySources};
use palisade_scan::ScanOptions;

use super::Configured;
use crate::cli::{Compat, HostArgs, NodeCollectArgs, NodeScanArgs};

pub fn collect(args: &NodeCollectArgs) -> Result<ExitCode> {
    let facts = collect_facts(&host_options(&args.host)?);
    let mut json = serde_json::to_string_pretty(&facts)?;
    json.push('\n');
    if args.output.as_os_str() == "-" {
        std::io::stdout().lock().write_all(json.as_bytes())?;
    } else {
        std::fs::write(&args.output, json)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scan(args: &NodeScanArgs) -> Result<ExitCode> {
    let Some(every) = args.every else {
        return scan_once(args);
    };
    // The node agent: scan, report, wait, forever. One scan's failure is
    // reported and the next one still runs.
    loop {
        if let Err(error) = scan_once(args) {
            eprintln!("palisade: node scan failed: {error:#}");
        }
        std::thread::sleep(std::time::Duration::from_secs(every));
    }
}

fn scan_once(args: &NodeScanArgs) -> Result<ExitCode> {
    scan_counted(args).map(|(verdict, _)| verdict)
}

/// One node scan: its exit code, and its findings not waived, by control
/// (the node agent's metrics).
pub(crate) fn scan_counted(args: &NodeScanArgs) -> Result<(ExitCode, BTreeMap<String, usize>)> {
    if args.host.compat.is_some() && args.record.record {
        // The audit log is evidence: it holds verdicts by the reading the
        // components run with, never another tool's.
        bail!(
            "--compat gives another tool's verdicts, which are not recorded as evidence: run without --compat to --record"
        );
    }
    let host = host_options(&args.host)?;
    let request = PolicyRequest {
        frameworks: args.framework.clone(),
        controls: args.control.clone(),
        policies: PolicySources::default(),
        allowed_digests: args.allowed_digests.clone(),
        ..PolicyRequest::default()
    };
    let configured = Configured::new(args.config.as_deref(), &request)?;
    let options = ScanOptions {
        keep_resources: args.record.record,
        ..ScanOptions::default()
    };
    let scan = palisade_scan::scan_host(&configured.built.policy, &host, &options);
    let report = &scan.report;
    let empty = report.summary.resources == 0;
    if empty {
        eprintln!(
            "warning: no node component Palisade judges (a kubelet, a control-plane component or a Docker daemon, running or configured) under {}{}",
            host.root.display(),
            if args.allow_empty {
                ""
            } else {
                "; exit 3 (--allow-empty accepts it)"
            }
        );
    }
    let verdict = if empty && !args.allow_empty && report.errors.is_empty() {
        ExitCode::from(super::scan::EXIT_NOTHING_SCANNED)
    } else {
        super::scan::verdict_of(report, args.report.fail_on, true)
    };
    let written = super::scan::write_report(&args.report, report);
    if args.record.record {
        super::record::record_scan(&args.record, args.report.fail_on, &scan, &configured)?;
    }
    let findings = report.unwaived_by_control();
    Ok((super::finish(verdict, written)?, findings))
}

/// The host `--root` and `--proc` name, checked to be folders.
fn host_options(args: &HostArgs) -> Result<HostOptions> {
    if !args.root.is_dir() {
        bail!("--root {}: not a folder", args.root.display());
    }
    if let Some(proc) = &args.proc
        && !proc.is_dir()
    {
        bail!("--proc {}: not a folder", proc.display());
    }
    Ok(HostOptions {
        root: args.root.clone(),
        proc: args.proc.clone(),
        limits: Limits::default(),
        reading: match args.compat {
            Some(Compat::KubeBench) => Reading::KubeBench,
            None => Reading::Palisade,
        },
    })
}
