//! Engine benchmarks: parsing alone versus parsing plus every control, on
//! the same in-memory manifests, so the cost of evaluation shows as the gap
//! between the two (the target is a whole scan within 2x of parsing); and
//! one check (no privileged container) as a built-in control, as a
//! Gatekeeper template, as a Conftest rule, as a Kyverno pattern and as a
//! Kyverno ValidatingPolicy in CEL, on the same objects, so the price of
//! each policy language per object shows as a ratio.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palisade_load::{Limits, parse_documents};
use palisade_policy::PolicySet;

fn corpus(resources: usize) -> String {
    let mut out = String::new();
    for i in 0..resources {
        let hardened = i % 3 == 0;
        let security = if hardened {
            "        securityContext:\n          allowPrivilegeEscalation: false\n          capabilities: {drop: [ALL]}\n"
        } else {
            "        securityContext:\n          privileged: true\n          capabilities: {add: [NET_ADMIN]}\n"
        };
        out.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: team-{ns}\n  labels: {{app: app-{i}, tier: backend}}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {{app: app-{i}}}\n  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      securityContext:\n        runAsNonRoot: {hardened}\n        seccompProfile: {{type: RuntimeDefault}}\n      containers:\n      - name: app\n        image: registry.example.com/app-{i}:1.{i}.0\n        ports:\n        - containerPort: 8080\n        resources:\n          requests: {{cpu: 100m, memory: 128Mi}}\n          limits: {{cpu: 500m, memory: 256Mi}}\n{security}        volumeMounts:\n        - {{name: config, mountPath: /etc/app}}\n      volumes:\n      - name: config\n        configMap: {{name: app-{i}}}\n",
            ns = i % 7
        ));
    }
    out
}

fn bench(c: &mut Criterion) {
    let text = corpus(1_000);
    let limits = Limits::default();
    let policy = PolicySet::all();
    let mut group = c.benchmark_group("1000-deployments");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("parse", |b| {
        b.iter(|| {
            parse_documents("bench.yaml".into(), &text, &limits)
                .documents
                .len()
        });
    });
    group.bench_function("parse+evaluate", |b| {
        b.iter(|| {
            let parsed = parse_documents("bench.yaml".into(), &text, &limits);
            parsed
                .documents
                .iter()
                .map(|d| policy.evaluate_document(d).findings.len())
                .sum::<usize>()
        });
    });
    let parsed = parse_documents("bench.yaml".into(), &text, &limits);
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            parsed
                .documents
                .iter()
                .map(|d| policy.evaluate_document(d).findings.len())
                .sum::<usize>()
        });
    });
    group.finish();
}

