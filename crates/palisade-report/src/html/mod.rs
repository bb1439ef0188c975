//! `--format html`: a self-contained compliance report for people who do
//! not read CI logs (auditors, security leads, platform owners). One file:
//! inline CSS and SVG, one small inline script for the filters, no font,
//! no external asset: it opens offline and can be attached to an audit.
//!
//! In order: an overview (per framework its score and verdicts as a chart,
//! the requirements with the most findings, the controls that fail most);
//! per framework every requirement with its verdict, coverage, what a
//! person must still check, and its evidence grouped by object; the
//! findings grouped by object, filterable; waivers with who accepted them,
//! why and until when; exception notes; `--compat` differences; inputs that
//! could not be read. The stylesheet (`style.rs`) keeps it readable from a
//! phone to a printed page; `chart.rs` draws, `evidence.rs` groups,
//! `script.rs` filters.

mod chart;
mod evidence;
mod script;
mod style;

use std::collections::HashMap;
use std::io::{self, Write};

use palisade_frameworks::compliance::{Compliance, Verdict};
use palisade_model::{Finding, Severity};

use crate::Report;
use evidence::Group;

/// How many rows the overview's two lists show.
const TOP: usize = 5;

/// Writes the report as one HTML page.
pub fn write_html(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>Palisade compliance report</title><style>{}</style></head><body>",
        style::STYLE
    )?;
    writeln!(out, "<header><h1>Palisade compliance report</h1>")?;
    writeln!(
        out,
        "<p class=\"muted\" id=\"summary\">{} file{}, {} resource{}, {} finding{} ({} waived), {} error{}. Palisade {}.</p>",
        s.files,
        plural(s.files),
        s.resources,
        plural(s.resources),
        s.findings,
        plural(s.findings),
        s.waived,
        s.errors,
        plural(s.errors),
        env!("CARGO_PKG_VERSION")
    )?;
    write_nav(report, out)?;
    writeln!(out, "</header><main>")?;
    // Every finding grouped by object, once: the overview counts objects
    // per control from it, the findings section lists it.
    let objects = evidence::groups(
        &report.findings,
        &(0..report.findings.len()).collect::<Vec<_>>(),
    );
    write_overview(report, &objects, out)?;
    for c in &report.compliance {
        write_framework(report, c, out)?;
    }
    write_findings(report, &objects, out)?;
    write_waivers(report, out)?;
    write_compared(report, out)?;
    if !report.errors.is_empty() {
        writeln!(
            out,
            "<section id=\"errors-section\"><h2>Inputs that could not be read</h2><ul id=\"errors\">"
        )?;
        for e in &report.errors {
            writeln!(out, "<li>{}</li>", escape(&e.to_string()))?;
        }
        writeln!(out, "</ul></section>")?;
    }
    writeln!(
        out,
        "</main><script>{}</script></body></html>",
        script::SCRIPT
    )
}

fn write_nav(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<nav aria-label=\"Sections\"><ul><li><a href=\"#overview\">Overview</a></li>"
    )?;
    for c in &report.compliance {
        writeln!(
            out,
            "<li><a href=\"#framework-{}\">{}</a></li>",
            escape(&c.framework),
            escape(&c.title)
        )?;
    }
    writeln!(out, "<li><a href=\"#findings-section\">Findings</a></li>")?;
    if report.findings.iter().any(|f| f.waiver.is_some()) || !report.exception_notes.is_empty() {
        writeln!(out, "<li><a href=\"#waivers-section\">Waivers</a></li>")?;
    }
    writeln!(out, "</ul></nav>")
}

