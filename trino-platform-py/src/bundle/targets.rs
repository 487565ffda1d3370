//! `Targets` and `AsyncTargets`: the Kubernetes API and the gateway's cluster store a tenant's
//! bundles are applied to (S3, Keycloak and Ranger are reached as the tenant file names them),
//! connected once and shared by every `plan`, `apply` and `delete`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use secrecy::{ExposeSecret, SecretString};
use trino_platform::bundle::{self, DEFAULT_WAIT_TIMEOUT};
use trino_platform::kube::{KubeOptions, Kubernetes};
use trino_platform::registry::{self, StoreUrl};
use trino_platform::{Error, Result};

use super::tenant::TenantSpec;
use crate::errors::to_pyerr;
use crate::opening::{Opening, Ready};
use crate::registry::{AsyncClusterStore, ClusterStore};
use crate::release::Handle;
use crate::routing::quoted;
use crate::runtime::{awaitable, block_on};
use crate::secret::secret_arg;
use crate::specs::seconds;

/// Where the clusters are registered: a store to open, one the caller opened, or none.
enum Registry {
    Open(StoreUrl),
    Opened(Arc<dyn registry::ClusterStore>),
    None,
}

/// The connected targets as `Targets` and `AsyncTargets` hold them.
pub(crate) struct Connected {
    targets: Handle<bundle::Targets>,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    /// The store's URL without its password.
    registry: Option<String>,
    wait_timeout: Duration,
}

/// The arguments of `connect`, converted and checked (nothing is connected yet).
pub(crate) struct Connect {
    class: &'static str,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    registry: Registry,
    redacted: Option<String>,
    options: KubeOptions,
    wait_timeout: Duration,
}

impl Connect {
    /// `connect`'s arguments (`class` names the Python class in messages). Without `registry`,
    /// the store is the one of the tenant's `platform.registry.storeEnv` variable, when it is
    /// set (as the core's `Targets::connect` does); else clusters are not registered.
    ///
    /// Raises `InvalidInputError` for an unsupported store URL, a bad duration, or a `context`
    /// without a `kubeconfig`; `TypeError` for a `registry` of another type.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        class: &'static str,
        tenant: &Bound<'_, TenantSpec>,
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
        registry: Option<&Bound<'_, PyAny>>,
        wait_timeout: Option<f64>,
        attempts: Option<u32>,
        backoff: Option<f64>,
        poll_interval: Option<f64>,
    ) -> PyResult<Self> {
        if context.is_some() && kubeconfig.is_none() {
            return Err(to_pyerr(Error::invalid_input(
                "context: give the kubeconfig it is in as well (without one, the current context of \
                 KUBECONFIG or ~/.kube/config is used)",
            )));
        }
        let defaults = KubeOptions::default();
        let options = KubeOptions {
            attempts: attempts.unwrap_or(defaults.attempts),
            backoff: seconds("backoff", backoff, defaults.backoff)?,
            poll_interval: seconds("poll_interval", poll_interval, defaults.poll_interval)?,
        };
        let wait_timeout = seconds("wait_timeout", wait_timeout, DEFAULT_WAIT_TIMEOUT)?;
        let open = |url: SecretString| -> PyResult<(Registry, Option<String>)> {
            let url = StoreUrl::parse(url.expose_secret()).map_err(to_pyerr)?;
            let redacted = url.redacted();
            Ok((Registry::Open(url), Some(redacted)))
        };
        let (registry, redacted) = match registry {
            None => match tenant.get().core().platform.registry.store_url() {
                Ok(url) => open(url)?,
                Err(_) => (Registry::None, None),
            },
            Some(store) => {
                if let Ok(store) = store.cast::<ClusterStore>() {
                    let opened = &store.get().0;
                    (Registry::Opened(opened.store()), Some(opened.redacted_url().to_owned()))
                } else if let Ok(store) = store.cast::<AsyncClusterStore>() {
                    let opened = &store.get().0;
                    (Registry::Opened(opened.store()), Some(opened.redacted_url().to_owned()))
                } else if let Ok(url) = secret_arg(store, "registry") {
                    open(url)?
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "registry: expected a store URL (str or Secret), a ClusterStore or an AsyncClusterStore, not {}",
                        store.get_type().name()?
                    )));
                }
            }
        };
        Ok(Self { class, kubeconfig, context, registry, redacted, options, wait_timeout })
    }

    /// Connects: Kubernetes (asking the server for its version), then the store.
    pub(crate) async fn connect(self) -> Result<Connected> {
        let kubernetes = match &self.kubeconfig {
            Some(path) => Kubernetes::from_kubeconfig(path, self.context.as_deref()).await?,
            None => Kubernetes::connect().await?,
        };
        let registry = match self.registry {
            Registry::Open(url) => Some(registry::open_url(&url).await?),
            Registry::Opened(store) => Some(store),
            Registry::None => None,
        };
        let targets =
            bundle::Targets::new(kubernetes.with_options(self.options), registry).with_wait_timeout(self.wait_timeout);
        let class = self.class;
        Ok(Connected {
            targets: Handle::new(
                Arc::new(targets),
                format!("the {class} are closed; connect again with {class}.connect(tenant)"),
            ),
            kubeconfig: self.kubeconfig,
            context: self.context,
            registry: self.redacted,
            wait_timeout: self.wait_timeout,
        })
    }
}

