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
    /// or parsed (the other inputs are still scanned and reported), 3 when
    /// nothing was scanned (see --allow-empty).
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
    /// The tamper-evident audit log: verify, query, export, checkpoint, prune.
    ///
    /// Exit status: 0 success (verify: no tampering found), 1 verify or
    /// verify-bundle found a problem, 2 an error.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Policy bundles: policies and data as one OCI artifact, pulled by
    /// digest (`--policy oci-layout:DIR@sha256:<digest>`).
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Nodes and hosts: the facts their components run with.
    Node {
        #[command(subcommand)]
        command: NodeCommand,
    },
    /// File-integrity monitoring (PCI DSS 11.5.2): a baseline of a node's
    /// critical files (type, mode, owner, SHA-256, link target, inode,
    /// capabilities, SELinux label, ACLs) anchored in the audit log, and
    /// compares against it.
    ///
    /// Exit status of `compare`: 0 when nothing changed (or every change
    /// is approved), 1 when something did, 2 on errors (a baseline that
    /// cannot be read or is not the one the audit log anchored).
    Fim {
        #[command(subcommand)]
        command: FimCommand,
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
    /// Test policies: Rego unit tests (`test_*` rules, as `opa test` runs
    /// them) and fixture suites in Gatekeeper's `suite.yaml` format (for
    /// Gatekeeper templates, and for built-in controls with `control: ID`).
    ///
    /// Exit status: 0 when every test passed, 1 when one failed, 2 when a
    /// policy or suite could not be read.
    Test(TestArgs),
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
    /// limits) and `policies:`. Default: palisade.yaml in the working
    /// directory, when there is one.
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// How often the certificate, configuration and policy files are
    /// checked for changes, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 2,
        env = "PALISADE_RELOAD_INTERVAL"
    )]
    pub reload_interval: u64,

    #[command(flatten)]
    pub audit: ServeAuditArgs,
}

/// Where `palisade serve` records its decisions.
#[derive(Debug, Args)]
pub struct ServeAuditArgs {
    #[command(flatten)]
    pub db: AuditDbArgs,

    /// This replica's chain in the audit log, so that replicas writing to
    /// one PostgreSQL database never wait for each other [default:
    /// `audit.chain` in palisade.yaml, else the pod name ($HOSTNAME), else
    /// `default`].
    #[arg(long, value_name = "NAME", env = "PALISADE_AUDIT_CHAIN")]
    pub audit_chain: Option<String>,

    /// Sign a checkpoint of the chain head periodically (and at shutdown)
    /// with this private key (PEM, from `palisade audit keygen`) [default:
    /// `audit.key` in palisade.yaml].
    #[arg(long, value_name = "KEY", env = "PALISADE_AUDIT_KEY")]
    pub audit_key: Option<PathBuf>,

