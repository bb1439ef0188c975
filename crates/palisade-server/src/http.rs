//! The HTTP side: routes, body limits, deadlines, and the conversion of
//! requests and decisions to and from HTTP. Decisions themselves are made in
//! [`crate::decide`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::Shared;
use crate::body::{self, BodyError};
use crate::decide::{self, AdmissionDecision, Endpoint};
use crate::review::{self, ReviewResponse};
use crate::sink::{AdmissionEvent, Durable};
use crate::state::Prepared;
use palisade_policy::FailureMode;
use tokio::sync::OwnedSemaphorePermit;

/// Reviews up to this size are judged on the async worker (see `review`).
const INLINE_BODY_BYTES: usize = 64 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::api::router())
        .merge(crate::ui::router())
        // The limit is the configuration's, read per request so that a
        // reload can change it; see `review`.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

async fn validate(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    review(shared, Endpoint::Validate, request).await
}

async fn mutate(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    review(shared, Endpoint::Mutate, request).await
}

fn plain(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message + "\n",
    )
        .into_response()
}

/// A review, in four steps: receive (caller, body limit, in-flight
/// budget), parse, judge and record (on the blocking pool when large, under
/// the deadline), wait until the record is durable, answer.
async fn review(shared: Arc<Shared>, endpoint: Endpoint, request: Request) -> Response {
    let started = Instant::now();
    let prepared = shared.prepared.load_full();
    let finish = |kind: &'static str, response: Response| {
        shared.metrics.error(kind);
        shared
            .metrics
            .latency(endpoint.as_str(), started.elapsed().as_secs_f64());
        response
    };
    let (body, authenticated, permit) = match receive(&shared, &prepared, request, started).await {
        Ok(received) => received,
        Err((kind, response)) => return finish(kind, response),
    };
    let deadline = prepared.settings.deadline;
    let request = match review::parse(&body) {
        Ok(request) => request,
        Err(e) => return finish("malformed", plain(StatusCode::BAD_REQUEST, e.to_string())),
    };

    let asker = Arc::new(Asker::of(endpoint, &request, authenticated));
    let operation = asker.operation;
    let resource = decide::request_resource(&request);
    let judge = {
        let shared = shared.clone();
        let prepared = prepared.clone();
        let asker = asker.clone();
        move || {
            let _permit = permit;
            let decision = match endpoint {
                Endpoint::Validate => decide::validate(&prepared, &request),
                Endpoint::Mutate => decide::mutate(&prepared, &request),
            };
            let durable = shared.sink.record(&asker.event(
                &decision,
                decision.response.allowed,
                decision.failure.as_deref(),
                &prepared.policy_version,
            ));
            (decision, durable)
        }
    };
    // A typical review (a few KiB) is judged in tens of microseconds: on
    // the async worker, with no thread hand-off, which on a busy node costs
    // more than the work. A large one goes to the blocking pool, where the
    // deadline can answer for it while it runs.
    if body.len() <= INLINE_BODY_BYTES {
        let (decision, durable) = judge();
        let kind = decision.failure.as_ref().map(|_| "unevaluable");
        let (decision, kind) =
            durably(&shared, &prepared, &asker, started, decision, durable, kind).await;
        return answer(&shared, endpoint, operation, started, decision, kind);
    }
    let worker = tokio::task::spawn_blocking(judge);
    let remaining = deadline.saturating_sub(started.elapsed());
    let (decision, durable, error) = match tokio::time::timeout(remaining, worker).await {
        Ok(Ok((decision, durable))) => {
            let kind = decision.failure.as_ref().map(|_| "unevaluable");
            (decision, Some(durable), kind)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, uid = %asker.uid, "evaluation failed");
            let d = decide::failure(
                prepared.settings.failure_mode,
                &asker.uid,
                resource,
                "internal error while evaluating".to_owned(),
            );
            (d, None, Some("internal"))
        }
        Err(_) => {
            let d = decide::failure(
                prepared.settings.failure_mode,
                &asker.uid,
                resource,
                format!(
                    "evaluation exceeded its deadline of {} ms",
                    deadline.as_millis()
                ),
            );
            (d, None, Some("timeout"))
        }
    };
    // Internal errors and missed deadlines were never recorded by the worker.
    let durable = durable.unwrap_or_else(|| {
        shared.sink.record(&asker.event(
            &decision,
            decision.response.allowed,
            decision.failure.as_deref(),
            &prepared.policy_version,
        ))
    });
    let (decision, error) = durably(
        &shared, &prepared, &asker, started, decision, durable, error,
    )
    .await;
    answer(&shared, endpoint, operation, started, decision, error)
}

