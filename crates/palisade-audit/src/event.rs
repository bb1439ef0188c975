//! The audit event: what was decided about which resource, for whom, under
//! which policy, and why.
//!
//! The JSON form of an event is what the hash chain covers, so it must be
//! canonical: every type here is a struct or an enum with a fixed field order
//! and there is no map anywhere (a map's order would depend on serde_json's
//! `preserve_order` feature, which any crate in a build can switch on).
//! Adding a field changes the bytes of new events only; stored events are
//! always hashed over their stored bytes, never re-serialised.

use std::fmt;
use std::str::FromStr;

use palisade_model::{Finding, Severity};
use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// One audit event: an admission decision, a scanned resource, or (for the
/// read API) an access to the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the decision was made (UTC, millisecond precision).
    pub time: Timestamp,
    /// Who asked: the admission request's user, a scan, an API client.
    pub source: Source,
    /// The resource decided about.
    pub resource: Resource,
    /// What Palisade decided.
    pub decision: Decision,
    /// Why the decision did not come from the policy, when it did not: the
    /// object was exempt or skipped, or could not be evaluated and the
    /// failure mode answered.
    pub reason: Option<String>,
    /// Every finding, waived or not, with its control and severity.
    pub findings: Vec<AuditFinding>,
    /// The policy set's version: a content hash of the built-in packs, the
    /// configuration and user policies (`palisade_policy::version`).
    pub policy_version: String,
    /// The Palisade version that decided.
    pub palisade_version: String,
}

/// Where an event comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// An AdmissionReview sent by the API server.
    Admission {
        /// `request.userInfo.username`.
        user: String,
        /// `request.userInfo.groups`.
        groups: Vec<String>,
        /// `request.operation`: CREATE, UPDATE, DELETE or CONNECT.
        operation: String,
        /// `request.uid`, to match the event with the API server's audit log.
        uid: String,
        /// `request.dryRun`: evaluated, but nothing was stored.
        dry_run: bool,
        /// Controls whose safe defaults the mutating webhook set.
        mutated: Vec<String>,
        /// Which webhook was called: `validate` (an admission decision) or
        /// `mutate` (defaults set; decision `mutated` or `unchanged`). None
        /// in events written before the field existed.
        #[serde(default)]
        endpoint: Option<String>,
        /// Whether the caller proved it is the API server (a client
        /// certificate verified against `admission.client-ca`). When false,
        /// `user`, `groups` and everything else of the request are only what
        /// an unverified client claimed.
        #[serde(default)]
        authenticated: bool,
        /// Fields cut to their recorded limits (e.g. `groups`, `user`,
        /// `findings`, `message`): the event holds a prefix of what was sent.
        #[serde(default)]
        truncated: Vec<String>,
    },
    /// `palisade scan --record`.
    Scan {
        /// The file the resource was read from.
        file: String,
    },
    /// A command run on a node (`palisade fim`): a file-integrity
    /// baseline taken, a compare, or an approval of changes.
    Node {
        /// The host's name.
        host: String,
        /// `fim-baseline`, `fim-compare` or `fim-accept`.
        action: String,
        /// The digest of the baseline taken, compared against, or written
        /// by the approval: the anchor a later compare checks its baseline
        /// file against.
        baseline: String,
        /// The baseline it replaces (a new baseline, an approval).
        previous: Option<String>,
        /// Who ran it (the approver, for an approval).
        user: String,
    },
    /// A request to the read API (every access is itself an event).
    Api {
        /// The authenticated principal (token name or certificate subject).
        user: String,
        /// The principal's role.
        role: String,
        /// HTTP method and path, e.g. `GET /api/v1/events`.
        request: String,
    },
}

impl Source {
    /// `admission`, `scan`, `node` or `api`: the value of the `source` column.
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Admission { .. } => SourceKind::Admission,
            Source::Scan { .. } => SourceKind::Scan,
            Source::Node { .. } => SourceKind::Node,
            Source::Api { .. } => SourceKind::Api,
        }
    }

    /// The requesting user, for admission and API events, and who ran a
    /// node command.
    pub fn user(&self) -> Option<&str> {
        match self {
            Source::Admission { user, .. }
            | Source::Api { user, .. }
            | Source::Node { user, .. } => Some(user),
            Source::Scan { .. } => None,
        }
    }

    /// The admission operation (CREATE, UPDATE...), for admission events.
    pub fn operation(&self) -> Option<&str> {
        match self {
            Source::Admission { operation, .. } => Some(operation),
            _ => None,
        }
    }
}

/// The kind of [`Source`], for filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Admission,
    Scan,
    Node,
    Api,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Admission => "admission",
            SourceKind::Scan => "scan",
            SourceKind::Node => "node",
            SourceKind::Api => "api",
        }
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admission" => Ok(SourceKind::Admission),
            "scan" => Ok(SourceKind::Scan),
            "node" => Ok(SourceKind::Node),
            "api" => Ok(SourceKind::Api),
            other => Err(format!(
                "unknown source `{other}` (admission, scan, node or api)"
            )),
        }
    }
}

/// The resource an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// `apiVersion`, e.g. `apps/v1` (empty when unknown).
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// `metadata.namespace`, for namespaced objects.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`).
    pub name: Option<String>,
}

impl From<&palisade_model::ResourceRef> for Resource {
    fn from(r: &palisade_model::ResourceRef) -> Self {
        Resource {
            api_version: r.api_version.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        }
    }
}