    /// How often to sign a checkpoint, in seconds [default:
    /// `audit.checkpoint-interval` in palisade.yaml, else 300].
    #[arg(
        long,
        value_name = "SECONDS",
        env = "PALISADE_AUDIT_CHECKPOINT_INTERVAL"
    )]
    pub audit_checkpoint_interval: Option<u64>,

    /// Do not write to the audit log: decisions are only logged (also
    /// `audit.enabled: false` in palisade.yaml).
    #[arg(long, env = "PALISADE_NO_AUDIT", conflicts_with_all = ["audit_chain", "audit_key"])]
    pub no_audit: bool,
    /// Stop recording (and answer with the failure mode) while the SQLite
    /// log's volume has less than this many MiB free, before it fills up.
    #[arg(
        long,
        value_name = "MIB",
        env = "PALISADE_AUDIT_MIN_FREE_MIB",
        default_value_t = 64
    )]
    pub audit_min_free_mib: u64,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Namespace for the webhook (created; left out of the webhooks' scope)
    /// [default: palisade; with --node, palisade-node].
    #[arg(long)]
    pub namespace: Option<String>,

    /// Print the node agent instead of the webhook: a DaemonSet running
    /// `palisade node scan` on every node (control-plane nodes included),
    /// the host's / mounted read-only, hostPID, user 0 with no
    /// capabilities, no token, no network; or, with --job-node, a Job on
    /// one node.
    #[arg(long)]
    pub node: bool,

    /// With --node: a Job that scans this node once, instead of the DaemonSet.
    #[arg(long, value_name = "NODE", requires = "node")]
    pub job_node: Option<String>,

    /// With --job-node: a CronJob that scans the node on this schedule
    /// (cron syntax, `0 3 * * *`) instead of a Job that scans it once.
    #[arg(long, value_name = "CRON", requires = "job_node", value_parser = parse_schedule)]
    pub schedule: Option<String>,

    /// With --node: the framework each scan reports on. Repeatable.
    #[arg(
        long = "node-framework",
        value_name = "FRAMEWORK",
        requires = "node",
        default_value = "cis-kubernetes-1.12"
    )]
    pub node_frameworks: Vec<String>,

    /// With --node: how often the DaemonSet scans (30s, 15m, 6h, 1d).
    #[arg(long, value_name = "DURATION", requires = "node", default_value = "24h", value_parser = parse_every)]
    pub every: u64,

    /// With --node: how often the DaemonSet compares the node's critical
    /// files with their baseline (`palisade fim`).
    #[arg(long, value_name = "DURATION", requires = "node", default_value = "24h", value_parser = parse_every)]
    pub fim_every: u64,

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

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rego files, suite files, and directories holding them.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// JSON or YAML data documents for the Rego tests (`data`). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// User policies in Rego, shared by `scan` (and later `serve`).
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArgs {
    /// User policies: `.rego` files (Conftest style: `deny`, `violation` and
    /// `warn` rules), YAML with Gatekeeper ConstraintTemplates and
    /// Constraints, or directories of them. Repeatable.
    #[arg(
        short = 'p',
        long = "policy",
        value_name = "PATH",
        env = "PALISADE_POLICY",
        value_delimiter = ','
    )]
    pub policies: Vec<PathBuf>,
    /// JSON or YAML documents merged into the policies' `data`. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// Conftest namespace (package) whose rules run. Repeatable; default `main`.
    #[arg(long = "namespace", value_name = "NAMESPACE")]
    pub namespaces: Vec<String>,
    /// Run the rules of every namespace.
    #[arg(long, conflicts_with = "namespaces")]
    pub all_namespaces: bool,
    /// A public key (PEM, as `cosign generate-key-pair` writes
    /// `cosign.pub`) one of which must have signed each policy bundle.
    /// With a key, a bundle may be named by tag alone. Repeatable.
    #[arg(long = "policy-key", value_name = "FILE")]
    pub policy_keys: Vec<PathBuf>,
}

/// The audit database, shared by every `palisade audit` command and
/// `palisade scan --record`.
#[derive(Debug, Clone, Args)]
pub struct AuditDbArgs {
    /// The audit log: sqlite:///path/to/audit.db, sqlite://relative.db or
    /// postgres://user:password@host:5432/db [default: `audit.db` in
    /// palisade.yaml, else $XDG_STATE_HOME/palisade/audit.db, else
    /// ~/.local/state/palisade/audit.db; never the working directory].
    // Hidden from --help: a PostgreSQL URL carries the password.
    #[arg(
        long,
        value_name = "URL",
        env = "PALISADE_AUDIT_DB",
        hide_env_values = true
    )]
    pub audit_db: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every chain and name the first event altered, removed or
    /// reordered; check checkpoints (truncation) and their signatures
    /// against the pinned keys. Exit 0: no problem; 1: problems (each
    /// named); 2: the check could not run.
    Verify(AuditVerifyArgs),
    /// Sign the head of every chain and store it (and append it to --out).
    Checkpoint(AuditCheckpointArgs),
    /// Create an ed25519 key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and
    /// PREFIX.pub (public key PEM).
    Keygen(AuditKeygenArgs),
    /// Delete old events, leaving a signed checkpoint that keeps the rest
    /// verifiable.
    Prune(AuditPruneArgs),
    /// List events matching filters.
    Query(AuditQueryArgs),
    /// Write a signed evidence bundle (JSON lines, chain proof, signature).
    Export(AuditExportArgs),
    /// Check an evidence bundle offline, with only the public key.
    VerifyBundle(AuditVerifyBundleArgs),
    /// Generate a bearer token for the read API of `palisade serve`: the
    /// token is printed once (stdout); put the entry printed on stderr, with
    /// its hash, under `api.tokens` in palisade.yaml.
    Token(AuditTokenArgs),
}

