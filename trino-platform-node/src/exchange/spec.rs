//! The `ExchangeBucketSpec` class and its plain-object form (`ExchangeBucketSpecObject`), with
//! the rendering that needs no network: Trino's property files and the two policy documents.

use std::collections::BTreeMap;
use std::path::Path;

use napi::Env;
use napi_derive::napi;
use trino_platform::Error;
use trino_platform::exchange::{self, Encryption};

use crate::error::or_throw;

/// What an exchange bucket should look like: the S3 bucket Trino's fault-tolerant execution
/// spills exchange data to, for one workspace. Build one with `ExchangeBucketSpec.fromObject`,
/// `.fromYaml` or `.load`, then render Trino's files from it or give it to
/// `ExchangeBuckets.connect`.
///
/// Every constructor validates the whole spec, and throws an `Error` whose `code` is
/// `'InvalidInput'` and whose message names the field that is wrong (unknown fields included);
/// a message never holds a secret.
#[napi]
pub struct ExchangeBucketSpec {
    pub(crate) inner: exchange::ExchangeBucketSpec,
}

#[napi]
impl ExchangeBucketSpec {
    /// A spec from its plain-object form (the fields of `ExchangeBucketSpecObject`, camelCase,
    /// as in a YAML spec file), validated as a YAML file is; properties set to `undefined`
    /// count as absent. Throws `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: ExchangeBucketSpecObject")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<ExchangeBucketSpec> {
        // The core's own deserializer and checks, straight from the JSON value: unlike a parse
        // of the same text as YAML, its messages quote no input beyond the offending value.
        let inner = serde_path_to_error::deserialize::<_, exchange::ExchangeBucketSpec>(spec)
            .map_err(|e| match e.path().to_string().as_str() {
                "." => Error::invalid_input(format!("invalid exchange spec: {}", e.inner())),
                path => Error::invalid_input(format!("invalid exchange spec: {path}: {}", e.inner())),
            })
            .and_then(|spec| spec.validate().map(|()| spec));
        or_throw(env, inner.map(|inner| Self { inner }))
    }

    /// Parses and validates a YAML spec. Throws `InvalidInput` naming the field.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<ExchangeBucketSpec> {
        or_throw(env, exchange::ExchangeBucketSpec::from_yaml(&text).map(|inner| Self { inner }))
    }

    /// Reads, parses and validates a YAML spec file. Throws `InvalidInput` when the file cannot
    /// be read or is invalid; the message names the file and the field.
    #[napi]
    pub fn load(env: &Env, path: String) -> napi::Result<ExchangeBucketSpec> {
        or_throw(env, exchange::ExchangeBucketSpec::load(Path::new(&path)).map(|inner| Self { inner }))
    }

    /// The bucket's name: `bucket` when given, else derived from `bucketPrefix` and
    /// `workspace` (cut to 63 characters, ending in a hash of the full name, when longer).
    #[napi(getter)]
    pub fn bucket_name(&self, env: &Env) -> napi::Result<String> {
        or_throw(env, self.inner.bucket_name().map(Into::into))
    }

    /// The spec as a plain object, with every default filled in: what `fromObject` takes.
    /// Explicit `credentials` keep only their `accessKeyId`: the secret access key and the
    /// session token never leave the native side.
    #[napi]
    pub fn to_object(&self) -> ExchangeBucketSpecObject {
        ExchangeBucketSpecObject::from(&self.inner)
    }

    /// `etc/exchange-manager.properties` for the coordinator and every worker:
    /// `exchange-manager.name=filesystem`, `exchange.base-directories=s3://BUCKET`, the region
    /// and/or endpoint, path-style access, and credentials as an IAM role or `${ENV:…}`
    /// references (never values), then `trino.exchangeManagerOverrides`; sorted.
    #[napi]
    pub fn exchange_manager_properties(&self, env: &Env) -> napi::Result<String> {
        or_throw(env, exchange::exchange_manager_properties(&self.inner).map(|p| p.to_java_properties()))
    }

    /// The fault-tolerant-execution part of `etc/config.properties` for every node:
    /// `retry-policy`, exchange encryption, the retry count when given and, for `TASK`, the
    /// low-memory killer policy Trino recommends with it; then `trino.configOverrides`; sorted.
    #[napi]
    pub fn fault_tolerant_execution_properties(&self, env: &Env) -> napi::Result<String> {
        or_throw(env, exchange::fault_tolerant_execution_properties(&self.inner).map(|p| p.to_java_properties()))
    }

    /// The bucket policy `ensure` puts on the bucket: deny requests without TLS (unless
    /// `requireTls: false`) and, with `principals`, allow those roles the exchange's actions and
    /// deny them to everyone else. `null` when there is nothing to put in it (`requireTls:
    /// false` and no principals): the bucket then has no policy.
    #[napi(ts_return_type = "IamPolicyDocument | null")]
    pub fn bucket_policy(&self, env: &Env) -> napi::Result<Option<serde_json::Value>> {
        or_throw(env, exchange::bucket_policy(&self.inner))
    }

    /// The least-privilege IAM policy the Trino nodes' role needs for the bucket (and, with
    /// SSE-KMS, its key), for your IAM tooling to attach; trino-platform does not manage IAM.
    #[napi(ts_return_type = "IamPolicyDocument")]
    pub fn trino_iam_policy(&self, env: &Env) -> napi::Result<serde_json::Value> {
        or_throw(env, exchange::trino_iam_policy(&self.inner))
    }
}

