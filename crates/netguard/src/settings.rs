//! The one allow-list of the deployment, read the same way by every service
//! that checks or connects to a user-supplied destination: the gateway when
//! a monitor or webhook is saved, browser when it fetches, notify when it
//! delivers. One policy, so a destination accepted at creation is not refused
//! at delivery, and one production rule: opening networks there needs an
//! explicit confirmation, because it reopens the hole this crate closes.

use crate::error::PolicyError;
use crate::policy::Policy;

/// CIDRs opened on purpose, comma separated (`127.0.0.0/8, ::1/128`).
pub const ALLOW_NETWORKS: &str = "ALLOW_NETWORKS";
/// Must equal [`CONFIRMATION`] for a production deployment to open networks.
pub const ALLOW_NETWORKS_CONFIRM: &str = "ALLOW_NETWORKS_CONFIRM";
/// Long enough that nobody sets it by accident.
pub const CONFIRMATION: &str = "yes-i-understand";

/// The per-service names used before the policy was shared; still read so
/// that existing deployments keep their settings.
const FORMER_LISTS: [&str; 2] = ["BROWSER_ALLOW_NETWORKS", "NOTIFY_ALLOW_NETWORKS"];
const FORMER_CONFIRM: &str = "BROWSER_ALLOW_NETWORKS_CONFIRM";

/// Why the allow-list settings cannot be used. Messages name the variables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{name}: {source}")]
    Invalid {
        name: &'static str,
        #[source]
        source: PolicyError,
    },
    #[error(
        "BROWSER_ALLOW_NETWORKS and NOTIFY_ALLOW_NETWORKS differ; set {ALLOW_NETWORKS} once for every service"
    )]
    Conflicting,
    #[error(
        "{name} opens private networks, which production allows only with {ALLOW_NETWORKS_CONFIRM}={CONFIRMATION}"
    )]
    Unconfirmed { name: &'static str },
}

impl Policy {
    /// The deployment's policy from the environment (see the module docs).
    pub fn from_env(production: bool) -> Result<Self, SettingsError> {
        Self::from_settings(|name| std::env::var(name).ok(), production)
    }

    /// [`Self::from_env`] with another source of variables, for tests.
    pub fn from_settings(
        lookup: impl Fn(&str) -> Option<String>,
        production: bool,
    ) -> Result<Self, SettingsError> {
        let value = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let (name, list) = match value(ALLOW_NETWORKS) {
            Some(list) => (ALLOW_NETWORKS, list),
            None => {
                let former: Vec<(&'static str, String)> = FORMER_LISTS
                    .iter()
                    .filter_map(|name| value(name).map(|list| (*name, list)))
                    .collect();
                match former.as_slice() {
                    [] => return Ok(Self::strict()),
                    [(name, list)] => (*name, list.clone()),
                    [(name, first), (_, second)] if first == second => (*name, first.clone()),
                    _ => return Err(SettingsError::Conflicting),
                }
            }
        };
        let policy = Self::from_allow_list(&list)
            .map_err(|source| SettingsError::Invalid { name, source })?;
        let confirmed = [ALLOW_NETWORKS_CONFIRM, FORMER_CONFIRM]
            .iter()
            .any(|confirm| value(confirm).as_deref() == Some(CONFIRMATION));
        if production && !policy.allowed_networks().is_empty() && !confirmed {
            return Err(SettingsError::Unconfirmed { name });
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)], production: bool) -> Result<Policy, SettingsError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Policy::from_settings(
            |name| {
                pairs
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.clone())
            },
            production,
        )
    }

    #[test]
    fn nothing_set_is_the_strict_policy_everywhere() {
        assert_eq!(settings(&[], true).unwrap(), Policy::strict());
    }

    #[test]
    fn production_opens_networks_only_with_the_confirmation() {
        let error = settings(&[("ALLOW_NETWORKS", "10.0.0.0/8")], true).unwrap_err();
        assert_eq!(
            error.to_string(),
            "ALLOW_NETWORKS opens private networks, which production allows only with \
             ALLOW_NETWORKS_CONFIRM=yes-i-understand"
        );
        let confirmed = settings(
            &[
                ("ALLOW_NETWORKS", "10.0.0.0/8"),
                ("ALLOW_NETWORKS_CONFIRM", "yes-i-understand"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(confirmed.allowed_networks().len(), 1);
        assert!(settings(&[("ALLOW_NETWORKS", "10.0.0.0/8")], false).is_ok());
    }

    #[test]
    fn the_former_notify_list_follows_the_same_production_rule() {
        let error = settings(&[("NOTIFY_ALLOW_NETWORKS", "172.18.0.0/16")], true).unwrap_err();
        assert_eq!(
            error,
            SettingsError::Unconfirmed {
                name: "NOTIFY_ALLOW_NETWORKS"
            }
        );
    }

    #[test]
    fn former_per_service_lists_must_agree() {
        let same = settings(
            &[
                ("BROWSER_ALLOW_NETWORKS", "127.0.0.0/8"),
                ("NOTIFY_ALLOW_NETWORKS", "127.0.0.0/8"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(same.allowed_networks().len(), 1);
        let different = settings(
            &[
                ("BROWSER_ALLOW_NETWORKS", "127.0.0.0/8"),
                ("NOTIFY_ALLOW_NETWORKS", "10.0.0.0/8"),
            ],
            false,
        );
        assert_eq!(different.unwrap_err(), SettingsError::Conflicting);
    }

    #[test]
    fn a_bad_entry_names_its_variable() {
        let error = settings(&[("ALLOW_NETWORKS", "not-a-network")], false).unwrap_err();
        assert!(error.to_string().starts_with("ALLOW_NETWORKS: "), "{error}");
    }
}
