//! AdmissionReview `admission.k8s.io/v1` on the wire, as the API server
//! sends and expects it (k8s.io/api/admission/v1/types.go).
//!
//! Own serde types rather than kube-core's: the object stays raw JSON
//! (policies evaluate what the API server sent, unknown fields included),
//! and no `k8s-openapi` version feature is needed in a library crate.

use palisade_model::{Entry, Node, Position, Value};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The one apiVersion the webhook speaks (v1beta1 was removed in 1.22).
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// The object, `null` read as absent.
fn object<'de, D>(deserializer: D) -> Result<Option<Node>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let node = palisade_load::json::deserialize_node(deserializer)?;
    Ok((!matches!(node.value, Value::Null)).then_some(node))
}

/// Reads `null` as the type's default, as Go's JSON decoding leaves a
/// field at its zero value when it meets `null`.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The envelope, request side.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRequest {
    /// Must be [`API_VERSION`].
    pub api_version: String,
    /// Must be `AdmissionReview`.
    pub kind: String,
    /// The request; absent is a malformed review.
    pub request: Option<AdmissionRequest>,
}

/// Group, version and kind of the object.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct GroupVersionKind {
    /// `""` for the core group.
    #[serde(default, deserialize_with = "nullable")]
    pub group: String,
    /// e.g. `v1`.
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    /// e.g. `Pod`.
    #[serde(default, deserialize_with = "nullable")]
    pub kind: String,
}

impl GroupVersionKind {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Group, version and resource (the plural name in the URL).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct GroupVersionResource {
    /// `""` for the core group.
    #[serde(default, deserialize_with = "nullable")]
    pub group: String,
    /// e.g. `v1`.
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    /// e.g. `pods`.
    #[serde(default, deserialize_with = "nullable")]
    pub resource: String,
}

/// Who sent the request.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    /// e.g. `system:serviceaccount:kube-system:replicaset-controller`.
    #[serde(default, deserialize_with = "nullable")]
    pub username: String,
    /// e.g. `system:serviceaccounts`, `system:authenticated`.
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Vec<String>,
}

/// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    /// A new object.
    Create,
    /// A changed object (`oldObject` holds the previous one).
    Update,
    /// A deletion (`object` is absent).
    Delete,
    /// `exec`, `attach`, `portforward` and other connect subresources.
    Connect,
}

impl Operation {
    /// As the API server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// The request the API server asks about.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Echoed in the response; the API server matches on it.
    #[serde(default, deserialize_with = "nullable")]
    pub uid: String,
    /// The kind of `object`.
    #[serde(default, deserialize_with = "nullable")]
    pub kind: GroupVersionKind,
    /// The resource requested.
    #[serde(default, deserialize_with = "nullable")]
    pub resource: GroupVersionResource,
    /// e.g. `ephemeralcontainers`, `status`, `scale`; empty for the main resource.
    #[serde(default, deserialize_with = "nullable")]
    pub sub_resource: String,
    /// The object's name (empty on CREATE with `generateName`).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The namespace of the request (empty for cluster-scoped objects).
    #[serde(default, deserialize_with = "nullable")]
    pub namespace: String,
    /// What is being done.
    pub operation: Operation,
    /// Who is doing it.
    #[serde(default, deserialize_with = "nullable")]
    pub user_info: UserInfo,
    /// The object as it would be stored (absent on DELETE and CONNECT),
    /// read straight into the tree the controls evaluate, and completed by
    /// [`parse`] with what the API server may leave out of it.
    #[serde(default, deserialize_with = "object")]
    pub object: Option<Node>,
    /// The object before an UPDATE, kept as its JSON text: only Rego
    /// policies read it (Gatekeeper's `input.review.oldObject`), so it is
    /// parsed only when some are loaded, and an UPDATE without them costs
    /// one object's parsing, not two.
    #[serde(default)]
    pub old_object: Option<Box<RawValue>>,
    /// A dry run: nothing will be stored.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl AdmissionRequest {
    /// Whether nothing will be persisted.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run == Some(true)
    }

    /// The namespace, when there is one.
    pub fn namespace(&self) -> Option<&str> {
        Some(self.namespace.as_str()).filter(|n| !n.is_empty())
    }

    /// Fills in what the API server may leave out of the object, from the
    /// request: `apiVersion`, `kind` and `metadata.namespace` (a namespaced
    /// CREATE often has no namespace in its body). A value already there is
    /// kept; an object or metadata that is not a mapping is left for the
    /// decision to refuse.
    fn complete_object(&mut self) {
        let api_version = self.kind.api_version();
        let kind = self.kind.kind.clone();
        let namespace = self.namespace.clone();
        let Some(Node {
            value: Value::Map(entries),
            ..
        }) = &mut self.object
        else {
            return;
        };
        set_if_empty(entries, "apiVersion", api_version);
        set_if_empty(entries, "kind", kind);
        if namespace.is_empty() {
            return;
        }
        let at = match entries.iter().rposition(|e| e.key == "metadata") {
            Some(at) => at,
            None => {
                entries.push(entry("metadata", Value::Map(Vec::new())));
                entries.len() - 1
            }
        };
        let Some(metadata) = entries.get_mut(at).map(|e| &mut e.value) else {
            return;
        };
        if matches!(metadata.value, Value::Null) {
            metadata.value = Value::Map(Vec::new());
        }
        if let Value::Map(fields) = &mut metadata.value {
            set_if_empty(fields, "namespace", namespace);
        }
    }
}