/// An exchange bucket spec as a plain object: the fields of a YAML spec file (camelCase).
/// Only `workspace` is required, and `region` or `endpoint`; every other field has a default.
#[napi(object)]
pub struct ExchangeBucketSpecObject {
    /// The workspace the bucket serves (a DNS label: 1 to 63 lowercase letters, digits and
    /// `-`); part of the derived bucket name and a tag.
    pub workspace: String,
    /// AWS region of the bucket, and of request signing. Required unless `endpoint` is set.
    pub region: Option<String>,
    /// Base URL of an S3-compatible store (MinIO, …) instead of AWS S3, without credentials.
    pub endpoint: Option<String>,
    /// Path-style requests (`endpoint/bucket/key`), which most S3-compatible stores need
    /// (default `false`).
    pub path_style: Option<bool>,
    /// An explicit bucket name; when absent it is derived from `bucketPrefix` and `workspace`.
    pub bucket: Option<String>,
    /// Start of the derived bucket name (default `trino-exchange`).
    pub bucket_prefix: Option<String>,
    /// Extra bucket tags; `managed-by` and `workspace` are trino-platform's own.
    pub tags: Option<BTreeMap<String, String>>,
    /// Default encryption at rest (default SSE-S3).
    pub encryption: Option<ExchangeEncryption>,
    /// Expiry of abandoned exchange data (default 1 day for both).
    pub lifecycle: Option<ExchangeLifecycle>,
    /// Whether the bucket policy denies every request made without TLS (default `true`); turn
    /// it off only for a store reached over plain HTTP.
    pub require_tls: Option<bool>,
    /// IAM role ARNs of the workspace's Trino pods: only they get the exchange's object actions.
    pub principals: Option<Vec<String>>,
    /// Static credentials for managing the bucket; when absent, the AWS default chain
    /// (environment, profile, web identity, container and instance metadata).
    pub credentials: Option<S3Credentials>,
    /// How Trino uses the bucket.
    pub trino: Option<TrinoExchangeConfig>,
}

/// Which default encryption the bucket gets.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptionType {
    /// SSE-S3: keys managed by S3 (`AES256`).
    #[napi(value = "sse-s3")]
    SseS3,
    /// SSE-KMS with `kmsKeyId`, and S3 Bucket Keys on.
    #[napi(value = "sse-kms")]
    SseKms,
}

/// Default encryption of objects at rest.
#[napi(object)]
pub struct ExchangeEncryption {
    /// `'sse-s3'` or `'sse-kms'`.
    #[napi(js_name = "type")]
    pub kind: EncryptionType,
    /// With `'sse-kms'` (and only then): the KMS key id, key ARN, `alias/NAME` or alias ARN.
    pub kms_key_id: Option<String>,
}

/// The bucket's lifecycle rule: objects expire, and incomplete multipart uploads are aborted,
/// after a number of days (1 to 36500).
#[napi(object)]
pub struct ExchangeLifecycle {
    /// Days after which exchange objects expire (default 1).
    pub expire_after_days: Option<u32>,
    /// Days after which incomplete multipart uploads are aborted (default 1).
    pub abort_incomplete_uploads_after_days: Option<u32>,
}

/// Static S3 credentials for managing the bucket.
#[napi(object)]
pub struct S3Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key: required by `fromObject`, never returned by `toObject`.
    pub secret_access_key: Option<String>,
    /// A session token, for temporary credentials; never returned by `toObject`.
    pub session_token: Option<String>,
}

/// Trino's `retry-policy` for fault-tolerant execution.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// Retry individual tasks; intermediate data goes through the exchange manager.
    #[napi(value = "TASK")]
    Task,
    /// Retry whole queries; the exchange manager holds large results.
    #[napi(value = "QUERY")]
    Query,
}

/// How Trino uses the bucket: the exchange manager and fault-tolerant execution settings.
#[napi(object)]
pub struct TrinoExchangeConfig {
    /// `retry-policy` (default `'TASK'`).
    pub retry_policy: Option<RetryPolicy>,
    /// Retries per task (`TASK`) or query (`QUERY`), at least 1; Trino's default (4) when absent.
    pub retry_attempts: Option<u32>,
    /// How the Trino nodes authenticate to S3 (default: their AWS default chain).
    pub credentials: Option<TrinoS3Credentials>,
    /// Endpoint the Trino nodes use when it differs from `endpoint` (an in-cluster service).
    pub endpoint: Option<String>,
    /// Extra or replaced keys of `exchange-manager.properties`, applied last; a secret only as
    /// `${ENV:NAME}`.
    pub exchange_manager_overrides: Option<BTreeMap<String, String>>,
    /// Extra or replaced keys of the fault-tolerant-execution part of `config.properties`,
    /// applied last.
    pub config_overrides: Option<BTreeMap<String, String>>,
}

