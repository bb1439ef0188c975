//! The `palisade` binary: parses the command line, runs one command, and
//! turns its outcome into an exit code. Everything else lives in the crates.
//!
//! Exit codes (like ripgrep's): 0 nothing at or above `--fail-on`, 1 findings
//! at or above it, 2 usage errors or inputs that could not be read or parsed.
//! A reader that closes the pipe early does not change a verdict already
//! reached; a command cut off before its verdict exits 141.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

/// Every command allocates many small, short-lived values (parsed trees,
/// findings, messages); mimalloc serves them from per-thread pages with no
/// arena locking, which glibc's allocator does not (measured on the webhook).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crate::cli::{
    AuditCommand, Cli, Command, ControlsCommand, ExceptionsCommand, FimCommand, FrameworksCommand,
    NodeCommand, PolicyCommand,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Controls { command } => match command {
            ControlsCommand::List(args) => commands::controls::list(&args),
            ControlsCommand::Explain(args) => commands::controls::explain(&args),
        },
        Command::Exceptions { command } => match command {
            ExceptionsCommand::Audit(args) => commands::exceptions::audit(&args),
        },
        Command::Policy { command } => match command {
            PolicyCommand::Push(args) => commands::bundle::push(&args),
            PolicyCommand::Pull(args) => commands::bundle::pull(&args),
        },
        Command::Frameworks { command } => match command {
            FrameworksCommand::List(args) => commands::frameworks::list(&args),
            FrameworksCommand::Show(args) => commands::frameworks::show(&args),
        },
        Command::Test(args) => commands::test::run(&args),
        Command::Audit { command } => match command {
            AuditCommand::Verify(args) => commands::audit::verify(&args),
            AuditCommand::Checkpoint(args) => commands::audit::checkpoint(&args),
            AuditCommand::Keygen(args) => commands::audit::keygen(&args),
            AuditCommand::Prune(args) => commands::audit::prune(&args),
            AuditCommand::Query(args) => commands::audit::query(&args),
            AuditCommand::Export(args) => commands::audit::export(&args),
            AuditCommand::VerifyBundle(args) => commands::audit::verify_bundle(&args),
            AuditCommand::Token(args) => commands::audit::token(&args),
        },
        Command::Node { command } => match command {
            NodeCommand::Collect(args) => commands::node::collect(&args),
            NodeCommand::Scan(args) => commands::node::scan(&args),
            NodeCommand::Agent(args) => commands::agent::run(&args),
        },
        Command::Fim { command } => match command {
            FimCommand::Baseline(args) => commands::fim::baseline(&args),
            FimCommand::Compare(args) => commands::fim::compare(&args),
            FimCommand::Accept(args) => commands::fim::accept(&args),
            FimCommand::Watch(args) => commands::fim::watch(&args),
            FimCommand::Status(args) => commands::fim::status(&args),
        },
        Command::Serve(args) => commands::serve::run(&args),
        Command::Install(args) => commands::install::run(&args),
    };
    match result {
        Ok(code) => code,
        // A command with a verdict (scan, exceptions audit, audit verify)
        // returns it through `commands::finish`; a broken pipe that reaches
        // here ended a command before it could decide, so it is no success:
        // 141 is what a shell reports for a writer ended by SIGPIPE, and what
        // `set -o pipefail` scripts expect of any Unix tool.
        Err(error) if commands::is_broken_pipe(&error) => ExitCode::from(141),
        Err(error) => {
            eprintln!("palisade: error: {error:#}");
            ExitCode::from(2)
        }
    }
}
