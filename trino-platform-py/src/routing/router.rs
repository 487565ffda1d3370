//! `Router`: the routing engine, synchronous, over the core's `Router`.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use trino_platform::Error;
use trino_platform::routing::ClusterStatus;

use super::decision::RouteDecision;
use super::engine::{Engine, config_of, request_of};
use super::rules::RoutingRules;
use super::status::ClusterView;
use crate::runtime::block_on;

const CLASS: &str = "Router";

/// Decides which cluster serves a request, and why: a query id's cluster for follow-ups, the
/// issuing coordinator for OAuth2 legs, else the first matching rule's routing group (or the
/// default group), then a healthy, active cluster of it by the selection policy (or of the
/// fallback group).
///
/// Give it clusters (`set_clusters(store.list())`) and rules (`set_rules`), then `route` each
/// request. With `store_url`, sticky routes (query ids, OAuth2 logins) persist to that store so
/// that a restarted gateway or another replica resolves them too; `with Router(store_url=...) as
/// router:` writes the pending ones and closes the store on exit. Thread-safe; `route`, `flush`
/// and `close` release the GIL. `AsyncRouter` is the same for asyncio.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Router(Arc<Engine>);

#[pymethods]
impl Router {
    /// A router. `policy` picks a cluster inside a group: `"leastLoaded"` (fewest queued +
    /// running + in-flight), `"roundRobin"` or `"weighted"` (by `weights`, default 1, 0 takes no
    /// new queries). With `store_url` (`sqlite:///path.db` or `postgres://…`, opened and migrated
    /// as needed) sticky routes persist there.
    ///
    /// Raises `InvalidInputError` for a bad group, policy, cluster name or URL, and what opening
    /// the store raises (`UnauthorizedError`, `UnavailableError`).
    #[new]
    #[pyo3(signature = (
        *,
        default_group="adhoc",
        fallback_group=None,
        honor_routing_group_header=false,
        policy="leastLoaded",
        weights=None,
        store_url=None,
    ))]
    fn new(
        py: Python<'_>,
        default_group: &str,
        fallback_group: Option<&str>,
        honor_routing_group_header: bool,
        policy: &str,
        weights: Option<&Bound<'_, PyAny>>,
        store_url: Option<&str>,
    ) -> PyResult<Self> {
        let config = config_of(default_group, fallback_group, honor_routing_group_header, policy, weights)?;
        let engine = match store_url {
            None => Engine::in_memory(config)?,
            Some(url) => block_on(py, Engine::with_store(config, url)?)?,
        };
        Ok(Self(Arc::new(engine)))
    }

    /// Replaces the rules atomically: each request sees the old set or the new one, whole.
    fn set_rules(&self, rules: &RoutingRules) -> PyResult<()> {
        self.0.set_rules(CLASS, rules)
    }

    /// Loads a typed rules file from `path` and swaps it in; returns the number of rules.
    ///
    /// Raises `InvalidInputError` (naming the file, rule and line) and then keeps the current rules.
    fn load_rules(&self, py: Python<'_>, path: PathBuf) -> PyResult<usize> {
        self.0.load_rules(CLASS, py, &path)
    }

    /// Replaces the registered clusters (for example with `store.list()`). Health, load and
    /// in-flight counts of clusters that stay are kept.
    ///
    /// Raises `TypeError` for an item that is no `Cluster`.
    fn set_clusters(&self, clusters: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.set_clusters(CLASS, clusters)
    }

    /// Records a cluster's health and load (as a health monitor would).
    ///
    /// Raises `NotFoundError` for a cluster the router does not know, `InvalidInputError` for
    /// an invalid name.
    #[pyo3(signature = (name, *, healthy=true, queued=0, running=0))]
    fn set_status(&self, name: &str, healthy: bool, queued: u64, running: u64) -> PyResult<()> {
        self.0.set_status(CLASS, name, ClusterStatus { healthy, queued, running })
    }

    /// Every registered cluster with its status and in-flight count, sorted by name.
    fn clusters(&self) -> PyResult<Vec<ClusterView>> {
        self.0.clusters(CLASS)
    }

    /// Decides where a request goes: `method` and `path` (with its query string, if any),
    /// `headers` (a mapping or (name, value) pairs; names in any case) and the authenticated
    /// `principal` (which outranks `X-Trino-User`).
    ///
    /// Raises `NotFoundError` for an unknown query id, `UnavailableError` when no healthy,
    /// active cluster can take the request, `InvalidInputError` for a malformed
    /// `X-Trino-Routing-Group` that the router honours.
    #[pyo3(signature = (method, path, *, headers=None, principal=None))]
    fn route(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        headers: Option<&Bound<'_, PyAny>>,
        principal: Option<&str>,
    ) -> PyResult<RouteDecision> {
        let request = request_of(method, path, headers, principal)?;
        let router = self.0.router(CLASS)?;
        block_on(py, async move { router.route(&request).await }).map(RouteDecision::from)
    }

    /// Remembers that the cluster named `cluster_name` runs query `query_id` (call it on the
    /// first response to `POST /v1/statement`), with the `user` and `source` that submitted it.
    /// Persisted in the background when the router has a store (see `flush`).
    ///
    /// Raises `InvalidInputError` for a malformed query id, `NotFoundError` for a cluster the
    /// router does not know.
    #[pyo3(signature = (query_id, cluster_name, *, user=None, source=None))]
    fn record_query(
        &self,
        query_id: &str,
        cluster_name: &str,
        user: Option<&str>,
        source: Option<&str>,
    ) -> PyResult<()> {
        self.0.record_query(CLASS, query_id, cluster_name, user, source)
    }

    /// Pins the OAuth2 login ids of a `401`'s `WWW-Authenticate` header to the cluster named
    /// `cluster_name`; returns how many it pinned (0 when the header is no Trino OAuth2 challenge).
    ///
    /// Raises `NotFoundError` for a cluster the router does not know.
    fn record_oauth2_challenge(&self, www_authenticate: &str, cluster_name: &str) -> PyResult<usize> {
        self.0.record_oauth2_challenge(CLASS, www_authenticate, cluster_name)
    }

    /// The `Set-Cookie` value that pins a browser's OAuth2 callback to the cluster named
    /// `cluster_name` (set it on the response to `/oauth2/token/initiate/…`).
    ///
    /// Raises `InvalidInputError` for an invalid name.
    fn oauth2_cookie(&self, cluster_name: &str) -> PyResult<String> {
        self.0.oauth2_cookie(CLASS, cluster_name)
    }

    /// Waits until every sticky route recorded so far is written to the store (returns at once
    /// without a store).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.0.router(CLASS)?;
        let engine = Arc::clone(&self.0);
        block_on(py, async move {
            engine.flush().await;
            Ok::<_, Error>(())
        })
    }

    /// Writes the pending sticky routes and closes the store's connections; later calls raise
    /// `ConflictError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let engine = Arc::clone(&self.0);
        block_on(py, async move {
            engine.close().await;
            Ok::<_, Error>(())
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the router (see `close`); an exception raised in the `with` block propagates.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<Bound<'_, PyAny>>,
        exc_value: Option<Bound<'_, PyAny>>,
        traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let _ = (exc_type, exc_value, traceback);
        self.close(py)?;
        Ok(false)
    }

    /// `Router(default_group='adhoc', policy='leastLoaded', rules=3, clusters=2, store='sqlite:///…')`:
    /// the store URL without its password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, CLASS)
    }
}
