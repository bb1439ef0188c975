//! Time spent per review outside HTTP: parse, decide, encode.
//! `cargo run --release -p palisade-server --example decide_cost -- reviews.jsonl`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use palisade_policy::Config;
use palisade_server::review::{ReviewResponse, parse};
use palisade_server::state::{Prepared, Sources};

fn main() {
    let path = std::env::args().nth(1).expect("reviews.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let bodies: Vec<&str> = text.lines().collect();
    let _ = Config::default();
    let mut prepared = Prepared::load(&Sources::default(), 1).unwrap();
    if let Ok(mode) = std::env::var("MODE") {
        prepared.settings.default_mode = mode.parse().unwrap();
    }
    let rounds = 20;
    let (mut t_parse, mut t_decide, mut t_encode) = (0.0, 0.0, 0.0);
    for _ in 0..rounds {
        for body in &bodies {
            let a = Instant::now();
            let request = parse(body.as_bytes()).unwrap();
            let b = Instant::now();
            let decision = palisade_server::decide::validate(&prepared, &request);
            let c = Instant::now();
            let out = serde_json::to_vec(&ReviewResponse::from(decision.response)).unwrap();
            std::hint::black_box(out);
            let d = Instant::now();
            t_parse += (b - a).as_secs_f64();
            t_decide += (c - b).as_secs_f64();
            t_encode += (d - c).as_secs_f64();
        }
    }
    let mut t_node = 0.0;
    let mut t_eval = 0.0;
    for body in &bodies {
        let request = parse(body.as_bytes()).unwrap();
        let object = request.object.clone().unwrap();
        let a = Instant::now();
        let node = palisade_load::json::node_from_json(&object);
        let b = Instant::now();
        let subject = palisade_server::evaluate::Subject {
            request: &request,
            object: &object,
            node: &node,
        };
        let findings = prepared.evaluator.evaluate(&subject).unwrap();
        std::hint::black_box(findings);
        t_node += (b - a).as_secs_f64();
        t_eval += b.elapsed().as_secs_f64();
    }
    println!(
        "of decide: node {:.1} us, evaluate {:.1} us",
        t_node / bodies.len() as f64 * 1e6,
        t_eval / bodies.len() as f64 * 1e6
    );
    let n = (rounds * bodies.len()) as f64;
    println!(
        "per review: parse {:.1} us, decide {:.1} us, encode {:.1} us",
        t_parse / n * 1e6,
        t_decide / n * 1e6,
        t_encode / n * 1e6
    );
}