#[derive(Debug, Args)]
pub struct AuditTokenArgs {
    /// Who will hold the token (recorded with every API access).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// admin, auditor, developer, or a custom role under `api.roles`.
    #[arg(long, value_name = "ROLE", default_value = "auditor")]
    pub role: String,
    /// Namespaces a developer (or a role without `all-namespaces`) may
    /// read. Repeatable.
    #[arg(long = "namespace", value_name = "NAMESPACE")]
    pub namespaces: Vec<String>,
    /// The configuration whose `api.roles` a custom role must be declared
    /// in [default: palisade.yaml in the working directory].
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The public keys a verification trusts (pinned keys).
#[derive(Debug, Clone, Args)]
pub struct AuditKeyArgs {
    /// A public key (PEM) trusted to sign head checkpoints and bundles: the
    /// key of `serve --audit-key` and `audit checkpoint --sign`. Repeatable
    /// (old and new key during a rotation). Once any key is given, a
    /// checkpoint no given key signed is a problem and anchors nothing.
    #[arg(long, value_name = "FILE")]
    pub public_key: Vec<PathBuf>,
    /// A public key (PEM) trusted to sign prune checkpoints (`audit prune
    /// --sign`): the retention key, kept offline, never given to `serve`.
    /// Only a prune signed by it excuses deleted events. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub retention_public_key: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub db: AuditDbArgs,
    #[command(flatten)]
    pub keys: AuditKeyArgs,
    /// Checkpoints kept outside the database: a file written by `checkpoint
    /// --out` (one JSON object per line) or an evidence bundle (its
    /// checkpoints). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// Fail unless every chain is covered by a checkpoint from --checkpoint
    /// signed by a pinned key (proof that survives a rewritten database).
    #[arg(long, requires = "checkpoint")]
    pub require_checkpoint: bool,
    /// Fail when a trusted prune deleted events younger than this at the
    /// time of the prune (90d, 36h).
    #[arg(long, value_name = "AGE")]
    pub min_retention: Option<String>,
    /// Also check that this file-integrity baseline is the one the log
    /// anchored last for its host (a baseline swapped or edited on disk
    /// fails). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub fim_baseline: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AuditReportFormat::Text)]
    pub format: AuditReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditCheckpointArgs {
    #[command(flatten)]
    pub db: AuditDbArgs,
    /// The private key to sign with (PEM, from `palisade audit keygen`).
    #[arg(long, value_name = "KEY")]
    pub sign: PathBuf,
    /// Also append the checkpoints to this file (keep it away from the
    /// database: it is what proves a truncation).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditKeygenArgs {
    /// Path prefix of the two files written.
    #[arg(long, value_name = "PREFIX", default_value = "palisade-audit")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("retention").required(true).args(["keep_days", "keep"])))]
pub struct AuditPruneArgs {
    #[command(flatten)]
    pub db: AuditDbArgs,
    /// Keep events younger than N days (at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_days: Option<u32>,
    /// Keep the newest N events of each chain (at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep: Option<u64>,
    /// The retention private key that signs the prune checkpoints (not the
    /// checkpoint key `serve` holds: `verify` accepts a prune only when
    /// signed by a key given as --retention-public-key).
    #[arg(long, value_name = "KEY")]
    pub sign: PathBuf,
}

#[derive(Debug, Args)]
pub struct AuditQueryArgs {
    #[command(flatten)]
    pub db: AuditDbArgs,
    /// Events at or after: RFC 3339, a date (2026-11-23) or an age (24h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Events at or before (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    /// Events with a finding of this control.
    #[arg(long, value_name = "ID")]
    pub control: Option<String>,
    /// allowed, denied, warned or audited.
    #[arg(long)]
    pub decision: Option<String>,
    /// The requesting user (admission and API events), or who ran a node command.
    #[arg(long)]
    pub user: Option<String>,
    /// admission, scan, node (palisade fim) or api.
    #[arg(long)]
    pub source: Option<String>,
    /// Only this chain.
    #[arg(long)]
    pub chain: Option<String>,
    /// At most N events (oldest first).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AuditQueryFormat::Text)]
    pub format: AuditQueryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditQueryFormat {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct AuditExportArgs {
    #[command(flatten)]
    pub db: AuditDbArgs,
    /// Events at or after (RFC 3339, a date or an age such as 30d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Events at or before.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The private key that signs the bundle (the checkpoint key; its
    /// public key is pinned for the verification that precedes export).
    #[arg(long, value_name = "KEY")]
    pub sign: PathBuf,
    /// Write the bundle here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The export verifies the whole log first and refuses a log that
    /// does not verify; these are the keys that verification pins.
    #[command(flatten)]
    pub keys: AuditKeyArgs,
}

#[derive(Debug, Args)]
pub struct AuditVerifyBundleArgs {
    /// The bundle written by `palisade audit export`.
    pub bundle: PathBuf,
    /// The keys the bundle and its checkpoints must be signed with (at
    /// least one --public-key or --retention-public-key).
    #[command(flatten)]
    pub keys: AuditKeyArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AuditReportFormat::Text)]
    pub format: AuditReportFormat,
}

/// `palisade scan --record`.
#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    /// Record one audit event per scanned resource (its findings and
    /// waivers, source `scan`) in the audit log.
    #[arg(long)]
    pub record: bool,
    #[command(flatten)]
    pub db: AuditDbArgs,
    /// The chain the events go to.
    #[arg(long, value_name = "NAME", default_value = "scan")]
    pub audit_chain: String,
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

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Write the facts the node checks judge, as JSON: each kubelet (the
    /// running process, or the command its systemd unit and drop-ins
    /// configure, marked "configured"), its arguments, its effective
    /// configuration with where every value came from (a file's
    /// line:column, an argument, or the default that applied), and the
    /// modes and owners of its files (owners named from the host's own
    /// /etc/passwd and /etc/group). Nothing is read outside --root.
    ///
    /// Exit status: 0 when the facts were written, 2 on an error.
    Collect(NodeCollectArgs),
    /// Judge the host's node components and report as `scan` does, in
    /// every format: the control plane (CIS Kubernetes sections 1 and 2:
    /// kube-apiserver, kube-controller-manager, kube-scheduler and etcd,
    /// running or from their static pods, and their files) and the kubelet
    /// (section 4: its files and effective configuration), and the Docker
    /// daemon (CIS Docker sections 1 to 3). Each finding
    /// points where its value came from: a line of a configuration file,
    /// static pod or systemd unit, a process's command line, or the file
    /// whose mode or owner is wrong. Recommendations with nothing to judge
    /// on this host (the control plane on a worker) are not applicable.
    ///
    /// Exit status: 0 when nothing at or above --fail-on was found, 1 when
    /// something was, 2 when something could not be read or judged, 3 when
    /// the host runs no component Palisade judges (unless --allow-empty).
    Scan(Box<NodeScanArgs>),
    /// The node agent (the DaemonSet of `palisade install --node`): the node
    /// scan every --every and the file-integrity compare every --fim-every,
    /// each recorded in the audit log, with /metrics and /healthz on
    /// --listen. The configuration is read afresh for every run, so an
    /// edit takes effect at the next one. Runs until stopped.
    Agent(Box<NodeAgentArgs>),
}

#[derive(Debug, Clone, Args)]
pub struct NodeAgentArgs {
    #[command(flatten)]
    pub host: HostArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// The node scan's frameworks, as for `palisade node scan`.
    #[arg(long, value_name = "FRAMEWORK[@VERSION]")]
    pub framework: Vec<String>,
    /// How often the node scan runs (30s, 15m, 6h, 1d).
    #[arg(long, value_name = "DURATION", value_parser = parse_every, default_value = "1h")]
    pub every: u64,
    /// How often the file-integrity compare runs.
    #[arg(long, value_name = "DURATION", value_parser = parse_every, default_value = "1d")]
    pub fim_every: u64,
    /// No file-integrity compare.
    #[arg(long)]
    pub no_fim: bool,
    /// The file-integrity baseline.
    #[arg(
        long,
        value_name = "FILE",
        env = "PALISADE_FIM_BASELINE",
        default_value = "/var/lib/palisade/fim-baseline.json"
    )]
    pub baseline: std::path::PathBuf,
    /// Take a baseline (with --fim-profile) when there is no baseline file
    /// yet, instead of failing the compare.
    #[arg(long)]
    pub take_baseline: bool,
    /// The profile of a baseline taken with --take-baseline.
    #[arg(long, value_name = "node|docker|FILE", default_value = "node")]
    pub fim_profile: String,
    /// Hash at most this many MB per second (0: no limit), so that a
    /// compare never competes with the node's workloads for the disk.
    #[arg(long, value_name = "MB", default_value_t = 50)]
    pub fim_max_mbps: u64,
    /// Hash on at most this many threads.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub fim_threads: usize,
    /// Where /metrics and /healthz are served (plain HTTP: keep it on the
    /// loopback or the pod's network).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    pub listen: std::net::SocketAddr,
    /// Approved image digests, as for `palisade node scan`.
    #[arg(long, value_name = "FILE")]
    pub allowed_digests: Option<std::path::PathBuf>,
    /// The host's name in file-integrity baselines and events, as for
    /// `palisade fim`.
    #[arg(long, value_name = "NAME", env = "PALISADE_NODE_NAME")]
    pub host_name: Option<String>,
    /// Configuration file (controls, exceptions, `audit.db`).
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub db: AuditDbArgs,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write policy files and folders as a bundle into an OCI image layout
    /// (`--layout`) or a registry (`--to`) and print its digest.
    Push(PolicyPushArgs),
    /// Verify a bundle by its digest (and, with `--key`, its signature)
    /// and unpack it (into the cache, or `--output`); print where its
    /// files are.
    Pull(PolicyPullArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["layout", "to"])))]
