//! The plain objects of the routing API (configuration, requests, decisions, cluster status) and
//! their conversion to and from the core's types. The core validates; a JavaScript number that
//! stands for a core integer must be a whole number in its range, else `InvalidInput`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use napi_derive::napi;
use trino_platform::cluster::{ClusterName, RoutingGroup};
use trino_platform::registry::StoreUrl;
use trino_platform::routing;
use trino_platform::{Error, Result};

use crate::cluster::Cluster;

/// How a `Router` picks a cluster among the healthy, active clusters of a routing group.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionPolicy {
    /// The one with the fewest queued + running queries (from `setStatus`) plus requests in
    /// flight through the router; ties go to the name that sorts first. The default.
    LeastLoaded,
    /// Each in turn.
    RoundRobin,
    /// In proportion to `RouterConfig.weights` (smooth weighted round-robin: deterministic, and
    /// never a burst to one cluster).
    Weighted,
}

impl From<SelectionPolicy> for routing::SelectionPolicy {
    fn from(policy: SelectionPolicy) -> Self {
        match policy {
            SelectionPolicy::LeastLoaded => Self::LeastLoaded,
            SelectionPolicy::RoundRobin => Self::RoundRobin,
            SelectionPolicy::Weighted => Self::Weighted,
        }
    }
}

/// How a `Router` behaves; every field is optional.
#[napi(object)]
pub struct RouterConfig {
    /// The routing group of requests no rule matches (default `adhoc`).
    pub default_group: Option<String>,
    /// The group to try when the chosen one has no healthy, active cluster (default: none).
    pub fallback_group: Option<String>,
    /// Let clients pick the group with the `X-Trino-Routing-Group` header (default `false`).
    pub honor_routing_group_header: Option<bool>,
    /// How a cluster is picked inside a group (default `'leastLoaded'`).
    pub policy: Option<SelectionPolicy>,
    /// Cluster weights for the `'weighted'` policy, by cluster name: whole numbers from 0 (no
    /// new queries) to 4294967295; a cluster not named here weighs 1.
    pub weights: Option<HashMap<String, f64>>,
    /// Where sticky routes (query ids and OAuth2 logins) persist, so that a restarted router
    /// or another one on the same store follows them: a store URL as for `ClusterStore.open`
    /// (`sqlite:///path/to/file.db`, `postgres://user:password@host:port/db`). Without it they
    /// live in this router's memory only.
    pub store_url: Option<String>,
}

impl RouterConfig {
    /// The validated core configuration and store URL; fails with `InvalidInput` for a bad
    /// group, cluster name, weight or store URL (whose password stays out of the message).
    pub(crate) fn into_core(self) -> Result<(routing::RouterConfig, Option<StoreUrl>)> {
        let defaults = routing::RouterConfig::default();
        let weights = self.weights.unwrap_or_default().into_iter().map(|(name, weight)| {
            let weight = whole(weight, u32::MAX.into(), || format!("the weight of cluster {name:?}"))?;
            Ok((ClusterName::new(name)?, u32::try_from(weight).unwrap_or(u32::MAX)))
        });
        let config = routing::RouterConfig {
            default_group: self.default_group.map(RoutingGroup::new).transpose()?.unwrap_or(defaults.default_group),
            fallback_group: self.fallback_group.map(RoutingGroup::new).transpose()?,
            honor_routing_group_header: self.honor_routing_group_header.unwrap_or(defaults.honor_routing_group_header),
            policy: self.policy.map_or(defaults.policy, Into::into),
            weights: weights.collect::<Result<_>>()?,
            ..defaults
        };
        Ok((config, self.store_url.as_deref().map(StoreUrl::parse).transpose()?))
    }
}

/// A request to route, as the gateway received it.
#[napi(object)]
pub struct RouteRequest {
    /// The HTTP method, in any case.
    pub method: String,
    /// The path with its query string, if any: `/v1/statement`,
    /// `/v1/statement/executing/20260101_120000_00001_abcde/y8f/2`, `/ui/query.html?20260101_…`.
    pub path: String,
    /// Request headers by name, matched in any case: `X-Trino-User`, `X-Trino-Source`,
    /// `X-Trino-Client-Tags`, `X-Trino-Routing-Group`, `Cookie`, …
    pub headers: Option<BTreeMap<String, String>>,
    /// The authenticated user (from a validated token), which outranks `X-Trino-User`.
    pub principal: Option<String>,
}

impl From<RouteRequest> for routing::RouteRequest {
    fn from(request: RouteRequest) -> Self {
        let mut core = routing::RouteRequest::new(request.method, &request.path);
        for (name, value) in request.headers.unwrap_or_default() {
            core = core.with_header(&name, value);
        }
        match request.principal {
            Some(principal) => core.with_principal(principal),
            None => core,
        }
    }
}

