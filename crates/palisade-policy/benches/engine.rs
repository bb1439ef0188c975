//! Engine benchmarks: parsing alone versus parsing plus every control, on
//! the same in-memory manifests, so the cost of evaluation shows as the gap
//! between the two (the target is a whole scan within 2x of parsing).

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

criterion_group!(benches, bench);
criterion_main!(benches);
