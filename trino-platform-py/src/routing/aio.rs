//! `AsyncRouter`: the routing engine for asyncio; the calls that may wait (`route`, `flush`,
//! `close`, opening a store) are awaitable, on the runtime that `Router` uses.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use trino_platform::Error;
use trino_platform::routing::ClusterStatus;

use super::decision::RouteDecision;
use super::engine::{Engine, config_of, request_of};
use super::rules::RoutingRules;
use super::status::ClusterView;
use crate::opening::{Opening, Ready};
use crate::runtime::awaitable;

const CLASS: &str = "AsyncRouter";

/// `Router` for asyncio: the same engine and methods; `route`, `flush` and `close` return
/// awaitables (a route may read the store for a query id it has not seen).
///
/// `AsyncRouter(...)` keeps sticky routes in memory; `async with AsyncRouter.open(store_url,
/// ...) as router:` (or `await AsyncRouter.open(...)`) persists them to a store and closes it
/// on exit. The other methods need no waiting and are plain calls.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncRouter(Arc<Engine>);

#[pymethods]
impl AsyncRouter {
    /// A router keeping sticky routes in memory; the keywords are `Router`'s.
    ///
    /// Raises `InvalidInputError` for a bad group, policy or cluster name.
    #[new]
    #[pyo3(signature = (
        *,
        default_group="adhoc",
        fallback_group=None,
        honor_routing_group_header=false,
        policy="leastLoaded",
        weights=None,
    ))]
    fn new(
        default_group: &str,
        fallback_group: Option<&str>,
        honor_routing_group_header: bool,
        policy: &str,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config = config_of(default_group, fallback_group, honor_routing_group_header, policy, weights)?;
        Ok(Self(Arc::new(Engine::in_memory(config)?)))
    }

    /// A router persisting sticky routes to the store at `store_url` (`sqlite:///path.db` or
    /// `postgres://…`, opened and migrated as needed): await it, or use it as `async with`.
    ///
    /// Raises `InvalidInputError` for a bad URL or keyword (at once), and when awaited what
    /// opening the store raises (`UnauthorizedError`, `UnavailableError`).
    #[classmethod]
    #[pyo3(signature = (
        store_url,
        *,
        default_group="adhoc",
        fallback_group=None,
        honor_routing_group_header=false,
        policy="leastLoaded",
        weights=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        store_url: &str,
        default_group: &str,
        fallback_group: Option<&str>,
        honor_routing_group_header: bool,
        policy: &str,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Opening> {
        let config = config_of(default_group, fallback_group, honor_routing_group_header, policy, weights)?;
        let opening = Engine::with_store(config, store_url)?;
        let future = awaitable(py, async move { opening.await.map(|engine| Self(Arc::new(engine))) })?;
        Ok(Opening::new(future, CLASS))
    }

    /// Replaces the rules atomically. See `Router.set_rules`.
    fn set_rules(&self, rules: &RoutingRules) -> PyResult<()> {
        self.0.set_rules(CLASS, rules)
    }

    /// Loads a typed rules file and swaps it in; returns the number of rules. See
    /// `Router.load_rules`.
    fn load_rules(&self, py: Python<'_>, path: PathBuf) -> PyResult<usize> {
        self.0.load_rules(CLASS, py, &path)
    }

    /// Replaces the registered clusters. See `Router.set_clusters`.
    fn set_clusters(&self, clusters: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.set_clusters(CLASS, clusters)
    }

    /// Records a cluster's health and load. See `Router.set_status`.
    #[pyo3(signature = (name, *, healthy=true, queued=0, running=0))]
    fn set_status(&self, name: &str, healthy: bool, queued: u64, running: u64) -> PyResult<()> {
        self.0.set_status(CLASS, name, ClusterStatus { healthy, queued, running })
    }

    /// Every registered cluster with its status and in-flight count, sorted by name.
    fn clusters(&self) -> PyResult<Vec<ClusterView>> {
        self.0.clusters(CLASS)
    }

    /// An awaitable of the `RouteDecision` for a request. See `Router.route`.
    #[pyo3(signature = (method, path, *, headers=None, principal=None))]
    fn route<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        headers: Option<&Bound<'_, PyAny>>,
        principal: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = request_of(method, path, headers, principal)?;
        self.0.router(CLASS)?;
        let engine = Arc::clone(&self.0);
        awaitable(py, async move { engine.checked(CLASS)?.route(&request).await.map(RouteDecision::from) })
    }

    /// Remembers that the named cluster runs `query_id`. See `Router.record_query`.
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

    /// Pins the OAuth2 login ids of a challenge to the named cluster. See
    /// `Router.record_oauth2_challenge`.
    fn record_oauth2_challenge(&self, www_authenticate: &str, cluster_name: &str) -> PyResult<usize> {
        self.0.record_oauth2_challenge(CLASS, www_authenticate, cluster_name)
    }

    /// The `Set-Cookie` value pinning an OAuth2 callback to the named cluster. See
    /// `Router.oauth2_cookie`.
    fn oauth2_cookie(&self, cluster_name: &str) -> PyResult<String> {
        self.0.oauth2_cookie(CLASS, cluster_name)
    }

    /// Waits until every sticky route recorded so far is written to the store.
    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0.router(CLASS)?;
        let engine = Arc::clone(&self.0);
        awaitable(py, async move {
            engine.flush().await;
            Ok::<_, Error>(())
        })
    }

    /// Writes the pending sticky routes and closes the store's connections; later calls raise
    /// `ConflictError`. Closing twice is harmless.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = Arc::clone(&self.0);
        awaitable(py, async move {
            engine.close().await;
            Ok::<_, Error>(())
        })
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    /// Closes the router; an exception raised in the `async with` block propagates.
    #[pyo3(signature = (*_exc_info))]
    fn __aexit__<'py>(&self, py: Python<'py>, _exc_info: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }

    /// `AsyncRouter(default_group='adhoc', policy='leastLoaded', rules=3, clusters=2)`, with the
    /// store URL (without its password) when routes persist.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, CLASS)
    }
}
