//! `Router`: the routing engine, synchronous, over the core's `Router`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};
use trino_platform::Error;
use trino_platform::cluster::{Cluster as CoreCluster, ClusterName, RoutingGroup};
use trino_platform::registry::{self, StoreUrl};
use trino_platform::routing::{self, ClusterStatus, QueryId, RouteRequest, RouterConfig, SelectionPolicy};

use super::decision::RouteDecision;
use super::quoted;
use super::rules::RoutingRules;
use super::status::ClusterView;
use crate::cluster::Cluster;
use crate::errors::to_pyerr;
use crate::runtime::{block_on, in_owner_process, runtime};

/// Decides which cluster serves a request, and why: a query id's cluster for follow-ups, the
/// issuing coordinator for OAuth2 legs, else the first matching rule's routing group (or the
/// default group), then a healthy, active cluster of it by the selection policy (or of the
/// fallback group).
///
/// Give it clusters (`set_clusters(store.list())`) and rules (`set_rules`), then `route` each
/// request. With `store_url`, sticky routes (query ids, OAuth2 logins) persist to that store so
/// that a restarted gateway or another replica resolves them too. Thread-safe; `route` and
/// `flush` release the GIL.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Router {
    /// `None` only while being dropped.
    router: Option<routing::Router>,
    /// The store URL with its password replaced by `***`, when routes persist.
    redacted_url: Option<String>,
}

/// Calls `f` with each (name, value) of a `Mapping` (its items; a `dict` without copying them)
/// or of an iterable of 2-tuples.
fn for_each_pair<'py>(
    obj: &Bound<'py, PyAny>,
    mut f: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if let Ok(dict) = obj.cast::<PyDict>() {
        return dict.iter().try_for_each(|(name, value)| f(&name, &value));
    }
    let items = match obj.cast::<PyMapping>() {
        Ok(mapping) => mapping.items()?.into_any(),
        Err(_) => obj.clone(),
    };
    items.try_iter()?.try_for_each(|item| {
        let (name, value) = item?.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()?;
        f(&name, &value)
    })
}

fn name(value: &str) -> PyResult<ClusterName> {
    ClusterName::new(value).map_err(to_pyerr)
}

fn group(value: &str) -> PyResult<RoutingGroup> {
    RoutingGroup::new(value).map_err(to_pyerr)
}

/// The selection policy named as the core's serde form names it (`leastLoaded`, …).
fn policy(value: &str) -> PyResult<SelectionPolicy> {
    serde_json::from_value(value.into())
        .map_err(|e| to_pyerr(Error::invalid_input(format!("invalid selection policy {value:?}: {e}"))))
}

impl Router {
    fn router(&self) -> &routing::Router {
        self.router.as_ref().expect("the router is set until it is dropped")
    }

