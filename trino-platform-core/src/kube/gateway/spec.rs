//! [`GatewayDeploymentSpec`]: the Trino Gateway of a workspace on Kubernetes, as users write it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::exchange::Workspace;
use crate::kube::names::ObjectName;
use crate::kube::quantity::Quantity;
use crate::kube::trino::{PullPolicy, SecretSource};

/// Fewest gateway replicas: one can restart while the other serves.
pub const MIN_GATEWAY_REPLICAS: u32 = 2;

/// The gateway of one workspace: `trino-platform gateway serve` behind a Service and an
/// Ingress, its state in a PostgreSQL cluster run by KubeBlocks.
///
/// ```
/// use trino_platform::kube::GatewayDeploymentSpec;
///
/// let spec = GatewayDeploymentSpec::from_yaml(
///     "workspace: acme\nnamespace: trino-acme\nexternalUrl: https://trino.acme.example.com\n",
/// )?;
/// assert_eq!(spec.replicas, 2);
/// assert_eq!(spec.database_name()?.as_str(), "trino-gateway-db");
/// # Ok::<(), trino_platform::Error>(())
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayDeploymentSpec {
    /// The gateway's name, the prefix of its objects (default `trino-gateway`).
    #[serde(default = "default_name")]
    pub name: ObjectName,
    /// The workspace it serves.
    pub workspace: Workspace,
    /// Its namespace.
    pub namespace: ObjectName,
    /// Image with the `trino-platform` binary (default
    /// `ghcr.io/trino-platform/trino-platform:{version of this library}`; see the repository's
    /// `Dockerfile`).
    #[serde(default = "default_image")]
    pub image: String,
    /// `imagePullPolicy` (default `IfNotPresent`).
    #[serde(default)]
    pub image_pull_policy: PullPolicy,
    /// Replicas (default and minimum 2).
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    /// CPU and memory of each replica (default 250m and 256Mi).
    #[serde(default)]
    pub resources: GatewayResources,
    /// The URL clients use (`https://trino.acme.example.com`): the Ingress host, and the base of
    /// the OAuth2 redirect URIs.
    pub external_url: url::Url,
    /// TLS on the gateway's 8443 listener, from a `kubernetes.io/tls` Secret (for example one
    /// cert-manager keeps current). Without it the gateway listens on plain HTTP only.
    #[serde(default)]
    pub tls: Option<GatewayTls>,
    /// The Ingress in front of the gateway (default: an AWS load balancer, HTTPS 443).
    #[serde(default)]
    pub ingress: IngressSpec,
    /// The gateway's PostgreSQL.
    #[serde(default)]
    pub database: DatabaseSpec,
    /// Typed routing rules (the text of a rules file; see [`crate::routing::RoutingRules`]).
    #[serde(default)]
    pub rules: Option<String>,
    /// More sections of `gateway.yaml` (`routing`, `health`, `proxy`, `auth`, `clusters`),
    /// merged over the ones derived here (the store, listeners, admin credentials, rules file).
    #[serde(default)]
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Where the admin API's bearer token comes from (default: generated once).
    #[serde(default = "default_admin_token")]
    pub admin_token: SecretSource,
    /// Extra labels on every object.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

fn default_name() -> ObjectName {
    ObjectName::new("trino-gateway").unwrap_or_else(|_| unreachable!("a valid name"))
}

fn default_image() -> String {
    format!("ghcr.io/trino-platform/trino-platform:{}", env!("CARGO_PKG_VERSION"))
}

fn default_replicas() -> u32 {
    MIN_GATEWAY_REPLICAS
}

fn default_admin_token() -> SecretSource {
    SecretSource::Generate
}

/// CPU and memory of a gateway replica.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayResources {
    /// CPU request.
    pub cpu: Quantity,
    /// Memory request and limit.
    pub memory: Quantity,
}

impl Default for GatewayResources {
    fn default() -> Self {
        Self {
            cpu: Quantity::new("250m").unwrap_or_else(|_| unreachable!("a valid quantity")),
            memory: Quantity::new("256Mi").unwrap_or_else(|_| unreachable!("a valid quantity")),
        }
    }
}

/// The gateway's certificate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayTls {
    /// A `kubernetes.io/tls` Secret in the namespace (keys `tls.crt`, `tls.key`); the gateway
    /// reloads the files when the Secret changes.
    pub secret_name: ObjectName,
}

/// The Ingress of the gateway.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressSpec {
    /// Create it (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `ingressClassName` (default `alb`, the AWS Load Balancer Controller).
    #[serde(default = "default_class")]
    pub class_name: String,
    /// ACM certificate of the load balancer's HTTPS listener
    /// (`alb.ingress.kubernetes.io/certificate-arn`).
    #[serde(default)]
    pub certificate_arn: Option<String>,
    /// `internet-facing` or `internal` (default `internal`).
    #[serde(default)]
    pub scheme: LoadBalancerScheme,
    /// More annotations, or replacements of the derived ones.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

fn default_class() -> String {
    "alb".to_owned()
}

impl Default for IngressSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            class_name: default_class(),
            certificate_arn: None,
            scheme: LoadBalancerScheme::default(),
            annotations: BTreeMap::new(),
        }
    }
}

/// Whether the load balancer is reachable from the internet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalancerScheme {
    /// Only inside the VPC.
    #[default]
    Internal,
    /// From the internet.
    InternetFacing,
}