/// Who is calling and the body, within the size limit and the in-flight
/// budget (its permit is held until the work on the body is done); else
/// the error kind and the HTTP answer.
async fn receive(
    shared: &Shared,
    prepared: &Prepared,
    request: Request,
    started: Instant,
) -> Result<(axum::body::Bytes, bool, OwnedSemaphorePermit), (&'static str, Response)> {
    let limit = prepared.settings.max_body_bytes;
    let deadline = prepared.settings.deadline;
    let authenticated = match &prepared.client_auth {
        None => false,
        Some(auth) => {
            let peer = request
                .extensions()
                .get::<Arc<axum_server::tls::TlsInfo>>()
                .map_or(&[][..], |tls| tls.peer_certificates.as_slice());
            match auth.check(peer) {
                Ok(_) => true,
                Err(reason) if auth.required => {
                    return Err((
                        "unauthenticated",
                        plain(
                            StatusCode::UNAUTHORIZED,
                            format!("the caller is not the API server: {reason}"),
                        ),
                    ));
                }
                Err(_) => false,
            }
        }
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let until = tokio::time::Instant::from_std(started) + deadline;
    if declared.is_some_and(|n| n > limit as u64) {
        body::drain(
            request.into_body(),
            limit.saturating_mul(body::DRAIN_FACTOR),
            until,
        )
        .await;
        return Err(("too_large", too_large(limit)));
    }
    // The body's share of the bytes in flight, held until the work on it
    // is done (on the blocking pool too, past a missed deadline).
    let share = declared.map_or(limit, |n| usize::try_from(n).unwrap_or(limit));
    let permit = match shared.budget.acquire(share, until).await {
        Ok(permit) => permit,
        Err(_) => {
            return Err((
                "busy",
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many large reviews in flight; try again".into(),
                ),
            ));
        }
    };
    let body = match body::read(request.into_body(), limit, until).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return Err(("too_large", too_large(limit))),
        Err(BodyError::Timeout | BodyError::Busy) => {
            return Err((
                "timeout",
                plain(
                    StatusCode::REQUEST_TIMEOUT,
                    "request body not received in time".into(),
                ),
            ));
        }
        Err(BodyError::Read(e)) => {
            return Err((
                "malformed",
                plain(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the request body: {e}"),
                ),
            ));
        }
    };
    Ok((body, authenticated, permit))
}

/// Who asked what, kept from the request for the events recorded outside
/// the decision itself (a missed deadline, a failure-mode correction).
struct Asker {
    endpoint: Endpoint,
    uid: String,
    operation: &'static str,
    user: String,
    groups: Vec<String>,
    dry_run: bool,
    /// Whether the caller proved it is the API server.
    authenticated: bool,
}

impl Asker {
    fn of(endpoint: Endpoint, request: &review::AdmissionRequest, authenticated: bool) -> Asker {
        Asker {
            authenticated,
            endpoint,
            uid: request.uid.clone(),
            operation: request.operation.as_str(),
            user: request.user_info.username.clone(),
            groups: request.user_info.groups.clone(),
            dry_run: request.is_dry_run(),
        }
    }

    /// The one admission event: `decision` with the answer given as
    /// `allowed` (a correction records a denial the decision did not make).
    fn event<'a>(
        &'a self,
        decision: &'a AdmissionDecision,
        allowed: bool,
        failure: Option<&'a str>,
        policy_version: &'a str,
    ) -> AdmissionEvent<'a> {
        AdmissionEvent {
            uid: &self.uid,
            endpoint: self.endpoint.as_str(),
            operation: self.operation,
            user: &self.user,
            groups: &self.groups,
            resource: &decision.resource,
            dry_run: self.dry_run,
            allowed,
            // A correction answers otherwise than the decision: it skipped nothing.
            skipped: decision
                .skipped
                .as_deref()
                .filter(|_| allowed == decision.response.allowed),
            failure,
            findings: decision
                .findings
                .iter()
                .map(|(f, m, v)| (f, *m, *v))
                .collect(),
            // A denial applies no patch.
            mutated: match allowed {
                true => decision.mutated.clone(),
                false => Vec::new(),
            },
            policy_version,
            authenticated: self.authenticated,
        }
    }
}

