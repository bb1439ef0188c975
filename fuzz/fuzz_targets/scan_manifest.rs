//! Any bytes through the whole manifest pipeline: UTF-8 check, YAML/JSON
//! parsing with limits, object discovery, pod specs and every control.
//! Nothing may panic, hang or blow up memory.
//!
//! Run with `cargo +nightly fuzz run scan_manifest` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_load::{Limits, parse_documents};
use palisade_policy::PolicySet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = parse_documents("fuzz.yaml".into(), text, &Limits::default());
    let policy = PolicySet::all();
    for document in &parsed.documents {
        let _ = policy.evaluate_document(document);
    }
});
