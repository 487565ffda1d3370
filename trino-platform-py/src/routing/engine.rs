//! What `Router` and `AsyncRouter` share: the core router (with its store, when sticky routes
//! persist), the conversion of their arguments, and the calls that need no waiting.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};
use trino_platform::cluster::{Cluster as CoreCluster, ClusterName, RoutingGroup};
use trino_platform::registry::{self, StoreUrl};
use trino_platform::routing::{self, ClusterStatus, QueryId, RouteRequest, RouterConfig, SelectionPolicy};
use trino_platform::{Error, ErrorKind, Result};

use super::quoted;
use super::rules::RoutingRules;
use super::status::ClusterView;
use crate::cluster::Cluster;
use crate::errors::to_pyerr;
use crate::release::drop_in_runtime;

/// The core router of a `Router` or `AsyncRouter`, shared with the calls running on it.
pub(crate) struct Engine {
    /// `None` only while being dropped.
    router: Option<routing::Router>,
    /// The store sticky routes persist to (the cluster-store half of the same pool, to close it).
    store: Option<Arc<dyn registry::ClusterStore>>,
    /// The store URL with its password replaced by `***`, when routes persist.
    redacted_url: Option<String>,
    closed: AtomicBool,
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

/// The router configuration of the constructors' keyword arguments.
pub(crate) fn config_of(
    default_group: &str,
    fallback_group: Option<&str>,
    honor_routing_group_header: bool,
    policy: &str,
    weights: Option<&Bound<'_, PyAny>>,
) -> PyResult<RouterConfig> {
    let mut by_cluster = HashMap::new();
    if let Some(weights) = weights {
        for_each_pair(weights, |cluster, weight| {
            by_cluster.insert(name(cluster.extract()?)?, weight.extract()?);
            Ok(())
        })?;
    }
    Ok(RouterConfig {
        default_group: group(default_group)?,
        fallback_group: fallback_group.map(group).transpose()?,
        honor_routing_group_header,
        policy: self::policy(policy)?,
        weights: by_cluster,
        ..RouterConfig::default()
    })
}

/// The request `route` decides, from its arguments.
pub(crate) fn request_of(
    method: &str,
    path: &str,
    headers: Option<&Bound<'_, PyAny>>,
    principal: Option<&str>,
) -> PyResult<RouteRequest> {
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
    Ok(request)
}

impl Engine {
    /// A router keeping sticky routes in memory.
    pub(crate) fn in_memory(config: RouterConfig) -> PyResult<Self> {
        let router = routing::Router::new(config).map_err(to_pyerr)?;
        Ok(Self { router: Some(router), store: None, redacted_url: None, closed: AtomicBool::new(false) })
    }

    /// Parses `url` (`InvalidInputError` at once for an unsupported one) and returns the future
    /// that opens (and migrates) its store and builds a router persisting sticky routes there.
    pub(crate) fn with_store(
        config: RouterConfig,
        url: &str,
    ) -> PyResult<impl Future<Output = Result<Self>> + Send + 'static> {
        let url = StoreUrl::parse(url).map_err(to_pyerr)?;
        Ok(async move {
            let (store, routes) = registry::open_with_routes(&url).await?;
            // Spawns its background writer: this future runs on the runtime.
            let router = routing::Router::with_store(config, routes)?;
            Ok(Self {
                router: Some(router),
                store: Some(store),
                redacted_url: Some(url.redacted()),
                closed: AtomicBool::new(false),
            })
        })
    }

