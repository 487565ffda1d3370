//! What the SQLite and PostgreSQL stores share: the statements (one SQL text serves both, with
//! `$n` placeholders), the migrations, row decoding and the mapping of database errors to kinds.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::cluster::{BackendUrl, Cluster, ClusterName, RoutingGroup};
use crate::error::{Error, ErrorKind, Result};

/// The table that records applied migrations (ours, so it never collides with trino-gateway's
/// Flyway history when both gateways share a database).
const MIGRATIONS_TABLE: &str = "trino_platform_migrations";

/// Brings the schema of the store at `url` up to date.
pub(super) async fn migrate<'a, A>(pool: A, url: &super::StoreUrl) -> Result<()>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    migrator()
        .run(pool)
        .await
        .map_err(|e| Error::new(ErrorKind::Backend, format!("cannot migrate store {url}: {e}")).with_source(e))
}

/// The migrations, in order. The same SQL runs on both backends.
fn migrator() -> Migrator {
    let migration = |version, description, sql: &'static str| {
        Migration::new(
            version,
            Cow::Borrowed(description),
            MigrationType::Simple,
            sqlx::SqlSafeStr::into_sql_str(sql),
            false,
        )
    };
    let mut migrator = Migrator::with_migrations(vec![
        migration(1, "gateway tables", include_str!("../../migrations/0001_gateway_tables.sql")),
        migration(2, "oauth2 pins", include_str!("../../migrations/0002_oauth2_pins.sql")),
    ]);
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// The `gateway_backend` columns, in [`Row`] order.
macro_rules! columns {
    () => {
        "name, routing_group, backend_url, external_url, active"
    };
}

pub(super) const INSERT: &str = concat!("INSERT INTO gateway_backend (", columns!(), ") VALUES ($1, $2, $3, $4, $5)");
pub(super) const UPDATE: &str = concat!(
    "UPDATE gateway_backend SET routing_group = COALESCE($2, routing_group), backend_url = COALESCE($3, backend_url), ",
    "external_url = COALESCE($4, external_url), active = COALESCE($5, active) WHERE name = $1 RETURNING ",
    columns!()
);
pub(super) const DELETE: &str = concat!("DELETE FROM gateway_backend WHERE name = $1 RETURNING ", columns!());
pub(super) const SELECT_ONE: &str = concat!("SELECT ", columns!(), " FROM gateway_backend WHERE name = $1");
pub(super) const INSERT_QUERIES: &str = "INSERT INTO query_history \
    (query_id, query_text, created, backend_url, user_name, source, routing_group, external_url) ";
pub(super) const INSERT_PINS: &str = "INSERT INTO trino_platform_oauth2_pins (auth_id, backend_url, created) ";
pub(super) const FIND_QUERY: &str = "SELECT backend_url FROM query_history WHERE query_id = $1";
pub(super) const FIND_PIN: &str = "SELECT backend_url FROM trino_platform_oauth2_pins WHERE auth_id = $1";
pub(super) const SELECT_MANY: &str = concat!("SELECT ", columns!(), " FROM gateway_backend ORDER BY name");

/// A `gateway_backend` row as stored. Columns are nullable because trino-gateway writes them so.
pub(super) type Row = (String, Option<String>, Option<String>, Option<String>, Option<bool>);

/// Turns a row into a [`Cluster`], applying trino-gateway's defaults (group `adhoc`, active,
/// external URL = proxy URL). A row another tool wrote that is not a valid cluster is a
/// `Backend` error naming the row.
pub(super) fn decode((name, group, backend_url, external_url, active): Row) -> Result<Cluster> {
    let invalid = |e: Error| {
        Error::new(
            ErrorKind::Backend,
            format!("stored cluster {name:?} is invalid ({e}); fix or remove its gateway_backend row"),
        )
    };
    let proxy_to = BackendUrl::new(backend_url.as_deref().unwrap_or_default()).map_err(invalid)?;
    Ok(Cluster {
        name: ClusterName::new(name.as_str()).map_err(invalid)?,
        external_url: external_url
            .as_deref()
            .map(BackendUrl::new)
            .transpose()
            .map_err(invalid)?
            .unwrap_or_else(|| proxy_to.clone()),
        proxy_to,
        routing_group: group.map(RoutingGroup::new).transpose().map_err(invalid)?.unwrap_or_default(),
        active: active.unwrap_or(true),
    })
}

