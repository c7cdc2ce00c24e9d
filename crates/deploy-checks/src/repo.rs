//! The repository root and its files.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The workspace root: this crate lives in `crates/deploy-checks`.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// A path inside the repository.
pub fn path(relative: &str) -> PathBuf {
    root().join(relative)
}

/// Reads a repository file as text.
pub fn read(relative: &str) -> anyhow::Result<String> {
    let path = path(relative);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}
