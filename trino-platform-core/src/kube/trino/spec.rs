//! [`TrinoClusterSpec`]: a Trino cluster (one coordinator, N workers) as users write it.
//!
//! Unknown keys are rejected; quantities, names and counts are checked while the file is read,
//! so every mistake is an `InvalidInput` naming the field and line.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::catalog::CatalogSpec;
use crate::cluster::{ClusterName, RoutingGroup};
use crate::error::{Error, Result};
use crate::exchange::{ExchangeBucketSpec, RoleArn, Workspace};
use crate::keycloak::{TrinoOAuth2Spec, TrinoVersion};
use crate::kube::manifest::SecretValue;
use crate::kube::names::ObjectName;
use crate::kube::quantity::Quantity;
use crate::properties::Properties;
use crate::ranger::{PolicySpec, RangerPluginConfig};

/// The Trino release rendered when a spec names none.
pub const DEFAULT_TRINO_VERSION: u32 = 476;

/// One Trino cluster of a workspace, on Kubernetes.
///
/// ```
/// use trino_platform::kube::TrinoClusterSpec;
///
/// let spec = TrinoClusterSpec::from_yaml(
///     "name: etl\nworkspace: acme\nnamespace: trino-acme\n\
///      coordinator: {resources: {cpu: 2, memory: 8Gi}}\n\
///      workers: {replicas: 3, resources: {cpu: 4, memory: 16Gi}}\n",
/// )?;
/// assert_eq!(spec.workers.replicas.get(), 3);
/// assert_eq!(spec.image(), "trinodb/trino:476");
/// # Ok::<(), trino_platform::Error>(())
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrinoClusterSpec {
    /// The cluster's name: the prefix of its objects (`trino-{name}-coordinator`, …) and its
    /// name in the gateway's registry.
    pub name: ObjectName,
    /// The workspace (tenant) it belongs to.
    pub workspace: Workspace,
    /// The namespace it runs in.
    pub namespace: ObjectName,
    /// The gateway routing group it serves (default `adhoc`).
    #[serde(default)]
    pub routing_group: RoutingGroup,
    /// The Trino release (default 476): property names and JVM flags follow it.
    #[serde(default = "default_trino_version")]
    pub trino_version: TrinoVersion,
    /// Container image (default `trinodb/trino:{trinoVersion}`).
    #[serde(default)]
    pub image: Option<String>,
    /// `imagePullPolicy` (default `IfNotPresent`).
    #[serde(default)]
    pub image_pull_policy: PullPolicy,
    /// The pods' service account.
    #[serde(default)]
    pub service_account: ServiceAccountSpec,
    /// The coordinator.
    pub coordinator: CoordinatorSpec,
    /// The workers.
    pub workers: WorkersSpec,
    /// Catalogs, one file each under `etc/catalog/`.
    #[serde(default)]
    pub catalogs: Vec<CatalogSpec>,
    /// Fault-tolerant execution through the workspace's exchange bucket (same workspace).
    #[serde(default)]
    pub exchange: Option<ExchangeBucketSpec>,
    /// OAuth2 on the coordinator (for the same Trino version).
    #[serde(default)]
    pub oauth2: Option<TrinoOAuth2Spec>,
    /// Ranger system access control on the coordinator.
    #[serde(default)]
    pub ranger: Option<RangerPluginConfig>,
    /// Policies of the cluster's Ranger service that the cluster bundle ensures in Ranger
    /// Admin, besides the baseline Trino needs (manifests do not use them).
    #[serde(default)]
    pub ranger_policies: Vec<PolicySpec>,
    /// Where the values of the `${ENV:NAME}` secrets of the rendered files come from, by
    /// variable name. Default: the internal shared secret and the OAuth2 keys are generated
    /// once; any other variable is copied from the applying process's variable of that name.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretSource>,
    /// `etc/log.properties` levels (default `io.trino: INFO`).
    #[serde(default)]
    pub log_levels: BTreeMap<String, LogLevel>,
    /// Extra labels on every object.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

fn default_trino_version() -> TrinoVersion {
    TrinoVersion::new(DEFAULT_TRINO_VERSION).unwrap_or_else(|_| unreachable!("the default version is supported"))
}

/// `imagePullPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum PullPolicy {
    /// Pull on every start.
    Always,
    /// Pull when the node lacks the image.
    #[default]
    IfNotPresent,
    /// Never pull.
    Never,
}