fn entry(key: &str, value: Value) -> Entry {
    Entry {
        key: key.to_owned(),
        key_pos: Position::default(),
        value: Node::new(value, Position::default()),
    }
}

/// Sets `key` to `value` unless it holds a non-empty string already.
fn set_if_empty(entries: &mut Vec<Entry>, key: &str, value: String) {
    if value.is_empty() {
        return;
    }
    match entries.iter_mut().rev().find(|e| e.key == key) {
        Some(e) if e.value.as_str().is_some_and(|s| !s.is_empty()) => {}
        Some(e) => e.value = Node::new(Value::String(value), Position::default()),
        None => entries.push(entry(key, Value::String(value))),
    }
}

/// `status` of a response: shown to the user when the request is denied.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Status {
    /// HTTP-like code: 403 for a policy denial, 500 for a failure.
    pub code: u16,
    /// The text the user sees after "admission webhook ... denied the request:".
    pub message: String,
}

/// The answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// The request's uid.
    pub uid: String,
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Why not (or, when allowed, nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Base64 of a JSON Patch (RFC 6902) array.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// `JSONPatch` when `patch` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// Shown by kubectl as `Warning: ...`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Added to the API server's audit event as `<webhook name>/<key>`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub audit_annotations: std::collections::BTreeMap<String, String>,
}

impl AdmissionResponse {
    /// An allowing response for `uid`.
    pub fn allow(uid: &str) -> Self {
        AdmissionResponse {
            uid: uid.to_owned(),
            allowed: true,
            status: None,
            patch: None,
            patch_type: None,
            warnings: Vec::new(),
            audit_annotations: std::collections::BTreeMap::new(),
        }
    }

    /// A denying response for `uid` with a code and message.
    pub fn deny(uid: &str, code: u16, message: String) -> Self {
        AdmissionResponse {
            allowed: false,
            status: Some(Status { code, message }),
            ..AdmissionResponse::allow(uid)
        }
    }
}

/// The envelope, response side.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
    /// [`API_VERSION`], as the request had it.
    pub api_version: &'static str,
    /// `AdmissionReview`.
    pub kind: &'static str,
    /// The answer.
    pub response: AdmissionResponse,
}

impl From<AdmissionResponse> for ReviewResponse {
    fn from(response: AdmissionResponse) -> Self {
        ReviewResponse {
            api_version: API_VERSION,
            kind: "AdmissionReview",
            response,
        }
    }
}

/// Why a body is not an AdmissionReview the webhook can answer (HTTP 400).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MalformedReview {
    /// Not JSON, or JSON of the wrong shape.
    #[error("body is not an AdmissionReview: {0}")]
    Json(String),
    /// Another apiVersion or kind.
    #[error("expected apiVersion {API_VERSION} and kind AdmissionReview, got {0} {1}")]
    Version(String, String),
    /// No `request`.
    #[error("AdmissionReview has no request")]
    NoRequest,
    /// An empty `uid`: the API server could not match the answer.
    #[error("AdmissionReview request has an empty uid")]
    NoUid,
    /// More values than [`MAX_VALUES`].
    #[error(
        "AdmissionReview holds about {0} JSON values, more than the {MAX_VALUES} Palisade reads"
    )]
    TooManyValues(usize),
}

