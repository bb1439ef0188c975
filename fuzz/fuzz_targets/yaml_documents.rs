//! The YAML reader alone, with the checks a scan relies on: no panic, every
//! position inside the text (a finding points at a real line and column),
//! every error naming a line of the text, and the patched scanner's
//! go-yaml readings (tabs after `:`, quoted scalars continued at any
//! indentation) only ever making a document readable, never a crash.
//!
//! Run with `cargo fuzz run yaml_documents` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_load::{Limits, parse_documents};
use palisade_model::{Node, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_documents("fuzz.yaml".into(), text, &Limits::default());
    // Lines as YAML counts them: a lone `\r` breaks a line too (as it
    // does in go-yaml and in editors), which `str::lines` does not see.
    let breaks = text.replace("\r\n", "\n").matches(['\n', '\r']).count();
    let lines = u32::try_from(breaks + 1).unwrap_or(u32::MAX);
    for error in &parsed.errors {
        assert!(error.line <= lines + 1, "{error} past line {lines}");
    }
    for document in &parsed.documents {
        let mut stack: Vec<&Node> = vec![&document.root];
        while let Some(node) = stack.pop() {
            assert!(
                node.pos.line >= 1 && node.pos.line <= lines + 1,
                "{:?}",
                node.pos
            );
            assert!(node.pos.column >= 1);
            match &node.value {
                Value::Seq(items) => stack.extend(items.iter()),
                Value::Map(entries) => {
                    for entry in entries {
                        assert!(entry.key_pos.line >= 1 && entry.key_pos.line <= lines + 1);
                        stack.push(&entry.value);
                    }
                }
                _ => {}
            }
        }
    }
});
