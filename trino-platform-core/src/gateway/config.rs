//! `gateway.yaml`: everything the gateway server needs, validated at load.
//!
//! Unknown keys are rejected with their path. `${ENV:NAME}` anywhere in the file is replaced by
//! the environment variable `NAME` before parsing (an unset variable is an error), so secrets
//! (store password, admin tokens, cookie key) stay out of the file. Durations are humantime
//! strings (`10s`, `5m`). See `examples/gateway.yaml` for a commented example.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::GatewayAuthConfig;
use crate::cluster::{ClusterName, ClusterSpec, RoutingGroup};
use crate::error::{Error, Result};
use crate::routing::{RouterConfig, SelectionPolicy, StickyConfig};

/// The whole gateway configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayConfig {
    /// Where to listen.
    #[serde(default)]
    pub listen: ListenConfig,
    /// Cluster store URL (`sqlite://…` or `postgres://…`); default: `gateway.db` next to the
    /// process (the CLI passes a file in the user's data directory).
    #[serde(default)]
    pub store: Option<SecretString>,
    /// Clusters registered at start when missing (existing registrations are left alone).
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
    /// How requests are routed.
    #[serde(default)]
    pub routing: RoutingConfig,
    /// How clusters are probed.
    #[serde(default)]
    pub health: HealthConfig,
    /// Proxy timeouts and limits.
    #[serde(default)]
    pub proxy: ProxyConfig,
    /// Who may use the admin API.
    #[serde(default)]
    pub admin: AdminConfig,
    /// Bearer-token authentication of the Trino traffic (off unless set).
    #[serde(default)]
    pub auth: Option<GatewayAuthConfig>,
}

/// Listeners. At least one must be set.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListenConfig {
    /// Plain HTTP address (default `0.0.0.0:8080`; `null` turns it off).
    #[serde(default = "default_http")]
    pub http: Option<SocketAddr>,
    /// HTTPS listener (off unless set).
    #[serde(default)]
    pub https: Option<HttpsConfig>,
}

fn default_http() -> Option<SocketAddr> {
    Some(SocketAddr::from(([0, 0, 0, 0], 8080)))
}

impl Default for ListenConfig {
    fn default() -> Self {
        Self { http: default_http(), https: None }
    }
}

/// The HTTPS listener: PEM files, reloaded when they change on disk.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpsConfig {
    /// Address (default `0.0.0.0:8443`).
    #[serde(default = "default_https")]
    pub address: SocketAddr,
    /// PEM certificate chain.
    pub certificate: PathBuf,
    /// PEM private key.
    pub private_key: PathBuf,
}

fn default_https() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 8443))
}

/// Routing settings (see [`crate::routing`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoutingConfig {
    /// Typed rules file, reloaded when it changes (a bad new file keeps the old rules).
    #[serde(default)]
    pub rules_file: Option<PathBuf>,
    /// trino-gateway MVEL rules file, imported at start (instead of `rulesFile`).
    #[serde(default)]
    pub trino_gateway_rules_file: Option<PathBuf>,
    /// Group for requests no rule matches.
    #[serde(default)]
    pub default_group: RoutingGroup,
    /// Group to try when the chosen one has no healthy, active cluster.
    #[serde(default)]
    pub fallback_group: Option<RoutingGroup>,
    /// Let clients pick a group with `X-Trino-Routing-Group`.
    #[serde(default)]
    pub honor_routing_group_header: bool,
    /// Selection inside a group.
    #[serde(default)]
    pub policy: SelectionPolicy,
    /// Weights for the weighted policy.
    #[serde(default)]
    pub weights: std::collections::HashMap<ClusterName, u32>,
    /// Routes held in memory.
    #[serde(default = "default_sticky_capacity")]
    pub sticky_capacity: usize,
    /// How long memory keeps a route.
    #[serde(default = "default_sticky_ttl", with = "crate::duration")]
    pub sticky_ttl: Duration,
    /// Key of the OAuth2 pin cookie, shared by replicas (32+ bytes); random per process if unset.
    #[serde(default)]
    pub oauth2_cookie_secret: Option<SecretString>,
    /// How long a follow-up whose query id neither memory nor the store knows waits for the
    /// route to reach the store, polling it, before the 404 (default 500ms; `0s` answers at
    /// once). Another replica writes the routes it learns in the background, so a client that
    /// sends its first follow-up to another replica can be a few milliseconds ahead of the write.
    #[serde(default = "default_unknown_query_wait", with = "crate::duration")]
    pub unknown_query_wait: Duration,
}

