//! Control parameters: the values a team tunes (allowed registries,
//! forbidden host paths, ...) without touching the check.
//!
//! Every parameter is a list of strings. A control declares its parameters
//! with their defaults; a configuration may replace a list, and naming a
//! parameter the control does not declare is an error.

use crate::Control;

/// A parameter a control declares.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Kebab-case name, as written in `palisade.yaml`.
    pub name: &'static str,
    /// One sentence on what it changes.
    pub doc: &'static str,
    /// The value when the configuration does not set it.
    pub default: &'static [&'static str],
}

/// The parameter values one control runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: Vec<(&'static str, Vec<String>)>,
}

/// A parameter the control does not declare.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("control `{control}` has no parameter `{name}`{}", expected(.known))]
pub struct ParamError {
    /// The control.
    pub control: &'static str,
    /// The unknown name.
    pub name: String,
    /// The parameters it does declare.
    pub known: Vec<&'static str>,
}

fn expected(known: &[&str]) -> String {
    if known.is_empty() {
        " (it takes none)".to_owned()
    } else {
        format!(" (expected one of: {})", known.join(", "))
    }
}

impl Params {
    /// The control's defaults.
    pub fn defaults(control: &Control) -> Self {
        Params {
            values: control
                .params
                .iter()
                .map(|p| (p.name, p.default.iter().map(|v| (*v).to_owned()).collect()))
                .collect(),
        }
    }

    /// Replaces one parameter's value.
    ///
    /// ```
    /// use palisade_controls::{registry, Params};
    /// let control = registry::find("image-registry-not-allowed").unwrap();
    /// let mut params = Params::defaults(control);
    /// params.set(control, "allowed-registries", vec!["ghcr.io/acme".into()]).unwrap();
    /// assert_eq!(params.list("allowed-registries"), ["ghcr.io/acme"]);
    /// assert!(params.set(control, "registries", vec![]).is_err());
    /// ```
    pub fn set(
        &mut self,
        control: &Control,
        name: &str,
        value: Vec<String>,
    ) -> Result<(), ParamError> {
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some((_, slot)) => {
                *slot = value;
                Ok(())
            }
            None => Err(ParamError {
                control: control.meta.id,
                name: name.to_owned(),
                known: control.params.iter().map(|p| p.name).collect(),
            }),
        }
    }

    /// A parameter's value (empty for a name the control does not declare).
    pub fn list(&self, name: &str) -> &[String] {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}
