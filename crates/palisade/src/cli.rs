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
    /// Review the configuration's exceptions: list those that expired or
    /// matched nothing in a scan of PATHs (exit 1 when there are any).
    Exceptions {
        #[command(subcommand)]
        command: ExceptionsCommand,
    },
    /// List and show the compliance frameworks: requirements, the controls
    /// that check them, and what is left to a person.
    Frameworks {
        #[command(subcommand)]
        command: FrameworksCommand,
    },
    /// Run the Kubernetes admission webhook (HTTPS): POST /validate and
    /// /mutate take AdmissionReview admission.k8s.io/v1; GET /healthz,
    /// /readyz and /metrics. The certificate, key, configuration and
    /// policies are reloaded when they change on disk.
    Serve(ServeArgs),
    /// Print the manifests that run the webhook in a cluster (namespace,
    /// ServiceAccount, Deployment, PodDisruptionBudget, Service,
    /// NetworkPolicies, webhook configurations, and a generated CA and
    /// serving certificate or cert-manager resources), for `kubectl apply -f -`.
    #[command(visible_alias = "manifests")]
    Install(InstallArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: admission.listen in the
    /// configuration, else 127.0.0.1:8443].
    #[arg(long, value_name = "ADDR", env = "PALISADE_LISTEN")]
    pub listen: Option<String>,

    /// PEM certificate chain [default: admission.tls.cert in the configuration].
    #[arg(long, value_name = "FILE", env = "PALISADE_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key [default: admission.tls.key in the configuration].
    #[arg(long, value_name = "FILE", env = "PALISADE_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Configuration file: the same palisade.yaml as `scan`, with its
    /// `admission:` section (modes, exemptions, failure mode, mutation,
    /// limits). Default: palisade.yaml in the working directory, when there
    /// is one.
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<PathBuf>,

    /// A Rego policy file or directory. Repeatable (in the environment,
    /// comma-separated).
    #[arg(
        long,
        value_name = "PATH",
        env = "PALISADE_POLICY",
        value_delimiter = ','
    )]
    pub policy: Vec<PathBuf>,

    /// How often the certificate, configuration and policy files are
    /// checked for changes, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 2,
        env = "PALISADE_RELOAD_INTERVAL"
    )]
    pub reload_interval: u64,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Namespace for the webhook (created; left out of the webhooks' scope).
    #[arg(long, default_value = "palisade")]
    pub namespace: String,

    /// Container image running `palisade`.
    #[arg(long, default_value = concat!("ghcr.io/palisade-dev/palisade:", env!("CARGO_PKG_VERSION")))]
    pub image: String,

    /// Replicas of the webhook Deployment.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub replicas: u32,

    /// palisade.yaml to ship in the ConfigMap; its `admission:` section sets
    /// the webhooks' failurePolicy and namespace exemptions. Default: a
    /// minimal configuration in warn mode.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use cert-manager Issuers and Certificates instead of generating a CA
    /// and serving certificate into a Secret.
    #[arg(long)]
    pub cert_manager: bool,

    /// timeoutSeconds of the webhooks (1 to 30); keep it above the
    /// configured admission.deadline-ms.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub timeout_seconds: u32,
}

#[derive(Debug, Subcommand)]
pub enum ExceptionsCommand {
    /// Scan PATHs with the configuration and list expired and unused exceptions.
    Audit(ScanArgs),
}

#[derive(Debug, Subcommand)]
pub enum FrameworksCommand {
    /// List every built-in framework with its coverage.
    List(ListArgs),
    /// Print a framework's requirements, their status and their controls.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The framework's ID, e.g. pci-dss-4.0 (see `palisade frameworks list`).
    pub id: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
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
    /// A self-contained HTML compliance report (works offline).
    Html,
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

    /// Run a framework's controls instead of all built-in controls, and add
    /// its compliance summary to the report: a pack ID from `palisade
    /// frameworks list` (pci-dss-4.0, cis-kubernetes-1.12, ...), or
    /// pss-baseline / pss-restricted optionally pinned to a policy version
    /// as pss-restricted@v1.30 (default: latest). Repeatable.
    #[arg(long, value_name = "FRAMEWORK[@VERSION]")]
    pub framework: Vec<String>,

    /// Configuration file (frameworks, control settings and parameters,
    /// custom frameworks, exceptions). Default: palisade.yaml in the working
    /// directory, when there is one.
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Run only this control (see `palisade controls list`). Repeatable;
    /// combines with --framework.
    #[arg(long, value_name = "ID")]
    pub control: Vec<String>,

    /// Skip files and directories matching this glob (e.g. `vendor`,
    /// `**/testdata/**`, `*.json`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Approved image digests, one per line (`sha256:<hex>` or
    /// `name@sha256:<hex>`; `#` starts a comment): an image, or a
    /// Kubernetes container image pinned by digest, whose digest is not on
    /// the list is an `image-digest-not-allowed` finding, and an image not
    /// pinned by digest is reported as unverifiable. Adds to
    /// `allowed-digests:` in the configuration.
    #[arg(long, value_name = "FILE")]
    pub allowed_digests: Option<PathBuf>,

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
