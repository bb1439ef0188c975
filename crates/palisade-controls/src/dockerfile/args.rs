//! Instruction arguments as the controls need them: words with quotes
//! removed, `ARG`/`ENV` substitution that remembers which variables had no
//! value (a build argument without a default is only known at build time),
//! and the sources and destination of `COPY` and `ADD`.

use std::ops::Range;

use palisade_load::dockerfile::{Args, Dockerfile, Instruction, Variables};

/// A text with variables substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Substituted {
    /// Known variables substituted, unknown ones as written.
    pub(crate) shown: String,
    /// Known variables substituted, unknown ones replaced by a placeholder.
    pub(crate) parsed: String,
    /// Where the placeholders are in `parsed`.
    pub(crate) unknown: Vec<Range<usize>>,
}

/// Substitutes `$NAME` and `${...}` references; a reference that expands
/// to nothing (unset, declared without a default, or empty) is unknown and
/// replaced by `placeholder` in [`Substituted::parsed`].
pub(crate) fn substitute(text: &str, vars: &Variables, placeholder: &str) -> Substituted {
    let mut out = Substituted {
        shown: String::with_capacity(text.len()),
        parsed: String::with_capacity(text.len()),
        unknown: Vec::new(),
    };
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        let (literal, from_dollar) = rest.split_at(dollar);
        out.shown.push_str(literal);
        out.parsed.push_str(literal);
        let len = reference_len(from_dollar);
        if len == 0 {
            out.shown.push('$');
            out.parsed.push('$');
            rest = from_dollar.get(1..).unwrap_or("");
            continue;
        }
        let (reference, after) = from_dollar.split_at(len.min(from_dollar.len()));
        let value = vars.expand(reference);
        if value.is_empty() {
            out.shown.push_str(reference);
            let start = out.parsed.len();
            out.parsed.push_str(placeholder);
            out.unknown.push(start..out.parsed.len());
        } else {
            out.shown.push_str(&value);
            out.parsed.push_str(&value);
        }
        rest = after;
    }
    out.shown.push_str(rest);
    out.parsed.push_str(rest);
    out
}

/// The text with variables substituted, or `None` when one has no value.
pub(crate) fn resolve(text: &str, vars: &Variables) -> Option<String> {
    let substituted = substitute(text, vars, "");
    substituted.unknown.is_empty().then_some(substituted.parsed)
}

/// The length of the variable reference at the start of `text` (`$NAME` or
/// `${...}`), 0 when the `$` starts none.
fn reference_len(text: &str) -> usize {
    let Some(after) = text.strip_prefix('$') else {
        return 0;
    };
    if after.starts_with('{') {
        let mut depth = 0usize;
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 2;
                    }
                }
                _ => {}
            }
        }
        return text.len();
    }
    if !after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return 0;
    }
    1 + after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len())
}

/// Whitespace-separated words, quotes removed, as a shell splits them.
pub(crate) fn words(text: &str) -> Vec<String> {
    palisade_load::words::split(text)
}

/// `(name, value)` of an `ENV` (`A=1 B="x y"`, or the legacy `NAME value
/// with spaces`) or of an `ARG`'s defaults (`A=1 B`, `B` having none).
pub(crate) fn assignments(text: &str, env: bool) -> Vec<(String, String)> {
    let all = words(text);
    if env && all.first().is_some_and(|w| !w.contains('=')) {
        let trimmed = text.trim();
        let (name, value) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        return vec![(name.to_owned(), value.trim().to_owned())];
    }
    all.into_iter()
        .filter_map(|w| {
            w.split_once('=')
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// The paths of a `COPY` or `ADD`, with variables substituted: each source
/// (`None` when a variable in it has no value), and the destination.
/// Heredoc sources (`<<EOF`) are kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CopyPaths {
    pub(crate) sources: Vec<Option<String>>,
    pub(crate) destination: Option<String>,
}

/// The paths of the `COPY` or `ADD` at `index`.
pub(crate) fn copy_paths(dockerfile: &Dockerfile, index: usize) -> Option<CopyPaths> {
    let instruction: &Instruction = dockerfile.instructions.get(index)?;
    let raw = match &instruction.args {
        Args::Exec(words) => words.clone(),
        Args::Shell(text) => words(text),
    };
    let vars = dockerfile.variables_at(index);
    let mut paths: Vec<Option<String>> = raw
        .iter()
        .map(|w| {
            if w.starts_with("<<") {
                Some(w.clone())
            } else {
                resolve(w, &vars)
            }
        })
        .collect();
    let destination = paths.pop().flatten();
    Some(CopyPaths {
        sources: paths,
        destination,
    })
}

#[cfg(test)]
mod tests {
    use palisade_load::dockerfile::parse_dockerfile;

    use super::*;

    #[test]
    fn substitution_keeps_unknown_variables() {
        let d = parse_dockerfile("D".into(), "FROM x\nARG A=1\nARG B\nRUN true\n").dockerfile;
        let vars = d.variables_at(3);
        let s = substitute("r/$A:${B}-${C:-c}$", &vars, "_");
        assert_eq!(s.shown, "r/1:${B}-c$");
        assert_eq!(s.parsed, "r/1:_-c$");
        assert_eq!(s.unknown, vec![4..5]);
        assert_eq!(resolve("$A/x", &vars).as_deref(), Some("1/x"));
        assert_eq!(resolve("$B/x", &vars), None);
    }

    #[test]
    fn words_and_copy_paths() {
        assert_eq!(
            words(r#"  "a b" 'c\d' e\ f "g\"h"  "#),
            ["a b", "c\\d", "e f", "g\"h"]
        );
        let d = parse_dockerfile(
            "D".into(),
            "FROM x\nARG DIR=src\nCOPY --chown=a \"$DIR/a.txt\" $NOPE/b <<EOF /dst/\nhi\nEOF\nADD [\"$DIR/c\", \"/d\"]\n",
        )
        .dockerfile;
        assert_eq!(
            copy_paths(&d, 2),
            Some(CopyPaths {
                sources: vec![Some("src/a.txt".into()), None, Some("<<EOF".into())],
                destination: Some("/dst/".into()),
            })
        );
        assert_eq!(
            copy_paths(&d, 3).map(|p| p.sources),
            Some(vec![Some("src/c".into())])
        );
    }
}
