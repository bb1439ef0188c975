//! `palisade frameworks list` and `palisade frameworks show ID`: the packs,
//! rendered from the same data the compliance summary is computed from.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use palisade_frameworks::{Coverage, Pack};
use serde_json::json;

use crate::cli::{ListArgs, ListFormat, ShowArgs};

pub fn list(args: &ListArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let frameworks = palisade_frameworks::all();
    match args.format {
        ListFormat::Text => {
            let width = frameworks.iter().map(|f| f.id.len()).max().unwrap_or(0);
            for f in frameworks {
                writeln!(
                    out,
                    "{:<width$}  {:>3} requirements ({})  {} {}",
                    f.id,
                    f.requirements.len(),
                    coverage_line(f),
                    f.title,
                    f.version
                )?;
            }
        }
        ListFormat::Markdown => {
            writeln!(
                out,
                "| ID | Framework | Requirements | Automated | Partial | Manual | Not applicable |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|---|")?;
            for f in frameworks {
                let [a, p, m, n] = counts(f);
                writeln!(
                    out,
                    "| [`{id}`](frameworks/{id}.md) | {} {} | {} | {a} | {p} | {m} | {n} |",
                    f.title,
                    f.version,
                    f.requirements.len(),
                    id = f.id
                )?;
            }
        }
        ListFormat::Json => {
            let list: Vec<_> = frameworks
                .iter()
                .map(|f| {
                    let [a, p, m, n] = counts(f);
                    json!({
                        "id": f.id,
                        "title": f.title,
                        "version": f.version,
                        "publisher": f.publisher,
                        "requirements": f.requirements.len(),
                        "coverage": {"automated": a, "partial": p, "manual": m, "notApplicable": n},
                        "controls": f.controls(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(args: &ShowArgs) -> Result<ExitCode> {
    let Some(framework) = palisade_frameworks::find(&args.id) else {
        bail!(
            "unknown framework `{}` (see `palisade frameworks list`)",
            args.id
        );
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let requirements: Vec<_> = framework
                .requirements
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "title": r.title,
                        "summary": r.summary,
                        "status": r.status.as_str(),
                        "controls": r.controls,
                        "partial": r.partial,
                        "evidence": r.evidence,
                        "reason": r.reason,
                        "previousIds": r.previous_ids,
                    })
                })
                .collect();
            let value = json!({
                "id": framework.id,
                "aliases": framework.aliases,
                "title": framework.title,
                "version": framework.version,
                "publisher": framework.publisher,
                "url": framework.url,
                "scope": framework.scope,
                "notes": framework.notes,
                "requirements": requirements,
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        ListFormat::Text | ListFormat::Markdown => out.write_all(markdown(framework).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The framework's reference page (`docs/frameworks/<id>.md` is generated from it).
fn markdown(f: &Pack) -> String {
    let mut out = format!("# {}: {} {}\n\n", f.id, f.title, f.version);
    if !f.aliases.is_empty() {
        out.push_str(&format!(
            "- **Also selected by:** {} (earlier IDs of this pack)\n",
            f.aliases.join(", ")
        ));
    }
    out.push_str(&format!("- **Publisher:** {}\n", f.publisher));
    if let Some(url) = &f.url {
        out.push_str(&format!("- **Source:** {url}\n"));
    }
    out.push_str(&format!(
        "- **Requirements:** {} ({})\n\n",
        f.requirements.len(),
        coverage_line(f)
    ));
    out.push_str(&format!("**Scope.** {}\n\n", f.scope.trim()));
    if let Some(notes) = &f.notes {
        out.push_str(&format!("**Notes.** {}\n\n", notes.trim()));
    }
    for r in &f.requirements {
        out.push_str(&format!("## {} {}\n\n", r.id, r.title));
        out.push_str(&format!("- **Status:** {}\n", r.status.as_str()));
        if !r.controls.is_empty() {
            let controls: Vec<String> = r
                .controls
                .iter()
                .map(|c| format!("[`{c}`](../controls/{c}.md)"))
                .collect();
            out.push_str(&format!("- **Controls:** {}\n", controls.join(", ")));
        }
        if !r.previous_ids.is_empty() {
            let ids: Vec<String> = r
                .previous_ids
                .iter()
                .map(|(v, id)| format!("{v}: {id}"))
                .collect();
            out.push_str(&format!("- **Earlier numbering:** {}\n", ids.join(", ")));
        }
        out.push_str(&format!("\n{}\n\n", r.summary.trim()));
        for (label, text) in [
            ("Checked and not checked", &r.partial),
            ("Evidence to ask for", &r.evidence),
            ("Why not applicable", &r.reason),
        ] {
            if let Some(text) = text {
                out.push_str(&format!("**{label}.** {}\n\n", text.trim()));
            }
        }
    }
    out
}

/// `[automated, partial, manual, not-applicable]`.
fn counts(f: &Pack) -> [usize; 4] {
    let count = |c: Coverage| f.requirements.iter().filter(|r| r.status == c).count();
    [
        count(Coverage::Automated),
        count(Coverage::Partial),
        count(Coverage::Manual),
        count(Coverage::NotApplicable),
    ]
}

fn coverage_line(f: &Pack) -> String {
    let [a, p, m, n] = counts(f);
    format!("{a} automated, {p} partial, {m} manual, {n} n/a")
}
