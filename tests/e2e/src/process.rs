//! Service binaries as child processes: the launcher's own (`dev-mesh`), so
//! the suite starts, kills and restarts services the way `make dev` runs them.

use std::path::Path;

pub use dev_mesh::ServiceProcess;

/// Starts one of the workspace's service binaries (built next to the test)
/// with exactly `env`, logging to `log_dir`.
pub fn start(binary_name: &str, env: &[(String, String)], log_dir: &Path) -> ServiceProcess {
    let binary = test_support::process::workspace_binary(binary_name);
    let bin_dir = binary.parent().expect("a binary has a folder");
    ServiceProcess::start(bin_dir, binary_name, env.to_vec(), false, log_dir)
        .unwrap_or_else(|error| panic!("{binary_name} did not start: {error}"))
}
