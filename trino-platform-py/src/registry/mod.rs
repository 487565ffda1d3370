//! The cluster registry (`trino_platform::registry`): `ClusterStore` (synchronous),
//! `AsyncClusterStore` (asyncio) and the iterators over a listing. Both classes convert their
//! arguments here, in one place, and run the same core calls.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};
use trino_platform::cluster::{self, BackendUrl, ClusterFilter, ClusterName, ClusterUpdate, RoutingGroup};
use trino_platform::registry::{self, StoreUrl};
use trino_platform::{Error, Result};

use crate::cluster::Cluster;
use crate::errors::to_pyerr;
use crate::release::drop_in_runtime;
use crate::runtime::block_on;

mod aio;
mod iter;

pub(crate) use aio::AsyncClusterStore;
pub(crate) use iter::{AsyncClusterIterator, ClusterIterator};

/// Adds the registry classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ClusterStore>()?;
    m.add_class::<AsyncClusterStore>()?;
    m.add_class::<ClusterIterator>()?;
    m.add_class::<AsyncClusterIterator>()?;
    Ok(())
}

/// An open core store and its URL without the password (for `repr`).
pub(crate) struct Opened {
    /// `None` only while being dropped.
    store: Option<Arc<dyn registry::ClusterStore>>,
    /// The URL with its password replaced by `***`.
    redacted_url: String,
}

impl Opened {
    /// Parses `url` (`InvalidInputError` for an unsupported one) and returns it with the future
    /// that opens (creating and migrating as needed) its store.
    pub(crate) fn open(url: &str) -> PyResult<impl Future<Output = Result<Self>> + Send + 'static> {
        let url = StoreUrl::parse(url).map_err(to_pyerr)?;
        Ok(async move {
            let store = registry::open_url(&url).await?;
            Ok(Self { store: Some(store), redacted_url: url.redacted() })
        })
    }

    /// The core store (a reference for one call).
    pub(crate) fn store(&self) -> Arc<dyn registry::ClusterStore> {
        Arc::clone(self.store.as_ref().expect("the store is set until it is dropped"))
    }

    /// The URL with its password replaced by `***`.
    pub(crate) fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// `ClusterStore('postgres://user:***@host/db')`: `class` and the URL without its password.
    pub(crate) fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        Ok(format!("{class}({})", PyString::new(py, &self.redacted_url).repr()?))
    }
}

impl Drop for Opened {
    /// Drops the connections inside the runtime (the drivers may spawn clean-up tasks). In a
    /// forked child the connections belong to the parent: they are left alone, never closed.
    fn drop(&mut self) {
        drop_in_runtime(self.store.take());
    }
}

fn opt<'a, T>(value: Option<&'a str>, parse: impl FnOnce(&'a str) -> Result<T>) -> PyResult<Option<T>> {
    value.map(parse).transpose().map_err(to_pyerr)
}

/// A cluster name argument, validated.
pub(crate) fn name(value: &str) -> PyResult<ClusterName> {
    ClusterName::new(value).map_err(to_pyerr)
}

/// The arguments of `update`, validated.
pub(crate) fn update_of(
    proxy_to: Option<&str>,
    external_url: Option<&str>,
    routing_group: Option<&str>,
    active: Option<bool>,
) -> PyResult<ClusterUpdate> {
    Ok(ClusterUpdate {
        proxy_to: opt(proxy_to, BackendUrl::new)?,
        external_url: opt(external_url, BackendUrl::new)?,
        routing_group: opt(routing_group, RoutingGroup::new)?,
        active,
    })
}

/// The arguments of `list` and `iter`, validated.
pub(crate) fn filter_of(routing_group: Option<&str>, active: Option<bool>) -> PyResult<ClusterFilter> {
    Ok(ClusterFilter { routing_group: opt(routing_group, RoutingGroup::new)?, active })
}

/// The single-cluster operations that take a name.
#[derive(Clone, Copy)]
pub(crate) enum ByName {
    Activate,
    Deactivate,
    Remove,
    Get,
}

impl ByName {
    /// The core call for `name`.
    pub(crate) async fn run(
        self,
        store: Arc<dyn registry::ClusterStore>,
        name: ClusterName,
    ) -> Result<cluster::Cluster> {
        match self {
            Self::Activate => store.activate(&name).await,
            Self::Deactivate => store.deactivate(&name).await,
            Self::Remove => store.remove(&name).await,
            Self::Get => store.get(&name).await,
        }
    }
}

/// Where cluster registrations live: `sqlite:///path/gateway.db` (embedded) or
/// `postgres://user:password@host/db` (shared by gateway replicas).
///
/// Open one with `ClusterStore.open(url)`, ideally as `with ClusterStore.open(url) as store:`.
/// Every method blocks until the database answers, with the GIL released; the store can be
/// shared between threads. `AsyncClusterStore` is the same for asyncio.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ClusterStore(pub(crate) Opened);

impl ClusterStore {
    fn run(&self, py: Python<'_>, op: ByName, name: &str) -> PyResult<Cluster> {
        let (name, store) = (self::name(name)?, self.0.store());
        block_on(py, op.run(store, name)).map(Cluster::from)
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
        block_on(py, Opened::open(url)?).map(Self)
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
        let store = self.0.store();
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
        let update = update_of(proxy_to, external_url, routing_group, active)?;
        let store = self.0.store();
        block_on(py, async move { store.update(&name, &update).await }).map(Cluster::from)
    }

    /// Lets the cluster take new queries and returns it. Raises `NotFoundError`.
    fn activate(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        self.run(py, ByName::Activate, name)
    }

    /// Stops new queries going to the cluster (running ones finish) and returns it.
    /// Raises `NotFoundError`.
    fn deactivate(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        self.run(py, ByName::Deactivate, name)
    }

    /// Deletes the cluster and returns what it was. Raises `NotFoundError`.
    fn remove(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        self.run(py, ByName::Remove, name)
    }

    /// One cluster. Raises `NotFoundError`.
    fn get(&self, py: Python<'_>, name: &str) -> PyResult<Cluster> {
        self.run(py, ByName::Get, name)
    }

    /// The clusters of `routing_group` (all groups when `None`) that are active or inactive as
    /// `active` says (both when `None`), sorted by name.
    #[pyo3(signature = (*, routing_group=None, active=None))]
    fn list(&self, py: Python<'_>, routing_group: Option<&str>, active: Option<bool>) -> PyResult<Vec<Cluster>> {
        let filter = filter_of(routing_group, active)?;
        let store = self.0.store();
        let clusters = block_on(py, async move { store.list(&filter).await })?;
        Ok(clusters.into_iter().map(Cluster::from).collect())
    }

    /// The clusters `list` returns, one at a time: `for cluster in store.iter(active=True):`.
    /// The store is read when the first cluster is asked for (raising what `list` raises).
    #[pyo3(signature = (*, routing_group=None, active=None))]
    fn iter(&self, routing_group: Option<&str>, active: Option<bool>) -> PyResult<ClusterIterator> {
        Ok(ClusterIterator::new(self.0.store(), filter_of(routing_group, active)?))
    }

    /// Closes the connections; later calls raise `UnavailableError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let store = self.0.store();
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
        self.0.repr(py, "ClusterStore")
    }
}
