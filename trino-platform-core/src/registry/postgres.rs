//! The production store: PostgreSQL, shared by every gateway replica (and, table for table, by
//! trino-gateway).

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::{StoreUrl, sql};
use crate::error::{Error, Result};

/// A [`ClusterStore`](super::ClusterStore) in PostgreSQL (`postgres://user:password@host/db`,
/// with `?sslmode=require` for TLS through rustls).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects and migrates (under PostgreSQL's advisory lock, so replicas starting together
    /// migrate once). Fails with `InvalidInput` for a bad URL, `Unauthorized` for rejected
    /// credentials and `Unavailable` when the server cannot be reached.
    pub async fn open(url: &StoreUrl) -> Result<Self> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(|e| Error::invalid_input(format!("invalid PostgreSQL store URL {url}: {e}")))?;
        // One direct connection first: an unreachable server or a wrong password fails at once
        // with its real cause, instead of after the pool's acquire timeout.
        let probe = PgConnection::connect_with(&options)
            .await
            .map_err(|e| sql::map_err(e, &format!("cannot connect to store {url}")))?;
        probe.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| sql::map_err(e, &format!("cannot connect to store {url}")))?;
        sql::migrate(&pool, url).await?;
        Ok(Self { pool })
    }
}

sql::impl_cluster_store!(PostgresStore, sqlx::Postgres);