/// Decodes many rows, skipping (and logging) rows that are not valid clusters so that one bad
/// row written by another tool cannot take every cluster out of a listing.
pub(super) fn decode_all(rows: Vec<Row>) -> Vec<Cluster> {
    rows.into_iter()
        .filter_map(|row| decode(row).inspect_err(|e| tracing::warn!(error = %e, "skipping stored cluster")).ok())
        .collect()
}

/// The error for a cluster name that matched no row.
pub(super) fn not_found(name: &ClusterName) -> Error {
    Error::not_found(format!("no cluster named {:?} is registered", name.as_str()))
}

/// Maps a database error to a typed one. `what` says what was being done, for the message.
pub(super) fn map_err(err: sqlx::Error, what: &str) -> Error {
    let kind = match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => ErrorKind::AlreadyExists,
        sqlx::Error::Database(db) if is_transient(db.code().as_deref()) => ErrorKind::Unavailable,
        // PostgreSQL invalid_password / invalid_authorization_specification
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("28P01" | "28000")) => ErrorKind::Unauthorized,
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => ErrorKind::Unavailable,
        sqlx::Error::Configuration(_) => ErrorKind::InvalidInput,
        _ => ErrorKind::Backend,
    };
    Error::new(kind, format!("{what}: {err}")).with_source(err)
}

/// SQLite BUSY/LOCKED and PostgreSQL connection-class, shutdown, capacity and serialization
/// errors: nothing is wrong with the request, trying again later may succeed.
fn is_transient(code: Option<&str>) -> bool {
    code.is_some_and(|c| {
        matches!(c, "5" | "6" | "40001" | "40P01" | "53300" | "57P01" | "57P02" | "57P03") || c.starts_with("08")
    })
}

