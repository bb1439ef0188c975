//! Builders that Palisade's tests share. Test-only (`publish = false`,
//! only ever a dev-dependency): they panic on I/O errors, which in memory
//! do not happen.

pub mod browser;
pub mod cosign;
pub mod host;
pub mod image;
pub mod registry;
