//! What the user sees: the denial message (`status.message`, printed by
//! kubectl after `admission webhook "..." denied the request:`) and the
//! admission warnings (printed as `Warning: ...`).
//!
//! Warnings follow the API server's limits (AdmissionResponse.warnings in
//! k8s.io/api/admission/v1 and "Response" in the Kubernetes documentation on
//! dynamic admission control): keep each under 120 characters where
//! possible; the API server may truncate one over 256 characters and ignores
//! further warnings once 4096 characters have been added from all sources.
//! Palisade keeps each warning within 256 characters and all of its warnings
//! within half the total, leaving room for other admission plugins.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use palisade_controls::registry;
use palisade_model::{Finding, ResourceRef};

/// What the API server asks a warning to keep to, where possible.
pub const PREFERRED_WARNING_CHARS: usize = 120;
/// Longest warning, in characters (the API server truncates beyond it).
pub const MAX_WARNING_CHARS: usize = 256;
/// Characters Palisade's warnings may take together.
pub const WARNINGS_BUDGET_CHARS: usize = 2048;
/// Most warnings in one response.
pub const MAX_WARNINGS: usize = 16;
/// Controls described in full in a denial; the others are named on one line.
const MAX_DETAILED_CONTROLS: usize = 12;
/// Longest remediation shown for one control.
const MAX_FIX_CHARS: usize = 200;

/// The findings of one control, in the order they came.
struct Group<'a> {
    control: &'static str,
    findings: Vec<&'a Finding>,
}

fn group<'a>(findings: &[&'a Finding]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for finding in findings {
        match groups.iter_mut().find(|g| g.control == finding.control) {
            Some(g) => g.findings.push(finding),
            None => groups.push(Group {
                control: finding.control,
                findings: vec![finding],
            }),
        }
    }
    groups
}

/// `message (field)`, where the field is where to look in the object.
fn what(finding: &Finding) -> String {
    let field = finding.field.to_string();
    if field.is_empty() {
        one_line(&finding.message)
    } else {
        format!("{} (at {field})", one_line(&finding.message))
    }
}

/// The first sentence of a control's remediation, on one line: worked out
/// once per control for the life of the process (the texts are built in),
/// not once per denial.
fn fix(control: &str) -> Option<&'static str> {
    static FIXES: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let fixes = FIXES.get_or_init(|| {
        registry::all()
            .iter()
            .filter_map(|c| Some((c.meta.id, first_sentence(c.meta.remediation())?)))
            .collect()
    });
    fixes.get(control).map(String::as_str)
}

fn first_sentence(text: &str) -> Option<String> {
    let paragraph = one_line(text.split("\n\n").next().unwrap_or(text));
    let sentence = match paragraph.find(". ") {
        Some(end) => paragraph.get(..=end).unwrap_or(&paragraph),
        None => &paragraph,
    };
    (!sentence.is_empty()).then(|| truncate(sentence, MAX_FIX_CHARS))
}

/// Whitespace, newlines included, folded to single spaces: a warning is an
/// HTTP header value and a status message is read on a terminal.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// At most `max` characters, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The denial message: a summary line naming the resource, then each failed
/// control with its severity, what is wrong and where, and how to fix it.
///
/// ```text
/// Deployment/payments/api violates 2 Palisade controls:
/// - privileged-container (critical): privileged (container "api" must not set securityContext.privileged=true) (at spec.template.spec.containers[0].securityContext.privileged)
///   fix: Remove `privileged: true` (or set it to `false`).
/// - image-tag-latest (medium): ... and 1 more
/// ```
pub fn denial(resource: &ResourceRef, findings: &[&Finding]) -> String {
    let groups = group(findings);
    let mut out = format!(
        "{} violates {} Palisade control{}:",
        resource.display_name(),
        groups.len(),
        if groups.len() == 1 { "" } else { "s" }
    );
    for g in groups.iter().take(MAX_DETAILED_CONTROLS) {
        let Some(first) = g.findings.first() else {
            continue;
        };
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "\n- {} ({}): {}",
            g.control,
            first.severity,
            what(first)
        );
        if g.findings.len() > 1 {
            let _ = write!(out, " and {} more", g.findings.len() - 1);
        }
        if let Some(fix) = fix(g.control) {
            let _ = write!(out, "\n  fix: {fix}");
        }
    }
    let rest: Vec<&str> = groups
        .iter()
        .skip(MAX_DETAILED_CONTROLS)
        .map(|g| g.control)
        .collect();
    if !rest.is_empty() {
        out.push_str(&format!("\n- also: {}", rest.join(", ")));
    }
    out.push_str("\n(see `palisade controls explain <control>`)");
    out
}

