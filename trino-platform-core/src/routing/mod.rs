//! The gateway's routing engine, usable without the server: given a request, which cluster
//! serves it, and why.
//!
//! [`Router::route`] decides in this order:
//! 1. **Query id** in the path or query string (a follow-up: `nextUri`, cancel, UI pages): the
//!    cluster that ran the query, from memory, else from the store (so a restarted gateway or
//!    another replica on the same store finds it). It is used even when that cluster has since
//!    been deactivated or turned unhealthy, so running queries drain. Unknown id → `NotFound`.
//! 2. **OAuth2 leg** (`/oauth2/token/…` by login id, `/oauth2/callback` by signed cookie): the
//!    coordinator that issued the challenge (see [`oauth2`]). Unknown → routed as a new request.
//! 3. **Routing group**: the `X-Trino-Routing-Group` header when
//!    [`RouterConfig::honor_routing_group_header`] is set, else the first matching rule
//!    ([`RoutingRules`]), else [`RouterConfig::default_group`].
//! 4. **Cluster**: a healthy, active cluster of that group by [`SelectionPolicy`]; if the group
//!    has none, the same in [`RouterConfig::fallback_group`]; if neither has one, `Unavailable`.
//!
//! ```
//! use trino_platform::cluster::{BackendUrl, Cluster, ClusterName, RoutingGroup};
//! use trino_platform::routing::{RouteRequest, Router, RouterConfig, RoutingRules};
//!
//! # async fn demo() -> trino_platform::Result<()> {
//! let router = Router::new(RouterConfig::default())?;
//! router.set_rules(RoutingRules::from_yaml(
//!     "rules:\n  - name: etl\n    when: {source: {glob: 'airflow*'}}\n    routingGroup: etl\n",
//! )?);
//! router.set_clusters(vec![
//!     Cluster::new(ClusterName::new("etl-1")?, BackendUrl::new("http://etl-1:8080")?)
//!         .with_routing_group(RoutingGroup::new("etl")?),
//! ]);
//! let request = RouteRequest::new("POST", "/v1/statement").with_header("X-Trino-Source", "airflow");
//! let decision = router.route(&request).await?;
//! assert_eq!(decision.cluster.name.as_str(), "etl-1");
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod condition;
mod mvel;
pub mod oauth2;
mod query_id;
mod request;
mod rules;
mod select;
mod sticky;

pub use condition::{ConditionSpec, HeaderMatchSpec, MatchSpec};
pub use query_id::QueryId;
pub use request::{RouteRequest, headers};
pub use rules::{RoutingRules, RuleMatch, RuleSpec, RulesFile};
pub use select::{ClusterStatus, InFlight, SelectionPolicy};
pub use sticky::{RouteKey, RouteRecord, RouteStore, StickyConfig};

use self::oauth2::CookieSigner;
use self::select::Pool;
use self::sticky::{Recorder, StickyMap, epoch_ms};
use crate::cluster::{Cluster, ClusterName, RoutingGroup};
use crate::error::{Error, ErrorKind, Result};

/// How the router behaves.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// Group for requests no rule matches (default `adhoc`).
    pub default_group: RoutingGroup,
    /// Group to try when the chosen one has no healthy, active cluster.
    pub fallback_group: Option<RoutingGroup>,
    /// Let clients pick a group with `X-Trino-Routing-Group` (default off).
    pub honor_routing_group_header: bool,
    /// How a cluster is picked inside a group.
    pub policy: SelectionPolicy,
    /// Weights for [`SelectionPolicy::Weighted`] (default 1; 0 takes no new queries).
    pub weights: HashMap<ClusterName, u32>,
    /// Bounds of the in-memory sticky map.
    pub sticky: StickyConfig,
    /// Key for OAuth2 pin cookies, shared by replicas (at least 32 bytes); random when absent.
    pub oauth2_cookie_secret: Option<secrecy::SecretSlice<u8>>,
    /// How long an OAuth2 pin cookie is valid (default 10 minutes).
    pub oauth2_cookie_lifetime: Duration,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            default_group: RoutingGroup::adhoc(),
            fallback_group: None,
            honor_routing_group_header: false,
            policy: SelectionPolicy::default(),
            weights: HashMap::new(),
            sticky: StickyConfig::default(),
            oauth2_cookie_secret: None,
            oauth2_cookie_lifetime: Duration::from_secs(600),
        }
    }
}

