//! Where admission decisions are recorded. Audit-mode findings are allowed
//! but must leave a trace; the audit log (issue #7) implements
//! [`AuditSink`] and is handed to [`crate::Options::sink`]. Until then,
//! [`LogSink`] writes them to the log.

use palisade_model::{Finding, ResourceRef};
use palisade_policy::Mode;

use crate::decide::Verdict;

/// One admission decision, as recorded.
#[derive(Debug)]
pub struct AdmissionEvent<'a> {
    /// The request's uid.
    pub uid: &'a str,
    /// `validate` or `mutate`.
    pub endpoint: &'static str,
    /// `CREATE`, `UPDATE`, ...
    pub operation: &'static str,
    /// Who asked.
    pub user: &'a str,
    /// The object.
    pub resource: &'a ResourceRef,
    /// A dry run: evaluated, but nothing is stored, so it is not a change.
    pub dry_run: bool,
    /// The answer.
    pub allowed: bool,
    /// Why the object was not evaluated (exempt, operation, terminating...).
    pub skipped: Option<&'a str>,
    /// Why the object could not be evaluated (the failure mode answered).
    pub failure: Option<&'a str>,
    /// Every finding with the mode it took and what it did.
    pub findings: Vec<(&'a Finding, Mode, Verdict)>,
    /// Controls whose safe defaults the mutation set.
    pub mutated: Vec<&'static str>,
}

/// Receives every admission decision. Called on the request path (from a
/// blocking worker thread): queue, do not block.
pub trait AuditSink: Send + Sync + 'static {
    /// Records one decision.
    fn record(&self, event: &AdmissionEvent<'_>);
}

/// Logs decisions that matter (denials, failures, audit-mode findings,
/// mutations) at info level, the rest at debug.
#[derive(Debug, Default)]
pub struct LogSink;

impl AuditSink for LogSink {
    fn record(&self, event: &AdmissionEvent<'_>) {
        let mut findings: Vec<String> = Vec::new();
        for (f, mode, verdict) in &event.findings {
            let entry = format!("{}={}/{}", f.control, mode, verdict.as_str());
            if !findings.contains(&entry) {
                findings.push(entry);
            }
        }
        let notable = !event.allowed
            || event.failure.is_some()
            || !event.mutated.is_empty()
            || event
                .findings
                .iter()
                .any(|(_, _, v)| matches!(v, Verdict::Audited | Verdict::Waived));
        if notable {
            tracing::info!(
                uid = event.uid,
                endpoint = event.endpoint,
                operation = event.operation,
                user = event.user,
                resource = %event.resource.display_name(),
                dry_run = event.dry_run,
                allowed = event.allowed,
                failure = event.failure,
                findings = %findings.join(","),
                mutated = %event.mutated.join(","),
                "admission decision"
            );
        } else {
            tracing::debug!(
                uid = event.uid,
                endpoint = event.endpoint,
                resource = %event.resource.display_name(),
                allowed = event.allowed,
                skipped = event.skipped,
                "admission decision"
            );
        }
    }
}
