//! `palisade scan --write-baseline FILE`: the exceptions that waive exactly
//! today's findings, so that a team adopts Palisade on a repository with
//! findings and CI fails only on new ones from the first day. Each finding
//! gets the narrowest exception that matches it (its control, kind,
//! namespace, name and container), with an owner placeholder, the reason
//! `baseline`, the day it was written and an expiry. The file is a
//! configuration holding exceptions only: `--baseline FILE` adds it to any
//! configuration, and `--config FILE` reads it alone.
//!
//! Written again, a baseline keeps what people filled in (owner, reason,
//! ticket, the day written and the expiry) for each finding still there,
//! drops the entries of fixed findings, and adds the new ones.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use palisade_model::Finding;

use crate::config::{Config, ConfigError};

/// What an exception waives: control, kind, namespace, name, container.
type Scope = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What people may have filled in an entry.
#[derive(Debug, Clone)]
struct Kept {
    justification: String,
    owner: Option<String>,
    ticket: Option<String>,
    created: Option<String>,
    expires: Option<String>,
}

/// The baseline for `findings`, as the text of the file `path`.
/// `existing` is the file's text when it exists. Findings waived by an
/// exception of another file (or an annotation) are left out: something
/// else already accepts them.
pub fn write(
    findings: &[Finding],
    path: &str,
    existing: Option<&str>,
    today: Date,
    expires: Date,
) -> Result<(String, usize), ConfigError> {
    let kept = match existing {
        Some(text) => kept_entries(path, text)?,
        None => BTreeMap::new(),
    };
    let ours = format!("{path}:");
    let scopes: BTreeSet<Scope> = findings
        .iter()
        .filter(|f| {
            f.waiver
                .as_ref()
                .is_none_or(|w| w.source.starts_with(&ours))
        })
        .map(|f| {
            (
                f.control.to_owned(),
                f.resource.kind.clone(),
                f.resource.namespace.clone(),
                f.resource.name.clone(),
                f.container.clone(),
            )
        })
        .collect();
    let mut out = format!(
        "# Palisade baseline: one exception per finding of the scan of {today}\n\
         # (palisade scan --write-baseline). Fill in each owner and reason; an\n\
         # entry stops waiving after its expiry, and `palisade exceptions audit`\n\
         # lists the entries whose finding is fixed. Use it with --baseline {path}.\n"
    );
    if scopes.is_empty() {
        out.push_str("exceptions: []\n");
        return Ok((out, 0));
    }
    out.push_str("exceptions:\n");
    for scope in &scopes {
        let (control, kind, namespace, name, container) = scope;
        let entry = kept.get(scope).cloned().unwrap_or_else(|| Kept {
            justification: "baseline".to_owned(),
            owner: None,
            ticket: None,
            created: Some(today.to_string()),
            expires: Some(expires.to_string()),
        });
        out.push_str(&format!("  - controls: [{}]\n", quoted(control)));
        out.push_str(&format!("    kinds: [{}]\n", quoted(kind)));
        if let Some(namespace) = namespace {
            out.push_str(&format!("    namespaces: [{}]\n", quoted(namespace)));
        }
        if let Some(name) = name {
            out.push_str(&format!("    names: [{}]\n", quoted(&literal_glob(name))));
        }
        if let Some(container) = container {
            out.push_str(&format!(
                "    containers: [{}]\n",
                quoted(&literal_glob(container))
            ));
        }
        out.push_str(&format!(
            "    justification: {}\n",
            quoted(&entry.justification)
        ));
        out.push_str(&format!(
            "    owner: {}\n",
            quoted(entry.owner.as_deref().unwrap_or("TODO"))
        ));
        if let Some(ticket) = &entry.ticket {
            out.push_str(&format!("    ticket: {}\n", quoted(ticket)));
        }
        if let Some(created) = &entry.created {
            out.push_str(&format!("    created: {}\n", quoted(created)));
        }
        if let Some(expires) = &entry.expires {
            out.push_str(&format!("    expires: {}\n", quoted(expires)));
        }
    }
    Ok((out, scopes.len()))
}

/// The entries of an existing baseline, by the one finding each waives.
fn kept_entries(path: &str, text: &str) -> Result<BTreeMap<Scope, Kept>, ConfigError> {
    let config = Config::parse(path, text)?;
    if !config.only_exceptions() {
        return Err(ConfigError(format!(
            "{path}: holds settings besides exceptions; --write-baseline writes a file of its own (use it with --baseline)"
        )));
    }
    let mut kept = BTreeMap::new();
    for exception in config.exception_configs() {
        let one = |list: &[String]| match list {
            [only] => Some(Some(only.clone())),
            [] => Some(None),
            _ => None,
        };
        let (Some(Some(control)), Some(Some(kind)), Some(namespace), Some(name), Some(container)) = (
            one(&exception.controls),
            one(&exception.kinds),
            one(&exception.namespaces),
            one(&exception.names).map(|n| n.map(|n| unglob(&n))),
            one(&exception.containers).map(|c| c.map(|c| unglob(&c))),
        ) else {
            continue;
        };
        kept.insert(
            (control, kind, namespace, name, container),
            Kept {
                justification: exception.justification.clone(),
                owner: exception.owner.clone().filter(|o| o != "TODO"),
                ticket: exception.ticket.clone(),
                created: exception.created.clone(),
                expires: exception.expires.clone(),
            },
        );
    }
    Ok(kept)
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A name matched literally by the exception's glob: each of `*?[]{}`
/// in a class of its own.
fn literal_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}') {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

/// [`literal_glob`] undone.
fn unglob(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '['
            && let Some(&inner) = chars.peek()
        {
            let mut ahead = chars.clone();
            ahead.next();
            if ahead.peek() == Some(&']') && matches!(inner, '*' | '?' | '[' | ']' | '{' | '}') {
                out.push(inner);
                chars.next();
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_with_glob_characters_are_matched_literally() {
        for name in ["web", "app/Dockerfile", "a*b", "x[1]", "{y}?"] {
            assert_eq!(unglob(&literal_glob(name)), name);
            let glob = globset::Glob::new(&literal_glob(name))
                .unwrap()
                .compile_matcher();
            assert!(glob.is_match(name), "{name}");
        }
        assert!(
            !globset::Glob::new(&literal_glob("a*b"))
                .unwrap()
                .compile_matcher()
                .is_match("axxb")
        );
    }
}
