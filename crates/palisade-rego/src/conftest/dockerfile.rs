//! A Dockerfile in the shape Conftest's Dockerfile parser gives policies, so
//! that existing Dockerfile policies run unchanged: an array of commands,
//! each `{"Cmd", "SubCmd", "JSON", "Flags", "Value", "Stage"}`, with the
//! comments before an instruction as `comment` commands. `Value` splits the
//! arguments as BuildKit's parser does for each instruction (`FROM` and
//! `COPY` by whitespace, `ENV` and `LABEL` into names and values, `RUN` and
//! `USER` whole).

use palisade_load::dockerfile::{Args, Dockerfile, Instruction};
use regorus::Value;

use crate::value::object;

/// The input a Conftest Dockerfile policy receives.
pub fn input(dockerfile: &Dockerfile, text: &str) -> Value {
    let lines: Vec<&str> = text.lines().collect();
    let mut commands = Vec::new();
    let mut previous_end = directive_lines(&lines);
    for instruction in &dockerfile.instructions {
        let stage = instruction.stage.unwrap_or(0);
        let first = previous_end as usize;
        let last = instruction.line.saturating_sub(1) as usize;
        for line in lines.get(first..last).unwrap_or_default() {
            if let Some(comment) = line.trim_start().strip_prefix('#') {
                commands.push(command(
                    "comment",
                    "",
                    false,
                    Vec::new(),
                    vec![comment.trim().to_string()],
                    stage,
                ));
            }
        }
        previous_end = instruction.end_line;
        let (sub, inner) = match &instruction.onbuild {
            Some(inner) => (inner.keyword.to_ascii_lowercase(), inner.as_ref()),
            None => (String::new(), instruction),
        };
        commands.push(command(
            &instruction.keyword.to_ascii_lowercase(),
            &sub,
            matches!(inner.args, Args::Exec(_)),
            flags(instruction),
            values(inner),
            stage,
        ));
    }
    Value::from(commands)
}

/// The instruction a policy's message is about, by index into
/// `dockerfile.instructions`, when the message names it: it quotes one of
/// the instruction's values (`FROM golang:1.23`, a `RUN` line) and no other
/// instruction's value as specific. Conftest gives policies no positions and
/// reports its findings against the whole file; so does Palisade (`None`)
/// when the message names no instruction, or several alike.
pub fn instruction_named_by(message: &str, dockerfile: &Dockerfile) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    let mut tied = false;
    for (index, instruction) in dockerfile.instructions.iter().enumerate() {
        let inner = instruction.onbuild.as_deref().unwrap_or(instruction);
        let all = values(inner);
        let joined = all.join(" ");
        let score = all
            .iter()
            .chain(std::iter::once(&joined))
            .filter(|needle| quotes(message, needle))
            .map(|needle| needle.chars().count())
            .max();
        match (score, best) {
            (Some(score), Some((_, top))) if score == top => tied = true,
            (Some(score), Some((_, top))) if score < top => {}
            (Some(score), _) => {
                best = Some((index, score));
                tied = false;
            }
            (None, _) => {}
        }
    }
    best.filter(|_| !tied).map(|(index, _)| index)
}

