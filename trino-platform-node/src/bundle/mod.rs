//! A tenant's two bundles from Node.js: the `TenantSpec` class (a tenant file, resolved and
//! validated), its `PlatformBundle` and `ClusterBundle`s, the `Targets` they are planned
//! against, applied to and deleted from, and the reports and progress events of those runs.
//!
//! | file | what it holds |
//! |---|---|
//! | `tenant.rs` | the `TenantSpec` class: manifests, rendering, GitOps files, the environment check, plan / apply / delete |
//! | `bundles.rs` | the `PlatformBundle` and `ClusterBundle` classes, and how every run goes (progress, errors) |
//! | `targets.rs` | the `Targets` class: Kubernetes (a kubeconfig, or in-cluster) and the registry |
//! | `report.rs` | `BundleReport`, `BundleStep`, `BundleEvent`, `BundleSystem`, `BundleOutcome`, `BundleRunOptions` |
//! | `spec.rs` | `TenantSpecObject` and its sections, for the typings |

mod bundles;
mod report;
mod spec;
mod targets;
mod tenant;
