//! The Trino Gateway server: a streaming proxy for the Trino client protocol in front of the
//! registered clusters, with a health monitor, an admin API (trino-gateway compatible), metrics,
//! and state shared with other replicas through the cluster store.
//!
//! ```no_run
//! use trino_platform::gateway::{Gateway, GatewayConfig};
//!
//! # async fn run() -> trino_platform::Result<()> {
//! let config = GatewayConfig::load("gateway.yaml".as_ref())?;
//! let gateway = Gateway::start(config).await?;
//! println!("listening on {:?}", gateway.http_addr());
//! tokio::signal::ctrl_c().await.ok();
//! gateway.stop().await; // lets in-flight requests finish
//! # Ok(()) }
//! ```
//!
//! What a request meets, in order: the listener (HTTP or HTTPS) → `/livez`, `/readyz`,
//! `/metrics`, the admin API (credentials required unless `admin.open`), or, for Trino's paths
//! (`/v1/statement`, `/v1/query`, `/v1/spooled`, `/ui`, `/v1/info`, `/v1/node`, `/oauth2`),
//! authentication (when `auth:` is configured; see [`crate::auth::GatewayAuthConfig`] for which
//! requests need a validated bearer token), the router and the proxy. Anything else is a JSON 404.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

mod admin;
mod auth;
pub mod config;
mod health;
mod listener;
mod metrics;
mod proxy;
mod ui_stats;

pub use config::GatewayConfig;

use self::config::AdminConfig;
use self::health::HealthMonitor;
use self::metrics::Metrics;
use self::proxy::{Connection, Proxy};
use crate::cluster::{Cluster, ClusterFilter, ClusterUpdate};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::{self, ClusterStore, StoreUrl};
use crate::routing::{ClusterView, Router, RoutingRules};

/// The store a gateway uses when its config names none: `gateway.db` in the working directory.
pub const DEFAULT_STORE: &str = "sqlite://gateway.db";

/// What the request handlers share.
pub(crate) struct Shared {
    router: Arc<Router>,
    store: Arc<dyn ClusterStore>,
    proxy: Proxy,
    metrics: Arc<Metrics>,
    monitor: Arc<HealthMonitor>,
    admin: AdminConfig,
}

impl Shared {
    /// Reloads registrations from the store into the router and asks for a probe pass.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let clusters = self.store.list(&ClusterFilter::all()).await?;
        self.router.set_clusters(clusters);
        self.monitor.wake();
        Ok(())
    }

    /// The registered clusters with their status, fresh from the store.
    pub(crate) async fn views(&self) -> Result<Vec<ClusterView>> {
        self.refresh().await?;
        Ok(self.router.clusters())
    }

    /// Registers `cluster`, or replaces every field of the registration of that name.
    pub(crate) async fn upsert(&self, cluster: Cluster) -> Result<Cluster> {
        let update = ClusterUpdate {
            proxy_to: Some(cluster.proxy_to.clone()),
            external_url: Some(cluster.external_url.clone()),
            routing_group: Some(cluster.routing_group.clone()),
            active: Some(cluster.active),
        };
        let stored = match self.store.update(&cluster.name, &update).await {
            Err(e) if e.kind() == ErrorKind::NotFound => self.store.register(&cluster).await?,
            other => other?,
        };
        self.refresh().await?;
        Ok(stored)
    }
}

/// A running gateway. Dropping it without [`Gateway::stop`] aborts its listeners and monitor at
/// once: no drain of in-flight requests, and sticky routes not yet written may be lost.
pub struct Gateway {
    shared: Arc<Shared>,
    http_addr: Option<SocketAddr>,
    https_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("http_addr", &self.http_addr).field("https_addr", &self.https_addr).finish()
    }
}

