//! `palisade serve`: the Kubernetes admission webhook.
//!
//! - [`review`]: AdmissionReview `admission.k8s.io/v1` on the wire.
//! - [`decide`]: the decision, a pure function of the prepared state and
//!   the request (modes, exemptions, failure mode).
//! - [`evaluate`]: the one entry point through which policies run
//!   ([`evaluate::Evaluator::evaluate`]); Rego plugs in there.
//! - [`mutate`]: opt-in safe defaults as a JSON Patch.
//! - [`message`]: denial messages and warnings within the API server's limits.
//! - [`state`], `reload`, [`tls`]: prepared state swapped whole on reload;
//!   certificates reloaded without a restart.
//! - [`metrics`]: Prometheus text on `/metrics`.
//! - [`sink`]: where decisions are recorded; [`audit_sink`]: the audit log
//!   as a sink (the response waits for the event's commit).
//! - [`api`]: the read API on `/api/v1/` (events, summary, verify, export,
//!   whoami, config, trend, exceptions), with bearer tokens, client
//!   certificates and roles; [`ui`]: the dashboard on `/ui/` over it.
//! - [`install`]: the manifests `palisade install` prints.
//!
//! No function here prints; the binary sets up logging (`tracing`).

pub mod api;
pub mod audit_sink;
mod body;
pub mod caller;
pub mod decide;
pub mod evaluate;
mod http;
pub mod install;
pub mod message;
pub mod metrics;
pub mod mutate;
mod reload;
pub mod review;
pub mod sink;
pub mod state;
pub mod tls;
pub mod ui;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

use crate::metrics::Metrics;
use crate::sink::AuditSink;
use crate::state::{PolicyFiles, Prepared};
pub use reload::ReloadStatus;

/// How to run the webhook.
pub struct ServerOptions {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// PEM certificate chain.
    pub tls_cert: PathBuf,
    /// PEM private key.
    pub tls_key: PathBuf,
    /// Configuration and policy files.
    pub sources: PolicyFiles,
    /// How often files are checked for changes.
    pub reload_interval: Duration,
    /// Where decisions are recorded.
    pub sink: Arc<dyn AuditSink>,
    /// CA bundle for optional client certificates (the read API's mTLS).
    pub client_ca: Option<PathBuf>,
    /// The read API on `/api/v1/` (none: not served).
    pub api: Option<api::ApiOptions>,
    /// The policies, when the caller has prepared them from `sources`
    /// already (to refuse a broken configuration before opening anything);
    /// none: prepared on start.
    pub prepared: Option<Prepared>,
}

/// The CAs whose client certificates the TLS layer accepts: the read
/// API's and the API server's (read at start; their contents reload).
pub fn client_cas(
    api_client_ca: Option<&std::path::Path>,
    settings: &palisade_policy::AdmissionSettings,
) -> Vec<PathBuf> {
    api_client_ca
        .map(PathBuf::from)
        .into_iter()
        .chain(settings.client_ca.clone())
        .collect()
}

