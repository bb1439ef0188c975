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
use palisade_model::Finding;

use crate::decide::Endpoint;
use crate::sink::{AdmissionEvent, AuditSink, Durable, LogSink, SinkError};

/// Writes admission decisions to the audit log.
pub struct AuditLogSink {
    recorder: Recorder,
    log: LogSink,
    floor: Option<FreeSpaceFloor>,
}

/// A folder whose volume must keep some space free: a full volume fails
/// every write (and an `emptyDir` over its limit is evicted with the whole
/// log), so the sink stops short of it and the failure mode answers.
#[derive(Debug, Clone)]
pub struct FreeSpaceFloor {
    /// The folder of the SQLite file.
    pub dir: std::path::PathBuf,
    /// Bytes that must stay free.
    pub bytes: u64,
}

impl FreeSpaceFloor {
    /// The floor for an audit log URL: only a SQLite file has a local
    /// volume to watch.
    pub fn for_url(url: &str, bytes: u64) -> Option<FreeSpaceFloor> {
        let path = std::path::Path::new(url.strip_prefix("sqlite://")?);
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        Some(FreeSpaceFloor { dir, bytes })
    }

    /// Why nothing may be written now, if so.
    pub fn breached(&self) -> Option<String> {
        let stat = match rustix::fs::statvfs(&self.dir) {
            Ok(stat) => stat,
            Err(e) => {
                return Some(format!(
                    "cannot read the free space of {}: {e}",
                    self.dir.display()
                ));
            }
        };
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        (free < self.bytes).then(|| {
            format!(
                "{} has {} MiB free, below the floor of {} MiB",
                self.dir.display(),
                free / (1024 * 1024),
                self.bytes / (1024 * 1024)
            )
        })
    }
}

impl AuditLogSink {
    pub fn new(recorder: Recorder) -> Self {
        AuditLogSink {
            recorder,
            log: LogSink,
            floor: None,
        }
    }

    /// Refuses events while the log's volume is below `floor`.
    pub fn with_floor(mut self, floor: Option<FreeSpaceFloor>) -> Self {
        self.floor = floor;
        self
    }
}

