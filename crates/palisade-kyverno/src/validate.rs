//! A validate rule on one resource (`pkg/engine/handlers/validation`):
//! context entries, preconditions, then `deny`, `pattern`/`anyPattern` or
//! `foreach`, each with Kyverno's outcome and message.

use serde_json::Value as Json;

use crate::conditions::any_all::{self, ConditionError};
use crate::context::{Context, QueryError};
use crate::pattern::walk::{self, Outcome};
use crate::variables;

/// A rule's verdict on a resource, as Kyverno's report results name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// The rule does not apply (a precondition, a condition anchor).
    Skip,
    /// The rule could not be evaluated (a variable that does not resolve).
    Error,
    /// The rule needs what Palisade cannot do offline (image signatures,
    /// an API call without supplied values, CEL): never a pass.
    NotEvaluated,
}

impl Status {
    /// The name used in Kyverno test files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Skip => "skip",
            Self::Error => "error",
            Self::NotEvaluated => "not evaluated",
        }
    }
}

/// One rule's response.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResponse {
    pub rule: String,
    pub status: Status,
    pub message: String,
    /// Where in the resource a pattern failed (`/spec/hostNetwork/`,
    /// anchors as written); empty when the rule names no place.
    pub path: String,
}

/// The parts of a rule (or of one `foreach` level) that validate.
pub(crate) struct Validator<'a> {
    rule: &'a str,
    /// `validate.message` of the rule (used at every level).
    message: &'a str,
    context: &'a [Json],
    preconditions: Option<&'a Json>,
    pattern: Option<&'a Json>,
    any_pattern: Option<&'a Json>,
    deny: Option<&'a Json>,
    foreach: &'a [Json],
    /// `validate.cel` and the rule's `celPreconditions` (top level only).
    cel: Option<(&'a Json, Option<&'a Json>)>,
    nesting: usize,
    /// The `foreach` element patterns apply to, when it is a map.
    element: Option<Json>,
}

const EMPTY: &[Json] = &[];

impl<'a> Validator<'a> {
    /// The top level of a rule.
    pub(crate) fn for_rule(name: &'a str, rule: &'a Json) -> Self {
        let validate = rule.get("validate").unwrap_or(&Json::Null);
        Self {
            rule: name,
            message: validate.get("message").and_then(Json::as_str).unwrap_or(""),
            context: rule
                .get("context")
                .and_then(Json::as_array)
                .map_or(EMPTY, Vec::as_slice),
            preconditions: rule.get("preconditions"),
            pattern: validate.get("pattern").filter(|p| !p.is_null()),
            any_pattern: validate.get("anyPattern").filter(|p| !p.is_null()),
            deny: validate.get("deny").filter(|p| !p.is_null()),
            foreach: validate
                .get("foreach")
                .and_then(Json::as_array)
                .map_or(EMPTY, Vec::as_slice),
            cel: validate
                .get("cel")
                .filter(|c| !c.is_null())
                .map(|c| (c, rule.get("celPreconditions"))),
            nesting: 0,
            element: None,
        }
    }

    fn for_each(&self, foreach: &'a Json, element: Option<Json>) -> Self {
        Self {
            rule: self.rule,
            message: self.message,
            context: foreach
                .get("context")
                .and_then(Json::as_array)
                .map_or(EMPTY, Vec::as_slice),
            preconditions: foreach.get("preconditions"),
            pattern: foreach.get("pattern").filter(|p| !p.is_null()),
            any_pattern: foreach.get("anyPattern").filter(|p| !p.is_null()),
            deny: foreach.get("deny").filter(|p| !p.is_null()),
            foreach: foreach
                .get("foreach")
                .and_then(Json::as_array)
                .map_or(EMPTY, Vec::as_slice),
            cel: None,
            nesting: self.nesting + 1,
            element,
        }
    }

    fn respond(&self, status: Status, message: impl Into<String>) -> Option<RuleResponse> {
        Some(RuleResponse {
            rule: self.rule.to_string(),
            status,
            message: message.into(),
            path: String::new(),
        })
    }

