//! Findings grouped by the object they are about: each object once, told
//! apart from objects of the same name by its file and namespace (two
//! `frontend` Deployments in two files are two groups), in the report's
//! order (file, line).

use palisade_model::{Finding, Severity};

/// One object and the findings about it.
pub(super) struct Group<'a> {
    /// `Deployment/shop/frontend`.
    pub name: String,
    /// The file it was read from.
    pub file: &'a str,
    /// The line of its first finding.
    pub line: u32,
    /// Indexes into the report's findings.
    pub findings: Vec<usize>,
    /// The highest severity among its unwaived findings (`None`: all waived).
    pub worst: Option<Severity>,
}

impl Group<'_> {
    /// What a reader is shown: `Deployment/shop/frontend · k8s/a.yaml:12`
    /// (the name carries the namespace).
    pub fn label(&self) -> String {
        format!("{} · {}:{}", self.name, self.file, self.line)
    }
}

/// The findings `indexes` (into `findings`) grouped by object.
pub(super) fn groups<'a>(findings: &'a [Finding], indexes: &[usize]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut at: std::collections::HashMap<(&str, &palisade_model::ResourceRef), usize> =
        std::collections::HashMap::new();
    for &i in indexes {
        let Some(f) = findings.get(i) else { continue };
        let key = (&*f.location.file, &*f.resource);
        let slot = *at.entry(key).or_insert_with(|| {
            groups.push(Group {
                name: f.resource.display_name(),
                file: &f.location.file,
                line: f.location.line,
                findings: Vec::new(),
                worst: None,
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(slot) {
            group.findings.push(i);
            if f.waiver.is_none() {
                group.worst = group.worst.max(Some(f.severity));
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::sync::Arc;

    use palisade_model::{FieldPath, Location, ResourceRef};

    use super::*;

    fn finding(file: &str, line: u32, name: &str, control: &'static str) -> Finding {
        Finding {
            control,
            severity: Severity::High,
            message: String::new(),
            resource: Arc::new(ResourceRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: Some(name.into()),
            }),
            container: None,
            field: FieldPath::default(),
            location: Location {
                file: file.into(),
                line,
                column: 1,
                end_line: 0,
                end_column: 0,
            },
            waiver: None,
            enforcement: Default::default(),
        }
    }

    #[test]
    fn objects_of_one_name_in_two_files_are_two_groups() {
        let findings = vec![
            finding("a.yaml", 3, "frontend", "privileged-container"),
            finding("a.yaml", 9, "frontend", "host-namespaces"),
            finding("b.yaml", 3, "frontend", "privileged-container"),
        ];
        let groups = groups(&findings, &[0, 1, 2]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].findings, vec![0, 1]);
        assert_eq!(groups[0].label(), "Deployment/shop/frontend · a.yaml:3");
        assert_eq!(groups[1].file, "b.yaml");
    }
}
