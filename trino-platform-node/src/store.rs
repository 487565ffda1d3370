//! The `ClusterStore` class: one Promise-returning method per core store operation.

use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use trino_platform::cluster::ClusterName;
use trino_platform::registry;

use crate::cluster::{Cluster, ClusterFilter, ClusterUpdate, NewCluster};
use crate::error::settle;

/// Where the gateway's cluster registrations live: an SQLite file or a PostgreSQL database, in
/// trino-gateway-compatible tables. Open one with `ClusterStore.open(url)`.
///
/// Every method returns a Promise; `clusters(filter)` iterates what `list(filter)` resolves
/// with (`for await`). A rejection is an `Error` whose `code` is an `ErrorCode`
/// (`'InvalidInput'`, `'NotFound'`, `'AlreadyExists'`, `'Unavailable'`, …) and whose message
/// says what was wrong, never containing a password. Arguments of the wrong JavaScript type
/// (which the typings rule out) throw at the call instead, with napi's own codes
/// (`'StringExpected'`, `'InvalidArg'`, …).
#[napi]
pub struct ClusterStore {
    pub(crate) inner: Arc<dyn registry::ClusterStore>,
}

#[napi]
impl ClusterStore {
    /// Opens (creating and migrating as needed) the store at `url`: `sqlite:///path/to/file.db`,
    /// `sqlite::memory:` or `postgres://user:password@host:port/db`.
    ///
    /// Rejects with `InvalidInput` for any other URL, `Unauthorized` when the database refuses
    /// the credentials and `Unavailable` when it cannot be reached; the message shows the URL
    /// with its password replaced by `***`.
    #[napi]
    pub fn open(env: &Env, url: String) -> napi::Result<PromiseRaw<'_, ClusterStore>> {
        settle(env, async move { Ok(ClusterStore { inner: registry::open(&url).await? }) })
    }

    /// Registers a cluster and resolves with it as stored (defaults applied, URLs normalised).
    ///
    /// Rejects with `InvalidInput` for a bad name, URL or routing group and `AlreadyExists`
    /// when the name is taken (the first registration is kept).
    #[napi]
    pub fn register<'env>(&self, env: &'env Env, cluster: NewCluster) -> napi::Result<PromiseRaw<'env, Cluster>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move { Ok(store.register(&cluster.into_core()?).await?.into()) })
    }

    /// Changes only the fields given in `update`, atomically, and resolves with the result.
    ///
    /// Rejects with `InvalidInput` for a bad name, URL or routing group and `NotFound` when no
    /// cluster has that name.
    #[napi]
    pub fn update<'env>(
        &self,
        env: &'env Env,
        name: String,
        update: ClusterUpdate,
    ) -> napi::Result<PromiseRaw<'env, Cluster>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move { Ok(store.update(&ClusterName::new(name)?, &update.into_core()?).await?.into()) })
    }

    /// Lets the cluster take new queries and resolves with it. Rejects with `NotFound`.
    #[napi]
    pub fn activate<'env>(&self, env: &'env Env, name: String) -> napi::Result<PromiseRaw<'env, Cluster>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move { Ok(store.activate(&ClusterName::new(name)?).await?.into()) })
    }

    /// Stops new queries going to the cluster (running ones finish) and resolves with it.
    /// Rejects with `NotFound`.
    #[napi]
    pub fn deactivate<'env>(&self, env: &'env Env, name: String) -> napi::Result<PromiseRaw<'env, Cluster>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move { Ok(store.deactivate(&ClusterName::new(name)?).await?.into()) })
    }

    /// Deletes the cluster and resolves with what it was. Rejects with `NotFound`.
    #[napi]
    pub fn remove<'env>(&self, env: &'env Env, name: String) -> napi::Result<PromiseRaw<'env, Cluster>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move { Ok(store.remove(&ClusterName::new(name)?).await?.into()) })
    }

    /// Resolves with one cluster. Rejects with `InvalidInput` for a bad name and `NotFound`
    /// when no cluster has that name.
    #[napi]
    pub fn get<'env>(&self, env: &'env Env, name: String) -> napi::Result<PromiseRaw<'env, Cluster>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move { Ok(store.get(&ClusterName::new(name)?).await?.into()) })
    }

    /// Resolves with the clusters passing `filter` (every cluster without one), sorted by name.
    /// Rejects with `InvalidInput` for a bad routing group.
    #[napi]
    pub fn list<'env>(
        &self,
        env: &'env Env,
        filter: Option<ClusterFilter>,
    ) -> napi::Result<PromiseRaw<'env, Vec<Cluster>>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move {
            let filter = filter.map(ClusterFilter::into_core).transpose()?.unwrap_or_default();
            Ok(store.list(&filter).await?.into_iter().map(Cluster::from).collect())
        })
    }

    /// Closes the store's connections; later calls reject with `Unavailable`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let store = Arc::clone(&self.inner);
        settle(env, async move {
            store.close().await;
            Ok(())
        })
    }
}
