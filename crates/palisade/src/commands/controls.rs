//! `palisade controls list` and `palisade controls explain ID`: docs
//! rendered from the same metadata the engine runs with.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use palisade_controls::registry;
use serde_json::json;

use crate::cli::{ExplainArgs, ListArgs, ListFormat};

pub fn list(args: &ListArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let controls = registry::all();
    match args.format {
        ListFormat::Text => {
            let width = controls.iter().map(|c| c.meta.id.len()).max().unwrap_or(0);
            for c in controls {
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {:<31}  {}",
                    c.meta.id,
                    c.meta.severity.as_str(),
                    c.meta.frameworks.join(","),
                    c.meta.title
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
                    c.meta.frameworks.join(", "),
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
                        "frameworks": c.meta.frameworks,
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
    out.write_all(control.markdown().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
