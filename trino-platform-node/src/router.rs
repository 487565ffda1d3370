//! The `Router` class: the gateway's routing engine, one method per core `Router` operation.

use std::path::Path;
use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use trino_platform::cluster::{self as core, ClusterName};
use trino_platform::registry;
use trino_platform::routing::{self, QueryId};
use trino_platform::{Error, Result};

use crate::cluster::NewCluster;
use crate::error::{or_throw, settle, settle_eager};
use crate::route::{ClusterStatus, ClusterView, RecordQueryOptions, RouteDecision, RouteRequest, RouterConfig};
use crate::rules::RoutingRules;

/// The gateway's routing engine: given a request, which cluster serves it, and why. Open one
/// with `Router.open(config)`, give it rules (`setRules`) and clusters (`setClusters`), then
/// `route` each request. It decides in this order:
///
/// 1. a **query id** in the path or query string (a follow-up): the cluster that ran the query
///    (`recordQuery`), even if since deactivated or unhealthy, so running queries drain;
/// 2. an **OAuth2 leg** (`/oauth2/token/…`, `/oauth2/callback` with the `oauth2Cookie`): the
///    coordinator that issued the challenge (`recordOAuth2Challenge`);
/// 3. the **routing group**: `X-Trino-Routing-Group` when `honorRoutingGroupHeader`, else the
///    first matching rule, else `defaultGroup`;
/// 4. a healthy, active **cluster** of that group by `policy`, else of `fallbackGroup`.
///
/// Promise methods reject, and synchronous ones throw, an `Error` whose `code` is an
/// `ErrorCode`. Arguments of the wrong JavaScript type (which the typings rule out) throw at
/// the call instead, with napi's own codes (`'StringExpected'`, `'InvalidArg'`, …).
#[napi]
pub struct Router {
    inner: Arc<routing::Router>,
}

