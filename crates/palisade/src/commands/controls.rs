//! `palisade controls list` and `palisade controls explain ID`: docs
//! rendered from the same metadata the engine runs with.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use palisade_controls::registry;
use serde_json::json;

use crate::cli::{ExplainArgs, ListArgs, ListFormat};

/// The frameworks whose packs use a control, once each.
fn frameworks_of(id: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (framework, _) in palisade_frameworks::requirements_of(id) {
        if !out.contains(&framework.id.as_str()) {
            out.push(&framework.id);
        }
    }
    out
}

/// `pci-dss-4.0.1 2.2.6` for every requirement a control serves.
fn requirements_of(id: &str) -> Vec<String> {
    palisade_frameworks::requirements_of(id)
        .into_iter()
        .map(|(f, r)| format!("{} {}", f.id, r.id))
        .collect()
}

pub fn list(args: &ListArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let controls = registry::all();
    match args.format {
        ListFormat::Text => {
            let width = controls.iter().map(|c| c.meta.id.len()).max().unwrap_or(0);
            for c in controls {
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {}  [{}]",
                    c.meta.id,
                    c.meta.severity.as_str(),
                    c.meta.title,
                    frameworks_of(c.meta.id).join(", ")
                )?;
            }
        }
        ListFormat::Markdown => {
            writeln!(out, "| ID | Severity | Frameworks | Title |")?;
            writeln!(out, "|---|---|---|---|")?;
            for c in controls {
                writeln!(
                    out,
                    "| [`{id}`](controls/{id}.md) | {} | {} | {} |",
                    c.meta.severity,
                    frameworks_of(c.meta.id).join(", "),
                    c.meta.title,
                    id = c.meta.id
                )?;
            }
        }
        ListFormat::Json => {
            let list: Vec<_> = controls
                .iter()
                .map(|c| {
                    json!({
                        "id": c.meta.id,
                        "title": c.meta.title,
                        "severity": c.meta.severity,
                        "frameworks": frameworks_of(c.meta.id),
                        "requirements": requirements_of(c.meta.id),
                        "params": c.params.iter().map(|p| json!({
                            "name": p.name,
                            "doc": p.doc,
                            "default": p.default,
                        })).collect::<Vec<_>>(),
                        "rationale": c.meta.rationale(),
                        "remediation": c.meta.remediation(),
                        "pss": c.pss.map(|p| json!({
                            "upstreamId": p.upstream_id,
                            "level": p.level.as_str(),
                            "since": format!("v1.{}", p.since),
                            "overrides": p.overrides,
                        })),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let Some(control) = registry::find(&args.id) else {
        bail!(
            "unknown control `{}` (see `palisade controls list`)",
            args.id
        );
    };
    let mut out = std::io::stdout().lock();
    out.write_all(
        control
            .markdown(
                &requirements_of(control.meta.id),
                &palisade_frameworks::citations_of(control.meta.id),
            )
            .as_bytes(),
    )?;
    Ok(ExitCode::SUCCESS)
}
