//! Compliance frameworks as data: each pack is one YAML file in
//! `frameworks/`, embedded into the binary, listing a framework's
//! requirements, the controls that check each one, and how far they go
//! (`automated`, `partial`, `manual`, `not-applicable`).
//!
//! [`compliance`] turns a scan's findings into a per-requirement verdict.

pub mod compliance;
mod pack;

use std::sync::LazyLock;

pub use pack::{Coverage, Pack, Requirement};

/// The embedded packs, `(file name, text)`.
const PACKS: [(&str, &str); 12] = [
    (
        "pss-baseline.yaml",
        include_str!("../frameworks/pss-baseline.yaml"),
    ),
    (
        "pss-restricted.yaml",
        include_str!("../frameworks/pss-restricted.yaml"),
    ),
    (
        "cis-kubernetes-1.12.yaml",
        include_str!("../frameworks/cis-kubernetes-1.12.yaml"),
    ),
    (
        "cis-eks-1.8.yaml",
        include_str!("../frameworks/cis-eks-1.8.yaml"),
    ),
    (
        "cis-gke-1.9.yaml",
        include_str!("../frameworks/cis-gke-1.9.yaml"),
    ),
    (
        "cis-aks-1.8.yaml",
        include_str!("../frameworks/cis-aks-1.8.yaml"),
    ),
    (
        "cis-docker-1.6.yaml",
        include_str!("../frameworks/cis-docker-1.6.yaml"),
    ),
    (
        "nsa-cisa-1.2.yaml",
        include_str!("../frameworks/nsa-cisa-1.2.yaml"),
    ),
    (
        "nist-800-190.yaml",
        include_str!("../frameworks/nist-800-190.yaml"),
    ),
    (
        "pci-dss-4.0.1.yaml",
        include_str!("../frameworks/pci-dss-4.0.1.yaml"),
    ),
    (
        "hipaa-security.yaml",
        include_str!("../frameworks/hipaa-security.yaml"),
    ),
    ("soc2.yaml", include_str!("../frameworks/soc2.yaml")),
];

/// Parsed once. A pack that does not load is a build defect that the
/// `packs_load_and_are_consistent` test catches; at run time it is left out
/// and [`load_errors`] says why, rather than taking the scan down.
static LOADED: LazyLock<(Vec<Pack>, Vec<String>)> = LazyLock::new(|| {
    let mut frameworks = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in PACKS {
        match Pack::parse(file, text) {
            Ok(framework) => frameworks.push(framework),
            Err(error) => errors.push(error),
        }
    }
    (frameworks, errors)
});

/// Every built-in framework, in `palisade frameworks list` order.
pub fn all() -> &'static [Pack] {
    &LOADED.0
}

/// Why a built-in pack did not load (empty in a correct build).
pub fn load_errors() -> &'static [String] {
    &LOADED.1
}

/// The built-in framework with this ID or alias (an earlier ID of the same
/// pack).
///
/// ```
/// let pci = palisade_frameworks::find("pci-dss-4.0.1").unwrap();
/// assert!(pci.requirement("7.2.1").is_some());
/// // The pack was labelled pci-dss-4.0 before; that name still selects it.
/// assert_eq!(palisade_frameworks::find("pci-dss-4.0").unwrap().id, "pci-dss-4.0.1");
/// assert!(palisade_frameworks::find("pci-dss-9").is_none());
/// ```
pub fn find(id: &str) -> Option<&'static Pack> {
    all().iter().find(|f| f.answers_to(id))
}

/// Every (framework, requirement) a control serves, for its documentation.
pub fn requirements_of(control_id: &str) -> Vec<(&'static Pack, &'static Requirement)> {
    all()
        .iter()
        .flat_map(|f| {
            f.requirements
                .iter()
                .filter(move |r| r.controls.iter().any(|c| c == control_id))
                .map(move |r| (f, r))
        })
        .collect()
}

/// How a control's reference page cites each requirement it serves (see
/// [`Pack::citation`]), in pack order.
pub fn citations_of(control_id: &str) -> Vec<String> {
    requirements_of(control_id)
        .into_iter()
        .map(|(f, r)| f.citation(r))
        .collect()
}

/// A control's documentation with the requirements it serves cited in its
/// `## References` (what SARIF rule help and `controls explain` show).
pub fn documentation(meta: &palisade_model::ControlMeta) -> String {
    palisade_controls::with_citations(meta.docs.trim_end(), &citations_of(meta.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_load_and_are_consistent() {
        assert_eq!(load_errors(), &[] as &[String]);
        assert_eq!(all().len(), PACKS.len());
        for (framework, (file, _)) in all().iter().zip(PACKS) {
            assert_eq!(format!("{}.yaml", framework.id), file);
            assert_eq!(framework.validate(), Vec::<String>::new(), "{file}");
        }
    }

    #[test]
    fn ids_and_aliases_name_one_pack_each() {
        let mut names: Vec<&str> = all()
            .iter()
            .flat_map(|f| std::iter::once(&f.id).chain(&f.aliases))
            .map(String::as_str)
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
    }

    #[test]
    fn pss_packs_cover_exactly_the_pss_controls() {
        use palisade_controls::{PssVersion, registry::pss_profile};
        use palisade_model::PssLevel;
        for (id, level) in [
            ("pss-baseline", PssLevel::Baseline),
            ("pss-restricted", PssLevel::Restricted),
        ] {
            let mut from_pack: Vec<&str> = find(id).map(|f| f.controls()).unwrap_or_default();
            from_pack.sort_unstable();
            let mut from_registry: Vec<&str> = pss_profile(level, PssVersion::Latest)
                .iter()
                .map(|c| c.meta.id)
                .collect();
            from_registry.sort_unstable();
            assert_eq!(from_pack, from_registry, "{id}");
        }
    }

    #[test]
    fn cis_kubernetes_crosswalk_names_older_versions() {
        let cis = find("cis-kubernetes-1.12").unwrap();
        let seccomp = cis.requirement("5.6.2").unwrap();
        assert_eq!(
            seccomp.previous_ids.get("v1.10").map(String::as_str),
            Some("5.7.2")
        );
        assert_eq!(
            cis.by_any_id("5.7.2", "v1.10").map(|r| r.id.as_str()),
            Some("5.6.2")
        );
    }
}
