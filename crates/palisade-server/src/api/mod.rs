//! The read API on `/api/v1/`, served next to the admission endpoints:
//!
//! | route | permission |
//! |---|---|
//! | `GET /api/v1/whoami` | any authenticated principal |
//! | `GET /api/v1/events` | `events` (namespaces scoped without `all-namespaces`) |
//! | `GET /api/v1/summary` | `summary` (scoped likewise); `?framework=ID` adds a view per requirement |
//! | `GET /api/v1/trend` | `summary` (scoped likewise): the summary per bucket of a window |
//! | `GET /api/v1/exceptions` | `summary`: the exceptions in force, those of other namespaces left out |
//! | `GET /api/v1/events/verify` | `verify` and `all-namespaces` |
//! | `GET /api/v1/export` | `export` and `all-namespaces` (needs the signing key) |
//! | `GET /api/v1/config` | `config` |
//! | `GET /api/v1/status` | `config`: why the last reloads failed (redacted) |
//!
//! Verification and export read whole chains, every namespace's events in
//! them, so a principal restricted to some namespaces may not use them.
//!
//! The guard authenticates first, then checks permissions, then parses the
//! query: nobody learns anything before authenticating, and every answer to
//! an authenticated principal, 400s included, is recorded.
//!
//! Every access, granted or not, is itself an audit event (source `api`),
//! its request line cut at 512 bytes (length and hash kept).
//! A granted one is answered only once its event is committed, so no read
//! of the log goes unrecorded; a refused one is recorded without waiting.
//! Bodies of 401 and 403 say only that: they never echo credentials.
//! Requests without valid credentials are recorded one by one up to a rate,
//! then counted into one event per second (`flood.rs`).

mod auth;
mod events;
mod exceptions;
mod flood;
mod framework;
pub mod roles;
mod stream;
mod trend;

use std::sync::Arc;

use axum::Router;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use palisade_audit::keys::SigningKey;
use palisade_audit::{Decision, Event, Reader, Recorder, Resource, Source, Timestamp};

pub use auth::Principal;
use roles::Permission;

use crate::Shared;

/// What the read API needs.
pub struct ApiOptions {
    /// The audit log to read (the one the webhook writes).
    pub db: String,
    /// Where API accesses are recorded (the webhook's writer).
    pub recorder: Recorder,
    /// Signs evidence bundles (`/api/v1/export`) and checks checkpoints.
    pub key: Option<SigningKey>,
    /// Shown by `/api/v1/config` (passwords removed).
    pub description: serde_json::Value,
    /// The free space the log's volume keeps: below it, accesses are not
    /// recorded, so granted ones are not served (as admissions are not).
    pub floor: Option<crate::audit_sink::FreeSpaceFloor>,
}

/// The opened read API.
pub(crate) struct Api {
    reader: Reader,
    recorder: Recorder,
    key: Option<SigningKey>,
    description: serde_json::Value,
    refusals: flood::Refusals,
    floor: Option<crate::audit_sink::FreeSpaceFloor>,
}

impl Api {
    pub(crate) async fn open(options: ApiOptions) -> Result<Api, palisade_audit::AuditError> {
        Ok(Api {
            reader: Reader::open(&options.db).await?,
            recorder: options.recorder,
            key: options.key,
            description: options.description,
            refusals: flood::Refusals::new(std::time::Instant::now()),
            floor: options.floor,
        })
    }

    /// Records the count of unauthenticated refusals of a window that has
    /// ended and was not summarised yet (called periodically).
    pub(crate) fn flush_refusals(&self, policy_version: &str) {
        if let Some(count) = self.refusals.ended(std::time::Instant::now()) {
            record_refusal_count(self, policy_version, count);
        }
    }

    /// Records every refusal counted and not yet summarised, whether its
    /// window has ended or not (at shutdown).
    pub(crate) fn flush_all_refusals(&self, policy_version: &str) {
        if let Some(count) = self.refusals.drain() {
            record_refusal_count(self, policy_version, count);
        }
    }
}

