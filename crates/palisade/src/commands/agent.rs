//! `palisade node agent`: the node scan and the file-integrity compare on
//! their schedules, each recorded in the audit log (as `node scan --record`
//! and `fim compare` record them), with what they last found on /metrics
//! and whether they keep up on /healthz. The checks run on this thread,
//! one after the other; the endpoint has a runtime of its own, so a long
//! compare never stalls a probe. Between runs the agent sleeps.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use palisade_load::integrity::Pace;

use crate::cli::{
    FimArgs, FimBaselineArgs, FimCompareArgs, NodeAgentArgs, NodeScanArgs, RecordArgs,
};

/// The checks the agent runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    NodeScan,
    FimCompare,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::NodeScan => "node-scan",
            Kind::FimCompare => "fim-compare",
        }
    }
}

/// What one check did last, and how often it ran.
#[derive(Debug, Default)]
struct CheckState {
    period: Duration,
    ok: u64,
    failed: u64,
    last_run: Option<SystemTime>,
    last_success: Option<SystemTime>,
    last_duration: Duration,
    /// Findings not waived in the last successful run, by control.
    findings: BTreeMap<String, usize>,
    /// The last compare's changes, by kind.
    changes: BTreeMap<&'static str, usize>,
}

#[derive(Debug)]
struct Status {
    started: SystemTime,
    checks: BTreeMap<Kind, CheckState>,
}

type Shared = Arc<Mutex<Status>>;

/// What a run found: findings not waived by control, changes by kind.
type Found = (BTreeMap<String, usize>, BTreeMap<&'static str, usize>);

/// Metric rows: labels and value.
type Rows = Vec<(String, String)>;

pub fn run(args: &NodeAgentArgs) -> Result<ExitCode> {
    let mut checks = BTreeMap::new();
    checks.insert(
        Kind::NodeScan,
        CheckState {
            period: Duration::from_secs(args.every),
            ..CheckState::default()
        },
    );
    if !args.no_fim {
        checks.insert(
            Kind::FimCompare,
            CheckState {
                period: Duration::from_secs(args.fim_every),
                ..CheckState::default()
            },
        );
    }
    let status: Shared = Arc::new(Mutex::new(Status {
        started: SystemTime::now(),
        checks,
    }));
    serve(args.listen, status.clone())?;
    eprintln!(
        "palisade: node agent on {}: node scan every {}s{}; /metrics and /healthz on http://{}",
        args.host.root.display(),
        args.every,
        if args.no_fim {
            String::new()
        } else {
            format!(", file-integrity compare every {}s", args.fim_every)
        },
        args.listen
    );
    let scan = scan_args(args);
    let compare = compare_args(args);
    let pace = Pace {
        bytes_per_second: (args.fim_max_mbps > 0)
            .then(|| args.fim_max_mbps.saturating_mul(1_000_000)),
        threads: Some(args.fim_threads.max(1)),
    };
    let mut due: BTreeMap<Kind, Instant> = BTreeMap::new();
    let now = Instant::now();
    due.insert(Kind::NodeScan, now);
    if !args.no_fim {
        due.insert(Kind::FimCompare, now);
    }
    loop {
        let Some((&kind, &at)) = due.iter().min_by_key(|(_, at)| **at) else {
            return Ok(ExitCode::SUCCESS);
        };
        if let Some(wait) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let started = Instant::now();
        let outcome = match kind {
            Kind::NodeScan => {
                super::node::scan_counted(&scan).map(|(_, findings)| (findings, BTreeMap::new()))
            }
            Kind::FimCompare => take_baseline_if_asked(args, &compare.fim).and_then(|()| {
                super::fim::compare_paced(&compare, pace).map(|c| (c.findings, c.changes))
            }),
        };
        if let Err(error) = &outcome {
            eprintln!("palisade: {} failed: {error:#}", kind.as_str());
        }
        record_outcome(&status, kind, started.elapsed(), outcome);
        let period = match kind {
            Kind::NodeScan => args.every,
            Kind::FimCompare => args.fim_every,
        };
        // A period too long to add waits as long as an instant can.
        let next = started
            .checked_add(Duration::from_secs(period.max(1)))
            .unwrap_or(started + Duration::from_secs(u64::from(u32::MAX)));
        due.insert(kind, next);
    }
}

fn record_outcome(status: &Shared, kind: Kind, took: Duration, outcome: Result<Found>) {
    let Ok(mut status) = status.lock() else {
        return;
    };
    let Some(state) = status.checks.get_mut(&kind) else {
        return;
    };
    let now = SystemTime::now();
    state.last_run = Some(now);
    state.last_duration = took;
    match outcome {
        Ok((findings, changes)) => {
            state.ok += 1;
            state.last_success = Some(now);
            state.findings = findings;
            state.changes = changes;
        }
        // Said in the log when it happened (`run`).
        Err(_) => state.failed += 1,
    }
}

/// With --take-baseline, a baseline when there is no baseline file yet
/// and the log anchors none for the host: a baseline file that went
/// missing is restored, never replaced by one that would take in what
/// changed since.
fn take_baseline_if_asked(args: &NodeAgentArgs, fim: &FimArgs) -> Result<()> {
    if !args.take_baseline || fim.baseline.exists() {
        return Ok(());
    }
    // `fim baseline` refuses when the log anchors one for the host.
    super::fim::baseline(&FimBaselineArgs {
        fim: fim.clone(),
        profile: args.fim_profile.clone(),
        replace: false,
    })
    .map(|_| ())
}

fn scan_args(args: &NodeAgentArgs) -> NodeScanArgs {
    NodeScanArgs {
        host: args.host.clone(),
        report: args.report.clone(),
        framework: args.framework.clone(),
        config: args.config.clone(),
        control: Vec::new(),
        allowed_digests: args.allowed_digests.clone(),
        record: RecordArgs {
            record: true,
            db: args.db.clone(),
            audit_chain: "node".to_owned(),
        },
        every: None,
        allow_empty: true,
    }
}

fn compare_args(args: &NodeAgentArgs) -> FimCompareArgs {
    FimCompareArgs {
        fim: FimArgs {
            root: args.host.root.clone(),
            baseline: args.baseline.clone(),
            config: args.config.clone(),
            db: args.db.clone(),
            audit_chain: "fim".to_owned(),
            host: args.host_name.clone(),
        },
        report: args.report.clone(),
        framework: Vec::new(),
    }
}

/// Serves /metrics and /healthz on a thread and runtime of their own.
fn serve(listen: std::net::SocketAddr, status: Shared) -> Result<()> {
    let listener = std::net::TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    std::thread::Builder::new()
        .name("agent-http".to_owned())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = axum::Router::new()
                    .route("/metrics", get(metrics))
                    .route("/healthz", get(healthz))
                    .with_state(status);
                if let Err(e) = axum::serve(listener, app).await {
                    eprintln!("palisade: the agent's endpoint stopped: {e}");
                }
            });
        })
        .context("cannot start the agent's endpoint")?;
    Ok(())
}

