//! `GET /api/v1/summary?framework=ID`: the audit log seen through a
//! framework, per requirement, over a window: how many evaluated objects
//! (admissions that were not dry runs, and recorded scans) had an unwaived
//! finding of one of its controls, how many only waived ones, and the
//! verdict as `palisade scan --framework` gives it (`fail`, `waived`,
//! `pass`, `manual`, `not-applicable`, `not-run`), plus `no-evidence`:
//! nothing was evaluated in the window, so nothing can pass.
//!
//! It reads the [`SummaryGroup`]s the database counted, never the events,
//! so the window may hold any number of them.

use std::collections::BTreeSet;

use palisade_audit::SummaryGroup;
use palisade_frameworks::compliance::Verdict;
use palisade_frameworks::{Coverage, Pack};
use serde::Serialize;

/// A requirement's verdict over a window: the scan's verdicts, and one a
/// scan never gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WindowVerdict {
    Scan(Verdict),
    /// No object was evaluated in the window: absence of failures is not
    /// a pass.
    NoEvidence,
}

impl WindowVerdict {
    fn as_str(self) -> &'static str {
        match self {
            WindowVerdict::Scan(v) => v.as_str(),
            WindowVerdict::NoEvidence => "no-evidence",
        }
    }
}

impl Serialize for WindowVerdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WindowTally {
    pass: usize,
    fail: usize,
    waived: usize,
    manual: usize,
    not_applicable: usize,
    not_run: usize,
    no_evidence: usize,
}

impl WindowTally {
    fn add(&mut self, verdict: WindowVerdict) {
        let count = match verdict {
            WindowVerdict::Scan(Verdict::Pass) => &mut self.pass,
            WindowVerdict::Scan(Verdict::Fail) => &mut self.fail,
            WindowVerdict::Scan(Verdict::Waived) => &mut self.waived,
            WindowVerdict::Scan(Verdict::Manual) => &mut self.manual,
            WindowVerdict::Scan(Verdict::NotApplicable) => &mut self.not_applicable,
            WindowVerdict::Scan(Verdict::NotRun) => &mut self.not_run,
            WindowVerdict::NoEvidence => &mut self.no_evidence,
        };
        *count += 1;
    }
}

/// One requirement over the window.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RequirementSummary {
    id: String,
    title: String,
    coverage: &'static str,
    verdict: WindowVerdict,
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
    tally: WindowTally,
    /// The share of checkable requirements (pass, waived, fail) met, as
    /// `palisade scan --framework` scores it; none when nothing is
    /// checkable.
    score: Option<f64>,
}

impl FrameworkSummary {
    pub(super) fn tally(&self) -> WindowTally {
        self.tally
    }
    pub(super) fn score(&self) -> Option<f64> {
        self.score
    }
}

/// Met (pass and waived) out of checkable, in percent to a tenth.
fn score(tally: &WindowTally) -> Option<f64> {
    let checkable = tally.pass + tally.waived + tally.fail;
    (checkable > 0).then(|| {
        let met = (tally.pass + tally.waived) as f64 / checkable as f64;
        (met * 1000.0).round() / 10.0
    })
}

/// [`summarise`] with the controls the webhook runs now.
pub(super) fn summarise_now(
    shared: &crate::Shared,
    framework: &Pack,
    groups: &[SummaryGroup],
) -> FrameworkSummary {
    let prepared = shared.prepared.load();
    let ran = prepared
        .evaluator
        .policy()
        .controls()
        .into_iter()
        .map(|c| c.meta.id)
        .collect();
    summarise(framework, groups.iter(), &ran)
}

