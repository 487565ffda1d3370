//! The plain-object specs `TrinoClusterSpec.fromObject` and `GatewayDeploymentSpec.fromObject`
//! take, declared for the typings: they go to the core as JSON (see `input.rs`), so unknown or
//! misspelt fields are refused with `InvalidInput` naming their path, and defaults, durations
//! (`'10m'`) and quantities (`2`, `'500m'`, `'16Gi'`) are read by the core's own reader.
// Shapes for the typings only: their values arrive as JSON, so Rust never builds them.
#![allow(dead_code)]

use std::collections::HashMap;

use napi_derive::napi;

/// One Trino cluster of a workspace (one coordinator, N workers), as a plain object: the
/// fields of a YAML cluster spec (camelCase). `name`, `workspace`, `namespace`, `coordinator`
/// and `workers` are required (in a tenant's `clusters`, `workspace` and `namespace` come from
/// the tenant). `TrinoClusterSpec.fromObject` validates one.
#[napi(object)]
pub struct TrinoClusterSpecObject {
    /// The cluster's name (a DNS label): the prefix of its objects (`trino-{name}-coordinator`,
    /// …) and its name in the gateway's registry.
    pub name: String,
    /// The workspace (tenant) it belongs to.
    pub workspace: String,
    /// The namespace it runs in.
    pub namespace: String,
    /// The gateway routing group it serves (default `'adhoc'`).
    pub routing_group: Option<String>,
    /// The Trino release (default 476): property names and JVM flags follow it.
    pub trino_version: Option<u32>,
    /// Container image (default `trinodb/trino:{trinoVersion}`).
    pub image: Option<String>,
    /// `imagePullPolicy` (default `'IfNotPresent'`).
    #[napi(ts_type = "'Always' | 'IfNotPresent' | 'Never'")]
    pub image_pull_policy: Option<String>,
    /// The pods' service account.
    pub service_account: Option<TrinoServiceAccountSpec>,
    /// The coordinator.
    pub coordinator: TrinoCoordinatorSpec,
    /// The workers.
    pub workers: TrinoWorkersSpec,
    /// Catalogs, one file each under `etc/catalog/`.
    pub catalogs: Option<Vec<TrinoCatalogSpec>>,
    /// Fault-tolerant execution through the workspace's exchange bucket (same workspace; in a
    /// tenant, the platform's bucket by default).
    #[napi(ts_type = "ExchangeBucketSpecObject")]
    pub exchange: Option<serde_json::Value>,
    /// OAuth2 on the coordinator, for the same `trinoVersion` (in a tenant with Keycloak, the
    /// platform's client by default).
    #[napi(ts_type = "TrinoOAuth2SpecObject")]
    pub oauth2: Option<serde_json::Value>,
    /// Ranger system access control on the coordinator (the plugin's configuration).
    #[napi(ts_type = "RangerPluginConfigObject")]
    pub ranger: Option<serde_json::Value>,
    /// Policies of the cluster's Ranger service that its bundle ensures in Ranger Admin,
    /// besides the baseline Trino needs (the manifests do not use them).
    #[napi(ts_type = "RangerPolicySpec[]")]
    pub ranger_policies: Option<serde_json::Value>,
    /// Where the values of the `${ENV:NAME}` secrets of the rendered files come from, by
    /// variable name: `'generate'` (random, made once and kept) or `{ fromEnv: 'VAR' }` (the
    /// applying process's variable). Default: the internal shared secret and the OAuth2 keys
    /// are generated; any other variable is copied from the applying process's variable of that
    /// name.
    #[napi(ts_type = "Record<string, SecretSourceSpec>")]
    pub secrets: Option<serde_json::Value>,
    /// `etc/log.properties` levels by logger (default `{ 'io.trino': 'INFO' }`).
    #[napi(ts_type = "Record<string, 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'OFF'>")]
    pub log_levels: Option<serde_json::Value>,
    /// Extra labels on every object.
    pub labels: Option<HashMap<String, String>>,
}