fn default_sticky_capacity() -> usize {
    StickyConfig::default().capacity
}

fn default_sticky_ttl() -> Duration {
    StickyConfig::default().ttl
}

fn default_unknown_query_wait() -> Duration {
    Duration::from_millis(500)
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            rules_file: None,
            trino_gateway_rules_file: None,
            default_group: RoutingGroup::adhoc(),
            fallback_group: None,
            honor_routing_group_header: false,
            policy: SelectionPolicy::default(),
            weights: Default::default(),
            sticky_capacity: default_sticky_capacity(),
            sticky_ttl: default_sticky_ttl(),
            oauth2_cookie_secret: None,
            unknown_query_wait: default_unknown_query_wait(),
        }
    }
}

impl RoutingConfig {
    /// The router's configuration.
    pub fn router_config(&self) -> RouterConfig {
        use secrecy::ExposeSecret;
        RouterConfig {
            default_group: self.default_group.clone(),
            fallback_group: self.fallback_group.clone(),
            honor_routing_group_header: self.honor_routing_group_header,
            policy: self.policy,
            weights: self.weights.clone(),
            sticky: StickyConfig { capacity: self.sticky_capacity, ttl: self.sticky_ttl },
            oauth2_cookie_secret: self
                .oauth2_cookie_secret
                .as_ref()
                .map(|s| secrecy::SecretSlice::from(s.expose_secret().as_bytes().to_vec())),
            ..RouterConfig::default()
        }
    }
}

/// Health probing of each cluster's `/v1/info`, and its queued and running counts from the
/// Web UI's `/ui/api/stats` (after a form login as `user`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthConfig {
    /// Time between probes (default 5s).
    #[serde(default = "default_interval", with = "crate::duration")]
    pub interval: Duration,
    /// Time a probe may take (default 3s).
    #[serde(default = "default_probe_timeout", with = "crate::duration")]
    pub timeout: Duration,
    /// Failed probes in a row that take a healthy cluster out of rotation (default 2).
    #[serde(default = "default_failures")]
    pub failure_threshold: u32,
    /// Good probes in a row that bring an unhealthy cluster back (default 2).
    #[serde(default = "default_successes")]
    pub success_threshold: u32,
    /// The user the monitor logs into each cluster's Web UI as (and sends as `X-Trino-User`),
    /// default `trino-platform-gateway`.
    #[serde(default = "default_health_user")]
    pub user: String,
    /// That user's password, for clusters whose Web UI checks passwords (use `${ENV:NAME}`;
    /// Trino accepts passwords only over HTTPS). Without one the login sends an empty password,
    /// as Trino's insecure (no password) authentication expects.
    #[serde(default)]
    pub password: Option<SecretString>,
}

fn default_interval() -> Duration {
    Duration::from_secs(5)
}
fn default_probe_timeout() -> Duration {
    Duration::from_secs(3)
}
fn default_failures() -> u32 {
    2
}
fn default_successes() -> u32 {
    2
}
fn default_health_user() -> String {
    "trino-platform-gateway".to_owned()
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            interval: default_interval(),
            timeout: default_probe_timeout(),
            failure_threshold: default_failures(),
            success_threshold: default_successes(),
            user: default_health_user(),
            password: None,
        }
    }
}

