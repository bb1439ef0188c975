//! What a source is, decided once: every input the engine evaluates is an
//! [`Input`], whether it came from a file, a directory, standard input, or
//! (later) a host tree or a cluster. A new kind of input is one more variant
//! here and one more arm in the policy set's `evaluate`.

use std::path::Path;
use std::sync::Arc;

use palisade_model::ResourceRef;

use crate::dockerfile::{Dockerfile, parse_dockerfile};
use crate::host::{self, HostOptions, NodeFacts};
use crate::image::{self, Image, ImageOptions};
use crate::integrity::IntegrityCheck;
use crate::walk::{self, Source};
use crate::{Document, Limits, LoadError, objects, parse_documents};

/// One source's content, classified.
#[derive(Debug)]
pub enum Input {
    /// Kubernetes manifests: the YAML or JSON documents of one file.
    Manifests(Vec<Document>),
    /// A Dockerfile or Containerfile.
    Dockerfile(Dockerfile),
    /// Container images: a `docker save` or OCI tar, an OCI layout
    /// directory, an image config or `docker inspect` JSON. A tar that holds
    /// no image gives none.
    Images {
        /// The images.
        images: Vec<Image>,
        /// When the images were described in JSON: its documents, which
        /// user policies (Conftest) read as they read any JSON file.
        documents: Vec<Document>,
    },
    /// A host's node components (`palisade node scan`), read by
    /// [`crate::host::collect`] rather than from one file.
    Host(Box<NodeFacts>),
    /// What changed on a host since its file-integrity baseline (`palisade
    /// fim compare`), read by [`crate::integrity::check`].
    Integrity(Box<IntegrityCheck>),
}

/// The kinds of input, for what a control can judge and what a scan saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    Manifests,
    Dockerfile,
    Images,
    Host,
    Integrity,
}

impl Input {
    /// Its kind.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Manifests(_) => InputKind::Manifests,
            Input::Dockerfile(_) => InputKind::Dockerfile,
            Input::Images { .. } => InputKind::Images,
            Input::Host(_) => InputKind::Host,
            Input::Integrity(_) => InputKind::Integrity,
        }
    }
}

/// A source, read and classified, with what could not be read of it.
#[derive(Debug)]
pub struct Loaded {
    /// The name findings carry: the path as walked, or `-`.
    pub name: Arc<str>,
    /// The text of a manifest or a Dockerfile (reports quote its lines).
    pub text: Option<Arc<str>>,
    /// What it holds.
    pub input: Input,
    /// Errors with file, line and column; what parsed is still in `input`.
    pub errors: Vec<LoadError>,
}

/// What a source held, counted for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Documents parsed, Dockerfiles, images.
    pub documents: usize,
    /// Kubernetes objects (a `List`'s items one by one), Dockerfiles, images.
    pub resources: usize,
    /// Documents that are no Kubernetes object, and tars that hold no image.
    pub skipped: usize,
}

impl Loaded {
    /// How many documents, resources and skipped inputs it held: the same
    /// whether it is then evaluated or only parsed (`--parse-only`).
    pub fn counts(&self) -> Counts {
        match &self.input {
            Input::Manifests(documents) => {
                let mut counts = Counts {
                    documents: documents.len(),
                    ..Counts::default()
                };
                for document in documents {
                    match objects(&document.root).len() {
                        0 => counts.skipped += 1,
                        n => counts.resources += n,
                    }
                }
                counts
            }
            Input::Dockerfile(_) => Counts {
                documents: 1,
                resources: 1,
                skipped: 0,
            },
            Input::Images { images, .. } => Counts {
                documents: images.len(),
                resources: images.len(),
                skipped: usize::from(images.is_empty() && self.errors.is_empty()),
            },
            Input::Host(facts) => Counts {
                documents: 1,
                resources: facts.kubelets.len()
                    + facts.control_plane.len()
                    + usize::from(facts.docker.is_some()),
                skipped: 0,
            },
            Input::Integrity(_) => Counts {
                documents: 1,
                resources: 1,
                skipped: 0,
            },
        }
    }

    /// Every resource read, in order: each Kubernetes object (a `List`'s
    /// items one by one), the Dockerfile, each image. The same resources
    /// findings are about, so an audit event per resource can gather them.
    pub fn resources(&self) -> Vec<ResourceRef> {
        match &self.input {
            Input::Manifests(documents) => documents
                .iter()
                .flat_map(|d| objects(&d.root).into_iter().map(|o| o.resource()))
                .collect(),
            Input::Dockerfile(dockerfile) => vec![ResourceRef::dockerfile(&dockerfile.file)],
            Input::Images { images, .. } => images
                .iter()
                .map(|image| ResourceRef::image(&image.name()))
                .collect(),
            Input::Host(facts) => facts.resources(),
            Input::Integrity(check) => vec![check.resource()],
        }
    }
}

