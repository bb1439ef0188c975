//! Prometheus metrics, in an explicit registry (no global state), served as
//! text on `GET /metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    operation: &'static str,
    allowed: bool,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    control: &'static str,
    mode: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    what: &'static str,
    result: &'static str,
}

/// Every metric the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    latency: Family<EndpointLabels, Histogram>,
    errors: Family<ErrorLabels, Counter>,
    reloads: Family<ReloadLabels, Counter>,
    generation: Gauge,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 3.3 s: a decision takes tens of microseconds, the
    // deadline is seconds.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("palisade_admission");
        let requests = Family::<RequestLabels, Counter>::default();
        let decisions = Family::<DecisionLabels, Counter>::default();
        let latency = Family::<EndpointLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let errors = Family::<ErrorLabels, Counter>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        let generation = Gauge::default();
        registry.register(
            "requests",
            "AdmissionReview requests answered, by endpoint, operation and answer",
            requests.clone(),
        );
        registry.register(
            "decisions",
            "Findings by control, mode (enforce, warn, audit) and result (denied, warned, audited, waived)",
            decisions.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from request to answer, body read included",
            latency.clone(),
        );
        registry.register(
            "errors",
            "Requests not evaluated normally: malformed (400), too_large (413), timeout (deadline), unevaluable, internal",
            errors.clone(),
        );
        registry.register(
            "reloads",
            "Reloads of the TLS certificate and the policies, by result",
            reloads.clone(),
        );
        registry.register(
            "policy_generation",
            "Generation of the policy set in use (1 at start-up, +1 per successful reload)",
            generation.clone(),
        );
        Metrics {
            registry,
            requests: requests.clone(),
            decisions,
            latency,
            errors,
            reloads,
            generation,
        }
    }
}

impl Metrics {
    /// One answered request.
    pub fn request(&self, endpoint: &'static str, operation: &'static str, allowed: bool) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint,
                operation,
                allowed,
            })
            .inc();
    }

    /// One finding's outcome.
    pub fn decision(&self, control: &'static str, mode: &'static str, result: &'static str) {
        self.decisions
            .get_or_create(&DecisionLabels {
                control,
                mode,
                result,
            })
            .inc();
    }

    /// How long a request took.
    pub fn latency(&self, endpoint: &'static str, seconds: f64) {
        self.latency
            .get_or_create(&EndpointLabels { endpoint })
            .observe(seconds);
    }

    /// A request not evaluated normally.
    pub fn error(&self, kind: &'static str) {
        self.errors.get_or_create(&ErrorLabels { kind }).inc();
    }

    /// A reload attempt.
    pub fn reload(&self, what: &'static str, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.reloads
            .get_or_create(&ReloadLabels { what, result })
            .inc();
    }

    /// The generation now in use.
    pub fn generation(&self, generation: u64) {
        self.generation
            .set(i64::try_from(generation).unwrap_or(i64::MAX));
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