/// Proxy limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyConfig {
    /// Time to connect to a cluster (default 5s).
    #[serde(default = "default_connect_timeout", with = "crate::duration")]
    pub connect_timeout: Duration,
    /// Time a cluster may take to start answering a request (default 60s; Trino long-polls
    /// for at most a few seconds per page).
    #[serde(default = "default_response_timeout", with = "crate::duration")]
    pub response_timeout: Duration,
    /// Time a cluster may go without sending the next part of a response body once it has
    /// started answering (default 60s). A stalled body is cut off: the client's response ends
    /// with an error instead of hanging.
    #[serde(default = "default_body_idle_timeout", with = "crate::duration")]
    pub body_idle_timeout: Duration,
    /// Largest request header block accepted, in bytes (default 64 KiB).
    #[serde(default = "default_max_header_bytes")]
    pub max_header_bytes: usize,
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(5)
}
fn default_response_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_body_idle_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_max_header_bytes() -> usize {
    64 * 1024
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self {
            connect_timeout: default_connect_timeout(),
            response_timeout: default_response_timeout(),
            body_idle_timeout: default_body_idle_timeout(),
            max_header_bytes: default_max_header_bytes(),
        }
    }
}

/// Admin API access: bearer tokens and/or basic users. With neither, the admin API answers 401
/// to everyone, unless `open: true` says it needs no credentials.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve the admin API without credentials (for a trusted network only).
    #[serde(default)]
    pub open: bool,
    /// Accepted bearer tokens.
    #[serde(default)]
    pub tokens: Vec<SecretString>,
    /// Accepted basic-auth users.
    #[serde(default)]
    pub users: Vec<AdminUser>,
}

/// A basic-auth admin user.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminUser {
    /// User name.
    pub username: String,
    /// Password (use `${ENV:NAME}`).
    pub password: SecretString,
}

impl GatewayConfig {
    /// Parses YAML text after `${ENV:NAME}` substitution and validates it. Fails with
    /// `InvalidInput` naming the key path and line, or the unset variable.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let text = substitute_env(text)?;
        let config: Self = crate::yaml::from_str(&text, "gateway config")?;
        config.validate()?;
        Ok(config)
    }

    /// Checks a config whose `${ENV:NAME}` references are resolved elsewhere (a file rendered
    /// for a pod whose environment holds the values), as if each held a 64-character secret.
    /// Fails with `InvalidInput` as [`from_yaml`](Self::from_yaml) does, but never for a value.
    pub fn check_template(text: &str) -> Result<()> {
        let text = substitute(text, |_| Ok("x".repeat(64)))?;
        let config: Self = crate::yaml::from_str(&text, "gateway config")?;
        config.validate()
    }

    /// Reads and parses a config file; relative paths in it are taken from the file's directory.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", path.display())).with_source(e))?;
        let mut config =
            Self::from_yaml(&text).map_err(|e| Error::invalid_input(format!("{}: {}", path.display(), e.message())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        config.routing.rules_file.as_mut().map(resolve);
        config.routing.trino_gateway_rules_file.as_mut().map(resolve);
        if let Some(https) = &mut config.listen.https {
            resolve(&mut https.certificate);
            resolve(&mut https.private_key);
        }
        if let Some(ca_file) = config.auth.as_mut().and_then(|auth| auth.oidc.ca_file.as_mut()) {
            resolve(ca_file);
        }
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        if self.listen.http.is_none() && self.listen.https.is_none() {
            return Err(Error::invalid_input("listen: set `http`, `https` or both"));
        }
        if self.routing.rules_file.is_some() && self.routing.trino_gateway_rules_file.is_some() {
            return Err(Error::invalid_input("routing: set `rulesFile` or `trinoGatewayRulesFile`, not both"));
        }
        if self.health.failure_threshold == 0 || self.health.success_threshold == 0 {
            return Err(Error::invalid_input("health: thresholds must be at least 1"));
        }
        if self.health.interval.is_zero() || self.health.timeout.is_zero() {
            return Err(Error::invalid_input("health: interval and timeout must be positive"));
        }
        if self.health.user.trim().is_empty() {
            return Err(Error::invalid_input("health: `user` must not be empty"));
        }
        if self.proxy.body_idle_timeout.is_zero() {
            return Err(Error::invalid_input("proxy: bodyIdleTimeout must be positive"));
        }
        if let Some(auth) = &self.auth {
            auth.validate()?;
        }
        Ok(())
    }
}