/// Why a cluster was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteReason {
    /// The request follows up a query that this cluster runs.
    Query(QueryId),
    /// The request is a leg of an OAuth2 login this cluster started.
    OAuth2Login,
    /// The client asked for the group with `X-Trino-Routing-Group`.
    Header,
    /// The named rule chose the group.
    Rule(String),
    /// No rule matched; the default group.
    Default,
}

/// Where a request goes.
#[derive(Debug, Clone)]
pub struct RouteDecision {
    /// The chosen cluster.
    pub cluster: Arc<Cluster>,
    /// The group the request was routed in (the fallback group when it fell back).
    pub routing_group: RoutingGroup,
    /// Why.
    pub reason: RouteReason,
    /// The group first chosen, when the request fell back from it.
    pub fell_back_from: Option<RoutingGroup>,
    /// Headers to set on the forwarded request (from the deciding rule).
    pub add_headers: Vec<(String, String)>,
}

/// The routing group chosen for a new request, before a cluster is picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChoice {
    /// The group.
    pub routing_group: RoutingGroup,
    /// Why.
    pub reason: RouteReason,
    /// Headers to set on the forwarded request (from the deciding rule).
    pub add_headers: Vec<(String, String)>,
}

/// A registered cluster with its live status, as the router sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterView {
    /// The registration.
    pub cluster: Cluster,
    /// Health and load from the last probe.
    pub status: ClusterStatus,
    /// Requests in flight through this router.
    pub in_flight: u64,
}

/// The routing engine. Cheap to share (`Arc<Router>`); every method takes `&self`.
#[derive(Debug)]
pub struct Router {
    config: RouterConfig,
    rules: RwLock<Arc<RoutingRules>>,
    pool: RwLock<Arc<Pool>>,
    sticky: StickyMap,
    store: Option<Arc<dyn RouteStore>>,
    recorder: Option<Recorder>,
    cookies: CookieSigner,
}

impl Router {
    /// A router that keeps sticky routes in memory only. Fails with `InvalidInput` for a cookie
    /// secret shorter than 32 bytes.
    pub fn new(config: RouterConfig) -> Result<Self> {
        use secrecy::ExposeSecret;
        let cookies = match &config.oauth2_cookie_secret {
            Some(secret) => CookieSigner::new(secret.expose_secret(), config.oauth2_cookie_lifetime)?,
            None => CookieSigner::random(config.oauth2_cookie_lifetime)?,
        };
        Ok(Self {
            sticky: StickyMap::new(config.sticky),
            config,
            rules: RwLock::default(),
            pool: RwLock::default(),
            store: None,
            recorder: None,
            cookies,
        })
    }

    /// A router that also persists sticky routes to `store` (in background batches) and looks
    /// them up there on a memory miss. Must be called inside a Tokio runtime.
    pub fn with_store(config: RouterConfig, store: Arc<dyn RouteStore>) -> Result<Self> {
        let mut router = Self::new(config)?;
        router.recorder = Some(Recorder::spawn(Arc::clone(&store)));
        router.store = Some(store);
        Ok(router)
    }

    /// The configuration.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// Replaces the rules atomically: each request sees the old set or the new one, whole.
    pub fn set_rules(&self, rules: RoutingRules) {
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(rules);
    }