/// The pods' service account.
#[napi(object)]
pub struct TrinoServiceAccountSpec {
    /// IAM role for S3 through IRSA (`eks.amazonaws.com/role-arn`).
    pub iam_role_arn: Option<String>,
    /// Extra annotations (for example for EKS Pod Identity or GKE Workload Identity).
    pub annotations: Option<HashMap<String, String>>,
}

/// CPU and memory of one pod: requested, and memory also the limit.
#[napi(object)]
pub struct KubeResources {
    /// CPU request (`2`, `'500m'`).
    #[napi(ts_type = "number | string")]
    pub cpu: serde_json::Value,
    /// Memory request and limit (`'16Gi'`); a Trino pod needs at least `'1Gi'`.
    #[napi(ts_type = "number | string")]
    pub memory: serde_json::Value,
}

/// The coordinator.
#[napi(object)]
pub struct TrinoCoordinatorSpec {
    /// CPU and memory.
    pub resources: KubeResources,
    /// Extra or replaced keys of its `config.properties`, applied last (`${ENV:NAME}` stays a
    /// reference).
    pub config: Option<HashMap<String, String>>,
    /// JVM options appended to `jvm.config`.
    pub jvm_options: Option<Vec<String>>,
}

/// The workers.
#[napi(object)]
pub struct TrinoWorkersSpec {
    /// How many (at least 1).
    pub replicas: u32,
    /// CPU and memory of each.
    pub resources: KubeResources,
    /// `shutdown.grace-period`: how long a worker told to shut down waits before and after
    /// finishing its tasks (default `'30s'`).
    pub shutdown_grace_period: Option<String>,
    /// How long Kubernetes lets a stopping worker finish its running tasks (default `'10m'`).
    pub drain_timeout: Option<String>,
    /// Extra or replaced keys of their `config.properties`, applied last.
    pub config: Option<HashMap<String, String>>,
    /// JVM options appended to `jvm.config`.
    pub jvm_options: Option<Vec<String>>,
}

/// One catalog (`etc/catalog/{name}.properties`).
#[napi(object)]
pub struct TrinoCatalogSpec {
    /// The catalog name in SQL: 1 to 64 lowercase letters, digits and `_`, starting with a
    /// letter.
    pub name: String,
    /// A Delta Lake catalog.
    pub delta_lake: DeltaLakeCatalogSpec,
    /// Extra or replaced keys, applied last (`${ENV:NAME}` stays a reference).
    pub properties: Option<HashMap<String, String>>,
}

/// Delta Lake tables registered in a Hive Metastore, data on S3.
#[napi(object)]
pub struct DeltaLakeCatalogSpec {
    /// Thrift URI(s) of the metastore (`'thrift://hms:9083'`); more than one are fallbacks.
    #[napi(ts_type = "string | string[]")]
    pub metastore_uri: serde_json::Value,
    /// Where the data lives.
    pub s3: CatalogS3Access,
    /// Allow `CALL system.register_table(…)` (default `false`).
    pub register_table_procedure: Option<bool>,
}

/// How a catalog reaches S3.
#[napi(object)]
pub struct CatalogS3Access {
    /// `s3.region` (set it for S3-compatible stores too).
    pub region: String,
    /// `s3.endpoint`, for an S3-compatible store.
    pub endpoint: Option<String>,
    /// `s3.path-style-access` (default `false`).
    pub path_style: Option<bool>,
    /// How Trino authenticates (default `{ type: 'default-chain' }`: the pods' AWS default
    /// chain, such as IRSA); `'environment'` reads static keys from the pods' variables, which
    /// the cluster's Secret fills.
    #[napi(
        ts_type = "{ type: 'default-chain' } | { type: 'iam-role'; roleArn: string } | { type: 'environment'; accessKeyEnv?: string; secretKeyEnv?: string }"
    )]
    pub credentials: Option<serde_json::Value>,
}

