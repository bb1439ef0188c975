//! `palisade scan --record`: one audit event per scanned resource, with its
//! findings and waivers, written to the audit log after the report.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use palisade_audit::{
    AuditFinding, AuditLog, Decision, Event, Resource, Source, Timestamp, WriterOptions,
};
use palisade_model::{Finding, ResourceRef};
use palisade_scan::{Scan, Scanned};

use super::Configured;
use crate::cli::{FailOn, RecordArgs};

/// Records the scan under the policy version of the run that made it (as
/// `palisade serve` computes it), in the audit log its configuration names.
pub fn record_scan(
    args: &RecordArgs,
    fail_on: FailOn,
    scan: &Scan,
    configured: &Configured,
) -> Result<()> {
    let time = Timestamp::now();
    let (report, resources): (_, &[Scanned]) = (&scan.report, &scan.resources);
    let policy_version = &configured.built.version;

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
    // A finding that points elsewhere than the file its resource was read
    // from (a node finding at a line of the kubelet's configuration) goes
    // to its resource's event.
    let read_from: HashMap<&ResourceRef, &Arc<str>> =
        resources.iter().map(|(file, r)| (r, file)).collect();
    for f in &report.findings {
        let mut key = (f.location.file.clone(), ResourceRef::clone(&f.resource));
        if !findings.contains_key(&key)
            && let Some(file) = read_from.get(&*f.resource)
        {
            key.0 = Arc::clone(file);
        }
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
                decision: decision(list, fail_on),
                reason: None,
                findings: list.iter().map(|f| AuditFinding::from(*f)).collect(),
                policy_version: policy_version.clone(),
                palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
            }
        })
        .collect();

    let count = events.len();
    match append(&args.db, &args.audit_chain, configured, events)? {
        Some(Appended { first, last, log }) => eprintln!(
            "recorded {count} audit events ({}#{first}..#{last}) in {log}",
            args.audit_chain
        ),
        None => eprintln!("no resource scanned: nothing recorded"),
    }
    Ok(())
}

/// Where recorded events landed: their chain's first and last sequence
/// numbers, and the log (its URL without a password).
pub(crate) struct Appended {
    pub first: i64,
    pub last: i64,
    pub log: String,
}

/// Writes `events` to `chain` of the audit log the flags or the
/// configuration name, and waits until each is committed.
pub(crate) fn append(
    db: &crate::cli::AuditDbArgs,
    chain: &str,
    configured: &Configured,
    events: Vec<Event>,
) -> Result<Option<Appended>> {
    let settings = configured.discovered.config.audit()?;
    let url = super::audit::db_url(db, Some(&settings))?;
    let options = WriterOptions {
        chain: chain.to_owned(),
        ..WriterOptions::default()
    };
    let log = palisade_audit::redact_url(&url);
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
    Ok(first
        .zip(last)
        .map(|(first, last)| Appended { first, last, log }))
}

/// Denied when an unwaived finding would fail the scan, warned when
/// unwaived findings stay below `--fail-on`, allowed otherwise.
pub(crate) fn decision(findings: &[&Finding], fail_on: FailOn) -> Decision {
    let unwaived = || findings.iter().filter(|f| f.waiver.is_none());
    if let Some(fail_on) = fail_on.threshold()
        && unwaived().any(|f| f.severity >= fail_on)
    {
        Decision::Denied
    } else if unwaived().next().is_some() {
        Decision::Warned
    } else {
        Decision::Allowed
    }
}
