//! What the end-to-end tests of the binary share: running `palisade`,
//! reading its JSON, writing input files. Each test file uses a part.

#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The repository's root (examples, scripts).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the environment of whoever runs the tests could set that changes
/// what the binary does: one list for every end-to-end test.
const SCRUBBED: [&str; 8] = [
    "PALISADE_CONFIG",
    "PALISADE_FIM_BASELINE",
    "PALISADE_NODE_NAME",
    // Who `palisade fim` records as running it, before `USER`.
    "SUDO_USER",
    "PALISADE_FORMAT",
    "PALISADE_FAIL_ON",
    "PALISADE_AUDIT_DB",
    "PALISADE_IMAGE_CACHE",
];

/// The binary, without colour and without the variables of [`SCRUBBED`]
/// (a test that needs one sets it after).
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_palisade"));
    command.env("NO_COLOR", "1");
    for name in SCRUBBED {
        command.env_remove(name);
    }
    command
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = binary();
    command.args(args).current_dir(dir);
    command
}

/// Runs the binary in `dir` (an empty temporary folder unless a test needs
/// the workspace), so no `palisade.yaml` is picked up by accident.
pub fn palisade_in(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// Runs the binary in the workspace.
pub fn palisade(args: &[&str]) -> Output {
    palisade_in(&workspace(), args)
}

/// Runs the binary in the workspace with `input` on its standard input.
pub fn palisade_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = command(&workspace(), args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Standard output as JSON, or a panic that shows both streams.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes `text` to `dir/name`, creating folders on the way.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// The first installed of some programs, and Chromium's names.
#[allow(unused_imports)]
pub use palisade_testkit::browser::{CHROMIUM, installed};

/// The artifact URI of each SARIF result, in order.
pub fn sarif_uris(sarif: &Value) -> Vec<String> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}
