//! The base image of each build stage, as the three base-image controls see
//! it: `FROM scratch` and `FROM <earlier stage>` are not images; global
//! `ARG`s are substituted; a build argument with no value (no default, or
//! an empty one) is only known at build time, so the parts of the reference
//! it touches are unknown and nothing is concluded about them.

use std::ops::Range;

use palisade_load::dockerfile::{Dockerfile, Stage, Variables};

use super::args;
use crate::workload::image::Image;

/// Stands in for an unresolved build argument when parsing: valid as a
/// registry, a path component and a tag, and holding none of `/`, `:`, `@`.
const PLACEHOLDER: &str = "x";

/// A stage's base image.
#[derive(Debug)]
pub(crate) struct BaseImage<'a> {
    /// Index of the `FROM` in [`Dockerfile::instructions`].
    pub(crate) index: usize,
    /// As written (`${REGISTRY}/app:${TAG:-1.2}`).
    pub(crate) written: &'a str,
    /// Known arguments substituted, unknown ones as written.
    pub(crate) shown: String,
    /// Known arguments substituted, unknown ones replaced by [`PLACEHOLDER`].
    parsed: String,
    /// Where the placeholders are in `parsed`.
    unknown: Vec<Range<usize>>,
}

impl BaseImage<'_> {
    /// The reference, parsed (with placeholders for unknown arguments).
    pub(crate) fn image(&self) -> Image<'_> {
        Image::parse(&self.parsed)
    }

    /// Whether every build argument in it has a value.
    pub(crate) fn resolved(&self) -> bool {
        self.unknown.is_empty()
    }

    /// Whether the tag and digest are known: no unknown argument after the
    /// last `/`, or a literal `@digest` there.
    pub(crate) fn tag_known(&self) -> bool {
        let last = self.parsed.rfind('/').map_or(0, |i| i + 1);
        let tail = self.parsed.get(last..).unwrap_or("");
        tail.contains('@') || self.unknown.iter().all(|r| r.end <= last)
    }

    /// Whether the registry and repository are known: no unknown argument
    /// before the tag or digest.
    pub(crate) fn name_known(&self) -> bool {
        let last = self.parsed.rfind('/').map_or(0, |i| i + 1);
        let name_end = self
            .parsed
            .get(last..)
            .and_then(|tail| tail.find([':', '@']))
            .map_or(self.parsed.len(), |i| last + i);
        self.unknown.iter().all(|r| r.start > name_end)
    }

    /// `"debian"`, or `"debian" (written "${BASE}")` when arguments were
    /// substituted, for messages.
    pub(crate) fn describe(&self) -> String {
        if self.shown == self.written {
            format!("{:?}", self.shown)
        } else {
            format!("{:?} (written {:?})", self.shown, self.written)
        }
    }
}

/// The base image of every stage that is built from an image (not
/// `scratch`, not an earlier stage), in order.
pub(crate) fn base_images(dockerfile: &Dockerfile) -> Vec<BaseImage<'_>> {
    let mut globals = Variables::default();
    for instruction in dockerfile
        .instructions
        .iter()
        .take_while(|i| i.keyword != "FROM")
    {
        globals.declare(instruction, &Variables::default());
    }
    dockerfile
        .stages
        .iter()
        .map(|stage| (stage, substitute(stage, &globals)))
        .filter(|(stage, image)| {
            let name = image.shown.to_ascii_lowercase();
            let earlier_stage = || {
                dockerfile
                    .stages
                    .iter()
                    .take(stage.index)
                    .any(|s| s.name.as_deref() == Some(name.as_str()))
            };
            !(image.resolved() && (name == "scratch" || earlier_stage()))
        })
        .map(|(_, image)| image)
        .collect()
}

/// Substitutes the global `ARG`s in a stage's base image, keeping track of
/// the ones that have no value.
fn substitute<'a>(stage: &'a Stage, globals: &Variables) -> BaseImage<'a> {
    let text = args::substitute(&stage.base, globals, PLACEHOLDER);
    BaseImage {
        index: stage.from,
        written: &stage.base,
        shown: text.shown,
        parsed: text.parsed,
        unknown: text.unknown,
    }
}

#[cfg(test)]
mod tests {
    use palisade_load::dockerfile::parse_dockerfile;

    use super::base_images;

    /// `(shown, resolved, tag_known, name_known)` of every base image.
    fn bases(text: &str) -> Vec<(String, bool, bool, bool)> {
        let d = parse_dockerfile("Dockerfile".into(), text).dockerfile;
        base_images(&d)
            .iter()
            .map(|b| (b.shown.clone(), b.resolved(), b.tag_known(), b.name_known()))
            .collect()
    }

    #[test]
    fn stages_scratch_and_arguments() {
        let text = "ARG REGISTRY\nARG TAG=1.2\nARG EMPTY=\nFROM golang:1.23 AS Build\nFROM build\nFROM SCRATCH\nFROM ${REGISTRY}/app:$TAG\nFROM ghcr.io/acme/app:${VERSION}\nFROM $EMPTY\nFROM ${REGISTRY}/app@sha256:0123\nFROM $NOPE AS x\nFROM x\nFROM ${TAG:+debian}:${TAG}\n";
        assert_eq!(
            bases(text),
            [
                ("golang:1.23".to_owned(), true, true, true),
                ("${REGISTRY}/app:1.2".to_owned(), false, true, false),
                ("ghcr.io/acme/app:${VERSION}".to_owned(), false, false, true),
                ("$EMPTY".to_owned(), false, false, false),
                ("${REGISTRY}/app@sha256:0123".to_owned(), false, true, false),
                ("$NOPE".to_owned(), false, false, false),
                // `FROM x` names the earlier stage `x` (BuildKit compares
                // names, not what they were built from).
                ("debian:1.2".to_owned(), true, true, true),
            ]
        );
    }
}
