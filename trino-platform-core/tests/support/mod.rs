//! Fresh stores for the integration tests: an SQLite file in a temporary directory, or a new
//! database on the harness's PostgreSQL (`TP_TEST_POSTGRES_URL`, from `scripts/services start`).
//!
//! A PostgreSQL test fails when the variable is missing; it is skipped (and says so) only when
//! `TP_SKIP_SERVICES` names `postgres`.

#![allow(dead_code)]

#[cfg(feature = "keycloak")]
pub mod keycloak;
#[cfg(feature = "kube")]
pub mod kube_fake;
#[cfg(all(feature = "ranger", feature = "server"))]
pub mod ranger_fake;
pub mod trino;

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection as _;

/// A store URL that no other test uses, and what to remove afterwards.
pub struct Fresh {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh {
    /// A new SQLite file.
    pub fn sqlite() -> Fresh {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("nested/dir/gateway.db").display());
        Fresh { url, _dir: Some(dir) }
    }

    /// A new, empty PostgreSQL database, or `None` when the run says to skip PostgreSQL.
    pub async fn postgres() -> Option<Fresh> {
        let admin = service_var("TP_TEST_POSTGRES_URL", "postgres")?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let db = format!("tp_rs_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to TP_TEST_POSTGRES_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        conn.close().await.ok();
        let base = admin.rsplit_once('/').expect("URL has a database path").0;
        Some(Fresh { url: format!("{base}/{db}"), _dir: None })
    }
}

/// The value of a service variable set by `scripts/services`; panics when it is missing unless
/// `TP_SKIP_SERVICES` names `service`, in which case it prints the skip and returns `None`.
pub fn service_var(var: &str, service: &str) -> Option<String> {
    if let Ok(value) = std::env::var(var) {
        return Some(value);
    }
    let skipped = std::env::var("TP_SKIP_SERVICES").unwrap_or_default();
    if skipped.split(',').any(|s| s.trim() == service) {
        eprintln!("SKIPPED: {service} tests (TP_SKIP_SERVICES={skipped})");
        return None;
    }
    panic!(
        "{var} is not set: run `scripts/services start` and `source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES={service} to skip"
    );
}
