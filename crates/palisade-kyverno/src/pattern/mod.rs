//! Kyverno's validate patterns: the walk over a resource with anchors
//! (`walk`), the anchors themselves (`anchor`), and how one scalar value
//! matches a pattern value (`value`), with Go's number formatting
//! (`golang`); durations and quantities are the crate's `duration` and
//! `quantity`, shared with the JMESPath functions.
pub mod anchor;
pub mod golang;
pub mod value;
pub mod walk;
