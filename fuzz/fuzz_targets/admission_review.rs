//! Any bytes as an AdmissionReview request body, through the webhook's
//! public parser (`palisade_server::review::parse`): what a network peer
//! sends must give a request or a `MalformedReview`, never a panic.
//!
//! Run with `cargo fuzz run admission_review` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = palisade_server::review::parse(data) {
        let _ = request.namespace();
        let _ = request.is_dry_run();
    }
});