/// Reads and classifies a source: an image by its form (an OCI layout
/// directory, a `*.tar`), a Dockerfile by its name, anything else as YAML or
/// JSON manifests, and JSON that holds no Kubernetes object but has the
/// shape of an image config or `docker inspect` output as images.
pub fn load(source: &Source, limits: &Limits, images: &ImageOptions) -> Loaded {
    let name = source.name();
    match source {
        Source::ImageLayout(path) => return load_images(path, name, images),
        Source::File(path) if walk::is_image_archive_name(path) => {
            return load_images(path, name, images);
        }
        _ => {}
    }
    let text = match walk::read(source, limits) {
        Ok(text) => text,
        Err(error) => {
            return Loaded {
                name,
                text: None,
                input: Input::Manifests(Vec::new()),
                errors: vec![error],
            };
        }
    };
    if walk::is_dockerfile_name(Path::new(&*name)) {
        let parsed = parse_dockerfile(name.clone(), &text);
        return Loaded {
            name,
            text: Some(text.into()),
            input: Input::Dockerfile(parsed.dockerfile),
            errors: parsed.errors,
        };
    }
    let parsed = parse_documents(name.clone(), &text, limits);
    // Only JSON can describe an image; YAML files are never asked.
    let no_objects = || parsed.documents.iter().all(|d| objects(&d.root).is_empty());
    if is_json_name(&name) && no_objects() && image::json_shape(text.as_bytes()).is_some() {
        match image::from_json(name.clone(), text.as_bytes()) {
            Ok(images) => {
                return Loaded {
                    name,
                    text: None,
                    input: Input::Images {
                        images,
                        documents: parsed.documents,
                    },
                    errors: parsed.errors,
                };
            }
            Err(message) => {
                let mut errors = parsed.errors;
                errors.push(LoadError::file(name.clone(), message));
                return Loaded {
                    name,
                    text: None,
                    input: Input::Manifests(parsed.documents),
                    errors,
                };
            }
        }
    }
    Loaded {
        name,
        text: Some(text.into()),
        input: Input::Manifests(parsed.documents),
        errors: parsed.errors,
    }
}

/// Reads a host (`palisade node scan`): its facts, and what could not be
/// read of them as errors naming the file (the rest is still judged).
pub fn load_host(options: &HostOptions) -> Loaded {
    let facts = host::collect(options);
    let name: Arc<str> = Arc::from(facts.root.as_str());
    let errors = facts
        .kubelets
        .iter()
        .flat_map(|k| &k.config.problems)
        .chain(facts.docker.iter().flat_map(|d| &d.problems))
        .map(|problem| LoadError::file(name.clone(), problem.clone()))
        .collect();
    Loaded {
        name,
        text: None,
        input: Input::Host(Box::new(facts)),
        errors,
    }
}

/// A file-integrity compare as an input: named by its root, with what the
/// walk could not read as its errors.
pub fn load_integrity(check: IntegrityCheck) -> Loaded {
    let name: Arc<str> = Arc::from(check.root.as_str());
    let errors = check
        .problems
        .iter()
        .map(|problem| LoadError::file(name.clone(), problem.clone()))
        .collect();
    Loaded {
        name,
        text: None,
        input: Input::Integrity(Box::new(check)),
        errors,
    }
}

fn is_json_name(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// The images of a tar or an OCI layout directory (none: a tar that holds
/// no image).
fn load_images(path: &Path, name: Arc<str>, options: &ImageOptions) -> Loaded {
    let (images, errors) = match image::load(path, name.clone(), options) {
        Ok(images) => (images, Vec::new()),
        Err(error) => (Vec::new(), vec![error]),
    };
    Loaded {
        name,
        text: None,
        input: Input::Images {
            images,
            documents: Vec::new(),
        },
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, text: &str) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        load(
            &Source::File(path),
            &Limits::default(),
            &ImageOptions::default(),
        )
    }

    #[test]
    fn each_source_is_classified_once_by_name_and_shape() {
        let manifests = load_text(
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
        );
        assert!(matches!(&manifests.input, Input::Manifests(d) if d.len() == 1));
        assert_eq!(manifests.resources()[0].display_name(), "Pod/a");
        let counts = manifests.counts();
        assert_eq!(
            (counts.documents, counts.resources, counts.skipped),
            (1, 1, 0)
        );

        let dockerfile = load_text("Dockerfile", "FROM alpine\nUSER 10001\n");
        assert!(matches!(&dockerfile.input, Input::Dockerfile(d) if d.instructions.len() == 2));
        assert_eq!(dockerfile.resources()[0].kind, "Dockerfile");

        let config = load_text(
            "image.json",
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"#,
        );
        assert!(
            matches!(&config.input, Input::Images { images, documents } if images.len() == 1 && documents.len() == 1),
            "{config:?}"
        );
        assert!(config.text.is_none());

        // JSON that is neither an object nor an image stays manifests, with
        // no resource.
        let other = load_text("package.json", r#"{"name": "web"}"#);
        assert!(matches!(&other.input, Input::Manifests(d) if d.len() == 1));
        assert!(other.resources().is_empty());
        assert_eq!(other.counts().skipped, 1);

        let tar = load_text("notes.tar", "");
        assert!(
            matches!(&tar.input, Input::Images { images, .. } if images.is_empty()),
            "{tar:?}"
        );
        assert_eq!(tar.counts().skipped, usize::from(tar.errors.is_empty()));
    }

    #[test]
    fn an_unreadable_source_is_an_error_and_no_input() {
        let missing = load(
            &Source::File("/no/such/pod.yaml".into()),
            &Limits::default(),
            &ImageOptions::default(),
        );
        assert_eq!(missing.counts(), Counts::default());
        assert_eq!(missing.errors.len(), 1);
        assert_eq!(&*missing.errors[0].file, "/no/such/pod.yaml");
    }
}
