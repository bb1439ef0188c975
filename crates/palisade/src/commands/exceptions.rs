//! `palisade exceptions audit`: which exceptions expired, and which waive
//! nothing any more, so they are renewed or removed rather than forgotten.
//! Written in the scan's formats (`--format`, `--output`) so CI can publish
//! them beside the findings.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use palisade_report::{ExceptionAuditFormat, write_exception_audit};

use crate::cli::{Format, ScanArgs};

pub fn audit(args: &ScanArgs) -> Result<ExitCode> {
    // The options are scan's; recording belongs to `palisade scan --record`.
    if args.record.record {
        bail!("--record is an option of `palisade scan`, not of `exceptions audit`");
    }
    let format = match args.report.format {
        Format::Text => ExceptionAuditFormat::Text,
        Format::Json => ExceptionAuditFormat::Json,
        Format::Sarif => ExceptionAuditFormat::Sarif,
        Format::Junit => ExceptionAuditFormat::Junit,
        Format::Github => ExceptionAuditFormat::Github,
        Format::Html => bail!(
            "`exceptions audit` writes text, json, sarif, junit or github; the HTML compliance report of `palisade scan --format html` lists exceptions too"
        ),
    };
    let report = super::scan::execute(args)?;
    let verdict = if report.exception_notes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let written = (|| -> Result<()> {
        let mut out: Box<dyn Write> = match &args.report.output {
            Some(path) => Box::new(BufWriter::new(
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
            )),
            None => Box::new(BufWriter::new(std::io::stdout().lock())),
        };
        write_exception_audit(
            &report.exception_notes,
            report.summary.waived,
            format,
            &mut out,
        )?;
        out.flush()?;
        Ok(())
    })();
    super::finish(verdict, written)
}