/// Replaces every `${ENV:NAME}` outside YAML comments with the variable's value; an unset
/// variable is an error that names it (and never shows a value).
pub(crate) fn substitute_env(text: &str) -> Result<String> {
    substitute(text, |name| {
        std::env::var(name).map_err(|_| {
            Error::invalid_input(format!("environment variable {name} is not set (referenced as ${{ENV:{name}}})"))
        })
    })
}

/// Replaces each `${ENV:NAME}` outside comments with `value(NAME)`.
fn substitute(text: &str, value: impl Fn(&str) -> Result<String>) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (code, comment) = line.split_at(comment_start(line));
        let mut rest = code;
        while let Some(start) = rest.find("${ENV:") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 6..];
            let end = after.find('}').ok_or_else(|| Error::invalid_input("unterminated ${ENV:…} reference"))?;
            out.push_str(&value(&after[..end])?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out.push_str(comment);
    }
    Ok(out)
}

/// Where a YAML comment starts on `line` (a `#` at the start or after whitespace, outside
/// quotes), or the line's length.
fn comment_start(line: &str) -> usize {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return i,
            _ => {}
        }
        previous = c;
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn defaults_need_no_file() {
        let config = GatewayConfig::from_yaml("{}").unwrap();
        assert_eq!(config.listen.http, Some("0.0.0.0:8080".parse().unwrap()));
        assert!(!config.admin.open);
        assert_eq!(config.health.interval, Duration::from_secs(5));
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_path() {
        let err = GatewayConfig::from_yaml("health:\n  intervall: 5s\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("intervall") && err.to_string().contains("line 2"), "{err}");
        let err = GatewayConfig::from_yaml("health:\n  interval: soon\n").unwrap_err();
        assert!(err.to_string().contains("soon"), "{err}");
        let err = GatewayConfig::from_yaml("listen: {http: null}\n").unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
    }

    #[test]
    fn health_login_proxy_idle_and_follow_up_wait_have_defaults_and_are_checked() {
        let config = GatewayConfig::from_yaml("{}").unwrap();
        assert_eq!((config.health.user.as_str(), config.health.password.is_none()), ("trino-platform-gateway", true));
        assert_eq!(config.proxy.body_idle_timeout, Duration::from_secs(60));
        assert_eq!(config.routing.unknown_query_wait, Duration::from_millis(500));
        let config = GatewayConfig::from_yaml(
            "health: {user: monitor, password: 'pw-s3cr3t'}\nproxy: {bodyIdleTimeout: 5s}\nrouting: {unknownQueryWait: 0s}\n",
        )
        .unwrap();
        assert_eq!(config.health.user, "monitor");
        assert!(!format!("{config:?}").contains("pw-s3cr3t"), "the password stays out of Debug");
        assert_eq!(
            (config.proxy.body_idle_timeout, config.routing.unknown_query_wait),
            (Duration::from_secs(5), Duration::ZERO)
        );
        for bad in ["health: {user: ''}\n", "proxy: {bodyIdleTimeout: 0s}\n"] {
            assert_eq!(GatewayConfig::from_yaml(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn env_references_are_substituted_and_secrets_stay_hidden() {
        // SAFETY: tests in this module do not read this variable concurrently.
        unsafe { std::env::set_var("TP_TEST_ADMIN_TOKEN_X", "s3cr3t-token") };
        let config = GatewayConfig::from_yaml("admin:\n  tokens: ['${ENV:TP_TEST_ADMIN_TOKEN_X}']\n").unwrap();
        assert!(!format!("{config:?}").contains("s3cr3t-token"));
        let err = GatewayConfig::from_yaml("store: '${ENV:TP_SURELY_UNSET_VAR}'\n").unwrap_err();
        assert!(
            GatewayConfig::from_yaml("# e.g. ${ENV:TP_SURELY_UNSET_VAR}\nadmin: {open: true} # ${ENV:X}\n").is_ok()
        );
        assert!(err.to_string().contains("TP_SURELY_UNSET_VAR"), "{err}");
    }
}
