//! Prometheus metrics of the gateway (`/metrics`): requests, routing decisions per group,
//! cluster health, and latency histograms.

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
        Self { registry: Mutex::new(registry), requests, latency, routes, healthy, queued, running, in_flight }
    }

    pub(crate) fn observe_proxy(&self, status: StatusCode, elapsed: Duration) {
        self.requests.get_or_create(&StatusLabels { status: status.as_u16() }).inc();
        self.latency.observe(elapsed.as_secs_f64());
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
