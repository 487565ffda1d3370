//! `ExchangeBuckets`: plan, ensure, describe and teardown of one spec's exchange bucket,
//! synchronous, over the core's async `ExchangeBuckets`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use tokio::sync::Notify;
use trino_platform::exchange::{self, ClientOptions, EnsureOptions, TeardownOptions, TeardownProgress};
use trino_platform::{Error, ErrorKind};

use super::spec::ExchangeBucketSpec;
use crate::errors::to_pyerr;
use crate::json::to_py;
use crate::release::drop_in_runtime;
use crate::routing::quoted;
use crate::runtime::block_on;

/// The exchange bucket of one spec, with an S3 client for it.
///
/// Connect with `ExchangeBuckets.connect(spec)`, ideally as `with ExchangeBuckets.connect(spec)
/// as buckets:`, which closes the client on exit. Every method blocks until S3 answers (retrying
/// transient failures), with the GIL released, and is safe to rerun: `ensure` converges from any
/// state, `teardown` finishes what an interrupted teardown started. Thread-safe.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ExchangeBuckets {
    /// `None` once closed.
    buckets: Mutex<Option<Arc<exchange::ExchangeBuckets>>>,
    spec: Py<ExchangeBucketSpec>,
    bucket: String,
}

/// `seconds` as a duration, or `InvalidInputError` naming `name` (negative, NaN, too large).
fn seconds(name: &str, seconds: Option<f64>, default: Duration) -> PyResult<Duration> {
    let Some(seconds) = seconds else { return Ok(default) };
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        to_pyerr(Error::invalid_input(format!("{name}: expected a number of seconds, 0 or more, not {seconds}")))
    })
}

impl ExchangeBuckets {
    /// The core handle, or `ConflictError` once closed.
    fn buckets(&self) -> PyResult<Arc<exchange::ExchangeBuckets>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(|| {
            to_pyerr(Error::new(
                ErrorKind::Conflict,
                format!(
                    "the ExchangeBuckets of bucket {} is closed; connect again with ExchangeBuckets.connect(spec)",
                    self.bucket
                ),
            ))
        })
    }
}

