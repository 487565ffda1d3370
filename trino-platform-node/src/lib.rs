//! Node.js binding of trino-platform: the npm package `trino-platform`.
//!
//! A thin layer over the core crate: it converts between JavaScript objects and the core's
//! validated types and maps every core error onto a JavaScript `Error` whose `code` is the
//! [`ErrorKind`](trino_platform::ErrorKind) name. Everything else (validation, defaults, SQL)
//! lives in the core, so this binding, the Python one and the Rust API behave the same.
//!
//! | file | what it holds |
//! |---|---|
//! | `error.rs` | [`error::ErrorCode`] and the rejection of a Promise with a coded `Error` |
//! | `cluster.rs` | the plain objects JavaScript passes in and gets back |
//! | `store.rs` | the `ClusterStore` class, one Promise-returning method per store operation |

mod cluster;
mod error;
mod store;
