//! A Trino cluster on Kubernetes: [`TrinoClusterSpec`] → node files → manifests.
//!
//! | file | concern |
//! |---|---|
//! | `spec.rs` | [`TrinoClusterSpec`] and its parts, as users write them |
//! | `catalog.rs` | [`CatalogSpec`]: Delta Lake on a Hive Metastore with native S3 |
//! | `files.rs` | the node files (`config.properties`, `jvm.config`, …), per role and version |
//! | `objects.rs` | the objects: service account, secrets, config maps, deployments, service |

mod catalog;
mod files;
mod objects;
mod spec;

pub use catalog::{
    CatalogName, CatalogS3Credentials, CatalogSpec, DeltaLakeCatalog, FS_S3_ENABLED_SINCE, MetastoreUris, S3Access,
};
pub use files::{
    CATALOG_DIR, CONFIG_DIR, ClusterFiles, DATA_DIR, HTTP_PORT, NodeFiles, SHUTDOWN_USER, VECTOR_API_SINCE,
    WORKER_RULES_FILE,
};
pub use spec::{
    CoordinatorSpec, DEFAULT_TRINO_VERSION, LogLevel, PullPolicy, Resources, SecretSource, ServiceAccountSpec,
    TrinoClusterSpec, WorkerCount, WorkersSpec,
};