/// How Trino's exchange manager authenticates to S3.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrinoS3CredentialsType {
    /// No keys: the AWS SDK default chain on the Trino nodes (IRSA, Pod Identity, instance role).
    #[napi(value = "default-chain")]
    DefaultChain,
    /// Assume `roleArn` (with `externalId` when its trust policy requires one).
    #[napi(value = "iam-role")]
    IamRole,
    /// Static keys read from the Trino process's environment variables `accessKeyEnv` and
    /// `secretKeyEnv`.
    #[napi(value = "environment")]
    Environment,
}

/// How Trino's exchange manager authenticates to S3; the other fields belong to one `type`.
#[napi(object)]
pub struct TrinoS3Credentials {
    /// `'default-chain'`, `'iam-role'` or `'environment'`.
    #[napi(js_name = "type")]
    pub kind: TrinoS3CredentialsType,
    /// `'iam-role'`: the role to assume.
    pub role_arn: Option<String>,
    /// `'iam-role'`: the external id the role's trust policy requires.
    pub external_id: Option<String>,
    /// `'environment'`: the variable holding the access key id (default
    /// `EXCHANGE_S3_ACCESS_KEY`).
    pub access_key_env: Option<String>,
    /// `'environment'`: the variable holding the secret key (default `EXCHANGE_S3_SECRET_KEY`).
    pub secret_key_env: Option<String>,
}

impl From<&exchange::ExchangeBucketSpec> for ExchangeBucketSpecObject {
    fn from(spec: &exchange::ExchangeBucketSpec) -> Self {
        // Every field, so that a field the core gains stops the build here.
        let exchange::ExchangeBucketSpec {
            workspace,
            region,
            endpoint,
            path_style,
            bucket,
            bucket_prefix,
            tags,
            encryption,
            lifecycle,
            require_tls,
            principals,
            credentials,
            trino,
        } = spec;
        let exchange::Lifecycle { expire_after_days, abort_incomplete_uploads_after_days } = lifecycle;
        Self {
            workspace: workspace.to_string(),
            region: region.as_ref().map(ToString::to_string),
            endpoint: endpoint.as_ref().map(ToString::to_string),
            path_style: Some(*path_style),
            bucket: bucket.as_ref().map(ToString::to_string),
            bucket_prefix: Some(bucket_prefix.to_string()),
            tags: Some(tags.clone()),
            encryption: Some(match encryption {
                Encryption::SseS3 => ExchangeEncryption { kind: EncryptionType::SseS3, kms_key_id: None },
                Encryption::SseKms { kms_key_id } => {
                    ExchangeEncryption { kind: EncryptionType::SseKms, kms_key_id: Some(kms_key_id.to_string()) }
                }
            }),
            lifecycle: Some(ExchangeLifecycle {
                expire_after_days: Some(*expire_after_days),
                abort_incomplete_uploads_after_days: Some(*abort_incomplete_uploads_after_days),
            }),
            require_tls: Some(*require_tls),
            principals: Some(principals.iter().map(ToString::to_string).collect()),
            credentials: credentials.as_ref().map(|c| S3Credentials {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: None,
                session_token: None,
            }),
            trino: Some(TrinoExchangeConfig::from(trino)),
        }
    }
}

impl From<&exchange::TrinoExchangeConfig> for TrinoExchangeConfig {
    fn from(config: &exchange::TrinoExchangeConfig) -> Self {
        let exchange::TrinoExchangeConfig {
            retry_policy,
            retry_attempts,
            credentials,
            endpoint,
            exchange_manager_overrides,
            config_overrides,
        } = config;
        let none = TrinoS3Credentials {
            kind: TrinoS3CredentialsType::DefaultChain,
            role_arn: None,
            external_id: None,
            access_key_env: None,
            secret_key_env: None,
        };
        let credentials = match credentials {
            exchange::TrinoS3Credentials::DefaultChain => none,
            exchange::TrinoS3Credentials::IamRole { role_arn, external_id } => TrinoS3Credentials {
                kind: TrinoS3CredentialsType::IamRole,
                role_arn: Some(role_arn.to_string()),
                external_id: external_id.clone(),
                ..none
            },
            exchange::TrinoS3Credentials::Environment { access_key_env, secret_key_env } => TrinoS3Credentials {
                kind: TrinoS3CredentialsType::Environment,
                access_key_env: Some(access_key_env.clone()),
                secret_key_env: Some(secret_key_env.clone()),
                ..none
            },
        };
        Self {
            retry_policy: Some(match retry_policy {
                exchange::RetryPolicy::Task => RetryPolicy::Task,
                exchange::RetryPolicy::Query => RetryPolicy::Query,
            }),
            retry_attempts: *retry_attempts,
            credentials: Some(credentials),
            endpoint: endpoint.as_ref().map(ToString::to_string),
            exchange_manager_overrides: Some(exchange_manager_overrides.clone()),
            config_overrides: Some(config_overrides.clone()),
        }
    }
}
