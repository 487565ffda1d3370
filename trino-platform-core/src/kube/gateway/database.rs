//! The gateway's PostgreSQL as a KubeBlocks `Cluster` (`apps.kubeblocks.io/v1`).
//!
//! Facts from KubeBlocks 1.0 (its CRD `apps.kubeblocks.io_clusters.yaml`, the PostgreSQL user
//! docs, and `pkg/constant/pattern.go`): the `postgresql` cluster definition with topology
//! `replication`, one component `postgresql` whose pods need the label
//! `apps.kubeblocks.postgres.patroni/scope: {cluster}-postgresql`; the system account's
//! Secret is `{cluster}-{component}-account-{account}` (keys `username`, `password`); the
//! addon's read-write Service is `{cluster}-{component}-postgresql` on port 5432.

use serde_json::json;

use super::spec::GatewayDeploymentSpec;
use crate::error::Result;
use crate::kube::manifest::{Kind, Manifest};
use crate::kube::pod::Labels;

/// The component of the cluster definition.
const COMPONENT: &str = "postgresql";
/// PostgreSQL's port.
pub const DATABASE_PORT: u16 = 5432;

impl GatewayDeploymentSpec {
    /// The Secret KubeBlocks writes the `postgres` account into (`username`, `password`).
    pub fn database_account_secret(&self) -> Result<String> {
        Ok(format!("{}-{COMPONENT}-account-postgres", self.database_name()?))
    }

    /// The read-write Service of the database.
    pub fn database_service(&self) -> Result<String> {
        Ok(format!("{}-{COMPONENT}-postgresql", self.database_name()?))
    }

    /// The store URL the gateway opens; the account comes from `PGUSER` / `PGPASSWORD`, which
    /// the pod reads from the account Secret.
    pub fn store_url(&self) -> Result<String> {
        Ok(format!("postgres://{}.{}.svc:{DATABASE_PORT}/postgres", self.database_service()?, self.namespace))
    }

    pub(super) fn database_cluster(&self, labels: &Labels) -> Result<Manifest> {
        let name = self.database_name()?;
        let db = &self.database;
        let mut volume = json!({
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": db.storage.as_str()}},
        });
        if let Some(class) = &db.storage_class {
            volume["storageClassName"] = class.as_str().into();
        }
        let resources = json!({"cpu": db.resources.cpu.as_str(), "memory": db.resources.memory.as_str()});
        let object = json!({
            "metadata": labels.component("database").meta(name.as_str(), self.namespace.as_str()),
            "spec": {
                "terminationPolicy": db.termination_policy.as_str(),
                "clusterDef": "postgresql",
                "topology": "replication",
                "componentSpecs": [{
                    "name": COMPONENT,
                    "serviceVersion": db.service_version,
                    "labels": {"apps.kubeblocks.postgres.patroni/scope": format!("{name}-{COMPONENT}")},
                    "disableExporter": true,
                    "replicas": db.replicas,
                    "resources": {"limits": resources, "requests": resources},
                    "volumeClaimTemplates": [{"name": "data", "spec": volume}],
                }],
            },
        });
        Manifest::new(Kind::KubeBlocksCluster, &object)
    }
}
