//! Choosing a cluster inside a routing group: the live pool of clusters with their health and
//! load, and the selection policies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::cluster::{Cluster, ClusterName, RoutingGroup};

/// How a cluster is picked among the healthy, active clusters of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SelectionPolicy {
    /// The one with the fewest queued + running queries (from health stats) plus requests in
    /// flight through this router; ties go to the name that sorts first.
    #[default]
    LeastLoaded,
    /// Each in turn.
    RoundRobin,
    /// In proportion to each cluster's weight (smooth weighted round-robin: deterministic, and
    /// never sends a burst to one cluster).
    Weighted,
}

/// Health and load of a cluster, as the health monitor last reported them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    /// Whether the cluster answers and is not starting.
    pub healthy: bool,
    /// Queries waiting in the cluster's queue.
    pub queued: u64,
    /// Queries running on the cluster.
    pub running: u64,
}

impl Default for ClusterStatus {
    /// Healthy and idle: a cluster is routable until a monitor says otherwise.
    fn default() -> Self {
        Self { healthy: true, queued: 0, running: 0 }
    }
}

/// Live counters of one cluster, kept across pool rebuilds so in-flight counts stay right.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    unhealthy: AtomicBool,
    queued: AtomicU64,
    running: AtomicU64,
    in_flight: AtomicU64,
    swrr: AtomicI64,
}

impl Stats {
    pub(crate) fn status(&self) -> ClusterStatus {
        ClusterStatus {
            healthy: !self.unhealthy.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
            running: self.running.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn set_status(&self, status: ClusterStatus) {
        self.unhealthy.store(!status.healthy, Ordering::Relaxed);
        self.queued.store(status.queued, Ordering::Relaxed);
        self.running.store(status.running, Ordering::Relaxed);
    }

    pub(crate) fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn load(&self) -> u64 {
        self.queued.load(Ordering::Relaxed) + self.running.load(Ordering::Relaxed) + self.in_flight()
    }
}

/// A registered cluster with its live counters.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pub(crate) cluster: Arc<Cluster>,
    pub(crate) stats: Arc<Stats>,
    weight: u32,
}

impl Backend {
    fn routable(&self) -> bool {
        self.cluster.active && !self.stats.unhealthy.load(Ordering::Relaxed)
    }
}

/// Counts a request in flight on a cluster until dropped (feeds least-loaded selection).
#[derive(Debug)]
pub struct InFlight {
    stats: Arc<Stats>,
}

impl InFlight {
    pub(crate) fn new(stats: Arc<Stats>) -> Self {
        stats.in_flight.fetch_add(1, Ordering::Relaxed);
        Self { stats }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An immutable snapshot of the registered clusters, rebuilt when registrations change.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    backends: Vec<Backend>,
    by_name: HashMap<ClusterName, usize>,
    by_url: HashMap<String, usize>,
    groups: HashMap<RoutingGroup, Group>,
}

#[derive(Debug, Default)]
struct Group {
    members: Vec<usize>,
    next: AtomicUsize,
    weighted: Mutex<()>,
}

impl Pool {
    /// Builds a pool, reusing the counters of clusters that `previous` already had.
    pub(crate) fn new(clusters: Vec<Cluster>, weights: &HashMap<ClusterName, u32>, previous: &Pool) -> Self {
        let mut clusters = clusters;
        clusters.sort_by(|a, b| a.name.cmp(&b.name));
        let mut pool = Pool::default();
        for (index, cluster) in clusters.into_iter().enumerate() {
            let stats = previous.get(&cluster.name).map_or_else(Arc::default, |b| Arc::clone(&b.stats));
            pool.by_name.insert(cluster.name.clone(), index);
            pool.by_url.insert(cluster.proxy_to.as_str().to_owned(), index);
            let group = pool.groups.entry(cluster.routing_group.clone()).or_insert_with(|| Group {
                // Keep the round-robin turn across rebuilds, or every refresh restarts it.
                next: AtomicUsize::new(
                    previous.groups.get(&cluster.routing_group).map_or(0, |g| g.next.load(Ordering::Relaxed)),
                ),
                ..Group::default()
            });
            group.members.push(index);
            let weight = weights.get(&cluster.name).copied().unwrap_or(1);
            pool.backends.push(Backend { cluster: Arc::new(cluster), stats, weight });
        }
        pool
    }

    pub(crate) fn get(&self, name: &ClusterName) -> Option<&Backend> {
        self.by_name.get(name).map(|&i| &self.backends[i])
    }

    pub(crate) fn by_url(&self, url: &str) -> Option<&Backend> {
        self.by_url.get(url).map(|&i| &self.backends[i])
    }

    pub(crate) fn backends(&self) -> &[Backend] {
        &self.backends
    }

