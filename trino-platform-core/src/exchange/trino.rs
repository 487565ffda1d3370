//! The Trino side of the exchange: `etc/exchange-manager.properties` and the fault-tolerant
//! execution part of `etc/config.properties` (keys from Trino's `FileSystemExchangeConfig`,
//! `ExchangeS3Config` and `admin/fault-tolerant-execution.md`).
//!
//! Each file has one builder, layered: defaults → values derived from the spec → the user's
//! overrides; output is sorted. Credentials appear only as `${ENV:NAME}` references or an IAM
//! role, never as values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::spec::{ExchangeBucketSpec, RoleArn};
use crate::error::{Error, Result};
use crate::properties::Properties;

/// How Trino uses the exchange bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrinoExchangeConfig {
    /// `retry-policy` (default `TASK`, which needs the exchange manager).
    #[serde(default)]
    pub retry_policy: RetryPolicy,
    /// `task-retry-attempts-per-task` (TASK) or `query-retry-attempts` (QUERY); Trino's default
    /// (4) when absent.
    #[serde(default)]
    pub retry_attempts: Option<u32>,
    /// How the Trino nodes authenticate to S3 (default: the AWS default chain of the pods, for
    /// example IRSA / EKS Pod Identity).
    #[serde(default)]
    pub credentials: TrinoS3Credentials,
    /// Endpoint the Trino nodes use, when it differs from the spec's (for example a
    /// cluster-internal MinIO service); default: the spec's endpoint.
    #[serde(default)]
    pub endpoint: Option<super::spec::S3Endpoint>,
    /// Extra or replaced keys of `exchange-manager.properties`, applied last.
    #[serde(default)]
    pub exchange_manager_overrides: BTreeMap<String, String>,
    /// Extra or replaced keys of the fault-tolerant-execution part of `config.properties`,
    /// applied last.
    #[serde(default)]
    pub config_overrides: BTreeMap<String, String>,
}

/// Trino's `retry-policy` for fault-tolerant execution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RetryPolicy {
    /// Retry individual tasks; intermediate data goes through the exchange manager.
    #[default]
    Task,
    /// Retry whole queries; the exchange manager holds large results.
    Query,
}

impl RetryPolicy {
    /// The property value (`TASK`, `QUERY`).
    pub fn as_str(self) -> &'static str {
        match self {
            RetryPolicy::Task => "TASK",
            RetryPolicy::Query => "QUERY",
        }
    }
}

/// How Trino's exchange manager authenticates to S3.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TrinoS3Credentials {
    /// No keys: the AWS SDK default chain on the Trino nodes (IRSA, Pod Identity, instance role).
    #[default]
    DefaultChain,
    /// Assume this role (`exchange.s3.iam-role`, optional `exchange.s3.external-id`).
    IamRole {
        /// The role to assume.
        #[serde(rename = "roleArn")]
        role_arn: RoleArn,
        /// The external id the role's trust policy requires.
        #[serde(default, rename = "externalId")]
        external_id: Option<String>,
    },
    /// Static keys read from the Trino process's environment
    /// (`exchange.s3.aws-access-key=${ENV:…}`, `exchange.s3.aws-secret-key=${ENV:…}`).
    Environment {
        /// Variable holding the access key id (default `EXCHANGE_S3_ACCESS_KEY`).
        #[serde(default = "default_access_key_env", rename = "accessKeyEnv")]
        access_key_env: String,
        /// Variable holding the secret key (default `EXCHANGE_S3_SECRET_KEY`).
        #[serde(default = "default_secret_key_env", rename = "secretKeyEnv")]
        secret_key_env: String,
    },
}

fn default_access_key_env() -> String {
    "EXCHANGE_S3_ACCESS_KEY".to_owned()
}

fn default_secret_key_env() -> String {
    "EXCHANGE_S3_SECRET_KEY".to_owned()
}

/// Keys whose values are secrets: an override may only point them at the environment.
const SECRET_KEYS: [&str; 2] = ["exchange.s3.aws-secret-key", "exchange.s3.aws-access-key"];

