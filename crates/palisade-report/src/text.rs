//! `--format text`: for people. Findings grouped by file, each with the
//! offending line and a caret under the field; errors; then a summary.
//! Colour only when asked (the binary enables it on a terminal without
//! `NO_COLOR`).

use std::io::{self, Write};

use palisade_frameworks::compliance::{Compliance, Verdict};
use palisade_model::{Enforcement, Finding, Severity, Waiver};

use crate::Report;

/// Options of the text format.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Use ANSI colours.
    pub color: bool,
    /// Only the compliance tallies and the summary line (`--quiet`).
    pub quiet: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", severity.as_str()))
    }
}

/// Writes the report for a terminal or a CI log.
pub fn write_text(report: &Report, options: TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { on: options.color };
    let mut current: Option<&str> = None;
    // Findings are sorted by file: split each file into lines once.
    let mut lines: Vec<&str> = Vec::new();
    let findings = if options.quiet {
        &[][..]
    } else {
        &report.findings[..]
    };
    let mut at = 0;
    while let Some(f) = findings.get(at) {
        // Findings that point at the same place of the same resource are
        // shown once, with every control they break under it.
        let group = findings
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|g| g.location == f.location && g.resource == f.resource)
            .count()
            .max(1);
        let members = findings.get(at..at + group).unwrap_or_default();
        at += group;
        if current != Some(&*f.location.file) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", paint.wrap("1;4", &f.location.file))?;
            current = Some(&f.location.file);
            lines = report
                .sources
                .get(&f.location.file)
                .map(|text| text.lines().collect())
                .unwrap_or_default();
        }
        if let [f] = members {
            writeln!(
                out,
                "  {}:{}  {} {}  {}",
                f.location.line,
                f.location.column,
                paint.severity(f.severity),
                paint.wrap("1", f.control),
                f.resource.display_name()
            )?;
            writeln!(out, "    {}", f.message)?;
            write_notes(f, &paint, out)?;
            write_snippet(f, &lines, &paint, out)?;
            if let Some(meta) = report.control(f.control) {
                writeln!(
                    out,
                    "    {} {}",
                    paint.wrap("2", "fix:"),
                    first_sentence(meta.remediation())
                )?;
            }
            continue;
        }
        writeln!(
            out,
            "  {}:{}  {}  ({} controls)",
            f.location.line,
            f.location.column,
            f.resource.display_name(),
            members.len()
        )?;
        for m in members {
            writeln!(
                out,
                "    {} {}  {}",
                paint.severity(m.severity),
                paint.wrap("1", m.control),
                m.message
            )?;
            write_notes(m, &paint, out)?;
        }
        let requirements = requirements_of(report, members);
        if !requirements.is_empty() {
            writeln!(
                out,
                "    {} {}",
                paint.wrap("2", "requirements:"),
                requirements.join(", ")
            )?;
        }
        write_snippet(f, &lines, &paint, out)?;
        let mut fixed: Vec<&str> = Vec::new();
        for m in members {
            if fixed.contains(&m.control) {
                continue;
            }
            fixed.push(m.control);
            if let Some(meta) = report.control(m.control) {
                writeln!(
                    out,
                    "    {} {}",
                    paint.wrap("2", &format!("fix ({}):", m.control)),
                    first_sentence(meta.remediation())
                )?;
            }
        }
    }
    if !report.errors.is_empty() {
        if !findings.is_empty() {
            writeln!(out)?;
        }
        for e in &report.errors {
            writeln!(out, "{} {e}", paint.wrap("1;31", "error:"))?;
        }
    }
    if !findings.is_empty() || !report.errors.is_empty() {
        writeln!(out)?;
    }
    if report.hidden > 0 && !options.quiet {
        writeln!(
            out,
            "{} {} finding{} of other severities not shown (--severity); they count below and for --fail-on\n",
            paint.wrap("1;33", "note:"),
            report.hidden,
            plural(report.hidden)
        )?;
    }
    for note in &report.exception_notes {
        writeln!(out, "{} {note}", paint.wrap("1;33", "exception:"))?;
    }
    if !report.exception_notes.is_empty() {
        writeln!(out)?;
    }
    if let Some(compared) = &report.compared {
        write_comparison(compared, &paint, out)?;
    }
    for compliance in &report.compliance {
        write_compliance(compliance, &paint, out)?;
        writeln!(out)?;
    }
    let s = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|sev| {
            let n = s.by_severity.get(sev).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    let breakdown = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    let waived = if s.waived > 0 {
        format!(" and {} waived", s.waived)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} finding{}{breakdown}{waived} in {} resource{} from {} file{}; {} document{} skipped (not Kubernetes objects); {} error{}",
        s.findings - s.waived,
        plural(s.findings - s.waived),
        s.resources,
        plural(s.resources),
        s.files,
        plural(s.files),
        s.skipped_documents,
        plural(s.skipped_documents),
        s.errors,
        plural(s.errors),
    )
}

/// A finding's enforcement note and waiver, under its message.
fn write_notes(f: &Finding, paint: &Paint, out: &mut dyn Write) -> io::Result<()> {
    if !f.enforcement.is_enforce() {
        let note = match f.enforcement {
            Enforcement::Warn => "a warning: it never fails the scan",
            _ => "audit only: it never fails the scan",
        };
        writeln!(out, "    {} {note}", paint.wrap("1;33", "note:"))?;
    }
    if let Some(waiver) = &f.waiver {
        writeln!(
            out,
            "    {} {}",
            paint.wrap("1;36", "waived:"),
            describe_waiver(waiver)
        )?;
    }
    Ok(())
}

