//! Loading: from bytes on disk (or stdin) to Kubernetes objects whose pod
//! specs have been found and whose security contexts have been resolved.
//!
//! - [`yaml`] parses YAML and JSON into spanned [`Node`](palisade_model::Node)
//!   trees, resolving plain scalars as YAML 1.1 (the API server's dialect) and
//!   refusing alias bombs and deep nesting.
//! - [`kube`] turns documents into [`KubeObject`]s, unpacking `List` kinds.
//! - [`pod`] finds the pod spec in every workload kind and resolves each
//!   container's effective security context, once, for every control.
//! - [`dockerfile`] parses Dockerfiles and Containerfiles as BuildKit does.
//! - [`image`] reads container images without a daemon (`docker save`,
//!   OCI layouts, image configs, `docker inspect`).
//! - [`walk`] finds the files to scan.
//! - [`input`] reads a source and decides once what it is ([`Input`]).

pub mod dockerfile;
mod error;
pub mod host;
pub mod image;
pub mod input;
pub mod integrity;
pub mod json;
pub mod kube;
mod limits;
pub mod pod;
pub mod rendered;
mod scalar;
pub mod walk;
pub mod words;
pub mod yaml;

pub use error::LoadError;
pub use input::{Counts, Input, InputKind, Loaded};
pub use kube::{KubeObject, objects};
pub use limits::Limits;
pub use pod::{Container, ContainerKind, PodSpec, SecurityContext, Setting};
pub use yaml::{Document, Parsed, parse_documents};
