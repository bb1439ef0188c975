//! One framework pack: its requirements and how Palisade covers each.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A compliance pack: one version of a framework, its requirements and
/// the controls that check them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// Stable ID, the file name's stem, e.g. `pci-dss-4.0.1`.
    pub id: String,
    /// Earlier IDs of this pack that still select it (`pci-dss-4.0`), so a
    /// configuration or a policy written against an older label keeps
    /// working when a pack is relabelled.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Its name, e.g. `PCI DSS`.
    pub title: String,
    /// The version the pack follows, e.g. `v4.0.1`.
    #[serde(default)]
    pub version: String,
    /// How a control's reference page names the framework before a
    /// requirement number, e.g. `PCI DSS v4.0.1`; `title version` when unset.
    #[serde(default)]
    pub cite_as: Option<String>,
    /// Who publishes it.
    #[serde(default)]
    pub publisher: String,
    /// Where to read it.
    #[serde(default)]
    pub url: Option<String>,
    /// What part of it the pack covers, and what it leaves out.
    #[serde(default)]
    pub scope: String,
    /// Conventions and sources of the pack.
    #[serde(default)]
    pub notes: Option<String>,
    /// Parameters its controls run with when the pack is selected, by
    /// control and parameter (a managed-node benchmark allows kubelet
    /// files at 644 where CIS Kubernetes asks for 600). A configuration's
    /// `controls:` settings still win.
    #[serde(default)]
    pub parameters: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Its requirements, in the framework's order.
    pub requirements: Vec<Requirement>,
}

/// One requirement and the controls that check it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The framework's own number, e.g. `5.1.1` or `164.312(b)`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it asks of a container platform, in our words.
    pub summary: String,
    /// How far the controls go.
    pub status: Coverage,
    /// The controls that check it.
    #[serde(default)]
    pub controls: Vec<String>,
    /// For `partial`: what the controls check, and what is left to a person.
    #[serde(default)]
    pub partial: Option<String>,
    /// What an auditor should ask for (required for `manual`).
    #[serde(default)]
    pub evidence: Option<String>,
    /// For `not-applicable`: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The requirement's number in earlier versions (`v1.10: "5.7.2"`).
    #[serde(default)]
    pub previous_ids: BTreeMap<String, String>,
}

/// How far Palisade's controls check a requirement. Never over-claimed:
/// `automated` only when the controls check all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// Fully checked by the controls.
    Automated,
    /// The controls check part of it (the requirement says which).
    Partial,
    /// Cannot be checked from configuration: evidence is needed.
    Manual,
    /// Does not apply to a container platform.
    NotApplicable,
}

impl Coverage {
    /// As written in the pack.
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Automated => "automated",
            Coverage::Partial => "partial",
            Coverage::Manual => "manual",
            Coverage::NotApplicable => "not-applicable",
        }
    }
}

impl Pack {
    /// Parses a pack; errors name the file, line and field.
    pub fn parse(file: &str, text: &str) -> Result<Pack, String> {
        serde_saphyr::from_str(text).map_err(|e| format!("{file}: {e}"))
    }

    /// Whether `id` names this pack: its ID or one of its aliases.
    pub fn answers_to(&self, id: &str) -> bool {
        self.id == id || self.aliases.iter().any(|a| a == id)
    }

    /// How a control's reference page cites one of its requirements:
    /// `CIS Kubernetes Benchmark v1.12.0, 5.6.4 "The default namespace
    /// should not be used": <pack url>`. Control docs carry no hand-written framework
    /// numbers; these lines are generated from the packs, so docs and packs
    /// cannot disagree.
    pub fn citation(&self, requirement: &Requirement) -> String {
        let name = match &self.cite_as {
            Some(name) => name.clone(),
            None => format!("{} {}", self.title, self.version),
        };
        let mut line = format!("{name}, {} \"{}\"", requirement.id, requirement.title);
        if let Some(url) = &self.url {
            line.push_str(&format!(": {url}"));
        }
        line
    }