    /// The rule's response, or `None` when nothing was validated (a
    /// `foreach` over an empty list).
    pub(crate) fn validate(&self, ctx: &mut Context) -> Option<RuleResponse> {
        load_context(ctx, self.context);
        match self.preconditions.map(|p| any_all::evaluate(ctx, p)) {
            Some(Err(e)) => return self.condition_error("failed to evaluate preconditions", &e),
            Some(Ok((false, message))) => {
                let text = join_non_empty(&["preconditions not met", &message], "; ");
                return self.respond(Status::Skip, text);
            }
            _ => {}
        }
        if let Some((cel, preconditions)) = self.cel {
            return self.validate_cel(ctx, cel, preconditions);
        }
        if let Some(deny) = self.deny {
            return self.validate_deny(ctx, deny);
        }
        if self.pattern.is_some() || self.any_pattern.is_some() {
            return self.validate_patterns(ctx);
        }
        if !self.foreach.is_empty() {
            return self.validate_foreach(ctx);
        }
        None
    }

    /// `validate.cel` (`validate_cel.go`): the request as Kubernetes'
    /// admission policies see it; false `celPreconditions` skip the rule.
    fn validate_cel(
        &self,
        ctx: &Context,
        cel: &Json,
        preconditions: Option<&Json>,
    ) -> Option<RuleResponse> {
        use crate::cel_validation::{self, CelOutcome, Inputs};
        if cel.get("paramKind").is_some() || cel.get("paramRef").is_some() {
            return self.respond(
                Status::NotEvaluated,
                "validate.cel with params needs the parameter resources of a cluster",
            );
        }
        let object = ctx.query("request.object").ok().filter(|o| !o.is_null());
        let old_object = ctx.query("request.oldObject").ok().filter(|o| !o.is_null());
        let username = ctx
            .query("request.userInfo.username")
            .ok()
            .and_then(|u| u.as_str().map(String::from))
            .unwrap_or_default();
        let groups: Vec<String> = ctx
            .query("request.userInfo.groups")
            .ok()
            .and_then(|g| serde_json::from_value(g).ok())
            .unwrap_or_default();
        let inputs = Inputs {
            object: object.as_ref(),
            old_object: old_object.as_ref(),
            operation: ctx.operation(),
            username: &username,
            groups: &groups,
            namespace_labels: None,
        };
        match cel_validation::run(
            preconditions,
            cel.get("variables"),
            cel.get("expressions"),
            self.message,
            cel_validation::activation(&inputs),
        ) {
            CelOutcome::NotMatched => self.respond(Status::Skip, "cel preconditions not met"),
            CelOutcome::Pass => self.respond(
                Status::Pass,
                format!("Validation rule '{}' passed.", self.rule),
            ),
            CelOutcome::Fail(message) => self.respond(Status::Fail, message),
            CelOutcome::Error(message) => self.respond(Status::Error, message),
            CelOutcome::NotEvaluated(message) => self.respond(Status::NotEvaluated, message),
        }
    }

    fn condition_error(&self, what: &str, error: &ConditionError) -> Option<RuleResponse> {
        let unavailable = matches!(
            error,
            ConditionError::Substitution { source, .. } if matches!(source.source, QueryError::Unavailable(_))
        );
        let status = if unavailable {
            Status::NotEvaluated
        } else {
            Status::Error
        };
        self.respond(status, format!("{what}: {error}"))
    }

    fn validate_deny(&self, ctx: &Context, deny: &Json) -> Option<RuleResponse> {
        let conditions = deny.get("conditions").unwrap_or(&Json::Null);
        match any_all::evaluate(ctx, conditions) {
            Err(e) => self.condition_error("failed to check deny conditions", &e),
            Ok((true, message)) => {
                let text = if self.message.is_empty() && message.is_empty() {
                    format!("validation error: rule {} failed", self.rule)
                } else {
                    let joined = join_non_empty(&[self.message, &message], "; ");
                    match variables::substitute_str(ctx, &joined) {
                        Ok(Json::String(s)) => s,
                        Ok(_) => "the produced message didn't resolve to a string, check your policy definition.".into(),
                        Err(_) => message,
                    }
                };
                self.respond(Status::Fail, text)
            }
            Ok((false, _)) => self.respond(
                Status::Pass,
                format!("validation rule '{}' passed.", self.rule),
            ),
        }
    }

