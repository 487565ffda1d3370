//! `Gateway` and `AsyncGateway`: the core's embedded Trino Gateway server
//! (`trino_platform::gateway`), started and stopped from Python. It serves on the process-wide
//! runtime's worker threads, so Python code (including clients talking to it) keeps running
//! while it serves.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyType;
use tokio::sync::Mutex;
use trino_platform::gateway::{self, GatewayConfig};
use trino_platform::{Error, Result};

use crate::errors::to_pyerr;
use crate::runtime::{block_on, in_owner_process, runtime};

mod aio;

pub(crate) use aio::AsyncGateway;

/// Adds the gateway classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Gateway>()?;
    m.add_class::<AsyncGateway>()?;
    Ok(())
}

/// The configuration `start` was given: YAML text or a file (exactly one).
pub(crate) enum Source {
    Text(String),
    File(PathBuf),
}

impl Source {
    /// The source of `start`'s keywords, or `InvalidInputError` unless exactly one is given.
    pub(crate) fn of(class: &str, config: Option<String>, config_path: Option<PathBuf>) -> PyResult<Self> {
        match (config, config_path) {
            (Some(text), None) => Ok(Self::Text(text)),
            (None, Some(path)) => Ok(Self::File(path)),
            _ => Err(to_pyerr(Error::invalid_input(format!(
                "{class}.start: pass exactly one of `config` (YAML text) and `config_path`"
            )))),
        }
    }

    /// Reads (a file) and validates the configuration.
    pub(crate) fn load(&self) -> Result<GatewayConfig> {
        match self {
            Self::Text(text) => GatewayConfig::from_yaml(text),
            Self::File(path) => GatewayConfig::load(path),
        }
    }
}

/// A started server and its bound addresses, shared with a `stop` in progress.
pub(crate) struct Server {
    /// The server until `stop` takes it (a tokio mutex: a second `stop` waits for the first).
    server: Arc<Mutex<Option<gateway::Gateway>>>,
    http_addr: Option<SocketAddr>,
    https_addr: Option<SocketAddr>,
}

/// `addr` as a URL a local client can connect to: an unspecified bind address (`0.0.0.0`,
/// `[::]`) becomes the loopback address of its family.
fn local_url(scheme: &str, addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("{scheme}://{addr}")
}

impl Server {
    /// Loads the configuration and starts the server; returns once the listeners are bound and
    /// the first health probe pass has run.
    pub(crate) async fn start(source: Source) -> Result<Self> {
        let config = source.load()?;
        let server = gateway::Gateway::start(config).await?;
        Ok(Self {
            http_addr: server.http_addr(),
            https_addr: server.https_addr(),
            server: Arc::new(Mutex::new(Some(server))),
        })
    }

    pub(crate) fn http_address(&self) -> Option<String> {
        self.http_addr.map(|a| a.to_string())
    }

    pub(crate) fn https_address(&self) -> Option<String> {
        self.https_addr.map(|a| a.to_string())
    }

    pub(crate) fn url(&self) -> Option<String> {
        self.http_addr.map(|a| local_url("http", a)).or_else(|| self.https_addr.map(|a| local_url("https", a)))
    }

    /// The future that stops the server gracefully (nothing when stopped already; a concurrent
    /// second stop waits for the first).
    pub(crate) fn stop(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        let server = Arc::clone(&self.server);
        async move {
            if let Some(server) = server.lock().await.take() {
                server.stop().await;
            }
            Ok(())
        }
    }

    /// `Gateway(url='http://127.0.0.1:8080')`, or `Gateway(url=…, stopped)` (`class` names the
    /// Python class).
    pub(crate) fn repr(&self, class: &str) -> String {
        let url = self.url().map_or_else(|| "None".to_owned(), |u| format!("'{u}'"));
        let stopped = self.server.try_lock().is_ok_and(|server| server.is_none());
        format!("{class}(url={url}{})", if stopped { ", stopped" } else { "" })
    }
}

impl Drop for Server {
    /// A gateway garbage-collected while running is stopped in the background (gracefully, as
    /// `stop` does). In a forked child its tasks and connections belong to the parent: left alone.
    fn drop(&mut self) {
        let Ok(mut slot) = self.server.try_lock() else { return };
        let Some(server) = slot.take() else { return };
        if in_owner_process()
            && let Ok(rt) = runtime()
        {
            rt.spawn(server.stop());
        } else {
            std::mem::forget(server);
        }
    }
}

/// A running Trino Gateway: listeners, proxy, health monitor, admin API and metrics, configured
/// by a `gateway.yaml` document (the CLI's format, see `examples/gateway.yaml`).
///
/// Start one with `Gateway.start(config=text)` or `Gateway.start(config_path=path)`, ideally as
/// `with Gateway.start(...) as gw:`, which stops it on exit. `AsyncGateway` is the same for
/// asyncio.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Gateway(Server);

#[pymethods]
impl Gateway {
    /// Starts a gateway from YAML text (`config`; relative paths in it are taken from the
    /// working directory) or a file (`config_path`; relative paths from the file's directory):
    /// exactly one of the two. `${ENV:NAME}` references are replaced by environment variables.
    /// Returns once the listeners are bound and the first health probe pass has run.
    ///
    /// Raises `InvalidInputError` for a bad or unreadable config (naming the key and line), a
    /// bad rules or TLS file, or neither/both arguments; `UnavailableError` when the store
    /// cannot be reached or an address cannot be bound; `UnauthorizedError` for rejected store
    /// credentials.
    #[classmethod]
    #[pyo3(signature = (*, config=None, config_path=None))]
    fn start(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        config: Option<String>,
        config_path: Option<PathBuf>,
    ) -> PyResult<Self> {
        let source = Source::of("Gateway", config, config_path)?;
        block_on(py, Server::start(source)).map(Self)
    }

    /// The bound plain-HTTP address (`"127.0.0.1:8080"`, with the real port when the config
    /// asked for port 0), or `None` without an HTTP listener.
    #[getter]
    fn http_address(&self) -> Option<String> {
        self.0.http_address()
    }

    /// The bound HTTPS address, or `None` without an HTTPS listener.
    #[getter]
    fn https_address(&self) -> Option<String> {
        self.0.https_address()
    }

    /// The URL to reach the gateway from this host: `http://…` when it listens on HTTP, else
    /// `https://…` (an unspecified bind address such as `0.0.0.0` becomes the loopback address).
    #[getter]
    fn url(&self) -> Option<String> {
        self.0.url()
    }

    /// Stops accepting connections, lets in-flight requests finish (up to 30 s), writes pending
    /// sticky routes and closes the store; blocks until done, with the GIL released. Stopping a
    /// stopped gateway does nothing (a concurrent second call waits for the first).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        block_on(py, self.0.stop())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Stops the gateway; an exception raised in the `with` block propagates.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<Bound<'_, PyAny>>,
        exc_value: Option<Bound<'_, PyAny>>,
        traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let _ = (exc_type, exc_value, traceback);
        self.stop(py)?;
        Ok(false)
    }

    /// `Gateway(url='http://127.0.0.1:8080')`, or `Gateway(url=…, stopped)`.
    fn __repr__(&self) -> String {
        self.0.repr("Gateway")
    }
}
