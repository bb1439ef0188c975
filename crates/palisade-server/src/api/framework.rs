//! `GET /api/v1/summary?framework=ID`: the audit log seen through a
//! framework, per requirement, over a window: how many evaluated objects
//! (admissions that were not dry runs, and recorded scans) had an unwaived
//! finding of one of its controls, how many only waived ones, and the
//! verdict as `palisade scan --framework` gives it (`fail`, `waived`,
//! `pass`, `manual`, `not-applicable`, `not-run`).

use std::collections::BTreeSet;

use palisade_audit::{Event, FindingAction, Source};
use palisade_frameworks::compliance::{Tally, Verdict};
use palisade_frameworks::{Coverage, Framework};
use serde::Serialize;

/// One requirement over the window.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RequirementSummary {
    id: String,
    title: String,
    coverage: &'static str,
    verdict: Verdict,
    controls: Vec<String>,
    /// Objects with an unwaived finding of one of its controls.
    failing: u64,
    /// Objects whose findings of its controls were all waived.
    waived: u64,
    /// What is left to a person (`partial` or `evidence` in the pack).
    #[serde(skip_serializing_if = "Option::is_none")]
    manual_part: Option<String>,
}

/// The framework's view: requirements in its order, and their tally.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FrameworkSummary {
    id: String,
    title: String,
    /// Objects evaluated in the window (what the counts are out of).
    evaluated: u64,
    requirements: Vec<RequirementSummary>,
    tally: Tally,
}

/// Whether an event is an evaluation that counts: API accesses are not,
/// and a dry run stored nothing.
fn evaluated(event: &Event) -> bool {
    match &event.source {
        Source::Api { .. } => false,
        Source::Admission { dry_run, .. } => !dry_run,
        Source::Scan { .. } => true,
    }
}

/// Summarises `events` for `framework`, given the controls the webhook
/// runs now (`ran`): a requirement whose controls are not all among them
/// is `not-run`, since no event can speak for it.
pub(super) fn summarise<'a>(
    framework: &Framework,
    events: impl Iterator<Item = &'a Event>,
    ran: &BTreeSet<&str>,
) -> FrameworkSummary {
    let mut evaluated_count = 0u64;
    // Per requirement: (failing, waived).
    let mut counts = vec![(0u64, 0u64); framework.requirements.len()];
    for event in events.filter(|e| evaluated(e)) {
        evaluated_count += 1;
        for (requirement, count) in framework.requirements.iter().zip(counts.iter_mut()) {
            let mut any = false;
            let mut unwaived = false;
            for finding in event
                .findings
                .iter()
                .filter(|f| requirement.controls.contains(&f.control))
            {
                any = true;
                let waived =
                    finding.waiver.is_some() || finding.action == Some(FindingAction::Waived);
                unwaived |= !waived;
            }
            if unwaived {
                count.0 += 1;
            } else if any {
                count.1 += 1;
            }
        }
    }
    let mut tally = Tally::default();
    let requirements = framework
        .requirements
        .iter()
        .zip(counts)
        .map(|(requirement, (failing, waived))| {
            let verdict = match requirement.status {
                Coverage::Manual => Verdict::Manual,
                Coverage::NotApplicable => Verdict::NotApplicable,
                Coverage::Automated | Coverage::Partial => {
                    if !requirement
                        .controls
                        .iter()
                        .all(|c| ran.contains(c.as_str()))
                    {
                        Verdict::NotRun
                    } else if failing > 0 {
                        Verdict::Fail
                    } else if waived > 0 {
                        Verdict::Waived
                    } else {
                        Verdict::Pass
                    }
                }
            };
            match verdict {
                Verdict::Pass => tally.pass += 1,
                Verdict::Fail => tally.fail += 1,
                Verdict::Waived => tally.waived += 1,
                Verdict::Manual => tally.manual += 1,
                Verdict::NotApplicable => tally.not_applicable += 1,
                Verdict::NotRun => tally.not_run += 1,
            }
            RequirementSummary {
                id: requirement.id.clone(),
                title: requirement.title.clone(),
                coverage: requirement.status.as_str(),
                verdict,
                controls: requirement.controls.clone(),
                failing,
                waived,
                manual_part: requirement
                    .partial
                    .clone()
                    .or_else(|| requirement.evidence.clone())
                    .filter(|_| matches!(requirement.status, Coverage::Partial | Coverage::Manual)),
            }
        })
        .collect();
    FrameworkSummary {
        id: framework.id.clone(),
        title: format!("{} {}", framework.title, framework.version)
            .trim()
            .to_owned(),
        evaluated: evaluated_count,
        requirements,
        tally,
    }
}

#[cfg(test)]
mod tests {
    use palisade_audit::{AuditFinding, Decision, Resource, Timestamp};
    use palisade_model::Severity;

    use super::*;

    fn event(source: Source, findings: &[(&str, Option<FindingAction>)]) -> Event {
        Event {
            time: Timestamp::now(),
            source,
            resource: Resource {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some("apps".into()),
                name: Some("web".into()),
            },
            decision: Decision::Allowed,
            reason: None,
            findings: findings
                .iter()
                .map(|(control, action)| AuditFinding {
                    control: (*control).to_owned(),
                    severity: Severity::High,
                    message: String::new(),
                    action: *action,
                    waiver: None,
                })
                .collect(),
            policy_version: String::new(),
            palisade_version: String::new(),
        }
    }

    fn admission(dry_run: bool) -> Source {
        Source::Admission {
            user: "u".into(),
            groups: Vec::new(),
            operation: "CREATE".into(),
            uid: "1".into(),
            dry_run,
            mutated: Vec::new(),
            endpoint: Some("validate".into()),
            authenticated: true,
            truncated: Vec::new(),
        }
    }

    #[test]
    fn fail_waived_pass_and_not_run_per_requirement() {
        let Some(pss) = palisade_frameworks::find("pss-baseline") else {
            panic!("pss-baseline is built in");
        };
        let events = [
            // Counted: a waived privileged container, a failing host namespace.
            event(
                admission(false),
                &[("privileged-container", Some(FindingAction::Waived))],
            ),
            event(
                Source::Scan {
                    file: "a.yaml".into(),
                },
                &[("host-namespaces", None)],
            ),
            // Not counted: a dry run, an API access.
            event(
                admission(true),
                &[("host-ports", Some(FindingAction::Denied))],
            ),
            event(
                Source::Api {
                    user: "x".into(),
                    role: "admin".into(),
                    request: "GET /".into(),
                },
                &[],
            ),
        ];
        let mut ran: BTreeSet<&str> = pss.controls().into_iter().collect();
        ran.remove("host-ports");
        let summary = summarise(pss, events.iter(), &ran);
        assert_eq!(summary.evaluated, 2);
        let verdict = |id: &str| {
            summary
                .requirements
                .iter()
                .find(|r| r.id == id)
                .map(|r| (r.verdict, r.failing, r.waived))
        };
        assert_eq!(
            verdict("privileged-containers"),
            Some((Verdict::Waived, 0, 1))
        );
        assert_eq!(verdict("host-namespaces"), Some((Verdict::Fail, 1, 0)));
        assert_eq!(verdict("host-ports"), Some((Verdict::NotRun, 0, 0)));
        assert_eq!(verdict("apparmor").map(|v| v.0), Some(Verdict::Pass));
        assert_eq!(summary.tally.fail, 1);
        assert_eq!(summary.tally.waived, 1);
        assert_eq!(summary.tally.not_run, 1);
    }
}
