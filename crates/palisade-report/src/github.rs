//! `--format github`: GitHub Actions workflow commands, which GitHub shows
//! as annotations on the pull request's diff.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use std::io::{self, Write};

use palisade_model::Severity;

use crate::Report;

/// Writes one `::error`/`::warning`/`::notice` line per finding and error.
pub fn write_github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Waived findings are accepted risks: annotating every pull request
    // with them again would train people to ignore the annotations.
    for f in report.blocking() {
        let command = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            property(&f.location.file),
            f.location.line,
            f.location.column,
            property(&format!(
                "{} ({}) {}",
                f.control,
                f.severity,
                f.resource.display_name()
            )),
            data(&f.message),
        )?;
    }
    for e in &report.errors {
        if e.line == 0 {
            writeln!(
                out,
                "::error file={},title=palisade::{}",
                property(&e.file),
                data(&e.message)
            )?;
        } else {
            writeln!(
                out,
                "::error file={},line={},col={},title=palisade::{}",
                property(&e.file),
                e.line,
                e.column,
                data(&e.message)
            )?;
        }
    }
    Ok(())
}

/// Escapes a command's message.
pub(crate) fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
pub(crate) fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