/// The library's privileged-containers template in miniature (containers,
/// init containers and ephemeral containers; exempt images left out).
const PRIVILEGED_TEMPLATE: &str = r#"
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: benchprivileged}
spec:
  crd: {spec: {names: {kind: BenchPrivileged}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package benchprivileged

        violation[{"msg": msg}] {
          c := input_containers[_]
          c.securityContext.privileged
          msg := sprintf("Privileged container is not allowed: %v", [c.name])
        }

        pod_spec = input.review.object.spec { input.review.object.kind == "Pod" }
        pod_spec = input.review.object.spec.template.spec { input.review.object.kind != "Pod" }

        input_containers[c] { c := pod_spec.containers[_] }
        input_containers[c] { c := pod_spec.initContainers[_] }
        input_containers[c] { c := pod_spec.ephemeralContainers[_] }
"#;

const PRIVILEGED_CONSTRAINT: &str = "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: BenchPrivileged\nmetadata: {name: bench-privileged}\n";

const PRIVILEGED_CONFTEST: &str = r#"
package main

import rego.v1

containers contains c if some c in input.spec.template.spec.containers
containers contains c if some c in input.spec.template.spec.initContainers

deny contains msg if {
  some c in containers
  c.securityContext.privileged
  msg := sprintf("Privileged container is not allowed: %v", [c.name])
}
"#;

/// Kyverno's own `disallow-privileged-containers` policy (kyverno/policies,
/// pod-security/baseline), its pattern as written; autogen gives the rule
/// for Deployments.
const PRIVILEGED_KYVERNO: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: bench-privileged}
spec:
  rules:
  - name: privileged-containers
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: Privileged mode is disallowed.
      pattern:
        spec:
          =(ephemeralContainers): [{=(securityContext): {=(privileged): "false"}}]
          =(initContainers): [{=(securityContext): {=(privileged): "false"}}]
          containers: [{=(securityContext): {=(privileged): "false"}}]
"#;

/// The same check as a ValidatingPolicy (Kyverno's pod-security-vpol
/// version), CEL, with autogen for Deployments.
const PRIVILEGED_CEL: &str = r#"
apiVersion: policies.kyverno.io/v1alpha1
kind: ValidatingPolicy
metadata: {name: bench-privileged}
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  variables:
  - name: allContainers
    expression: "object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])"
  validations:
  - expression: "variables.allContainers.all(c, c.?securityContext.?privileged.orValue(false) == false)"
    message: Privileged mode is disallowed.
"#;

fn kyverno_only(text: &str) -> PolicySet {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.yaml");
    std::fs::write(&path, text).unwrap();
    let (policies, errors, _) = palisade_policy::kyverno::KyvernoPolicies::load(&[path]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut policy = PolicySet::all();
    policy.selected_mut().clear();
    policy.set_kyverno_policies(policies);
    policy
}

fn rego_only(sources: palisade_rego::Sources) -> PolicySet {
    let policies =
        palisade_rego::Policies::compile(&sources, &palisade_rego::LoadOptions::default()).unwrap();
    let mut policy = PolicySet::all();
    policy.selected_mut().clear();
    policy.set_user_policies(policies).unwrap();
    policy
}

fn bench_rego(c: &mut Criterion) {
    let text = corpus(1_000);
    let parsed = parse_documents("bench.yaml".into(), &text, &Limits::default());
    let builtin = PolicySet::select(&[], &["privileged-container".to_string()]).unwrap();
    let doc = |text: &str| {
        palisade_rego::documents("bench.yaml", text)
            .unwrap()
            .remove(0)
    };
    let gatekeeper = rego_only(palisade_rego::Sources {
        templates: vec![("template.yaml".into(), doc(PRIVILEGED_TEMPLATE))],
        constraints: vec![("constraint.yaml".into(), doc(PRIVILEGED_CONSTRAINT))],
        ..Default::default()
    });
    let conftest = rego_only(palisade_rego::Sources {
        rego: vec![("privileged.rego".into(), PRIVILEGED_CONFTEST.into())],
        ..Default::default()
    });
    let count = |policy: &PolicySet| {
        parsed
            .documents
            .iter()
            .map(|d| policy.evaluate_document(d).findings.len())
            .sum::<usize>()
    };
    let kyverno = kyverno_only(PRIVILEGED_KYVERNO);
    let cel = kyverno_only(PRIVILEGED_CEL);
    // Same check, same verdicts: two of three Deployments are privileged.
    assert_eq!(count(&builtin), 666);
    assert_eq!(count(&gatekeeper), 666);
    assert_eq!(count(&conftest), 666);
    assert_eq!(count(&kyverno), 666);
    assert_eq!(count(&cel), 666);
    let mut group = c.benchmark_group("privileged-check-1000-deployments");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("built-in", |b| b.iter(|| count(&builtin)));
    group.bench_function("gatekeeper-rego", |b| b.iter(|| count(&gatekeeper)));
    group.bench_function("conftest-rego", |b| b.iter(|| count(&conftest)));
    group.bench_function("kyverno-pattern", |b| b.iter(|| count(&kyverno)));
    group.bench_function("kyverno-cel", |b| b.iter(|| count(&cel)));
    group.finish();
}

criterion_group!(benches, bench, bench_rego);
criterion_main!(benches);
