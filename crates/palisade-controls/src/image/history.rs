//! An image's build history read back as Dockerfile instructions. The
//! builders record each step's `created_by` differently:
//! - the classic builder: `/bin/sh -c apt-get update` for a shell-form
//!   `RUN`, `|2 A=1 B=2 /bin/sh -c ...` when build arguments were set, the
//!   bare words of an exec-form `RUN`, and `/bin/sh -c #(nop)  ADD
//!   file:<sha256> in /dest` for every other instruction (sources named by
//!   a content hash: `file:`, `dir:`, `multi:`);
//! - BuildKit: the instruction as written, `RUN /bin/sh -c apt-get update
//!   # buildkit`, `ADD app.tar.gz /app # buildkit`, `COPY . /app`.

use std::sync::Arc;

use palisade_load::dockerfile::parse_dockerfile;
use palisade_load::image::HistoryStep;
use palisade_model::FieldPath;

use crate::dockerfile::args::copy_paths;

/// What one history step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Instruction {
    /// A `RUN`, with the script the shell ran (exec-form words joined).
    Run(String),
    /// An `ADD`, with its sources (options and destination dropped).
    Add(Vec<String>),
    /// Any other instruction, by its keyword.
    Other(String),
}

/// The instructions of a history, each with its index in it.
pub(crate) fn instructions(history: &[HistoryStep]) -> impl Iterator<Item = (usize, Instruction)> {
    history
        .iter()
        .enumerate()
        .map(|(index, step)| (index, instruction(&step.created_by)))
}

/// The index of the step that made the bottom layer: a base image's root
/// filesystem (`ADD file:<sha256> in /` or `ADD rootfs.tar.xz /`).
pub(crate) fn first_layer(history: &[HistoryStep]) -> Option<usize> {
    history.iter().position(|step| !step.empty_layer)
}

/// The field a violation about step `index` names: `history[3].created_by`.
pub(crate) fn step_field(index: usize) -> FieldPath {
    FieldPath::root()
        .key("history")
        .index(index)
        .key("created_by")
}

/// The step a history violation names (`history[3].created_by`), if it
/// names one.
///
/// ```
/// let path = palisade_model::FieldPath::root().key("history").index(3).key("created_by");
/// let v = palisade_controls::Violation { container: None, path, message: String::new() };
/// assert_eq!(palisade_controls::image::history_step_of(&v), Some(3));
/// ```
pub fn history_step_of(violation: &crate::Violation) -> Option<usize> {
    match violation.path.segments() {
        [
            palisade_model::Segment::Key(key),
            palisade_model::Segment::Index(i),
            ..,
        ] if key == "history" => Some(*i),
        _ => None,
    }
}

/// Reads one `created_by` back as an instruction.
pub(crate) fn instruction(created_by: &str) -> Instruction {
    let text = created_by.trim();
    let text = text.strip_suffix("# buildkit").unwrap_or(text).trim_end();
    if let Some(rest) = strip_shell(text) {
        // The classic builder's non-RUN instructions, and its shell RUN.
        return match rest.trim_start().strip_prefix("#(nop)") {
            Some(instruction) => keyword_form(instruction.trim()),
            None => Instruction::Run(rest.to_owned()),
        };
    }
    if let Some(rest) = text.strip_prefix("RUN ") {
        let rest = without_build_args(rest.trim_start());
        return Instruction::Run(strip_shell(rest).unwrap_or(rest).to_owned());
    }
    if text.starts_with('|') {
        let rest = without_build_args(text);
        return Instruction::Run(strip_shell(rest).unwrap_or(rest).to_owned());
    }
    match keyword(text) {
        Some(_) => keyword_form(text),
        // The classic builder records an exec-form RUN as its bare words.
        None => Instruction::Run(text.to_owned()),
    }
}

/// The script after `/bin/sh -c ` (or `sh -c `).
fn strip_shell(text: &str) -> Option<&str> {
    ["/bin/sh -c ", "sh -c ", "/bin/bash -c ", "bash -c "]
        .iter()
        .find_map(|shell| text.strip_prefix(shell))
}

