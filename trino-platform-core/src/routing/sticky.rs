//! Sticky routing state: which cluster owns a query id or an OAuth2 login, held in a bounded
//! in-memory map and persisted in asynchronous batches so that a restarted gateway, or another
//! replica on the same store, resolves follow-ups too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};

use super::query_id::QueryId;
use crate::cluster::Cluster;
use crate::error::Result;

/// What a sticky route is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RouteKey {
    /// A query id, stored in trino-gateway's `query_history`.
    Query(QueryId),
    /// An OAuth2 login id (the `{hash}` of `x_redirect_server` or the `{authId}` of
    /// `x_token_server`), stored in `trino_platform_oauth2_pins`.
    OAuth2(String),
}

impl RouteKey {
    fn memory_key(&self) -> Box<str> {
        match self {
            RouteKey::Query(id) => id.as_str().into(),
            RouteKey::OAuth2(id) => format!("oauth2:{id}").into(),
        }
    }
}

/// A sticky route to persist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRecord {
    /// What the route is for.
    pub key: RouteKey,
    /// The cluster's proxy URL (`query_history.backend_url`).
    pub backend_url: String,
    /// The cluster's routing group.
    pub routing_group: String,
    /// The cluster's external URL.
    pub external_url: String,
    /// The user who submitted the query, if known.
    pub user: Option<String>,
    /// `X-Trino-Source`, if sent.
    pub source: Option<String>,
    /// When it was recorded, epoch milliseconds.
    pub created_ms: i64,
}

/// Where sticky routes persist. The SQLite and PostgreSQL cluster stores implement it.
#[async_trait::async_trait]
pub trait RouteStore: Send + Sync + std::fmt::Debug {
    /// Saves routes; a key that is already stored keeps its first route.
    async fn save_routes(&self, routes: &[RouteRecord]) -> Result<()>;

    /// The proxy URL of the cluster that owns `key`, if stored.
    async fn find_route(&self, key: &RouteKey) -> Result<Option<String>>;
}

/// Settings of the in-memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StickyConfig {
    /// Routes held in memory: at least about this many of the most recent ones (each of 16
    /// shards keeps its last `capacity / 16`), at most twice as many. Older routes are still
    /// found in the store.
    pub capacity: usize,
    /// A route older than this is forgotten by memory.
    pub ttl: Duration,
}

impl Default for StickyConfig {
    fn default() -> Self {
        Self { capacity: 1_000_000, ttl: Duration::from_secs(24 * 3600) }
    }
}

const SHARDS: usize = 16;

/// A bounded, sharded map from route keys to clusters. Each shard keeps two generations: when
/// the current one holds the shard's share of `capacity` (or outlives the TTL), it becomes the
/// previous one and the old previous is dropped. So each shard keeps at least its last
/// `capacity / 16` routes and at most twice as many, and every operation is O(1); a route found
/// in the previous generation moves back into the current one.
#[derive(Debug)]
pub(crate) struct StickyMap {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    ttl_secs: u32,
    epoch: Instant,
}

#[derive(Debug, Default)]
struct Shard {
    current: HashMap<Box<str>, Entry>,
    previous: HashMap<Box<str>, Entry>,
    rotated_at: u32,
}

#[derive(Debug, Clone)]
struct Entry {
    cluster: Arc<Cluster>,
    at: u32,
}

impl StickyMap {
    pub(crate) fn new(config: StickyConfig) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: config.capacity.div_ceil(SHARDS).max(1),
            ttl_secs: u32::try_from(config.ttl.as_secs()).unwrap_or(u32::MAX),
            epoch: Instant::now(),
        }
    }

    fn now(&self) -> u32 {
        u32::try_from(self.epoch.elapsed().as_secs()).unwrap_or(u32::MAX)
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, Shard> {
        // FNV-1a: cheap and good enough to spread query ids over shards.
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        let shard = &self.shards[(hash % SHARDS as u64) as usize];
        shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn insert(&self, key: &RouteKey, cluster: Arc<Cluster>) {
        let key = key.memory_key();
        let now = self.now();
        let mut shard = self.shard(&key);
        if shard.current.len() >= self.per_shard || now.saturating_sub(shard.rotated_at) >= self.ttl_secs {
            shard.previous = std::mem::take(&mut shard.current);
            shard.rotated_at = now;
        }
        shard.current.insert(key, Entry { cluster, at: now });
    }

    pub(crate) fn get(&self, key: &RouteKey) -> Option<Arc<Cluster>> {
        let key = key.memory_key();
        let now = self.now();
        let mut shard = self.shard(&key);
        let fresh = |e: &Entry| now.saturating_sub(e.at) < self.ttl_secs;
        if let Some(entry) = shard.current.get(&key) {
            return fresh(entry).then(|| Arc::clone(&entry.cluster));
        }
        let entry = shard.previous.remove(&key).filter(fresh)?;
        let cluster = Arc::clone(&entry.cluster);
        if shard.current.len() < self.per_shard {
            shard.current.insert(key, entry);
        }
        Some(cluster)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().map(|s| s.current.len() + s.previous.len()).unwrap_or(0)).sum()
    }
}

