//! `palisade node collect`: the facts of a host's node components, for
//! support and for judging elsewhere (`palisade-load/src/host/`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use palisade_load::Limits;
use palisade_load::host::{HostOptions, collect as collect_facts};

use crate::cli::NodeCollectArgs;

pub fn collect(args: &NodeCollectArgs) -> Result<ExitCode> {
    if !args.root.is_dir() {
        bail!("--root {}: not a folder", args.root.display());
    }
    if let Some(proc) = &args.proc
        && !proc.is_dir()
    {
        bail!("--proc {}: not a folder", proc.display());
    }
    let facts = collect_facts(&HostOptions {
        root: args.root.clone(),
        proc: args.proc.clone(),
        limits: Limits::default(),
    });
    let mut json = serde_json::to_string_pretty(&facts)?;
    json.push('\n');
    if args.output.as_os_str() == "-" {
        std::io::stdout().lock().write_all(json.as_bytes())?;
    } else {
        std::fs::write(&args.output, json)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
