//! The read API's handlers: events, summary, verify, export, whoami and
//! config. Each calls [`super::guard`] first.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use palisade_audit::{
    Decision, Filter, FindingAction, Source, SourceKind, Timestamp, VerifyOptions,
};
use serde::Deserialize;

use super::roles::Permission;
use super::{guard, json, status};
use crate::Shared;

/// Most events one query returns (ask again with `offset`).
const MAX_LIMIT: u64 = 10_000;
/// Most events a summary reads.
const SUMMARY_EVENTS: u64 = 200_000;

/// `GET /api/v1/events` query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    since: Option<String>,
    until: Option<String>,
    namespace: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    control: Option<String>,
    decision: Option<String>,
    user: Option<String>,
    source: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
}

/// Parses the query string; `Err` names the problem (a 400).
fn params<T: serde::de::DeserializeOwned + Default>(request: &Parts) -> Result<T, String> {
    match request.uri.query() {
        None => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(q).map_err(|e| format!("query parameters: {e}")),
    }
}

fn bad_request(message: &str) -> Response {
    status(StatusCode::BAD_REQUEST, message)
}

fn time(text: Option<&str>, now: Timestamp) -> Result<Option<Timestamp>, String> {
    text.map(|t| Timestamp::parse_human(t, now)).transpose()
}

pub(super) async fn events(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let query: EventsQuery = match params(&request) {
        Ok(q) => q,
        Err(e) => return bad_request(&e),
    };
    let granted = match guard(
        &shared,
        &request,
        Some(Permission::Events),
        query.namespace.as_deref(),
    )
    .await
    {
        Ok(g) => g,
        Err(r) => return r,
    };
    let filter = match filter(&query, Timestamp::now()) {
        Ok(f) => f,
        Err(e) => return bad_request(&e),
    };
    let reader = &granted.api.reader;
    let result = match granted.principal.scope() {
        None => reader.query(&filter).await,
        Some(scope) => reader.query_scoped(&filter, scope).await,
    };
    match result {
        Ok(entries) => json(&serde_json::json!({ "events": entries })),
        Err(e) => {
            tracing::error!(error = %e, "API events query");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read the audit log",
            )
        }
    }
}

/// The store's filter for an events query; `Err` is a 400.
fn filter(query: &EventsQuery, now: Timestamp) -> Result<Filter, String> {
    Ok(Filter {
        since: time(query.since.as_deref(), now)?,
        until: time(query.until.as_deref(), now)?,
        namespace: query.namespace.clone(),
        kind: query.kind.clone(),
        name: query.name.clone(),
        control: query.control.clone(),
        decision: query
            .decision
            .as_deref()
            .map(str::parse::<Decision>)
            .transpose()?,
        user: query.user.clone(),
        source: query
            .source
            .as_deref()
            .map(str::parse::<SourceKind>)
            .transpose()?,
        limit: Some(query.limit.unwrap_or(1_000).min(MAX_LIMIT)),
        offset: query.offset.unwrap_or(0),
        ..Filter::default()
    })
}

/// `GET /api/v1/summary` query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryQuery {
    /// The window's start (default: 24 hours ago).
    since: Option<String>,
    namespace: Option<String>,
    /// Also summarise per requirement of this framework.
    framework: Option<String>,
}

/// Decisions and failing controls of one namespace over the window.
#[derive(Debug, Default, serde::Serialize)]
struct NamespaceSummary {
    decisions: BTreeMap<&'static str, u64>,
    /// Controls with unwaived findings, and how many events had them.
    failing_controls: BTreeMap<String, u64>,
}

/// The latest compliance picture: per namespace (cluster-scoped objects
/// under `""`), how many admissions and scans ended how, and which controls
/// failed how often; with `framework`, also per requirement of that
/// framework (see [`super::framework`]).
pub(super) async fn summary(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let query: SummaryQuery = match params(&request) {
        Ok(q) => q,
        Err(e) => return bad_request(&e),
    };
    let granted = match guard(
        &shared,
        &request,
        Some(Permission::Summary),
        query.namespace.as_deref(),
    )
    .await
    {
        Ok(g) => g,
        Err(r) => return r,
    };
    let framework = match query.framework.as_deref().map(palisade_frameworks::find) {
        None => None,
        Some(Some(framework)) => Some(framework),
        Some(None) => {
            return bad_request(&format!(
                "unknown framework `{}` (see `palisade frameworks list`)",
                query.framework.as_deref().unwrap_or_default()
            ));
        }
    };
    let now = Timestamp::now();
    let since = match time(Some(query.since.as_deref().unwrap_or("24h")), now) {
        Ok(t) => t,
        Err(e) => return bad_request(&e),
    };
    let filter = Filter {
        since,
        namespace: query.namespace.clone(),
        limit: Some(SUMMARY_EVENTS),
        ..Filter::default()
    };
    let reader = &granted.api.reader;
    let result = match granted.principal.scope() {
        None => reader.query(&filter).await,
        Some(scope) => reader.query_scoped(&filter, scope).await,
    };
    let entries = match result {
        Ok(entries) => entries,
        Err(e) => {
            tracing::error!(error = %e, "API summary query");
            return status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read the audit log",
            );
        }
    };
    let mut namespaces: BTreeMap<String, NamespaceSummary> = BTreeMap::new();
    let mut counted = 0u64;
    for entry in &entries {
        let event = &entry.event;
        if matches!(event.source, Source::Api { .. }) {
            continue;
        }
        counted += 1;
        let ns = namespaces
            .entry(event.resource.namespace.clone().unwrap_or_default())
            .or_default();
        *ns.decisions.entry(event.decision.as_str()).or_default() += 1;
        let mut failing: Vec<&str> = event
            .findings
            .iter()
            .filter(|f| f.waiver.is_none() && f.action != Some(FindingAction::Waived))
            .map(|f| f.control.as_str())
            .collect();
        failing.sort_unstable();
        failing.dedup();
        for control in failing {
            *ns.failing_controls.entry(control.to_owned()).or_default() += 1;
        }
    }
    let mut body = serde_json::json!({
        "since": since,
        "until": now,
        "events": counted,
        "truncated": entries.len() as u64 >= SUMMARY_EVENTS,
        "namespaces": namespaces,
    });
    if let Some(framework) = framework {
        let prepared = shared.prepared.load();
        let ran = prepared
            .evaluator
            .policy()
            .controls()
            .into_iter()
            .map(|c| c.meta.id)
            .collect();
        let view = super::framework::summarise(framework, entries.iter().map(|e| &e.event), &ran);
        if let Some(fields) = body.as_object_mut() {
            fields.insert(
                "framework".to_owned(),
                serde_json::to_value(view).unwrap_or_default(),
            );
        }
    }
    json(&body)
}