/// The Trino Gateway of one workspace on Kubernetes, as a plain object: the fields of a YAML
/// gateway deployment spec (camelCase). `workspace`, `namespace` and `externalUrl` are
/// required (in a tenant's `platform.gateway`, `workspace` and `namespace` come from the
/// tenant). `GatewayDeploymentSpec.fromObject` validates one.
#[napi(object)]
pub struct GatewayDeploymentSpecObject {
    /// The gateway's name, the prefix of its objects (default `'trino-gateway'`).
    pub name: Option<String>,
    /// The workspace it serves.
    pub workspace: String,
    /// Its namespace.
    pub namespace: String,
    /// Image with the `trino-platform` binary (default
    /// `ghcr.io/trino-platform/trino-platform:{version}`).
    pub image: Option<String>,
    /// `imagePullPolicy` (default `'IfNotPresent'`).
    #[napi(ts_type = "'Always' | 'IfNotPresent' | 'Never'")]
    pub image_pull_policy: Option<String>,
    /// Replicas (default and minimum 2).
    pub replicas: Option<u32>,
    /// CPU and memory of each replica (default `250m` and `256Mi`).
    pub resources: Option<KubeResources>,
    /// The URL clients use (`'https://trino.acme.example.com'`): the Ingress host, and the base
    /// of the OAuth2 redirect URIs.
    pub external_url: String,
    /// TLS on the gateway's 8443 listener, from a `kubernetes.io/tls` Secret in the namespace
    /// (keys `tls.crt`, `tls.key`). Without it the gateway listens on plain HTTP only.
    pub tls: Option<GatewayTlsSpec>,
    /// The Ingress in front of the gateway (default: an AWS load balancer, HTTPS 443).
    pub ingress: Option<GatewayIngressSpec>,
    /// The gateway's PostgreSQL, a KubeBlocks `Cluster`.
    pub database: Option<GatewayDatabaseSpec>,
    /// Typed routing rules: the text of a rules file (see `RoutingRules`).
    pub rules: Option<String>,
    /// More sections of `gateway.yaml` (`routing`, `health`, `proxy`, `auth`, `clusters`),
    /// merged over the ones derived from the spec.
    #[napi(ts_type = "Record<string, unknown>")]
    pub config: Option<serde_json::Value>,
    /// Where the admin API's bearer token comes from (default `'generate'`).
    #[napi(ts_type = "SecretSourceSpec")]
    pub admin_token: Option<serde_json::Value>,
    /// Extra labels on every object.
    pub labels: Option<HashMap<String, String>>,
}

/// The gateway's certificate.
#[napi(object)]
pub struct GatewayTlsSpec {
    /// A `kubernetes.io/tls` Secret in the namespace; the gateway reloads the files when it
    /// changes.
    pub secret_name: String,
}

/// The Ingress of the gateway.
#[napi(object)]
pub struct GatewayIngressSpec {
    /// Create it (default `true`).
    pub enabled: Option<bool>,
    /// `ingressClassName` (default `'alb'`, the AWS Load Balancer Controller).
    pub class_name: Option<String>,
    /// ACM certificate of the load balancer's HTTPS listener.
    pub certificate_arn: Option<String>,
    /// Whether the load balancer is reachable from the internet (default `'internal'`).
    #[napi(ts_type = "'internal' | 'internet-facing'")]
    pub scheme: Option<String>,
    /// More annotations, or replacements of the derived ones.
    pub annotations: Option<HashMap<String, String>>,
}

/// The gateway's PostgreSQL, a KubeBlocks `Cluster` of the `postgresql` cluster definition.
#[napi(object)]
pub struct GatewayDatabaseSpec {
    /// PostgreSQL instances (default 2: a primary and a replica).
    pub replicas: Option<u32>,
    /// The addon's `serviceVersion` (default `'16.4.0'`).
    pub service_version: Option<String>,
    /// Volume size of each instance (default `'20Gi'`).
    #[napi(ts_type = "number | string")]
    pub storage: Option<serde_json::Value>,
    /// StorageClass of the volumes (default: the cluster's default class).
    pub storage_class: Option<String>,
    /// CPU and memory of each instance (default `500m` and `1Gi`).
    pub resources: Option<KubeResources>,
    /// What deleting the `Cluster` does to the data (default `'Delete'`).
    #[napi(ts_type = "'DoNotTerminate' | 'Delete' | 'WipeOut'")]
    pub termination_policy: Option<String>,
}
