//! Helpers for the deployment checks in `tests/`. The checks treat the
//! deployment files as a user would: they parse them, hand them to the real
//! tools (docker-compose, nginx, kubectl) and run nginx on loopback.
//!
//! - [`repo`]: where the repository is and reading its files.
//! - [`yaml`]: YAML documents as `yaml_serde::Value`, merge keys applied.
//! - [`compose`]: the production compose file and its rules' vocabulary.
//! - [`tools`]: finding external tools; a missing one fails its check.
//! - [`scratch`]: temporary directories removed on drop.
//! - [`scripts`]: running the repository's shell scripts in a scratch dir.
//! - [`echo`]: a stand-in upstream that answers with the request it received.
//! - [`nginx`]: the production nginx configuration, run on loopback.
//! - [`processes`]: the Lookout binaries as local production processes.

pub mod compose;
pub mod echo;
pub mod nginx;
pub mod processes;
pub mod repo;
pub mod scratch;
pub mod scripts;
pub mod tools;
pub mod yaml;
