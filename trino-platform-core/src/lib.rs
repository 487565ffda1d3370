//! # trino-platform
//!
//! Run Trino as a platform from typed APIs: the cluster registry behind a Trino Gateway, and (as
//! the library grows) gateway routing, exchange buckets, Keycloak clients, Ranger configuration
//! and the Kubernetes bundles. Each capability is a module behind a Cargo feature, so a program
//! compiles only what it uses.
//!
//! | module | feature | what it owns |
//! |---|---|---|
//! | [`error`] | always | [`Error`], [`ErrorKind`]: every failure, typed |
//! | [`properties`] | always | Java `.properties` and Hadoop XML writers |
//! | [`cluster`] | always | [`cluster::Cluster`], [`cluster::ClusterName`] and friends |
//! | `registry` | `sqlite`, `postgres` (`registry` = both) | `ClusterStore`, `SqliteStore`, `PostgresStore` |
//! | `gateway` | `server` | `Gateway`: the Trino Gateway server (proxy, health, admin API, metrics) |
//! | `routing` | `routing` | `Router`, `RoutingRules` (typed and trino-gateway MVEL), selection, sticky routes |

pub mod cluster;
pub mod error;
#[cfg(feature = "server")]
pub mod gateway;
pub mod properties;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod registry;
#[cfg(feature = "routing")]
pub mod routing;
mod secret;

pub use error::{Error, ErrorKind, Result};

/// Compiles the Rust examples of the repository README as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
