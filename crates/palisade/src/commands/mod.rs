//! One module per subcommand.

pub mod agent;
pub mod audit;
pub mod bundle;
pub mod controls;
pub mod exceptions;
pub mod fim;
mod fim_watch;
pub mod frameworks;
pub mod install;
pub mod node;
pub mod record;
pub mod scan;
pub mod serve;
pub mod test;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use palisade_policy::{Built, Config, Discovered, PolicyRequest};

/// The configuration, found once ([`discover`]), with the policy set and
/// policy version built from it and the command line: what `scan`,
/// `scan --record` and `serve` each use from start to end.
#[derive(Debug)]
pub struct Configured {
    /// The configuration and its file.
    pub discovered: Discovered,
    /// The policy set and its version.
    pub built: Built,
}

impl Configured {
    /// Finds the configuration and builds the policy set `request` asks for.
    pub fn new(config: Option<&Path>, request: &PolicyRequest) -> Result<Configured> {
        let discovered = discover(config)?;
        let built = discovered.config.build(request)?;
        // Kyverno rules that cannot run offline are said once, never
        // passed in silence.
        for rule in built.policy.kyverno_not_evaluated() {
            eprintln!("palisade: warning: Kyverno rule not evaluated: {rule}");
        }
        Ok(Configured { discovered, built })
    }
}

/// The configuration: `--config` (or `PALISADE_CONFIG`), else
/// `palisade.yaml` in the working directory, else the defaults; the one
/// place a set-aside file is warned about.
pub fn discover(config: Option<&Path>) -> Result<Discovered> {
    let discovered = Config::discover(config)?;
    if let Some(warning) = &discovered.warning {
        eprintln!("palisade: warning: {warning}");
    }
    Ok(discovered)
}

/// The exit code of a command that decided `verdict` and then wrote its
/// output: a reader that closed the pipe early (`| head`) does not change
/// the verdict; any other write error is an error.
pub fn finish(verdict: ExitCode, written: anyhow::Result<()>) -> anyhow::Result<ExitCode> {
    match written {
        Ok(()) => Ok(verdict),
        Err(error) if is_broken_pipe(&error) => Ok(verdict),
        Err(error) => Err(error),
    }
}

/// Whether an error is a write to a pipe whose reader has gone.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