    /// The requirement with this ID.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The requirement known as `id` in `version` (the current version's
    /// own IDs, or an earlier one's through the crosswalk).
    pub fn by_any_id(&self, id: &str, version: &str) -> Option<&Requirement> {
        self.requirements
            .iter()
            .find(|r| r.previous_ids.get(version).is_some_and(|old| old == id))
    }

    /// Every control the pack uses, once each, in first-use order.
    pub fn controls(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for control in self.requirements.iter().flat_map(|r| &r.controls) {
            if !out.contains(&control.as_str()) {
                out.push(control);
            }
        }
        out
    }

    /// Consistency problems: unknown controls, duplicate IDs, and statuses
    /// without the explanation they need. Empty when the pack is sound.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, requirement) in self.requirements.iter().enumerate() {
            let id = &requirement.id;
            let mut problem = |text: String| problems.push(format!("{} {id}: {text}", self.id));
            if self.requirements.iter().take(i).any(|r| &r.id == id) {
                problem("duplicate requirement ID".into());
            }
            for control in &requirement.controls {
                if palisade_controls::registry::find(control).is_none() {
                    problem(format!("unknown control `{control}`"));
                }
            }
            let has =
                |field: &Option<String>| field.as_deref().is_some_and(|t| !t.trim().is_empty());
            match requirement.status {
                Coverage::Automated | Coverage::Partial if requirement.controls.is_empty() => {
                    problem("automated or partial without controls".into());
                }
                Coverage::Manual | Coverage::NotApplicable if !requirement.controls.is_empty() => {
                    problem("manual or not-applicable with controls".into());
                }
                Coverage::Partial if !has(&requirement.partial) => {
                    problem("partial without saying which part (`partial:`)".into());
                }
                Coverage::Manual if !has(&requirement.evidence) => {
                    problem("manual without the evidence to ask for (`evidence:`)".into());
                }
                Coverage::NotApplicable if !has(&requirement.reason) => {
                    problem("not-applicable without a `reason:`".into());
                }
                _ => {}
            }
            if requirement.status != Coverage::Partial && requirement.partial.is_some() {
                problem("`partial:` on a requirement that is not partial".into());
            }
        }
        for (control_id, params) in &self.parameters {
            let mut problem =
                |text: String| problems.push(format!("{} parameters: {text}", self.id));
            let Some(control) = palisade_controls::registry::find(control_id) else {
                problem(format!("unknown control `{control_id}`"));
                continue;
            };
            if !self
                .requirements
                .iter()
                .any(|r| r.controls.contains(control_id))
            {
                problem(format!("`{control_id}` serves no requirement of the pack"));
            }
            let mut values = palisade_controls::Params::defaults(control);
            for (name, value) in params {
                if let Err(error) = values.set(control, name, value.clone()) {
                    problem(error.to_string());
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_line_and_field() {
        let text = "id: x\ntitle: X\nversion: v1\npublisher: P\nscope: S\nrequirements:\n  - id: '1'\n    title: T\n    summary: S\n    status: automatic\n";
        let error = Pack::parse("x.yaml", text).unwrap_err();
        assert!(error.starts_with("x.yaml: "), "{error}");
        assert!(error.contains("automatic"), "{error}");
        assert!(error.contains("line 10"), "{error}");
    }

    #[test]
    fn validate_flags_overclaims() {
        let text = "id: x\ntitle: X\nversion: v1\npublisher: P\nscope: S\nrequirements:\n  - {id: '1', title: T, summary: S, status: partial, controls: [privileged-container]}\n  - {id: '2', title: T, summary: S, status: manual}\n  - {id: '2', title: T, summary: S, status: automated, controls: [no-such]}\n";
        let framework = Pack::parse("x.yaml", text).unwrap();
        assert_eq!(
            framework.validate(),
            [
                "x 1: partial without saying which part (`partial:`)",
                "x 2: manual without the evidence to ask for (`evidence:`)",
                "x 2: duplicate requirement ID",
                "x 2: unknown control `no-such`",
            ]
        );
    }
}
