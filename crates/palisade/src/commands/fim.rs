//! `palisade fim baseline|compare|accept|watch`: file-integrity monitoring
//! of a host (`palisade-load/src/integrity/` reads and compares, the
//! `file-integrity-*` controls judge). Every command is an audit event of
//! source `node` about `FileIntegrity/<host>`; a baseline's digest is
//! anchored by its event, and a compare or an approval refuses a baseline
//! file whose digest is not the one the log anchored last.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use palisade_audit::{
    AuditFinding, AuditWaiver, Decision, Event, IntegrityVerdict, Reader, Resource, Source,
    Timestamp,
};
use palisade_load::host::HostRoot;
use palisade_load::integrity::{self, Approval, Baseline, Change, Pace, Profile};
use palisade_model::ResourceRef;
use palisade_policy::PolicyRequest;
use palisade_scan::ScanOptions;

use super::Configured;
use super::record::{Appended, append};
use crate::cli::{
    FimAcceptArgs, FimArgs, FimBaselineArgs, FimCompareArgs, FimStatusArgs, FimWatchArgs,
    ListFormat,
};

/// The file-integrity controls, run when no framework is asked for.
const CONTROLS: &[&str] = &[
    "file-integrity-content-changed",
    "file-integrity-permissions-changed",
    "file-integrity-file-added",
    "file-integrity-file-removed",
    "file-integrity-unreadable",
];