/// One event for `count` refusals not recorded one by one.
fn record_refusal_count(api: &Api, policy_version: &str, count: u64) {
    tracing::warn!(
        count,
        "API requests without valid credentials beyond the recording rate"
    );
    record(
        api,
        policy_version,
        UNAUTHENTICATED,
        "",
        &format!(
            "{count} more requests without valid credentials (over {} a second, counted rather than recorded one by one)",
            flood::RECORDED_PER_WINDOW
        ),
        Err("401 no valid credentials"),
    );
}

/// The user of an access without valid credentials.
const UNAUTHENTICATED: &str = "(unauthenticated)";

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/whoami", get(events::whoami))
        .route("/api/v1/events", get(events::events))
        .route("/api/v1/events/verify", get(events::verify))
        .route("/api/v1/summary", get(events::summary))
        .route("/api/v1/trend", get(trend::trend))
        .route("/api/v1/exceptions", get(exceptions::exceptions))
        .route("/api/v1/export", get(events::export))
        .route("/api/v1/config", get(events::config))
        .route("/api/v1/status", get(events::reload_status))
}

/// A caller allowed to proceed, the API, and the request's parameters.
pub(crate) struct Granted<'a, Q> {
    pub principal: Principal,
    pub api: &'a Api,
    pub query: Q,
}

impl<Q> Granted<'_, Q> {
    /// The admissions and scans matching `filter` within the principal's
    /// scope, counted by the database; a failure is logged and becomes the
    /// 500 to answer.
    pub(crate) async fn summarise(
        &self,
        filter: &palisade_audit::Filter,
    ) -> Result<Vec<palisade_audit::SummaryGroup>, Response> {
        self.api
            .reader
            .summarise(filter, self.principal.scope())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "API summary query");
                status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot read the audit log",
                )
            })
    }
}

/// A route's query parameters, parsed and checked only once the caller is
/// authenticated and holds the route's permissions (a stranger learns
/// nothing from a 400, and every malformed request by a principal is
/// recorded).
pub(crate) trait ApiQuery: Sized {
    /// `Err` names the problem (a 400). `query` is the raw query string.
    fn parse(query: Option<&str>, now: Timestamp) -> Result<Self, String>;

    /// The namespace asked for, checked against the principal's scope.
    fn namespace(&self) -> Option<&str> {
        None
    }
}

/// Routes without parameters ignore any given.
impl ApiQuery for () {
    fn parse(_: Option<&str>, _: Timestamp) -> Result<(), String> {
        Ok(())
    }
}

/// Authenticates, checks every permission in `needed`, parses the query,
/// checks the namespace asked for against the principal's scope, and
/// records the access. `Err` is the response to send.
pub(crate) async fn guard<'a, Q: ApiQuery>(
    shared: &'a Shared,
    request: &Parts,
    needed: &[Permission],
) -> Result<Granted<'a, Q>, Response> {
    let Some(api) = shared.api.as_ref() else {
        return Err(status(StatusCode::NOT_FOUND, "not found"));
    };
    let prepared = shared.prepared.load_full();
    let tls = request
        .extensions
        .get::<Arc<axum_server::tls::TlsInfo>>()
        .map(Arc::as_ref);
    let what = request_line(
        request.method.as_str(),
        request.uri.path_and_query().map_or("", |p| p.as_str()),
    );
    let Some(principal) = auth::authenticate(&request.headers, tls, &prepared.api) else {
        let (refusal, ended) = api.refusals.admit(std::time::Instant::now());
        if let Some(count) = ended {
            record_refusal_count(api, &prepared.policy_version, count);
        }
        if refusal == flood::Refusal::Record {
            record(
                api,
                &prepared.policy_version,
                UNAUTHENTICATED,
                "",
                &what,
                Err("401 no valid credentials"),
            );
        }
        let mut response = status(StatusCode::UNAUTHORIZED, "unauthorized");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Err(response);
    };
    let refuse = |reason: &str, response: Response| {
        record(
            api,
            &prepared.policy_version,
            &principal.name,
            &principal.role,
            &what,
            Err(reason),
        );
        response
    };
    if !needed.iter().all(|p| principal.may(*p)) {
        return Err(refuse(
            "403 insufficient role",
            status(StatusCode::FORBIDDEN, "forbidden"),
        ));
    }
    let query = match Q::parse(request.uri.query(), Timestamp::now()) {
        Ok(query) => query,
        Err(e) => {
            return Err(refuse(
                "400 invalid query parameters",
                status(StatusCode::BAD_REQUEST, &e),
            ));
        }
    };
    if let (Some(ns), Some(scope)) = (query.namespace(), principal.scope())
        && !scope.iter().any(|s| s == ns)
    {
        return Err(refuse(
            "403 namespace outside the principal's scope",
            status(StatusCode::FORBIDDEN, "forbidden"),
        ));
    }
    let receipt = record(
        api,
        &prepared.policy_version,
        &principal.name,
        &principal.role,
        &what,
        Ok(()),
    );
    // A read that cannot be recorded is not served.
    let committed = match receipt {
        Some(receipt) => receipt.committed().await.is_ok(),
        None => false,
    };
    if committed {
        Ok(Granted {
            principal,
            api,
            query,
        })
    } else {
        Err(status(
            StatusCode::SERVICE_UNAVAILABLE,
            "the audit log cannot record this access now",
        ))
    }
}