/// Why the webhook did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration or policies are invalid.
    #[error(transparent)]
    Policy(#[from] state::PrepareError),
    /// The policies could not be prepared (the preparing task failed).
    #[error("internal error preparing the policies: {0}")]
    Internal(String),
    /// The certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    /// The audit log cannot be read.
    #[error("read API: {0}")]
    Api(#[from] palisade_audit::AuditError),
    /// The address cannot be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// State shared by every request and the reload task.
pub(crate) struct Shared {
    pub(crate) prepared: ArcSwap<Prepared>,
    pub(crate) status: ArcSwap<ReloadStatus>,
    pub(crate) metrics: Metrics,
    pub(crate) sink: Arc<dyn AuditSink>,
    pub(crate) tls: RustlsConfig,
    pub(crate) sources: PolicyFiles,
    /// The serving certificate and key.
    pub(crate) tls_files: (PathBuf, PathBuf),
    /// The read API's client CA in use: the start option, then the
    /// configuration's `api.client-ca` as each reload reads it (the API
    /// server's, `admission.client-ca`, is in the prepared settings).
    pub(crate) client_ca: arc_swap::ArcSwapOption<PathBuf>,
    pub(crate) api: Option<api::Api>,
    /// The bytes of review bodies being read and judged at once.
    pub(crate) budget: body::Budget,
}

/// A running webhook.
pub struct Server {
    addr: SocketAddr,
    handle: Handle<SocketAddr>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    reloading: tokio::task::JoinHandle<()>,
    sink: Arc<dyn AuditSink>,
    shared: Arc<Shared>,
}

impl Server {
    /// Prepares the policies, loads the certificate, binds and starts
    /// serving; returns once it listens. Must run inside a Tokio runtime.
    pub async fn start(options: ServerOptions) -> Result<Server, StartError> {
        tls::install_crypto_provider();
        let policies_seen = reload::Seen::policies(&options.sources);
        let prepared = match options.prepared {
            Some(prepared) => prepared,
            None => {
                let sources = options.sources.clone();
                tokio::task::spawn_blocking(move || Prepared::load(&sources, 1))
                    .await
                    .map_err(|e| StartError::Internal(e.to_string()))??
            }
        };
        let seen = reload::Seen::with_tls(
            policies_seen,
            &options.tls_cert,
            &options.tls_key,
            options.client_ca.as_deref(),
            &prepared.settings,
        );
        let client_cas = client_cas(options.client_ca.as_deref(), &prepared.settings);
        let config = tls::server_config(&options.tls_cert, &options.tls_key, &client_cas)?;
        let tls = RustlsConfig::from_config(Arc::new(config));
        let budget = body::Budget::new(prepared.settings.max_inflight_bytes);
        let metrics = Metrics::default();
        metrics.generation(1);
        let shared = Arc::new(Shared {
            prepared: ArcSwap::from_pointee(prepared),
            status: ArcSwap::from_pointee(ReloadStatus {
                tls_loaded_at: Some(std::time::SystemTime::now()),
                ..ReloadStatus::default()
            }),
            metrics,
            sink: options.sink.clone(),
            tls: tls.clone(),
            sources: options.sources,
            tls_files: (options.tls_cert, options.tls_key),
            client_ca: arc_swap::ArcSwapOption::from_pointee(options.client_ca),
            budget,
            api: match options.api {
                Some(api) => Some(api::Api::open(api).await?),
                None => None,
            },
        });
        let listener = std::net::TcpListener::bind(options.listen)
            .map_err(|e| StartError::Bind(options.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Bind(options.listen, e))?;
        let handle = Handle::new();
        let mut server = axum_server::from_tcp_rustls(listener, tls)
            .map_err(|e| StartError::Bind(addr, e))?
            .handle(handle.clone());
        http2_windows(&mut server.http_builder().http2());
        let app = http::router(shared.clone());
        let serving = tokio::spawn(async move { server.serve(app.into_make_service()).await });
        let reloading = tokio::spawn(reload::watch(shared.clone(), options.reload_interval, seen));
        Ok(Server {
            addr,
            handle,
            serving,
            reloading,
            sink: options.sink,
            shared,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the server stops (it only stops on [`Server::shutdown`]
    /// or an I/O error of the listener).
    pub async fn wait(&mut self) -> std::io::Result<()> {
        let result = (&mut self.serving)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        self.reloading.abort();
        result
    }

    /// Stops accepting connections, lets requests in flight finish within
    /// `grace`, commits every accepted audit event, and stops.
    pub async fn shutdown(mut self, grace: Duration) -> std::io::Result<()> {
        self.handle.graceful_shutdown(Some(grace));
        let result = self.wait().await;
        // Refusals counted but not yet summarised go in before the writer
        // flushes: none is unaccounted for.
        if let Some(api) = &self.shared.api {
            api.flush_all_refusals(&self.shared.prepared.load().policy_version);
        }
        self.sink.shutdown().await;
        result
    }
}

/// The most HTTP/2 streams one connection may have open.
const HTTP2_MAX_STREAMS: u32 = 64;
/// What one stream may send before its body is read.
const HTTP2_STREAM_WINDOW: u32 = 64 * 1024;

/// Sizes the HTTP/2 flow-control windows so that streams waiting for the
/// in-flight budget (see `body`) cannot stall the one being read. A
/// waiting stream's body is not read; what it sent sits in the
/// connection's window. With hyper's defaults (1 MiB for a stream and for
/// the connection) one waiting review filled the connection's window, and
/// the review holding the budget could never finish arriving: four large
/// reviews on one connection, as the API server multiplexes them, all
/// ended at the deadline in the failure mode. With every stream's window
/// a small part of the connection's, the streams that wait can hold at
/// most `HTTP2_MAX_STREAMS * HTTP2_STREAM_WINDOW`, and a megabyte is
/// always left for the one that reads.
fn http2_windows(
    http2: &mut hyper_util::server::conn::auto::Http2Builder<'_, hyper_util::rt::TokioExecutor>,
) {
    http2
        .adaptive_window(false)
        .max_concurrent_streams(HTTP2_MAX_STREAMS)
        .initial_stream_window_size(HTTP2_STREAM_WINDOW)
        .initial_connection_window_size(HTTP2_MAX_STREAMS * HTTP2_STREAM_WINDOW + 1024 * 1024);
}