fn seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Prometheus label values: `\`, `"` and newlines escaped.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(
    State(status): State<Shared>,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let text = match status.lock() {
        Ok(status) => render(&status),
        Err(_) => String::new(),
    };
    (
        StatusCode::OK,
        [("content-type", "text/plain; version=0.0.4")],
        text,
    )
}

fn render(status: &Status) -> String {
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, rows: Rows| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in rows {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    };
    let each = |f: &dyn Fn(&str, &CheckState) -> Rows| {
        status
            .checks
            .iter()
            .flat_map(|(kind, state)| f(kind.as_str(), state))
            .collect::<Vec<_>>()
    };
    family(
        "palisade_node_agent_runs_total",
        "counter",
        "Runs of each check, by outcome.",
        each(&|check, s| {
            vec![
                (
                    format!("check=\"{check}\",outcome=\"ok\""),
                    s.ok.to_string(),
                ),
                (
                    format!("check=\"{check}\",outcome=\"failed\""),
                    s.failed.to_string(),
                ),
            ]
        }),
    );
    family(
        "palisade_node_agent_last_run_timestamp_seconds",
        "gauge",
        "When each check last ran.",
        each(&|check, s| {
            s.last_run
                .map(|t| (format!("check=\"{check}\""), seconds(t).to_string()))
                .into_iter()
                .collect()
        }),
    );
    family(
        "palisade_node_agent_last_success_timestamp_seconds",
        "gauge",
        "When each check last succeeded.",
        each(&|check, s| {
            s.last_success
                .map(|t| (format!("check=\"{check}\""), seconds(t).to_string()))
                .into_iter()
                .collect()
        }),
    );
    family(
        "palisade_node_agent_last_run_duration_seconds",
        "gauge",
        "How long each check's last run took.",
        each(&|check, s| {
            s.last_run
                .map(|_| {
                    (
                        format!("check=\"{check}\""),
                        s.last_duration.as_secs_f64().to_string(),
                    )
                })
                .into_iter()
                .collect()
        }),
    );
    family(
        "palisade_node_agent_findings",
        "gauge",
        "Findings not waived in each check's last successful run, by control.",
        each(&|check, s| {
            s.findings
                .iter()
                .map(|(control, n)| {
                    (
                        format!("check=\"{check}\",control=\"{}\"", label(control)),
                        n.to_string(),
                    )
                })
                .collect()
        }),
    );
    family(
        "palisade_node_agent_fim_changes",
        "gauge",
        "Changes since the baseline found by the last compare, by kind (approved ones included).",
        each(&|_, s| {
            s.changes
                .iter()
                .map(|(kind, n)| (format!("kind=\"{kind}\""), n.to_string()))
                .collect()
        }),
    );
    out
}

/// 200 while every check has succeeded within twice its period plus a
/// minute (or the agent has not been up that long); 503 naming the check
/// that has not.
async fn healthz(State(status): State<Shared>) -> (StatusCode, String) {
    let Ok(status) = status.lock() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "status unavailable\n".to_owned(),
        );
    };
    let now = SystemTime::now();
    let mut stale = Vec::new();
    for (kind, state) in &status.checks {
        let since = state.last_success.unwrap_or(status.started);
        let allowed = state
            .period
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(60));
        // Why is in the agent's log, not here: the endpoint answers whoever
        // reaches it.
        if now.duration_since(since).unwrap_or_default() > allowed {
            stale.push(format!(
                "{} has not succeeded for over {}s",
                kind.as_str(),
                allowed.as_secs()
            ));
        }
    }
    if stale.is_empty() {
        (StatusCode::OK, "ok\n".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", stale.join("\n")),
        )
    }
}