/// Waits, within what is left of the deadline, for the decision's event to
/// be committed: only then may the response leave. When it is not, the
/// failure mode answers: closed denies; open sends the decision with a
/// warning (an accepted event is still committed later by the writer).
///
/// A closed failure mode turns an allowed request into a denial after its
/// event was queued, and the writer may still commit that event later: a
/// second event then records the denial that was answered, so the log never
/// shows an admission that did not happen as the last word on a uid.
async fn durably(
    shared: &Shared,
    prepared: &Prepared,
    asker: &Asker,
    started: Instant,
    decision: AdmissionDecision,
    durable: Durable,
    error: Option<&'static str>,
) -> (AdmissionDecision, Option<&'static str>) {
    let remaining = prepared.settings.deadline.saturating_sub(started.elapsed());
    let reason = match tokio::time::timeout(remaining, durable).await {
        Ok(Ok(())) => return (decision, error),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!(
            "the audit log did not commit the event within the deadline of {} ms",
            prepared.settings.deadline.as_millis()
        ),
    };
    tracing::error!(uid = %decision.response.uid, reason = %reason, "decision not recorded");
    shared.metrics.error("audit");
    let mut decision = decision;
    if prepared.settings.failure_mode == FailureMode::Closed && decision.response.allowed {
        let correction = format!(
            "answered with a denial by the closed failure mode ({reason}); an earlier event for this uid that allows it was not the answer"
        );
        // Not awaited: the answer is a denial whatever happens to this
        // event, and the log may be the thing that is stuck.
        drop(shared.sink.record(&asker.event(
            &decision,
            false,
            Some(&correction),
            &prepared.policy_version,
        )));
    }
    let uid = decision.response.uid.clone();
    decision.response = decide::failure_mode_answer(
        prepared.settings.failure_mode,
        &uid,
        decide::Unable::Record,
        &reason,
        decision.response,
    );
    (decision, Some("audit"))
}

/// Counts, times and encodes an answer.
fn answer(
    shared: &Shared,
    endpoint: Endpoint,
    operation: &'static str,
    started: Instant,
    decision: AdmissionDecision,
    error: Option<&'static str>,
) -> Response {
    if let Some(kind) = error {
        shared.metrics.error(kind);
    }
    shared
        .metrics
        .request(endpoint.as_str(), operation, decision.response.allowed);
    for (finding, mode, verdict) in &decision.findings {
        shared
            .metrics
            .decision(finding.control, mode.as_str(), verdict.as_str());
    }
    let body = serde_json::to_vec(&ReviewResponse::from(decision.response));
    shared
        .metrics
        .latency(endpoint.as_str(), started.elapsed().as_secs_f64());
    match body {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode the response: {e}"),
        ),
    }
}

fn too_large(limit: usize) -> Response {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "AdmissionReview larger than the limit of {limit} bytes (admission.max-body-bytes)"
        ),
    )
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready once the policies are prepared (the server does not listen
/// before). Unauthenticated, so it says only whether the last reloads
/// worked: their errors quote the configuration (database URLs included)
/// and go to the log and to admins on `/api/v1/status`.
async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let prepared = shared.prepared.load();
    let status = shared.status.load();
    let age = prepared
        .loaded_at
        .elapsed()
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let body = serde_json::json!({
        "ready": true,
        "policy": {
            "generation": prepared.generation,
            "controls": prepared.evaluator.policy().len(),
            "loadedSecondsAgo": age,
            "lastReload": status.policy_outcome(),
        },
        "tls": {
            "lastReload": status.tls_outcome(),
        },
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body.to_string() + "\n"),
    )
        .into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.encode(),
    )
        .into_response()
}