/// Summarises the window's `groups` (admissions and scans, API accesses
/// already left out by the store) for `framework`, given the controls the
/// webhook runs now (`ran`): a requirement whose controls are not all among
/// them is `not-run`, since no event can speak for it. Dry runs stored
/// nothing and do not count.
pub(super) fn summarise<'a>(
    framework: &Pack,
    groups: impl Iterator<Item = &'a SummaryGroup>,
    ran: &BTreeSet<&str>,
) -> FrameworkSummary {
    let mut evaluated = 0u64;
    // Per requirement: (failing, waived).
    let mut counts = vec![(0u64, 0u64); framework.requirements.len()];
    for group in groups.filter(|g| !g.dry_run) {
        evaluated += group.events;
        for (requirement, count) in framework.requirements.iter().zip(counts.iter_mut()) {
            let of_requirement =
                |controls: &[String]| controls.iter().any(|c| requirement.controls.contains(c));
            if of_requirement(&group.failing) {
                count.0 += group.events;
            } else if of_requirement(&group.waived) {
                count.1 += group.events;
            }
        }
    }
    let mut tally = WindowTally::default();
    let requirements = framework
        .requirements
        .iter()
        .zip(counts)
        .map(|(requirement, (failing, waived))| {
            let verdict = match requirement.status {
                Coverage::Manual => WindowVerdict::Scan(Verdict::Manual),
                Coverage::NotApplicable => WindowVerdict::Scan(Verdict::NotApplicable),
                Coverage::Automated | Coverage::Partial => {
                    if !requirement
                        .controls
                        .iter()
                        .all(|c| ran.contains(c.as_str()))
                    {
                        WindowVerdict::Scan(Verdict::NotRun)
                    } else if evaluated == 0 {
                        WindowVerdict::NoEvidence
                    } else if failing > 0 {
                        WindowVerdict::Scan(Verdict::Fail)
                    } else if waived > 0 {
                        WindowVerdict::Scan(Verdict::Waived)
                    } else {
                        WindowVerdict::Scan(Verdict::Pass)
                    }
                }
            };
            tally.add(verdict);
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
        evaluated,
        requirements,
        score: score(&tally),
        tally,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(dry_run: bool, failing: &[&str], waived: &[&str], events: u64) -> SummaryGroup {
        let list = |ids: &[&str]| ids.iter().map(|c| (*c).to_owned()).collect();
        SummaryGroup {
            namespace: Some("apps".into()),
            decision: "allowed".into(),
            dry_run,
            failing: list(failing),
            waived: list(waived),
            events,
        }
    }

    #[test]
    fn fail_waived_pass_and_not_run_per_requirement() {
        let Some(pss) = palisade_frameworks::find("pss-baseline") else {
            panic!("pss-baseline is built in");
        };
        let groups = [
            // Counted: a waived privileged container, a failing host namespace.
            group(false, &[], &["privileged-container"], 1),
            group(false, &["host-namespaces"], &[], 1),
            // Not counted: dry runs.
            group(true, &["host-ports"], &[], 5),
        ];
        let mut ran: BTreeSet<&str> = pss.controls().into_iter().collect();
        ran.remove("host-ports");
        let summary = summarise(pss, groups.iter(), &ran);
        assert_eq!(summary.evaluated, 2);
        let verdict = |id: &str| {
            summary
                .requirements
                .iter()
                .find(|r| r.id == id)
                .map(|r| (r.verdict.as_str(), r.failing, r.waived))
        };
        assert_eq!(verdict("privileged-containers"), Some(("waived", 0, 1)));
        assert_eq!(verdict("host-namespaces"), Some(("fail", 1, 0)));
        assert_eq!(verdict("host-ports"), Some(("not-run", 0, 0)));
        assert_eq!(verdict("apparmor").map(|v| v.0), Some("pass"));
        assert_eq!(summary.tally.fail, 1);
        assert_eq!(summary.tally.waived, 1);
        assert_eq!(summary.tally.not_run, 1);
        assert_eq!(summary.tally.no_evidence, 0);
        // One of pass/waived/fail fails: the rest are met.
        let checkable = summary.tally.pass + summary.tally.waived + summary.tally.fail;
        let expected = ((checkable - 1) as f64 / checkable as f64 * 1000.0).round() / 10.0;
        assert_eq!(summary.score, Some(expected));
    }

    #[test]
    fn nothing_evaluated_is_no_evidence_never_pass() {
        let Some(pss) = palisade_frameworks::find("pss-baseline") else {
            panic!("pss-baseline is built in");
        };
        let ran: BTreeSet<&str> = pss.controls().into_iter().collect();
        // Only dry runs in the window.
        let groups = [group(true, &[], &[], 3)];
        let summary = summarise(pss, groups.iter(), &ran);
        assert_eq!(summary.evaluated, 0);
        assert_eq!(summary.tally.pass, 0);
        assert!(summary.tally.no_evidence > 0);
        assert_eq!(summary.score, None);
        assert!(
            summary
                .requirements
                .iter()
                .all(|r| r.verdict != WindowVerdict::Scan(Verdict::Pass))
        );
    }
}
