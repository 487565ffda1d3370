//! Prometheus metrics of the gateway (`/metrics`): requests, routing decisions per group,
//! cluster health and load, latency histograms, follow-ups that waited for their route, and
//! rules-file reloads.

use std::sync::Mutex;
use std::time::Duration;

use http::StatusCode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::cluster::{ClusterName, RoutingGroup};
use crate::routing::{ClusterView, RouteReason};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    group: String,
    cluster: String,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClusterLabels {
    cluster: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// The gateway's metrics registry.
pub(crate) struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<StatusLabels, Counter>,
    latency: Histogram,
    routes: Family<RouteLabels, Counter>,
    healthy: Family<ClusterLabels, Gauge>,
    queued: Family<ClusterLabels, Gauge>,
    running: Family<ClusterLabels, Gauge>,
    in_flight: Family<ClusterLabels, Gauge>,
    route_waits: Family<OutcomeLabels, Counter>,
    route_wait: Histogram,
    rules_reloads: Family<OutcomeLabels, Counter>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("trino_gateway");
        let requests = Family::<StatusLabels, Counter>::default();
        registry.register("proxy_requests", "Requests proxied to clusters, by response status", requests.clone());
        let latency = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register(
            "proxy_request_duration_seconds",
            "Time to the response headers of a proxied request",
            latency.clone(),
        );
        let routes = Family::<RouteLabels, Counter>::default();
        registry.register(
            "routing_decisions",
            "Routing decisions by routing group, cluster and reason",
            routes.clone(),
        );
        let healthy = Family::<ClusterLabels, Gauge>::default();
        registry.register("cluster_healthy", "1 when the cluster passes its health probes", healthy.clone());
        let queued = Family::<ClusterLabels, Gauge>::default();
        registry.register("cluster_queued_queries", "Queued queries reported by the cluster", queued.clone());
        let running = Family::<ClusterLabels, Gauge>::default();
        registry.register("cluster_running_queries", "Running queries reported by the cluster", running.clone());
        let in_flight = Family::<ClusterLabels, Gauge>::default();
        registry.register("cluster_in_flight_requests", "Requests in flight through this gateway", in_flight.clone());
        let route_waits = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "unknown_query_waits",
            "Follow-ups whose query id was unknown at first and that waited for the route to reach the store, \
             by outcome (found, notFound)",
            route_waits.clone(),
        );
        let route_wait = Histogram::new(exponential_buckets(0.001, 2.0, 12));
        registry.register(
            "unknown_query_wait_seconds",
            "How long a follow-up waited until its route was found in the store",
            route_wait.clone(),
        );
        let rules_reloads = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "rules_reloads",
            "Reloads of the routing rules file after it changed, by outcome (ok; error: the previous rules stay)",
            rules_reloads.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            routes,
            healthy,
            queued,
            running,
            in_flight,
            route_waits,
            route_wait,
            rules_reloads,
        }
    }

    pub(crate) fn observe_proxy(&self, status: StatusCode, elapsed: Duration) {
        self.requests.get_or_create(&StatusLabels { status: status.as_u16() }).inc();
        self.latency.observe(elapsed.as_secs_f64());
    }

    /// Counts a follow-up that waited `elapsed` for its route, and whether it was `found`.
    pub(crate) fn observe_route_wait(&self, found: bool, elapsed: Duration) {
        let outcome = if found { "found" } else { "notFound" };
        self.route_waits.get_or_create(&OutcomeLabels { outcome }).inc();
        if found {
            self.route_wait.observe(elapsed.as_secs_f64());
        }
    }

    /// Counts a reload of the rules file, and whether it took effect.
    pub(crate) fn observe_rules_reload(&self, ok: bool) {
        self.rules_reloads.get_or_create(&OutcomeLabels { outcome: if ok { "ok" } else { "error" } }).inc();
    }

    pub(crate) fn observe_route(&self, group: &RoutingGroup, cluster: &ClusterName, reason: &RouteReason) {
        let reason = match reason {
            RouteReason::Query(_) => "query",
            RouteReason::OAuth2Login => "oauth2Login",
            RouteReason::Header => "header",
            RouteReason::Rule(_) => "rule",
            RouteReason::Default => "default",
        };
        self.routes
            .get_or_create(&RouteLabels { group: group.to_string(), cluster: cluster.to_string(), reason })
            .inc();
    }

    /// The Prometheus text exposition, with cluster gauges taken from `clusters` now.
    pub(crate) fn render(&self, clusters: &[ClusterView]) -> String {
        for view in clusters {
            let labels = ClusterLabels { cluster: view.cluster.name.to_string() };
            self.healthy.get_or_create(&labels).set(i64::from(view.status.healthy));
            self.queued.get_or_create(&labels).set(i64::try_from(view.status.queued).unwrap_or(i64::MAX));
            self.running.get_or_create(&labels).set(i64::try_from(view.status.running).unwrap_or(i64::MAX));
            self.in_flight.get_or_create(&labels).set(i64::try_from(view.in_flight).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        if prometheus_client::encoding::text::encode(&mut text, &registry).is_err() {
            text.clear();
        }
        text
    }
}
