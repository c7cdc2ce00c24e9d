//! The edge's settings, read from the environment with the rest of
//! [`crate::config::Config`].
//!
//! Each variable, its default and its meaning are documented once, in the
//! README's configuration reference (a test keeps the two in step).
//!
//! A rate is `N/s`, `N/min` or `N/h` (`N/sec`, `N/minute`, `N/hour` too).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;
use mesh::config::{ConfigError, Environment, env_list, env_parse, env_string};

/// `count` requests per `period`, with bursts up to `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub count: u32,
    pub period: Duration,
}

impl Quota {
    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            period: Duration::from_secs(60),
        }
    }
}

impl FromStr for Quota {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (count, unit) = value
            .split_once('/')
            .ok_or_else(|| format!("{value:?} is not a rate like 10/min"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{count:?} is not a positive count"))?;
        if count == 0 {
            return Err("the count must be at least 1".to_owned());
        }
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            other => return Err(format!("unknown period {other:?}: use s, min or h")),
        };
        Ok(Self {
            count,
            period: Duration::from_secs(seconds),
        })
    }
}

/// One quota per route class (see [`super::rate_limit::RouteClass`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub sign_in: Quota,
    pub expensive: Quota,
    pub write: Quota,
    pub read: Quota,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            // Sign-in is a redirect dance; a person needs a handful a minute.
            sign_in: Quota::per_minute(10),
            // Each one fetches a page or sends a message on the user's behalf.
            expensive: Quota::per_minute(10),
            write: Quota::per_minute(120),
            // A UI page load makes a few reads; scripts poll.
            read: Quota::per_minute(1200),
        }
    }
}

/// Which cross-origin callers browsers may let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No CORS headers at all: same-origin only (the default; nginx serves
    /// the UI from the API's origin).
    None,
    /// `*`, development only, never with credentials.
    Any,
    /// Exact origins, with credentials allowed.
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct EdgeSettings {
    pub trusted_proxies: Vec<IpNet>,
    /// Empty means any host (development).
    pub trusted_hosts: Vec<String>,
    pub cors_origins: CorsOrigins,
    pub rate_limits: RateLimits,
    pub redis_timeout: Duration,
    pub request_timeout: Duration,
    pub max_concurrent_requests: usize,
    /// `None`: no metrics listener.
    pub metrics_addr: Option<SocketAddr>,
    /// The built web UI, served for paths outside `/api` and `/auth`.
    pub web_dist_dir: Option<PathBuf>,
}

pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

impl EdgeSettings {
    /// Settings for tests and embedding: no proxies, any host, no CORS,
    /// default limits, no metrics listener, no UI.
    pub fn development() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            trusted_hosts: Vec::new(),
            cors_origins: CorsOrigins::None,
            rate_limits: RateLimits::default(),
            // Loopback Redis answers in well under a millisecond; a quarter
            // second means it is gone or overloaded.
            redis_timeout: Duration::from_millis(250),
            request_timeout: Duration::from_secs(30),
            // Each request holds at most one database connection and a
            // few KiB; 512 in flight is far past what 2 cores serve well.
            max_concurrent_requests: 512,
            metrics_addr: None,
            web_dist_dir: None,
        }
    }

    pub fn from_env(environment: Environment) -> Result<Self, ConfigError> {
        let trusted_proxies = env_list("TRUSTED_PROXIES")
            .iter()
            .map(|cidr| parse_network(cidr))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| ConfigError::invalid("TRUSTED_PROXIES", error))?;
        let trusted_hosts: Vec<String> = env_list("TRUSTED_HOSTS")
            .into_iter()
            .map(|host| host.to_ascii_lowercase())
            .collect();
        if trusted_hosts.iter().any(|host| host == "*") && environment.is_production() {
            return Err(ConfigError::invalid(
                "TRUSTED_HOSTS",
                "`*` is refused in production: list the public host names",
            ));
        }
        let cors_origins = cors_origins(env_list("CORS_ORIGINS"), environment)?;
        let defaults = Self::development();
        let rate_limits = RateLimits {
            sign_in: env_parse("RATE_LIMIT_SIGN_IN", defaults.rate_limits.sign_in)?,
            expensive: env_parse("RATE_LIMIT_EXPENSIVE", defaults.rate_limits.expensive)?,
            write: env_parse("RATE_LIMIT_WRITE", defaults.rate_limits.write)?,
            read: env_parse("RATE_LIMIT_READ", defaults.rate_limits.read)?,
        };
        let redis_timeout = Duration::from_millis(env_parse("RATE_LIMIT_REDIS_TIMEOUT_MS", 250)?);
        let request_timeout = Duration::from_secs(env_parse("REQUEST_TIMEOUT_SECONDS", 30)?);
        if request_timeout.is_zero() {
            return Err(ConfigError::invalid(
                "REQUEST_TIMEOUT_SECONDS",
                "must be at least 1",
            ));
        }
        let max_concurrent_requests = env_parse("MAX_CONCURRENT_REQUESTS", 512)?;
        if max_concurrent_requests == 0 {
            return Err(ConfigError::invalid(
                "MAX_CONCURRENT_REQUESTS",
                "must be at least 1",
            ));
        }
        let metrics_addr = match env_string("METRICS_ADDR").as_deref() {
            Some("off") | Some("none") => None,
            Some(addr) => Some(addr.parse().map_err(|error| {
                ConfigError::invalid(
                    "METRICS_ADDR",
                    format!("{error} (expected host:port or off)"),
                )
            })?),
            None => DEFAULT_METRICS_ADDR.parse().ok(),
        };
        let web_dist_dir = match env_string("WEB_DIST_DIR") {
            Some(dir) => Some(PathBuf::from(dir)),
            // nginx serves the UI in production.
            None if environment.is_production() => None,
            None => Some(PathBuf::from("web/dist")).filter(|dir| dir.join("index.html").is_file()),
        };
        Ok(Self {
            trusted_proxies,
            trusted_hosts,
            cors_origins,
            rate_limits,
            redis_timeout,
            request_timeout,
            max_concurrent_requests,
            metrics_addr,
            web_dist_dir,
        })
    }
}