/// Scores and charts first, then where the work is.
fn write_overview(report: &Report, objects: &[Group<'_>], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"overview\" aria-labelledby=\"overview-title\"><h2 id=\"overview-title\">Overview</h2>"
    )?;
    if report.compliance.is_empty() {
        writeln!(
            out,
            "<p>No framework was selected (`--framework`): the findings are below.</p>"
        )?;
    } else {
        writeln!(out, "<div class=\"cards\">")?;
        for c in &report.compliance {
            let score = c.score.map_or("n/a".to_owned(), |s| format!("{s:.0}%"));
            writeln!(
                out,
                "<div class=\"card\" data-framework=\"{}\"><h3><a href=\"#framework-{}\">{}</a></h3><div class=\"score\">{score}</div><div class=\"muted\">of the checkable requirements met</div>{}</div>",
                escape(&c.framework),
                escape(&c.framework),
                escape(&c.title),
                chart::verdict_bar(&c.tally)
            )?;
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "<div class=\"columns\">")?;
    let mut worst: Vec<(
        &Compliance,
        &palisade_frameworks::compliance::RequirementResult,
    )> = report
        .compliance
        .iter()
        .flat_map(|c| c.requirements.iter().map(move |r| (c, r)))
        .filter(|(_, r)| r.verdict == Verdict::Fail)
        .collect();
    worst.sort_by_key(|(_, r)| std::cmp::Reverse(r.findings.len()));
    if !worst.is_empty() {
        writeln!(
            out,
            "<div><h3>Requirements with the most findings</h3><ol id=\"worst-requirements\">"
        )?;
        for (c, r) in worst.iter().take(TOP) {
            writeln!(
                out,
                "<li><a href=\"#req-{}-{}\">{} {}</a> <span class=\"muted\">({}: {} finding{})</span></li>",
                escape(&c.framework),
                escape(&r.id),
                escape(&r.id),
                escape(&r.title),
                escape(&c.title),
                r.findings.len(),
                plural(r.findings.len())
            )?;
        }
        writeln!(out, "</ol></div>")?;
    }
    let mut by_control: HashMap<&str, (usize, usize)> = HashMap::new();
    for f in report.findings.iter().filter(|f| f.waiver.is_none()) {
        by_control.entry(f.control).or_default().0 += 1;
    }
    for g in objects {
        let mut controls: Vec<&str> = g
            .findings
            .iter()
            .filter_map(|&i| report.findings.get(i))
            .filter(|f| f.waiver.is_none())
            .map(|f| f.control)
            .collect();
        controls.sort_unstable();
        controls.dedup();
        for control in controls {
            by_control.entry(control).or_default().1 += 1;
        }
    }
    let mut controls: Vec<(&str, (usize, usize))> = by_control.into_iter().collect();
    controls.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    if !controls.is_empty() {
        writeln!(
            out,
            "<div><h3>Controls that fail most</h3><ol id=\"top-controls\">"
        )?;
        for (control, (findings, objects)) in controls.iter().take(TOP) {
            let title = report.control(control).map_or("", |m| m.title);
            writeln!(
                out,
                "<li><code>{}</code> {} <span class=\"muted\">({findings} finding{}, {objects} object{})</span></li>",
                escape(control),
                escape(title),
                plural(*findings),
                plural(*objects)
            )?;
        }
        writeln!(out, "</ol></div>")?;
    }
    writeln!(out, "</div></section>")
}

fn write_framework(report: &Report, c: &Compliance, out: &mut dyn Write) -> io::Result<()> {
    let t = &c.tally;
    writeln!(
        out,
        "<section class=\"framework\" id=\"framework-{}\"><h2>{}</h2>",
        escape(&c.framework),
        escape(&c.title)
    )?;
    writeln!(
        out,
        "<p>{} pass, {} fail, {} waived, {} to check by hand, {} not run, {} not applicable.</p>",
        t.pass, t.fail, t.waived, t.manual, t.not_run, t.not_applicable
    )?;
    writeln!(
        out,
        "<div class=\"filters no-print\" role=\"group\" aria-label=\"Show requirements\">Show:"
    )?;
    for status in [
        "fail",
        "waived",
        "manual",
        "pass",
        "not-run",
        "not-applicable",
    ] {
        writeln!(
            out,
            "<label><input type=\"checkbox\" name=\"status\" value=\"{status}\" checked> {status}</label>"
        )?;
    }
    writeln!(out, "</div>")?;
    writeln!(
        out,
        "<table class=\"requirements\"><caption class=\"visually-hidden\">Requirements of {}</caption><colgroup><col class=\"req\"><col class=\"status\"><col class=\"coverage\"><col class=\"controls\"><col></colgroup><thead><tr><th scope=\"col\">Requirement</th><th scope=\"col\">Status</th><th scope=\"col\">Coverage</th><th scope=\"col\">Controls</th><th scope=\"col\">Evidence</th></tr></thead><tbody>",
        escape(&c.title)
    )?;
    for r in &c.requirements {
        let evidence = match r.verdict {
            Verdict::Fail | Verdict::Waived => evidence_list(report, &r.findings),
            _ => r
                .manual_part
                .as_deref()
                .map(|m| format!("<span class=\"manual-part\">{}</span>", escape(m)))
                .unwrap_or_default(),
        };
        writeln!(
            out,
            "<tr id=\"req-{fw}-{id}\" data-requirement=\"{id}\" data-status=\"{v}\"><td data-label=\"Requirement\"><b>{id}</b> {}</td><td data-label=\"Status\"><span class=\"badge {v}\">{v}</span></td><td data-label=\"Coverage\">{}</td><td data-label=\"Controls\">{}</td><td data-label=\"Evidence\">{evidence}</td></tr>",
            escape(&r.title),
            r.coverage,
            r.controls
                .iter()
                .map(|c| format!("<code>{}</code>", escape(c)))
                .collect::<Vec<_>>()
                .join(" "),
            fw = escape(&c.framework),
            id = escape(&r.id),
            v = r.verdict.as_str(),
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// A requirement's evidence: each object once, with its findings' count
/// and links to them, collapsed behind a count.
fn evidence_list(report: &Report, findings: &[usize]) -> String {
    let groups = evidence::groups(&report.findings, findings);
    let mut html = format!(
        "<details class=\"evidence\"><summary>{} object{}, {} finding{}</summary><ul>",
        groups.len(),
        plural(groups.len()),
        findings.len(),
        plural(findings.len())
    );
    for g in &groups {
        let links = g
            .findings
            .iter()
            .filter_map(|&i| report.findings.get(i).map(|f| (i, f)))
            .map(|(i, f)| {
                format!(
                    "<a href=\"#finding-{i}\"><code>{}</code></a>",
                    escape(f.control)
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        html.push_str(&format!("<li>{} {links}</li>", escape(&g.label())));
    }
    html.push_str("</ul></details>");
    html
}

fn write_findings(report: &Report, groups: &[Group<'_>], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"findings-section\" aria-labelledby=\"findings-title\"><h2 id=\"findings-title\">Findings</h2>"
    )?;
    if report.findings.is_empty() {
        return writeln!(out, "<p>No findings.</p></section>");
    }
    writeln!(
        out,
        "<div class=\"filters no-print\" role=\"search\"><label for=\"filter-text\">Search</label> <input type=\"search\" id=\"filter-text\" placeholder=\"control, object, file, message\">"
    )?;
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        writeln!(
            out,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{s}\" checked> {s}</label>",
            s = severity.as_str()
        )?;
    }
    writeln!(
        out,
        "<label><input type=\"checkbox\" id=\"filter-waived\" checked> waived</label> <span aria-live=\"polite\"><span id=\"findings-shown\">{}</span> of {} shown</span></div>",
        report.findings.len(),
        report.findings.len()
    )?;
    writeln!(
        out,
        "<p>{} finding{} on {} object{}.</p><div id=\"findings\">",
        report.findings.len(),
        plural(report.findings.len()),
        groups.len(),
        plural(groups.len())
    )?;
    for g in groups {
        write_group(report, g, out)?;
    }
    writeln!(out, "</div></section>")
}

fn write_group(report: &Report, g: &Group<'_>, out: &mut dyn Write) -> io::Result<()> {
    let worst = g.worst.map_or("waived", Severity::as_str);
    writeln!(
        out,
        "<details class=\"resource\" open data-resource=\"{}\"><summary><span class=\"badge {worst}\">{worst}</span> {} <span class=\"muted\">({} finding{})</span></summary>",
        escape(&g.label().to_lowercase()),
        escape(&g.label()),
        g.findings.len(),
        plural(g.findings.len())
    )?;
    writeln!(
        out,
        "<table class=\"findings\"><colgroup><col class=\"sev\"><col class=\"control\"><col class=\"where\"><col></colgroup><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Control</th><th scope=\"col\">Where</th><th scope=\"col\">What and how to fix</th></tr></thead><tbody>"
    )?;
    for &i in &g.findings {
        if let Some(f) = report.findings.get(i) {
            write_finding(report, i, f, out)?;
        }
    }
    writeln!(out, "</tbody></table></details>")
}

fn write_finding(report: &Report, i: usize, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let remediation = report
        .control(f.control)
        .map(|m| m.remediation())
        .unwrap_or("");
    let status = if f.waiver.is_some() {
        " <span class=\"badge waived\">waived</span>"
    } else {
        ""
    };
    let container = f
        .container
        .as_deref()
        .map(|c| format!("<br><span class=\"muted\">container {}</span>", escape(c)))
        .unwrap_or_default();
    writeln!(
        out,
        "<tr id=\"finding-{i}\" class=\"finding\" data-severity=\"{sev}\" data-waived=\"{}\"><td data-label=\"Severity\"><span class=\"badge {sev}\">{sev}</span>{status}</td><td data-label=\"Control\"><code>{}</code></td><td data-label=\"Where\"><code>{}:{}:{}</code><br><code>{}</code>{container}</td><td data-label=\"What\">{}<br><span class=\"muted\">Fix: {}</span></td></tr>",
        f.waiver.is_some(),
        escape(f.control),
        escape(&f.location.file),
        f.location.line,
        f.location.column,
        escape(&f.field.to_string()),
        escape(&f.message),
        escape(remediation),
        sev = f.severity.as_str(),
    )
}

fn write_waivers(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let waived: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.waiver.is_some())
        .collect();
    if waived.is_empty() && report.exception_notes.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"waivers-section\"><h2>Waivers</h2>")?;
    if !waived.is_empty() {
        writeln!(
            out,
            "<table id=\"waivers\" class=\"waivers\"><colgroup><col class=\"control\"><col><col><col><col><col><col></colgroup><thead><tr><th scope=\"col\">Control</th><th scope=\"col\">Object</th><th scope=\"col\">Why</th><th scope=\"col\">Owner</th><th scope=\"col\">Ticket</th><th scope=\"col\">Until</th><th scope=\"col\">Declared in</th></tr></thead><tbody>"
        )?;
        for f in waived {
            if let Some(w) = &f.waiver {
                let cell = |v: &Option<String>| escape(v.as_deref().unwrap_or("—"));
                writeln!(
                    out,
                    "<tr><td data-label=\"Control\"><code>{}</code></td><td data-label=\"Object\">{}</td><td data-label=\"Why\">{}</td><td data-label=\"Owner\">{}</td><td data-label=\"Ticket\">{}</td><td data-label=\"Until\">{}</td><td data-label=\"Declared in\">{}</td></tr>",
                    escape(f.control),
                    escape(&format!(
                        "{} ({}:{})",
                        f.resource.display_name(),
                        f.location.file,
                        f.location.line
                    )),
                    escape(&w.justification),
                    cell(&w.owner),
                    cell(&w.ticket),
                    cell(&w.expires),
                    escape(&w.source)
                )?;
            }
        }
        writeln!(out, "</tbody></table>")?;
    }
    if !report.exception_notes.is_empty() {
        writeln!(out, "<ul id=\"exception-notes\">")?;
        for note in &report.exception_notes {
            writeln!(out, "<li>{}</li>", escape(&note.to_string()))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

fn write_compared(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(compared) = &report.compared else {
        return Ok(());
    };
    let tool = escape(compared.reading);
    writeln!(
        out,
        "<section id=\"compared-section\"><h2>Verdicts of {tool}'s reading and Palisade's</h2>"
    )?;
    writeln!(
        out,
        "<p>The verdicts in this report are {tool}'s reading of the host. Palisade's own reading differs on {} control(s).</p>",
        compared.differences.len()
    )?;
    if !compared.differences.is_empty() {
        writeln!(
            out,
            "<table id=\"compared\"><thead><tr><th scope=\"col\">Control</th><th scope=\"col\">Resource</th><th scope=\"col\">{tool}</th><th scope=\"col\">Palisade</th><th scope=\"col\">Why</th></tr></thead><tbody>"
        )?;
        let verdict = |fails: bool| if fails { "fails" } else { "passes" };
        for d in &compared.differences {
            writeln!(
                out,
                "<tr><td data-label=\"Control\"><code>{}</code></td><td data-label=\"Resource\">{}</td><td data-label=\"{tool}\">{}</td><td data-label=\"Palisade\">{}</td><td data-label=\"Why\">{}</td></tr>",
                escape(d.control),
                escape(&d.resource),
                verdict(d.reported_fails),
                verdict(d.palisade_fails),
                escape(&d.message)
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</section>")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_from_manifests() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
