//! The health monitor: probes each cluster's `/v1/info` on an interval and feeds the router.
//!
//! A cluster is healthy when `/v1/info` answers 200 with `"starting": false` within the probe
//! timeout. The first probe of a cluster decides at once; after that a healthy cluster leaves
//! rotation after `failureThreshold` failed probes in a row and an unhealthy one returns after
//! `successThreshold` good probes in a row (hysteresis). Queued and running counts (which
//! least-loaded selection uses) come from the Web UI's `/ui/api/stats` after a form login (see
//! [`super::ui_stats`]), with their own timeout: a cluster whose Web UI cannot be read keeps
//! counts of 0 and stays as healthy as `/v1/info` says.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use tokio::sync::{Mutex, Notify};

use super::config::HealthConfig;
use super::proxy::HttpClient;
use super::ui_stats::{Counts, UiStats};
use crate::cluster::{Cluster, ClusterName};
use crate::error::{Error, ErrorKind};
use crate::routing::{ClusterStatus, Router};

/// Probe state of one cluster.
#[derive(Debug, Default, Clone, Copy)]
struct Probe {
    healthy: Option<bool>,
    streak: u32,
}

/// What one probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Observation {
    up: bool,
    queued: u64,
    running: u64,
}

/// Probes the router's clusters and records their health and load in it.
pub(crate) struct HealthMonitor {
    router: Arc<Router>,
    client: HttpClient,
    stats: Arc<UiStats>,
    config: HealthConfig,
    probes: Mutex<HashMap<ClusterName, Probe>>,
    ready: AtomicBool,
    wake: Notify,
}

impl HealthMonitor {
    /// A monitor of `router`'s clusters, probing through `client`.
    pub(crate) fn new(router: Arc<Router>, client: HttpClient, config: HealthConfig) -> Self {
        let stats = Arc::new(UiStats::new(client.clone(), config.user.clone(), config.password.clone()));
        Self {
            router,
            client,
            stats,
            config,
            probes: Mutex::default(),
            ready: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    /// Whether the first probe pass has finished.
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// Asks for a probe pass now (for example after a registration).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Probes every interval (or when woken) until `stop` fires.
    pub(crate) async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            self.probe_all().await;
            self.ready.store(true, Ordering::Relaxed);
            tokio::select! {
                _ = tokio::time::sleep(self.config.interval) => {}
                _ = self.wake.notified() => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// One pass over every registered cluster, probes in parallel.
    pub(crate) async fn probe_all(&self) {
        let clusters: Vec<Cluster> = self.router.clusters().into_iter().map(|v| v.cluster).collect();
        self.stats.retain(&clusters.iter().collect::<Vec<_>>());
        let mut probes = tokio::task::JoinSet::new();
        for cluster in clusters {
            let (client, stats, timeout) = (self.client.clone(), Arc::clone(&self.stats), self.config.timeout);
            let user = self.config.user.clone();
            probes.spawn(async move {
                let seen = observe(&client, &stats, &cluster, &user, timeout).await;
                (cluster.name, seen)
            });
        }
        let mut state = self.probes.lock().await;
        let mut seen_names = Vec::new();
        while let Some(Ok((name, seen))) = probes.join_next().await {
            let probe = state.entry(name.clone()).or_default();
            let healthy = self.judge(probe, seen.up);
            let status = ClusterStatus { healthy, queued: seen.queued, running: seen.running };
            if self.router.set_status(&name, status).is_ok() && !healthy {
                tracing::debug!(cluster = %name, "cluster out of rotation");
            }
            seen_names.push(name);
        }
        state.retain(|name, _| seen_names.contains(name));
    }

    /// Applies one probe result to a cluster's state and returns whether it is healthy now.
    fn judge(&self, probe: &mut Probe, up: bool) -> bool {
        match probe.healthy {
            None => {
                *probe = Probe { healthy: Some(up), streak: 0 };
            }
            Some(healthy) if healthy == up => probe.streak = 0,
            Some(healthy) => {
                probe.streak += 1;
                let needed = if healthy { self.config.failure_threshold } else { self.config.success_threshold };
                if probe.streak >= needed {
                    *probe = Probe { healthy: Some(up), streak: 0 };
                    tracing::info!(healthy = up, "cluster health changed");
                }
            }
        }
        probe.healthy.unwrap_or(false)
    }
}

/// Probes `/v1/info` of one cluster and, when it is up, reads its counts from the Web UI; each
/// step has `timeout`.
async fn observe(
    client: &HttpClient,
    stats: &UiStats,
    cluster: &Cluster,
    user: &str,
    timeout: Duration,
) -> Observation {
    let down = Observation { up: false, queued: 0, running: 0 };
    let info = tokio::time::timeout(timeout, get_json(client, cluster, "/v1/info", user)).await.ok().flatten();
    let Some(info) = info else { return down };
    if info.get("starting").and_then(serde_json::Value::as_bool) != Some(false) {
        return down;
    }
    let counts = match tokio::time::timeout(timeout, stats.counts(cluster)).await {
        Ok(Ok(counts)) => {
            stats.note(cluster, Ok(()));
            counts
        }
        Ok(Err(e)) => {
            stats.note(cluster, Err(&e));
            Counts::default()
        }
        Err(_) => {
            let e = Error::new(ErrorKind::Timeout, format!("/ui/api/stats did not answer within {timeout:?}"));
            stats.note(cluster, Err(&e));
            Counts::default()
        }
    };
    Observation { up: true, queued: counts.queued, running: counts.running }
}

/// GETs a small JSON document (at most 64 KiB) from a cluster as `user`, or `None`.
async fn get_json(client: &HttpClient, cluster: &Cluster, path: &str, user: &str) -> Option<serde_json::Value> {
    let request = Request::get(format!("{}{path}", cluster.proxy_to.as_str().trim_end_matches('/')))
        .header("x-trino-user", user)
        .body(Body::empty())
        .ok()?;
    let response = client.request(request).await.ok()?;
    if response.status() != StatusCode::OK {
        return None;
    }
    let body = Limited::new(response.into_body(), 64 * 1024).collect().await.ok()?.to_bytes();
    serde_json::from_slice(&body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::RouterConfig;

    fn monitor(failures: u32, successes: u32) -> HealthMonitor {
        let config =
            HealthConfig { failure_threshold: failures, success_threshold: successes, ..HealthConfig::default() };
        let client = super::super::proxy::http_client(&Default::default()).unwrap();
        HealthMonitor::new(Arc::new(Router::new(RouterConfig::default()).unwrap()), client, config)
    }

    #[tokio::test]
    async fn hysteresis_follows_the_thresholds() {
        let monitor = monitor(3, 2);
        let mut probe = Probe::default();
        let run: Vec<bool> = [true, false, false, true, false, false, false, true, true, false]
            .iter()
            .map(|&up| monitor.judge(&mut probe, up))
            .collect();
        assert_eq!(run, [true, true, true, true, true, true, false, false, true, true]);
        let mut fresh = Probe::default();
        assert!(!monitor.judge(&mut fresh, false), "the first probe decides at once");
    }
}