impl Connected {
    /// The core targets, or `ConflictError` once closed.
    pub(crate) fn targets(&self) -> PyResult<Arc<bundle::Targets>> {
        self.targets.get()
    }

    fn close(&self) {
        self.targets.close();
    }

    /// `Targets(kubeconfig='/home/me/.kube/config', context='prod', registry='postgres://gw:***@db/gw',
    /// wait_timeout=600.0)` (`class` names the Python class; `kubeconfig=None`: as `kubectl`
    /// finds it).
    fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        let text = |value: Option<&str>| value.map_or(Ok("None".to_owned()), |v| quoted(py, v));
        let kubeconfig = self.kubeconfig.as_ref().map(|p| p.display().to_string());
        Ok(format!(
            "{class}(kubeconfig={}, context={}, registry={}, wait_timeout={:?})",
            text(kubeconfig.as_deref())?,
            text(self.context.as_deref())?,
            text(self.registry.as_deref())?,
            self.wait_timeout.as_secs_f64()
        ))
    }
}

/// The systems a tenant's bundles are applied to: a Kubernetes API server and, for the cluster
/// registrations, the gateway's cluster store. S3, Keycloak and Ranger Admin are reached as the
/// tenant file says, when a step needs them.
///
/// Connect with `Targets.connect(tenant, ...)`, ideally as `with Targets.connect(tenant) as
/// targets:`, which closes the connections on exit; then pass it to `plan`, `apply` and
/// `delete` of a `TenantSpec`, its `platform()` or a `cluster_bundle(name)`, which block with
/// the GIL released. `AsyncTargets` is the same for asyncio (the same methods then return
/// awaitables).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Targets(pub(crate) Connected);