/// Why a `Router` chose a cluster.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteReason {
    /// The request follows up a query that the cluster runs (`RouteDecision.queryId`).
    Query,
    /// The request is a leg of an OAuth2 login that the cluster started.
    #[napi(value = "oauth2Login")]
    OAuth2Login,
    /// The client asked for the group with `X-Trino-Routing-Group`.
    Header,
    /// A rule chose the group (`RouteDecision.rule`).
    Rule,
    /// No rule matched: the default group.
    Default,
}

/// Where a request goes, and why.
#[napi(object)]
pub struct RouteDecision {
    /// The chosen cluster.
    pub cluster: Cluster,
    /// The group the request was routed in (the fallback group when it fell back).
    pub routing_group: String,
    /// Why the cluster was chosen.
    pub reason: RouteReason,
    /// The rule that chose the group, when `reason` is `'rule'`.
    pub rule: Option<String>,
    /// The query the request follows up, when `reason` is `'query'`.
    pub query_id: Option<String>,
    /// The group first chosen, when it had no healthy, active cluster and the request fell
    /// back to `RouterConfig.fallbackGroup`.
    pub fell_back_from: Option<String>,
    /// Headers to set on the forwarded request (from the deciding rule's `addHeaders`).
    pub add_headers: BTreeMap<String, String>,
}

impl From<routing::RouteDecision> for RouteDecision {
    fn from(decision: routing::RouteDecision) -> Self {
        let (reason, rule, query_id) = match decision.reason {
            routing::RouteReason::Query(id) => (RouteReason::Query, None, Some(id.into())),
            routing::RouteReason::OAuth2Login => (RouteReason::OAuth2Login, None, None),
            routing::RouteReason::Header => (RouteReason::Header, None, None),
            routing::RouteReason::Rule(rule) => (RouteReason::Rule, Some(rule), None),
            routing::RouteReason::Default => (RouteReason::Default, None, None),
        };
        Self {
            cluster: Arc::unwrap_or_clone(decision.cluster).into(),
            routing_group: decision.routing_group.into(),
            reason,
            rule,
            query_id,
            fell_back_from: decision.fell_back_from.map(Into::into),
            add_headers: decision.add_headers.into_iter().collect(),
        }
    }
}

/// Health and load of a cluster, as a health check reported them.
#[napi(object)]
pub struct ClusterStatus {
    /// Whether the cluster answers and is not starting; unhealthy clusters take no new queries.
    pub healthy: bool,
    /// Queries waiting in the cluster's queue (default 0).
    pub queued: Option<f64>,
    /// Queries running on the cluster (default 0).
    pub running: Option<f64>,
}

impl ClusterStatus {
    /// The core status; fails with `InvalidInput` for a count that is no whole number ≥ 0.
    pub(crate) fn into_core(self) -> Result<routing::ClusterStatus> {
        let count = |value: Option<f64>, what: &str| whole(value.unwrap_or(0.0), MAX_SAFE_INTEGER, || what.into());
        Ok(routing::ClusterStatus {
            healthy: self.healthy,
            queued: count(self.queued, "queued")?,
            running: count(self.running, "running")?,
        })
    }
}

/// A registered cluster with its live status, as the router sees it.
#[napi(object)]
pub struct ClusterView {
    /// The registration.
    pub cluster: Cluster,
    /// Whether the last status said healthy (clusters start healthy).
    pub healthy: bool,
    /// Queued queries, from the last status.
    pub queued: f64,
    /// Running queries, from the last status.
    pub running: f64,
    /// Requests in flight through this router.
    pub in_flight: f64,
}

impl From<routing::ClusterView> for ClusterView {
    fn from(view: routing::ClusterView) -> Self {
        Self {
            cluster: view.cluster.into(),
            healthy: view.status.healthy,
            queued: view.status.queued as f64,
            running: view.status.running as f64,
            in_flight: view.in_flight as f64,
        }
    }
}

/// Who submitted a query, stored with its sticky route (trino-gateway's `query_history`).
#[napi(object)]
pub struct RecordQueryOptions {
    /// The user the query runs as.
    pub user: Option<String>,
    /// The client application (`X-Trino-Source`).
    pub source: Option<String>,
}

impl RecordQueryOptions {
    /// The core request carrying the user and source that `Router::record_query` stores.
    pub(crate) fn into_request(self) -> routing::RouteRequest {
        let mut request = routing::RouteRequest::default();
        if let Some(user) = self.user {
            request = request.with_principal(user);
        }
        if let Some(source) = self.source {
            request = request.with_header(routing::headers::SOURCE, source);
        }
        request
    }
}

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub(crate) const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `value` as a whole number from 0 to `max`; fails with `InvalidInput` naming `what`.
pub(crate) fn whole(value: f64, max: u64, what: impl FnOnce() -> String) -> Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= max as f64 {
        Ok(value as u64)
    } else {
        Err(Error::invalid_input(format!("{} must be a whole number from 0 to {max}, not {value}", what())))
    }
}
