//! The read API's handlers: events, summary, verify, export, whoami and
//! config. Each calls [`super::guard`] first.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use palisade_audit::{Decision, Filter, SourceKind, Timestamp, VerifyOptions};
use serde::Deserialize;

use super::roles::Permission;
use super::{ApiQuery, guard, json, status};
use crate::Shared;

/// Most events one query returns (ask again with `offset`).
const MAX_LIMIT: u64 = 10_000;

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
    /// The `next` of the previous page.
    after: Option<String>,
    /// `oldest` (default) or `newest` first.
    order: Option<String>,
    /// With `requirement`: events with a finding of one of the
    /// requirement's controls (its drill-down).
    framework: Option<String>,
    requirement: Option<String>,
}

/// Parses the query string; `Err` names the problem (a 400).
pub(super) fn params<T: serde::de::DeserializeOwned + Default>(
    query: Option<&str>,
) -> Result<T, String> {
    match query {
        None => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(q).map_err(|e| format!("query parameters: {e}")),
    }
}

pub(super) fn time(text: Option<&str>, now: Timestamp) -> Result<Option<Timestamp>, String> {
    text.map(|t| Timestamp::parse_human(t, now)).transpose()
}

impl ApiQuery for Filter {
    fn parse(query: Option<&str>, now: Timestamp) -> Result<Filter, String> {
        filter(&params::<EventsQuery>(query)?, now)
    }
    fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

/// Events, oldest first, streamed page by page (see [`super::stream`]):
/// at most `limit` (default 1,000, at most 10,000) and about 8 MiB, then
/// `next` gives the `after` of the following page.
pub(super) async fn events(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard::<Filter>(&shared, &request, &[Permission::Events]).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let scope = granted.principal.scope().map(<[String]>::to_vec);
    let body = super::stream::events(shared.clone(), granted.query, scope);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
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
        after: query
            .after
            .as_deref()
            .map(str::parse::<palisade_audit::Cursor>)
            .transpose()?,
        any_control: requirement_controls(query)?,
        limit: Some(query.limit.unwrap_or(1_000).min(MAX_LIMIT)),
        offset: query.offset.unwrap_or(0),
        newest_first: match query.order.as_deref() {
            None | Some("oldest") => false,
            Some("newest") => true,
            Some(other) => {
                return Err(format!("order: `{other}` is neither `oldest` nor `newest`"));
            }
        },
        ..Filter::default()
    })
}

/// The controls of `requirement` in `framework`, when the query names one.
fn requirement_controls(query: &EventsQuery) -> Result<Option<Vec<String>>, String> {
    let Some(id) = query.requirement.as_deref() else {
        return Ok(None);
    };
    let framework = query
        .framework
        .as_deref()
        .ok_or("requirement: name its framework too (`framework=ID`)")?;
    let pack = find_framework(framework)?;
    let requirement = pack
        .requirements
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| format!("requirement: `{framework}` has no requirement `{id}`"))?;
    Ok(Some(requirement.controls.clone()))
}

/// A built-in framework by ID; `Err` is a 400.
pub(super) fn find_framework(id: &str) -> Result<&'static palisade_frameworks::Pack, String> {
    palisade_frameworks::find(id)
        .ok_or_else(|| format!("unknown framework `{id}` (see `palisade frameworks list`)"))
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
    decisions: BTreeMap<String, u64>,
    /// Controls with unwaived findings, and how many events had them.
    failing_controls: BTreeMap<String, u64>,
}

/// A summary request, checked.
struct SummaryRequest {
    since: Option<Timestamp>,
    until: Timestamp,
    namespace: Option<String>,
    framework: Option<&'static palisade_frameworks::Pack>,
}