#[napi]
impl Router {
    /// Opens a router with `config` (every field optional), without rules or clusters.
    ///
    /// With `storeUrl` the store is opened (created and migrated as needed, like
    /// `ClusterStore.open`) and sticky routes are written to it in the background (`flush`
    /// waits for them) and looked up there when this router does not know them.
    ///
    /// Rejects with `InvalidInput` for a bad group, cluster name, weight or store URL,
    /// `Unauthorized` when the database refuses the credentials and `Unavailable` when it cannot
    /// be reached; messages never show the URL's password.
    #[napi]
    pub fn open(env: &Env, config: Option<RouterConfig>) -> napi::Result<PromiseRaw<'_, Router>> {
        settle(env, async move {
            let (config, store_url) = config.map(RouterConfig::into_core).transpose()?.unwrap_or_default();
            let router = match store_url {
                None => routing::Router::new(config)?,
                // Inside napi's tokio runtime, where the router starts its store writer. The
                // cluster-registry half of the store is not needed here.
                Some(url) => routing::Router::with_store(config, registry::open_with_routes(&url).await?.1)?,
            };
            Ok(Router { inner: Arc::new(router) })
        })
    }

    /// Replaces the rules atomically: each request sees the old set or the new one, whole.
    #[napi]
    pub fn set_rules(&self, rules: &RoutingRules) {
        self.inner.set_rules(rules.inner.clone());
    }

    /// Loads a typed rules file (as `RoutingRules.load`), swaps it in and returns how many rules
    /// it has. Throws `InvalidInput` when the file cannot be read or is invalid, and then the
    /// rules in force stay.
    #[napi]
    pub fn load_rules(&self, env: &Env, path: String) -> napi::Result<u32> {
        let count = or_throw(env, self.inner.reload_rules(Path::new(&path)))?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Replaces the clusters the router chooses from, for example with `await store.list()`
    /// (omitted fields take trino-gateway's defaults). Status and in-flight counts of clusters
    /// that stay are kept. Throws `InvalidInput` for a bad cluster, and then nothing changes.
    #[napi]
    pub fn set_clusters(&self, env: &Env, clusters: Vec<NewCluster>) -> napi::Result<()> {
        let clusters = clusters.into_iter().map(NewCluster::into_core).collect::<Result<_>>();
        self.inner.set_clusters(or_throw(env, clusters)?);
        Ok(())
    }

    /// Records a cluster's health and load (from a health check). Throws `InvalidInput` for a
    /// bad name or a count that is no whole number ≥ 0, and `NotFound` for a cluster the router
    /// does not have.
    #[napi]
    pub fn set_status(&self, env: &Env, name: String, status: ClusterStatus) -> napi::Result<()> {
        or_throw(env, ClusterName::new(name).and_then(|name| self.inner.set_status(&name, status.into_core()?)))
    }

    /// Every cluster the router has, with its status, sorted by name.
    #[napi]
    pub fn clusters(&self) -> Vec<ClusterView> {
        self.inner.clusters().into_iter().map(ClusterView::from).collect()
    }

    /// Decides where `request` goes and resolves with the decision. A decision the router
    /// makes from memory settles the Promise at once, without a hop to another thread: every
    /// one but that of a follow-up (or OAuth2 leg) whose route only the store (`storeUrl`)
    /// knows, which waits for the store.
    ///
    /// Rejects with `NotFound` for a query id no cluster behind this router (or its store) ran,
    /// `Unavailable` when no healthy, active cluster can take the request (retrying may help)
    /// and `InvalidInput` for a malformed `X-Trino-Routing-Group` that the router honours.
    #[napi]
    pub fn route<'env>(&self, env: &'env Env, request: RouteRequest) -> napi::Result<PromiseRaw<'env, RouteDecision>> {
        let router = Arc::clone(&self.inner);
        let request = routing::RouteRequest::from(request);
        settle_eager(env, async move { Ok(router.route(&request).await?.into()) })
    }

    /// Remembers that cluster `clusterName` runs query `queryId` (call it on the first response
    /// to `POST /v1/statement`), so that its follow-ups reach that cluster; with a store, also
    /// written there in the background, with `opts`' user and source. A query id recorded
    /// before keeps its first cluster in the store.
    ///
    /// Throws `InvalidInput` for a malformed query id or cluster name and `NotFound` for a
    /// cluster the router does not have.
    #[napi]
    pub fn record_query(
        &self,
        env: &Env,
        query_id: String,
        cluster_name: String,
        opts: Option<RecordQueryOptions>,
    ) -> napi::Result<()> {
        let recorded = QueryId::new(&query_id).and_then(|id| {
            let request = opts.map(RecordQueryOptions::into_request).unwrap_or_default();
            self.inner.record_query(&id, &self.cluster(cluster_name)?, &request);
            Ok(())
        });
        or_throw(env, recorded)
    }

    /// Pins the OAuth2 login ids of a `401`'s `WWW-Authenticate` header value to cluster
    /// `clusterName`, so that every leg of that login reaches it; returns how many ids it
    /// pinned (0 when the value is no Trino OAuth2 challenge). Throws `InvalidInput` for a bad
    /// name and `NotFound` for a cluster the router does not have.
    #[napi(js_name = "recordOAuth2Challenge")]
    pub fn record_oauth2_challenge(
        &self,
        env: &Env,
        www_authenticate: String,
        cluster_name: String,
    ) -> napi::Result<u32> {
        let pinned = self.cluster(cluster_name).map(|c| self.inner.record_oauth2_challenge(&www_authenticate, &c));
        Ok(u32::try_from(or_throw(env, pinned)?).unwrap_or(u32::MAX))
    }

    /// The `Set-Cookie` header value that pins a browser's OAuth2 callback to cluster
    /// `clusterName` (set it on the response to `/oauth2/token/initiate/…`). Throws
    /// `InvalidInput` for a bad name.
    #[napi(js_name = "oauth2Cookie")]
    pub fn oauth2_cookie(&self, env: &Env, cluster_name: String) -> napi::Result<String> {
        or_throw(env, ClusterName::new(cluster_name).map(|name| self.inner.oauth2_cookie(&name)))
    }

    /// Resolves once every sticky route recorded so far is written to the store (at once
    /// without `storeUrl`). A route the store refuses stays in memory only, and is logged.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let router = Arc::clone(&self.inner);
        settle(env, async move {
            router.flush().await;
            Ok(())
        })
    }
}

impl Router {
    /// The router's own registration of cluster `name` (what the core records routes to):
    /// `InvalidInput` for a bad name, `NotFound` for one the router does not have.
    fn cluster(&self, name: String) -> Result<Arc<core::Cluster>> {
        let name = ClusterName::new(name)?;
        self.inner.cluster(&name).ok_or_else(|| {
            Error::not_found(format!(
                "no cluster named {:?} is known to the router; give it to setClusters first",
                name.as_str()
            ))
        })
    }
}