impl TrinoExchangeConfig {
    /// Fails with `InvalidInput` naming the field: bad environment variable names, a retry
    /// count of 0, override keys that are not property keys, or a literal value for a secret key.
    pub fn validate(&self) -> Result<()> {
        if self.retry_attempts == Some(0) {
            return Err(Error::invalid_input("trino.retryAttempts: must be 1 or more"));
        }
        if let TrinoS3Credentials::Environment { access_key_env, secret_key_env } = &self.credentials {
            let mut probe = Properties::new();
            for (field, name) in [("accessKeyEnv", access_key_env), ("secretKeyEnv", secret_key_env)] {
                probe
                    .set_env("probe", name)
                    .map_err(|e| Error::invalid_input(format!("trino.credentials.{field}: {}", e.message())))?;
            }
        }
        if let TrinoS3Credentials::IamRole { external_id: Some(id), .. } = &self.credentials
            && (id.is_empty() || id.len() > 1224 || id.chars().any(char::is_control))
        {
            return Err(Error::invalid_input("trino.credentials.externalId: 1 to 1224 printable characters"));
        }
        for (field, overrides) in [
            ("exchangeManagerOverrides", &self.exchange_manager_overrides),
            ("configOverrides", &self.config_overrides),
        ] {
            for (key, value) in overrides {
                Properties::new()
                    .set(key, value.as_str())
                    .map_err(|e| Error::invalid_input(format!("trino.{field}: {}", e.message())))?;
                let secret = SECRET_KEYS.contains(&key.as_str()) || key.contains("secret") || key.contains("password");
                if secret && crate::properties::env_reference(value).is_none() {
                    return Err(Error::invalid_input(format!(
                        "trino.{field}: {key} holds a secret; give it as ${{ENV:NAME}} or use trino.credentials"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Renders `etc/exchange-manager.properties` (coordinator and every worker) for the spec's
/// bucket: `exchange-manager.name=filesystem`, `exchange.base-directories=s3://BUCKET`, the
/// region and/or endpoint, path-style access, and credentials as an IAM role or `${ENV:…}`
/// references, then the spec's `trino.exchangeManagerOverrides`.
///
/// Fails with `InvalidInput` when the spec is invalid (see [`ExchangeBucketSpec::validate`]).
///
/// ```
/// use trino_platform::exchange::{ExchangeBucketSpec, exchange_manager_properties};
///
/// let spec = ExchangeBucketSpec::from_yaml("workspace: acme\nregion: eu-central-1\n")?;
/// assert_eq!(
///     exchange_manager_properties(&spec)?.to_java_properties(),
///     "exchange-manager.name=filesystem\n\
///      exchange.base-directories=s3://trino-exchange-acme\n\
///      exchange.s3.region=eu-central-1\n"
/// );
/// # Ok::<(), trino_platform::Error>(())
/// ```
pub fn exchange_manager_properties(spec: &ExchangeBucketSpec) -> Result<Properties> {
    spec.validate()?;
    let trino = &spec.trino;
    let mut props = Properties::new();
    props.set("exchange-manager.name", "filesystem")?;
    props.set("exchange.base-directories", format!("s3://{}", spec.bucket_name()?))?;
    if let Some(region) = &spec.region {
        props.set("exchange.s3.region", region.as_str())?;
    }
    if let Some(endpoint) = trino.endpoint.as_ref().or(spec.endpoint.as_ref()) {
        props.set("exchange.s3.endpoint", endpoint.as_str())?;
    }
    if spec.path_style {
        props.set("exchange.s3.path-style-access", "true")?;
    }
    match &trino.credentials {
        TrinoS3Credentials::DefaultChain => {}
        TrinoS3Credentials::IamRole { role_arn, external_id } => {
            props.set("exchange.s3.iam-role", role_arn.as_str())?;
            if let Some(id) = external_id {
                props.set("exchange.s3.external-id", id.as_str())?;
            }
        }
        TrinoS3Credentials::Environment { access_key_env, secret_key_env } => {
            props.set_env("exchange.s3.aws-access-key", access_key_env)?;
            props.set_env("exchange.s3.aws-secret-key", secret_key_env)?;
        }
    }
    for (key, value) in &trino.exchange_manager_overrides {
        props.set_text(key, value)?;
    }
    Ok(props)
}

/// Renders the fault-tolerant-execution part of `etc/config.properties` (every node):
/// `retry-policy`, exchange encryption on, the retry count when given, and for `TASK` the
/// low-memory killer policy Trino recommends with it; then the spec's `trino.configOverrides`.
/// Merge it into the rest of `config.properties` with [`Properties::overlay`].
///
/// Fails with `InvalidInput` when the spec is invalid.
///
/// ```
/// use trino_platform::exchange::{ExchangeBucketSpec, fault_tolerant_execution_properties};
///
/// let spec = ExchangeBucketSpec::from_yaml("workspace: acme\nregion: eu-central-1\n")?;
/// let text = fault_tolerant_execution_properties(&spec)?.to_java_properties();
/// assert!(text.contains("retry-policy=TASK\n"));
/// # Ok::<(), trino_platform::Error>(())
/// ```
pub fn fault_tolerant_execution_properties(spec: &ExchangeBucketSpec) -> Result<Properties> {
    spec.validate()?;
    let trino = &spec.trino;
    let mut props = Properties::new();
    props.set("retry-policy", trino.retry_policy.as_str())?;
    props.set("fault-tolerant-execution.exchange-encryption-enabled", "true")?;
    match trino.retry_policy {
        RetryPolicy::Task => {
            props.set("task.low-memory-killer.policy", "total-reservation-on-blocked-nodes")?;
            if let Some(n) = trino.retry_attempts {
                props.set("task-retry-attempts-per-task", n.to_string())?;
            }
        }
        RetryPolicy::Query => {
            if let Some(n) = trino.retry_attempts {
                props.set("query-retry-attempts", n.to_string())?;
            }
        }
    }
    for (key, value) in &trino.config_overrides {
        props.set_text(key, value)?;
    }
    Ok(props)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn spec(yaml: &str) -> ExchangeBucketSpec {
        ExchangeBucketSpec::from_yaml(yaml).unwrap()
    }

    #[test]
    fn credentials_render_as_references_only() {
        let s = spec(
            "workspace: acme\nendpoint: http://minio:9000\npathStyle: true\n\
             trino: {credentials: {type: environment}}\n",
        );
        let text = exchange_manager_properties(&s).unwrap().to_java_properties();
        assert_eq!(
            text,
            "exchange-manager.name=filesystem\n\
             exchange.base-directories=s3://trino-exchange-acme\n\
             exchange.s3.aws-access-key=${ENV:EXCHANGE_S3_ACCESS_KEY}\n\
             exchange.s3.aws-secret-key=${ENV:EXCHANGE_S3_SECRET_KEY}\n\
             exchange.s3.endpoint=http://minio:9000\n\
             exchange.s3.path-style-access=true\n"
        );
    }

    #[test]
    fn literal_secrets_in_overrides_are_refused() {
        let err = ExchangeBucketSpec::from_yaml(
            "workspace: acme\nregion: us-east-1\ntrino: {exchangeManagerOverrides: {exchange.s3.aws-secret-key: hunter2}}\n",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("exchangeManagerOverrides") && !err.message().contains("hunter2"));
        let s = spec(
            "workspace: acme\nregion: us-east-1\n\
             trino: {exchangeManagerOverrides: {exchange.s3.aws-secret-key: '${ENV:MY_SECRET}', exchange.s3.max-error-retries: '20'}}\n",
        );
        let text = exchange_manager_properties(&s).unwrap().to_java_properties();
        assert!(text.contains("exchange.s3.aws-secret-key=${ENV:MY_SECRET}\n"), "{text}");
        assert!(text.contains("exchange.s3.max-error-retries=20\n"), "{text}");
    }

    #[test]
    fn query_policy_and_overrides() {
        let s = spec(
            "workspace: acme\nregion: us-east-1\n\
             trino: {retryPolicy: QUERY, retryAttempts: 3, configOverrides: {exchange.compression-codec: ZSTD}}\n",
        );
        assert_eq!(
            fault_tolerant_execution_properties(&s).unwrap().to_java_properties(),
            "exchange.compression-codec=ZSTD\n\
             fault-tolerant-execution.exchange-encryption-enabled=true\n\
             query-retry-attempts=3\n\
             retry-policy=QUERY\n"
        );
    }
}
