//! `ClusterStore`: the cluster registry, synchronous, over the core's async `ClusterStore`.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};
use trino_platform::cluster::{BackendUrl, ClusterFilter, ClusterName, ClusterUpdate, RoutingGroup};
use trino_platform::registry::{self, StoreUrl};
use trino_platform::{Error, Result};

use crate::cluster::Cluster;
use crate::errors::to_pyerr;
use crate::runtime::{block_on, in_owner_process, runtime};

/// Where cluster registrations live: `sqlite:///path/gateway.db` (embedded) or
/// `postgres://user:password@host/db` (shared by gateway replicas).
///
/// Open one with `ClusterStore.open(url)`, ideally as `with ClusterStore.open(url) as store:`.
/// Every method blocks until the database answers, with the GIL released; the store can be
/// shared between threads.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ClusterStore {
    /// `None` only while being dropped.
    store: Option<Arc<dyn registry::ClusterStore>>,
    /// The URL with its password replaced by `***`.
    redacted_url: String,
}

fn opt<'a, T>(value: Option<&'a str>, parse: impl FnOnce(&'a str) -> Result<T>) -> PyResult<Option<T>> {
    value.map(parse).transpose().map_err(to_pyerr)
}

fn name(value: &str) -> PyResult<ClusterName> {
    ClusterName::new(value).map_err(to_pyerr)
}

impl ClusterStore {
    fn store(&self) -> Arc<dyn registry::ClusterStore> {
        Arc::clone(self.store.as_ref().expect("the store is set until it is dropped"))
    }
}

#[pymethods]
impl ClusterStore {
    /// Opens (creating and migrating as needed) the store at `url`.
    ///
    /// Raises `InvalidInputError` for an unsupported URL, `UnauthorizedError` for rejected
    /// credentials, `UnavailableError` when the database cannot be reached.
    #[classmethod]
    fn open(_cls: &Bound<'_, PyType>, py: Python<'_>, url: &str) -> PyResult<Self> {
        let url = StoreUrl::parse(url).map_err(to_pyerr)?;
        let redacted_url = url.redacted();
        let store = block_on(py, async move { registry::open_url(&url).await })?;
        Ok(Self { store: Some(store), redacted_url })
    }

    /// Registers a cluster and returns it. `external_url` defaults to `proxy_to`,
    /// `routing_group` to `"adhoc"`.
    ///
    /// Raises `AlreadyExistsError` when the name is taken, `InvalidInputError` for an invalid
    /// name, URL or group.
    #[pyo3(signature = (name, proxy_to, *, external_url=None, routing_group=None, active=true))]
    fn register(
        &self,
        py: Python<'_>,
        name: &str,
        proxy_to: &str,
        external_url: Option<&str>,
        routing_group: Option<&str>,
        active: bool,
    ) -> PyResult<Cluster> {
        let cluster = Cluster::build(name, proxy_to, external_url, routing_group, active)?;
        let store = self.store();
        block_on(py, async move { store.register(&cluster).await }).map(Cluster::from)
    }

    /// Changes the given fields (the others stay as they are) and returns the cluster.
    ///
    /// Raises `NotFoundError` when no cluster has the name, `InvalidInputError` for invalid values.
    #[pyo3(signature = (name, *, proxy_to=None, external_url=None, routing_group=None, active=None))]
    fn update(
        &self,
        py: Python<'_>,
        name: &str,
        proxy_to: Option<&str>,
        external_url: Option<&str>,
        routing_group: Option<&str>,
        active: Option<bool>,
    ) -> PyResult<Cluster> {
        let name = self::name(name)?;
        let update = ClusterUpdate {
            proxy_to: opt(proxy_to, BackendUrl::new)?,
            external_url: opt(external_url, BackendUrl::new)?,
            routing_group: opt(routing_group, RoutingGroup::new)?,
            active,
        };
        let store = self.store();
        block_on(py, async move { store.update(&name, &update).await }).map(Cluster::from)
    }

    /// Lets the cluster take new queries and returns it. Raises `NotFoundError`.
    fn activate(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        let (name, store) = (self::name(name)?, self.store());
        block_on(py, async move { store.activate(&name).await }).map(Cluster::from)
    }

    /// Stops new queries going to the cluster (running ones finish) and returns it.
    /// Raises `NotFoundError`.
    fn deactivate(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        let (name, store) = (self::name(name)?, self.store());
        block_on(py, async move { store.deactivate(&name).await }).map(Cluster::from)
    }

    /// Deletes the cluster and returns what it was. Raises `NotFoundError`.
    fn remove(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        let (name, store) = (self::name(name)?, self.store());
        block_on(py, async move { store.remove(&name).await }).map(Cluster::from)
    }

    /// One cluster. Raises `NotFoundError`.
    fn get(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        let (name, store) = (self::name(name)?, self.store());
        block_on(py, async move { store.get(&name).await }).map(Cluster::from)
    }

    /// The clusters of `routing_group` (all groups when `None`) that are active or inactive as
    /// `active` says (both when `None`), sorted by name.
    #[pyo3(signature = (*, routing_group=None, active=None))]
    fn list(&self, py: Python<'_>, routing_group: Option<&str>, active: Option<bool>) -> PyResult<Vec<Cluster>> {
        let filter = ClusterFilter { routing_group: opt(routing_group, RoutingGroup::new)?, active };
        let store = self.store();
        let clusters = block_on(py, async move { store.list(&filter).await })?;
        Ok(clusters.into_iter().map(Cluster::from).collect())
    }

    /// Closes the connections; later calls raise `UnavailableError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let store = self.store();
        block_on(py, async move {
            store.close().await;
            Ok::<_, Error>(())
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the store; an exception raised in the `with` block propagates.
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

    /// `ClusterStore('postgres://user:***@host/db')`: the URL without its password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("ClusterStore({})", PyString::new(py, &self.redacted_url).repr()?))
    }
}

impl Drop for ClusterStore {
    /// Drops the connections inside the runtime (the drivers may spawn clean-up tasks). In a
    /// forked child the connections belong to the parent: they are left alone, never closed.
    fn drop(&mut self) {
        let Some(store) = self.store.take() else { return };
        if in_owner_process()
            && let Ok(rt) = runtime()
        {
            let _guard = rt.enter();
            drop(store);
        } else {
            std::mem::forget(store);
        }
    }
}