impl PullPolicy {
    /// The field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// The pods' service account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccountSpec {
    /// IAM role for S3 through IRSA (`eks.amazonaws.com/role-arn`).
    #[serde(default)]
    pub iam_role_arn: Option<RoleArn>,
    /// Extra annotations (for example EKS Pod Identity or GKE Workload Identity).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// CPU and memory of one pod: requested, and memory also the limit (Trino sizes its heap from
/// it; a CPU limit would only throttle queries).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    /// CPU request (`2`, `500m`).
    pub cpu: Quantity,
    /// Memory request and limit (`16Gi`); at least 1Gi.
    pub memory: Quantity,
}

/// The coordinator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CoordinatorSpec {
    /// CPU and memory.
    pub resources: Resources,
    /// Extra or replaced keys of its `config.properties`, applied last (`${ENV:NAME}` stays a
    /// reference).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// JVM options appended to `jvm.config`.
    #[serde(default)]
    pub jvm_options: Vec<String>,
}

/// The workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkersSpec {
    /// How many (at least 1).
    pub replicas: WorkerCount,
    /// CPU and memory of each.
    pub resources: Resources,
    /// `shutdown.grace-period`: how long a worker told to shut down waits before and after
    /// finishing its tasks (default `30s`).
    #[serde(default = "default_grace_period", with = "crate::duration")]
    pub shutdown_grace_period: Duration,
    /// How long Kubernetes lets a stopping worker finish its running tasks (default `10m`).
    #[serde(default = "default_drain_timeout", with = "crate::duration")]
    pub drain_timeout: Duration,
    /// Extra or replaced keys of their `config.properties`, applied last.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// JVM options appended to `jvm.config`.
    #[serde(default)]
    pub jvm_options: Vec<String>,
}

fn default_grace_period() -> Duration {
    Duration::from_secs(30)
}

fn default_drain_timeout() -> Duration {
    Duration::from_secs(600)
}

/// A worker count: 1 or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u32")]
pub struct WorkerCount(u32);

impl WorkerCount {
    /// Validates `count`; fails with `InvalidInput` for 0.
    pub fn new(count: u32) -> Result<Self> {
        if count == 0 {
            return Err(Error::invalid_input(
                "a cluster needs at least 1 worker (scale the whole cluster down by deleting it)",
            ));
        }
        Ok(Self(count))
    }

    /// The count.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for WorkerCount {
    type Error = Error;
    fn try_from(count: u32) -> Result<Self> {
        Self::new(count)
    }
}

/// Where the value of one secret environment variable comes from, as a spec writes it:
/// `{fromEnv: NAME}` (the applying process's variable `NAME`) or `generate` (random, made once
/// and kept).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretSource {
    /// Copy this variable of the process that applies.
    FromEnv(String),
    /// Generate 32 random bytes once; reapplying keeps them.
    Generate,
}

impl SecretSource {
    /// The manifest's value source.
    pub fn to_value(&self) -> SecretValue {
        match self {
            SecretSource::FromEnv(name) => SecretValue::FromEnv(name.clone()),
            SecretSource::Generate => SecretValue::Generated { bytes: 32 },
        }
    }
}

/// A `log.properties` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARN`.
    Warn,
    /// `ERROR`.
    Error,
    /// `OFF`.
    Off,
}

impl LogLevel {
    /// The level's name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Off => "OFF",
        }
    }
}

/// Smallest memory a Trino pod is given (its heap is 80 % of it).
const MIN_MEMORY_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

