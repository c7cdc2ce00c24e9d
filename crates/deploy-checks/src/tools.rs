//! External tools the checks drive. A missing tool skips its check with a
//! loud message instead of failing: `scripts/check-deploy.sh` installs them.

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

/// Finds `name` or prints a banner saying the check was skipped and how to
/// get the tool. Callers return early on `None`.
pub fn require(name: &str, check: &str) -> Option<PathBuf> {
    let found = find(name);
    // scripts/check-deploy.sh installs every tool and sets this, so there a
    // missing tool is a failure, never a silent skip.
    if found.is_none() && std::env::var_os("DEPLOY_CHECKS_REQUIRE_TOOLS").is_some() {
        panic!(
            "{check}: `{name}` is required (DEPLOY_CHECKS_REQUIRE_TOOLS is set) but not installed"
        );
    }
    if found.is_none() {
        eprintln!(
            "\n==========\nSKIPPED: {check}\n  `{name}` is not installed. Run scripts/check-deploy.sh, which installs it.\n==========\n"
        );
    }
    found
}

/// Whether the tests run as root (nginx then needs an explicit `user`).
pub fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}
