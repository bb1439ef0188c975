//! Upstream's message helpers, reproduced byte for byte
//! (`k8s.io/pod-security-admission/policy/helpers.go`).

/// `"a", "b", "c"`; empty for no items. Items are inserted raw.
pub(crate) fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Singular iff `n == 1`.
pub(crate) fn plural<'a>(singular: &'a str, plural: &'a str, n: usize) -> &'a str {
    if n == 1 { singular } else { plural }
}

/// De-duplicated and sorted byte-wise.
pub(crate) fn sorted_set<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|s| s.as_ref().to_owned()).collect();
    out.sort();
    out.dedup();
    out
}

/// `container "a"` or `containers "a", "b"`.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        plural("container", "containers", names.len()),
        quote_list(names)
    )
}

/// Upstream's "setters": `pod`, then the containers, joined by ` and `.
pub(crate) fn setters<S: AsRef<str>>(pod: bool, containers: &[S]) -> String {
    let mut parts = Vec::new();
    if pod {
        parts.push("pod".to_owned());
    }
    if !containers.is_empty() {
        parts.push(containers_phrase(containers));
    }
    parts.join(" and ")
}

/// Go's `%q` for a string.
pub(crate) fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `reason (detail)`: upstream's rendering of one forbidden check.
pub(crate) fn reason_detail(reason: &str, detail: &str) -> String {
    format!("{reason} ({detail})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_match_upstream() {
        assert_eq!(quote_list::<&str>(&[]), "");
        assert_eq!(quote_list(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(sorted_set(&["b", "a", "b", "B"]), ["B", "a", "b"]);
        assert_eq!(sorted_set(&["8080", "10000"]), ["10000", "8080"]);
        assert_eq!(
            setters(true, &["a", "b"]),
            "pod and containers \"a\", \"b\""
        );
        assert_eq!(setters::<&str>(true, &[]), "pod");
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }
}
