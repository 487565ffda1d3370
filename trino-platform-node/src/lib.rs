//! Node.js binding of trino-platform: the npm package `trino-platform` (the cluster registry,
//! the routing engine and the embedded Trino Gateway).
//!
//! A thin layer over the core crate: it converts between JavaScript objects and the core's
//! validated types and maps every core error onto a JavaScript `Error` whose `code` is the
//! [`ErrorKind`](trino_platform::ErrorKind) name. Everything else (validation, defaults, SQL)
//! lives in the core, so this binding, the Python one and the Rust API behave the same.
//!
//! | file | what it holds |
//! |---|---|
//! | `error.rs` | [`error::ErrorCode`], and the coded `Error` a Promise rejects with or a method throws |
//! | `cluster.rs` | the cluster objects JavaScript passes in and gets back |
//! | `store.rs` | the `ClusterStore` class, one Promise-returning method per store operation |
//! | `rules.rs` | the `RoutingRules` class: typed or trino-gateway rules, loaded and validated |
//! | `route.rs` | the routing objects: `RouterConfig`, `RouteRequest`, `RouteDecision`, status |
//! | `router.rs` | the `Router` class, one method per core `Router` operation |
//! | `gateway.rs` | the `Gateway` class: the embedded gateway server, started and stopped |

mod cluster;
mod error;
mod gateway;
mod route;
mod router;
mod rules;
mod store;
