//! `palisade exceptions audit`: which exceptions expired, and which waive
//! nothing any more, so they are renewed or removed rather than forgotten.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::ScanArgs;

pub fn audit(args: &ScanArgs) -> Result<ExitCode> {
    // The options are scan's; recording belongs to `palisade scan --record`.
    if args.record.record {
        bail!("--record is an option of `palisade scan`, not of `exceptions audit`");
    }
    let report = super::scan::execute(args)?;
    let mut out = std::io::stdout().lock();
    for note in &report.exception_notes {
        writeln!(out, "{note}")?;
    }
    let waived = report.summary.waived;
    writeln!(
        out,
        "{} exception{} need attention; {waived} finding{} waived",
        report.exception_notes.len(),
        if report.exception_notes.len() == 1 {
            ""
        } else {
            "s"
        },
        if waived == 1 { " is" } else { "s are" },
    )?;
    Ok(if report.exception_notes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
