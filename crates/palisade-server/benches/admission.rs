//! The webhook's work per request without the network: parse the
//! AdmissionReview, decide (every built-in control, the restricted profile
//! enforced and the rest warned, as `scripts/bench-serve.sh` configures),
//! and encode the answer. `reviews.jsonl` is 40 reviews from
//! `scripts/gen-admission-reviews.py 40`: Pods and Deployments, CREATE and
//! UPDATE, a third of them hardened.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palisade_server::decide;
use palisade_server::review::{self, ReviewResponse};
use palisade_server::state::{PolicyFiles, Prepared};

fn prepared() -> (tempfile::TempDir, Prepared) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("palisade.yaml");
    std::fs::write(
        &config,
        "admission:\n  mode: warn\n  frameworks: {pss-restricted: enforce}\n",
    )
    .unwrap();
    let sources = PolicyFiles {
        config: Some(config),
        ..PolicyFiles::default()
    };
    let prepared = Prepared::load(&sources, 1).unwrap();
    (dir, prepared)
}

fn bench(c: &mut Criterion) {
    let bodies: Vec<&[u8]> = include_str!("reviews.jsonl")
        .lines()
        .map(str::as_bytes)
        .collect();
    let (_dir, prepared) = prepared();
    let requests: Vec<_> = bodies.iter().map(|b| review::parse(b).unwrap()).collect();
    let mut group = c.benchmark_group("admission-40-reviews");
    group.throughput(Throughput::Elements(bodies.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for body in &bodies {
                std::hint::black_box(review::parse(body).unwrap());
            }
        });
    });
    group.bench_function("decide", |b| {
        b.iter(|| {
            for request in &requests {
                std::hint::black_box(decide::validate(&prepared, request));
            }
        });
    });
    group.bench_function("parse-decide-encode", |b| {
        b.iter(|| {
            for body in &bodies {
                let request = review::parse(body).unwrap();
                let decision = decide::validate(&prepared, &request);
                let out = serde_json::to_vec(&ReviewResponse::from(decision.response)).unwrap();
                std::hint::black_box(out);
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
