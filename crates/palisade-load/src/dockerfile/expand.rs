//! `ARG` and `ENV` substitution: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:+alternative}`, `${VAR+alternative}`, and `\$`
//! for a literal dollar, as BuildKit's shell lexer expands them. Build
//! arguments given on the command line are unknown here: an `ARG` takes its
//! default.
//!
//! Expansion is bounded. `ARG A1=${A0}${A0}`, `ARG A2=${A1}${A1}`, ... doubles
//! a value per line, so a Dockerfile under a kilobyte would otherwise grow to
//! gigabytes. One value may expand to [`MAX_VALUE_BYTES`]; the `ARG`s and
//! `ENV`s read in one pass over a file (the global `ARG`s, or one stage) may
//! expand to [`MAX_PASS_BYTES`] together; defaults nest [`MAX_NESTING`] deep.
//! A value past a bound is left unknown (like an `ARG` without a default), and
//! the parser reports the line once.

use super::Instruction;

/// Most bytes one `ARG` or `ENV` value, or one expanded text, may grow to.
/// Real values (a `PATH`, a URL, a PEM certificate) stay far below.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Most bytes the `ARG` and `ENV` values of one pass (the globals, or one
/// stage) may expand to together, so that `variables_at` costs at most this
/// much per call however many lines repeat a large value.
pub const MAX_PASS_BYTES: usize = 256 * 1024;

/// Deepest nesting of `${A:-${B:-...}}`: expansion recurses per level.
pub const MAX_NESTING: usize = 32;

/// Why a value was left unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpansionError {
    /// The value alone grew past [`MAX_VALUE_BYTES`].
    ValueTooLong,
    /// The values of this pass together grew past [`MAX_PASS_BYTES`].
    PassBudgetSpent,
    /// Defaults nested deeper than [`MAX_NESTING`].
    TooDeep,
}

impl std::fmt::Display for ExpansionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpansionError::ValueTooLong => {
                write!(f, "expands past {MAX_VALUE_BYTES} bytes")
            }
            ExpansionError::PassBudgetSpent => write!(
                f,
                "expands past {MAX_PASS_BYTES} bytes of ARG and ENV values in this stage"
            ),
            ExpansionError::TooDeep => {
                write!(f, "nests substitutions deeper than {MAX_NESTING}")
            }
        }
    }
}

/// A variable an `ARG` or `ENV` left unknown because its expansion ran past
/// a bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// The variable.
    pub name: String,
    /// Which bound.
    pub error: ExpansionError,
}

/// Variables in force at some point of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variables {
    /// `(name, value)`; `None` for an `ARG` declared without a default.
    vars: Vec<(String, Option<String>)>,
    /// Bytes the values declared so far may still expand to.
    pass_budget: usize,
}

impl Default for Variables {
    fn default() -> Self {
        Variables {
            vars: Vec::new(),
            pass_budget: MAX_PASS_BYTES,
        }
    }
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
    /// only when it declares them again. A value past a bound is left
    /// unknown; [`Variables::try_declare`] says which.
    pub fn declare(&mut self, instruction: &Instruction, globals: &Variables) {
        let _overflows = self.try_declare(instruction, globals);
    }

    /// [`Variables::declare`], returning the variables left unknown because
    /// their expansion ran past a bound.
    pub fn try_declare(&mut self, instruction: &Instruction, globals: &Variables) -> Vec<Overflow> {
        let text = instruction.text();
        let mut overflows = Vec::new();
        let assignments: Vec<(String, Option<String>)> = match instruction.keyword.as_str() {
            "ARG" => text
                .split_whitespace()
                .map(|word| match word.split_once('=') {
                    Some((name, value)) => (name.to_owned(), Some(unquote(value).to_owned())),
                    None => (word.to_owned(), None),
                })
                .collect(),
            "ENV" => env_pairs(&text)
                .into_iter()
                .map(|(name, value)| (name, Some(value)))
                .collect(),
            _ => return overflows,
        };
        for (name, raw) in assignments {
            let value = match raw {
                Some(raw) => match self.expand_declared(&raw) {
                    Ok(value) => Some(value),
                    Err(error) => {
                        overflows.push(Overflow {
                            name: name.clone(),
                            error,
                        });
                        None
                    }
                },
                None => globals.get(&name).map(str::to_owned),
            };
            self.set(&name, value);
        }
        overflows
    }

