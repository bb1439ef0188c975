//! Control metadata: the one source for the engine, docs, SARIF rules and reports.

use crate::Severity;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PssLevel {
    /// Prevents known privilege escalations; minimally restrictive.
    Baseline,
    /// Current pod hardening best practice.
    Restricted,
}

impl PssLevel {
    /// `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// A section of a control's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocSection {
    /// `## What it does`
    WhatItDoes,
    /// `## Why is this bad?` (the rationale)
    Why,
    /// `## How to fix` (the remediation)
    HowToFix,
    /// `## Example`
    Example,
    /// `## References`
    References,
}

impl DocSection {
    /// Every section a control's docs must have, in order.
    pub const ALL: [DocSection; 5] = [
        DocSection::WhatItDoes,
        DocSection::Why,
        DocSection::HowToFix,
        DocSection::Example,
        DocSection::References,
    ];

    /// The Markdown heading that opens the section.
    pub fn heading(self) -> &'static str {
        match self {
            DocSection::WhatItDoes => "## What it does",
            DocSection::Why => "## Why is this bad?",
            DocSection::HowToFix => "## How to fix",
            DocSection::Example => "## Example",
            DocSection::References => "## References",
        }
    }
}

/// Everything known about a control except its check.
#[derive(Debug)]
pub struct ControlMeta {
    /// Stable kebab-case ID; never reused once retired.
    pub id: &'static str,
    /// One line, naming what is flagged.
    pub title: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// Markdown with the sections of [`DocSection::ALL`]. The framework
    /// requirements a control serves are not listed here: the framework
    /// packs map requirements to controls, and docs are generated from them.
    pub docs: &'static str,
}

impl ControlMeta {
    /// The text of one documentation section, trimmed, without its heading.
    ///
    /// ```
    /// use palisade_model::{ControlMeta, DocSection, Severity};
    /// let meta = ControlMeta {
    ///     id: "x", title: "X", severity: Severity::Low,
    ///     docs: "## What it does\nFlags x.\n\n## Why is this bad?\nBecause.\n",
    /// };
    /// assert_eq!(meta.section(DocSection::Why), Some("Because."));
    /// assert_eq!(meta.section(DocSection::HowToFix), None);
    /// ```
    pub fn section(&self, section: DocSection) -> Option<&'static str> {
        let heading = section.heading();
        let start = self
            .docs
            .match_indices(heading)
            .find(|(i, _)| *i == 0 || self.docs[..*i].ends_with('\n'))?
            .0
            + heading.len();
        let rest = self.docs.get(start..)?;
        // The heading must end its line: `## Example` is not `## Examples`.
        let rest = rest.strip_prefix('\n')?;
        let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
        Some(rest[..end].trim())
    }

    /// The rationale (`## Why is this bad?`).
    pub fn rationale(&self) -> &'static str {
        self.section(DocSection::Why).unwrap_or("")
    }

    /// The remediation (`## How to fix`).
    pub fn remediation(&self) -> &'static str {
        self.section(DocSection::HowToFix).unwrap_or("")
    }
}
