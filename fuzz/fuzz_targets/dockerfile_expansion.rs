//! `ARG`/`ENV` substitution on its own: the fuzzer's bytes are split into
//! declarations (every line becomes an `ARG` or `ENV`) and a last text to
//! expand, so it spends its time on `${A:-${B}}` nesting and doubling
//! chains rather than on the rest of the parser. Expansion must stay within
//! its bounds whatever the input: no panic, no value past
//! `MAX_VALUE_BYTES`, no stack overflow.
//!
//! Run with `cargo fuzz run dockerfile_expansion` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_load::dockerfile::{MAX_VALUE_BYTES, parse_dockerfile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (declarations, probe) = text.rsplit_once('\n').unwrap_or(("", text));
    let mut dockerfile = String::from("FROM x\n");
    for (i, line) in declarations.lines().enumerate() {
        let keyword = if i % 2 == 0 { "ARG" } else { "ENV" };
        dockerfile.push_str(keyword);
        dockerfile.push(' ');
        dockerfile.push_str(line);
        dockerfile.push('\n');
    }
    dockerfile.push_str("RUN true\n");
    let parsed = parse_dockerfile("Dockerfile".into(), &dockerfile);
    let Some(last) = parsed.dockerfile.instructions.len().checked_sub(1) else {
        return;
    };
    let vars = parsed.dockerfile.variables_at(last);
    if let Ok(expanded) = vars.try_expand(probe) {
        assert!(expanded.len() <= MAX_VALUE_BYTES);
    }
    assert!(vars.expand(probe).len() <= MAX_VALUE_BYTES.max(probe.len()));
});