/// Admission warnings for findings in warn mode (and, when a request is
/// denied, for those too), one per control, then `notes` (e.g. a failure
/// mode explanation), within the API server's limits.
pub fn warnings(findings: &[&Finding], notes: &[String]) -> Vec<String> {
    let mut candidates: Vec<String> = notes.iter().map(|n| one_line(n)).collect();
    for g in group(findings) {
        let Some(first) = g.findings.first() else {
            continue;
        };
        let more = match g.findings.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        // The field helps, but not at the cost of the 120 characters the
        // API server asks warnings to keep to.
        let mut warning = format!("palisade {}: {}{more}", g.control, what(first));
        if warning.chars().count() > PREFERRED_WARNING_CHARS {
            warning = format!("palisade {}: {}{more}", g.control, one_line(&first.message));
        }
        candidates.push(warning);
    }
    let mut out = Vec::new();
    let mut used = 0;
    let mut dropped: Vec<String> = Vec::new();
    // Room for the final "N more" line.
    let budget = WARNINGS_BUDGET_CHARS - MAX_WARNING_CHARS;
    for candidate in candidates {
        let warning = truncate(&candidate, MAX_WARNING_CHARS);
        let len = warning.chars().count();
        if out.len() + 1 < MAX_WARNINGS && used + len <= budget {
            used += len;
            out.push(warning);
        } else {
            dropped.push(candidate);
        }
    }
    if !dropped.is_empty() {
        let controls: Vec<&str> = dropped
            .iter()
            .filter_map(|d| d.strip_prefix("palisade "))
            .filter_map(|d| d.split(':').next())
            .collect();
        out.push(truncate(
            &format!(
                "palisade: {} more warning{} not shown: {}",
                dropped.len(),
                if dropped.len() == 1 { "" } else { "s" },
                controls.join(", ")
            ),
            MAX_WARNING_CHARS,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use palisade_model::{FieldPath, Location, Severity};

    use super::*;

    fn finding(control: &'static str, message: &str) -> Finding {
        Finding {
            control,
            severity: Severity::High,
            message: message.to_owned(),
            resource: Arc::default(),
            container: None,
            field: FieldPath::root().keys(&["spec", "hostPID"]),
            location: Location::at(Arc::from("x"), 0, 0),
            waiver: None,
            enforcement: Default::default(),
        }
    }

    #[test]
    fn denial_names_every_control_field_and_fix() {
        let resource = ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("apps".into()),
            name: Some("web".into()),
        };
        let a = finding("host-namespaces", "host namespaces (hostPID=true)");
        let b = finding("host-namespaces", "again");
        let c = finding("privileged-container", "privileged\n(container \"x\")");
        let message = denial(&resource, &[&a, &b, &c]);
        assert!(
            message.starts_with("Pod/apps/web violates 2 Palisade controls:"),
            "{message}"
        );
        assert!(message.contains("- host-namespaces (high): host namespaces (hostPID=true) (at spec.hostPID) and 1 more"), "{message}");
        assert!(
            message.contains("privileged (container \"x\")"),
            "{message}"
        );
        assert_eq!(message.matches("\n  fix: ").count(), 2, "{message}");
    }

    #[test]
    fn denial_names_controls_beyond_the_detailed_ones() {
        let ids: Vec<&'static str> = registry::all().iter().map(|c| c.meta.id).take(20).collect();
        let findings: Vec<Finding> = ids.iter().map(|id| finding(id, "bad")).collect();
        let refs: Vec<&Finding> = findings.iter().collect();
        let message = denial(&ResourceRef::default(), &refs);
        for id in ids {
            assert!(message.contains(id), "{id} missing from {message}");
        }
    }

    #[test]
    fn warnings_stay_within_the_api_servers_limits() {
        let long = "x".repeat(1000);
        let findings: Vec<Finding> = registry::all()
            .iter()
            .map(|c| finding(c.meta.id, &long))
            .collect();
        let refs: Vec<&Finding> = findings.iter().collect();
        let warnings = warnings(&refs, &["a note\nwith a newline".to_owned()]);
        assert!(warnings.len() <= MAX_WARNINGS);
        assert!(
            warnings
                .iter()
                .all(|w| w.chars().count() <= MAX_WARNING_CHARS && !w.contains('\n'))
        );
        let total: usize = warnings.iter().map(|w| w.chars().count()).sum();
        assert!(total <= WARNINGS_BUDGET_CHARS, "{total}");
        assert_eq!(
            warnings.first().map(String::as_str),
            Some("a note with a newline")
        );
        assert!(
            warnings
                .last()
                .is_some_and(|w| w.starts_with("palisade: ") && w.contains("more warnings")),
            "{warnings:?}"
        );
    }

    #[test]
    fn short_warnings_are_kept_whole() {
        let f = finding("image-tag-latest", "container \"web\" uses the latest tag");
        assert_eq!(
            warnings(&[&f], &[]),
            ["palisade image-tag-latest: container \"web\" uses the latest tag (at spec.hostPID)"]
        );
    }
}
