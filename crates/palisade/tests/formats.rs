//! Snapshot tests of every output format, on the same small input: one
//! Deployment with findings and one file that does not parse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

mod support;

fn scan(format: &str, extra: &[&str]) -> String {
    let out = support::binary()
        .args(["scan", "tests/e2e/formats", "--format", format])
        .args(extra)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a parse error makes the exit status 2"
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text() {
    insta::assert_snapshot!(scan("text", &["--color", "never"]));
}

#[test]
fn text_in_colour() {
    let coloured = scan("text", &["--color", "always"]);
    assert!(coloured.contains("\x1b[1;31mcritical"));
    insta::assert_snapshot!(coloured);
}

#[test]
fn json() {
    insta::assert_snapshot!(scan("json", &[]));
}

#[test]
fn sarif() {
    let sarif = scan("sarif", &[]);
    let value: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &value["runs"][0];
    for result in run["results"].as_array().unwrap() {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(
            region["startLine"].as_u64().unwrap() > 1,
            "a real region, never a dummy line 1"
        );
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"],
            result["ruleId"]
        );
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    insta::assert_snapshot!(sarif);
}

#[test]
fn junit() {
    insta::assert_snapshot!(scan("junit", &[]));
}

#[test]
fn github() {
    insta::assert_snapshot!(scan("github", &[]));
}

#[test]
fn html() {
    let html = scan("html", &["--framework", "pss-restricted"])
        .replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!(html);
}