impl LoadBalancerScheme {
    /// The annotation's value.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadBalancerScheme::Internal => "internal",
            LoadBalancerScheme::InternetFacing => "internet-facing",
        }
    }
}

/// The gateway's PostgreSQL, a KubeBlocks `Cluster` of the `postgresql` cluster definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DatabaseSpec {
    /// PostgreSQL instances (default 2: a primary and a replica).
    #[serde(default = "default_db_replicas")]
    pub replicas: u32,
    /// The addon's `serviceVersion` (default `16.4.0`).
    #[serde(default = "default_service_version")]
    pub service_version: String,
    /// Volume size of each instance (default `20Gi`).
    #[serde(default = "default_storage")]
    pub storage: Quantity,
    /// StorageClass of the volumes (default: the cluster's default class).
    #[serde(default)]
    pub storage_class: Option<String>,
    /// CPU and memory of each instance (default 500m and 1Gi).
    #[serde(default = "default_db_resources")]
    pub resources: GatewayResources,
    /// What deleting the `Cluster` does to the data (default `Delete`).
    #[serde(default)]
    pub termination_policy: TerminationPolicy,
}

fn default_db_replicas() -> u32 {
    2
}

fn default_service_version() -> String {
    "16.4.0".to_owned()
}

fn default_storage() -> Quantity {
    Quantity::new("20Gi").unwrap_or_else(|_| unreachable!("a valid quantity"))
}

fn default_db_resources() -> GatewayResources {
    GatewayResources {
        cpu: Quantity::new("500m").unwrap_or_else(|_| unreachable!("a valid quantity")),
        memory: Quantity::new("1Gi").unwrap_or_else(|_| unreachable!("a valid quantity")),
    }
}

impl Default for DatabaseSpec {
    fn default() -> Self {
        Self {
            replicas: default_db_replicas(),
            service_version: default_service_version(),
            storage: default_storage(),
            storage_class: None,
            resources: default_db_resources(),
            termination_policy: TerminationPolicy::default(),
        }
    }
}

/// KubeBlocks' `terminationPolicy` (its v1 API: `Halt` is gone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum TerminationPolicy {
    /// Refuse to delete the cluster (deleting the bundle then leaves the database in place).
    DoNotTerminate,
    /// Delete the cluster with its volumes, as deleting the bundle promises (the store holds
    /// registrations and query history, which the gateway rebuilds).
    #[default]
    Delete,
    /// Delete everything, backups included.
    WipeOut,
}

impl TerminationPolicy {
    /// The field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminationPolicy::DoNotTerminate => "DoNotTerminate",
            TerminationPolicy::Delete => "Delete",
            TerminationPolicy::WipeOut => "WipeOut",
        }
    }
}

/// Sections of `gateway.yaml` a spec may add to.
const CONFIG_SECTIONS: [&str; 5] = ["routing", "health", "proxy", "auth", "clusters"];

impl GatewayDeploymentSpec {
    /// Parses a YAML (or JSON) spec and [validates](Self::validate) it. Fails with
    /// `InvalidInput` naming the field.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let spec: Self = crate::yaml::from_str(text, "gateway deployment spec")?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a spec file ([`from_yaml`](Self::from_yaml)). Fails with
    /// `InvalidInput` naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Checks the fields, the rules and the rendered `gateway.yaml`. Fails with `InvalidInput`
    /// naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.replicas < MIN_GATEWAY_REPLICAS {
            return Err(Error::invalid_input(format!(
                "replicas: {} is too few; run at least {MIN_GATEWAY_REPLICAS} so one can restart while another serves",
                self.replicas
            )));
        }
        if !matches!(self.external_url.scheme(), "http" | "https") || self.external_url.host_str().is_none() {
            return Err(Error::invalid_input(format!("externalUrl {} must be an http(s) URL", self.external_url)));
        }
        if self.ingress.enabled && self.external_url.domain().is_none() {
            return Err(Error::invalid_input(format!(
                "externalUrl {} needs a DNS name for the Ingress host (or set ingress.enabled: false)",
                self.external_url
            )));
        }
        if self.image.is_empty() || self.image.chars().any(char::is_whitespace) {
            return Err(Error::invalid_input(format!("image {:?} is not an image reference", self.image)));
        }
        if let Some(section) = self.config.keys().find(|k| !CONFIG_SECTIONS.contains(&k.as_str())) {
            return Err(Error::invalid_input(format!(
                "config.{section}: the spec sets that part of gateway.yaml itself; add to {}",
                CONFIG_SECTIONS.join(", ")
            )));
        }
        if let Some(rules) = &self.rules {
            crate::routing::RoutingRules::from_yaml(rules)
                .map_err(|e| Error::invalid_input(format!("rules: {}", e.message())))?;
        }
        if self.database.replicas == 0 {
            return Err(Error::invalid_input("database.replicas must be 1 or more"));
        }
        if self.database.storage.value() <= 0.0 {
            return Err(Error::invalid_input("database.storage must be more than 0"));
        }
        crate::gateway::GatewayConfig::check_template(&self.gateway_yaml()?)
            .map_err(|e| Error::invalid_input(format!("config: {}", e.message())))?;
        self.database_name().map(|_| ())
    }

    /// The KubeBlocks `Cluster` holding the gateway's state (`{name}-db`).
    pub fn database_name(&self) -> Result<ObjectName> {
        self.name.with_suffix("db").map_err(|e| Error::invalid_input(format!("name: {}", e.message())))
    }
}