#[pymethods]
impl ExchangeBuckets {
    /// Validates `spec` and builds its S3 client (credentials from the spec, else the AWS default
    /// chain); makes no request. The keywords tune retries and timeouts (seconds; `None` keeps
    /// the default: 8 attempts, backoff 0.2 s doubling up to 20 s, connect 5 s, attempt 60 s).
    ///
    /// Raises `InvalidInputError` for an invalid spec or option.
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
    ) -> PyResult<Self> {
        let defaults = ClientOptions::default();
        let options = ClientOptions {
            max_attempts: max_attempts.unwrap_or(defaults.max_attempts),
            initial_backoff: seconds("initial_backoff", initial_backoff, defaults.initial_backoff)?,
            max_backoff: seconds("max_backoff", max_backoff, defaults.max_backoff)?,
            connect_timeout: seconds("connect_timeout", connect_timeout, defaults.connect_timeout)?,
            attempt_timeout: seconds("attempt_timeout", attempt_timeout, defaults.attempt_timeout)?,
        };
        let core = spec.get().core().clone();
        let buckets = block_on(py, async move { exchange::ExchangeBuckets::connect_with(core, options).await })?;
        let bucket = buckets.bucket().to_string();
        Ok(Self { buckets: Mutex::new(Some(Arc::new(buckets))), spec, bucket })
    }

    /// The spec.
    #[getter]
    fn spec(&self, py: Python<'_>) -> Py<ExchangeBucketSpec> {
        self.spec.clone_ref(py)
    }

    /// The bucket's name.
    #[getter]
    fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Reads the bucket and returns what `ensure` would change, changing nothing: a dict with
    /// `bucket`, `region`, `ownership` (`absent`, `managed`, `untagged`, `unmanaged`,
    /// `otherWorkspace`), `changes` (`[{setting, action, detail}]`, in the order `ensure` applies
    /// them; empty when in sync) and `warnings`.
    ///
    /// Raises `ForbiddenError` when the bucket exists but this identity may not use it,
    /// `ConflictError` when it exists in another region, else the kind of the S3 failure
    /// (`UnavailableError`, `OperationTimeoutError`: rerun).
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.buckets()?;
        let plan = block_on(py, async move { buckets.plan().await })?;
        to_py(py, &plan)
    }

    /// Creates the bucket if needed and converges every setting that differs from the spec
    /// (tags first); a bucket in sync gets no write. Returns a dict with `bucket`, `region`,
    /// `created` and `applied` (the changes made, as `plan` lists them).
    ///
    /// Raises what `plan` raises, and `AlreadyExistsError` when the bucket is someone else's
    /// (tagged, but not by trino-platform) or `ConflictError` when it is managed for another
    /// workspace, unless `adopt`; rerunning after a failure continues where it stopped.
    #[pyo3(signature = (*, adopt=false))]
    fn ensure<'py>(&self, py: Python<'py>, adopt: bool) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.buckets()?;
        let report = block_on(py, async move { buckets.ensure(&EnsureOptions { adopt }).await })?;
        to_py(py, &report)
    }

    /// The bucket's configuration as S3 reports it and its drift from the spec: a dict with
    /// `state` (`bucket`, `exists`, `region`, `tags`, `encryption`, `publicAccessBlock`,
    /// `objectOwnership`, `lifecycleRules`, `policy`), `ownership`, `inSync`, `drift` (the
    /// changes `ensure` would make), `problems` and `warnings`.
    ///
    /// Raises `ForbiddenError` when the bucket exists but this identity may not use it, else the
    /// kind of the S3 failure.
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.buckets()?;
        let description = block_on(py, async move { buckets.describe().await })?;
        to_py(py, &description)
    }

    /// Deletes the bucket and everything in it: removes its policy, aborts incomplete uploads,
    /// deletes every object version and delete marker (`batch_size` keys per request, 1 to
    /// 1000), then the bucket. Returns a dict with `bucket`, `existed` (`False`: there was
    /// nothing to delete), `uploadsAborted`, `objectsDeleted` and `deleted`.
    ///
    /// `progress`, if given, is called with a dict (`bucket`, `phase`: `checking`,
    /// `removingPolicy`, `abortingUploads`, `deletingObjects`, `deletingBucket` or `done`,
    /// `uploadsAborted`, `objectsDeleted`) at each step and after each batch, on the calling
    /// thread with the GIL held. If it raises, the teardown stops at its next S3 request and the
    /// exception propagates from `teardown`; the bucket is then partly emptied, and rerunning
    /// `teardown` finishes the job. The callback is not called again after it raised.
    ///
    /// Raises `ConflictError` when the bucket is not tagged `managed-by=trino-platform` for this
    /// workspace (unless `force`) or keeps receiving objects, `InvalidInputError` for a bad
    /// `batch_size`, `TypeError` when `progress` is not callable, else the kind of the S3 failure.
    #[pyo3(signature = (*, force=false, batch_size=1000, progress=None))]
    fn teardown<'py>(
        &self,
        py: Python<'py>,
        force: bool,
        batch_size: i64,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(callback) = &progress
            && !callback.is_callable()
        {
            return Err(PyTypeError::new_err(format!(
                "progress: expected a callable taking one dict, not {}",
                callback.get_type().name()?
            )));
        }
        let buckets = self.buckets()?;
        // Out of range (0 as well as 70000) is for the core to refuse, with its message.
        let options = TeardownOptions { force, batch_size: u16::try_from(batch_size).unwrap_or(0) };
        let callback = progress.map(Bound::unbind);
        // The first exception the callback raised, and the signal that stops the teardown.
        let raised: Mutex<Option<PyErr>> = Mutex::new(None);
        let stop = Notify::new();
        let on_progress = |report: TeardownProgress| {
            let Some(callback) = &callback else { return };
            if raised.lock().unwrap_or_else(PoisonError::into_inner).is_some() {
                return;
            }
            let called = Python::attach(|py| callback.call1(py, (to_py(py, &report)?,)).map(drop));
            if let Err(err) = called {
                *raised.lock().unwrap_or_else(PoisonError::into_inner) = Some(err);
                stop.notify_one();
            }
        };
        let result = block_on(py, async {
            tokio::select! {
                biased;
                () = stop.notified() => Ok(None),
                report = buckets.teardown(&options, &on_progress) => report.map(Some),
            }
        });
        if let Some(err) = raised.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(err);
        }
        match result? {
            Some(report) => to_py(py, &report),
            None => Err(to_pyerr(Error::new(ErrorKind::Internal, "teardown stopped without a cause"))),
        }
    }

    /// Closes the S3 client; later calls raise `ConflictError`. Closing twice is harmless; calls
    /// already running finish first.
    fn close(&self) {
        let taken = self.buckets.lock().unwrap_or_else(PoisonError::into_inner).take();
        drop_in_runtime(taken);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the client; an exception raised in the `with` block propagates.
    fn __exit__(
        &self,
        exc_type: Option<Bound<'_, PyAny>>,
        exc_value: Option<Bound<'_, PyAny>>,
        traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        let _ = (exc_type, exc_value, traceback);
        self.close();
        false
    }

    /// `ExchangeBuckets(bucket='trino-exchange-acme')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("ExchangeBuckets(bucket={})", quoted(py, &self.bucket)?))
    }
}

impl Drop for ExchangeBuckets {
    /// Drops the client inside the runtime (its connection pool lives there).
    fn drop(&mut self) {
        drop_in_runtime(self.buckets.get_mut().unwrap_or_else(PoisonError::into_inner).take());
    }
}
