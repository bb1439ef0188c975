//! Compliance frameworks.