enum Message {
    Record(RouteRecord),
    Flush(oneshot::Sender<()>),
}

/// Writes routes to the store in the background, in batches, retrying transient failures.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    tx: mpsc::Sender<Message>,
}

const BATCH: usize = 512;
const QUEUE: usize = 65_536;
/// How long the writer lets routes gather after the first one, so that a burst of queries
/// is one write (a replica that meets an unknown id waits for it: `routing.unknownQueryWait`).
const BATCH_WINDOW: Duration = Duration::from_millis(5);

impl Recorder {
    /// Starts the writer task (needs a Tokio runtime).
    pub(crate) fn spawn(store: Arc<dyn RouteStore>) -> Self {
        let (tx, mut rx) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            let mut inbox = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut inbox, BATCH).await > 0 {
                let flushing = inbox.iter().any(|m| matches!(m, Message::Flush(_)));
                if !flushing && inbox.len() < BATCH {
                    tokio::time::sleep(BATCH_WINDOW).await;
                    while inbox.len() < BATCH
                        && let Ok(message) = rx.try_recv()
                    {
                        inbox.push(message);
                    }
                }
                let mut batch = Vec::with_capacity(inbox.len());
                let mut waiters = Vec::new();
                for message in inbox.drain(..) {
                    match message {
                        Message::Record(record) => batch.push(record),
                        Message::Flush(done) => waiters.push(done),
                    }
                }
                if !batch.is_empty() {
                    save_with_retry(store.as_ref(), &batch).await;
                }
                for done in waiters {
                    let _ = done.send(());
                }
            }
        });
        Self { tx }
    }

    /// Queues a route; when the queue is full the route stays in memory only (and is logged).
    pub(crate) fn record(&self, record: RouteRecord) {
        if self.tx.try_send(Message::Record(record)).is_err() {
            tracing::warn!("sticky route queue is full; the route is kept in memory only");
        }
    }

    /// Waits until every route queued before this call is written (or given up on).
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn save_with_retry(store: &dyn RouteStore, batch: &[RouteRecord]) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=4 {
        match store.save_routes(batch).await {
            Ok(()) => return,
            Err(e) if e.is_retryable() && attempt < 4 => {
                tracing::debug!(error = %e, attempt, "retrying sticky route batch");
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
            Err(e) => {
                tracing::warn!(error = %e, routes = batch.len(), "sticky routes not persisted; kept in memory only");
                return;
            }
        }
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{BackendUrl, ClusterName};

    fn cluster(name: &str) -> Arc<Cluster> {
        Arc::new(Cluster::new(ClusterName::new(name).unwrap(), BackendUrl::new("http://c").unwrap()))
    }

    fn key(i: usize) -> RouteKey {
        RouteKey::Query(QueryId::new(&format!("20260101_000000_{i:05}_abcde")).unwrap())
    }

    #[test]
    fn holds_at_most_twice_capacity_and_keeps_recent_routes() {
        let map = StickyMap::new(StickyConfig { capacity: 1600, ttl: Duration::from_secs(3600) });
        for i in 0..10_000 {
            map.insert(&key(i), cluster("a"));
        }
        assert!(map.len() <= 3200, "{}", map.len());
        assert!((9_000..10_000).all(|i| map.get(&key(i)).is_some()), "recent routes are kept");
        assert!(map.get(&key(0)).is_none(), "old routes are evicted");
    }

    #[test]
    fn query_and_oauth2_keys_do_not_collide() {
        let map = StickyMap::new(StickyConfig::default());
        map.insert(&RouteKey::OAuth2("20260101_000000_00001_abcde".into()), cluster("oauth"));
        map.insert(&key(1), cluster("query"));
        assert_eq!(map.get(&key(1)).unwrap().name.as_str(), "query");
        assert_eq!(map.get(&RouteKey::OAuth2("20260101_000000_00001_abcde".into())).unwrap().name.as_str(), "oauth");
    }

    #[test]
    fn expired_routes_are_forgotten() {
        let map = StickyMap::new(StickyConfig { capacity: 100, ttl: Duration::ZERO });
        map.insert(&key(1), cluster("a"));
        assert!(map.get(&key(1)).is_none());
    }
}