    /// The registration of the cluster named `name`, as the router holds it. Raises
    /// `NotFoundError` when the router has no such cluster.
    fn known(&self, name: &str) -> PyResult<Arc<CoreCluster>> {
        let name = self::name(name)?;
        self.router().cluster(&name).ok_or_else(|| {
            to_pyerr(Error::not_found(format!(
                "no cluster named {:?} is known to the router; add it with set_clusters",
                name.as_str()
            )))
        })
    }
}

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
        let mut by_cluster = HashMap::new();
        if let Some(weights) = weights {
            for_each_pair(weights, |cluster, weight| {
                by_cluster.insert(name(cluster.extract()?)?, weight.extract()?);
                Ok(())
            })?;
        }
        let config = RouterConfig {
            default_group: group(default_group)?,
            fallback_group: fallback_group.map(group).transpose()?,
            honor_routing_group_header,
            policy: self::policy(policy)?,
            weights: by_cluster,
            ..RouterConfig::default()
        };
        let Some(url) = store_url else {
            return Ok(Self { router: Some(routing::Router::new(config).map_err(to_pyerr)?), redacted_url: None });
        };
        let url = StoreUrl::parse(url).map_err(to_pyerr)?;
        let redacted_url = Some(url.redacted());
        // The cluster-store half is not needed: the router only reads and writes routes.
        let (_, store) = block_on(py, async move { registry::open_with_routes(&url).await })?;
        // The router spawns its background writer: it must be made inside the runtime.
        let _runtime = runtime().map_err(to_pyerr)?.enter();
        let router = routing::Router::with_store(config, store).map_err(to_pyerr)?;
        Ok(Self { router: Some(router), redacted_url })
    }

    /// Replaces the rules atomically: each request sees the old set or the new one, whole.
    fn set_rules(&self, rules: &RoutingRules) {
        self.router().set_rules(rules.core().clone());
    }

    /// Loads a typed rules file from `path` and swaps it in; returns the number of rules.
    ///
    /// Raises `InvalidInputError` (naming the file, rule and line) and then keeps the current rules.
    fn load_rules(&self, py: Python<'_>, path: PathBuf) -> PyResult<usize> {
        let router = self.router();
        py.detach(|| router.reload_rules(&path)).map_err(to_pyerr)
    }

    /// Replaces the registered clusters (for example with `store.list()`). Health, load and
    /// in-flight counts of clusters that stay are kept.
    ///
    /// Raises `TypeError` for an item that is no `Cluster`.
    fn set_clusters(&self, clusters: &Bound<'_, PyAny>) -> PyResult<()> {
        let clusters = clusters
            .try_iter()?
            .map(|item| Ok(item?.cast_into::<Cluster>()?.get().core().clone()))
            .collect::<PyResult<Vec<_>>>()?;
        self.router().set_clusters(clusters);
        Ok(())
    }

    /// Records a cluster's health and load (as a health monitor would).
    ///
    /// Raises `NotFoundError` for a cluster the router does not know, `InvalidInputError` for
    /// an invalid name.
    #[pyo3(signature = (name, *, healthy=true, queued=0, running=0))]
    fn set_status(&self, name: &str, healthy: bool, queued: u64, running: u64) -> PyResult<()> {
        let status = ClusterStatus { healthy, queued, running };
        self.router().set_status(&self::name(name)?, status).map_err(to_pyerr)
    }

    /// Every registered cluster with its status and in-flight count, sorted by name.
    fn clusters(&self) -> Vec<ClusterView> {
        self.router().clusters().into_iter().map(ClusterView::from).collect()
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
        let mut request = RouteRequest::new(method, path);
        if let Some(headers) = headers {
            for_each_pair(headers, |name, value| {
                request = std::mem::take(&mut request).with_header(name.extract()?, value.extract::<&str>()?);
                Ok(())
            })?;
        }
        if let Some(principal) = principal {
            request = request.with_principal(principal);
        }
        let router = self.router();
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
        let id = QueryId::new(query_id).map_err(to_pyerr)?;
        let cluster = self.known(cluster_name)?;
        let mut request = RouteRequest::default();
        if let Some(user) = user {
            request = request.with_header(routing::headers::USER, user);
        }
        if let Some(source) = source {
            request = request.with_header(routing::headers::SOURCE, source);
        }
        self.router().record_query(&id, &cluster, &request);
        Ok(())
    }

    /// Pins the OAuth2 login ids of a `401`'s `WWW-Authenticate` header to the cluster named
    /// `cluster_name`; returns how many it pinned (0 when the header is no Trino OAuth2 challenge).
    ///
    /// Raises `NotFoundError` for a cluster the router does not know.
    fn record_oauth2_challenge(&self, www_authenticate: &str, cluster_name: &str) -> PyResult<usize> {
        let cluster = self.known(cluster_name)?;
        Ok(self.router().record_oauth2_challenge(www_authenticate, &cluster))
    }

    /// The `Set-Cookie` value that pins a browser's OAuth2 callback to the cluster named
    /// `cluster_name` (set it on the response to `/oauth2/token/initiate/…`).
    ///
    /// Raises `InvalidInputError` for an invalid name.
    fn oauth2_cookie(&self, cluster_name: &str) -> PyResult<String> {
        Ok(self.router().oauth2_cookie(&name(cluster_name)?))
    }

    /// Waits until every sticky route recorded so far is written to the store (returns at once
    /// without a store).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let router = self.router();
        block_on(py, async move {
            router.flush().await;
            Ok::<_, Error>(())
        })
    }

    /// `Router(default_group='adhoc', policy='leastLoaded', rules=3, clusters=2, store='sqlite:///…')`:
    /// the store URL without its password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let router = self.router();
        let config = router.config();
        let policy = serde_json::to_value(config.policy).ok();
        let mut text = format!(
            "Router(default_group={}, policy={}",
            quoted(py, config.default_group.as_str())?,
            quoted(py, policy.as_ref().and_then(|p| p.as_str()).unwrap_or("?"))?,
        );
        if let Some(fallback) = &config.fallback_group {
            text.push_str(&format!(", fallback_group={}", quoted(py, fallback.as_str())?));
        }
        if config.honor_routing_group_header {
            text.push_str(", honor_routing_group_header=True");
        }
        text.push_str(&format!(", rules={}, clusters={}", router.rules().len(), router.clusters().len()));
        if let Some(url) = &self.redacted_url {
            text.push_str(&format!(", store={}", quoted(py, url)?));
        }
        text.push(')');
        Ok(text)
    }
}

impl Drop for Router {
    /// Drops the router (its background writer and store connections) inside the runtime. In a
    /// forked child they belong to the parent: left alone, never closed.
    fn drop(&mut self) {
        let Some(router) = self.router.take() else { return };
        if self.redacted_url.is_none() {
            drop(router);
        } else if in_owner_process()
            && let Ok(rt) = runtime()
        {
            let _guard = rt.enter();
            drop(router);
        } else {
            std::mem::forget(router);
        }
    }
}
