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
//! | `exchange` | `exchange` | `ExchangeBuckets`: the S3 exchange bucket (plan, ensure, describe, teardown) and its Trino properties |
//! | `auth` | `auth` | `OidcProvider` (discovery), `JwtValidator` (JWKS, iss/aud/exp/alg checks), `Principal` |
//! | `keycloak` | `keycloak` | `KeycloakAdmin` (Admin REST API), `OAuthClientSpec` → `ensure_client`, Trino/gateway OAuth2 config |
//! | `kube` | `kube` | `Manifest`, `Kubernetes` (apply, wait, delete), `TrinoClusterSpec` and `GatewayDeploymentSpec` → manifests |
//! | `ranger` | `ranger` | `RangerPluginConfig` → `access-control.properties` + Ranger XML, `RangerAdmin` (service, baseline and named policies, download), `PolicyEngine` (evaluate, explain, masks, row filters) |

#[cfg(feature = "auth")]
pub mod auth;
#[cfg(feature = "bundle")]
pub mod bundle;
pub mod cluster;
#[cfg(any(feature = "server", feature = "ranger", feature = "auth", feature = "kube"))]
mod duration;
pub mod error;
#[cfg(feature = "exchange")]
pub mod exchange;
#[cfg(feature = "server")]
pub mod gateway;
#[cfg(feature = "keycloak")]
pub mod keycloak;
#[cfg(feature = "kube")]
pub mod kube;
pub mod properties;
#[cfg(feature = "ranger")]
pub mod ranger;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod registry;
#[cfg(feature = "routing")]
pub mod routing;
mod secret;
#[cfg(any(feature = "routing", feature = "exchange", feature = "ranger", feature = "keycloak"))]
mod yaml;

pub use error::{Error, ErrorKind, Result};

/// Compiles the Rust examples of the repository README as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