/// The line a finding points at, underlined.
fn write_snippet(
    f: &Finding,
    lines: &[&str],
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Line 0: about the whole file, no line to show.
    let shown = (f.location.line > 0)
        .then(|| lines.get(f.location.line.saturating_sub(1) as usize))
        .flatten();
    if let Some(line) = shown {
        let number = f.location.line.to_string();
        let gutter = " ".repeat(number.len());
        let line = truncate(line, 160);
        let caret_at = f.location.column.saturating_sub(1) as usize;
        let shown_chars = line.chars().count();
        // The finding's range when the loader knew it: to its end on
        // this line, or to the line's end when it goes on below;
        // otherwise the token at the caret.
        let underline = if f.location.end_line == f.location.line && f.location.end_column > 0 {
            (f.location.end_column as usize)
                .saturating_sub(1)
                .min(shown_chars)
                .saturating_sub(caret_at)
        } else if f.location.end_line > f.location.line {
            line.trim_end().chars().count().saturating_sub(caret_at)
        } else {
            line.chars()
                .skip(caret_at)
                .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | ']' | '}' | '#'))
                .count()
        }
        .max(1);
        writeln!(
            out,
            "    {} {}",
            paint.wrap("2", &format!("{number} |")),
            line
        )?;
        writeln!(
            out,
            "    {} {}{}",
            paint.wrap("2", &format!("{gutter} |")),
            " ".repeat(caret_at.min(160)),
            paint.wrap("1;31", &"^".repeat(underline))
        )?;
    }
    Ok(())
}

/// The framework requirements the controls of `findings` serve, as
/// `pci-dss-4.0.1 2.2.6`, in the report's frameworks' order.
fn requirements_of(report: &Report, findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for compliance in &report.compliance {
        for requirement in &compliance.requirements {
            if findings
                .iter()
                .any(|f| requirement.controls.iter().any(|c| c == f.control))
            {
                let id = format!("{} {}", compliance.framework, requirement.id);
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}

/// `by alice (SEC-12), until 2027-01-31, palisade.yaml:14: reason`.
fn describe_waiver(w: &Waiver) -> String {
    let mut out = String::new();
    if let Some(owner) = &w.owner {
        out.push_str(&format!("by {owner} "));
    }
    if let Some(ticket) = &w.ticket {
        out.push_str(&format!("({ticket}) "));
    }
    if let Some(expires) = &w.expires {
        out.push_str(&format!("until {expires} "));
    }
    out.push_str(&format!("[{}]: {}", w.source, w.justification));
    out
}

/// `PCI DSS v4.0: 62.5% (5 pass, 3 fail, ...)`, then each requirement that
/// failed or was waived, and a count of those left to a person.
fn write_compliance(c: &Compliance, paint: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let t = &c.tally;
    let score = c
        .score
        .map_or("no checkable requirement".to_owned(), |s| format!("{s}%"));
    writeln!(
        out,
        "{} {}: {score} ({} pass, {} fail, {} waived, {} manual, {} not applicable{})",
        paint.wrap("1", "compliance"),
        c.title,
        t.pass,
        t.fail,
        t.waived,
        t.manual,
        t.not_applicable,
        if t.not_run > 0 {
            format!(", {} not run", t.not_run)
        } else {
            String::new()
        }
    )?;
    for r in &c.requirements {
        let mark = match r.verdict {
            Verdict::Fail => paint.wrap("1;31", "FAIL  "),
            Verdict::Waived => paint.wrap("1;36", "WAIVED"),
            Verdict::NotRun => paint.wrap("1;33", "NOTRUN"),
            _ => continue,
        };
        writeln!(
            out,
            "  {mark} {} {} ({} finding{}; {})",
            r.id,
            r.title,
            r.findings.len(),
            plural(r.findings.len()),
            r.controls.join(", ")
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn truncate(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_owned()
    } else {
        let mut out: String = line.chars().take(max).collect();
        out.push('…');
        out
    }
}

fn first_sentence(text: &str) -> &str {
    let line = text.lines().next().unwrap_or("");
    match line.find(". ") {
        Some(i) => &line[..=i],
        None => line,
    }
}

/// The verdicts another tool's reading (`--compat`) and Palisade's differ on.
fn write_comparison(
    compared: &crate::Comparison,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let tool = compared.reading;
    if compared.differences.is_empty() {
        writeln!(
            out,
            "{} {tool}'s reading and Palisade's give the same verdicts\n",
            paint.wrap("1;36", "compat:")
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} the verdicts above are {tool}'s reading; Palisade's own reading differs on {}:",
        paint.wrap("1;36", "compat:"),
        compared.differences.len()
    )?;
    let verdict = |fails: bool| if fails { "fails" } else { "passes" };
    for d in &compared.differences {
        writeln!(
            out,
            "  {}  {}: {tool} {}, Palisade {}",
            d.control,
            d.resource,
            verdict(d.reported_fails),
            verdict(d.palisade_fails)
        )?;
        writeln!(out, "    {}", d.message)?;
    }
    writeln!(out)
}
