//! Exceptions: accepted risks that waive findings without hiding them.
//!
//! Two sources: the configuration's `exceptions:` list (scoped by control,
//! namespace, kind, name glob, labels, container and image glob, with a
//! justification, an owner, a ticket and an expiry date), and an annotation
//! on the resource itself, `palisade.dev/waive.<control-id>: "<reason>"`.
//! An expired exception no longer applies; it is reported, as is one that
//! matched nothing, so stale exceptions get renewed or removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use palisade_load::{KubeObject, PodSpec};
use palisade_model::{ExceptionNote, ExceptionProblem, Finding, Node, Waiver};

/// The annotation prefix of inline waivers.
pub const ANNOTATION_PREFIX: &str = "palisade.dev/waive.";

/// Whether a waiver's `source` says a resource's own annotation granted it
/// (rather than an exception of the configuration).
pub fn is_annotation_source(source: &str) -> bool {
    source
        .strip_prefix("annotation ")
        .is_some_and(|key| key.starts_with(ANNOTATION_PREFIX))
}

/// Whether `palisade.dev/waive.<control>` annotations waive findings.
///
/// Whoever writes an object writes its annotations: honouring them lets the
/// author waive the controls that judge the object. A scan reads manifests
/// that are reviewed where they are kept, so it may honour them; the
/// webhook ignores them unless `admission.annotation-waivers` enables them
/// for some namespaces, users or groups and controls, and then waives with
/// [`waive_by_annotation`] itself, request by request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AnnotationWaivers {
    /// An annotation with a non-empty reason waives its control's findings.
    #[default]
    Honoured,
    /// Annotations waive nothing.
    Ignored,
}

/// Waives each finding not waived yet whose control has a
/// `palisade.dev/waive.<control>: "<reason>"` annotation on `object` and is
/// accepted by `allowed`. `by` names who wrote the annotation, when known
/// (the admission request's user), and is kept as the waiver's owner.
/// Returns how many findings it waived.
pub fn waive_by_annotation(
    object: &KubeObject<'_>,
    findings: &mut [Finding],
    allowed: impl Fn(&str) -> bool,
    by: Option<&str>,
) -> usize {
    let annotations = object
        .metadata()
        .and_then(|m| m.get("annotations"))
        .map_or(&[][..], Node::entries);
    if annotations.is_empty() {
        return 0;
    }
    let mut waived = 0;
    for finding in findings.iter_mut().filter(|f| f.waiver.is_none()) {
        let Some(reason) = annotations
            .iter()
            .find(|e| e.key.strip_prefix(ANNOTATION_PREFIX) == Some(finding.control))
            .and_then(|e| e.value.as_str())
            .filter(|r| !r.trim().is_empty())
        else {
            continue;
        };
        if !allowed(finding.control) {
            continue;
        }
        finding.waiver = Some(Arc::new(Waiver {
            justification: reason.to_owned(),
            owner: by.map(str::to_owned),
            ticket: None,
            expires: None,
            source: format!("annotation {ANNOTATION_PREFIX}{}", finding.control),
        }));
        waived += 1;
    }
    waived
}

/// One exception, compiled.
#[derive(Debug)]
pub struct Exception {
    /// Where it was declared, e.g. `palisade.yaml:14:5`.
    pub source: String,
    pub(crate) controls: Vec<String>,
    pub(crate) namespaces: Vec<String>,
    pub(crate) kinds: Vec<String>,
    pub(crate) names: Vec<GlobMatcher>,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) containers: Vec<GlobMatcher>,
    pub(crate) images: Vec<GlobMatcher>,
    /// Its last day.
    pub expires: Option<Date>,
    pub(crate) waiver: Arc<Waiver>,
    uses: AtomicUsize,
}

/// What one compiled exception matches, and its waiver.
#[derive(Debug)]
pub struct ExceptionScope<'a> {
    pub controls: &'a [String],
    /// Empty: every namespace.
    pub namespaces: &'a [String],
    pub kinds: &'a [String],
    pub names: Vec<&'a str>,
    pub labels: &'a [(String, String)],
    pub containers: Vec<&'a str>,
    pub images: Vec<&'a str>,
    pub waiver: &'a Waiver,
}

/// What the configuration says of one exception, before compiling.
#[derive(Debug, Clone, Default)]
pub struct ExceptionSpec {
    pub source: String,
    pub controls: Vec<String>,
    pub namespaces: Vec<String>,
    pub kinds: Vec<String>,
    pub names: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub containers: Vec<String>,
    pub images: Vec<String>,
    pub justification: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub expires: Option<String>,
}

impl Exception {
    /// Compiles a spec; errors say which field is wrong.
    pub fn compile(spec: ExceptionSpec) -> Result<Exception, String> {
        let globs = |field: &str, patterns: &[String]| -> Result<Vec<GlobMatcher>, String> {
            patterns
                .iter()
                .map(|p| {
                    Glob::new(p)
                        .map(|g| g.compile_matcher())
                        .map_err(|e| format!("{field}: invalid glob `{p}`: {e}"))
                })
                .collect()
        };
        if spec.justification.trim().is_empty() {
            return Err("justification: an exception needs a justification".into());
        }
        if spec.controls.is_empty() {
            return Err("controls: name the controls the exception waives".into());
        }
        let scoped = !(spec.namespaces.is_empty()
            && spec.kinds.is_empty()
            && spec.names.is_empty()
            && spec.labels.is_empty()
            && spec.containers.is_empty()
            && spec.images.is_empty());
        if spec.controls.iter().any(|c| c == "*") && !scoped {
            return Err(
                "controls: `*` with no namespaces, kinds, names, labels, containers or images would waive every finding of every resource; scope it to the resources it is meant for"
                    .into(),
            );
        }
        let expires = spec
            .expires
            .as_deref()
            .map(|d| {
                d.parse::<Date>()
                    .map_err(|e| format!("expires: `{d}` is not a YYYY-MM-DD date: {e}"))
            })
            .transpose()?;
        Ok(Exception {
            names: globs("names", &spec.names)?,
            containers: globs("containers", &spec.containers)?,
            images: globs("images", &spec.images)?,
            controls: spec.controls,
            namespaces: spec.namespaces,
            kinds: spec.kinds,
            labels: spec.labels,
            expires,
            waiver: Arc::new(Waiver {
                justification: spec.justification,
                owner: spec.owner,
                ticket: spec.ticket,
                expires: spec.expires,
                source: spec.source.clone(),
            }),
            source: spec.source,
            uses: AtomicUsize::new(0),
        })
    }

