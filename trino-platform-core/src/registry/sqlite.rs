//! The embedded store: one SQLite file (WAL mode), the default for a single gateway.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::{StoreUrl, sql};
use crate::error::{Error, Result};

/// A [`ClusterStore`](super::ClusterStore) in an SQLite file (`sqlite:///path/gateway.db`) or in
/// memory (`sqlite::memory:`). The file and its parent directories are created when missing.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the file named by `url`, creating and migrating it as needed. Fails with
    /// `InvalidInput` for a bad URL and `Unavailable` when the file cannot be opened.
    pub async fn open(url: &StoreUrl) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url.expose())
            .map_err(|e| Error::invalid_input(format!("invalid SQLite store URL {url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL's recommended level: commits are not fsync'd one by one (checkpoints are), so
            // recording thousands of query routes a second costs no disk flush each; a power
            // cut may lose the last moments' writes, never the file's integrity.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::new(crate::ErrorKind::Unavailable, format!("cannot create the directory of store {url}: {e}"))
                    .with_source(e)
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| sql::map_err(e, &format!("cannot open store {url}")))?;
        sql::migrate(&pool, url).await?;
        Ok(Self { pool })
    }
}

sql::impl_cluster_store!(SqliteStore, sqlx::Sqlite);
