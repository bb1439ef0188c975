//! From text to raw instructions: directives, comments, continuations and
//! heredocs, with the line and column of every keyword.

use super::Heredoc;

/// An instruction before its arguments are interpreted.
#[derive(Debug, Clone)]
pub(crate) struct RawInstruction {
    pub(crate) keyword: String,
    pub(crate) rest: String,
    pub(crate) heredocs: Vec<Heredoc>,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) end_line: u32,
}

pub(crate) struct Lexed {
    pub(crate) directives: Vec<(String, String)>,
    pub(crate) instructions: Vec<RawInstruction>,
    /// `(line, message)`.
    pub(crate) errors: Vec<(u32, String)>,
}

/// Parser directives BuildKit honours.
const DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

pub(crate) fn lex(text: &str) -> Lexed {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let directives = directives(&lines);
    let escape = directives
        .iter()
        .find(|(k, _)| k == "escape")
        .and_then(|(_, v)| v.chars().next())
        .filter(|c| matches!(c, '\\' | '`'))
        .unwrap_or('\\');
    let mut lexed = Lexed {
        directives,
        instructions: Vec::new(),
        errors: Vec::new(),
    };
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        let start = i;
        i += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let column = (line.len() - trimmed.len()) as u32 + 1;
        let mut content = trimmed.to_owned();
        // Continuations: the escape character ends the line. Comment lines
        // and empty lines inside a continuation are dropped, as BuildKit does.
        while let Some(cut) = continued(&content, escape) {
            content.truncate(cut);
            let Some(&next) = lines.get(i) else { break };
            i += 1;
            let next_trimmed = next.trim_start();
            if next_trimmed.starts_with('#') || next_trimmed.is_empty() {
                // Keep the continuation going past the dropped line.
                content.push(escape);
                continue;
            }
            content.push_str(next);
        }
        let Some(mut raw) = split_keyword(&content, start as u32 + 1, column) else {
            continue;
        };
        if matches!(
            raw.keyword.to_ascii_uppercase().as_str(),
            "RUN" | "COPY" | "ADD"
        ) {
            for (delimiter, strip_tabs) in heredoc_markers(&raw.rest) {
                let body_line = i as u32 + 1;
                let mut body = Vec::new();
                let mut closed = false;
                while let Some(&next) = lines.get(i) {
                    i += 1;
                    let candidate = if strip_tabs {
                        next.trim_start_matches('\t')
                    } else {
                        next
                    };
                    if candidate == delimiter {
                        closed = true;
                        break;
                    }
                    body.push(candidate);
                }
                if !closed {
                    lexed.errors.push((
                        start as u32 + 1,
                        format!("heredoc <<{delimiter} is never closed by a line `{delimiter}`"),
                    ));
                }
                raw.heredocs.push(Heredoc {
                    delimiter,
                    body: body.join("\n"),
                    line: body_line,
                });
            }
        }
        raw.end_line = i.max(start + 1) as u32;
        lexed.instructions.push(raw);
    }
    lexed
}

/// Where the line's continuation character is, if the line continues.
fn continued(content: &str, escape: char) -> Option<usize> {
    let trimmed = content.trim_end();
    trimmed.strip_suffix(escape).map(str::len)
}

/// `# name=value` lines at the very top, before anything else.
fn directives(lines: &[&str]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for line in lines {
        let Some(body) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = body.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if !DIRECTIVES.contains(&name.as_str()) || found.iter().any(|(n, _)| *n == name) {
            break;
        }
        found.push((name, value.trim().to_owned()));
    }
    found
}

/// Splits `KEYWORD rest`; `None` for a line with no word.
pub(crate) fn split_keyword(text: &str, line: u32, column: u32) -> Option<RawInstruction> {
    let text = text.trim_start();
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (keyword, rest) = text.split_at(end);
    if keyword.is_empty() {
        return None;
    }
    Some(RawInstruction {
        keyword: keyword.to_owned(),
        rest: rest.trim_start().to_owned(),
        heredocs: Vec::new(),
        line,
        column,
        end_line: line,
    })
}

/// The heredocs an instruction opens: `<<EOF`, `<<-EOF`, `<<"EOF"`,
/// `<<'EOF'`, in order, with whether leading tabs are stripped.
fn heredoc_markers(rest: &str) -> Vec<(String, bool)> {
    let mut markers = Vec::new();
    let mut search = rest;
    while let Some(at) = search.find("<<") {
        let after = search.get(at + 2..).unwrap_or("");
        let (strip_tabs, after) = match after.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let (quote, after) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), after.get(1..).unwrap_or("")),
            _ => (None, after),
        };
        let word: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let valid_start = word
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let closed = match quote {
            Some(q) => after.get(word.len()..).is_some_and(|t| t.starts_with(q)),
            None => true,
        };
        if valid_start && closed {
            markers.push((word.clone(), strip_tabs));
        }
        search = after.get(word.len()..).unwrap_or("");
    }
    markers
}