impl Gateway {
    /// Opens the store (migrating it), registers the seed clusters that are missing, loads the
    /// rules, binds the listeners and starts serving. Fails with `InvalidInput` for a bad rules
    /// file or TLS files, `Unavailable` when the store or an address cannot be used.
    pub async fn start(config: GatewayConfig) -> Result<Gateway> {
        let url = StoreUrl::parse(config.store.as_ref().map_or(DEFAULT_STORE, |s| s.expose_secret()))?;
        let (store, routes) = registry::open_with_routes(&url).await?;
        for spec in &config.clusters {
            let cluster = Cluster::try_from(spec.clone())?;
            match store.register(&cluster).await {
                Err(e) if e.kind() != ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
        }
        let router = Arc::new(Router::with_store(config.routing.router_config(), routes)?);
        if let Some(path) = &config.routing.rules_file {
            router.reload_rules(path)?;
        }
        if let Some(path) = &config.routing.trino_gateway_rules_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", path.display())))?;
            router.set_rules(RoutingRules::from_trino_gateway_yaml(&text)?);
        }

        let client = proxy::http_client(&config.proxy)?;
        let authenticator = match &config.auth {
            Some(auth) => Some(Arc::new(auth::Authenticator::start(auth).await?)),
            None => None,
        };
        let metrics = Arc::new(Metrics::new());
        let monitor = Arc::new(HealthMonitor::new(Arc::clone(&router), client.clone(), config.health.clone()));
        let shared = Arc::new(Shared {
            proxy: Proxy::new(
                client,
                Arc::clone(&router),
                config.proxy.clone(),
                Arc::clone(&metrics),
                config.routing.unknown_query_wait,
            )
            .with_auth(authenticator),
            router,
            store,
            metrics,
            monitor: Arc::clone(&monitor),
            admin: config.admin.clone(),
        });
        shared.refresh().await?;
        monitor.probe_all().await;

        let app = app(Arc::clone(&shared));
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| Error::new(ErrorKind::Unavailable, format!("cannot listen on {addr}: {e}")).with_source(e))
        };
        let max_header_bytes = config.proxy.max_header_bytes;
        let mut http_addr = None;
        if let Some(addr) = config.listen.http {
            let listener = bind(addr).await?;
            http_addr = listener.local_addr().ok();
            tasks.spawn(listener::serve(listener, None, app.clone(), max_header_bytes, stopped.clone()));
        }
        let mut https_addr = None;
        if let Some(https) = &config.listen.https {
            let cert = listener::ReloadingCert::new(&https.certificate, &https.private_key)?;
            let acceptor = cert.acceptor()?;
            let listener = bind(https.address).await?;
            https_addr = listener.local_addr().ok();
            tasks.spawn(listener::serve(listener, Some(acceptor), app.clone(), max_header_bytes, stopped.clone()));
            tasks.spawn(every(Duration::from_secs(5), stopped.clone(), move || cert.reload_if_changed()));
        }
        tasks.spawn(Arc::clone(&monitor).run(stopped.clone()));
        let refresher = Arc::clone(&shared);
        tasks.spawn(every_async(config.health.interval, stopped.clone(), move || {
            let shared = Arc::clone(&refresher);
            async move {
                if let Err(e) = shared.refresh().await {
                    tracing::warn!(error = %e, "cannot refresh clusters from the store");
                }
            }
        }));
        if let Some(path) = config.routing.rules_file.clone() {
            tasks.spawn(watch_rules(path, Arc::clone(&shared.router), Arc::clone(&shared.metrics), stopped));
        }
        Ok(Gateway { shared, http_addr, https_addr, stop, tasks })
    }

    /// The bound HTTP address (with the real port when the config asked for port 0).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The bound HTTPS address.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_addr
    }

    /// The router, for inspection.
    pub fn router(&self) -> &Arc<Router> {
        &self.shared.router
    }

    /// Stops accepting connections, lets in-flight requests finish (up to 30 s), writes pending
    /// sticky routes and closes the store.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        self.shared.router.flush().await;
        self.shared.store.close().await;
    }
}

fn app(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(fallback)
        .with_state(Arc::clone(&shared))
        .merge(admin::routes(shared))
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.monitor.is_ready() {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "the first health probe pass has not finished").into_response()
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let text = shared.metrics.render(&shared.router.clusters());
    ([(http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}

async fn fallback(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if !proxy::is_proxied(request.uri().path()) {
        return admin::not_found(request).await;
    }
    let Some(connection) = request.extensions().get::<Connection>().copied() else {
        return proxy::trino_error(StatusCode::INTERNAL_SERVER_ERROR, "GATEWAY_ERROR", "no connection information");
    };
    shared.proxy.handle(request, connection).await
}

/// Runs `tick` every `period` until `stop` fires.
async fn every(period: Duration, stop: watch::Receiver<bool>, mut tick: impl FnMut() + Send + 'static) {
    every_async(period, stop, move || {
        tick();
        std::future::ready(())
    })
    .await;
}

async fn every_async<F: Future<Output = ()>>(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    mut tick: impl FnMut() -> F,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => tick().await,
            _ = stop.changed() => return,
        }
    }
}

/// Reloads the rules file when its content changes (checked every 2 s, by content rather than
/// modification time, so two edits within the file system's time resolution are both seen); a
/// bad file keeps the rules in force (logged, and counted in `rules_reloads`).
async fn watch_rules(path: PathBuf, router: Arc<Router>, metrics: Arc<Metrics>, stop: watch::Receiver<bool>) {
    let read = |p: &PathBuf| std::fs::read(p).ok();
    let mut last: Option<Vec<u8>> = read(&path);
    every(Duration::from_secs(2), stop, move || {
        let now = read(&path);
        if now != last {
            last = now;
            match router.reload_rules(&path) {
                Ok(count) => {
                    metrics.observe_rules_reload(true);
                    tracing::info!(rules = count, "reloaded routing rules");
                }
                Err(e) => {
                    metrics.observe_rules_reload(false);
                    tracing::warn!(error = %e, "routing rules not reloaded; the previous rules stay in force");
                }
            }
        }
    })
    .await;
}