/// Longest request line recorded whole. A longer one is cut, and its
/// length and hash kept: a 16 KiB query refused 20 times a second would
/// otherwise add gigabytes a day to the log.
const MAX_RECORDED_REQUEST: usize = 512;

/// `METHOD /path?query` as recorded: whole when short, else its first
/// [`MAX_RECORDED_REQUEST`] bytes, its length and its SHA-256.
fn request_line(method: &str, path_and_query: &str) -> String {
    use sha2::{Digest, Sha256};
    let line = format!("{method} {path_and_query}");
    if line.len() <= MAX_RECORDED_REQUEST {
        return line;
    }
    let mut cut = MAX_RECORDED_REQUEST;
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    let digest = Sha256::digest(line.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}... (cut: {} bytes, sha256:{hex})",
        line.split_at(cut).0,
        line.len()
    )
}

/// Queues the access's event; the receipt of a granted one.
fn record(
    api: &Api,
    policy_version: &str,
    user: &str,
    role: &str,
    what: &str,
    outcome: Result<(), &str>,
) -> Option<palisade_audit::Receipt> {
    // Refusals are the cheapest events to send: without the floor, anyone
    // could fill the volume with them (and an evicted volume takes the
    // whole log with it).
    if let Some(reason) = api.floor.as_ref().and_then(|f| f.breached()) {
        tracing::error!(
            reason,
            user,
            what,
            "API access not recorded: the audit log's volume is full"
        );
        return None;
    }
    let event = Event {
        time: Timestamp::now(),
        source: Source::Api {
            user: user.to_owned(),
            role: role.to_owned(),
            request: what.to_owned(),
        },
        resource: Resource {
            api_version: "palisade.dev/v1".to_owned(),
            kind: "AuditApi".to_owned(),
            namespace: None,
            name: what
                .split_once(' ')
                .filter(|(_, path)| path.starts_with('/'))
                .map(|(_, path)| path.split(['?', ' ']).next().unwrap_or(path).to_owned()),
        },
        decision: if outcome.is_ok() {
            Decision::Allowed
        } else {
            Decision::Denied
        },
        reason: outcome.err().map(str::to_owned),
        findings: Vec::new(),
        policy_version: policy_version.to_owned(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    match api.recorder.record(event) {
        Ok(receipt) => outcome.is_ok().then_some(receipt),
        Err(e) => {
            tracing::error!(error = %e, user, what, "API access not recorded");
            None
        }
    }
}

pub(crate) fn status(code: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message });
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string() + "\n",
    )
        .into_response()
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body + "\n").into_response(),
        Err(_) => status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the answer",
        ),
    }
}
