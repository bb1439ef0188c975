//! Any text as `palisade.yaml` (`palisade_policy::Config::parse`): a
//! configuration or an error naming file, line and column, never a panic.
//! Building the policy set from a configuration that parsed exercises its
//! validation (controls, severities, parameters, exceptions) too.
//!
//! Run with `cargo fuzz run config` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_policy::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Config::parse("palisade.yaml", text) {
        if let Ok(frameworks) = config.frameworks(&[]) {
            let _ = config.policy_with(&frameworks, &[], None);
        }
    }
});
