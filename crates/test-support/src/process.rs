//! System binaries started for tests.
//!
//! Servers shared through a `static` are never dropped, so each child runs
//! under a small shell watchdog that stops it and removes its directory as
//! soon as the test process is gone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Finds `name` on PATH or in the given extra directories.
pub fn find_binary(name: &str, extra_dirs: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra_dirs.iter().cloned())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A binary of this workspace (`lookout-gateway`, …): cargo puts it in
/// `target/<profile>/`, next to the test executable's `deps/` folder, whatever
/// the target directory is. A missing one fails the test with how to build it.
pub fn workspace_binary(name: &str) -> PathBuf {
    let profile_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()));
    let Some(path) = profile_dir.map(|dir| dir.join(name)) else {
        panic!("the test executable's folder is unknown, so {name} cannot be found");
    };
    assert!(
        path.is_file(),
        "{} not found: build the services first with `cargo build --workspace --bins` (make test does)",
        path.display()
    );
    path
}

/// Starts `command` (a shell command line) in the background; when the
/// current process exits, the command is terminated and `cleanup_dir`
/// removed.
pub fn spawn_tied_to_this_process(command: &str, cleanup_dir: &Path) -> std::io::Result<()> {
    let script = format!(
        "{command} & child=$!; \
         while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done; \
         kill -TERM $child 2>/dev/null; wait $child 2>/dev/null; rm -rf '{dir}'",
        parent = std::process::id(),
        dir = cleanup_dir.display(),
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
}

/// Runs `command` to completion; a failure panics with `what` and the
/// command's standard error.
pub fn run_to_success(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what} could not run: {error}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// True when running as root, where PostgreSQL refuses to start and must be
/// run as the `postgres` system user.
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A fresh temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    dir
}