/// `|2 A=1 B=2 rest` without the count and the arguments it counts.
fn without_build_args(text: &str) -> &str {
    let Some(counted) = text.strip_prefix('|') else {
        return text;
    };
    let (count, mut rest) = counted.split_once(' ').unwrap_or((counted, ""));
    let count: usize = count.parse().unwrap_or(0);
    for _ in 0..count {
        rest = rest.trim_start();
        rest = rest.split_once(' ').map_or("", |(_, after)| after);
    }
    rest.trim_start()
}

/// The instruction keyword `text` starts with, if it is one (`FROM` never
/// appears in a history: a base image's steps are its own).
fn keyword(text: &str) -> Option<&str> {
    let word = text.split_whitespace().next()?;
    (word != "FROM" && palisade_load::dockerfile::KEYWORDS.contains(&word)).then_some(word)
}

/// `ADD file:<sha256> in /dest` (the classic builder), `ADD --chown=1 a b
/// /dest` or `ADD ["a b", "/dest"]` (BuildKit, as written: read with the
/// Dockerfile parser), `CMD ["x"]`.
fn keyword_form(text: &str) -> Instruction {
    let mut words = text.split_whitespace();
    let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
    if keyword != "ADD" {
        return Instruction::Other(keyword);
    }
    let hashed: Vec<&str> = words.clone().collect();
    if let Some(at) = hashed.iter().position(|word| *word == "in")
        && hashed.first().is_some_and(|s| is_hashed(s))
    {
        return Instruction::Add(hashed.iter().take(at).map(|s| (*s).to_owned()).collect());
    }
    // The parser wants the instruction inside a stage.
    let parsed = parse_dockerfile(Arc::from("history"), &format!("FROM scratch\n{text}\n"));
    let sources = copy_paths(&parsed.dockerfile, 1)
        .map(|paths| paths.sources.into_iter().flatten().collect())
        .unwrap_or_default();
    Instruction::Add(sources)
}

/// A source the classic builder names by its content hash: `file:<sha256>`,
/// `dir:<sha256>`, `multi:<sha256>`.
pub(crate) fn is_hashed(source: &str) -> bool {
    ["file:", "dir:", "multi:"]
        .iter()
        .any(|prefix| source.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::{Instruction, instruction};

    fn run(script: &str) -> Instruction {
        Instruction::Run(script.to_owned())
    }

    fn add(sources: &[&str]) -> Instruction {
        Instruction::Add(sources.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn classic_builder() {
        assert_eq!(
            instruction("/bin/sh -c apt-get update"),
            run("apt-get update")
        );
        assert_eq!(
            instruction("|2 A=1 B=2 /bin/sh -c apt-get update"),
            run("apt-get update")
        );
        assert_eq!(instruction("apt-get update"), run("apt-get update"));
        assert_eq!(
            instruction("/bin/sh -c #(nop) ADD file:4b03b5 in / "),
            add(&["file:4b03b5"])
        );
        assert_eq!(
            instruction("/bin/sh -c #(nop)  ADD multi:aa in /app/"),
            add(&["multi:aa"])
        );
        assert_eq!(
            instruction("/bin/sh -c #(nop)  CMD [\"bash\"]"),
            Instruction::Other("CMD".into())
        );
    }

    #[test]
    fn buildkit() {
        assert_eq!(
            instruction("RUN /bin/sh -c apt-get update # buildkit"),
            run("apt-get update")
        );
        assert_eq!(
            instruction("RUN |1 V=2 /bin/sh -c apk update # buildkit"),
            run("apk update")
        );
        assert_eq!(
            instruction("ADD --chown=1:1 app.jar lib.jar /app/ # buildkit"),
            add(&["app.jar", "lib.jar"])
        );
        assert_eq!(
            instruction("ADD [\"a b.txt\", \"/d/\"] # buildkit"),
            add(&["a b.txt"])
        );
        assert_eq!(
            instruction("COPY . /app # buildkit"),
            Instruction::Other("COPY".into())
        );
        assert_eq!(instruction(""), run(""));
    }
}
