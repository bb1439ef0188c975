//! YAML as the API server reads it: `kubectl apply` sends YAML through
//! `sigs.k8s.io/yaml`, which decodes with its fork of go-yaml v2
//! (`sigs.k8s.io/yaml/goyaml.v2`) and converts to JSON. Each row is an input
//! and go-yaml v2's reading of it (as JSON, or a rejection), stated from its
//! scanner (`scannerc.go` on the v2 branch of github.com/go-yaml/yaml):
//!
//! - `yaml_parser_scan_flow_scalar` checks a quoted scalar's continuation
//!   lines only for a document marker at column 0 and for the end of input;
//!   their indentation is not checked, and their leading blanks are folded
//!   away. YAML 1.2 and saphyr-parser require them to be indented past the
//!   parent block.
//! - `yaml_parser_scan_to_next_token` skips tabs wherever a simple key is not
//!   allowed, which is right after the `:` of a simple key (block mappings)
//!   and anywhere in flow collections; `:` is a value indicator when followed
//!   by any blank (`is_blankz`: space, tab, break). So `key:<TAB>value` is a
//!   key and its value. Tabs as indentation stay an error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade_load::{Limits, parse_documents};
use serde_json::{Value, json};

/// go-yaml v2's reading: the document as JSON, or a rejection.
enum GoYaml {
    Reads(Value),
    Rejects,
}

fn read(text: &str) -> Result<Value, String> {
    let parsed = parse_documents("compat.yaml".into(), text, &Limits::default());
    if let Some(error) = parsed.errors.first() {
        return Err(error.to_string());
    }
    Ok(parsed
        .documents
        .first()
        .map_or(Value::Null, |d| d.root.to_json()))
}

fn table() -> Vec<(&'static str, &'static str, GoYaml)> {
    use GoYaml::{Reads, Rejects};
    vec![
        (
            "double-quoted scalar continued at its key's indentation",
            "metadata:\n  annotations:\n    description: \"a long\n    text\"\n",
            Reads(json!({"metadata": {"annotations": {"description": "a long text"}}})),
        ),
        (
            "single-quoted scalar continued at its key's indentation",
            "a:\n  b: 'one\n  two'\n  c: 1\n",
            Reads(json!({"a": {"b": "one two", "c": 1}})),
        ),
        (
            "quoted scalar continued at column 0",
            "a:\n  b: \"x\ny\"\n",
            Reads(json!({"a": {"b": "x y"}})),
        ),
        (
            "quoted scalar continued in a sequence item",
            "args:\n- \"--flag=a\n  b\"\n- c\n",
            Reads(json!({"args": ["--flag=a b", "c"]})),
        ),
        (
            "quoted scalar with an empty continuation line (a newline)",
            "a: \"x\n\ny\"\n",
            Reads(json!({"a": "x\ny"})),
        ),
        (
            "document marker inside a quoted scalar",
            "a: \"x\n---\ny\"\n",
            Rejects,
        ),
        (
            "tab after ':' in a block mapping",
            "apiVersion:\tv1\nkind:\tPod\n",
            Reads(json!({"apiVersion": "v1", "kind": "Pod"})),
        ),
        (
            "tab after ':' before a scalar of each kind",
            "a:\t1\nb:\ttrue\nc:\t\"q\"\nd:\t-1\ne:\t~\n",
            Reads(json!({"a": 1, "b": true, "c": "q", "d": -1, "e": null})),
        ),
        (
            "tab after ':' in a nested block mapping",
            "spec:\n  hostPID:\ttrue\n  containers:\n  - name:\tapp\n",
            Reads(json!({"spec": {"hostPID": true, "containers": [{"name": "app"}]}})),
        ),
        (
            "tabs and spaces after ':'",
            "a: \t b\nc:\t c\n",
            Reads(json!({"a": "b", "c": "c"})),
        ),
        (
            "tab after ':' in a flow mapping",
            "labels: {app:\tweb, tier:\tfront}\n",
            Reads(json!({"labels": {"app": "web", "tier": "front"}})),
        ),
        (
            "tab after ':' in a flow mapping inside a sequence",
            "ports: [{containerPort:\t80}]\n",
            Reads(json!({"ports": [{"containerPort": 80}]})),
        ),
        (
            "tab inside a plain scalar stays",
            "a: x\ty\n",
            Reads(json!({"a": "x\ty"})),
        ),
        (
            "tab after ':' inside a quoted scalar is content",
            "a: \"k:\tv\"\n",
            Reads(json!({"a": "k:\tv"})),
        ),
        ("tab as indentation", "a:\n\tb: 1\n", Rejects),
    ]
}

#[test]
fn yaml_is_read_as_go_yaml_v2_reads_it() {
    let mut wrong = Vec::new();
    for (name, text, go) in table() {
        let ours = read(text);
        let agrees = match (&go, &ours) {
            (GoYaml::Reads(expected), Ok(actual)) => expected == actual,
            (GoYaml::Rejects, Err(_)) => true,
            _ => false,
        };
        if !agrees {
            let expected = match go {
                GoYaml::Reads(v) => v.to_string(),
                GoYaml::Rejects => "an error".to_owned(),
            };
            wrong.push(format!(
                "{name}: go-yaml reads {expected}, Palisade {ours:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Positions stay exact where the input was read leniently.
#[test]
fn positions_survive_the_lenient_readings() {
    let text = "a:\tx\nb:\n  c: \"one\n  two\"\n  d:\t4\n";
    let parsed = parse_documents("p.yaml".into(), text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let root = &parsed.documents[0].root;
    let a = root.entry("a").unwrap();
    assert_eq!((a.value.pos.line, a.value.pos.column), (1, 4));
    let b = root.get("b").unwrap();
    let c = b.entry("c").unwrap();
    assert_eq!((c.value.pos.line, c.value.pos.column), (3, 6));
    let d = b.entry("d").unwrap();
    assert_eq!((d.key_pos.line, d.key_pos.column), (5, 3));
    assert_eq!((d.value.pos.line, d.value.pos.column), (5, 6));
}