pub struct PolicyPushArgs {
    /// Policy files and folders (`.rego`, data, Gatekeeper YAML).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The OCI image layout folder to write into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub layout: Option<PathBuf>,
    /// The tag the layout's index gives the bundle.
    #[arg(long, default_value = "latest", requires = "layout")]
    pub tag: String,
    /// The registry repository and tag to push to:
    /// `oci://REGISTRY/REPO:TAG` (credentials from `docker login`).
    #[arg(long, value_name = "oci://REGISTRY/REPO:TAG")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct PolicyPullArgs {
    /// `oci-layout:DIR@sha256:<digest>`, `oci://REGISTRY/REPO[:TAG][@sha256:<digest>]`
    /// or `https://.../bundle.tar.gz[@sha256:<digest>]`.
    pub reference: String,
    /// Copy the files here instead of only into the cache.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// A public key one of which must have signed the bundle. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub key: Vec<PathBuf>,
}

/// Where the host is: shared by `node collect` and `node scan`.
#[derive(Debug, Clone, Args)]
pub struct HostArgs {
    /// The host's root folder: `/`, or where the host's `/` is mounted
    /// (`/host` in a DaemonSet's pod).
    #[arg(long, default_value = "/")]
    pub root: std::path::PathBuf,
    /// The host's /proc (mounted with hostPID), to read the running
    /// components' command lines. Without it, commands are rebuilt from
    /// systemd units.
    #[arg(long)]
    pub proc: Option<std::path::PathBuf>,
    /// Read the kubelet and the control plane as kube-bench does instead:
    /// a flag found anywhere on the command line (its first occurrence),
    /// no defaults, kube-bench's fixed configuration paths. The report
    /// then gives kube-bench's verdicts, and lists each control whose
    /// verdict Palisade's own reading differs on.
    #[arg(long, value_name = "TOOL")]
    pub compat: Option<Compat>,
}

