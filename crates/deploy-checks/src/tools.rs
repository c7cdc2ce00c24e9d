//! External tools the checks drive. A missing tool fails its check with the
//! way to install it (`scripts/check-deploy.sh` installs them all): a check
//! that passes by skipping would prove nothing.

use std::path::{Path, PathBuf};

/// The first executable called `name` on `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Finds `name`, or fails the check that needs it, saying how to get it.
pub fn require(name: &str, check: &str) -> PathBuf {
    find(name).unwrap_or_else(|| {
        panic!(
            "{check}: `{name}` is not installed; scripts/check-deploy.sh --tools-only installs it"
        )
    })
}

/// Whether the tests run as root (nginx then needs an explicit `user`).
pub fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}
