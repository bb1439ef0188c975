//! The command line, declared once; `--help` is generated from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_model::Severity;

/// Compliance as code for containers and Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check Kubernetes manifests against the built-in controls.
    ///
    /// Exit status: 0 when nothing at or above --fail-on was found, 1 when
    /// something was, 2 on usage errors or when an input could not be read
    /// or parsed (the other inputs are still scanned and reported).
    Scan(ScanArgs),
    /// List and explain the built-in controls.
    Controls {
        #[command(subcommand)]
        command: ControlsCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Grouped by file, with the offending line (for people).
    Text,
    /// Versioned JSON schema (for programs).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SAST dashboards).
    Sarif,
    /// JUnit XML (CI test reports).
    Junit,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan (directories recursively, honouring
    /// .gitignore); `-` reads standard input, e.g. `helm template . | palisade scan -`.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text, env = "PALISADE_FORMAT")]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding at or above this severity is found
    /// (critical, high, medium, low, info).
    #[arg(
        long,
        value_name = "SEVERITY",
        default_value = "low",
        env = "PALISADE_FAIL_ON"
    )]
    pub fail_on: Severity,

    /// Run a framework's controls instead of all built-in controls:
    /// pss-baseline or pss-restricted, optionally pinned to a policy version
    /// as pss-restricted@v1.30 (default: latest). Repeatable.
    #[arg(long, value_name = "FRAMEWORK[@VERSION]")]
    pub framework: Vec<String>,

    /// Run only this control (see `palisade controls list`). Repeatable;
    /// combines with --framework.
    #[arg(long, value_name = "ID")]
    pub control: Vec<String>,

    /// Skip files and directories matching this glob (e.g. `vendor`,
    /// `**/testdata/**`, `*.json`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Largest input file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_file_size: u64,

    /// Never show a progress bar (it only shows on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,

    /// Force colour on or off (default: on for a terminal unless NO_COLOR is set).
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// Only read and parse the inputs (for benchmarking the parser).
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum ControlsCommand {
    /// List every built-in control: ID, severity, frameworks, title.
    List(ListArgs),
    /// Print a control's documentation: what it flags, why, how to fix it.
    Explain(ExplainArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The control's ID, e.g. privileged-container.
    pub id: String,
}
