//! Dockerfiles (and Containerfiles), parsed as BuildKit's frontend reads
//! them: parser directives (`# syntax=`, `# escape=`), line continuations
//! with the escape character, comment lines (also inside continuations),
//! shell and exec (JSON) forms, `--flag=value` options, heredocs (`<<EOF`,
//! `<<-EOF`, quoted delimiters), `ONBUILD`, and multi-stage builds with
//! `ARG` and `ENV` substitution.
//!
//! Every instruction keeps the line and column of its keyword, so findings
//! point at it. A line that cannot be parsed (an unknown instruction, an
//! unterminated heredoc, an instruction before the first `FROM`) is an error
//! naming its line; the rest of the file is still parsed.

mod expand;
mod lexer;

use std::sync::Arc;

use crate::LoadError;
pub use expand::{
    ExpansionError, MAX_NESTING, MAX_PASS_BYTES, MAX_VALUE_BYTES, Overflow, Variables,
};

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The file as named on the command line or by the walk.
    pub file: Arc<str>,
    /// Parser directives, lower-cased names (`syntax`, `escape`, `check`).
    pub directives: Vec<(String, String)>,
    /// Every instruction, in order (ARGs before the first FROM included).
    pub instructions: Vec<Instruction>,
    /// The build stages, in order.
    pub stages: Vec<Stage>,
}

/// An instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// JSON array form: `CMD ["nginx", "-g", "daemon off;"]`.
    Exec(Vec<String>),
    /// Shell form, continuations joined: `RUN apt-get update && ...`.
    Shell(String),
}

/// A `--name=value` option of an instruction (`--platform`, `--from`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without the dashes.
    pub name: String,
    /// `None` for a bare `--link`.
    pub value: Option<String>,
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, e.g. `EOF`.
    pub delimiter: String,
    /// The lines between the instruction and the delimiter.
    pub body: String,
    /// 1-based line of the first body line.
    pub line: u32,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword: `FROM`, `RUN`, `COPY`...
    pub keyword: String,
    /// Its options, in order.
    pub flags: Vec<Flag>,
    /// Its arguments (after the options).
    pub args: Args,
    /// Heredocs, in order.
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD`: the instruction it registers.
    pub onbuild: Option<Box<Instruction>>,
    /// 1-based line of the keyword.
    pub line: u32,
    /// 1-based column of the keyword.
    pub column: u32,
    /// Last line the instruction spans (continuations and heredocs included).
    pub end_line: u32,
    /// The stage it belongs to; `None` before the first `FROM`.
    pub stage: Option<usize>,
}

/// One build stage: a `FROM` and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// 0-based.
    pub index: usize,
    /// `AS name`, lower-cased as BuildKit compares them.
    pub name: Option<String>,
    /// The base image as written.
    pub base: String,
    /// The base image with global `ARG`s substituted.
    pub base_expanded: String,
    /// `--platform`, when given.
    pub platform: Option<String>,
    /// Index of the `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// Index one past its last instruction.
    pub end: usize,
}

/// What parsing a file produced: what could be read, and what could not.
#[derive(Debug, Clone)]
pub struct ParsedDockerfile {
    pub dockerfile: Dockerfile,
    pub errors: Vec<LoadError>,
}

/// Keywords BuildKit knows.
pub const KEYWORDS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl Instruction {
    /// The arguments as one string (exec form joined with spaces).
    pub fn text(&self) -> String {
        match &self.args {
            Args::Shell(text) => text.clone(),
            Args::Exec(words) => words.join(" "),
        }
    }

    /// A flag's value.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value.as_deref())
    }

    /// The shell script it runs: the shell form, or heredoc bodies for
    /// `RUN <<EOF`.
    pub fn script(&self) -> String {
        let mut script = self.text();
        for heredoc in &self.heredocs {
            script.push('\n');
            script.push_str(&heredoc.body);
        }
        script
    }
}

impl Dockerfile {
    /// The instructions of a stage.
    pub fn stage_instructions(&self, stage: &Stage) -> &[Instruction] {
        self.instructions.get(stage.from..stage.end).unwrap_or(&[])
    }

