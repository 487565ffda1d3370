//! The Trino Gateway of a workspace on Kubernetes: [`GatewayDeploymentSpec`] → manifests.
//!
//! | file | concern |
//! |---|---|
//! | `spec.rs` | [`GatewayDeploymentSpec`] and its parts |
//! | `config.rs` | the pods' `gateway.yaml` |
//! | `database.rs` | the gateway's PostgreSQL as a KubeBlocks `Cluster`, and how the gateway reaches it |
//! | `objects.rs` | the objects: service account, secret, config map, service, deployment, ingress |

mod config;
mod database;
mod objects;
mod spec;

pub use config::{
    ADMIN_TOKEN_ENV, COOKIE_SECRET_ENV, GATEWAY_CONFIG_DIR, GATEWAY_HTTP_PORT, GATEWAY_HTTPS_PORT, GATEWAY_TLS_DIR,
};
pub use database::DATABASE_PORT;
pub use spec::{
    DatabaseSpec, GatewayDeploymentSpec, GatewayResources, GatewayTls, IngressSpec, LoadBalancerScheme,
    MIN_GATEWAY_REPLICAS, TerminationPolicy,
};