/// Another tool whose reading `--compat` reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compat {
    /// aquasecurity/kube-bench.
    KubeBench,
}

#[derive(Debug, Subcommand)]
pub enum FimCommand {
    /// Take a baseline of what a profile covers under --root, write it to
    /// --baseline and anchor its digest in the audit log. Refuses to
    /// replace an existing baseline without --replace (approve changes
    /// with `palisade fim accept` instead).
    Baseline(FimBaselineArgs),
    /// Compare the host with its baseline (read with the baseline's own
    /// profile): paths added, removed, modified, replaced or unreadable,
    /// each a finding with its old and new values. Every compare is an
    /// audit event, even when nothing changed.
    Compare(FimCompareArgs),
    /// Approve changes found by a compare: into the baseline (the new
    /// state becomes the expected one), or with --until as an exception
    /// that expires. The approval is an audit event naming who and why.
    Accept(FimAcceptArgs),
    /// Compare, then again whenever a watched path changes (inotify), and
    /// at least every --every. Watches miss changes made while they are
    /// not running, or when the kernel's event queue overflows: the
    /// periodic compare stays the authoritative one.
    Watch(FimWatchArgs),
    /// Every host with a baseline in the audit log, judged for PCI DSS
    /// 11.5.2: compared within --within, with nothing unapproved in its
    /// newest compare. Exit status: 0 when every host passes, 1 when one
    /// is overdue or changed (or no host has a baseline), 2 on errors.
    Status(FimStatusArgs),
}