/// What Palisade decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Admitted (or, for a scan, nothing unwaived was found).
    Allowed,
    /// Refused by an enforcing policy (or, for a scan, blocking findings).
    Denied,
    /// Admitted with warnings returned to the client.
    Warned,
    /// Admitted; findings recorded only (audit mode).
    Audited,
    /// The mutating webhook set safe defaults (not an admission decision:
    /// `/validate` decides on the mutated object).
    Mutated,
    /// The mutating webhook changed nothing (not an admission decision).
    Unchanged,
    /// A finding was set aside by the requester's own annotation
    /// (`palisade.dev/waive.<control>`, where `admission.annotation-waivers`
    /// allows it): one event per use, beside the decision's event, so that
    /// every self-granted waiver can be found and reviewed on its own. Not
    /// an admission decision.
    Waived,
}

impl Decision {
    pub const ALL: [Decision; 7] = [
        Decision::Allowed,
        Decision::Denied,
        Decision::Warned,
        Decision::Audited,
        Decision::Mutated,
        Decision::Unchanged,
        Decision::Waived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::Warned => "warned",
            Decision::Audited => "audited",
            Decision::Mutated => "mutated",
            Decision::Unchanged => "unchanged",
            Decision::Waived => "waived",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown decision `{s}` (allowed, denied, warned, audited, mutated, unchanged or waived)"))
    }
}

/// One finding as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// The control's ID.
    pub control: String,
    /// Its severity when the decision was made.
    pub severity: Severity,
    /// What was wrong, precisely.
    pub message: String,
    /// What the finding did to an admission request (its mode's effect);
    /// `None` for scans.
    pub action: Option<FindingAction>,
    /// The waiver that accepted it, if any.
    pub waiver: Option<AuditWaiver>,
}

impl AuditFinding {
    /// Accepted by a waiver (or recorded with the `waived` action): such a
    /// finding does not fail its control.
    pub fn is_waived(&self) -> bool {
        self.waiver.is_some() || self.action == Some(FindingAction::Waived)
    }
}

/// What one finding did to an admission request: what the webhook decides
/// per finding and what the log records of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingAction {
    /// Enforce mode: it denied the request.
    Denied,
    /// Warn mode: returned as an admission warning.
    Warned,
    /// Audit mode: recorded only.
    Audited,
    /// Waived by an exception or annotation: recorded only.
    Waived,
}

impl FindingAction {
    /// `denied`, `warned`, `audited` or `waived`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingAction::Denied => "denied",
            FindingAction::Warned => "warned",
            FindingAction::Audited => "audited",
            FindingAction::Waived => "waived",
        }
    }
}

/// A waiver as the log keeps it: who accepted the risk, why, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditWaiver {
    pub justification: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    /// Last day it applies (`YYYY-MM-DD`).
    pub expires: Option<String>,
    /// Where it was declared: `palisade.yaml:12` or `annotation`.
    pub source: String,
}

impl From<&Finding> for AuditFinding {
    fn from(f: &Finding) -> Self {
        AuditFinding {
            control: f.control.to_owned(),
            severity: f.severity,
            message: f.message.clone(),
            action: None,
            waiver: f.waiver.as_ref().map(|w| AuditWaiver {
                justification: w.justification.clone(),
                owner: w.owner.clone(),
                ticket: w.ticket.clone(),
                expires: w.expires.clone(),
                source: w.source.clone(),
            }),
        }
    }
}

impl Event {
    /// The canonical bytes the chain hashes (see the module doc).
    pub fn canonical_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// The distinct controls of the findings, as stored in the `controls`
    /// column: `,a,b,` so that a filter matches `,a,` exactly.
    pub fn controls_column(&self) -> String {
        control_list(self.findings.iter())
    }

    /// What summaries count of this event, as stored in columns of their
    /// own (see [`Tally`]).
    pub fn tally(&self) -> Tally {
        let (waived, failing): (Vec<&AuditFinding>, Vec<&AuditFinding>) =
            self.findings.iter().partition(|f| f.is_waived());
        let (dry_run, endpoint) = match &self.source {
            Source::Admission {
                dry_run, endpoint, ..
            } => (*dry_run, endpoint.clone()),
            Source::Scan { .. } | Source::Node { .. } | Source::Api { .. } => (false, None),
        };
        Tally {
            failing: control_list(failing.into_iter()),
            waived: control_list(waived.into_iter()),
            dry_run,
            endpoint,
        }
    }
}

/// The distinct controls of `findings`, sorted, as `,a,b,` (empty for none).
fn control_list<'a>(findings: impl Iterator<Item = &'a AuditFinding>) -> String {
    let mut ids: Vec<&str> = findings.map(|f| f.control.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return String::new();
    }
    format!(",{},", ids.join(","))
}

/// What a summary counts of an event, kept in columns beside its JSON when
/// it is written, so that a summary of a day of admissions reads an index
/// and no JSON. Derived from the hashed JSON like the other columns, and
/// checked against it by `verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Controls with at least one finding that was not waived, `,a,b,` as
    /// in the `controls` column.
    pub failing: String,
    /// Controls with at least one waived finding (a waiver, or the
    /// `waived` action).
    pub waived: String,
    /// An admission's `dryRun`.
    pub dry_run: bool,
    /// Which webhook decided an admission (`validate` or `mutate`; none
    /// for scans and for events written before the field existed).
    pub endpoint: Option<String>,
}
