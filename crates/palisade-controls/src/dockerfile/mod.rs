//! Dockerfile controls: how an image is built (base image, user, health
//! check, packages, secrets, permissions). They see the parsed file
//! ([`palisade_load::dockerfile::Dockerfile`]) with stages resolved and
//! `ARG`/`ENV` substitution available; `shell.rs` splits `RUN` scripts into
//! commands.

pub(crate) mod add_instead_of_copy;
pub(crate) mod args;
pub(crate) mod base_image;
pub(crate) mod base_image_latest;
pub(crate) mod base_image_not_pinned;
pub(crate) mod base_image_registry_not_allowed;
pub(crate) mod chmod_world_writable;
pub(crate) mod expose_ssh;
pub(crate) mod healthcheck_missing;
pub(crate) mod root_user;
pub(crate) mod secret_in_env_arg;
pub(crate) mod shell;
pub(crate) mod sudo;
pub(crate) mod unverified_packages;
pub(crate) mod update_alone;

use palisade_model::FieldPath;

use crate::Violation;

/// A violation at instruction `index` of the Dockerfile: the finding points
/// at the instruction's keyword.
pub fn at(index: usize, message: String) -> Violation {
    Violation {
        container: None,
        path: FieldPath::root().key("instructions").index(index),
        message,
    }
}

/// Every `RUN` with the script it runs (shell form, exec form words quoted
/// and joined, and heredoc bodies), as `(instruction index, script)`.
pub(crate) fn run_scripts(
    dockerfile: &palisade_load::dockerfile::Dockerfile,
) -> impl Iterator<Item = (usize, String)> + '_ {
    dockerfile
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == "RUN")
        .map(|(index, i)| (index, script_of(i)))
}

/// A `RUN`'s script. Exec-form words are single-quoted when joined, so that
/// `["sh", "-c", "curl ... | sh"]` splits back into the same three words.
fn script_of(instruction: &palisade_load::dockerfile::Instruction) -> String {
    let palisade_load::dockerfile::Args::Exec(words) = &instruction.args else {
        return instruction.script();
    };
    let mut script = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    for heredoc in &instruction.heredocs {
        script.push('\n');
        script.push_str(&heredoc.body);
    }
    script
}

/// The instruction index a violation from [`at`] names.
///
/// ```
/// let v = palisade_controls::dockerfile::at(3, "x".into());
/// assert_eq!(palisade_controls::dockerfile::instruction_of(&v), Some(3));
/// ```
pub fn instruction_of(violation: &Violation) -> Option<usize> {
    match violation.path.segments() {
        [
            palisade_model::Segment::Key(key),
            palisade_model::Segment::Index(i),
        ] if key == "instructions" => Some(*i),
        _ => None,
    }
}
