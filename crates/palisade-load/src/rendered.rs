//! Where rendered manifests came from, so that findings name the file a
//! developer edits rather than `<stdin>`:
//!
//! - `helm template` writes `# Source: <chart>/templates/<file>` on the
//!   line before each document it renders;
//! - `kustomize build` (with `buildMetadata: [originAnnotations]`) writes
//!   the annotation `config.kubernetes.io/origin`, whose `path:` names the
//!   resource's file.
//!
//! A finding in such a document names that file, at its line counted from
//! the first line of the rendered document (the template's own lines are
//! not known: a template renders to other lines than it has).

use std::sync::Arc;

use crate::Document;

/// Lines of a rendered stream and the file they were rendered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The first line of the rendered document (1-based).
    pub first_line: u32,
    /// Its last line.
    pub last_line: u32,
    /// The file it came from, as the renderer names it.
    pub source: Arc<str>,
}

/// The sections of one rendered file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    pub sections: Vec<Section>,
}

impl SourceMap {
    /// The sections of `text`, parsed into `documents`: Helm's `# Source:`
    /// comments, else kustomize's origin annotations.
    pub fn of(text: &str, documents: &[Document]) -> SourceMap {
        let mut map = SourceMap::default();
        if text.contains("# Source: ") {
            map.sections = helm_sections(text);
        }
        if map.sections.is_empty() && text.contains("config.kubernetes.io/origin") {
            map.sections = kustomize_sections(documents);
        }
        map
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Where rendered `line` came from: the source file, and the line
    /// within its rendered document.
    pub fn locate(&self, line: u32) -> Option<(&Arc<str>, u32)> {
        self.sections
            .iter()
            .find(|s| (s.first_line..=s.last_line).contains(&line))
            .map(|s| (&s.source, line - s.first_line + 1))
    }
}

/// `# Source: x` starts a section on the next line, which runs to the line
/// before the next document separator or `# Source:`. Only where Helm
/// writes it, right after a `---` (or on the first line), and only a path:
/// a hand-written `# Source: https://...` above a vendored manifest is a
/// comment, not a template.
fn helm_sections(text: &str) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut open: Option<(u32, Arc<str>)> = None;
    let mut last = 0;
    let mut after_separator = true;
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        last = number;
        let separator = line == "---" || line.starts_with("--- ");
        let source = line
            .strip_prefix("# Source: ")
            .map(str::trim)
            .filter(|s| after_separator && !s.contains("://"));
        after_separator = separator;
        if (separator || source.is_some())
            && let Some((first, source)) = open.take()
            && first < number
        {
            sections.push(Section {
                first_line: first,
                last_line: number - 1,
                source,
            });
        }
        if let Some(source) = source.filter(|s| !s.is_empty()) {
            open = Some((number + 1, Arc::from(source)));
        }
    }
    if let Some((first, source)) = open
        && first <= last
    {
        sections.push(Section {
            first_line: first,
            last_line: last,
            source,
        });
    }
    sections
}

/// Each document whose `metadata.annotations` carry
/// `config.kubernetes.io/origin` with a `path:`.
fn kustomize_sections(documents: &[Document]) -> Vec<Section> {
    documents
        .iter()
        .filter_map(|document| {
            let origin = document
                .root
                .get_path(&["metadata", "annotations", "config.kubernetes.io/origin"])?
                .as_str()?;
            let path = origin
                .lines()
                .find_map(|l| l.trim().strip_prefix("path:"))?
                .trim()
                .trim_matches(['"', '\'']);
            (!path.is_empty()).then(|| Section {
                first_line: document.root.pos.line,
                last_line: document.root.end.line.max(document.root.pos.line),
                source: Arc::from(path),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{Limits, parse_documents};

    fn map(text: &str) -> SourceMap {
        let parsed = parse_documents(Arc::from("-"), text, &Limits::default());
        SourceMap::of(text, &parsed.documents)
    }

    #[test]
    fn helm_sources_name_the_template_and_the_line_in_its_document() {
        let text = "---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\n---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n";
        let map = map(text);
        assert_eq!(map.sections.len(), 2);
        assert_eq!(
            map.locate(4).map(|(f, l)| (f.to_string(), l)),
            Some(("web/templates/service.yaml".into(), 2))
        );
        assert_eq!(
            map.locate(10).map(|(f, l)| (f.to_string(), l)),
            Some(("web/templates/deployment.yaml".into(), 4))
        );
        assert_eq!(map.locate(1), None, "the separator is no template's");
    }

    #[test]
    fn kustomize_origins_name_the_resource_file() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/origin: |\n      path: base/configmap.yaml\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n";
        let map = map(text);
        assert_eq!(map.sections.len(), 1);
        assert_eq!(
            map.locate(4).map(|(f, l)| (f.to_string(), l)),
            Some(("base/configmap.yaml".into(), 4))
        );
        assert_eq!(map.locate(10), None);
    }

    #[test]
    fn plain_manifests_have_no_sources() {
        assert!(map("apiVersion: v1\nkind: Service\n").is_empty());
        // A hand-written note, not Helm's.
        assert!(
            map("# Source: https://example.com/x.yaml\napiVersion: v1\nkind: Service\n").is_empty()
        );
        assert!(map("apiVersion: v1\n# Source: web/templates/x.yaml\nkind: Service\n").is_empty());
    }
}