/// Implements [`super::ClusterStore`] (and, with the `routing` feature, the router's
/// `RouteStore`) for a store with a `pool` field of database `$db`, on the shared statements.
macro_rules! impl_cluster_store {
    ($store:ty, $db:ty) => {
        #[cfg(feature = "routing")]
        #[async_trait::async_trait]
        impl $crate::routing::RouteStore for $store {
            async fn save_routes(&self, routes: &[$crate::routing::RouteRecord]) -> $crate::Result<()> {
                use $crate::routing::RouteKey;
                let queries: Vec<_> = routes
                    .iter()
                    .filter_map(|r| match &r.key {
                        RouteKey::Query(id) => Some((id, r)),
                        _ => None,
                    })
                    .collect();
                let pins: Vec<_> = routes
                    .iter()
                    .filter_map(|r| match &r.key {
                        RouteKey::OAuth2(id) => Some((id, r)),
                        _ => None,
                    })
                    .collect();
                let mut tx = self.pool.begin().await.map_err(|e| sql::map_err(e, "cannot save sticky routes"))?;
                if !queries.is_empty() {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(sql::INSERT_QUERIES);
                    insert.push_values(queries, |mut row, (id, r)| {
                        row.push_bind(id.as_str().to_owned())
                            .push_bind("")
                            .push_bind(r.created_ms)
                            .push_bind(r.backend_url.clone())
                            .push_bind(r.user.clone())
                            .push_bind(r.source.clone())
                            .push_bind(r.routing_group.clone())
                            .push_bind(r.external_url.clone());
                    });
                    insert.push(" ON CONFLICT (query_id) DO NOTHING");
                    insert.build().execute(&mut *tx).await.map_err(|e| sql::map_err(e, "cannot save query routes"))?;
                }
                if !pins.is_empty() {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(sql::INSERT_PINS);
                    insert.push_values(pins, |mut row, (id, r)| {
                        row.push_bind(id.clone()).push_bind(r.backend_url.clone()).push_bind(r.created_ms);
                    });
                    insert.push(" ON CONFLICT (auth_id) DO NOTHING");
                    insert.build().execute(&mut *tx).await.map_err(|e| sql::map_err(e, "cannot save OAuth2 pins"))?;
                }
                tx.commit().await.map_err(|e| sql::map_err(e, "cannot save sticky routes"))
            }

            async fn find_route(&self, key: &$crate::routing::RouteKey) -> $crate::Result<Option<String>> {
                let (statement, id) = match key {
                    $crate::routing::RouteKey::Query(id) => (sql::FIND_QUERY, id.as_str()),
                    $crate::routing::RouteKey::OAuth2(id) => (sql::FIND_PIN, id.as_str()),
                };
                let row: Option<(Option<String>,)> = sqlx::query_as(statement)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| sql::map_err(e, "cannot look up a sticky route"))?;
                Ok(row.and_then(|(url,)| url))
            }
        }

        #[async_trait::async_trait]
        impl $crate::registry::ClusterStore for $store {
            async fn register(&self, cluster: &$crate::cluster::Cluster) -> $crate::Result<$crate::cluster::Cluster> {
                sqlx::query(sql::INSERT)
                    .bind(cluster.name.as_str())
                    .bind(cluster.routing_group.as_str())
                    .bind(cluster.proxy_to.as_str())
                    .bind(cluster.external_url.as_str())
                    .bind(cluster.active)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| {
                        match sql::map_err(e, &format!("cannot register cluster {:?}", cluster.name.as_str())) {
                            e if e.kind() == $crate::ErrorKind::AlreadyExists => $crate::Error::new(
                                $crate::ErrorKind::AlreadyExists,
                                format!(
                                    "a cluster named {:?} is already registered; update it or pick another name",
                                    cluster.name.as_str()
                                ),
                            ),
                            e => e,
                        }
                    })?;
                Ok(cluster.clone())
            }

            async fn update(
                &self,
                name: &$crate::cluster::ClusterName,
                update: &$crate::cluster::ClusterUpdate,
            ) -> $crate::Result<$crate::cluster::Cluster> {
                let row: Option<sql::Row> = sqlx::query_as(sql::UPDATE)
                    .bind(name.as_str())
                    .bind(update.routing_group.as_ref().map(|g| g.as_str()))
                    .bind(update.proxy_to.as_ref().map(|u| u.as_str()))
                    .bind(update.external_url.as_ref().map(|u| u.as_str()))
                    .bind(update.active)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| sql::map_err(e, &format!("cannot update cluster {:?}", name.as_str())))?;
                sql::decode(row.ok_or_else(|| sql::not_found(name))?)
            }

            async fn remove(&self, name: &$crate::cluster::ClusterName) -> $crate::Result<$crate::cluster::Cluster> {
                let row: Option<sql::Row> = sqlx::query_as(sql::DELETE)
                    .bind(name.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| sql::map_err(e, &format!("cannot remove cluster {:?}", name.as_str())))?;
                sql::decode(row.ok_or_else(|| sql::not_found(name))?)
            }

            async fn get(&self, name: &$crate::cluster::ClusterName) -> $crate::Result<$crate::cluster::Cluster> {
                let row: Option<sql::Row> = sqlx::query_as(sql::SELECT_ONE)
                    .bind(name.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| sql::map_err(e, &format!("cannot read cluster {:?}", name.as_str())))?;
                sql::decode(row.ok_or_else(|| sql::not_found(name))?)
            }

            async fn list(
                &self,
                filter: &$crate::cluster::ClusterFilter,
            ) -> $crate::Result<Vec<$crate::cluster::Cluster>> {
                let rows: Vec<sql::Row> = sqlx::query_as(sql::SELECT_MANY)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| sql::map_err(e, "cannot list clusters"))?;
                Ok(sql::decode_all(rows).into_iter().filter(|c| filter.matches(c)).collect())
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

pub(super) use impl_cluster_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_from_trino_gateway_get_its_defaults() {
        let cluster = decode(("c".into(), None, Some("http://c:8080/".into()), None, None)).unwrap();
        assert_eq!(cluster.routing_group, RoutingGroup::adhoc());
        assert_eq!(cluster.external_url.as_str(), "http://c:8080");
        assert!(cluster.active);
        let err = decode(("bad name".into(), None, Some("http://c".into()), None, None)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Backend);
        assert!(err.to_string().contains("bad name"));
    }
}
