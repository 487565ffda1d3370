//! Cluster registration: which Trino clusters sit behind the gateway, in which routing group,
//! and whether they take new queries.
//!
//! [`ClusterStore`] is the contract; [`SqliteStore`] (embedded, the default) and [`PostgresStore`]
//! (production, shared by gateway replicas) implement it on trino-gateway-compatible tables
//! (`gateway_backend`, `query_history`), created by migrations when the store opens.
//! [`open`] picks the implementation from the URL scheme.
//!
//! ```no_run
//! use trino_platform::cluster::{BackendUrl, Cluster, ClusterFilter, ClusterName};
//! use trino_platform::registry;
//!
//! # async fn demo() -> trino_platform::Result<()> {
//! let store = registry::open("sqlite:///var/lib/trino-platform/gateway.db").await?;
//! let name = ClusterName::new("trino-1")?;
//! store.register(&Cluster::new(name.clone(), BackendUrl::new("http://trino-1:8080")?)).await?;
//! store.deactivate(&name).await?;
//! assert!(store.list(&ClusterFilter::active()).await?.is_empty());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::cluster::{Cluster, ClusterFilter, ClusterName, ClusterUpdate};
use crate::error::{Error, Result};
use crate::secret::redact_url;

#[cfg(feature = "postgres")]
mod postgres;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// Where registrations live. Every operation is atomic on its own; failures are typed:
/// `AlreadyExists`, `NotFound`, `InvalidInput`, `Unavailable` (retryable), `Backend`.
#[async_trait::async_trait]
pub trait ClusterStore: Send + Sync + fmt::Debug {
    /// Adds a cluster. Fails with `AlreadyExists` when the name is taken (exactly one of several
    /// concurrent registrations of a name succeeds).
    async fn register(&self, cluster: &Cluster) -> Result<Cluster>;

    /// Changes the fields set in `update` in one atomic statement and returns the result, so
    /// concurrent updates of different fields are all kept. Fails with `NotFound`.
    async fn update(&self, name: &ClusterName, update: &ClusterUpdate) -> Result<Cluster>;

    /// Deletes a cluster and returns what it was. Fails with `NotFound`.
    async fn remove(&self, name: &ClusterName) -> Result<Cluster>;

    /// One cluster. Fails with `NotFound`.
    async fn get(&self, name: &ClusterName) -> Result<Cluster>;

    /// Clusters passing `filter`, sorted by name.
    async fn list(&self, filter: &ClusterFilter) -> Result<Vec<Cluster>>;

    /// Closes the connections; later calls fail with `Unavailable`.
    async fn close(&self);

    /// Lets the cluster take new queries. Fails with `NotFound`.
    async fn activate(&self, name: &ClusterName) -> Result<Cluster> {
        self.update(name, &ClusterUpdate { active: Some(true), ..ClusterUpdate::default() }).await
    }

    /// Stops new queries going to the cluster (running ones finish). Fails with `NotFound`.
    async fn deactivate(&self, name: &ClusterName) -> Result<Cluster> {
        self.update(name, &ClusterUpdate { active: Some(false), ..ClusterUpdate::default() }).await
    }
}

/// A store URL: `sqlite://PATH` (`sqlite:///abs/path.db`, `sqlite::memory:`) or
/// `postgres://USER:PASSWORD@HOST:PORT/DB` (`postgresql://` too). The password stays out of
/// `Debug`, `Display` and every error message.
#[derive(Clone)]
pub struct StoreUrl {
    url: SecretString,
    backend: Backend,
}

/// The kind of database behind a [`StoreUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (or memory).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl StoreUrl {
    /// Parses a store URL; fails with `InvalidInput` for any other scheme.
    pub fn parse(url: &str) -> Result<Self> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(Error::invalid_input(format!(
                "unsupported store URL {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            )));
        };
        Ok(Self { url: url.into(), backend })
    }

    /// Which database the URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with any password replaced by `***`, for messages.
    pub fn redacted(&self) -> String {
        redact_url(self.url.expose_secret())
    }

    pub(crate) fn expose(&self) -> &str {
        self.url.expose_secret()
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::str::FromStr for StoreUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// Opens (and migrates) the store named by `url`. Fails with `InvalidInput` for an unknown
/// scheme or a backend this build lacks, `Unavailable` when the database cannot be reached.
pub async fn open(url: &str) -> Result<Arc<dyn ClusterStore>> {
    open_url(&StoreUrl::parse(url)?).await
}

/// [`open`] for an already parsed URL.
pub async fn open_url(url: &StoreUrl) -> Result<Arc<dyn ClusterStore>> {
    match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open(url).await?)),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(Arc::new(PostgresStore::open(url).await?)),
        #[allow(unreachable_patterns)]
        other => Err(missing_backend(other)),
    }
}

/// Opens the store named by `url` as both the cluster registry and the router's sticky-route
/// store (one connection pool). Fails like [`open`].
#[cfg(feature = "routing")]
pub async fn open_with_routes(url: &StoreUrl) -> Result<(Arc<dyn ClusterStore>, Arc<dyn crate::routing::RouteStore>)> {
    match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => {
            let store = Arc::new(SqliteStore::open(url).await?);
            Ok((store.clone(), store))
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            let store = Arc::new(PostgresStore::open(url).await?);
            Ok((store.clone(), store))
        }
        #[allow(unreachable_patterns)]
        other => Err(missing_backend(other)),
    }
}

/// The error for a store backend compiled out of this build.
#[allow(dead_code)]
fn missing_backend(backend: Backend) -> Error {
    let feature = format!("{backend:?}").to_lowercase();
    Error::invalid_input(format!(
        "this build of trino-platform has no {backend:?} store; enable the `{feature}` feature"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn urls_are_redacted() {
        let url = StoreUrl::parse("postgresql://u:pw@h/db").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert!(!format!("{url:?} {url}").contains("pw@"));
    }

    #[test]
    fn unknown_schemes_are_invalid_input_without_the_password() {
        let err = StoreUrl::parse("mysql://root:hunter2@db/gw").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
