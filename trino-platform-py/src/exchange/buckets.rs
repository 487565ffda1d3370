//! `ExchangeBuckets`: plan, ensure, describe and teardown of one spec's exchange bucket,
//! synchronous, over the core's async `ExchangeBuckets`; and what `AsyncExchangeBuckets` shares
//! with it.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyType;
use trino_platform::exchange::{self, ClientOptions, EnsureOptions, TeardownOptions, TeardownProgress};
use trino_platform::{Error, ErrorKind};

use super::spec::ExchangeBucketSpec;
use crate::errors::to_pyerr;
use crate::json::to_py;
use crate::progress::{self, Callback};
use crate::release::Handle;
use crate::routing::quoted;
use crate::runtime::block_on;
use crate::specs::seconds;

/// The exchange bucket of one spec, with an S3 client for it.
///
/// Connect with `ExchangeBuckets.connect(spec)`, ideally as `with ExchangeBuckets.connect(spec)
/// as buckets:`, which closes the client on exit. Every method blocks until S3 answers (retrying
/// transient failures), with the GIL released, and is safe to rerun: `ensure` converges from any
/// state, `teardown` finishes what an interrupted teardown started. Thread-safe.
/// `AsyncExchangeBuckets` is the same for asyncio.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ExchangeBuckets(pub(super) Connected);

/// A connected S3 client for one spec's bucket, as `ExchangeBuckets` and `AsyncExchangeBuckets`
/// hold it.
pub(crate) struct Connected {
    buckets: Handle<exchange::ExchangeBuckets>,
    spec: Py<ExchangeBucketSpec>,
    bucket: String,
}

impl Connected {
    /// The future that builds the S3 client of `spec` (`class` names the Python class, for the
    /// message of a closed one).
    pub(super) fn connect(
        py: Python<'_>,
        class: &'static str,
        spec: Py<ExchangeBucketSpec>,
        options: ClientOptions,
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'static {
        let core = spec.get().core().clone();
        let spec = spec.clone_ref(py);
        async move {
            let buckets = exchange::ExchangeBuckets::connect_with(core, options).await?;
            let bucket = buckets.bucket().to_string();
            let closed = format!("the {class} of bucket {bucket} is closed; connect again with {class}.connect(spec)");
            Ok(Self { buckets: Handle::new(Arc::new(buckets), closed), spec, bucket })
        }
    }

    /// The core client, or `ConflictError` once closed.
    pub(super) fn buckets(&self) -> PyResult<Arc<exchange::ExchangeBuckets>> {
        self.buckets.get()
    }

    pub(super) fn spec(&self, py: Python<'_>) -> Py<ExchangeBucketSpec> {
        self.spec.clone_ref(py)
    }

    pub(super) fn bucket(&self) -> &str {
        &self.bucket
    }

    pub(super) fn close(&self) {
        self.buckets.close();
    }

    /// `ExchangeBuckets(bucket='trino-exchange-acme')` (`class` names the Python class).
    pub(super) fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        Ok(format!("{class}(bucket={})", quoted(py, &self.bucket)?))
    }
}

/// The client options of `connect`'s keywords (`None` keeps the core's default).
pub(super) fn client_options(
    max_attempts: Option<u32>,
    initial_backoff: Option<f64>,
    max_backoff: Option<f64>,
    connect_timeout: Option<f64>,
    attempt_timeout: Option<f64>,
) -> PyResult<ClientOptions> {
    let defaults = ClientOptions::default();
    Ok(ClientOptions {
        max_attempts: max_attempts.unwrap_or(defaults.max_attempts),
        initial_backoff: seconds("initial_backoff", initial_backoff, defaults.initial_backoff)?,
        max_backoff: seconds("max_backoff", max_backoff, defaults.max_backoff)?,
        connect_timeout: seconds("connect_timeout", connect_timeout, defaults.connect_timeout)?,
        attempt_timeout: seconds("attempt_timeout", attempt_timeout, defaults.attempt_timeout)?,
    })
}

/// The teardown options of `teardown`'s keywords.
pub(super) fn teardown_options(force: bool, batch_size: i64) -> TeardownOptions {
    // Out of range (0 as well as 70000) is for the core to refuse, with its message.
    TeardownOptions { force, batch_size: u16::try_from(batch_size).unwrap_or(0) }
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
        let options = client_options(max_attempts, initial_backoff, max_backoff, connect_timeout, attempt_timeout)?;
        block_on(py, Connected::connect(py, "ExchangeBuckets", spec, options)).map(Self)
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

    /// Reads the bucket and returns what `ensure` would change, changing nothing: a dict with
    /// `bucket`, `region`, `ownership` (`absent`, `managed`, `untagged`, `unmanaged`,
    /// `otherWorkspace`), `changes` (`[{setting, action, detail}]`, in the order `ensure` applies
    /// them; empty when in sync) and `warnings`.
    ///
    /// Raises `ForbiddenError` when the bucket exists but this identity may not use it,
    /// `ConflictError` when it exists in another region, else the kind of the S3 failure
    /// (`UnavailableError`, `OperationTimeoutError`: rerun).
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let buckets = self.0.buckets()?;
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
        let buckets = self.0.buckets()?;
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
        let buckets = self.0.buckets()?;
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
        let callback = Callback::new(progress::checked(progress, "one dict")?);
        let options = teardown_options(force, batch_size);
        let buckets = self.0.buckets()?;
        let on_progress = |report: TeardownProgress| callback.call(|py| to_py(py, &report));
        let result = block_on(py, callback.run(buckets.teardown(&options, &on_progress)));
        let stopped = || to_pyerr(Error::new(ErrorKind::Internal, "teardown stopped without a cause"));
        to_py(py, &callback.outcome(result, stopped)?)
    }

    /// Closes the S3 client; later calls raise `ConflictError`. Closing twice is harmless; calls
    /// already running finish first.
    fn close(&self) {
        self.0.close();
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
        self.0.repr(py, "ExchangeBuckets")
    }
}