    fn validate_patterns(&self, ctx: &Context) -> Option<RuleResponse> {
        // Most patterns hold no variable: they are used as written.
        let substitute =
            |p: &'a Json| -> Result<std::borrow::Cow<'a, Json>, variables::SubstitutionError> {
                if variables::has_variables(p) {
                    variables::substitute(ctx, p).map(std::borrow::Cow::Owned)
                } else {
                    Ok(std::borrow::Cow::Borrowed(p))
                }
            };
        let resource: &Json = match &self.element {
            Some(element) => element,
            None => {
                if ctx.operation() == "DELETE" {
                    return None;
                }
                ctx.object()
            }
        };
        if let Some(pattern) = self.pattern {
            let pattern = match substitute(pattern) {
                Ok(p) => p,
                Err(e) => return self.substitution_error(&e),
            };
            return match walk::match_pattern(resource, &pattern) {
                Outcome::Pass => self.respond(
                    Status::Pass,
                    format!("validation rule '{}' passed.", self.rule),
                ),
                Outcome::Skip(message) => self.respond(Status::Skip, message),
                Outcome::Fail { path, message } if path.is_empty() => {
                    self.respond(Status::Error, self.error_message(ctx, &message, ""))
                }
                Outcome::Fail { path, message } => {
                    let mut response =
                        self.respond(Status::Fail, self.error_message(ctx, &message, &path));
                    // A path inside a `foreach` element is the element's.
                    if let Some(r) = response.as_mut().filter(|_| self.element.is_none()) {
                        r.path = path;
                    }
                    response
                }
            };
        }
        let any = self.any_pattern?;
        let any = match substitute(any) {
            Ok(p) => p,
            Err(e) => return self.substitution_error(&e),
        };
        let Json::Array(patterns) = any.as_ref() else {
            return self.respond(
                Status::Error,
                "failed to deserialize anyPattern, expected type array",
            );
        };
        let mut failed = Vec::new();
        let mut skipped = Vec::new();
        for (i, pattern) in patterns.iter().enumerate() {
            match walk::match_pattern(resource, pattern) {
                Outcome::Pass => {
                    return self.respond(
                        Status::Pass,
                        format!("validation rule '{}' anyPattern[{i}] passed.", self.rule),
                    );
                }
                Outcome::Skip(message) => {
                    skipped.push(format!("rule {}[{i}] skipped: {message}", self.rule))
                }
                Outcome::Fail { path, message } if path.is_empty() => {
                    failed.push(format!("rule {}[{i}] failed: {message}", self.rule));
                }
                Outcome::Fail { path, .. } => {
                    failed.push(format!("rule {}[{i}] failed at path {path}", self.rule))
                }
            }
        }
        if !failed.is_empty() {
            let errors = failed.join(" ");
            // Kyverno's `buildAnyPatternErrorMessage`.
            let text = if self.message.is_empty() {
                format!("validation error: {errors}")
            } else {
                match variables::substitute_str(ctx, self.message) {
                    Ok(Json::String(m)) if m.ends_with('.') => {
                        format!("validation error: {m} {errors}")
                    }
                    Ok(Json::String(m)) => format!("validation error: {m}. {errors}"),
                    _ => format!(
                        "validation error: variables substitution error in rule {} execution error: {errors}",
                        self.rule
                    ),
                }
            };
            return self.respond(Status::Fail, text);
        }
        if !skipped.is_empty() {
            return self.respond(Status::Skip, skipped.join(" "));
        }
        self.respond(Status::Pass, self.message)
    }

    fn substitution_error(&self, error: &variables::SubstitutionError) -> Option<RuleResponse> {
        let status = if matches!(error.source, QueryError::Unavailable(_)) {
            Status::NotEvaluated
        } else {
            Status::Error
        };
        self.respond(status, format!("variable substitution failed: {error}"))
    }

    /// Kyverno's `buildErrorMessage`: the rule's message with its
    /// variables, or, when they do not resolve (an autogen rule whose
    /// message reads the Pod's metadata), Kyverno's own fallback.
    fn error_message(&self, ctx: &Context, error: &str, path: &str) -> String {
        if self.message.is_empty() {
            return if path.is_empty() {
                format!(
                    "validation error: rule {} execution error: {error}",
                    self.rule
                )
            } else {
                format!("validation error: rule {} failed at path {path}", self.rule)
            };
        }
        let mut message = match variables::substitute_str(ctx, self.message) {
            Ok(Json::String(s)) => s,
            _ => {
                return format!(
                    "validation error: variables substitution error in rule {} execution error: {error}",
                    self.rule
                );
            }
        };
        if !message.ends_with('.') {
            message.push('.');
        }
        if path.is_empty() {
            format!(
                "validation error: {message} rule {} execution error: {error}",
                self.rule
            )
        } else {
            format!(
                "validation error: {message} rule {} failed at path {path}",
                self.rule
            )
        }
    }