pub(super) async fn verify(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard(&shared, &request, Some(Permission::Verify), None).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let options = VerifyOptions {
        // No key pinned: the pod holds the checkpoint key, not the
        // retention key, so it cannot tell a legitimate prune from a forged
        // one; the report says `pinned: false`. `palisade audit verify`
        // with both public keys is the check that proves.
        max_problems_per_chain: 100,
        ..VerifyOptions::default()
    };
    match palisade_audit::verify(granted.api.reader.store(), &options).await {
        Ok(report) => json(&serde_json::json!({ "ok": report.is_ok(), "report": report })),
        Err(e) => {
            tracing::error!(error = %e, "API verify");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read the audit log",
            )
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    since: Option<String>,
    until: Option<String>,
}

/// A signed evidence bundle (JSON lines) that `palisade audit
/// verify-bundle` checks offline.
pub(super) async fn export(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let query: ExportQuery = match params(&request) {
        Ok(q) => q,
        Err(e) => return bad_request(&e),
    };
    let granted = match guard(&shared, &request, Some(Permission::Export), None).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Some(key) = granted.api.key.as_ref() else {
        return status(
            StatusCode::CONFLICT,
            "no signing key configured (palisade serve --audit-key): bundles are signed",
        );
    };
    let now = Timestamp::now();
    let (since, until) = match (
        time(query.since.as_deref(), now),
        time(query.until.as_deref(), now),
    ) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return bad_request(&e),
    };
    let mut out = Vec::new();
    let result = palisade_audit::bundle::export(
        granted.api.reader.store(),
        since,
        until,
        key,
        env!("CARGO_PKG_VERSION"),
        &mut out,
    )
    .await;
    match result {
        Ok(_) => (
            [
                (header::CONTENT_TYPE, "application/x-ndjson"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"palisade-evidence.jsonl\"",
                ),
            ],
            out,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "API export");
            status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot export the audit log",
            )
        }
    }
}

pub(super) async fn whoami(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard(&shared, &request, None, None).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let p = &granted.principal;
    json(&serde_json::json!({
        "name": p.name,
        "role": p.role,
        "permissions": p.permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "namespaces": match p.scope() {
            None => serde_json::Value::String("*".to_owned()),
            Some(ns) => serde_json::json!(ns),
        },
    }))
}

/// The effective configuration, without secrets: token hashes and
/// database passwords are left out.
pub(super) async fn config(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard(&shared, &request, Some(Permission::Config), None).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let prepared = shared.prepared.load();
    let s = &prepared.settings;
    let mut modes: Vec<(&str, &str)> = s.modes.iter().map(|(c, m)| (*c, m.as_str())).collect();
    modes.sort_unstable();
    let api = &prepared.api;
    json(&serde_json::json!({
        "policy": {
            "generation": prepared.generation,
            "version": prepared.policy_version,
            "controls": prepared.evaluator.policy().len(),
        },
        "admission": {
            "defaultMode": s.default_mode.as_str(),
            "modes": modes.into_iter().collect::<BTreeMap<_, _>>(),
            "failureMode": s.failure_mode.as_str(),
            "deadlineMs": s.deadline.as_millis() as u64,
            "maxBodyBytes": s.max_body_bytes,
            "mutate": s.mutate.len(),
        },
        "audit": granted.api.description,
        "api": {
            "clientCa": api.client_ca,
            "tokens": api.tokens.iter().map(|t| serde_json::json!({"name": t.name, "role": t.role, "namespaces": t.namespaces})).collect::<Vec<_>>(),
            "users": api.users.iter().map(|u| serde_json::json!({"subject": u.subject, "role": u.role, "namespaces": u.namespaces})).collect::<Vec<_>>(),
            "roles": api.roles,
        },
    }))
}
