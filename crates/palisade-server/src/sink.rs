//! Where admission decisions are recorded. [`AuditSink::record`] enqueues
//! and returns a [`Durable`] future that the request awaits (within its
//! deadline) before the response is sent: the audit log
//! ([`crate::audit_sink::AuditLogSink`]) resolves it once the event is
//! committed; [`LogSink`] only logs and resolves at once.

use std::future::Future;
use std::pin::Pin;

use palisade_model::{Finding, ResourceRef};
use palisade_policy::Mode;

use palisade_audit::FindingAction;

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
    /// The groups of who asked.
    pub groups: &'a [String],
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
    pub findings: Vec<(&'a Finding, Mode, FindingAction)>,
    /// Controls whose safe defaults the mutation set.
    pub mutated: Vec<&'static str>,
    /// The version of the policy set that decided.
    pub policy_version: &'a str,
    /// Whether the caller proved it is the API server (a client
    /// certificate verified against `admission.client-ca`).
    pub authenticated: bool,
}

/// Why a decision could not be made durable in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// Not accepted (queue full, store down, shut down): it will not be
    /// written.
    #[error("the audit log did not accept the event: {0}")]
    Refused(String),
    /// Accepted, but its commit failed for now; the writer retries it.
    #[error("the audit log has not committed the event: {0}")]
    NotCommitted(String),
}

/// Resolves once the recorded event is durable.
pub type Durable = Pin<Box<dyn Future<Output = Result<(), SinkError>> + Send>>;

/// A [`Durable`] that is already resolved.
pub fn done() -> Durable {
    Box::pin(std::future::ready(Ok(())))
}

/// Receives every admission decision. Called on the request path (on an
/// async worker or a blocking thread): queue, do not block; the caller
/// awaits the returned future.
pub trait AuditSink: Send + Sync + 'static {
    /// Records one decision.
    fn record(&self, event: &AdmissionEvent<'_>) -> Durable;

    /// Commits everything accepted (called once the server stopped
    /// serving).
    fn shutdown(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(std::future::ready(()))
    }
}

/// Logs decisions that matter (denials, failures, audit-mode findings,
/// mutations) at info level, the rest at debug.
#[derive(Debug, Default)]
pub struct LogSink;

impl AuditSink for LogSink {
    fn record(&self, event: &AdmissionEvent<'_>) -> Durable {
        self.log(event);
        done()
    }
}

impl LogSink {
    /// Logs one decision.
    pub fn log(&self, event: &AdmissionEvent<'_>) {
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
                .any(|(_, _, v)| matches!(v, FindingAction::Audited | FindingAction::Waived));
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