    /// Whether it is still in force on `today` (its expiry day included).
    pub fn in_force(&self, today: Date) -> bool {
        self.expires.is_none_or(|e| today <= e)
    }

    /// How many findings it waived so far.
    pub fn uses(&self) -> usize {
        self.uses.load(Ordering::Relaxed)
    }

    /// What it matches and why it was granted, as written (for the read
    /// API's list of exceptions).
    pub fn describe(&self) -> ExceptionScope<'_> {
        fn patterns(list: &[GlobMatcher]) -> Vec<&str> {
            list.iter().map(|m| m.glob().glob()).collect()
        }
        ExceptionScope {
            controls: &self.controls,
            namespaces: &self.namespaces,
            kinds: &self.kinds,
            names: patterns(&self.names),
            labels: &self.labels,
            containers: patterns(&self.containers),
            images: patterns(&self.images),
            waiver: &self.waiver,
        }
    }

    fn matches(
        &self,
        object: Option<&KubeObject<'_>>,
        pod: Option<&PodSpec<'_>>,
        f: &Finding,
    ) -> bool {
        let any = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
        let globbed = |list: &[GlobMatcher], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|g| g.is_match(v)))
        };
        let labels = object
            .and_then(|o| o.metadata())
            .and_then(|m| m.get("labels"))
            .map_or(&[][..], Node::entries);
        // A container's finding is scoped by its image; a pod-level finding
        // by every image of the pod, so that one sidecar from elsewhere does
        // not inherit the waiver.
        let images_match = self.images.is_empty()
            || match (f.container.as_deref(), pod) {
                (Some(name), Some(pod)) => globbed(
                    &self.images,
                    pod.containers
                        .iter()
                        .find(|c| c.name == name)
                        .and_then(image_of),
                ),
                (None, Some(pod)) => {
                    !pod.containers.is_empty()
                        && pod
                            .containers
                            .iter()
                            .all(|c| globbed(&self.images, image_of(c)))
                }
                _ => false,
            };
        (self.controls.iter().any(|c| c == f.control || c == "*"))
            && any(
                &self.namespaces,
                f.resource.namespace.as_deref().unwrap_or(""),
            )
            && any(&self.kinds, &f.resource.kind)
            && globbed(&self.names, f.resource.name.as_deref())
            && self.labels.iter().all(|(k, v)| {
                labels
                    .iter()
                    .any(|e| &e.key == k && e.value.as_str() == Some(v.as_str()))
            })
            && globbed(&self.containers, f.container.as_deref())
            && images_match
    }
}

/// The exceptions of a policy set, with the day they are judged on.
#[derive(Debug, Default)]
pub struct Exceptions {
    /// Every configured exception.
    pub list: Vec<Exception>,
    /// The day expiry is judged on (today, unless a test pins it).
    pub today: Option<Date>,
}

impl Exceptions {
    /// Marks the findings of one object that an annotation (when
    /// `annotations` honours them) or an exception waives.
    pub(crate) fn apply(
        &self,
        object: Option<&KubeObject<'_>>,
        findings: &mut [Finding],
        annotations: AnnotationWaivers,
    ) {
        if findings.is_empty() {
            return;
        }
        if let (AnnotationWaivers::Honoured, Some(object)) = (annotations, object) {
            waive_by_annotation(object, findings, |_| true, None);
        }
        if self.list.is_empty() {
            return;
        }
        // Only exceptions match on the pod spec; most configurations have
        // none, and finding it again costs as much as a control.
        let pod = object.and_then(PodSpec::find);
        let today = self.today;
        for finding in findings.iter_mut().filter(|f| f.waiver.is_none()) {
            if let Some(exception) = self.list.iter().find(|e| {
                today.is_none_or(|t| e.in_force(t)) && e.matches(object, pod.as_ref(), finding)
            }) {
                exception.uses.fetch_add(1, Ordering::Relaxed);
                finding.waiver = Some(exception.waiver.clone());
            }
        }
    }

    /// Exceptions that need attention: expired, or matched nothing.
    pub fn notes(&self) -> Vec<ExceptionNote> {
        let mut notes = Vec::new();
        for e in &self.list {
            let expired = self.today.is_some_and(|t| !e.in_force(t));
            let problem = if expired {
                ExceptionProblem::Expired
            } else if e.uses() == 0 {
                ExceptionProblem::Unused
            } else {
                continue;
            };
            notes.push(ExceptionNote {
                source: e.source.clone(),
                problem,
                controls: e.controls.clone(),
                owner: e.waiver.owner.clone(),
                expires: e.waiver.expires.clone(),
                justification: e.waiver.justification.clone(),
            });
        }
        notes
    }
}

fn image_of<'a>(container: &palisade_load::Container<'a>) -> Option<&'a str> {
    container.node.get("image").and_then(Node::as_str)
}