impl TrinoClusterSpec {
    /// Parses a YAML (or JSON) spec and [validates](Self::validate) it. Fails with
    /// `InvalidInput` naming the field (and line, for what the file itself gets wrong).
    pub fn from_yaml(text: &str) -> Result<Self> {
        let spec: Self = crate::yaml::from_str(text, "Trino cluster spec")?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a spec file ([`from_yaml`](Self::from_yaml)). Fails with
    /// `InvalidInput` naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Checks what the types alone cannot: enough memory, an exchange and OAuth2 spec that
    /// match the cluster, valid override keys and secret variable names, a registry name.
    /// Fails with `InvalidInput` naming the field.
    pub fn validate(&self) -> Result<()> {
        self.cluster_name()?;
        for (field, resources) in [("coordinator", &self.coordinator.resources), ("workers", &self.workers.resources)] {
            if resources.memory.value() < MIN_MEMORY_BYTES {
                return Err(Error::invalid_input(format!(
                    "{field}.resources.memory {} is too small: Trino needs at least 1Gi",
                    resources.memory
                )));
            }
            if resources.cpu.value() <= 0.0 {
                return Err(Error::invalid_input(format!("{field}.resources.cpu must be more than 0")));
            }
        }
        for (field, config) in
            [("coordinator.config", &self.coordinator.config), ("workers.config", &self.workers.config)]
        {
            for (key, value) in config {
                Properties::new()
                    .set_text(key, value)
                    .map_err(|e| Error::invalid_input(format!("{field}: {}", e.message())))?;
            }
        }
        for (field, options) in [
            ("coordinator.jvmOptions", &self.coordinator.jvm_options),
            ("workers.jvmOptions", &self.workers.jvm_options),
        ] {
            if let Some(bad) = options.iter().find(|o| o.trim().is_empty() || o.chars().any(char::is_control)) {
                return Err(Error::invalid_input(format!("{field}: {bad:?} is empty or holds a line break")));
            }
        }
        if let Some(image) = &self.image
            && (image.is_empty() || image.chars().any(char::is_whitespace))
        {
            return Err(Error::invalid_input(format!("image {image:?} is not an image reference")));
        }
        if let Some(exchange) = &self.exchange {
            exchange.validate().map_err(|e| Error::invalid_input(format!("exchange: {}", e.message())))?;
            if exchange.workspace != self.workspace {
                return Err(Error::invalid_input(format!(
                    "exchange.workspace {} differs from the cluster's workspace {}",
                    exchange.workspace, self.workspace
                )));
            }
        }
        if let Some(oauth2) = &self.oauth2 {
            oauth2.validate().map_err(|e| Error::invalid_input(format!("oauth2: {}", e.message())))?;
            if oauth2.trino_version != self.trino_version {
                return Err(Error::invalid_input(format!(
                    "oauth2.trinoVersion {} differs from the cluster's trinoVersion {}",
                    oauth2.trino_version, self.trino_version
                )));
            }
        }
        if let Some(ranger) = &self.ranger {
            ranger.validate().map_err(|e| Error::invalid_input(format!("ranger: {}", e.message())))?;
        }
        let mut names = std::collections::BTreeSet::new();
        for (index, catalog) in self.catalogs.iter().enumerate() {
            catalog.validate().map_err(|e| Error::invalid_input(format!("catalogs[{index}]: {}", e.message())))?;
            if !names.insert(catalog.name.as_str()) {
                return Err(Error::invalid_input(format!(
                    "catalogs[{index}]: the name {} is used twice",
                    catalog.name
                )));
            }
        }
        for (name, source) in &self.secrets {
            let mut probe = Properties::new();
            probe.set_env("probe", name).map_err(|e| Error::invalid_input(format!("secrets: {}", e.message())))?;
            if let SecretSource::FromEnv(from) = source {
                probe
                    .set_env("probe", from)
                    .map_err(|e| Error::invalid_input(format!("secrets.{name}.fromEnv: {}", e.message())))?;
            }
        }
        Ok(())
    }

    /// The image to run.
    pub fn image(&self) -> String {
        self.image.clone().unwrap_or_else(|| format!("trinodb/trino:{}", self.trino_version))
    }

    /// The cluster's name in the gateway's registry (its `name`).
    pub fn cluster_name(&self) -> Result<ClusterName> {
        ClusterName::new(self.name.as_str())
    }
}
