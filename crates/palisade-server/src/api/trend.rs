//! `GET /api/v1/trend`: posture over time. The window (default the last 7
//! days) is cut into `buckets` equal spans (default 14, at most 90); each is
//! counted by the database as `/api/v1/summary` counts one window, so the
//! answer costs one pass over the window's events however many there are,
//! and the dashboard draws it without summing raw events.
//!
//! Per bucket: its span, the events of admissions and scans, their
//! decisions, and with `framework` the requirements' tally and score over
//! that span alone (a bucket without evaluations has no score: no
//! evidence is not a pass).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use palisade_audit::{Filter, Timestamp};
use serde::{Deserialize, Serialize};

use super::events::{find_framework, params, time};
use super::framework::{WindowTally, summarise_now};
use super::roles::Permission;
use super::{ApiQuery, guard, json};
use crate::Shared;

/// Most buckets one answer has.
const MAX_BUCKETS: u32 = 90;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrendQuery {
    since: Option<String>,
    until: Option<String>,
    buckets: Option<u32>,
    namespace: Option<String>,
    framework: Option<String>,
}

/// A trend request, checked.
struct TrendRequest {
    since: Timestamp,
    until: Timestamp,
    buckets: u32,
    namespace: Option<String>,
    framework: Option<&'static palisade_frameworks::Pack>,
}

impl ApiQuery for TrendRequest {
    fn parse(query: Option<&str>, now: Timestamp) -> Result<TrendRequest, String> {
        let query: TrendQuery = params(query)?;
        let since = time(Some(query.since.as_deref().unwrap_or("7d")), now)?.unwrap_or(now);
        let until = time(query.until.as_deref(), now)?.unwrap_or(now);
        if until.as_millis() <= since.as_millis() {
            return Err("since: the window must start before it ends".to_owned());
        }
        let buckets = query.buckets.unwrap_or(14);
        if !(1..=MAX_BUCKETS).contains(&buckets) {
            return Err(format!("buckets: between 1 and {MAX_BUCKETS}"));
        }
        Ok(TrendRequest {
            since,
            until,
            buckets,
            namespace: query.namespace,
            framework: query.framework.as_deref().map(find_framework).transpose()?,
        })
    }
    fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Bucket {
    since: Timestamp,
    until: Timestamp,
    events: u64,
    decisions: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tally: Option<WindowTally>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

/// The spans of `buckets` equal buckets from `since` to `until`, each
/// ending a millisecond before the next begins (filters include both ends).
fn spans(since: i64, until: i64, buckets: u32) -> Vec<(i64, i64)> {
    let width = (until - since) / i64::from(buckets);
    (0..i64::from(buckets))
        .map(|i| {
            let start = since + i * width;
            let end = if i + 1 == i64::from(buckets) {
                until
            } else {
                start + width - 1
            };
            (start, end.max(start))
        })
        .collect()
}

pub(super) async fn trend(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (request, _) = request.into_parts();
    let granted = match guard::<TrendRequest>(&shared, &request, &[Permission::Summary]).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let query = &granted.query;
    let mut buckets = Vec::new();
    for (start, end) in spans(
        query.since.as_millis(),
        query.until.as_millis(),
        query.buckets,
    ) {
        let filter = Filter {
            since: Some(Timestamp::from_millis(start)),
            until: Some(Timestamp::from_millis(end)),
            namespace: query.namespace.clone(),
            ..Filter::default()
        };
        let groups = match granted.summarise(&filter).await {
            Ok(groups) => groups,
            Err(response) => return response,
        };
        let mut decisions: BTreeMap<String, u64> = BTreeMap::new();
        for group in &groups {
            *decisions.entry(group.decision.clone()).or_default() += group.events;
        }
        let view = query
            .framework
            .map(|framework| summarise_now(&shared, framework, &groups));
        buckets.push(Bucket {
            since: Timestamp::from_millis(start),
            until: Timestamp::from_millis(end),
            events: decisions.values().sum(),
            decisions,
            tally: view.as_ref().map(|v| v.tally()),
            score: view.as_ref().and_then(|v| v.score()),
        });
    }
    json(&serde_json::json!({
        "since": query.since,
        "until": query.until,
        "framework": query.framework.map(|f| f.id.clone()),
        "buckets": buckets,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_window_without_overlap() {
        let spans = spans(0, 1_000, 3);
        assert_eq!(spans, vec![(0, 332), (333, 665), (666, 1_000)]);
        // A window shorter than its buckets still gives each a span.
        assert!(super::spans(0, 2, 5).iter().all(|(s, e)| s <= e));
    }

    #[test]
    fn queries_are_checked() {
        let now = Timestamp::from_millis(10 * 86_400_000);
        assert!(TrendRequest::parse(Some("buckets=0"), now).is_err());
        assert!(TrendRequest::parse(Some("buckets=91"), now).is_err());
        assert!(TrendRequest::parse(Some("framework=nope"), now).is_err());
        assert!(TrendRequest::parse(Some("since=1h&until=2h"), now).is_err());
        let ok = TrendRequest::parse(Some("framework=pss-baseline&buckets=7"), now);
        assert!(matches!(
            ok,
            Ok(TrendRequest {
                buckets: 7,
                framework: Some(_),
                ..
            })
        ));
    }
}
