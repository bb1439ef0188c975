//! Bounds on what one input may cost: a scanner must survive hostile files.

/// Input limits. The defaults accept any real manifest (Helm charts render to
/// a few MB; CRDs nest about 30 deep) and refuse what can only be an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file or stdin read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes that alias expansion may add to one document. The API
    /// server refuses "excessive aliasing" too (a billion-laughs document
    /// expands 9^9 times).
    pub max_alias_nodes: usize,
    /// Most nodes in one document, aliases included.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 256,
            max_alias_nodes: 100_000,
            max_nodes: 10_000_000,
        }
    }
}
