//! `palisade scan --record`: one audit event per scanned resource, with its
//! findings and waivers, written to the audit log after the report.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use palisade_audit::{
    AuditFinding, AuditLog, Decision, Event, PolicyVersion, Resource, Source, Timestamp,
    WriterOptions,
};
use palisade_model::{Finding, ResourceRef, Severity};
use palisade_policy::Config;
use palisade_report::Report;

use super::scan::Scanned;
use crate::cli::ScanArgs;

pub fn record_scan(args: &ScanArgs, report: &Report, resources: &[Scanned]) -> Result<()> {
    let policy_version = policy_version(args, report)?;
    let time = Timestamp::now();

    // Findings per (file, resource); every resource read gets an event,
    // with findings or without.
    let mut order: Vec<(Arc<str>, ResourceRef)> = Vec::new();
    let mut findings: HashMap<(Arc<str>, ResourceRef), Vec<&Finding>> = HashMap::new();
    for key in resources {
        if !findings.contains_key(key) {
            findings.insert(key.clone(), Vec::new());
            order.push(key.clone());
        }
    }
    for f in &report.findings {
        let key = (f.location.file.clone(), f.resource.clone());
        let list = findings.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            Vec::new()
        });
        list.push(f);
    }
    let events: Vec<Event> = order
        .iter()
        .map(|key| {
            let list = findings.get(key).map(Vec::as_slice).unwrap_or_default();
            Event {
                time,
                source: Source::Scan {
                    file: key.0.to_string(),
                },
                resource: Resource::from(&key.1),
                decision: decision(list, args.fail_on),
                reason: None,
                findings: list.iter().map(|f| AuditFinding::from(*f)).collect(),
                policy_version: policy_version.clone(),
                palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
            }
        })
        .collect();

    let config = super::scan::load_config(args.config.as_deref())?;
    let url = super::audit::db_url(&args.record.db, Some(&config.audit()?))?;
    let options = WriterOptions {
        chain: args.record.audit_chain.clone(),
        ..WriterOptions::default()
    };
    let count = events.len();
    let shown = palisade_audit::redact_url(&url);
    let (first, last) = super::audit::runtime()?.block_on(async move {
        let recorder = AuditLog::open(&url, options).await.with_context(|| {
            format!(
                "cannot open the audit log {}",
                palisade_audit::redact_url(&url)
            )
        })?;
        let mut receipts = Vec::with_capacity(events.len());
        for event in events {
            receipts.push(recorder.record_waiting(event).await?);
        }
        let mut first = None;
        let mut last = None;
        for receipt in receipts {
            let at = receipt.committed().await?;
            first.get_or_insert(at.seq);
            last = Some(at.seq);
        }
        recorder.shutdown().await?;
        Ok::<_, anyhow::Error>((first, last))
    })?;
    match (first, last) {
        (Some(a), Some(b)) => eprintln!(
            "recorded {count} audit events ({}#{a}..#{b}) in {}",
            args.record.audit_chain, shown
        ),
        _ => eprintln!("no resource scanned: nothing recorded"),
    }
    Ok(())
}

/// Denied when an unwaived finding would fail the scan, warned when
/// unwaived findings stay below `--fail-on`, allowed otherwise.
fn decision(findings: &[&Finding], fail_on: Severity) -> Decision {
    let unwaived = || findings.iter().filter(|f| f.waiver.is_none());
    if unwaived().any(|f| f.severity >= fail_on) {
        Decision::Denied
    } else if unwaived().next().is_some() {
        Decision::Warned
    } else {
        Decision::Allowed
    }
}

/// What decided: the Palisade version (which fixes the embedded packs and
/// controls), the configuration's text, the selection on the command line,
/// the allowed digests, and every user policy and data document.
fn policy_version(args: &ScanArgs, report: &Report) -> Result<String> {
    let mut v = PolicyVersion::new();
    v.part("palisade", env!("CARGO_PKG_VERSION").as_bytes());
    let config = args
        .config
        .clone()
        .or_else(|| Some(Path::new(Config::FILE_NAME).to_owned()).filter(|p| p.is_file()));
    if let Some(path) = config {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        v.part("config", &bytes);
    }
    if let Some(path) = &args.allowed_digests {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        v.part("allowed-digests", &bytes);
    }
    for framework in &args.framework {
        v.part("framework", framework.as_bytes());
    }
    for control in &report.controls {
        v.part("control", control.id.as_bytes());
    }
    let config = super::scan::load_config(args.config.as_deref())?;
    let from_config = config.policy_sources();
    let paths: Vec<_> = from_config
        .paths
        .into_iter()
        .chain(args.policy.policies.iter().cloned())
        .collect();
    let data: Vec<_> = from_config
        .data
        .into_iter()
        .chain(args.policy.data.iter().cloned())
        .collect();
    if !paths.is_empty() {
        // The scan loaded these already: they read again without error.
        if let Ok(sources) = palisade_rego::collect_sources(&paths, &data) {
            for (label, content) in sources.fingerprint() {
                v.part(&label, content.as_bytes());
            }
        }
    }
    Ok(v.finish())
}