    fn validate_foreach(&self, ctx: &Context) -> Option<RuleResponse> {
        let mut applied = 0usize;
        let mut list_error: Option<QueryError> = None;
        for foreach in self.foreach {
            let list = foreach.get("list").and_then(Json::as_str).unwrap_or("");
            let elements = match ctx.query(list) {
                Ok(Json::Array(items)) => items,
                Ok(other) => vec![other],
                Err(QueryError::NotFound { .. }) => continue,
                Err(e) => {
                    list_error = Some(e);
                    continue;
                }
            };
            let scope = foreach.get("elementScope").and_then(Json::as_bool);
            let (response, count) = self.validate_elements(ctx, foreach, &elements, scope);
            if let Some(response) = response {
                return Some(response);
            }
            applied += count;
        }
        if applied == 0 {
            return list_error.and_then(|e| {
                let status = if matches!(e, QueryError::Unavailable(_)) {
                    Status::NotEvaluated
                } else {
                    Status::Error
                };
                self.respond(status, format!("failed to evaluate list: {e}"))
            });
        }
        self.respond(Status::Pass, "rule passed")
    }

    /// The elements of one `foreach`: the first response that is not a
    /// pass (a skip or an unresolvable precondition passes over the
    /// element), and how many elements passed.
    fn validate_elements(
        &self,
        ctx: &Context,
        foreach: &Json,
        elements: &[Json],
        scope: Option<bool>,
    ) -> (Option<RuleResponse>, usize) {
        let mut applied = 0usize;
        for (index, element) in elements.iter().enumerate() {
            if element.is_null() {
                continue;
            }
            let mut ctx = ctx.clone();
            ctx.add_element(element, index, self.nesting);
            let scoped = match scope {
                Some(true) if !element.is_object() => {
                    return (
                        self.respond(
                            Status::Error,
                            "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps",
                        ),
                        applied,
                    );
                }
                Some(s) => s,
                None => element.is_object(),
            };
            let child = self.for_each(
                foreach,
                scoped
                    .then(|| element.clone())
                    .or_else(|| self.element.clone()),
            );
            let Some(response) = child.validate(&mut ctx) else {
                continue;
            };
            match response.status {
                Status::Skip => continue,
                Status::Pass => applied += 1,
                Status::Error
                    if response
                        .message
                        .contains("failed to evaluate preconditions") =>
                {
                    continue;
                }
                status => {
                    return (
                        self.respond(status, format!("validation failure: {}", response.message)),
                        applied,
                    );
                }
            }
        }
        (None, applied)
    }
}

fn join_non_empty(parts: &[&str], separator: &str) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(separator)
}

/// Loads a rule's `context` entries into `ctx`. An entry that fails is
/// recorded, not raised: reading it is the error, as with Kyverno's lazy
/// loading.
pub(crate) fn load_context(ctx: &mut Context, entries: &[Json]) {
    for entry in entries {
        let Some(name) = entry.get("name").and_then(Json::as_str) else {
            continue;
        };
        if let Some(variable) = entry.get("variable") {
            match load_variable(ctx, variable) {
                Ok(value) => ctx.insert(name, value),
                Err(QueryError::Unavailable(message)) => {
                    ctx.fail_entry(name, QueryError::Unavailable(message));
                }
                Err(e) => ctx.fail_entry(
                    name,
                    QueryError::Invalid(format!("failed to load context entry {name}: {e}")),
                ),
            }
            continue;
        }
        // apiCall, configMap, globalReference, imageRegistry: offline, only
        // values a test supplied under the entry's name, or its cluster
        // resources, answer them.
        if ctx.has(name) {
            continue;
        }
        match lookup(ctx, entry) {
            Some(Ok(value)) => ctx.insert(name, value),
            Some(Err(message)) => ctx.fail_entry(
                name,
                QueryError::Invalid(format!("failed to load context entry {name}: {message}")),
            ),
            None => {
                let kind = ["apiCall", "configMap", "globalReference", "imageRegistry"]
                    .into_iter()
                    .find(|k| entry.get(*k).is_some())
                    .unwrap_or("unknown");
                ctx.fail_entry(
                    name,
                    QueryError::Unavailable(format!(
                        "context entry {name} ({kind}) needs the cluster or a registry; supply its value in a values file"
                    )),
                );
            }
        }
    }
}