    /// The core router, or a `Conflict` error once closed (`class` names the Python class).
    pub(crate) fn checked(&self, class: &str) -> Result<&routing::Router> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("the {class} is closed; make a new one to route requests"),
            ));
        }
        Ok(self.router.as_ref().expect("the router is set until it is dropped"))
    }

    /// [`Engine::checked`], raising `ConflictError` once closed.
    pub(crate) fn router(&self, class: &str) -> PyResult<&routing::Router> {
        self.checked(class).map_err(to_pyerr)
    }

    /// The registration of the cluster named `name`, as the router holds it. Raises
    /// `NotFoundError` when the router has no such cluster.
    fn known(&self, class: &str, name: &str) -> PyResult<Arc<CoreCluster>> {
        let name = self::name(name)?;
        self.router(class)?.cluster(&name).ok_or_else(|| {
            to_pyerr(Error::not_found(format!(
                "no cluster named {:?} is known to the router; add it with set_clusters",
                name.as_str()
            )))
        })
    }

    pub(crate) fn set_rules(&self, class: &str, rules: &RoutingRules) -> PyResult<()> {
        self.router(class)?.set_rules(rules.core().clone());
        Ok(())
    }

    pub(crate) fn load_rules(&self, class: &str, py: Python<'_>, path: &Path) -> PyResult<usize> {
        let router = self.router(class)?;
        py.detach(|| router.reload_rules(path)).map_err(to_pyerr)
    }

    pub(crate) fn set_clusters(&self, class: &str, clusters: &Bound<'_, PyAny>) -> PyResult<()> {
        let clusters = clusters
            .try_iter()?
            .map(|item| Ok(item?.cast_into::<Cluster>()?.get().core().clone()))
            .collect::<PyResult<Vec<_>>>()?;
        self.router(class)?.set_clusters(clusters);
        Ok(())
    }

    pub(crate) fn set_status(&self, class: &str, name: &str, status: ClusterStatus) -> PyResult<()> {
        self.router(class)?.set_status(&self::name(name)?, status).map_err(to_pyerr)
    }

    pub(crate) fn clusters(&self, class: &str) -> PyResult<Vec<ClusterView>> {
        Ok(self.router(class)?.clusters().into_iter().map(ClusterView::from).collect())
    }

    pub(crate) fn record_query(
        &self,
        class: &str,
        query_id: &str,
        cluster_name: &str,
        user: Option<&str>,
        source: Option<&str>,
    ) -> PyResult<()> {
        let id = QueryId::new(query_id).map_err(to_pyerr)?;
        let cluster = self.known(class, cluster_name)?;
        let mut request = RouteRequest::default();
        if let Some(user) = user {
            request = request.with_header(routing::headers::USER, user);
        }
        if let Some(source) = source {
            request = request.with_header(routing::headers::SOURCE, source);
        }
        self.router(class)?.record_query(&id, &cluster, &request);
        Ok(())
    }

    pub(crate) fn record_oauth2_challenge(
        &self,
        class: &str,
        www_authenticate: &str,
        cluster_name: &str,
    ) -> PyResult<usize> {
        let cluster = self.known(class, cluster_name)?;
        Ok(self.router(class)?.record_oauth2_challenge(www_authenticate, &cluster))
    }

    pub(crate) fn oauth2_cookie(&self, class: &str, cluster_name: &str) -> PyResult<String> {
        Ok(self.router(class)?.oauth2_cookie(&name(cluster_name)?))
    }

    /// Waits until the sticky routes recorded so far are written.
    pub(crate) async fn flush(&self) {
        if let Some(router) = &self.router {
            router.flush().await;
        }
    }

    /// Marks the router closed (later calls raise `ConflictError`), writes the pending sticky
    /// routes and closes the store's connections. Harmless when closed already.
    pub(crate) async fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.flush().await;
        if let Some(store) = &self.store {
            store.close().await;
        }
    }

    /// `Router(default_group='adhoc', policy='leastLoaded', rules=3, clusters=2, store='sqlite:///…')`
    /// (`class` names the Python class): the store URL without its password.
    pub(crate) fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        let router = self.router.as_ref().expect("the router is set until it is dropped");
        let config = router.config();
        let policy = serde_json::to_value(config.policy).ok();
        let mut text = format!(
            "{class}(default_group={}, policy={}",
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
        if self.closed.load(Ordering::Acquire) {
            text.push_str(", closed");
        }
        text.push(')');
        Ok(text)
    }
}

impl Drop for Engine {
    /// Drops the router (its background writer and store connections) inside the runtime. In a
    /// forked child they belong to the parent: left alone, never closed.
    fn drop(&mut self) {
        let router = self.router.take();
        if self.store.is_none() {
            drop(router);
        } else {
            drop_in_runtime(router);
            drop_in_runtime(self.store.take());
        }
    }
}