pub fn baseline(args: &FimBaselineArgs) -> Result<ExitCode> {
    let fim = &args.fim;
    let root = host_root(&fim.root)?;
    let profile = Profile::named(&args.profile)?;
    if fim.baseline.exists() && !args.replace {
        bail!(
            "{}: a baseline is already there: approve changes with `palisade fim accept`, or take a new one with --replace",
            fim.baseline.display()
        );
    }
    // The log, not the file, says which baseline this one replaces: a
    // baseline file that went missing is restored, never silently replaced
    // by one that takes in whatever changed since.
    let previous = anchor_of(fim)?.map(|(_, digest)| digest);
    if let Some(anchored) = &previous
        && !args.replace
    {
        bail!(
            "{}: no baseline file, but the audit log anchors one for this host ({anchored}): restore the file, or take a new one with --replace (the event names the one replaced)",
            fim.baseline.display()
        );
    }
    let configured = configured(fim, &[])?;
    let host = host_of(fim, &root);
    let now = Timestamp::now();
    let (baseline, captured) = integrity::take(&root, &profile, &host, &now.to_string());
    for problem in &captured.problems {
        eprintln!("palisade: warning: {problem}");
    }
    if let Some(dir) = fim.baseline.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Written beside its place, anchored, then renamed into place: a
    // baseline file is never one the log does not anchor.
    let staged = baseline.stage(&fim.baseline)?;
    let digest = baseline.digest();
    let event = Event {
        time: now,
        source: Source::Node {
            host: host.clone(),
            action: "fim-baseline".to_owned(),
            baseline: digest.clone(),
            previous,
            user: current_user(),
        },
        resource: resource(&host),
        decision: Decision::Allowed,
        reason: Some(format!(
            "baseline of {} paths ({} bytes hashed) under {} with profile {} ({})",
            baseline.files.len(),
            captured.bytes_hashed,
            baseline.root,
            baseline.profile.name,
            baseline.profile.digest
        )),
        findings: Vec::new(),
        policy_version: configured.built.version.clone(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let at = record(fim, &configured, event)?;
    staged.commit()?;
    eprintln!(
        "palisade: baseline of {} paths under {} written to {} ({digest}), anchored as {at}",
        baseline.files.len(),
        root.dir().display(),
        fim.baseline.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn compare(args: &FimCompareArgs) -> Result<ExitCode> {
    compare_paced(args, Pace::default()).map(|compared| compared.verdict)
}

/// What a compare found, for the node agent's metrics.
pub(crate) struct Compared {
    pub verdict: ExitCode,
    /// Changes by kind (`added`, `modified`...), approved ones included.
    pub changes: BTreeMap<&'static str, usize>,
    /// Findings not waived, by control.
    pub findings: BTreeMap<String, usize>,
}

/// A compare that reads within `pace`.
pub(crate) fn compare_paced(args: &FimCompareArgs, pace: Pace) -> Result<Compared> {
    let fim = &args.fim;
    let root = host_root(&fim.root)?;
    let configured = configured(fim, &args.framework)?;
    let (baseline, host) = match anchored_baseline(fim, &root, &configured) {
        Ok(found) => found,
        Err(refused) => {
            record_refusal(fim, &root, &configured, &refused);
            return Err(refused);
        }
    };
    let now = Timestamp::now();
    let check = integrity::check_paced(&root, &baseline, &host, &today(now), pace)?;
    let mut changes: BTreeMap<&'static str, usize> = BTreeMap::new();
    for change in &check.changes {
        *changes.entry(change.kind.as_str()).or_default() += 1;
    }
    let scan = palisade_scan::scan_integrity(
        &configured.built.policy,
        check.clone(),
        &ScanOptions::default(),
    );
    let report = &scan.report;
    let verdict = super::scan::verdict_of(report, args.report.fail_on, true);
    let written = super::scan::write_report(&args.report, report);
    let findings: Vec<&palisade_model::Finding> = report.findings.iter().collect();
    let approved = check
        .changes
        .iter()
        .filter(|c| c.approval.is_some())
        .count();
    let event = Event {
        time: now,
        source: Source::Node {
            host: host.clone(),
            action: "fim-compare".to_owned(),
            baseline: baseline.digest(),
            previous: None,
            user: current_user(),
        },
        resource: resource(&host),
        decision: super::record::decision(&findings, args.report.fail_on),
        reason: Some(format!(
            "compared {} paths with the baseline taken at {}: {} changes ({approved} approved)",
            check.files,
            baseline.taken_at,
            check.changes.len()
        )),
        findings: findings.iter().map(|f| AuditFinding::from(*f)).collect(),
        policy_version: configured.built.version.clone(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let unwaived = report.unwaived_by_control();
    let at = record(fim, &configured, event)?;
    if !args.report.quiet {
        eprintln!("palisade: recorded the compare as {at}");
    }
    Ok(Compared {
        verdict: super::finish(verdict, written)?,
        changes,
        findings: unwaived,
    })
}

pub fn accept(args: &FimAcceptArgs) -> Result<ExitCode> {
    let fim = &args.fim;
    if !args.all && args.paths.is_empty() {
        bail!("name the changed paths to approve, or --all");
    }
    if args.reason.trim().is_empty() {
        bail!("--reason: say why the change is right");
    }
    let root = host_root(&fim.root)?;
    let configured = configured(fim, &[])?;
    let (mut baseline, host) = anchored_baseline(fim, &root, &configured)?;
    let now = Timestamp::now();
    let today = today(now);
    if let Some(until) = &args.until {
        if !is_date(until) {
            bail!("--until {until}: not a date (YYYY-MM-DD)");
        }
        if until.as_str() < today.as_str() {
            bail!("--until {until}: that day has passed");
        }
    }
    let check = integrity::check(&root, &baseline, &host, &today)?;
    let chosen = chosen_changes(&check.changes, args)?;
    let by = args.by.clone().unwrap_or_else(current_user);
    let owner = args.owner.clone().unwrap_or_else(|| by.clone());
    let previous = baseline.digest();
    let approved: BTreeSet<&str> = chosen.iter().map(|c| c.path.as_str()).collect();
    match &args.until {
        Some(until) => baseline.approvals.extend(chosen.iter().map(|c| Approval {
            path: c.path.clone(),
            state: c.now.clone(),
            owner: owner.clone(),
            reason: args.reason.clone(),
            ticket: args.ticket.clone(),
            expires: until.clone(),
            approved_by: by.clone(),
            approved_at: now.to_string(),
        })),
        None => {
            // The new states become the expected ones; their exceptions
            // are no longer needed.
            baseline
                .files
                .retain(|f| !approved.contains(f.path.as_str()));
            baseline
                .files
                .extend(chosen.iter().filter_map(|c| c.now.clone()));
            baseline.files.sort_by(|a, b| a.path.cmp(&b.path));
            baseline
                .approvals
                .retain(|a| !approved.contains(a.path.as_str()));
        }
    }
    let scan = palisade_scan::scan_integrity(
        &configured.built.policy,
        check.clone(),
        &ScanOptions::default(),
    );
    let waiver = AuditWaiver {
        justification: args.reason.clone(),
        owner: Some(owner.clone()),
        ticket: args.ticket.clone(),
        expires: args.until.clone(),
        source: format!("palisade fim accept by {by}"),
    };
    let findings: Vec<AuditFinding> = scan
        .report
        .findings
        .iter()
        .filter(|f| approved.contains(&*f.location.file))
        .map(|f| AuditFinding {
            waiver: Some(waiver.clone()),
            ..AuditFinding::from(f)
        })
        .collect();
    let staged = baseline.stage(&fim.baseline)?;
    let digest = baseline.digest();
    let how = match &args.until {
        Some(until) => format!("until {until}"),
        None => "into the baseline".to_owned(),
    };
    let event = Event {
        time: now,
        source: Source::Node {
            host: host.clone(),
            action: "fim-accept".to_owned(),
            baseline: digest.clone(),
            previous: Some(previous),
            user: by.clone(),
        },
        resource: resource(&host),
        decision: Decision::Waived,
        reason: Some(format!(
            "{by} approved {} changes {how} (owner {owner}{}): {}",
            chosen.len(),
            args.ticket
                .as_ref()
                .map_or_else(String::new, |t| format!(", ticket {t}")),
            args.reason
        )),
        findings,
        policy_version: configured.built.version.clone(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let at = record(fim, &configured, event)?;
    staged.commit()?;
    eprintln!(
        "palisade: approved {} changes {how}; {} is now {digest}, anchored as {at}",
        chosen.len(),
        fim.baseline.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn status(args: &FimStatusArgs) -> Result<ExitCode> {
    let within =
        Timestamp::parse_duration(&args.within).map_err(|e| anyhow::anyhow!("--within: {e}"))?;
    let discovered = super::discover(args.config.as_deref())?;
    let settings = discovered.config.audit()?;
    let url = super::audit::db_url(&args.db, Some(&settings))?;
    let shown = palisade_audit::redact_url(&url);
    let now = Timestamp::now();
    let hosts = super::audit::runtime()?.block_on(async {
        let reader = Reader::open(&url)
            .await
            .with_context(|| format!("cannot open the audit log {shown}"))?;
        reader
            .integrity_status(now, within)
            .await
            .with_context(|| format!("cannot read the audit log {shown}"))
    })?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &hosts)?;
            writeln!(out)?;
        }
        ListFormat::Markdown => {
            writeln!(
                out,
                "| host | verdict | newest compare | unapproved changes | baseline | evidence |\n|---|---|---|---:|---|---|"
            )?;
            for h in &hosts {
                let compared = h
                    .compared_at
                    .map_or_else(|| "never".to_owned(), |t| t.to_string());
                writeln!(
                    out,
                    "| {} | {} | {compared} | {} | `{}` (anchored {}) | {} |",
                    h.host.replace('|', "\\|"),
                    h.verdict.as_str(),
                    h.unapproved,
                    h.baseline,
                    h.anchored_at,
                    h.evidence
                )?;
            }
        }
        ListFormat::Text => {
            for h in &hosts {
                let compared = h
                    .compared_at
                    .map_or_else(|| "never compared".to_owned(), |t| format!("compared {t}"));
                writeln!(
                    out,
                    "{:8} {}  {compared}, {} unapproved  (baseline {} anchored {}; {})",
                    h.verdict.as_str(),
                    h.host,
                    h.unapproved,
                    h.baseline,
                    h.anchored_at,
                    h.evidence
                )?;
            }
            let passing = hosts
                .iter()
                .filter(|h| h.verdict == IntegrityVerdict::Pass)
                .count();
            writeln!(
                out,
                "{passing} of {} hosts compared within {} with every change approved",
                hosts.len(),
                args.within
            )?;
        }
    }
    if hosts.is_empty() {
        eprintln!("palisade: no host has a file-integrity baseline in {shown}");
        return Ok(ExitCode::from(1));
    }
    let all_pass = hosts.iter().all(|h| h.verdict == IntegrityVerdict::Pass);
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn watch(args: &FimWatchArgs) -> Result<ExitCode> {
    super::fim_watch::run(args, || compare(&args.compare))
}

/// The changes `args` approves: every one with `--all`, else those at the
/// paths named (each must be a change).
fn chosen_changes<'a>(changes: &'a [Change], args: &FimAcceptArgs) -> Result<Vec<&'a Change>> {
    if args.all {
        if changes.is_empty() {
            bail!("nothing changed since the baseline: nothing to approve");
        }
        return Ok(changes.iter().collect());
    }
    let mut chosen = Vec::new();
    for path in &args.paths {
        match changes.iter().find(|c| &c.path == path) {
            Some(change) => chosen.push(change),
            None => bail!("{path}: no change to approve there (the compare finds none)"),
        }
    }
    Ok(chosen)
}

/// A compare refused (a baseline not as anchored, of another host, or with
/// no anchor) is an event too, `denied`, so that `fim status` and the
/// dashboard see it at once. Recording it is best effort: the refusal is
/// the command's error either way.
fn record_refusal(
    fim: &FimArgs,
    root: &HostRoot,
    configured: &Configured,
    refused: &anyhow::Error,
) {
    let host = host_of(fim, root);
    let digest = Baseline::read(&fim.baseline)
        .map(|b| b.digest())
        .unwrap_or_else(|_| "unreadable".to_owned());
    let event = Event {
        time: Timestamp::now(),
        source: Source::Node {
            host: host.clone(),
            action: "fim-compare".to_owned(),
            baseline: digest,
            previous: None,
            user: current_user(),
        },
        resource: resource(&host),
        decision: Decision::Denied,
        reason: Some(format!("refused: {refused:#}")),
        findings: Vec::new(),
        policy_version: configured.built.version.clone(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    if let Err(e) = record(fim, configured, event) {
        eprintln!("palisade: warning: the refused compare was not recorded: {e:#}");
    }
}

/// The host's name: `--host`, else the root's `/etc/hostname`.
fn host_of(fim: &FimArgs, root: &HostRoot) -> String {
    fim.host
        .clone()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| integrity::host_name(root))
}

/// The host's anchored baseline digest, if the log has one: (host, digest).
pub(crate) fn anchor_of(fim: &FimArgs) -> Result<Option<(String, String)>> {
    let root = host_root(&fim.root)?;
    let host = host_of(fim, &root);
    let configured = configured(fim, &[])?;
    let settings = configured.discovered.config.audit()?;
    let url = super::audit::db_url(&fim.db, Some(&settings))?;
    let shown = palisade_audit::redact_url(&url);
    let anchor = super::audit::runtime()?.block_on(async {
        let store = palisade_audit::AnyStore::open(&url)
            .await
            .with_context(|| format!("cannot open the audit log {shown}"))?;
        Reader::new(store)
            .integrity_anchor(&host)
            .await
            .with_context(|| format!("cannot read the audit log {shown}"))
    })?;
    Ok(anchor.and_then(|a| match a.event.source {
        Source::Node { baseline, .. } => Some((host, baseline)),
        _ => None,
    }))
}

/// The baseline file, read, checked to be the host's and to be the one the
/// audit log anchored last; and the host's name.
fn anchored_baseline(
    fim: &FimArgs,
    root: &HostRoot,
    configured: &Configured,
) -> Result<(Baseline, String)> {
    let baseline = Baseline::read(&fim.baseline)?;
    let host = host_of(fim, root);
    if baseline.host != host {
        bail!(
            "{}: a baseline of {}, not of this host ({host})",
            fim.baseline.display(),
            baseline.host
        );
    }
    let digest = baseline.digest();
    let settings = configured.discovered.config.audit()?;
    let url = super::audit::db_url(&fim.db, Some(&settings))?;
    let shown = palisade_audit::redact_url(&url);
    let anchor = super::audit::runtime()?.block_on(async {
        let reader = Reader::open(&url)
            .await
            .with_context(|| format!("cannot open the audit log {shown}"))?;
        reader
            .integrity_anchor(&host)
            .await
            .with_context(|| format!("cannot read the audit log {shown}"))
    })?;
    let Some(anchor) = anchor else {
        bail!(
            "no baseline of {host} is anchored in the audit log {shown}: a baseline the log does not vouch for proves nothing; take one with `palisade fim baseline`"
        );
    };
    let Source::Node {
        baseline: anchored, ..
    } = &anchor.event.source
    else {
        bail!(
            "the audit log's anchor {}#{} is not a node event",
            anchor.chain,
            anchor.seq
        );
    };
    if *anchored != digest {
        bail!(
            "{}: its digest {digest} is not the one the audit log anchored last for {host} ({anchored}, {}#{} at {}): the file was replaced or edited outside Palisade; restore it, or take a new baseline with `palisade fim baseline --replace`",
            fim.baseline.display(),
            anchor.chain,
            anchor.seq,
            anchor.event.time
        );
    }
    Ok((baseline, host))
}

/// The configuration, with the file-integrity controls (and `frameworks`'
/// for their compliance summary).
fn configured(fim: &FimArgs, frameworks: &[String]) -> Result<Configured> {
    let request = PolicyRequest {
        frameworks: frameworks.to_vec(),
        controls: CONTROLS.iter().map(|c| (*c).to_owned()).collect(),
        ..PolicyRequest::default()
    };
    Configured::new(fim.config.as_deref(), &request)
}

/// Records one event and says where it landed.
fn record(fim: &FimArgs, configured: &Configured, event: Event) -> Result<String> {
    match append(&fim.db, &fim.audit_chain, configured, vec![event])? {
        Some(Appended { first, log, .. }) => Ok(format!("{}#{first} in {log}", fim.audit_chain)),
        None => bail!("the audit log recorded nothing"),
    }
}

fn host_root(root: &Path) -> Result<HostRoot> {
    if !root.is_dir() {
        bail!("--root {}: not a folder", root.display());
    }
    Ok(HostRoot::new(root))
}

fn resource(host: &str) -> Resource {
    Resource::from(&ResourceRef::outside_kubernetes(
        palisade_audit::INTEGRITY_KIND,
        host,
    ))
}

/// Who runs the command: the user `sudo` ran it for, else the login name,
/// else the process's user ID (the owner of `/proc/self`).
fn current_user() -> String {
    use std::os::unix::fs::MetadataExt;
    ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .or_else(|| {
            std::fs::metadata("/proc/self")
                .ok()
                .map(|m| format!("uid {}", m.uid()))
        })
        .unwrap_or_else(|| "unknown user".to_owned())
}

/// `YYYY-MM-DD` of `now`, in UTC.
fn today(now: Timestamp) -> String {
    now.to_string().chars().take(10).collect()
}

fn is_date(text: &str) -> bool {
    jiff::civil::Date::strptime("%Y-%m-%d", text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_checked() {
        assert!(is_date("2027-01-31"));
        assert!(!is_date("2027-02-30"));
        assert!(!is_date("tomorrow"));
        assert_eq!(
            today(Timestamp::from_millis(1_795_470_300_123)),
            "2026-11-23"
        );
    }

    #[test]
    fn the_controls_run_exist() {
        for id in CONTROLS {
            assert!(palisade_controls::registry::find(id).is_some(), "{id}");
        }
    }
}
