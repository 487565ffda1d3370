//! `ClusterIterator` and `AsyncClusterIterator`: a store listing, one cluster at a time.
//!
//! The core's `ClusterStore::list` answers a listing in one query, so the iterators read it
//! whole on the first `next` and then hand out its clusters; the Python interface stays the same
//! should the core page its listings.

use std::sync::{Arc, Mutex, PoisonError};
use std::vec::IntoIter;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use trino_platform::cluster::{self, ClusterFilter};
use trino_platform::registry;

use crate::cluster::Cluster;
use crate::runtime::{awaitable, block_on};

/// The clusters of a listing, one at a time (from `ClusterStore.iter`). The store is read on the
/// first `next()`, which raises what `ClusterStore.list` raises.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ClusterIterator {
    store: Arc<dyn registry::ClusterStore>,
    filter: ClusterFilter,
    /// `None` until the store was read.
    clusters: Mutex<Option<IntoIter<cluster::Cluster>>>,
}

impl ClusterIterator {
    pub(crate) fn new(store: Arc<dyn registry::ClusterStore>, filter: ClusterFilter) -> Self {
        Self { store, filter, clusters: Mutex::new(None) }
    }
}

#[pymethods]
impl ClusterIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The next cluster (reading the store first, with the GIL released, on the first call).
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Cluster>> {
        let lock = || self.clusters.lock().unwrap_or_else(PoisonError::into_inner);
        if lock().is_none() {
            // Read without holding the lock: another thread waiting for it would hold the GIL
            // this thread needs back.
            let (store, filter) = (Arc::clone(&self.store), self.filter.clone());
            let listed = block_on(py, async move { store.list(&filter).await })?;
            lock().get_or_insert_with(|| listed.into_iter());
        }
        Ok(lock().as_mut().and_then(Iterator::next).map(Cluster::from))
    }
}

/// What an `AsyncClusterIterator` step resolves to: a cluster, or the end of the listing.
struct Step(Option<cluster::Cluster>);

impl<'py> IntoPyObject<'py> for Step {
    type Target = Cluster;
    type Output = Bound<'py, Cluster>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, Cluster>> {
        match self.0 {
            Some(cluster) => Bound::new(py, Cluster::from(cluster)),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

/// The clusters of a listing, one at a time, for `async for` (from `AsyncClusterStore.iter`).
/// The store is read on the first step, which raises what `AsyncClusterStore.list` raises.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncClusterIterator {
    store: Arc<dyn registry::ClusterStore>,
    filter: ClusterFilter,
    /// `None` until the store was read (a tokio mutex: held while the store is read).
    clusters: Arc<tokio::sync::Mutex<Option<IntoIter<cluster::Cluster>>>>,
}

impl AsyncClusterIterator {
    pub(crate) fn new(store: Arc<dyn registry::ClusterStore>, filter: ClusterFilter) -> Self {
        Self { store, filter, clusters: Arc::default() }
    }
}

#[pymethods]
impl AsyncClusterIterator {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// An awaitable of the next cluster (raising `StopAsyncIteration` at the end).
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (store, filter, clusters) = (Arc::clone(&self.store), self.filter.clone(), Arc::clone(&self.clusters));
        awaitable(py, async move {
            let mut clusters = clusters.lock().await;
            if clusters.is_none() {
                *clusters = Some(store.list(&filter).await?.into_iter());
            }
            Ok(Step(clusters.as_mut().and_then(Iterator::next)))
        })
    }
}
