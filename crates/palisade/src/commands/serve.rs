//! `palisade serve`: the admission webhook. Settings come from the command
//! line (or its environment variables), else the configuration's
//! `admission:` section, else the defaults.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use palisade_audit::{AuditLog, CheckpointSchedule, WriterOptions, redact_url};
use palisade_server::api::ApiOptions;
use palisade_server::audit_sink::AuditLogSink;
use palisade_server::sink::{AuditSink, LogSink};
use palisade_server::state::PolicyFiles;
use palisade_server::{Server, ServerOptions};
use tracing_subscriber::EnvFilter;

use palisade_policy::AuditSettings;

use crate::cli::{ServeArgs, ServeAuditArgs};

/// How long requests in flight may take to finish on SIGTERM.
const GRACE: Duration = Duration::from_secs(10);

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("PALISADE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let discovered = super::discover(args.config.as_deref())?;
    let (config, config_path) = (discovered.config, discovered.path);
    let settings = config.admission()?;
    let audit = config.audit()?;
    let listen = args
        .listen
        .clone()
        .or(settings.listen)
        .unwrap_or_else(|| "127.0.0.1:8443".to_owned());
    let listen: SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen}: expected an address such as 0.0.0.0:8443"))?;
    let (Some(tls_cert), Some(tls_key)) = (
        args.tls_cert.clone().or(settings.tls_cert),
        args.tls_key.clone().or(settings.tls_key),
    ) else {
        bail!(
            "HTTPS needs a certificate and a key: --tls-cert and --tls-key (or admission.tls in the configuration)"
        );
    };
    let mut options = ServerOptions {
        listen,
        tls_cert,
        tls_key,
        sources: PolicyFiles {
            config: config_path,
            policies: crate::commands::scan::policy_sources(&args.policy),
        },
        reload_interval: Duration::from_secs(args.reload_interval.max(1)),
        sink: Arc::new(LogSink),
        client_ca: config.api()?.client_ca,
        api: None,
        prepared: None,
    };
    // Policies and certificate are checked before the audit log is opened
    // (and a SQLite file created) for a server that would not start.
    // Prepared once: the server starts with these.
    let prepared = palisade_server::state::Prepared::load(&options.sources, 1)?;
    palisade_server::tls::server_config(
        &options.tls_cert,
        &options.tls_key,
        &palisade_server::client_cas(options.client_ca.as_deref(), &prepared.settings),
    )
    .map_err(anyhow::Error::msg)?;
    options.prepared = Some(prepared);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let mut options = options;
        (options.sink, options.api) = audit_sink(&args.audit, &audit).await?;
        let mut server = Server::start(options).await?;
        tracing::info!(address = %server.local_addr(), "palisade admission webhook listening");
        tokio::select! {
            result = server.wait() => result.context("server stopped")?,
            () = shutdown_signal() => {
                tracing::info!("shutting down");
                server.shutdown(GRACE).await.context("shutdown")?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The audit log's writer (its own chain per replica) and the read API
/// over the same log, or only the log with `--no-audit`.
/// The audit log from the flags (or their environment variables), else the
/// configuration's `audit:` section, else the defaults.
async fn audit_sink(
    args: &ServeAuditArgs,
    config: &AuditSettings,
) -> Result<(Arc<dyn AuditSink>, Option<ApiOptions>)> {
    if args.no_audit || !config.enabled {
        tracing::warn!(
            "--no-audit (or audit.enabled: false): admission decisions are logged, not recorded; the read API is off"
        );
        return Ok((Arc::new(LogSink), None));
    }
    let chain = args
        .audit_chain
        .clone()
        .or_else(|| config.chain.clone())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let key = match args.audit_key.as_ref().or(config.key.as_ref()) {
        Some(path) => Some(palisade_audit::keys::read_private_key(path)?),
        None => None,
    };
    let every = match args.audit_checkpoint_interval {
        Some(seconds) => Duration::from_secs(seconds.max(1)),
        None => config
            .checkpoint_interval
            .unwrap_or(Duration::from_secs(300)),
    };
    let checkpoint = key.clone().map(|key| CheckpointSchedule { key, every });
    let url = &super::audit::db_url(&args.db, Some(config))?;
    let recorder = AuditLog::open(
        url,
        WriterOptions {
            chain: chain.clone(),
            checkpoint,
            ..WriterOptions::default()
        },
    )
    .await
    .with_context(|| format!("cannot open the audit log {}", redact_url(url)))?;
    tracing::info!(db = %redact_url(url), chain, "recording admission decisions in the audit log");
    let floor = palisade_server::audit_sink::FreeSpaceFloor::for_url(
        url,
        args.audit_min_free_mib.saturating_mul(1024 * 1024),
    );
    let api = ApiOptions {
        db: url.clone(),
        recorder: recorder.clone(),
        floor: floor.clone(),
        description: serde_json::json!({
            "db": redact_url(url),
            "chain": chain,
            "signedCheckpoints": key.is_some(),
        }),
        key,
    };
    Ok((
        Arc::new(AuditLogSink::new(recorder).with_floor(floor)),
        Some(api),
    ))
}

/// SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
