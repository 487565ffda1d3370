//! `AsyncExchangeBuckets`: the exchange bucket for asyncio; every S3 call is awaitable, on the
//! runtime that `ExchangeBuckets` uses.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyTuple, PyType};
use tokio::sync::{Notify, oneshot};
use trino_platform::exchange::{EnsureOptions, TeardownProgress};

use super::buckets::{Connected, client_options, teardown_options};
use super::spec::ExchangeBucketSpec;
use crate::json::to_py;
use crate::opening::{Opening, Ready};
use crate::runtime::{Attached, Json, Raised, awaitable};

const CLASS: &str = "AsyncExchangeBuckets";

/// `ExchangeBuckets` for asyncio: the same client and methods, each returning an awaitable.
///
/// Connect with `async with AsyncExchangeBuckets.connect(spec) as buckets:` (or `buckets = await
/// AsyncExchangeBuckets.connect(spec)`, then `await buckets.close()`). The event loop never waits
/// for S3; cancelling a call stops it at its next request (rerunning converges, as always).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncExchangeBuckets(Connected);

/// Relays teardown progress to the `progress` callback on the event loop's thread, in order, and
/// remembers the first exception it raised (which stops the teardown).
struct Relay {
    callback: Py<PyAny>,
    event_loop: Py<PyAny>,
    raised: Mutex<Option<PyErr>>,
    stop: Notify,
}

impl Relay {
    fn failed(&self) -> bool {
        self.raised.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    fn fail(&self, err: PyErr) {
        self.raised.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(err);
        self.stop.notify_one();
    }

    /// Schedules `callback(report)` on the event loop (called on a runtime thread). A loop that
    /// cannot take it (closed) stops the teardown like a raising callback.
    fn schedule(self: &Arc<Self>, report: TeardownProgress) {
        if self.failed() {
            return;
        }
        let relay = Arc::clone(self);
        let Some(_attached) = Attached::enter() else { return self.stop.notify_one() };
        let scheduled = Python::attach(|py| -> PyResult<()> {
            let call = PyCFunction::new_closure(py, None, None, move |args, _| -> PyResult<()> {
                if !relay.failed()
                    && let Err(err) = relay.callback.call1(args.py(), (args.get_item(0)?,))
                {
                    relay.fail(err);
                }
                Ok(())
            })?;
            self.event_loop.call_method1(py, "call_soon_threadsafe", (call, to_py(py, &report)?))?;
            Ok(())
        });
        if let Err(err) = scheduled {
            self.fail(err);
        }
    }

    /// Waits until every callback scheduled so far has run (`call_soon_threadsafe` runs them in
    /// order), so that an exception from the last one is not missed.
    async fn drain(&self) {
        let (done, ran) = oneshot::channel::<()>();
        let done = Mutex::new(Some(done));
        let Some(attached) = Attached::enter() else { return };
        let scheduled = Python::attach(|py| -> PyResult<()> {
            let mark = PyCFunction::new_closure(py, None, None, move |_, _| {
                if let Some(done) = done.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    let _ = done.send(());
                }
            })?;
            self.event_loop.call_method1(py, "call_soon_threadsafe", (mark,))?;
            Ok(())
        });
        drop(attached);
        if scheduled.is_ok() {
            // Err: the loop dropped the mark without running it (closed); nothing more will run.
            let _ = ran.await;
        }
    }
}

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
        let options = teardown_options(force, batch_size, progress.as_ref())?;
        let buckets = self.0.buckets()?;
        let Some(callback) = progress else {
            return awaitable(py, async move { buckets.teardown(&options, &|_| {}).await.map(Json) });
        };
        let relay = Arc::new(Relay {
            callback: callback.unbind(),
            event_loop: pyo3_async_runtimes::tokio::get_current_loop(py)?.unbind(),
            raised: Mutex::new(None),
            stop: Notify::new(),
        });
        awaitable(py, async move {
            let on_progress = |report: TeardownProgress| relay.schedule(report);
            let report = tokio::select! {
                biased;
                () = relay.stop.notified() => None,
                report = buckets.teardown(&options, &on_progress) => Some(report?),
            };
            relay.drain().await;
            let raised = relay.raised.lock().unwrap_or_else(PoisonError::into_inner).take();
            Ok(Raised(match (raised, report) {
                (Some(err), _) => Err(err),
                (None, report) => Ok(report.map(Json)),
            }))
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