/// A CIDR, or a bare address meaning just that host.
fn parse_network(value: &str) -> Result<IpNet, String> {
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{value:?} is not a CIDR or an IP address"))
}

fn cors_origins(
    origins: Vec<String>,
    environment: Environment,
) -> Result<CorsOrigins, ConfigError> {
    if origins.is_empty() {
        return Ok(CorsOrigins::None);
    }
    if origins.iter().any(|origin| origin == "*") {
        if environment.is_production() {
            return Err(ConfigError::invalid(
                "CORS_ORIGINS",
                "`*` is refused in production: list the origins of your UI",
            ));
        }
        return Ok(CorsOrigins::Any);
    }
    for origin in &origins {
        let url = url::Url::parse(origin).map_err(|_| {
            ConfigError::invalid("CORS_ORIGINS", format!("{origin:?} is not an origin"))
        })?;
        let bare = url.path() == "/" && url.query().is_none() && !origin.ends_with('/');
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
            return Err(ConfigError::invalid(
                "CORS_ORIGINS",
                format!("{origin:?} is not an origin like https://app.example.com"),
            ));
        }
        if environment.is_production() && url.scheme() != "https" {
            return Err(ConfigError::invalid(
                "CORS_ORIGINS",
                format!("{origin:?} must use https in production"),
            ));
        }
    }
    Ok(CorsOrigins::List(origins))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_count_per_period() {
        assert_eq!("10/min".parse::<Quota>(), Ok(Quota::per_minute(10)));
        assert_eq!(
            "5/s".parse::<Quota>().map(|quota| quota.period),
            Ok(Duration::from_secs(1))
        );
        assert!("0/min".parse::<Quota>().is_err());
        assert!("ten/min".parse::<Quota>().is_err());
        assert!("10/week".parse::<Quota>().is_err());
    }

    #[test]
    fn production_refuses_a_wildcard_origin() {
        assert!(cors_origins(vec!["*".to_owned()], Environment::Production).is_err());
        assert_eq!(
            cors_origins(vec!["*".to_owned()], Environment::Development),
            Ok(CorsOrigins::Any)
        );
    }

    #[test]
    fn origins_are_scheme_and_host_only() {
        let development = Environment::Development;
        assert!(cors_origins(vec!["https://app.example.com".to_owned()], development).is_ok());
        assert!(
            cors_origins(vec!["https://app.example.com/path".to_owned()], development).is_err()
        );
        assert!(cors_origins(vec!["app.example.com".to_owned()], development).is_err());
        assert!(
            cors_origins(
                vec!["http://app.example.com".to_owned()],
                Environment::Production
            )
            .is_err()
        );
    }

    #[test]
    fn proxies_are_networks_or_addresses() {
        assert!(parse_network("10.0.0.0/8").is_ok());
        assert!(parse_network("127.0.0.1").is_ok());
        assert!(parse_network("nonsense").is_err());
    }
}