/// An `apiCall` (GET of an API path) or `configMap` entry answered from
/// the cluster objects the request carries; `None` when there are none or
/// the entry needs more (a service call, a registry).
fn lookup(ctx: &Context, entry: &Json) -> Option<Result<Json, String>> {
    let cluster = ctx.cluster()?;
    let text = |v: Option<&Json>| -> Result<String, String> {
        match v {
            Some(v) => match variables::substitute(ctx, v) {
                Ok(Json::String(s)) => Ok(s),
                Ok(other) => Ok(other.to_string()),
                Err(e) => Err(e.to_string()),
            },
            None => Ok(String::new()),
        }
    };
    if let Some(call) = entry.get("apiCall") {
        if call.get("service").is_some() {
            return None;
        }
        let method = call.get("method").and_then(Json::as_str).unwrap_or("GET");
        if !method.eq_ignore_ascii_case("GET") {
            return None;
        }
        let result = text(call.get("urlPath"))
            .and_then(|path| crate::cluster::get(cluster, &path).map_err(|e| e.to_string()));
        return Some(result.and_then(|value| {
            match call
                .get("jmesPath")
                .and_then(Json::as_str)
                .filter(|p| !p.is_empty())
            {
                Some(path) => {
                    let path = text(Some(&Json::String(path.to_string())))?;
                    crate::jmespath::search(&path, &value).map_err(|e| e.to_string())
                }
                None => Ok(value),
            }
        }));
    }
    if let Some(config_map) = entry.get("configMap") {
        let result = text(config_map.get("name")).and_then(|name| {
            let namespace = text(config_map.get("namespace"))?;
            crate::cluster::config_map(cluster, &name, &namespace).map_err(|e| e.to_string())
        });
        return Some(result);
    }
    None
}

/// A `variable` context entry (`loaders/variable.go`). An entry that reads
/// one that is unavailable offline is unavailable too, whatever its
/// default: a default must not stand in for what was never looked up.
fn load_variable(ctx: &Context, variable: &Json) -> Result<Json, QueryError> {
    let invalid = |m: String| QueryError::Invalid(m);
    let from_substitution = |e: variables::SubstitutionError| match e.source {
        QueryError::Unavailable(m) => QueryError::Unavailable(m),
        _ => QueryError::Invalid(e.to_string()),
    };
    let path = match variable
        .get("jmesPath")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(p) => match variables::substitute_str(ctx, p) {
            Ok(Json::String(s)) => Some(s),
            Ok(_) => return Err(invalid("jmesPath must be a string".into())),
            Err(e) => return Err(from_substitution(e)),
        },
        None => None,
    };
    let default = match variable.get("default").filter(|d| !d.is_null()) {
        Some(d) => Some(variables::substitute(ctx, d).map_err(from_substitution)?),
        None => None,
    };
    let mut output = default.clone();
    if let Some(value) = variable.get("value").filter(|v| !v.is_null()) {
        let value = variables::substitute(ctx, value).map_err(from_substitution)?;
        match &path {
            Some(path) => match crate::jmespath::search(path, &value) {
                Ok(v) => output = Some(v),
                Err(e) if default.is_none() => return Err(invalid(e.to_string())),
                Err(_) => {}
            },
            None => output = Some(value),
        }
    } else if let Some(path) = &path {
        match ctx.query(path) {
            Ok(v) if !v.is_null() => output = Some(v),
            Ok(_) => {}
            Err(e @ QueryError::Unavailable(_)) => return Err(e),
            Err(e) if default.is_none() => return Err(invalid(e.to_string())),
            Err(_) => {}
        }
    }
    output
        .filter(|v| !v.is_null())
        .ok_or_else(|| invalid("it evaluated to nil".into()))
}
