//! Control reference pages and framework packs cannot disagree: a page's
//! framework citations are exactly the requirements the packs map the
//! control to (every mapping cited, nothing cited that no pack maps), and
//! a control's hand-written documentation names no framework requirement
//! (its numbers drifted from the packs before: CIS Kubernetes v1.10 numbers
//! cited as v1.12).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_controls::registry;

/// How authors name frameworks in prose, and how the packs cite themselves.
fn framework_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "CIS Kubernetes",
        "CIS Docker",
        "CIS Benchmark",
        "NIST SP 800-190",
        "NSA/CISA",
        "PCI DSS",
        "HIPAA",
        "SOC 2",
        "Pod Security Standards",
    ]
    .map(String::from)
    .to_vec();
    for framework in palisade_frameworks::all() {
        names.push(framework.title.clone());
        names.extend(framework.cite_as.clone());
    }
    names
}

/// Whether `line` names a framework and then something numbered like a
/// requirement (`5.7.4`, `164.312(b)`, `CC6.1`).
fn cites_a_number(line: &str, names: &[String]) -> bool {
    names.iter().any(|name| {
        line.find(name.as_str()).is_some_and(|at| {
            line[at + name.len()..]
                .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                .any(|token| {
                    let token = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                    let digits = token.trim_start_matches(|c: char| c.is_ascii_uppercase());
                    digits.contains('.')
                        && digits
                            .split('.')
                            .all(|part| part.chars().next().is_some_and(|c| c.is_ascii_digit()))
                })
        })
    })
}

/// The framework lines of a page's `## References` list, without `- `.
fn cited_on(page: &str, names: &[String]) -> Vec<String> {
    let references = page
        .split("\n## References\n")
        .nth(1)
        .unwrap_or_default()
        .split("\n## ")
        .next()
        .unwrap_or_default();
    references
        .lines()
        .filter_map(|line| line.strip_prefix("- "))
        .filter(|line| names.iter().any(|name| line.contains(name.as_str())))
        .map(str::to_owned)
        .collect()
}

#[test]
fn hand_written_docs_cite_no_framework_requirement() {
    let names = framework_names();
    for control in registry::all() {
        for line in control.meta.docs.lines() {
            assert!(
                !cites_a_number(line, &names),
                "{}: framework numbers come from the packs, not the docs: {line}",
                control.meta.id
            );
        }
        let references = control.meta.docs.split("## References\n").nth(1);
        for line in references.unwrap_or_default().lines() {
            assert!(
                !names.iter().any(|name| line.contains(name.as_str())),
                "{}: framework references are generated from the packs: {line}",
                control.meta.id
            );
        }
    }
}

#[test]
fn pages_cite_exactly_the_requirements_the_packs_map() {
    let names = framework_names();
    for control in registry::all() {
        let id = control.meta.id;
        let mapped: Vec<String> = palisade_frameworks::requirements_of(id)
            .into_iter()
            .map(|(framework, requirement)| framework.citation(requirement))
            .collect();
        let page = control.markdown(&[], &palisade_frameworks::citations_of(id));
        assert_eq!(cited_on(&page, &names), mapped, "{id}");
    }
}

#[test]
fn the_check_recognises_hand_written_citations() {
    let names = framework_names();
    for cited in [
        "- CIS Kubernetes Benchmark v1.12, 5.7.4 \"The default namespace should not be used\"",
        "- CIS Kubernetes Benchmark 5.1.4: Minimize access to create pods",
        "- NIST SP 800-190, 4.1.2 \"Image configuration defects\"",
        "- HIPAA Security Rule 164.312(b)",
        "- SOC 2 CC6.1",
    ] {
        assert!(cites_a_number(cited, &names), "{cited}");
    }
    for prose in [
        "- Kubernetes docs, \"Namespaces\"",
        "- CWE-250: Execution with Unnecessary Privileges",
        "Pod Security Standards apply from policy version v1.23",
    ] {
        assert!(!cites_a_number(prose, &names), "{prose}");
    }
}
