//! Trino on Kubernetes: typed manifests of a workspace's Trino clusters and of its gateway,
//! built without a cluster, rendered as YAML for GitOps, or server-side applied, waited for
//! and deleted through kube-rs.
//!
//! | file | concern |
//! |---|---|
//! | `manifest.rs` | [`Manifest`] and [`Kind`]: one object, its API path, its Secret values kept apart |
//! | `names.rs`, `quantity.rs` | [`ObjectName`], [`Quantity`]: validated while a spec is read |
//! | `pod.rs` | labels, security contexts, secret environment shared by every pod |
//! | `namespace.rs` | the workspace's [`namespace`] |
//! | `render.rs` | [`write_files`]: one YAML file per object and a `kustomization.yaml`, for GitOps |
//! | `trino/` | [`TrinoClusterSpec`] → node files → the cluster's manifests |
//! | `gateway/` | [`GatewayDeploymentSpec`] → the gateway's manifests, its PostgreSQL as a KubeBlocks `Cluster` |
//! | `client.rs` | [`Kubernetes`]: connecting, the API requests with retries, error kinds |
//! | `apply.rs` | [`Kubernetes::plan`] (server-side dry run compared with the live object) and [`Kubernetes::apply`] |
//! | `wait.rs` | [`Kubernetes::wait_ready`]: Deployments rolled out, KubeBlocks Clusters running |
//! | `delete.rs` | [`Kubernetes::delete`]: managed objects only, reverse apply order, a namespace only when nothing in it is someone else's |
//! | `report.rs` | [`ApplyReport`], [`DeleteReport`], [`KubeEvent`]: what was done, as it is done |

mod apply;
mod client;
mod delete;
mod gateway;
mod manifest;
mod names;
mod namespace;
mod pod;
mod quantity;
mod render;
mod report;
mod trino;
mod wait;

pub(crate) use client::to_error;
pub use client::{KubeOptions, Kubernetes};
pub use gateway::*;
pub use manifest::{
    COMPONENT_LABEL, CONFIG_CHECKSUM_ANNOTATION, FIELD_MANAGER, INSTANCE_LABEL, Kind, MANAGED_BY_LABEL, Manifest,
    PART_OF_LABEL, SECRET_SOURCES_ANNOTATION, SecretValue, WORKSPACE_LABEL, sorted, to_yaml_stream,
};
pub use names::ObjectName;
pub use namespace::namespace;
pub use quantity::Quantity;
pub use render::write_files;
pub use report::{
    ApplyReport, Change, DeleteOutcome, DeleteReport, KubeEvent, ObjectChange, ObjectDeletion, ObjectRef,
};
pub use trino::*;
