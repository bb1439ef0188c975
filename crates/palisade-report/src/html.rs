//! `--format html`: a self-contained compliance report for people who do
//! not read CI logs (auditors, managers). One file, inline CSS, no script,
//! no external asset: it opens offline and can be attached to an audit.
//!
//! Sections: the summary; per framework its score and every requirement
//! with its verdict, controls and findings; the findings with file:line,
//! message and remediation; waivers with who accepted them and why;
//! exception notes; read errors.

use std::io::{self, Write};

use palisade_frameworks::compliance::{Compliance, Verdict};
use palisade_model::{Finding, Severity};

use crate::Report;

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d5dd;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eaecf0;vertical-align:top}
th{background:#f5f6f8}code{font-size:.92em;background:#f2f4f7;padding:0 .25rem;border-radius:3px}
.badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.8rem;font-weight:600;text-transform:uppercase}
.pass{background:#d1fadf;color:#05603a}.fail{background:#fee4e2;color:#912018}.waived{background:#d1e9ff;color:#1849a9}
.manual{background:#fef0c7;color:#93370d}.not-applicable,.not-run{background:#eaecf0;color:#344054}
.critical{background:#912018;color:#fff}.high{background:#fee4e2;color:#912018}.medium{background:#fef0c7;color:#93370d}
.low,.info{background:#eaecf0;color:#344054}.score{font-size:2rem;font-weight:700}.muted{color:#667085}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d5dd;border-radius:8px;padding:.8rem 1rem;min-width:14rem}
";

/// Writes the report as one HTML page.
pub fn write_html(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
    )?;
    writeln!(
        out,
        "<title>Palisade compliance report</title><style>{STYLE}</style></head><body>"
    )?;
    writeln!(out, "<h1>Palisade compliance report</h1>")?;
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

    if !report.compliance.is_empty() {
        writeln!(out, "<div class=\"cards\">")?;
        for c in &report.compliance {
            let score = c.score.map_or("n/a".to_owned(), |s| format!("{s}%"));
            writeln!(
                out,
                "<div class=\"card\" data-framework=\"{}\"><div>{}</div><div class=\"score\">{score}</div><div class=\"muted\">{} pass · {} fail · {} waived · {} manual</div></div>",
                escape(&c.framework),
                escape(&c.title),
                c.tally.pass,
                c.tally.fail,
                c.tally.waived,
                c.tally.manual
            )?;
        }
        writeln!(out, "</div>")?;
        for c in &report.compliance {
            write_framework(report, c, out)?;
        }
    }

    writeln!(out, "<h2>Findings</h2>")?;
    if report.findings.is_empty() {
        writeln!(out, "<p>No findings.</p>")?;
    } else {
        writeln!(
            out,
            "<table id=\"findings\"><tr><th>Severity</th><th>Control</th><th>Resource</th><th>Where</th><th>What and how to fix</th></tr>"
        )?;
        for (i, f) in report.findings.iter().enumerate() {
            write_finding(report, i, f, out)?;
        }
        writeln!(out, "</table>")?;
    }

    let waived: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.waiver.is_some())
        .collect();
    if !waived.is_empty() || !report.exception_notes.is_empty() {
        writeln!(out, "<h2>Waivers</h2>")?;
        if !waived.is_empty() {
            writeln!(
                out,
                "<table id=\"waivers\"><tr><th>Control</th><th>Resource</th><th>Justification</th><th>Owner</th><th>Ticket</th><th>Expires</th><th>Declared in</th></tr>"
            )?;
            for f in waived {
                if let Some(w) = &f.waiver {
                    let cell = |v: &Option<String>| escape(v.as_deref().unwrap_or("—"));
                    writeln!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        f.control,
                        escape(&f.resource.display_name()),
                        escape(&w.justification),
                        cell(&w.owner),
                        cell(&w.ticket),
                        cell(&w.expires),
                        escape(&w.source)
                    )?;
                }
            }
            writeln!(out, "</table>")?;
        }
        if !report.exception_notes.is_empty() {
            writeln!(out, "<ul id=\"exception-notes\">")?;
            for note in &report.exception_notes {
                writeln!(out, "<li>{}</li>", escape(&note.to_string()))?;
            }
            writeln!(out, "</ul>")?;
        }
    }

    if let Some(compared) = &report.compared {
        let tool = escape(compared.reading);
        writeln!(out, "<h2>Verdicts of {tool}'s reading and Palisade's</h2>")?;
        writeln!(
            out,
            "<p>The verdicts in this report are {tool}'s reading of the host. Palisade's own reading differs on {} control(s).</p>",
            compared.differences.len()
        )?;
        if !compared.differences.is_empty() {
            writeln!(
                out,
                "<table id=\"compared\"><tr><th>Control</th><th>Resource</th><th>{tool}</th><th>Palisade</th><th>Why</th></tr>"
            )?;
            let verdict = |fails: bool| if fails { "fails" } else { "passes" };
            for d in &compared.differences {
                writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    d.control,
                    escape(&d.resource),
                    verdict(d.reported_fails),
                    verdict(d.palisade_fails),
                    escape(&d.message)
                )?;
            }
            writeln!(out, "</table>")?;
        }
    }

    if !report.errors.is_empty() {
        writeln!(
            out,
            "<h2>Inputs that could not be read</h2><ul id=\"errors\">"
        )?;
        for e in &report.errors {
            writeln!(out, "<li>{}</li>", escape(&e.to_string()))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</body></html>")
}

fn write_framework(report: &Report, c: &Compliance, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<h2 id=\"framework-{}\">{}</h2>",
        escape(&c.framework),
        escape(&c.title)
    )?;
    writeln!(
        out,
        "<table class=\"requirements\"><tr><th>Requirement</th><th>Status</th><th>Coverage</th><th>Controls</th><th>Evidence</th></tr>"
    )?;
    for r in &c.requirements {
        let evidence = match r.verdict {
            Verdict::Fail | Verdict::Waived => {
                let mut resources: Vec<String> = r
                    .findings
                    .iter()
                    .filter_map(|&i| report.findings.get(i).map(|f| (i, f)))
                    .map(|(i, f)| {
                        format!(
                            "<a href=\"#finding-{i}\">{}</a>",
                            escape(&format!("{} ({})", f.resource.display_name(), f.control))
                        )
                    })
                    .collect();
                let mut seen = std::collections::HashSet::new();
                resources.retain(|r| seen.insert(r.clone()));
                resources.join("<br>")
            }
            _ => r.manual_part.as_deref().map(escape).unwrap_or_default(),
        };
        writeln!(
            out,
            "<tr data-requirement=\"{id}\"><td><b>{id}</b> {}</td><td><span class=\"badge {v}\">{v}</span></td><td>{}</td><td>{}</td><td>{evidence}</td></tr>",
            escape(&r.title),
            r.coverage,
            r.controls
                .iter()
                .map(|c| format!("<code>{}</code>", escape(c)))
                .collect::<Vec<_>>()
                .join(" "),
            id = escape(&r.id),
            v = r.verdict.as_str(),
        )?;
    }
    writeln!(out, "</table>")
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
    writeln!(
        out,
        "<tr id=\"finding-{i}\" class=\"finding\"><td><span class=\"badge {sev}\">{sev}</span>{status}</td><td><code>{}</code></td><td>{}</td><td><code>{}:{}:{}</code><br><code>{}</code></td><td>{}<br><span class=\"muted\">Fix: {}</span></td></tr>",
        f.control,
        escape(&f.resource.display_name()),
        escape(&f.location.file),
        f.location.line,
        f.location.column,
        escape(&f.field.to_string()),
        escape(&f.message),
        escape(remediation),
        sev = severity(f.severity),
    )
}

fn severity(s: Severity) -> &'static str {
    s.as_str()
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