#[pymethods]
impl Targets {
    /// Connects to Kubernetes as `kubectl` would (the `KUBECONFIG` files or `~/.kube/config`
    /// and its current context, else the pod's service account), or through the kubeconfig
    /// file `kubeconfig` and its `context` (default: its current context); asks the server for
    /// its version. Then opens the gateway's cluster store: `registry` (a URL, `str` or
    /// `Secret`, or an open `ClusterStore` / `AsyncClusterStore`), else the URL in the
    /// tenant's `platform.registry.storeEnv` variable when it is set; without either, clusters
    /// are not registered (and the plan says so).
    ///
    /// `wait_timeout`: how long `apply` waits for workloads to become ready (seconds, default
    /// 600); `attempts` (default 4), `backoff` (seconds before the first retry, doubling; 0.5)
    /// and `poll_interval` (seconds between readiness reads; 2): how Kubernetes requests are
    /// retried and workloads polled.
    ///
    /// Raises `InvalidInputError` (no usable kubeconfig, no such context, an unsupported store
    /// URL, a bad duration), `UnavailableError` / `OperationTimeoutError` (the server or the
    /// store cannot be reached), `UnauthorizedError` / `ForbiddenError` (credentials refused).
    #[classmethod]
    #[pyo3(signature = (
        tenant,
        *,
        kubeconfig=None,
        context=None,
        registry=None,
        wait_timeout=None,
        attempts=None,
        backoff=None,
        poll_interval=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        tenant: &Bound<'_, TenantSpec>,
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
        registry: Option<&Bound<'_, PyAny>>,
        wait_timeout: Option<f64>,
        attempts: Option<u32>,
        backoff: Option<f64>,
        poll_interval: Option<f64>,
    ) -> PyResult<Self> {
        let connect = Connect::new(
            "Targets",
            tenant,
            kubeconfig,
            context,
            registry,
            wait_timeout,
            attempts,
            backoff,
            poll_interval,
        )?;
        block_on(py, connect.connect()).map(Self)
    }

    /// How long `apply` waits for workloads to become ready, in seconds.
    #[getter]
    fn wait_timeout(&self) -> f64 {
        self.0.wait_timeout.as_secs_f64()
    }

    /// The cluster store's URL with its password replaced by `***`, or `None` when clusters are
    /// not registered.
    #[getter]
    fn registry(&self) -> Option<&str> {
        self.0.registry.as_deref()
    }

    /// Closes the connections; later calls raise `ConflictError`. Closing twice is harmless;
    /// calls already running finish first. A `ClusterStore` passed as `registry` stays open.
    fn close(&self) {
        self.0.close();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the connections; an exception raised in the `with` block propagates.
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

    /// `Targets(kubeconfig=..., context=..., registry='postgres://gw:***@db/gw', wait_timeout=600.0)`;
    /// never a password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, "Targets")
    }
}

const ASYNC: &str = "AsyncTargets";

/// `Targets` for asyncio: the same connections; `plan`, `apply` and `delete` of a tenant, its
/// platform or a cluster bundle given `AsyncTargets` return awaitables, and the event loop never
/// waits for Kubernetes, S3, Keycloak or the store.
///
/// Connect with `async with AsyncTargets.connect(tenant, ...) as targets:` (or `targets = await
/// AsyncTargets.connect(...)`, then `await targets.close()`).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncTargets(pub(crate) Connected);

#[pymethods]
impl AsyncTargets {
    /// Connects (see `Targets.connect`): await it, or use it as `async with`.
    ///
    /// Raises `InvalidInputError` / `TypeError` for bad arguments at once; when awaited, what
    /// `Targets.connect` raises.
    #[classmethod]
    #[pyo3(signature = (
        tenant,
        *,
        kubeconfig=None,
        context=None,
        registry=None,
        wait_timeout=None,
        attempts=None,
        backoff=None,
        poll_interval=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        tenant: &Bound<'_, TenantSpec>,
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
        registry: Option<&Bound<'_, PyAny>>,
        wait_timeout: Option<f64>,
        attempts: Option<u32>,
        backoff: Option<f64>,
        poll_interval: Option<f64>,
    ) -> PyResult<Opening> {
        let connect =
            Connect::new(ASYNC, tenant, kubeconfig, context, registry, wait_timeout, attempts, backoff, poll_interval)?;
        let future = awaitable(py, async move { connect.connect().await.map(Self) })?;
        Ok(Opening::new(future, ASYNC))
    }

    /// How long `apply` waits for workloads to become ready, in seconds.
    #[getter]
    fn wait_timeout(&self) -> f64 {
        self.0.wait_timeout.as_secs_f64()
    }

    /// The cluster store's URL with its password replaced by `***`, or `None`.
    #[getter]
    fn registry(&self) -> Option<&str> {
        self.0.registry.as_deref()
    }

    /// Closes the connections; later calls raise `ConflictError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> Ready {
        self.0.close();
        Ready::new(py.None())
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    /// Closes the connections; an exception raised in the `async with` block propagates.
    #[pyo3(signature = (*_exc_info))]
    fn __aexit__(&self, py: Python<'_>, _exc_info: Bound<'_, PyTuple>) -> Ready {
        self.close(py)
    }

    /// `AsyncTargets(kubeconfig=..., context=..., registry=..., wait_timeout=600.0)`; never a
    /// password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, ASYNC)
    }
}