impl ApiQuery for SummaryRequest {
    fn parse(query: Option<&str>, now: Timestamp) -> Result<SummaryRequest, String> {
        let query: SummaryQuery = params(query)?;
        let framework = query.framework.as_deref().map(find_framework).transpose()?;
        Ok(SummaryRequest {
            since: time(Some(query.since.as_deref().unwrap_or("24h")), now)?,
            until: now,
            namespace: query.namespace,
            framework,
        })
    }
    fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

/// The latest compliance picture: per namespace (cluster-scoped objects
/// under `""`), how many admissions and scans ended how, and which controls
/// failed how often; with `framework`, also per requirement of that
/// framework (see [`super::framework`]). The database counts (API accesses
/// and the mutating webhook's events left out), so every event of the
/// window counts, however many there are.
pub(super) async fn summary(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard::<SummaryRequest>(&shared, &request, &[Permission::Summary]).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let query = &granted.query;
    let filter = Filter {
        since: query.since,
        until: Some(query.until),
        namespace: query.namespace.clone(),
        ..Filter::default()
    };
    let groups = match granted.summarise(&filter).await {
        Ok(groups) => groups,
        Err(response) => return response,
    };
    let mut namespaces: BTreeMap<String, NamespaceSummary> = BTreeMap::new();
    let mut counted = 0u64;
    for group in &groups {
        counted += group.events;
        let ns = namespaces
            .entry(group.namespace.clone().unwrap_or_default())
            .or_default();
        *ns.decisions.entry(group.decision.clone()).or_default() += group.events;
        for control in &group.failing {
            *ns.failing_controls.entry(control.clone()).or_default() += group.events;
        }
    }
    let mut body = serde_json::json!({
        "since": query.since,
        "until": query.until,
        "events": counted,
        "namespaces": namespaces,
    });
    if let Some(framework) = query.framework {
        let view = super::framework::summarise_now(&shared, framework, &groups);
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
    let granted = match guard::<()>(
        &shared,
        &request,
        &[Permission::Verify, Permission::AllNamespaces],
    )
    .await
    {
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
/// An export request, checked.
struct ExportRequest {
    since: Option<Timestamp>,
    until: Option<Timestamp>,
}

impl ApiQuery for ExportRequest {
    fn parse(query: Option<&str>, now: Timestamp) -> Result<ExportRequest, String> {
        let query: ExportQuery = params(query)?;
        Ok(ExportRequest {
            since: time(query.since.as_deref(), now)?,
            until: time(query.until.as_deref(), now)?,
        })
    }
}

/// A signed evidence bundle (JSON lines) that `palisade audit
/// verify-bundle` checks offline. The bundle holds whole chains, so only a
/// principal with `all-namespaces` may take one.
pub(super) async fn export(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard::<ExportRequest>(
        &shared,
        &request,
        &[Permission::Export, Permission::AllNamespaces],
    )
    .await
    {
        Ok(g) => g,
        Err(r) => return r,
    };
    if granted.api.key.is_none() {
        return status(
            StatusCode::CONFLICT,
            "no signing key configured (palisade serve --audit-key): bundles are signed",
        );
    }
    let ExportRequest { since, until } = granted.query;
    let shared = shared.clone();
    let body = super::stream::export(move |out| async move {
        let Some((api, key)) = shared
            .api
            .as_ref()
            .and_then(|api| Some((api, api.key.as_ref()?)))
        else {
            return Err("the read API or its key is gone".to_owned());
        };
        palisade_audit::bundle::export(
            api.reader.store(),
            since,
            until,
            key,
            env!("CARGO_PKG_VERSION"),
            out,
        )
        .await
        .map(|_| ())
        .map_err(|e| {
            tracing::error!(error = %e, "API export");
            "cannot export the audit log".to_owned()
        })
    });
    (
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"palisade-evidence.jsonl\"",
            ),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn whoami(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard::<()>(&shared, &request, &[]).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let p = &granted.principal;
    // What the summaries can be asked about: the built-in frameworks the
    // policies select (every built-in one when they select none).
    let prepared = shared.prepared.load();
    let selected: Vec<&'static palisade_frameworks::Pack> = prepared
        .evaluator
        .policy()
        .frameworks()
        .iter()
        .filter_map(|f| palisade_frameworks::find(&f.pack.id))
        .collect();
    let packs = if selected.is_empty() {
        palisade_frameworks::all().iter().collect()
    } else {
        selected
    };
    let frameworks: Vec<serde_json::Value> = packs
        .into_iter()
        .map(|pack| {
            serde_json::json!({
                "id": pack.id,
                "title": format!("{} {}", pack.title, pack.version).trim().to_owned(),
            })
        })
        .collect();
    json(&serde_json::json!({
        "frameworks": frameworks,
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
    let granted = match guard::<()>(&shared, &request, &[Permission::Config]).await {
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

/// Why the last reloads failed, for admins: `/readyz` only says that they
/// did. The errors quote the configuration, passwords redacted.
pub(super) async fn reload_status(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    if let Err(r) = guard::<()>(&shared, &request, &[Permission::Config]).await {
        return r;
    }
    let prepared = shared.prepared.load();
    let reloads = shared.status.load();
    json(&serde_json::json!({
        "policy": {
            "generation": prepared.generation,
            "lastReload": reloads.policy_outcome(),
            "lastReloadError": reloads.policy_error,
        },
        "tls": {
            "lastReload": reloads.tls_outcome(),
            "lastReloadError": reloads.tls_error,
        },
    }))
}