    /// The last stage: what `docker build` produces without `--target`.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The variables in force at an instruction of a stage (global `ARG`s
    /// redeclared in the stage, the stage's own `ARG`s and `ENV`s), for
    /// substituting `$VAR` in its arguments.
    pub fn variables_at(&self, index: usize) -> Variables {
        let mut vars = Variables::default();
        let Some(stage) = self
            .instructions
            .get(index)
            .and_then(|i| i.stage)
            .and_then(|s| self.stages.get(s))
        else {
            return vars;
        };
        let globals = global_args(&self.instructions);
        for instruction in self.instructions.get(stage.from + 1..index).unwrap_or(&[]) {
            vars.declare(instruction, &globals);
        }
        vars
    }
}

fn global_args(instructions: &[Instruction]) -> Variables {
    let mut globals = Variables::default();
    for instruction in instructions.iter().take_while(|i| i.keyword != "FROM") {
        globals.declare(instruction, &Variables::default());
    }
    globals
}

/// Parses a Dockerfile.
///
/// ```
/// use palisade_load::dockerfile::{parse_dockerfile, Args};
/// let text = "# syntax=docker/dockerfile:1\nARG BASE=alpine:3.20\nFROM ${BASE} AS build\nRUN apk add \\\n    curl\nFROM scratch\nCOPY --from=build /bin/sh /sh\nCMD [\"/sh\"]\n";
/// let parsed = parse_dockerfile("Dockerfile".into(), text);
/// assert!(parsed.errors.is_empty());
/// let d = parsed.dockerfile;
/// assert_eq!(d.stages[0].base_expanded, "alpine:3.20");
/// assert_eq!(d.stages[0].name.as_deref(), Some("build"));
/// assert_eq!(d.instructions[2].args, Args::Shell("apk add     curl".into()));
/// assert_eq!(d.instructions[2].line, 4);
/// assert_eq!(d.instructions[4].flag("from"), Some("build"));
/// assert_eq!(d.instructions[5].args, Args::Exec(vec!["/sh".into()]));
/// ```
pub fn parse_dockerfile(file: Arc<str>, text: &str) -> ParsedDockerfile {
    let lexed = lexer::lex(text);
    let mut errors: Vec<LoadError> = lexed
        .errors
        .into_iter()
        .map(|(line, message)| LoadError {
            file: file.clone(),
            line,
            column: 1,
            message,
        })
        .collect();
    let mut instructions = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for raw in lexed.instructions {
        let (line, column) = (raw.line, raw.column);
        let instruction = match build(raw, stages.len().checked_sub(1)) {
            Ok(instruction) => instruction,
            Err(message) => {
                errors.push(LoadError {
                    file: file.clone(),
                    line,
                    column,
                    message,
                });
                continue;
            }
        };
        if instruction.keyword == "FROM" {
            if let Some(last) = stages.last_mut() {
                last.end = instructions.len();
            }
            stages.push(stage_of(&instruction, stages.len(), instructions.len()));
        } else if stages.is_empty() && instruction.keyword != "ARG" {
            errors.push(LoadError {
                file: file.clone(),
                line,
                column,
                message: format!(
                    "{} before the first FROM (only ARG may come before it)",
                    instruction.keyword
                ),
            });
            continue;
        }
        instructions.push(instruction);
    }
    if let Some(last) = stages.last_mut() {
        last.end = instructions.len();
    }
    if stages.is_empty() && errors.is_empty() && !instructions.is_empty() {
        errors.push(LoadError::file(file.clone(), "no FROM instruction"));
    }
    errors.extend(expansion_errors(&file, &instructions, &stages));
    let globals = global_args(&instructions);
    for stage in &mut stages {
        stage.base_expanded = globals.expand(&stage.base);
    }
    for (index, instruction) in instructions.iter_mut().enumerate() {
        if instruction.keyword == "FROM" {
            instruction.stage = stages.iter().position(|s| s.from == index);
        }
    }
    ParsedDockerfile {
        dockerfile: Dockerfile {
            file,
            directives: lexed.directives,
            instructions,
            stages,
        },
        errors,
    }
}

