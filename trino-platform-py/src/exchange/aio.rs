//! `AsyncExchangeBuckets`: the exchange bucket for asyncio; every S3 call is awaitable, on the
//! runtime that `ExchangeBuckets` uses.

use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use trino_platform::exchange::{EnsureOptions, TeardownProgress};

use super::buckets::{Connected, client_options, teardown_options};
use super::spec::ExchangeBucketSpec;
use crate::json::to_py;
use crate::opening::{Opening, Ready};
use crate::progress::{self, Relay};
use crate::runtime::{Json, Raised, awaitable};

const CLASS: &str = "AsyncExchangeBuckets";

/// `ExchangeBuckets` for asyncio: the same client and methods, each returning an awaitable.
///
/// Connect with `async with AsyncExchangeBuckets.connect(spec) as buckets:` (or `buckets = await
/// AsyncExchangeBuckets.connect(spec)`, then `await buckets.close()`). The event loop never waits
/// for S3; cancelling a call stops it at its next request (rerunning converges, as always).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncExchangeBuckets(Connected);

#[pymethods]
impl AsyncExchangeBuckets {
    /// Validates `spec` and builds its S3 client (see `ExchangeBuckets.connect`): await it, or
    /// use it as `async with`.
    ///
    /// Raises `InvalidInputError` for an invalid option (at once) or spec.
    #[classmethod]
    #[pyo3(signature = (
        spec,
        *,
        max_attempts=None,
        initial_backoff=None,
        max_backoff=None,
        connect_timeout=None,
        attempt_timeout=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        spec: Py<ExchangeBucketSpec>,
        max_attempts: Option<u32>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        connect_timeout: Option<f64>,
        attempt_timeout: Option<f64>,
    ) -> PyResult<Opening> {
        let options = client_options(max_attempts, initial_backoff, max_backoff, connect_timeout, attempt_timeout)?;
        let connecting = Connected::connect(py, CLASS, spec, options);
        let future = awaitable(py, async move { connecting.await.map(Self) })?;
        Ok(Opening::new(future, CLASS))
    }

    /// The spec.
    #[getter]
    fn spec(&self, py: Python<'_>) -> Py<ExchangeBucketSpec> {
        self.0.spec(py)
    }

    /// The bucket's name.
    #[getter]
    fn bucket(&self) -> &str {
        self.0.bucket()
    }

    /// What `ensure` would change (see `ExchangeBuckets.plan`).
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.0.buckets()?;
        awaitable(py, async move { buckets.plan().await.map(Json) })
    }

    /// Creates the bucket if needed and converges its settings (see `ExchangeBuckets.ensure`).
    #[pyo3(signature = (*, adopt=false))]
    fn ensure<'py>(&self, py: Python<'py>, adopt: bool) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.0.buckets()?;
        awaitable(py, async move { buckets.ensure(&EnsureOptions { adopt }).await.map(Json) })
    }

    /// The bucket's configuration and its drift from the spec (see `ExchangeBuckets.describe`).
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.0.buckets()?;
        awaitable(py, async move { buckets.describe().await.map(Json) })
    }

    /// Deletes the bucket and everything in it (see `ExchangeBuckets.teardown`).
    ///
    /// `progress`, if given, is called with the same dicts as there, in order, on the event
    /// loop's thread (keep it quick; it must not block). If it raises, the teardown stops at its
    /// next S3 request and the exception propagates from the awaited call; rerunning `teardown`
    /// finishes the job. Raises `TypeError` at once when `progress` is not callable.
    #[pyo3(signature = (*, force=false, batch_size=1000, progress=None))]
    fn teardown<'py>(
        &self,
        py: Python<'py>,
        force: bool,
        batch_size: i64,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let progress = progress::checked(progress, "one dict")?;
        let options = teardown_options(force, batch_size);
        let buckets = self.0.buckets()?;
        let Some(callback) = progress else {
            return awaitable(py, async move { buckets.teardown(&options, &|_| {}).await.map(Json) });
        };
        let relay = Relay::new(py, callback)?;
        awaitable(py, async move {
            let on_progress = |report: TeardownProgress| relay.schedule(|py| to_py(py, &report));
            let outcome = relay.run(buckets.teardown(&options, &on_progress)).await?;
            Ok(Raised(outcome.map(|report| report.map(Json))))
        })
    }

    /// Closes the S3 client; later calls raise `ConflictError`. Closing twice is harmless; calls
    /// already running finish first.
    fn close(&self, py: Python<'_>) -> Ready {
        self.0.close();
        Ready::new(py.None())
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    /// Closes the client; an exception raised in the `async with` block propagates.
    #[pyo3(signature = (*_exc_info))]
    fn __aexit__(&self, py: Python<'_>, _exc_info: Bound<'_, PyTuple>) -> Ready {
        self.close(py)
    }

    /// `AsyncExchangeBuckets(bucket='trino-exchange-acme')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, CLASS)
    }
}
