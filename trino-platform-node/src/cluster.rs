//! The plain objects JavaScript passes in and gets back, and their conversion to and from the
//! core's validated types (the core validates; invalid values reject with `InvalidInput`).

use napi_derive::napi;
use trino_platform::Result;
use trino_platform::cluster::{self as core, BackendUrl, ClusterSpec, RoutingGroup};

/// A Trino cluster registered behind the gateway, in trino-gateway's backend JSON shape.
#[napi(object)]
pub struct Cluster {
    /// Unique name: 1 to 63 letters, digits, `-`, `_` or `.`, starting with a letter or digit.
    pub name: String,
    /// Where the gateway sends requests and health probes, normalised without a trailing slash.
    pub proxy_to: String,
    /// The URL people and links use.
    pub external_url: String,
    /// The routing group the cluster serves.
    pub routing_group: String,
    /// Whether the cluster takes new queries.
    pub active: bool,
}

impl From<core::Cluster> for Cluster {
    fn from(cluster: core::Cluster) -> Self {
        Self {
            name: cluster.name.into(),
            proxy_to: cluster.proxy_to.into(),
            external_url: cluster.external_url.into(),
            routing_group: cluster.routing_group.into(),
            active: cluster.active,
        }
    }
}

/// A cluster as written, for `ClusterStore.register` and `Router.setClusters`: omitted fields
/// take trino-gateway's defaults. Every `Cluster` (as `ClusterStore.list()` resolves with) is one.
#[napi(object)]
pub struct NewCluster {
    /// Unique name: 1 to 63 letters, digits, `-`, `_` or `.`, starting with a letter or digit.
    pub name: String,
    /// Absolute `http`/`https` URL of the coordinator, without credentials, query or fragment.
    pub proxy_to: String,
    /// The URL people and links use (default: `proxyTo`).
    pub external_url: Option<String>,
    /// The routing group the cluster serves (default: `adhoc`).
    pub routing_group: Option<String>,
    /// Whether the cluster takes new queries (default: `true`).
    pub active: Option<bool>,
}

impl NewCluster {
    /// The validated core cluster, with trino-gateway's defaults for omitted fields (the core's
    /// [`ClusterSpec`] conversion); fails with `InvalidInput` naming the first bad field.
    pub(crate) fn into_core(self) -> Result<core::Cluster> {
        let Self { name, proxy_to, external_url, routing_group, active } = self;
        core::Cluster::try_from(ClusterSpec { name, proxy_to, external_url, routing_group, active })
    }
}

/// A partial change to a registered cluster: only the fields given change.
#[napi(object)]
pub struct ClusterUpdate {
    /// New proxy URL.
    pub proxy_to: Option<String>,
    /// New external URL.
    pub external_url: Option<String>,
    /// New routing group.
    pub routing_group: Option<String>,
    /// New activation state.
    pub active: Option<bool>,
}

impl ClusterUpdate {
    /// The validated core update; fails with `InvalidInput` naming the first bad field.
    pub(crate) fn into_core(self) -> Result<core::ClusterUpdate> {
        Ok(core::ClusterUpdate {
            proxy_to: self.proxy_to.as_deref().map(BackendUrl::new).transpose()?,
            external_url: self.external_url.as_deref().map(BackendUrl::new).transpose()?,
            routing_group: self.routing_group.map(RoutingGroup::new).transpose()?,
            active: self.active,
        })
    }
}

/// Which clusters `list` returns; every field given must match.
#[napi(object)]
pub struct ClusterFilter {
    /// Only clusters of this routing group.
    pub routing_group: Option<String>,
    /// Only active (`true`) or only inactive (`false`) clusters.
    pub active: Option<bool>,
}

impl ClusterFilter {
    /// The validated core filter; fails with `InvalidInput` for a bad routing group.
    pub(crate) fn into_core(self) -> Result<core::ClusterFilter> {
        Ok(core::ClusterFilter {
            routing_group: self.routing_group.map(RoutingGroup::new).transpose()?,
            active: self.active,
        })
    }
}