    /// Expands a declared value, charging it to this pass's budget (a
    /// failed expansion is charged what it cost before it stopped).
    fn expand_declared(&mut self, raw: &str) -> Result<String, ExpansionError> {
        if self.pass_budget == 0 {
            return Err(ExpansionError::PassBudgetSpent);
        }
        let limit = MAX_VALUE_BYTES.min(self.pass_budget);
        let mut out = String::new();
        let result = self.expand_into(raw, &mut out, limit, 0);
        self.pass_budget = self.pass_budget.saturating_sub(out.len());
        match result {
            Ok(()) => Ok(out),
            Err(ExpansionError::ValueTooLong) if limit < MAX_VALUE_BYTES => {
                self.pass_budget = 0;
                Err(ExpansionError::PassBudgetSpent)
            }
            Err(error) => Err(error),
        }
    }

    /// Substitutes variables in `text`. A text whose expansion would pass
    /// [`MAX_VALUE_BYTES`] or [`MAX_NESTING`] is returned unexpanded, as
    /// when its variables are unknown.
    ///
    /// ```
    /// use palisade_load::dockerfile::{parse_dockerfile, Variables};
    /// let parsed = parse_dockerfile("D".into(), "FROM x\nARG V=1.2\nENV NAME=app HOME=/srv/$NAME\nRUN true\n");
    /// let vars = parsed.dockerfile.variables_at(3);
    /// assert_eq!(vars.expand("${NAME}:$V ${MISSING:-dflt} ${V:+set} \\$V"), "app:1.2 dflt set $V");
    /// assert_eq!(vars.get("HOME"), Some("/srv/app"));
    /// ```
    pub fn expand(&self, text: &str) -> String {
        self.try_expand(text).unwrap_or_else(|_| text.to_owned())
    }

    /// [`Variables::expand`], saying why when a bound stops it.
    pub fn try_expand(&self, text: &str) -> Result<String, ExpansionError> {
        let mut out = String::with_capacity(text.len().min(MAX_VALUE_BYTES));
        self.expand_into(text, &mut out, MAX_VALUE_BYTES, 0)?;
        Ok(out)
    }

    /// Appends the expansion of `text` to `out`, failing once `out` would
    /// pass `limit` bytes or defaults nest past [`MAX_NESTING`].
    fn expand_into(
        &self,
        text: &str,
        out: &mut String,
        limit: usize,
        depth: usize,
    ) -> Result<(), ExpansionError> {
        if depth > MAX_NESTING {
            return Err(ExpansionError::TooDeep);
        }
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
                        let mut depth_of_braces = 1;
                        for c in chars.by_ref() {
                            match c {
                                '{' => depth_of_braces += 1,
                                '}' => {
                                    depth_of_braces -= 1;
                                    if depth_of_braces == 0 {
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            inner.push(c);
                        }
                        self.braced(&inner, out, limit, depth)?;
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
                        push_bounded(out, self.get(&name).unwrap_or(""), limit)?;
                    }
                    _ => out.push('$'),
                },
                c => out.push(c),
            }
            if out.len() > limit {
                return Err(ExpansionError::ValueTooLong);
            }
        }
        Ok(())
    }

    fn braced(
        &self,
        inner: &str,
        out: &mut String,
        limit: usize,
        depth: usize,
    ) -> Result<(), ExpansionError> {
        let name_end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_end);
        let value = self.get(name);
        let set_nonempty = value.is_some_and(|v| !v.is_empty());
        let word = |word: &str, out: &mut String| self.expand_into(word, out, limit, depth + 1);
        if let Some(alternative) = op.strip_prefix(":-") {
            return match value {
                Some(v) if set_nonempty => push_bounded(out, v, limit),
                _ => word(alternative, out),
            };
        }
        if let Some(alternative) = op.strip_prefix(":+") {
            return if set_nonempty {
                word(alternative, out)
            } else {
                Ok(())
            };
        }
        if let Some(alternative) = op.strip_prefix('-') {
            return match value {
                Some(v) => push_bounded(out, v, limit),
                None => word(alternative, out),
            };
        }
        if let Some(alternative) = op.strip_prefix('+') {
            return if value.is_some() {
                word(alternative, out)
            } else {
                Ok(())
            };
        }
        push_bounded(out, value.unwrap_or(""), limit)
    }
}

/// Appends `value` unless that would pass `limit` bytes.
fn push_bounded(out: &mut String, value: &str, limit: usize) -> Result<(), ExpansionError> {
    if out.len() + value.len() > limit {
        return Err(ExpansionError::ValueTooLong);
    }
    out.push_str(value);
    Ok(())
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