    /// Loads rules from a file (typed YAML) and swaps them in. On any error the current rules
    /// stay in force and the error says why.
    pub fn reload_rules(&self, path: &Path) -> Result<usize> {
        let rules = RoutingRules::load(path)?;
        let count = rules.len();
        self.set_rules(rules);
        Ok(count)
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<RoutingRules> {
        Arc::clone(&self.rules.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Replaces the set of registered clusters (for example after reading the registry).
    /// Health, load and in-flight counts of clusters that stay are kept.
    pub fn set_clusters(&self, mut clusters: Vec<Cluster>) {
        clusters.sort_by(|a, b| a.name.cmp(&b.name));
        let mut pool = self.pool.write().unwrap_or_else(|p| p.into_inner());
        let unchanged = pool.backends().len() == clusters.len()
            && pool.backends().iter().zip(&clusters).all(|(backend, cluster)| *backend.cluster == *cluster);
        if !unchanged {
            *pool = Arc::new(Pool::new(clusters, &self.config.weights, &pool));
        }
    }

    /// Records a cluster's health and load. Fails with `NotFound` for an unknown cluster.
    pub fn set_status(&self, name: &ClusterName, status: ClusterStatus) -> Result<()> {
        let pool = self.pool();
        let backend = pool.get(name).ok_or_else(|| unknown_cluster(name))?;
        backend.stats.set_status(status);
        Ok(())
    }

    /// Every registered cluster with its status, sorted by name.
    pub fn clusters(&self) -> Vec<ClusterView> {
        self.pool()
            .backends()
            .iter()
            .map(|b| ClusterView {
                cluster: Cluster::clone(&b.cluster),
                status: b.stats.status(),
                in_flight: b.stats.in_flight(),
            })
            .collect()
    }

    /// The registered cluster named `name`, if any.
    pub fn cluster(&self, name: &ClusterName) -> Option<Arc<Cluster>> {
        self.pool().get(name).map(|b| Arc::clone(&b.cluster))
    }

    fn pool(&self) -> Arc<Pool> {
        Arc::clone(&self.pool.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Decides where `request` goes (see the module docs for the order). Fails with `NotFound`
    /// for an unknown query id, `Unavailable` when no healthy, active cluster can take it,
    /// `InvalidInput` for a malformed `X-Trino-Routing-Group` that the router honours.
    pub async fn route(&self, request: &RouteRequest) -> Result<RouteDecision> {
        let pool = self.pool();
        if let Some(id) = QueryId::from_request(request.path(), request.query()) {
            let key = RouteKey::Query(id.clone());
            let cluster = self.find(&pool, &key).await?.ok_or_else(|| {
                Error::not_found(format!("unknown query id {id}: no cluster behind this gateway ran it"))
            })?;
            return Ok(pinned(cluster, RouteReason::Query(id)));
        }
        if let Some(cluster) = self.oauth2_pin(&pool, request).await? {
            return Ok(pinned(cluster, RouteReason::OAuth2Login));
        }
        self.select(&pool, self.choose_group(request)?)
    }

    /// The routing group for a new request and why, without choosing a cluster.
    pub fn choose_group(&self, request: &RouteRequest) -> Result<GroupChoice> {
        if self.config.honor_routing_group_header
            && let Some(group) = request.header(headers::ROUTING_GROUP)
        {
            let routing_group = RoutingGroup::new(group)?;
            return Ok(GroupChoice { routing_group, reason: RouteReason::Header, add_headers: Vec::new() });
        }
        let rules = self.rules();
        Ok(match rules.evaluate(request) {
            Some(hit) => GroupChoice {
                routing_group: hit.routing_group.clone(),
                reason: RouteReason::Rule(hit.rule.to_owned()),
                add_headers: hit.add_headers.to_vec(),
            },
            None => GroupChoice {
                routing_group: self.config.default_group.clone(),
                reason: RouteReason::Default,
                add_headers: Vec::new(),
            },
        })
    }

    fn select(&self, pool: &Pool, choice: GroupChoice) -> Result<RouteDecision> {
        let GroupChoice { routing_group: group, reason, add_headers } = choice;
        if let Some(backend) = pool.select(&group, self.config.policy) {
            return Ok(RouteDecision {
                cluster: Arc::clone(&backend.cluster),
                routing_group: group,
                reason,
                fell_back_from: None,
                add_headers,
            });
        }
        if let Some(fallback) = self.config.fallback_group.as_ref().filter(|f| **f != group)
            && let Some(backend) = pool.select(fallback, self.config.policy)
        {
            return Ok(RouteDecision {
                cluster: Arc::clone(&backend.cluster),
                routing_group: fallback.clone(),
                reason,
                fell_back_from: Some(group),
                add_headers,
            });
        }
        let also = self.config.fallback_group.as_ref().map(|f| format!(" or fallback group {:?}", f.as_str()));
        Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "no healthy, active cluster in routing group {:?}{}; register or activate one, or retry later",
                group.as_str(),
                also.unwrap_or_default()
            ),
        ))
    }

    async fn find(&self, pool: &Pool, key: &RouteKey) -> Result<Option<Arc<Cluster>>> {
        if let Some(cluster) = self.sticky.get(key) {
            // The registration may have changed since; prefer the current one.
            let current = pool.get(&cluster.name).map(|b| Arc::clone(&b.cluster));
            return Ok(Some(current.unwrap_or(cluster)));
        }
        let Some(store) = &self.store else { return Ok(None) };
        let Some(url) = store.find_route(key).await? else { return Ok(None) };
        let cluster = pool.by_url(&url).map(|b| Arc::clone(&b.cluster));
        if let Some(cluster) = &cluster {
            self.sticky.insert(key, Arc::clone(cluster));
        }
        Ok(cluster)
    }

    async fn oauth2_pin(&self, pool: &Pool, request: &RouteRequest) -> Result<Option<Arc<Cluster>>> {
        if let Some(id) = oauth2::leg_id(request.path()) {
            return self.find(pool, &RouteKey::OAuth2(id.to_owned())).await;
        }
        if request.path().starts_with("/oauth2/")
            && let Some(cookie) = request.header("cookie")
            && let Some(name) = self.cookies.verify(cookie, unix_secs())
        {
            return Ok(pool.get(&name).map(|b| Arc::clone(&b.cluster)));
        }
        Ok(None)
    }

    /// Counts a request in flight on the decided cluster until the guard drops (feeds
    /// least-loaded selection).
    pub fn begin(&self, decision: &RouteDecision) -> Option<InFlight> {
        self.pool().get(&decision.cluster.name).map(|b| InFlight::new(Arc::clone(&b.stats)))
    }

    /// Remembers that `cluster` runs query `id` (call on the first response to
    /// `POST /v1/statement`); persisted in the background when the router has a store.
    pub fn record_query(&self, id: &QueryId, cluster: &Arc<Cluster>, request: &RouteRequest) {
        let key = RouteKey::Query(id.clone());
        self.remember(key, cluster, request.user(), request.source());
    }

    /// Pins the OAuth2 login ids of a `401`'s `WWW-Authenticate` header to `cluster`. Returns
    /// how many ids it pinned (0 when the header is no Trino OAuth2 challenge).
    pub fn record_oauth2_challenge(&self, www_authenticate: &str, cluster: &Arc<Cluster>) -> usize {
        let ids = oauth2::challenge_ids(www_authenticate);
        for id in &ids {
            self.remember(RouteKey::OAuth2(id.clone()), cluster, None, None);
        }
        ids.len()
    }

    fn remember(&self, key: RouteKey, cluster: &Arc<Cluster>, user: Option<&str>, source: Option<&str>) {
        self.sticky.insert(&key, Arc::clone(cluster));
        if let Some(recorder) = &self.recorder {
            recorder.record(RouteRecord {
                key,
                backend_url: cluster.proxy_to.to_string(),
                routing_group: cluster.routing_group.to_string(),
                external_url: cluster.external_url.to_string(),
                user: user.map(str::to_owned),
                source: source.map(str::to_owned),
                created_ms: epoch_ms(),
            });
        }
    }

    /// The `Set-Cookie` value that pins a browser's OAuth2 callback to `cluster` (set it on the
    /// response to `/oauth2/token/initiate/…`).
    pub fn oauth2_cookie(&self, cluster: &ClusterName) -> String {
        self.cookies.set_cookie(cluster, unix_secs())
    }

    /// Waits until every sticky route recorded so far is written to the store.
    pub async fn flush(&self) {
        if let Some(recorder) = &self.recorder {
            recorder.flush().await;
        }
    }
}

fn pinned(cluster: Arc<Cluster>, reason: RouteReason) -> RouteDecision {
    RouteDecision {
        routing_group: cluster.routing_group.clone(),
        cluster,
        reason,
        fell_back_from: None,
        add_headers: Vec::new(),
    }
}

fn unknown_cluster(name: &ClusterName) -> Error {
    Error::not_found(format!("no cluster named {:?} is known to the router", name.as_str()))
}

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
