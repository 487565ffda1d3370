//! Trino on Kubernetes without a cluster: the `TrinoClusterSpec` and `GatewayDeploymentSpec`
//! classes and the `Manifest` objects they build, rendered as one YAML stream
//! (`toYamlStream`) or as GitOps files (`writeManifestFiles`), in apply order (`sortedManifests`).
//!
//! | file | what it holds |
//! |---|---|
//! | `manifest.rs` | the `Manifest` class, `ManifestKind`, `sortedManifests`, `toYamlStream`, `writeManifestFiles` |
//! | `trino.rs` | the `TrinoClusterSpec` class and the node files it renders (`TrinoClusterFiles`) |
//! | `gateway.rs` | the `GatewayDeploymentSpec` class |
//! | `spec.rs` | `TrinoClusterSpecObject`, `GatewayDeploymentSpecObject` and their parts, for the typings |

mod gateway;
mod manifest;
mod spec;
mod trino;

pub(crate) use gateway::GatewayDeploymentSpec;
pub(crate) use manifest::{Manifest, manifests, write_files};
pub(crate) use trino::{TrinoClusterSpec, cluster_secrets};
