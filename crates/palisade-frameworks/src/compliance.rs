//! A framework's verdict on a scan: per requirement, whether the controls
//! that check it found anything, with the evidence, and an overall score.
//!
//! - `fail`: a control of the requirement has an unwaived finding;
//! - `waived`: every finding is waived by an exception (still listed);
//! - `pass`: the controls ran and found nothing (for a `partial`
//!   requirement this covers only the part they check, which the report says);
//! - `manual`, `not-applicable`: as the pack declares;
//! - `not-applicable` also when every control of the requirement found
//!   nothing to judge in what was scanned (a kubelet control on a host
//!   that runs no kubelet);
//! - `not-run`: a control of the requirement was left out of the scan, or
//!   none of its controls saw an input of the kind it judges (a Dockerfile
//!   control in a scan of manifests), so nothing can be claimed.
//!
//! The score is the share of checkable requirements (pass, waived, fail)
//! that did not fail; waived ones count as met, as an accepted risk with a
//! named owner, and are shown apart so nobody mistakes them for passes.

use serde::Serialize;

use palisade_model::Finding;

use crate::{Coverage, Pack};

/// The verdict on one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Controls ran and found nothing.
    Pass,
    /// A control found an unwaived violation.
    Fail,
    /// Every violation is waived by an exception.
    Waived,
    /// Needs a person and evidence.
    Manual,
    /// Does not apply.
    NotApplicable,
    /// A control it needs did not run.
    NotRun,
}

impl Verdict {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Waived => "waived",
            Verdict::Manual => "manual",
            Verdict::NotApplicable => "not-applicable",
            Verdict::NotRun => "not-run",
        }
    }
}

/// One requirement's result, with what supports it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementResult {
    /// The framework's number.
    pub id: String,
    /// Its title.
    pub title: String,
    /// How far the controls go.
    pub coverage: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// The controls that check it.
    pub controls: Vec<String>,
    /// Indexes (into the report's findings) of the findings against it.
    pub findings: Vec<usize>,
    /// What is left to a person: the pack's `partial` or `evidence` text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_part: Option<String>,
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub waived: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub not_run: usize,
}

/// A framework's verdict on a scan.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Compliance {
    /// The framework's ID.
    pub framework: String,
    /// Its title and version, e.g. `PCI DSS v4.0`.
    pub title: String,
    /// Every requirement, in the framework's order.
    pub requirements: Vec<RequirementResult>,
    /// Counts of verdicts.
    pub tally: Tally,
    /// Met checkable requirements, in percent; `None` when none is checkable.
    pub score: Option<f64>,
}

/// What the scan did with each control.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ran<'a> {
    /// Controls selected whose kind of input the scan read.
    pub judged: &'a [&'a str],
    /// Controls selected that were left without an input they judge.
    pub without_input: &'a [&'a str],
    /// Controls that found nothing to judge in what they read.
    pub not_applicable: &'a [&'a str],
}

/// Assesses a framework over a scan's (sorted, final) findings, given what
/// the scan did with each control.
///
/// ```
/// use palisade_frameworks::compliance::{Ran, assess};
/// let pss = palisade_frameworks::find("pss-baseline").unwrap();
/// let judged: Vec<&str> = pss.controls();
/// let result = assess(pss, &[], Ran { judged: &judged, ..Ran::default() });
/// assert_eq!(result.score, Some(100.0));
/// assert_eq!(result.tally.pass, pss.requirements.len());
/// ```
pub fn assess(framework: &Pack, findings: &[Finding], ran: Ran<'_>) -> Compliance {
    let mut tally = Tally::default();
    let requirements: Vec<RequirementResult> = framework
        .requirements
        .iter()
        .map(|requirement| {
            let against: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| requirement.controls.iter().any(|c| c == f.control))
                .map(|(i, _)| i)
                .collect();
            let verdict = match requirement.status {
                Coverage::Manual => Verdict::Manual,
                Coverage::NotApplicable => Verdict::NotApplicable,
                Coverage::Automated | Coverage::Partial => {
                    let unwaived = against
                        .iter()
                        .any(|&i| findings.get(i).is_some_and(|f| f.waiver.is_none()));
                    if unwaived {
                        Verdict::Fail
                    } else if !against.is_empty() {
                        Verdict::Waived
                    } else {
                        ran.verdict(&requirement.controls)
                    }
                }
            };
            let count = match verdict {
                Verdict::Pass => &mut tally.pass,
                Verdict::Fail => &mut tally.fail,
                Verdict::Waived => &mut tally.waived,
                Verdict::Manual => &mut tally.manual,
                Verdict::NotApplicable => &mut tally.not_applicable,
                Verdict::NotRun => &mut tally.not_run,
            };
            *count += 1;
            RequirementResult {
                id: requirement.id.clone(),
                title: requirement.title.clone(),
                coverage: requirement.status.as_str(),
                verdict,
                controls: requirement.controls.clone(),
                findings: against,
                manual_part: requirement
                    .partial
                    .clone()
                    .or_else(|| requirement.evidence.clone()),
            }
        })
        .collect();
    let checkable = tally.pass + tally.waived + tally.fail;
    let score = (checkable > 0).then(|| {
        let met = (tally.pass + tally.waived) as f64 / checkable as f64;
        (met * 1000.0).round() / 10.0
    });
    Compliance {
        framework: framework.id.clone(),
        title: format!("{} {}", framework.title, framework.version),
        requirements,
        tally,
        score,
    }
}

impl Ran<'_> {
    /// The verdict on a requirement none of whose controls found anything:
    /// not run when one of them was not selected; otherwise pass when an
    /// applicable one judged an input, not applicable when every one found
    /// nothing to judge, not run when none saw an input it judges.
    fn verdict(&self, controls: &[String]) -> Verdict {
        let has = |list: &[&str], c: &String| list.contains(&c.as_str());
        if !controls
            .iter()
            .all(|c| has(self.judged, c) || has(self.without_input, c))
        {
            return Verdict::NotRun;
        }
        if controls
            .iter()
            .any(|c| has(self.judged, c) && !has(self.not_applicable, c))
        {
            Verdict::Pass
        } else if controls.iter().all(|c| has(self.not_applicable, c)) {
            Verdict::NotApplicable
        } else {
            Verdict::NotRun
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Ran, Verdict};

    fn verdict(ran: Ran<'_>, controls: &[&str]) -> Verdict {
        let controls: Vec<String> = controls.iter().map(|c| (*c).to_owned()).collect();
        ran.verdict(&controls)
    }

    #[test]
    fn a_requirement_passes_only_when_a_control_judged_an_input() {
        let ran = Ran {
            judged: &["pod", "kubelet-a", "kubelet-b"],
            without_input: &["dockerfile"],
            not_applicable: &["kubelet-a", "kubelet-b"],
        };
        assert_eq!(verdict(ran, &["pod"]), Verdict::Pass);
        assert_eq!(verdict(ran, &["pod", "dockerfile"]), Verdict::Pass);
        assert_eq!(verdict(ran, &["dockerfile"]), Verdict::NotRun);
        assert_eq!(
            verdict(ran, &["kubelet-a", "kubelet-b"]),
            Verdict::NotApplicable
        );
        assert_eq!(verdict(ran, &["kubelet-a", "pod"]), Verdict::Pass);
        assert_eq!(verdict(ran, &["kubelet-a", "dockerfile"]), Verdict::NotRun);
        assert_eq!(verdict(ran, &["pod", "not-selected"]), Verdict::NotRun);
    }
}
