//! One module per subcommand.

pub mod audit;
pub mod controls;
pub mod exceptions;
pub mod frameworks;
pub mod install;
pub mod record;
pub mod scan;
pub mod serve;
pub mod test;

use std::process::ExitCode;

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
