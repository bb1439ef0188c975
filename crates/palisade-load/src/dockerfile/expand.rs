//! `ARG` and `ENV` substitution: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:+alternative}`, `${VAR+alternative}`, and `\$`
//! for a literal dollar, as BuildKit's shell lexer expands them. Build
//! arguments given on the command line are unknown here: an `ARG` takes its
//! default.

use super::Instruction;

/// Variables in force at some point of a Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    /// `(name, value)`; `None` for an `ARG` declared without a default.
    vars: Vec<(String, Option<String>)>,
}

impl Variables {
    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn set(&mut self, name: &str, value: Option<String>) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value));
    }

    /// Applies an `ARG` or `ENV` (other instructions change nothing).
    /// `globals` are the `ARG`s before the first `FROM`, which a stage sees
    /// only when it declares them again.
    pub fn declare(&mut self, instruction: &Instruction, globals: &Variables) {
        let text = instruction.text();
        match instruction.keyword.as_str() {
            "ARG" => {
                for word in text.split_whitespace() {
                    match word.split_once('=') {
                        Some((name, value)) => {
                            let value = self.expand(unquote(value));
                            self.set(name, Some(value));
                        }
                        None => self.set(word, globals.get(word).map(str::to_owned)),
                    }
                }
            }
            "ENV" => {
                for (name, value) in env_pairs(&text) {
                    let value = self.expand(&value);
                    self.set(&name, Some(value));
                }
            }
            _ => {}
        }
    }

    /// Substitutes variables in `text`.
    ///
    /// ```
    /// use palisade_load::dockerfile::{parse_dockerfile, Variables};
    /// let parsed = parse_dockerfile("D".into(), "FROM x\nARG V=1.2\nENV NAME=app HOME=/srv/$NAME\nRUN true\n");
    /// let vars = parsed.dockerfile.variables_at(3);
    /// assert_eq!(vars.expand("${NAME}:$V ${MISSING:-dflt} ${V:+set} \\$V"), "app:1.2 dflt set $V");
    /// assert_eq!(vars.get("HOME"), Some("/srv/app"));
    /// ```
    pub fn expand(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'$') => {
                    out.push('$');
                    chars.next();
                }
                '$' => match chars.peek() {
                    Some('{') => {
                        chars.next();
                        let mut inner = String::new();
                        let mut depth = 1;
                        for c in chars.by_ref() {
                            match c {
                                '{' => depth += 1,
                                '}' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            inner.push(c);
                        }
                        out.push_str(&self.braced(&inner));
                    }
                    Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                        let mut name = String::new();
                        while let Some(&c) = chars.peek() {
                            if c.is_ascii_alphanumeric() || c == '_' {
                                name.push(c);
                                chars.next();
                            } else {
                                break;
                            }
                        }
                        out.push_str(self.get(&name).unwrap_or(""));
                    }
                    _ => out.push('$'),
                },
                c => out.push(c),
            }
        }
        out
    }

    fn braced(&self, inner: &str) -> String {
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_end);
        let value = self.get(name);
        let set_nonempty = value.is_some_and(|v| !v.is_empty());
        if let Some(word) = op.strip_prefix(":-") {
            return if set_nonempty {
                value.unwrap_or("").to_owned()
            } else {
                self.expand(word)
            };
        }
        if let Some(word) = op.strip_prefix(":+") {
            return if set_nonempty {
                self.expand(word)
            } else {
                String::new()
            };
        }
        if let Some(word) = op.strip_prefix('-') {
            return match value {
                Some(v) => v.to_owned(),
                None => self.expand(word),
            };
        }
        if let Some(word) = op.strip_prefix('+') {
            return if value.is_some() {
                self.expand(word)
            } else {
                String::new()
            };
        }
        value.unwrap_or("").to_owned()
    }
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// `ENV A=1 B="two words"` or the legacy `ENV A value with spaces`.
pub(crate) fn env_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let first = text.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (name, value) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        return vec![(name.to_owned(), value.trim().to_owned())];
    }
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            let mut quote = None;
            while let Some(&c) = chars.peek() {
                match (quote, c) {
                    (None, '"' | '\'') => quote = Some(c),
                    (Some(q), c) if c == q => quote = None,
                    (None, c) if c.is_whitespace() => break,
                    (_, '\\') => {
                        chars.next();
                        if let Some(&escaped) = chars.peek() {
                            value.push(escaped);
                        }
                    }
                    _ => value.push(c),
                }
                chars.next();
            }
        }
        pairs.push((name, value));
    }
    pairs
}
