//! Encodings and digests: base64, hashes, JSON and YAML decoding, x509.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jmespath::Rcvar;
use sha2::Digest as _;

use super::{FnError, error, string_arg};
use crate::jmespath::value::{from_json, string};

/// Standard base64 with padding. Go's decoder skips line breaks; the
/// bytes become a string (invalid UTF-8 is replaced, where Go keeps it).
pub(crate) fn base64_decode(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("base64_decode", args, 0)?;
    let cleaned: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    let bytes = STANDARD
        .decode(cleaned)
        .map_err(|e| error("base64_decode", format!("illegal base64 data: {e}")))?;
    Ok(string(String::from_utf8_lossy(&bytes).into_owned()))
}

pub(crate) fn base64_encode(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("base64_encode", args, 0)?;
    Ok(string(STANDARD.encode(s.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn sha256(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("sha256", args, 0)?;
    Ok(string(hex(&sha2::Sha256::digest(s.as_bytes()))))
}

pub(crate) fn sha1(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("sha1", args, 0)?;
    Ok(string(hex(&sha1::Sha1::digest(s.as_bytes()))))
}

pub(crate) fn md5(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("md5", args, 0)?;
    Ok(string(hex(&md5::Md5::digest(s.as_bytes()))))
}

pub(crate) fn parse_json(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("parse_json", args, 0)?;
    let value: serde_json::Value = serde_json::from_str(s).map_err(|e| error("parse_json", e))?;
    Ok(from_json(&value))
}

/// The first YAML document as JSON, read as go-yaml v2 reads it (YAML 1.1
/// scalars), through the loader that reads manifests. An empty input is
/// null.
pub(crate) fn parse_yaml(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("parse_yaml", args, 0)?;
    let parsed =
        palisade_load::parse_documents("parse_yaml".into(), s, &palisade_load::Limits::default());
    if let Some(e) = parsed.errors.first() {
        return Err(error(
            "parse_yaml",
            format!("line {}: {}", e.line, e.message),
        ));
    }
    Ok(match parsed.documents.first() {
        Some(document) => from_json(&document.root.to_json()),
        None => from_json(&serde_json::Value::Null),
    })
}

/// Kyverno returns Go's `x509.Certificate` struct as JSON, dozens of
/// fields in Go's spelling; that is not reproduced.
pub(crate) fn x509_decode(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    string_arg("x509_decode", args, 0)?;
    Err(error("x509_decode", "not supported by Palisade"))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use serde_json::json;

    use super::super::testing::args;
    use super::*;

    // Go: Test_CustomFunctions_ValidationErrors.
    #[test]
    fn validation_errors() {
        type Handler = fn(&[Rcvar]) -> Result<Rcvar, FnError>;
        let cases: [(&str, Handler); 5] = [
            ("base64_decode", base64_decode),
            ("base64_encode", base64_encode),
            ("sha256", sha256),
            ("sha1", sha1),
            ("md5", md5),
        ];
        for (name, handler) in cases {
            let err = handler(&args(&[json!(123)])).unwrap_err();
            let want = format!("JMESPath function '{name}': argument #1 is not of type string");
            assert!(err.0.contains(&want), "{}", err.0);
        }
    }
}
