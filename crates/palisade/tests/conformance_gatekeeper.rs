//! Conformance harness: every fixture suite of the Gatekeeper library's Pod
//! Security Policy templates (`gatekeeper-library-psp/`,
//! open-policy-agent/gatekeeper-library @ 5c441fb6), run through
//! `palisade test` with the templates and constraints exactly as shipped.
//!
//! Palisade runs the upstream policies themselves, so no mapping is needed:
//! each case's own assertions (`violations: yes/no/N`, `message` regex) are
//! the verdict, as `gator verify` reads them. Every case must agree; the
//! report lists each suite with its count.
//!
//! Without the corpus (a user's clone) the test says so and passes, unless
//! `PALISADE_REQUIRE_CONFORMANCE=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod conformance;

use serde_json::Value as Json;

mod support;

/// Cases in the corpus (a ratchet: it may only grow).
const CASES: usize = 140;

#[test]
fn every_gatekeeper_psp_suite_case_agrees() {
    let Some(corpus) = conformance::corpus_dir("gatekeeper-library-psp") else {
        return;
    };
    let library = corpus.join("library/pod-security-policy");
    let output = support::binary()
        .args(["test", "--format", "json"])
        .arg(&library)
        .output()
        .expect("run palisade test");
    let report: Json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let groups = report["groups"].as_array().expect("groups");

    let mut total = 0;
    let mut failures = Vec::new();
    println!("{:<28} {:>7}", "suite", "agreed");
    for group in groups {
        let name = group["name"].as_str().unwrap_or_default();
        let suite = name
            .strip_prefix(&format!("{}/", library.display()))
            .unwrap_or(name)
            .trim_end_matches("/suite.yaml");
        assert!(group["error"].is_null(), "{suite}: {}", group["error"]);
        let (passed, failed) = (
            group["passed"].as_u64().unwrap(),
            group["failed"].as_u64().unwrap(),
        );
        println!("{suite:<28} {passed:>3}/{:<3}", passed + failed);
        total += passed + failed;
        for test in group["tests"].as_array().unwrap() {
            if test["outcome"] == "fail" {
                failures.push(format!("{}: {}", test["name"], test["message"]));
            }
        }
    }
    println!("{total} cases in {} suites", groups.len());
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
    assert_eq!(groups.len(), 19, "every template directory has a suite");
    assert!(
        total as usize >= CASES,
        "{total} cases, fewer than the {CASES} expected"
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