/// Whether `message` holds `needle` as a whole word: at least three
/// characters with a letter or digit, not inside a longer word.
fn quotes(message: &str, needle: &str) -> bool {
    if needle.chars().count() < 3 || !needle.chars().any(char::is_alphanumeric) {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    message.match_indices(needle).any(|(at, _)| {
        let before = message.get(..at).and_then(|b| b.chars().next_back());
        let after = message
            .get(at + needle.len()..)
            .and_then(|a| a.chars().next());
        !word(before) && !word(after)
    })
}

/// Parser directives (`# syntax=...`, `# escape=...`) open the file and are
/// not comments to BuildKit.
fn directive_lines(lines: &[&str]) -> u32 {
    let count = lines
        .iter()
        .take_while(|line| {
            line.trim_start()
                .strip_prefix('#')
                .and_then(|rest| rest.split_once('='))
                .is_some_and(|(name, _)| {
                    let name = name.trim().to_ascii_lowercase();
                    name == "syntax" || name == "escape" || name == "check"
                })
        })
        .count();
    u32::try_from(count).unwrap_or(0)
}

fn command(
    cmd: &str,
    sub: &str,
    json: bool,
    flags: Vec<String>,
    value: Vec<String>,
    stage: usize,
) -> Value {
    let strings =
        |items: Vec<String>| Value::from(items.into_iter().map(Value::from).collect::<Vec<_>>());
    object([
        ("Cmd", Value::from(cmd)),
        ("SubCmd", Value::from(sub)),
        ("JSON", Value::Bool(json)),
        ("Flags", strings(flags)),
        ("Value", strings(value)),
        ("Stage", Value::from(stage)),
    ])
}

fn flags(instruction: &Instruction) -> Vec<String> {
    instruction
        .flags
        .iter()
        .map(|f| match &f.value {
            Some(value) => format!("--{}={value}", f.name),
            None => format!("--{}", f.name),
        })
        .collect()
}

/// BuildKit's node values for one instruction.
fn values(instruction: &Instruction) -> Vec<String> {
    let text = match &instruction.args {
        Args::Exec(words) => return words.clone(),
        Args::Shell(text) => text.trim(),
    };
    match instruction.keyword.as_str() {
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "USER" | "WORKDIR" | "MAINTAINER"
        | "STOPSIGNAL" => {
            vec![text.to_string()]
        }
        "ENV" | "LABEL" => name_values(text),
        "HEALTHCHECK" => match text.split_once(char::is_whitespace) {
            Some((first, rest)) => vec![first.to_string(), rest.trim().to_string()],
            None => vec![text.to_string()],
        },
        _ => words(text),
    }
}

/// `a=1 b="x y"` -> `[a, 1, b, "x y"]` (quotes kept, as BuildKit keeps them
/// in its syntax tree); the legacy `NAME value words` -> `[NAME, value words]`.
fn name_values(text: &str) -> Vec<String> {
    let all = words(text);
    if all.first().is_some_and(|w| w.contains('=')) {
        all.iter()
            .flat_map(|w| match w.split_once('=') {
                Some((name, value)) => vec![name.to_string(), value.to_string()],
                None => vec![w.clone()],
            })
            .collect()
    } else {
        match text.split_once(char::is_whitespace) {
            Some((name, value)) => vec![name.to_string(), value.trim().to_string()],
            None => vec![text.to_string()],
        }
    }
}

/// Whitespace-separated words; quoted spans (with their quotes) stay whole.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match (c, quote) {
            ('\\', _) => {
                current.push(c);
                escaped = true;
            }
            ('"' | '\'', None) => {
                quote = Some(c);
                current.push(c);
            }
            (c, Some(q)) if c == q => {
                quote = None;
                current.push(c);
            }
            (c, None) if c.is_whitespace() => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_load::dockerfile::parse_dockerfile;

    #[test]
    fn shapes_commands_as_conftest_does() {
        let text = "# syntax=docker/dockerfile:1\n# base image\nFROM --platform=linux/amd64 alpine:3.19 AS build\n\
                    ENV A=1 B=\"two words\"\nRUN apk add curl \\\n    && rm -rf /var/cache\nCMD [\"sh\", \"-c\", \"x\"]\n\
                    FROM scratch\nCOPY --from=build /a /b\nUSER 1000\nONBUILD RUN make\n";
        let parsed = parse_dockerfile("Dockerfile".into(), text);
        let json = crate::value::to_json(&input(&parsed.dockerfile, text));
        let expected = serde_json::json!([
            {"Cmd": "comment", "SubCmd": "", "JSON": false, "Flags": [], "Value": ["base image"], "Stage": 0},
            {"Cmd": "from", "SubCmd": "", "JSON": false, "Flags": ["--platform=linux/amd64"], "Value": ["alpine:3.19", "AS", "build"], "Stage": 0},
            {"Cmd": "env", "SubCmd": "", "JSON": false, "Flags": [], "Value": ["A", "1", "B", "\"two words\""], "Stage": 0},
            {"Cmd": "run", "SubCmd": "", "JSON": false, "Flags": [], "Value": ["apk add curl     && rm -rf /var/cache"], "Stage": 0},
            {"Cmd": "cmd", "SubCmd": "", "JSON": true, "Flags": [], "Value": ["sh", "-c", "x"], "Stage": 0},
            {"Cmd": "from", "SubCmd": "", "JSON": false, "Flags": [], "Value": ["scratch"], "Stage": 1},
            {"Cmd": "copy", "SubCmd": "", "JSON": false, "Flags": ["--from=build"], "Value": ["/a", "/b"], "Stage": 1},
            {"Cmd": "user", "SubCmd": "", "JSON": false, "Flags": [], "Value": ["1000"], "Stage": 1},
            {"Cmd": "onbuild", "SubCmd": "run", "JSON": false, "Flags": [], "Value": ["make"], "Stage": 1},
        ]);
        assert_eq!(json, expected);
    }

    #[test]
    fn finds_the_instruction_a_message_quotes() {
        let text = "FROM golang:1.23 AS build\nRUN go build ./...\nFROM debian:12-slim\nUSER root\nFROM debian:12-slim\n";
        let parsed = parse_dockerfile("Dockerfile".into(), text);
        let at = |message: &str| instruction_named_by(message, &parsed.dockerfile);
        assert_eq!(
            at("stage 0 builds FROM golang:1.23, not an Acme base image"),
            Some(0)
        );
        assert_eq!(at("unallowed commands found [\"go build ./...\"]"), Some(1));
        assert_eq!(at("do not run as root"), Some(3));
        // Named twice alike, or not at all: the whole file.
        assert_eq!(at("debian:12-slim is not allowed"), None);
        assert_eq!(at("a HEALTHCHECK is required"), None);
        // Not inside a longer word.
        assert_eq!(at("rootless images only"), None);
    }
}
