//! Running the repository's scripts the way an operator does.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use anyhow::{Context, bail};

use crate::repo;

/// Runs `scripts/<name>` with `dir` as the working directory and extra
/// environment, returning its output whether it succeeded or not.
pub fn run(name: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<Output> {
    let script = repo::path("scripts").join(name);
    let mut command = Command::new("bash");
    command.arg(&script).args(args).current_dir(dir);
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .output()
        .with_context(|| format!("running {}", script.display()))
}

/// Like [`run`], but fails with the script's output when it exits non-zero.
pub fn run_ok(
    name: &str,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<Output> {
    let output = run(name, dir, args, env)?;
    if !output.status.success() {
        bail!(
            "{name} failed: {}\nstdout:\n{}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output)
}

/// Copies `.env.example` into `dir` and runs `generate-keys.sh` there;
/// returns the generated `.env` parsed.
pub fn generate_env(dir: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    std::fs::copy(repo::path(".env.example"), dir.join(".env.example"))?;
    run_ok("generate-keys.sh", dir, &[], &[])?;
    read_env(&dir.join(".env"))
}

/// Parses a `KEY=VALUE` env file (comments and blank lines ignored).
pub fn read_env(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(parse_env(&text))
}

/// Parses `KEY=VALUE` lines; the last assignment of a name wins.
pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.to_owned()))
        .collect()
}

/// Sets `KEY=VALUE` in an env file, replacing an existing assignment.
pub fn set_env_value(path: &Path, key: &str, value: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let prefix = format!("{key}=");
    let mut found = false;
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with(&prefix) {
                found = true;
                format!("{key}={value}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    if !found {
        lines.push(format!("{key}={value}"));
    }
    std::fs::write(path, lines.join("\n") + "\n")?;
    Ok(())
}