#[derive(Debug, Args)]
pub struct FimStatusArgs {
    /// How recent each host's newest compare must be (PCI DSS 11.5.2 asks
    /// for at least weekly).
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub within: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Configuration file (`audit.db`).
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub db: AuditDbArgs,
}

/// What every `palisade fim` command names.
#[derive(Debug, Clone, Args)]
pub struct FimArgs {
    /// The host's root folder: `/`, or where the host's `/` is mounted
    /// (`/host` in a DaemonSet's pod).
    #[arg(long, default_value = "/")]
    pub root: std::path::PathBuf,
    /// The baseline file.
    #[arg(
        long,
        value_name = "FILE",
        env = "PALISADE_FIM_BASELINE",
        default_value = "/var/lib/palisade/fim-baseline.json"
    )]
    pub baseline: std::path::PathBuf,
    /// Configuration file (control settings, exceptions, `audit.db`).
    /// Default: palisade.yaml in the working directory, when there is one.
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub db: AuditDbArgs,
    /// The audit log chain the events go to.
    #[arg(long, value_name = "NAME", default_value = "fim")]
    pub audit_chain: String,
    /// The host's name in baselines and events [default: the first word of
    /// the root's /etc/hostname, else the root folder]. Give each node its
    /// own when nodes share a log (the DaemonSet gives the node's name).
    #[arg(long, value_name = "NAME", env = "PALISADE_NODE_NAME")]
    pub host: Option<String>,
}