/// Values (objects, arrays, scalars) a review may hold before it is parsed:
/// each becomes a node of the tree the controls read, tens of bytes apiece
/// where the JSON spent two, so a body's size alone does not bound the
/// memory it takes. A real object (etcd stores at most 1.5 MiB) holds far
/// fewer; a ConfigMap's large values are single strings.
pub const MAX_VALUES: usize = 400_000;

/// An upper bound of the values in a JSON text, counted without parsing
/// (one pass, no allocation): every value but the first follows a `,`,
/// `:` or `[` outside strings, and a key counts as one too.
///
/// ```
/// use palisade_server::review::count_values;
/// assert!(count_values(br#"{"a":[1,2,{"b":"x,y:["}]}"#) >= 5);
/// assert!(count_values(br#""[,,,]""#) <= 1);
/// ```
pub fn count_values(body: &[u8]) -> usize {
    let mut count = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b':' | b'[' | b'{' => count += 1,
            _ => {}
        }
    }
    count
}

/// Reads an AdmissionReview request body.
///
/// ```
/// use palisade_server::review::{parse, MalformedReview};
/// let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"DELETE"}}"#;
/// assert_eq!(parse(body).unwrap().uid, "1");
/// assert_eq!(parse(b"{}").unwrap_err().to_string().contains("apiVersion"), true);
/// ```
pub fn parse(body: &[u8]) -> Result<AdmissionRequest, MalformedReview> {
    let values = count_values(body);
    if values > MAX_VALUES {
        return Err(MalformedReview::TooManyValues(values));
    }
    let review: ReviewRequest =
        serde_json::from_slice(body).map_err(|e| MalformedReview::Json(e.to_string()))?;
    if review.api_version != API_VERSION || review.kind != "AdmissionReview" {
        return Err(MalformedReview::Version(review.api_version, review.kind));
    }
    let mut request = review.request.ok_or(MalformedReview::NoRequest)?;
    if request.uid.is_empty() {
        return Err(MalformedReview::NoUid);
    }
    request.complete_object();
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_of(object: &str) -> Option<Node> {
        let body = format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"1","kind":{{"group":"apps","version":"v1","kind":"Deployment"}},"namespace":"shop","operation":"CREATE","object":{object}}}}}"#
        );
        parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{object}: {e}"))
            .object
    }

    fn text<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
        node.get_path(path).and_then(Node::as_str)
    }

    #[test]
    fn fills_in_what_the_api_server_left_out() {
        let object = object_of(r#"{"metadata":{"name":"web"},"spec":{}}"#).unwrap();
        assert_eq!(text(&object, &["apiVersion"]), Some("apps/v1"));
        assert_eq!(text(&object, &["kind"]), Some("Deployment"));
        assert_eq!(text(&object, &["metadata", "namespace"]), Some("shop"));
        assert_eq!(text(&object, &["metadata", "name"]), Some("web"));
        let bare = object_of(r#"{"metadata":null}"#).unwrap();
        assert_eq!(text(&bare, &["metadata", "namespace"]), Some("shop"));
        let none = object_of(r#"{}"#).unwrap();
        assert_eq!(text(&none, &["metadata", "namespace"]), Some("shop"));
    }

    #[test]
    fn keeps_what_the_object_says() {
        let object = object_of(
            r#"{"apiVersion":"apps/v1beta2","kind":"Deployment","metadata":{"namespace":"other"}}"#,
        )
        .unwrap();
        assert_eq!(text(&object, &["apiVersion"]), Some("apps/v1beta2"));
        assert_eq!(text(&object, &["metadata", "namespace"]), Some("other"));
    }

    #[test]
    fn leaves_shapes_it_cannot_complete_to_the_decision() {
        assert!(object_of("null").is_none());
        let list = object_of("[1]").unwrap();
        assert!(!list.is_map());
        let odd = object_of(r#"{"metadata":"x"}"#).unwrap();
        assert_eq!(text(&odd, &["metadata"]), Some("x"));
    }
}
