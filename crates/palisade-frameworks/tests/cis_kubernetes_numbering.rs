//! The CIS Kubernetes pack's numbers and titles, checked against kube-bench's
//! definition of the same benchmark version (`cfg/cis-1.12/policies.yaml` in
//! the conformance corpus), so a number carried over from another version
//! cannot pass review again. The corpus lives beside the repository
//! (`../shared/conformance`, or `$PALISADE_CONFORMANCE_DIR`); without it the
//! test says so and passes, unless `PALISADE_REQUIRE_CONFORMANCE=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
struct Benchmark {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    checks: Vec<Check>,
}

#[derive(Deserialize)]
struct Check {
    id: String,
    text: String,
}

fn corpus_file(relative: &str) -> Option<PathBuf> {
    let conformance = std::env::var_os("PALISADE_CONFORMANCE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
        PathBuf::from,
    );
    let file = conformance.join(relative);
    if file.is_file() {
        return Some(file);
    }
    assert!(
        std::env::var("PALISADE_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
        "conformance corpus file missing: {}",
        file.display()
    );
    println!("{} missing; skipping", file.display());
    None
}

/// kube-bench's recommendations, ID to title without its `(Manual)` or
/// `(Automated)` suffix.
fn kube_bench(file: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(file).unwrap();
    let benchmark: Benchmark = serde_saphyr::from_str(&text).unwrap();
    benchmark
        .groups
        .into_iter()
        .flat_map(|g| g.checks)
        .map(|c| {
            let title = c
                .text
                .trim()
                .trim_end_matches(" (Manual)")
                .trim_end_matches(" (Automated)")
                .to_owned();
            (c.id, title)
        })
        .collect()
}

#[test]
fn cis_kubernetes_pack_matches_kube_bench_cis_1_12() {
    let pack = palisade_frameworks::find("cis-kubernetes-1.12").unwrap();
    let mut upstream = BTreeMap::new();
    // Every section: control plane (master.yaml), etcd, control-plane
    // configuration, worker nodes and policies.
    for section in [
        "master.yaml",
        "etcd.yaml",
        "controlplane.yaml",
        "node.yaml",
        "policies.yaml",
    ] {
        let Some(file) = corpus_file(&format!("kube-bench/cfg/cis-1.12/{section}")) else {
            return;
        };
        let recommendations = kube_bench(&file);
        for id in recommendations
            .keys()
            .filter(|id| id.matches('.').count() == 2)
        {
            assert!(
                pack.requirement(id).is_some(),
                "kube-bench cis-1.12 {section} {id} is missing from the pack"
            );
        }
        upstream.extend(recommendations);
    }
    for requirement in &pack.requirements {
        assert_eq!(
            upstream.get(&requirement.id),
            Some(&requirement.title),
            "cis-kubernetes-1.12 {} differs from kube-bench cis-1.12",
            requirement.id
        );
    }
}

/// The managed-Kubernetes packs, each against its kube-bench definition:
/// every recommendation there is in the pack, with the same title, and
/// nothing else is.
#[test]
fn managed_kubernetes_packs_match_kube_bench() {
    for (pack_id, folder) in [
        ("cis-eks-1.8", "eks-1.8.0"),
        ("cis-gke-1.9", "gke-1.9.0"),
        ("cis-aks-1.8", "aks-1.8"),
    ] {
        let pack = palisade_frameworks::find(pack_id).unwrap();
        let mut upstream = BTreeMap::new();
        for section in [
            "controlplane.yaml",
            "node.yaml",
            "policies.yaml",
            "managedservices.yaml",
        ] {
            let Some(file) = corpus_file(&format!("kube-bench/cfg/{folder}/{section}")) else {
                return;
            };
            upstream.extend(kube_bench(&file));
        }
        let recommendations: Vec<&String> = upstream
            .keys()
            .filter(|id| id.matches('.').count() == 2)
            .collect();
        for id in &recommendations {
            assert!(
                pack.requirement(id).is_some(),
                "kube-bench {folder} {id} is missing from {pack_id}"
            );
        }
        for requirement in &pack.requirements {
            assert_eq!(
                upstream.get(&requirement.id),
                Some(&requirement.title),
                "{pack_id} {} differs from kube-bench {folder}",
                requirement.id
            );
        }
        assert_eq!(pack.requirements.len(), recommendations.len(), "{pack_id}");
    }
}