#[derive(Debug, Args)]
pub struct FimBaselineArgs {
    #[command(flatten)]
    pub fim: FimArgs,
    /// What to watch: `node` (Kubernetes node: kubelet, runtimes, PKI,
    /// units, CNI, sudo, SSH, PAM, audit rules), `docker` (a Docker host),
    /// or a profile file (YAML: include, exclude, expected-to-change,
    /// max-file-bytes, extends).
    #[arg(long, value_name = "node|docker|FILE", default_value = "node")]
    pub profile: String,
    /// Replace an existing baseline (the event names the one replaced).
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Clone, Args)]
pub struct FimCompareArgs {
    #[command(flatten)]
    pub fim: FimArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Add a framework's compliance summary to the report (pci-dss-4.0,
    /// ...). Repeatable.
    #[arg(long, value_name = "FRAMEWORK[@VERSION]")]
    pub framework: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FimAcceptArgs {
    #[command(flatten)]
    pub fim: FimArgs,
    /// The changed paths to approve (as a compare names them).
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Approve every change the compare finds.
    #[arg(long, conflicts_with = "paths")]
    pub all: bool,
    /// Why the change is right (recorded in the audit log).
    #[arg(long)]
    pub reason: String,
    /// Who answers for it [default: who runs the command].
    #[arg(long)]
    pub owner: Option<String>,
    /// The change record or ticket.
    #[arg(long)]
    pub ticket: Option<String>,
    /// Accept the change until the end of this day (YYYY-MM-DD, UTC)
    /// instead of taking it into the baseline: after it, the change is
    /// reported again.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<String>,
    /// The approver's name [default: the user the command runs as].
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct FimWatchArgs {
    #[command(flatten)]
    pub compare: FimCompareArgs,
    /// Compare at least this often even when no change is seen (30s, 15m,
    /// 6h, 1d).
    #[arg(long, value_name = "DURATION", value_parser = parse_every, default_value = "1d")]
    pub every: u64,
    /// Wait this long after a change is seen before comparing, so that a
    /// burst of writes gives one compare (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub settle_ms: u64,
}

#[derive(Debug, Args)]
pub struct NodeCollectArgs {
    #[command(flatten)]
    pub host: HostArgs,
    /// Where to write the JSON (`-`: standard output).
    #[arg(short, long, default_value = "-")]
    pub output: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct NodeScanArgs {
    #[command(flatten)]
    pub host: HostArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Run a framework's controls instead of all built-in controls, and add
    /// its compliance summary to the report (cis-kubernetes-1.12, ...).
    /// Requirements of other kinds of input (manifests, images) are
    /// reported as not run. Repeatable.
    #[arg(long, value_name = "FRAMEWORK[@VERSION]")]
    pub framework: Vec<String>,

    /// Configuration file (control settings and parameters, exceptions).
    /// Default: palisade.yaml in the working directory, when there is one.
    #[arg(long, value_name = "FILE", env = "PALISADE_CONFIG")]
    pub config: Option<std::path::PathBuf>,

    /// Run only this control (see `palisade controls list`). Repeatable;
    /// combines with --framework.
    #[arg(long, value_name = "ID")]
    pub control: Vec<String>,

    /// Approved image digests, one per line, as for `palisade scan`: the
    /// running containers' images are checked against them
    /// (`docker-container-image-digest-not-allowed`). Adds to
    /// `allowed-digests:` in the configuration.
    #[arg(long, value_name = "FILE")]
    pub allowed_digests: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub record: RecordArgs,

    /// Scan again every DURATION (30s, 15m, 6h, 1d) until stopped, writing
    /// each report (and recording it with --record): the node agent's
    /// DaemonSet runs this way. Errors of one scan are reported and the
    /// next one still runs.
    #[arg(long, value_name = "DURATION", value_parser = parse_every)]
    pub every: Option<u64>,

    /// Exit 0 when the host runs no node component Palisade judges (no
    /// kubelet, control-plane component or Docker daemon) instead of 3. The warning on
    /// stderr stays.
    #[arg(long)]
    pub allow_empty: bool,
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

    #[command(flatten)]
    pub report: ReportArgs,

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
    /// pinned by digest is reported as unverifiable, and so is a Pod's
    /// running image (`status.containerStatuses[].imageID`,
    /// `running-image-digest-not-allowed`). Adds to `allowed-digests:` in
    /// the configuration.
    #[arg(long, value_name = "FILE")]
    pub allowed_digests: Option<PathBuf>,

    /// Largest input file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_file_size: u64,

    /// Where image layers' results are cached by their verified digest
    /// [default: $XDG_CACHE_HOME/palisade/layers, else
    /// ~/.cache/palisade/layers].
    #[arg(long, value_name = "DIR", env = "PALISADE_IMAGE_CACHE")]
    pub image_cache: Option<PathBuf>,

    /// Largest size of the image layer cache, in MiB (least recently used
    /// entries go first).
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub image_cache_size: u64,

    /// Read every image layer in full; neither read nor write the cache
    /// (wins over --image-cache and PALISADE_IMAGE_CACHE).
    #[arg(long)]
    pub no_image_cache: bool,

    /// Never show a progress bar (it only shows on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,

    /// Only read, parse and count the inputs; evaluate nothing (the floor a
    /// scan's speed is measured against; exit 0 unless an input is broken).
    /// Nothing evaluated is nothing to record: refused with --record.
    #[arg(long, conflicts_with = "record")]
    pub parse_only: bool,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Give Conftest policies every document at once, as one input: an
    /// array of `{"path", "contents"}` (Conftest's `--combine`).
    #[arg(long)]
    pub combine: bool,

    /// Run only the user policies (--policy, or `policies:` in the
    /// configuration), not the built-in controls.
    #[arg(long)]
    pub no_builtins: bool,

    /// `palisade.dev/waive.<control>` annotations in the scanned manifests
    /// waive nothing (as `annotation-waivers: false` in palisade.yaml): a
    /// central CI policy is not waived by a repository's own annotations.
    /// Exceptions in the configuration still apply.
    #[arg(long)]
    pub no_annotation_waivers: bool,

    #[command(flatten)]
    pub record: RecordArgs,

    /// Exit 0 when nothing was scanned (no manifest, Dockerfile or image
    /// found) instead of 3. The warning on stderr stays.
    #[arg(long)]
    pub allow_empty: bool,

    /// Add the exceptions of this baseline file (written by
    /// --write-baseline) to the configuration's.
    #[arg(long, value_name = "FILE", env = "PALISADE_BASELINE")]
    pub baseline: Option<PathBuf>,

    /// Write the exceptions that waive exactly this scan's findings to
    /// FILE (kept: what people filled in for findings still there), and
    /// exit 0 unless something could not be read. Needs --baseline-expiry.
    #[arg(long, value_name = "FILE", requires = "baseline_expiry")]
    pub write_baseline: Option<PathBuf>,

    /// How long new baseline entries waive: days (`90d`) or a last day
    /// (`2027-03-31`).
    #[arg(long, value_name = "DAYS|DATE", requires = "write_baseline", value_parser = parse_expiry)]
    pub baseline_expiry: Option<jiff::civil::Date>,
}

/// `90d` from today, or a `YYYY-MM-DD` day after today.
fn parse_expiry(text: &str) -> Result<jiff::civil::Date, String> {
    let today = jiff::ZonedDateTime::now().date();
    let text = text.trim();
    let date = match text.strip_suffix('d').map(str::parse::<i64>) {
        Some(Ok(days)) if days > 0 => today
            .checked_add(jiff::Span::new().days(days))
            .map_err(|e| format!("{text}: {e}"))?,
        Some(_) => return Err(format!("{text:?}: a number of days above 0, such as 90d")),
        None => text
            .parse::<jiff::civil::Date>()
            .map_err(|e| format!("{text:?} is neither days (90d) nor a YYYY-MM-DD date: {e}"))?,
    };
    if date <= today {
        return Err(format!("{date} is not after today ({today})"));
    }
    Ok(date)
}

/// How a report is written and what fails the run: shared by `scan` and
/// `node scan`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text, env = "PALISADE_FORMAT")]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when a finding at or above this severity is found
    /// (critical, high, medium, low, info), or never (`never`: a
    /// report-only job).
    #[arg(
        long,
        value_name = "SEVERITY",
        default_value = "low",
        env = "PALISADE_FAIL_ON",
        value_parser = parse_fail_on
    )]
    pub fail_on: FailOn,

