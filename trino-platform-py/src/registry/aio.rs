//! `AsyncClusterStore`: the cluster registry for asyncio; every call is awaitable and runs on the
//! runtime that `ClusterStore` uses.

use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use trino_platform::Error;

use super::iter::AsyncClusterIterator;
use super::{ByName, Opened, filter_of, name, update_of};
use crate::cluster::Cluster;
use crate::opening::{Opening, Ready};
use crate::runtime::awaitable;

/// `ClusterStore` for asyncio: the same store and methods, each returning an awaitable.
///
/// Open one with `async with AsyncClusterStore.open(url) as store:` (or `store = await
/// AsyncClusterStore.open(url)`, then `await store.close()`). The event loop never waits for the
/// database: calls run on trino_platform's runtime threads, and cancelling one (`asyncio.timeout`,
/// `task.cancel()`) stops it at its next round trip.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncClusterStore(pub(crate) Opened);

impl AsyncClusterStore {
    fn run<'py>(&self, py: Python<'py>, op: ByName, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let (name, store) = (self::name(name)?, self.0.store());
        awaitable(py, async move { op.run(store, name).await.map(Cluster::from) })
    }
}

#[pymethods]
impl AsyncClusterStore {
    /// Opens (creating and migrating as needed) the store at `url`: await the result, or use it
    /// as `async with`.
    ///
    /// Raises `InvalidInputError` for an unsupported URL (at once), and when awaited
    /// `UnauthorizedError` for rejected credentials, `UnavailableError` when the database cannot
    /// be reached.
    #[classmethod]
    fn open(_cls: &Bound<'_, PyType>, py: Python<'_>, url: &str) -> PyResult<Opening> {
        let opening = Opened::open(url)?;
        let future = awaitable(py, async move { opening.await.map(Self) })?;
        Ok(Opening::new(future, "AsyncClusterStore"))
    }

    /// Registers a cluster and returns it. See `ClusterStore.register`.
    #[pyo3(signature = (name, proxy_to, *, external_url=None, routing_group=None, active=true))]
    fn register<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        proxy_to: &str,
        external_url: Option<&str>,
        routing_group: Option<&str>,
        active: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cluster = Cluster::build(name, proxy_to, external_url, routing_group, active)?;
        let store = self.0.store();
        awaitable(py, async move { store.register(&cluster).await.map(Cluster::from) })
    }

    /// Changes the given fields and returns the cluster. See `ClusterStore.update`.
    #[pyo3(signature = (name, *, proxy_to=None, external_url=None, routing_group=None, active=None))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        proxy_to: Option<&str>,
        external_url: Option<&str>,
        routing_group: Option<&str>,
        active: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let name = self::name(name)?;
        let update = update_of(proxy_to, external_url, routing_group, active)?;
        let store = self.0.store();
        awaitable(py, async move { store.update(&name, &update).await.map(Cluster::from) })
    }

    /// Lets the cluster take new queries and returns it. Raises `NotFoundError`.
    fn activate<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, ByName::Activate, name)
    }

    /// Stops new queries going to the cluster and returns it. Raises `NotFoundError`.
    fn deactivate<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, ByName::Deactivate, name)
    }

    /// Deletes the cluster and returns what it was. Raises `NotFoundError`.
    fn remove<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, ByName::Remove, name)
    }

    /// One cluster. Raises `NotFoundError`.
    fn get<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, ByName::Get, name)
    }

    /// The clusters passing the filter, sorted by name. See `ClusterStore.list`.
    #[pyo3(signature = (*, routing_group=None, active=None))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        routing_group: Option<&str>,
        active: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filter = filter_of(routing_group, active)?;
        let store = self.0.store();
        awaitable(py, async move {
            store.list(&filter).await.map(|clusters| clusters.into_iter().map(Cluster::from).collect::<Vec<_>>())
        })
    }

    /// The clusters `list` returns, one at a time: `async for cluster in store.iter():`. The
    /// store is read when the first cluster is asked for.
    #[pyo3(signature = (*, routing_group=None, active=None))]
    fn iter(&self, routing_group: Option<&str>, active: Option<bool>) -> PyResult<AsyncClusterIterator> {
        Ok(AsyncClusterIterator::new(self.0.store(), filter_of(routing_group, active)?))
    }

    /// Closes the connections; later calls raise `UnavailableError`. Closing twice is harmless.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.0.store();
        awaitable(py, async move {
            store.close().await;
            Ok::<_, Error>(())
        })
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    /// Closes the store; an exception raised in the `async with` block propagates.
    #[pyo3(signature = (*_exc_info))]
    fn __aexit__<'py>(&self, py: Python<'py>, _exc_info: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }

    /// `AsyncClusterStore('postgres://user:***@host/db')`: the URL without its password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, "AsyncClusterStore")
    }
}
