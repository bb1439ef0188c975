//! `GET /api/v1/exceptions`: the exceptions the webhook applies now, what
//! each matches, who granted it, why, until when, whether it is still in
//! force and how many findings it waived since the policies were loaded.
//!
//! A principal restricted to some namespaces sees the exceptions that can
//! apply in them (those without a namespace list, and those naming one of
//! its namespaces), with the other namespaces left out of the list: which
//! other teams hold waivers is not theirs to read.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use serde::Serialize;

use super::roles::Permission;
use super::{guard, json};
use crate::Shared;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExceptionView<'a> {
    source: &'a str,
    controls: &'a [String],
    /// Empty: every namespace.
    namespaces: Vec<&'a str>,
    kinds: &'a [String],
    names: Vec<&'a str>,
    labels: Vec<String>,
    containers: Vec<&'a str>,
    images: Vec<&'a str>,
    justification: &'a str,
    owner: Option<&'a str>,
    ticket: Option<&'a str>,
    expires: Option<&'a str>,
    /// Days until it expires (negative: since it expired).
    days_left: Option<i32>,
    in_force: bool,
    /// Findings it waived since the policies were loaded.
    waived: usize,
}

pub(super) async fn exceptions(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard::<()>(&shared, &request, &[Permission::Summary]).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let scope = granted.principal.scope();
    let prepared = shared.prepared.load();
    let exceptions = prepared.evaluator.policy().exceptions();
    // The day the webhook judges expiry on (the policies are rebuilt when
    // it changes).
    let today = exceptions
        .today
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let list: Vec<ExceptionView<'_>> = exceptions
        .list
        .iter()
        .filter_map(|e| {
            let scope_of = e.describe();
            let namespaces: Vec<&str> = scope_of
                .namespaces
                .iter()
                .map(String::as_str)
                .filter(|ns| scope.is_none_or(|s| s.iter().any(|own| own == ns)))
                .collect();
            // Named only other namespaces: not this principal's to see.
            if !scope_of.namespaces.is_empty() && namespaces.is_empty() {
                return None;
            }
            Some(ExceptionView {
                source: &e.source,
                controls: scope_of.controls,
                namespaces,
                kinds: scope_of.kinds,
                names: scope_of.names,
                labels: scope_of
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect(),
                containers: scope_of.containers,
                images: scope_of.images,
                justification: &scope_of.waiver.justification,
                owner: scope_of.waiver.owner.as_deref(),
                ticket: scope_of.waiver.ticket.as_deref(),
                expires: scope_of.waiver.expires.as_deref(),
                days_left: e.expires.map(|last| (last - today).get_days()),
                in_force: e.in_force(today),
                waived: e.uses(),
            })
        })
        .collect();
    json(&serde_json::json!({ "today": today.to_string(), "exceptions": list }))
}
