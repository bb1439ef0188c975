//! Any bytes through the Dockerfile pipeline: the parser (directives,
//! continuations, heredocs, JSON forms, substitution) and every control.
//! Nothing may panic, hang or blow up memory.
//!
//! Run with `cargo +nightly fuzz run scan_dockerfile` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_load::dockerfile::parse_dockerfile;
use palisade_policy::PolicySet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = parse_dockerfile("Dockerfile".into(), text);
    let policy = PolicySet::all();
    let _ = policy.evaluate_dockerfile(&parsed.dockerfile);
    for index in 0..parsed.dockerfile.instructions.len() {
        let vars = parsed.dockerfile.variables_at(index);
        let _ = vars.expand(text);
    }
});
