//! Node.js binding of trino-platform: the npm package `trino-platform` (the cluster registry,
//! the routing engine, the embedded Trino Gateway, the S3 exchange bucket, Ranger, Keycloak,
//! the Kubernetes manifests and the tenant bundles).
//!
//! A thin layer over the core crate: it converts between JavaScript objects and the core's
//! validated types and maps every core error onto a JavaScript `Error` whose `code` is the
//! [`ErrorKind`](trino_platform::ErrorKind) name. Everything else (validation, defaults, SQL)
//! lives in the core, so this binding, the Python one and the Rust API behave the same.
//!
//! napi generates `native.js` (the loader) and `native.d.ts` (the typings, from these doc
//! comments) from this crate; the hand-written `index.js` / `index.d.ts` re-export them and add
//! what only JavaScript can express (async iterators over listings).
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
//! | `exchange/` | `ExchangeBucketSpec` and `ExchangeBuckets`: the S3 exchange bucket (plan, ensure, describe, teardown) and its Trino files |
//! | `input.rs` | plain objects into the core's serde types (specs and requests, read as the core reads files), the spec classes' shared conversions, secrets kept out of messages |
//! | `ranger/` | `RangerPluginConfig` (plugin files), `PolicyEngine` (evaluate, explain, masks, row filters), `RangerSetupSpec`, `RangerAdmin` |
//! | `secret.rs` | the `Secret` class: a secret value that prints as `***` until revealed |
//! | `runtime.rs` | napi's tokio runtime, with the thread stacks a bundle's `apply` needs |
//! | `progress.rs` | progress of a long operation (teardown, a bundle's apply) delivered to a JavaScript callback |
//! | `kube/` | `TrinoClusterSpec`, `GatewayDeploymentSpec`, `Manifest`, `toYamlStream`, `writeManifestFiles`: Kubernetes objects without a cluster |
//! | `bundle/` | `TenantSpec`, `PlatformBundle`, `ClusterBundle`, `Targets`: a tenant's bundles rendered, planned, applied and deleted |
//! | `keycloak/` | `KeycloakAdmin` (realms, the OAuth client and its secret, users, groups), `OAuthClientSpec`, `TrinoOAuth2Spec`, `trinoOAuth2Properties`, `issuerUrl`, `gatewayAuthYaml` |

mod bundle;
mod cluster;
mod error;
mod exchange;
mod gateway;
mod input;
mod keycloak;
mod kube;
mod progress;
mod ranger;
mod route;
mod router;
mod rules;
mod runtime;
mod secret;
mod store;
