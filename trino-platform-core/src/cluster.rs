//! The Trino cluster as the gateway knows it: a validated name, where to proxy, which routing
//! group it serves, and whether it takes new queries.
//!
//! Its JSON form is trino-gateway's backend JSON (`ProxyBackendConfiguration`), so documents
//! written for trino-gateway's admin API parse unchanged:
//!
//! ```
//! use trino_platform::cluster::Cluster;
//!
//! let cluster: Cluster = serde_json::from_str(
//!     r#"{"name": "trino-1", "proxyTo": "http://trino-1:8080/", "routingGroup": "etl"}"#,
//! )?;
//! assert_eq!(cluster.proxy_to.as_str(), "http://trino-1:8080");
//! assert_eq!(cluster.external_url, cluster.proxy_to); // defaults to proxyTo
//! assert!(cluster.active); // defaults to true
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::redact_url;

const MAX_NAME_LEN: usize = 63;

fn validate_name(what: &str, value: &str) -> Result<()> {
    let mut chars = value.chars();
    let ok = value.len() <= MAX_NAME_LEN
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "invalid {what} {value:?}: use 1 to {MAX_NAME_LEN} letters, digits, '-', '_' or '.', starting with a letter or digit"
        )))
    }
}

macro_rules! validated_name {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `value`; fails with `InvalidInput` naming the rule it broke.
            pub fn new(value: impl Into<String>) -> Result<Self> {
                let value = value.into();
                validate_name($what, &value)?;
                Ok(Self(value))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

validated_name!(
    /// A cluster's unique name: 1–63 characters of `[A-Za-z0-9._-]`, starting alphanumeric.
    ClusterName,
    "cluster name"
);

validated_name!(
    /// A routing group (a set of interchangeable clusters), same alphabet as [`ClusterName`].
    RoutingGroup,
    "routing group"
);

impl RoutingGroup {
    /// The group a cluster or a request falls into when none is given: `adhoc`, as in trino-gateway.
    pub fn adhoc() -> Self {
        Self("adhoc".to_owned())
    }
}

impl Default for RoutingGroup {
    fn default() -> Self {
        Self::adhoc()
    }
}

/// An absolute `http`/`https` URL of a Trino coordinator, without credentials, query or fragment,
/// normalised without a trailing slash (`http://trino:8080`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BackendUrl(String);

impl BackendUrl {
    /// Parses and normalises `value`; fails with `InvalidInput` saying what is wrong with it.
    pub fn new(value: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid_input(format!("invalid cluster URL {:?}: {why}", redact_url(value)));
        let url = url::Url::parse(value).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("a host is required"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("credentials do not belong in the URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a query or fragment is not allowed"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The normalised URL text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for BackendUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<String> for BackendUrl {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(&s)
    }
}

impl From<BackendUrl> for String {
    fn from(url: BackendUrl) -> String {
        url.0
    }
}

impl fmt::Display for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Trino cluster registered behind the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ClusterSpec", rename_all = "camelCase")]
pub struct Cluster {
    /// Unique name.
    pub name: ClusterName,
    /// Where the gateway sends requests and health probes.
    pub proxy_to: BackendUrl,
    /// The URL people and links use (defaults to `proxy_to`).
    pub external_url: BackendUrl,
    /// The routing group it serves (default `adhoc`).
    pub routing_group: RoutingGroup,
    /// Whether it takes new queries (default `true`).
    pub active: bool,
}

impl Cluster {
    /// An active cluster in group `adhoc`, reached and linked at `proxy_to`.
    pub fn new(name: ClusterName, proxy_to: BackendUrl) -> Self {
        Self { name, external_url: proxy_to.clone(), proxy_to, routing_group: RoutingGroup::adhoc(), active: true }
    }

    /// Sets the routing group.
    pub fn with_routing_group(mut self, group: RoutingGroup) -> Self {
        self.routing_group = group;
        self
    }

    /// Sets the external URL.
    pub fn with_external_url(mut self, url: BackendUrl) -> Self {
        self.external_url = url;
        self
    }

    /// Sets whether the cluster takes new queries.
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// Applies a partial update, leaving unset fields as they are.
    pub fn apply(&mut self, update: &ClusterUpdate) {
        if let Some(url) = &update.proxy_to {
            self.proxy_to = url.clone();
        }
        if let Some(url) = &update.external_url {
            self.external_url = url.clone();
        }
        if let Some(group) = &update.routing_group {
            self.routing_group = group.clone();
        }
        if let Some(active) = update.active {
            self.active = active;
        }
    }
}

/// A cluster as a user writes it, before validation: only `name` and `proxy_to` are required,
/// the rest take trino-gateway's defaults. This is also the JSON form (camelCase, unknown fields
/// rejected) and what the bindings build from their arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    /// Unique name.
    pub name: String,
    /// Where the gateway sends requests.
    pub proxy_to: String,
    /// Defaults to `proxy_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    /// Defaults to `adhoc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_group: Option<String>,
    /// Defaults to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl TryFrom<ClusterSpec> for Cluster {
    type Error = Error;
    /// Validates every field; fails with `InvalidInput` naming the first bad one.
    fn try_from(spec: ClusterSpec) -> Result<Self> {
        let proxy_to = BackendUrl::new(&spec.proxy_to)?;
        Ok(Self {
            name: ClusterName::new(spec.name)?,
            external_url: spec
                .external_url
                .as_deref()
                .map(BackendUrl::new)
                .transpose()?
                .unwrap_or_else(|| proxy_to.clone()),
            proxy_to,
            routing_group: spec.routing_group.map(RoutingGroup::new).transpose()?.unwrap_or_default(),
            active: spec.active.unwrap_or(true),
        })
    }
}

/// A partial change to a registered cluster: only the fields that are `Some` change, so two
/// writers changing different fields never undo each other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterUpdate {
    /// New proxy URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_to: Option<BackendUrl>,
    /// New external URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<BackendUrl>,
    /// New routing group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_group: Option<RoutingGroup>,
    /// New activation state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl ClusterUpdate {
    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Which clusters a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterFilter {
    /// Only clusters of this routing group.
    pub routing_group: Option<RoutingGroup>,
    /// Only active (`Some(true)`) or only inactive (`Some(false)`) clusters.
    pub active: Option<bool>,
}

impl ClusterFilter {
    /// Every cluster.
    pub fn all() -> Self {
        Self::default()
    }

    /// Active clusters only.
    pub fn active() -> Self {
        Self { active: Some(true), ..Self::default() }
    }

    /// Clusters of one routing group.
    pub fn group(group: RoutingGroup) -> Self {
        Self { routing_group: Some(group), ..Self::default() }
    }

    /// Whether `cluster` passes the filter.
    pub fn matches(&self, cluster: &Cluster) -> bool {
        self.routing_group.as_ref().is_none_or(|g| *g == cluster.routing_group)
            && self.active.is_none_or(|a| a == cluster.active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn names_are_validated() {
        for ok in ["a", "trino-1", "Prod_EU.2", &"x".repeat(63)] {
            assert_eq!(ClusterName::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "-a", ".a", "a b", "a/b", "naïve", &"x".repeat(64)] {
            assert_eq!(ClusterName::new(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn urls_are_validated_and_normalised() {
        assert_eq!(BackendUrl::new("http://t:8080/").unwrap().as_str(), "http://t:8080");
        assert_eq!(
            BackendUrl::new("HTTPS://Trino.Example.com/base/").unwrap().as_str(),
            "https://trino.example.com/base"
        );
        for bad in ["ftp://t", "t:8080", "http://", "http://t?x=1", "http://t#f", "file:///etc/passwd", ""] {
            assert_eq!(BackendUrl::new(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn url_errors_never_repeat_a_password() {
        let err = BackendUrl::new("http://admin:s3cret@t:8080").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(!format!("{err:?}").contains("s3cret"));
    }

    #[test]
    fn json_matches_trino_gateway_backend_json() {
        let cluster = Cluster::new(ClusterName::new("c1").unwrap(), BackendUrl::new("http://c1:8080").unwrap())
            .with_external_url(BackendUrl::new("https://c1.example.com").unwrap());
        let json = serde_json::to_value(&cluster).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "c1", "proxyTo": "http://c1:8080", "externalUrl": "https://c1.example.com",
                               "routingGroup": "adhoc", "active": true})
        );
        assert_eq!(serde_json::from_value::<Cluster>(json).unwrap(), cluster);
        let err = serde_json::from_str::<Cluster>(r#"{"name":"c1","proxyTo":"http://c1","extra":1}"#).unwrap_err();
        assert!(err.to_string().contains("extra"), "{err}");
    }

    #[test]
    fn updates_change_only_given_fields() {
        let mut cluster = Cluster::new(ClusterName::new("c1").unwrap(), BackendUrl::new("http://c1").unwrap());
        cluster.apply(&ClusterUpdate { active: Some(false), ..Default::default() });
        assert!(!cluster.active);
        assert_eq!(cluster.routing_group, RoutingGroup::adhoc());
        assert!(ClusterUpdate::default().is_empty());
    }
}