    /// Show and write only the findings of these severities
    /// (`critical,high`); what fails the run is still `--fail-on`'s, on
    /// every finding. Repeatable or comma-separated.
    #[arg(long, value_name = "LEVEL", value_delimiter = ',')]
    pub severity: Vec<Severity>,

    /// Text output: the compliance tallies and the summary line only, no
    /// findings.
    #[arg(short, long)]
    pub quiet: bool,

    /// Force colour on or off (default: on for a terminal unless NO_COLOR is set).
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
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

/// A duration of whole seconds, minutes, hours or days (`30s`, `15m`,
/// `6h`, `1d`), in seconds; at least one second.
fn parse_every(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit (s, m, h or d)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        other => return Err(format!("unknown unit `{other}` (s, m, h or d)")),
    };
    match number.checked_mul(scale) {
        Some(0) => Err("the interval must be at least 1s".to_owned()),
        Some(seconds) => Ok(seconds),
        None => Err(format!("`{text}` is too long")),
    }
}

/// What fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// An unwaived, enforced finding at or above this severity.
    AtOrAbove(Severity),
    /// Nothing: the report is written and the run passes.
    Never,
}

impl FailOn {
    /// The threshold, if findings can fail the run.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::AtOrAbove(severity) => Some(severity),
            FailOn::Never => None,
        }
    }
}

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    if text.trim().eq_ignore_ascii_case("never") {
        return Ok(FailOn::Never);
    }
    text.parse::<Severity>()
        .map(FailOn::AtOrAbove)
        .map_err(|e| format!("{e}, or never"))
}

/// A cron schedule: five fields of `0-9 * , - /` (or an `@hourly`-style
/// macro), refused here rather than by the API server on apply.
fn parse_schedule(text: &str) -> Result<String, String> {
    const MACROS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    let text = text.trim();
    let fields: Vec<&str> = text.split_whitespace().collect();
    let field_ok = |f: &&str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '?'))
    };
    if MACROS.contains(&text) || (fields.len() == 5 && fields.iter().all(field_ok)) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is no cron schedule: five fields (minute hour day month weekday), such as \"0 3 * * *\", or @daily"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_every;

    #[test]
    fn intervals_read_with_their_unit() {
        assert_eq!(parse_every("30s"), Ok(30));
        assert_eq!(parse_every("15m"), Ok(900));
        assert_eq!(parse_every("6h"), Ok(21600));
        assert_eq!(parse_every("1d"), Ok(86400));
        assert!(parse_every("0s").is_err());
        assert!(parse_every("10").is_err());
        assert!(parse_every("1w").is_err());
        assert!(parse_every("h").is_err());
    }
}
