//! The `Gateway` class: the embedded Trino Gateway server (proxy, health monitor, admin API,
//! metrics), started from a `gateway.yaml` and stopped gracefully.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi::tokio::sync::oneshot;
use napi_derive::napi;
use trino_platform::gateway::{self, GatewayConfig};
use trino_platform::{Error, Result};

use crate::error::settle;
use crate::route::ClusterView;

/// Where `Gateway.start` reads its configuration: exactly one of the two fields.
#[napi(object)]
pub struct GatewayOptions {
    /// The configuration as YAML text, in the `gateway.yaml` format (`examples/gateway.yaml`):
    /// `listen`, `store`, `clusters`, `routing`, `health`, `proxy`, `admin`, `auth`. Relative
    /// paths in it (rules files, TLS files) are taken from the process's working directory.
    pub config: Option<String>,
    /// The path of a `gateway.yaml`; relative paths in it are taken from the file's directory.
    pub config_path: Option<String>,
}

impl GatewayOptions {
    /// The validated configuration; fails with `InvalidInput` unless exactly one field is set,
    /// or when the file cannot be read or the configuration is invalid.
    fn into_core(self) -> Result<GatewayConfig> {
        match (self.config, self.config_path) {
            (Some(text), None) => GatewayConfig::from_yaml(&text),
            (None, Some(path)) => GatewayConfig::load(Path::new(&path)),
            _ => Err(Error::invalid_input("Gateway.start needs exactly one of `config` (YAML text) and `configPath`")),
        }
    }
}

/// A running gateway and what keeps Node.js running while it serves.
struct Running {
    gateway: gateway::Gateway,
    /// Dropping it settles the hidden Promise that keeps the event loop alive.
    _keep_alive: oneshot::Sender<()>,
}

/// The Trino Gateway, embedded: a streaming proxy for the Trino client protocol in front of the
/// registered clusters, with health probes, routing rules, sticky query and OAuth2 routes, the
/// admin API (`/api/v1/clusters`, trino-gateway's `/gateway/backend/…`), `/metrics`, `/livez`
/// and `/readyz`. Start one with `Gateway.start({config})` or `Gateway.start({configPath})`.
///
/// Like a listening `net.Server`, a started gateway keeps the Node.js process alive (even if
/// the object itself is no longer referenced) until `stop()`.
///
/// A rejection is an `Error` whose `code` is an `ErrorCode`.
#[napi]
pub struct Gateway {
    running: Arc<Mutex<Option<Running>>>,
}

#[napi]
impl Gateway {
    /// Starts a gateway: opens its store (creating and migrating it; default
    /// `sqlite://gateway.db` in the working directory), registers the configured `clusters`
    /// that are missing, loads the rules, probes the clusters once, binds the listeners and
    /// resolves once it serves.
    ///
    /// Rejects with `InvalidInput` unless exactly one of `config` and `configPath` is given, or
    /// for a config that cannot be read or is invalid (the message names the key and line, or
    /// the unset `${ENV:NAME}` variable), a bad rules or TLS file or a bad seed cluster; and
    /// with `Unavailable` when it cannot open its store or listen on an address (for example
    /// one in use).
    #[napi]
    pub fn start(env: &Env, options: GatewayOptions) -> napi::Result<PromiseRaw<'_, Gateway>> {
        let running = Arc::new(Mutex::new(None));
        let (keep_alive, stopped) = oneshot::channel::<()>();
        let started = Arc::clone(&running);
        let promise = settle(env, async move {
            let gateway = gateway::Gateway::start(options.into_core()?).await?;
            *lock(&started) = Some(Running { gateway, _keep_alive: keep_alive });
            Ok(Gateway { running: started })
        })?;
        // A pending napi Promise holds a reference on the event loop. This one settles when the
        // gateway stops, or at once when it does not start (the sender is dropped either way);
        // it holds the state, so that a gateway whose object is collected keeps serving.
        let _keep_alive: PromiseRaw<'_, ()> = settle(env, async move {
            let _ = stopped.await;
            drop(running);
            Ok(())
        })?;
        Ok(promise)
    }

    /// The bound HTTP address, `host:port` (with the real port when the config asked for port
    /// 0), or `null` without an HTTP listener or once stopped.
    #[napi(getter)]
    pub fn http_address(&self) -> Option<String> {
        self.addresses().0.map(|addr| addr.to_string())
    }

    /// The bound HTTPS address, `host:port`, or `null` without an HTTPS listener or once
    /// stopped.
    #[napi(getter)]
    pub fn https_address(&self) -> Option<String> {
        self.addresses().1.map(|addr| addr.to_string())
    }

    /// The base URL of the HTTP listener, `http://host:port`, for clients on this machine: a
    /// wildcard address (`0.0.0.0`, `::`) is given as the loopback address. `null` without an
    /// HTTP listener or once stopped.
    #[napi(getter)]
    pub fn url(&self) -> Option<String> {
        self.addresses().0.map(|mut addr| {
            if addr.ip().is_unspecified() {
                addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
            }
            format!("http://{addr}")
        })
    }

    /// Every cluster the gateway routes to, with the health and load its probes last saw (the
    /// `healthy`, `queued` and `running` of `GET /api/v1/clusters`) and its requests in flight,
    /// sorted by name: its registrations as of the last refresh from the store (every
    /// `health.interval`, and at once after a change through the admin API). Empty once stopped.
    #[napi]
    pub fn clusters(&self) -> Vec<ClusterView> {
        let router = lock(&self.running).as_ref().map(|r| Arc::clone(r.gateway.router()));
        router.map(|router| router.clusters().into_iter().map(ClusterView::from).collect()).unwrap_or_default()
    }

    /// Stops the gateway gracefully: stops accepting connections, lets in-flight requests
    /// finish (up to 30 s), writes pending sticky routes and closes the store, then resolves.
    /// Calling it again (or while a stop is under way) resolves at once.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn stop<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let running = lock(&self.running).take();
        settle(env, async move {
            if let Some(Running { gateway, _keep_alive }) = running {
                gateway.stop().await;
            }
            Ok(())
        })
    }
}

impl Gateway {
    /// The bound HTTP and HTTPS addresses, or none once stopped.
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        lock(&self.running).as_ref().map_or((None, None), |r| (r.gateway.http_addr(), r.gateway.https_addr()))
    }
}

/// The state, even if a thread panicked while holding the lock (it only ever takes or sets it).
fn lock(running: &Mutex<Option<Running>>) -> std::sync::MutexGuard<'_, Option<Running>> {
    running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