/// The `ARG`s and `ENV`s whose values expand past a bound (see
/// [`Variables`]), each an error at its line: one pass over the global
/// `ARG`s, then one per stage, as `variables_at` reads them.
fn expansion_errors(
    file: &Arc<str>,
    instructions: &[Instruction],
    stages: &[Stage],
) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let mut report = |instruction: &Instruction, overflows: Vec<Overflow>| {
        for overflow in overflows {
            errors.push(LoadError {
                file: file.clone(),
                line: instruction.line,
                column: instruction.column,
                message: format!(
                    "{} {} {}; its value is left unknown",
                    instruction.keyword, overflow.name, overflow.error
                ),
            });
        }
    };
    let mut globals = Variables::default();
    for instruction in instructions.iter().take_while(|i| i.keyword != "FROM") {
        let overflows = globals.try_declare(instruction, &Variables::default());
        report(instruction, overflows);
    }
    for stage in stages {
        if let (Some(from), Err(error)) = (
            instructions.get(stage.from),
            globals.try_expand(&stage.base),
        ) {
            let name = String::from("the base image");
            report(from, vec![Overflow { name, error }]);
        }
        let mut vars = Variables::default();
        for instruction in instructions.get(stage.from + 1..stage.end).unwrap_or(&[]) {
            let overflows = vars.try_declare(instruction, &globals);
            report(instruction, overflows);
        }
    }
    errors
}

/// Turns a lexed instruction into an [`Instruction`].
fn build(raw: lexer::RawInstruction, stage: Option<usize>) -> Result<Instruction, String> {
    let keyword = raw.keyword.to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        return Err(format!("unknown instruction `{}`", raw.keyword));
    }
    let (flags, rest) = if matches!(
        keyword.as_str(),
        "FROM" | "COPY" | "ADD" | "RUN" | "HEALTHCHECK"
    ) {
        split_flags(&raw.rest)
    } else {
        (Vec::new(), raw.rest.as_str())
    };
    let onbuild = if keyword == "ONBUILD" {
        let inner = lexer::split_keyword(rest, raw.line, raw.column)
            .ok_or_else(|| "ONBUILD needs an instruction".to_owned())?;
        let inner_keyword = inner.keyword.to_ascii_uppercase();
        if matches!(inner_keyword.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
            return Err(format!("ONBUILD cannot trigger {inner_keyword}"));
        }
        Some(Box::new(build(inner, stage)?))
    } else {
        None
    };
    let args = if matches!(
        keyword.as_str(),
        "RUN" | "CMD" | "ENTRYPOINT" | "COPY" | "ADD" | "SHELL" | "VOLUME"
    ) && rest.trim_start().starts_with('[')
    {
        match serde_json::from_str::<Vec<String>>(rest.trim()) {
            Ok(words) => Args::Exec(words),
            // BuildKit falls back to the shell form when the JSON is invalid.
            Err(_) => Args::Shell(rest.trim().to_owned()),
        }
    } else {
        Args::Shell(rest.trim().to_owned())
    };
    if keyword == "FROM" && args == Args::Shell(String::new()) {
        return Err("FROM needs an image".into());
    }
    Ok(Instruction {
        keyword,
        flags,
        args,
        heredocs: raw.heredocs,
        onbuild,
        line: raw.line,
        column: raw.column,
        end_line: raw.end_line,
        stage,
    })
}

/// Leading `--name[=value]` words, and the rest of the arguments.
fn split_flags(rest: &str) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    let mut rest = rest.trim_start();
    while let Some(after) = rest.strip_prefix("--") {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let (word, tail) = after.split_at(end);
        let (name, value) = match word.split_once('=') {
            Some((name, value)) => (name, Some(value.trim_matches('"').to_owned())),
            None => (word, None),
        };
        flags.push(Flag {
            name: name.to_ascii_lowercase(),
            value,
        });
        rest = tail.trim_start();
    }
    (flags, rest)
}

fn stage_of(from: &Instruction, index: usize, position: usize) -> Stage {
    let text = from.text();
    let words: Vec<&str> = text.split_whitespace().collect();
    let base = words.first().copied().unwrap_or("").to_owned();
    let name = match (words.get(1), words.get(2)) {
        (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    Stage {
        index,
        name,
        base,
        base_expanded: String::new(),
        platform: from.flag("platform").map(str::to_owned),
        from: position,
        end: position + 1,
    }
}

#[cfg(test)]
mod tests;