impl AuditSink for AuditLogSink {
    fn record(&self, event: &AdmissionEvent<'_>) -> Durable {
        self.log.log(event);
        if let Some(reason) = self.floor.as_ref().and_then(FreeSpaceFloor::breached) {
            return Box::pin(std::future::ready(Err(SinkError::Refused(reason))));
        }
        let decision = to_event(event);
        let mut receipts = Vec::new();
        // The waivers first: the decision they shaped is answered only
        // when they are recorded too.
        for recorded in annotation_waiver_events(event, &decision).chain([decision.clone()]) {
            match self.recorder.record(recorded) {
                Ok(receipt) => receipts.push(receipt),
                Err(e) => {
                    return Box::pin(std::future::ready(Err(SinkError::Refused(e.to_string()))));
                }
            }
        }
        Box::pin(async move {
            for receipt in receipts {
                match receipt.committed().await {
                    Ok(_) => {}
                    Err(e @ RecordError::Closed) => return Err(SinkError::Refused(e.to_string())),
                    Err(e) => return Err(SinkError::NotCommitted(e.to_string())),
                }
            }
            Ok(())
        })
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
/// when a finding was, else allowed. A `/mutate` call that was answered
/// (the failure mode may deny it) is no admission decision: `mutated` when
/// it set defaults, else `unchanged`, so that summaries and
/// `--decision allowed` count `/validate`'s decisions only.
pub fn to_event(event: &AdmissionEvent<'_>) -> Event {
    let has = |v: FindingAction| event.findings.iter().any(|(_, _, x)| *x == v);
    let decision = if !event.allowed {
        Decision::Denied
    } else if event.endpoint == Endpoint::Mutate.as_str() {
        if event.mutated.is_empty() {
            Decision::Unchanged
        } else {
            Decision::Mutated
        }
    } else if has(FindingAction::Warned) {
        Decision::Warned
    } else if has(FindingAction::Audited) {
        Decision::Audited
    } else {
        Decision::Allowed
    };
    let mut cut = Cut::default();
    let findings = event
        .findings
        .iter()
        .take(limits::FINDINGS)
        .map(|(finding, _, verdict)| {
            let mut recorded = AuditFinding {
                action: Some(*verdict),
                ..AuditFinding::from(*finding)
            };
            recorded.message = cut.text("message", &recorded.message, limits::TEXT);
            if let Some(waiver) = &mut recorded.waiver {
                waiver.justification =
                    cut.text("justification", &waiver.justification, limits::TEXT);
                waiver.owner = waiver
                    .owner
                    .as_deref()
                    .map(|o| cut.text("owner", o, limits::NAME));
            }
            recorded
        })
        .collect();
    if event.findings.len() > limits::FINDINGS {
        cut.mark("findings");
    }
    let groups = event
        .groups
        .iter()
        .take(limits::GROUPS)
        .map(|g| cut.text("groups", g, limits::NAME))
        .collect();
    if event.groups.len() > limits::GROUPS {
        cut.mark("groups");
    }
    let user = cut.text("user", event.user, limits::NAME);
    let uid = cut.text("uid", event.uid, limits::NAME);
    let reason = event
        .failure
        .or(event.skipped)
        .map(|r| cut.text("reason", r, limits::TEXT));
    let source = Source::Admission {
        user,
        groups,
        operation: event.operation.to_owned(),
        uid,
        dry_run: event.dry_run,
        mutated: event.mutated.iter().map(|c| (*c).to_owned()).collect(),
        endpoint: Some(event.endpoint.to_owned()),
        authenticated: event.authenticated,
        truncated: cut.0,
    };
    Event {
        time: Timestamp::now(),
        source,
        resource: Resource::from(event.resource),
        decision,
        reason,
        findings,
        policy_version: event.policy_version.to_owned(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// One event of decision `waived` for each control the requester waived
/// with an annotation: the same request and resource as `decision`, the
/// findings it set aside (within the event limits) and the annotation's
/// text as the reason. Read from the request's findings, not from
/// `decision`'s, which may have been cut before a waived one.
pub fn annotation_waiver_events<'a>(
    event: &'a AdmissionEvent<'_>,
    decision: &'a Event,
) -> impl Iterator<Item = Event> + 'a {
    let by_annotation = |finding: &Finding| {
        finding
            .waiver
            .as_ref()
            .is_some_and(|w| palisade_policy::exceptions::is_annotation_source(&w.source))
    };
    let mut controls: Vec<&'static str> = Vec::new();
    for (finding, _, verdict) in &event.findings {
        if *verdict == FindingAction::Waived
            && by_annotation(finding)
            && !controls.contains(&finding.control)
        {
            controls.push(finding.control);
        }
    }
    controls.into_iter().map(move |control| {
        let findings: Vec<AuditFinding> = event
            .findings
            .iter()
            .filter(|(f, _, v)| f.control == control && *v == FindingAction::Waived)
            .take(limits::FINDINGS)
            .map(|(f, _, _)| {
                let mut recorded = AuditFinding {
                    action: Some(FindingAction::Waived),
                    ..AuditFinding::from(*f)
                };
                recorded.message = crate::message::truncate(&recorded.message, limits::TEXT);
                if let Some(waiver) = &mut recorded.waiver {
                    waiver.justification =
                        crate::message::truncate(&waiver.justification, limits::TEXT);
                }
                recorded
            })
            .collect();
        let reason = findings
            .first()
            .and_then(|f| f.waiver.as_ref())
            .map(|w| w.justification.clone());
        Event {
            decision: Decision::Waived,
            reason,
            findings,
            ..decision.clone()
        }
    })
}

/// How much of a request an event keeps: whoever calls the webhook
/// chooses these fields, and one event must stay small (a review with
/// 100,000 groups is not stored as a 5 MB event). What is cut is named in
/// the event's `truncated`.
pub mod limits {
    /// Groups kept.
    pub const GROUPS: usize = 64;
    /// Findings kept.
    pub const FINDINGS: usize = 256;
    /// Characters of a name (user, group, uid, owner).
    pub const NAME: usize = 256;
    /// Characters of a text (message, reason, justification).
    pub const TEXT: usize = 1024;
}

/// The names of the fields cut so far, each once.
#[derive(Default)]
struct Cut(Vec<String>);

impl Cut {
    fn mark(&mut self, field: &str) {
        if !self.0.iter().any(|f| f == field) {
            self.0.push(field.to_owned());
        }
    }

    /// `text` within `max` characters, noting `field` when it was cut.
    fn text(&mut self, field: &str, text: &str, max: usize) -> String {
        if text.len() > max && text.chars().count() > max {
            self.mark(field);
            crate::message::truncate(text, max)
        } else {
            text.to_owned()
        }
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
            authenticated: false,
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

    #[test]
    fn a_mutation_is_not_an_admission_decision() {
        let resource = ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("apps".into()),
            name: Some("web".into()),
        };
        let mut mutation = AdmissionEvent {
            uid: "u1",
            endpoint: "mutate",
            operation: "CREATE",
            user: "alice",
            groups: &[],
            resource: &resource,
            dry_run: false,
            allowed: true,
            skipped: None,
            failure: None,
            findings: Vec::new(),
            mutated: vec!["missing-seccomp-profile"],
            policy_version: "sha256:abc",
            authenticated: false,
        };
        let event = to_event(&mutation);
        assert_eq!(event.decision, Decision::Mutated);
        let Source::Admission { endpoint, .. } = &event.source else {
            panic!("not an admission event");
        };
        assert_eq!(endpoint.as_deref(), Some("mutate"));
        mutation.mutated.clear();
        assert_eq!(to_event(&mutation).decision, Decision::Unchanged);
        // The failure mode denying a mutation call is an admission denial.
        mutation.allowed = false;
        assert_eq!(to_event(&mutation).decision, Decision::Denied);
    }

    #[test]
    fn the_free_space_floor_is_read_from_the_log_volume() {
        let dir = std::env::temp_dir();
        let url = format!("sqlite://{}", dir.join("audit.db").display());
        let floor = FreeSpaceFloor::for_url(&url, u64::MAX).unwrap();
        assert_eq!(floor.dir, dir);
        let reason = floor.breached().unwrap();
        assert!(reason.contains("below the floor"), "{reason}");
        assert!(
            FreeSpaceFloor::for_url(&url, 0)
                .unwrap()
                .breached()
                .is_none()
        );
        assert!(FreeSpaceFloor::for_url("postgres://db/audit", 1).is_none());
    }

    #[test]
    fn what_the_caller_chose_is_kept_within_limits_and_marked_when_cut() {
        let resource = ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("apps".into()),
            name: Some("web".into()),
        };
        let groups: Vec<String> = (0..100_000).map(|i| format!("group-{i}")).collect();
        let user = "u".repeat(10_000);
        let event = to_event(&AdmissionEvent {
            uid: "u1",
            endpoint: "validate",
            operation: "CREATE",
            user: &user,
            groups: &groups,
            resource: &resource,
            dry_run: false,
            allowed: true,
            skipped: None,
            failure: None,
            findings: Vec::new(),
            mutated: Vec::new(),
            policy_version: "sha256:abc",
            authenticated: false,
        });
        let json = event.canonical_json().unwrap();
        assert!(json.len() < 32 * 1024, "{} bytes", json.len());
        let Source::Admission {
            user,
            groups,
            truncated,
            authenticated,
            ..
        } = &event.source
        else {
            panic!("not an admission event");
        };
        assert_eq!(groups.len(), limits::GROUPS);
        assert_eq!(user.chars().count(), limits::NAME);
        assert_eq!(truncated, &vec!["groups".to_owned(), "user".to_owned()]);
        assert!(!authenticated);
    }
}
