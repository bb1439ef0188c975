//! The audit log as the webhook's [`AuditSink`]: every decision becomes an
//! [`Event`] (source `admission`) queued on the group-commit writer; the
//! returned [`Durable`] resolves when its transaction committed. Decisions
//! are logged too, as [`LogSink`] does.

use std::future::Future;
use std::pin::Pin;

use palisade_audit::{
    AuditFinding, Decision, Event, FindingAction, RecordError, Recorder, Resource, Source,
    Timestamp,
};

use crate::decide::Verdict;
use crate::sink::{AdmissionEvent, AuditSink, Durable, LogSink, SinkError};

/// Writes admission decisions to the audit log.
pub struct AuditLogSink {
    recorder: Recorder,
    log: LogSink,
}

impl AuditLogSink {
    pub fn new(recorder: Recorder) -> Self {
        AuditLogSink {
            recorder,
            log: LogSink,
        }
    }
}

impl AuditSink for AuditLogSink {
    fn record(&self, event: &AdmissionEvent<'_>) -> Durable {
        self.log.log(event);
        match self.recorder.record(to_event(event)) {
            Ok(receipt) => Box::pin(async move {
                match receipt.committed().await {
                    Ok(_) => Ok(()),
                    Err(e @ RecordError::Closed) => Err(SinkError::Refused(e.to_string())),
                    Err(e) => Err(SinkError::NotCommitted(e.to_string())),
                }
            }),
            Err(e) => Box::pin(std::future::ready(Err(SinkError::Refused(e.to_string())))),
        }
    }

    fn shutdown(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            match self.recorder.shutdown().await {
                Ok(report) if report.lost > 0 => tracing::error!(
                    lost = report.lost,
                    "audit events accepted but not committed before shutdown"
                ),
                Ok(report) => tracing::info!(committed = report.committed, "audit log flushed"),
                Err(e) => tracing::error!(error = %e, "audit log shutdown"),
            }
        })
    }
}

/// The event of one decision: denied when refused, else warned or audited
/// when a finding was, else allowed.
pub fn to_event(event: &AdmissionEvent<'_>) -> Event {
    let has = |v: Verdict| event.findings.iter().any(|(_, _, x)| *x == v);
    let decision = if !event.allowed {
        Decision::Denied
    } else if has(Verdict::Warned) {
        Decision::Warned
    } else if has(Verdict::Audited) {
        Decision::Audited
    } else {
        Decision::Allowed
    };
    let findings = event
        .findings
        .iter()
        .map(|(finding, _, verdict)| AuditFinding {
            action: Some(match verdict {
                Verdict::Denied => FindingAction::Denied,
                Verdict::Warned => FindingAction::Warned,
                Verdict::Audited => FindingAction::Audited,
                Verdict::Waived => FindingAction::Waived,
            }),
            ..AuditFinding::from(*finding)
        })
        .collect();
    Event {
        time: Timestamp::now(),
        source: Source::Admission {
            user: event.user.to_owned(),
            groups: event.groups.to_vec(),
            operation: event.operation.to_owned(),
            uid: event.uid.to_owned(),
            dry_run: event.dry_run,
            mutated: event.mutated.iter().map(|c| (*c).to_owned()).collect(),
        },
        resource: Resource::from(event.resource),
        decision,
        reason: event.failure.or(event.skipped).map(str::to_owned),
        findings,
        policy_version: event.policy_version.to_owned(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::ResourceRef;

    #[test]
    fn a_decision_becomes_an_admission_event() {
        let resource = ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("apps".into()),
            name: Some("web".into()),
        };
        let groups = vec!["system:authenticated".to_owned()];
        let mut decision = AdmissionEvent {
            uid: "u1",
            endpoint: "validate",
            operation: "CREATE",
            user: "alice",
            groups: &groups,
            resource: &resource,
            dry_run: true,
            allowed: true,
            skipped: Some("namespace apps is exempt"),
            failure: None,
            findings: Vec::new(),
            mutated: vec!["missing-seccomp-profile"],
            policy_version: "sha256:abc",
        };
        let event = to_event(&decision);
        assert_eq!(event.decision, Decision::Allowed);
        assert_eq!(event.reason.as_deref(), Some("namespace apps is exempt"));
        assert_eq!(event.policy_version, "sha256:abc");
        let Source::Admission {
            uid,
            dry_run,
            mutated,
            ..
        } = &event.source
        else {
            panic!("not an admission event");
        };
        assert_eq!((uid.as_str(), *dry_run), ("u1", true));
        assert_eq!(mutated, &vec!["missing-seccomp-profile".to_owned()]);

        decision.allowed = false;
        decision.failure = Some("no object");
        let event = to_event(&decision);
        assert_eq!(event.decision, Decision::Denied);
        assert_eq!(event.reason.as_deref(), Some("no object"));
    }
}