    /// Picks a routable cluster of `group` by `policy`, or `None` when it has none.
    pub(crate) fn select(&self, group: &RoutingGroup, policy: SelectionPolicy) -> Option<&Backend> {
        let group = self.groups.get(group)?;
        let candidates = || group.members.iter().map(|&i| &self.backends[i]).filter(|b| b.routable());
        match policy {
            SelectionPolicy::LeastLoaded => candidates().min_by_key(|b| b.stats.load()),
            SelectionPolicy::RoundRobin => {
                let count = candidates().count();
                if count == 0 {
                    return None;
                }
                let turn = group.next.fetch_add(1, Ordering::Relaxed) % count;
                candidates().nth(turn)
            }
            SelectionPolicy::Weighted => {
                let _turn = group.weighted.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let mut total = 0i64;
                let mut best: Option<&Backend> = None;
                for backend in candidates().filter(|b| b.weight > 0) {
                    let weight = i64::from(backend.weight);
                    total += weight;
                    let current = backend.stats.swrr.fetch_add(weight, Ordering::Relaxed) + weight;
                    if best.is_none_or(|b| current > b.stats.swrr.load(Ordering::Relaxed)) {
                        best = Some(backend);
                    }
                }
                if let Some(best) = best {
                    best.stats.swrr.fetch_sub(total, Ordering::Relaxed);
                }
                best
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::BackendUrl;

    fn cluster(name: &str, group: &str) -> Cluster {
        Cluster::new(ClusterName::new(name).unwrap(), BackendUrl::new(&format!("http://{name}:8080")).unwrap())
            .with_routing_group(RoutingGroup::new(group).unwrap())
    }

    fn picks(pool: &Pool, group: &str, policy: SelectionPolicy, n: usize) -> Vec<String> {
        let group = RoutingGroup::new(group).unwrap();
        (0..n).map(|_| pool.select(&group, policy).map(|b| b.cluster.name.to_string()).unwrap_or_default()).collect()
    }

    #[test]
    fn least_loaded_counts_queued_running_and_in_flight() {
        let pool = Pool::new(vec![cluster("a", "g"), cluster("b", "g")], &HashMap::new(), &Pool::default());
        assert_eq!(picks(&pool, "g", SelectionPolicy::LeastLoaded, 1), ["a"], "tie: first name");
        pool.get(&ClusterName::new("a").unwrap()).unwrap().stats.set_status(ClusterStatus {
            healthy: true,
            queued: 2,
            running: 1,
        });
        assert_eq!(picks(&pool, "g", SelectionPolicy::LeastLoaded, 1), ["b"]);
        let b = pool.get(&ClusterName::new("b").unwrap()).unwrap();
        let guards: Vec<_> = (0..4).map(|_| InFlight::new(Arc::clone(&b.stats))).collect();
        assert_eq!(picks(&pool, "g", SelectionPolicy::LeastLoaded, 1), ["a"]);
        drop(guards);
        assert_eq!(picks(&pool, "g", SelectionPolicy::LeastLoaded, 1), ["b"]);
    }

    #[test]
    fn round_robin_skips_unhealthy_and_inactive() {
        let clusters =
            vec![cluster("a", "g"), cluster("b", "g"), cluster("c", "g"), cluster("d", "g").with_active(false)];
        let pool = Pool::new(clusters, &HashMap::new(), &Pool::default());
        assert_eq!(picks(&pool, "g", SelectionPolicy::RoundRobin, 4), ["a", "b", "c", "a"]);
        pool.get(&ClusterName::new("b").unwrap())
            .unwrap()
            .stats
            .set_status(ClusterStatus { healthy: false, ..Default::default() });
        let got = picks(&pool, "g", SelectionPolicy::RoundRobin, 4);
        assert!(got.iter().all(|n| n == "a" || n == "c"), "{got:?}");
        assert_eq!(picks(&pool, "other", SelectionPolicy::RoundRobin, 1), [""]);
    }

    #[test]
    fn weighted_is_smooth_and_proportional() {
        let weights = HashMap::from([(ClusterName::new("a").unwrap(), 5), (ClusterName::new("b").unwrap(), 1)]);
        let pool = Pool::new(vec![cluster("a", "g"), cluster("b", "g"), cluster("c", "g")], &weights, &Pool::default());
        let got = picks(&pool, "g", SelectionPolicy::Weighted, 7);
        assert_eq!(got, ["a", "a", "b", "a", "c", "a", "a"]);
    }

    #[test]
    fn round_robin_turn_survives_a_rebuild() {
        let clusters = || vec![cluster("a", "g"), cluster("b", "g"), cluster("c", "g")];
        let first = Pool::new(clusters(), &HashMap::new(), &Pool::default());
        assert_eq!(picks(&first, "g", SelectionPolicy::RoundRobin, 2), ["a", "b"]);
        let second = Pool::new(clusters(), &HashMap::new(), &first);
        assert_eq!(picks(&second, "g", SelectionPolicy::RoundRobin, 2), ["c", "a"]);
    }

    #[test]
    fn counters_survive_a_rebuild() {
        let first = Pool::new(vec![cluster("a", "g")], &HashMap::new(), &Pool::default());
        let guard = InFlight::new(Arc::clone(&first.get(&ClusterName::new("a").unwrap()).unwrap().stats));
        let second = Pool::new(vec![cluster("a", "h")], &HashMap::new(), &first);
        assert_eq!(second.get(&ClusterName::new("a").unwrap()).unwrap().stats.in_flight(), 1);
        drop(guard);
        assert_eq!(second.get(&ClusterName::new("a").unwrap()).unwrap().stats.in_flight(), 0);
        assert!(second.by_url("http://a:8080").is_some());
    }
}
