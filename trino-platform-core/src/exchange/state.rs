//! Reading a bucket's current configuration: the "read" step that `plan`, `ensure` and
//! `describe` share. Read-only: no call here changes anything.

use std::collections::BTreeMap;

use aws_sdk_s3::Client;
use serde::{Deserialize, Serialize};

use super::client::{failure, optional};
use super::naming::BucketName;
use super::spec::{MANAGED_BY_TAG, MANAGED_BY_VALUE};
use crate::error::{Error, ErrorKind, Result};

/// A bucket's configuration as S3 reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketState {
    /// The bucket name.
    pub bucket: String,
    /// Whether the bucket exists (when `false`, every other field is empty).
    pub exists: bool,
    /// The bucket's region (`us-east-1` for S3's empty location constraint).
    pub region: Option<String>,
    /// All tags on the bucket.
    pub tags: BTreeMap<String, String>,
    /// Default encryption, if configured.
    pub encryption: Option<EncryptionState>,
    /// Public access block, if configured.
    pub public_access_block: Option<PublicAccessBlockState>,
    /// Object ownership (`BucketOwnerEnforced`, …), if configured.
    pub object_ownership: Option<String>,
    /// Lifecycle rules, in S3's order.
    pub lifecycle_rules: Vec<LifecycleRuleState>,
    /// The bucket policy document, if any.
    pub policy: Option<serde_json::Value>,
}

impl BucketState {
    /// The state of a bucket that does not exist.
    pub fn absent(bucket: &BucketName) -> Self {
        Self {
            bucket: bucket.to_string(),
            exists: false,
            region: None,
            tags: BTreeMap::new(),
            encryption: None,
            public_access_block: None,
            object_ownership: None,
            lifecycle_rules: Vec::new(),
            policy: None,
        }
    }

    /// Whether the bucket carries `managed-by=trino-platform`.
    pub fn is_managed(&self) -> bool {
        self.tags.get(MANAGED_BY_TAG).is_some_and(|v| v == MANAGED_BY_VALUE)
    }
}

/// Default encryption of a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionState {
    /// `AES256` (SSE-S3), `aws:kms` (SSE-KMS), `aws:kms:dsse`.
    pub algorithm: String,
    /// The KMS key, for SSE-KMS.
    pub kms_key_id: Option<String>,
    /// Whether S3 Bucket Keys are on.
    pub bucket_key_enabled: bool,
}

/// The four switches of a bucket's public access block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicAccessBlockState {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockState {
    /// Everything blocked.
    pub const ALL_ON: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
}

/// One lifecycle rule, reduced to what trino-platform sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleRuleState {
    /// The rule id.
    pub id: Option<String>,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The key prefix it applies to (`""` for every object); `None` when it filters otherwise
    /// (tags, sizes).
    pub prefix: Option<String>,
    /// Days after which current objects expire.
    pub expiration_days: Option<i32>,
    /// Days after which incomplete multipart uploads are aborted.
    pub abort_incomplete_upload_days: Option<i32>,
    /// Whether the rule does anything else (transitions, noncurrent-version actions, a date).
    pub other_actions: bool,
}

/// Reads every setting of `bucket`. A bucket that does not exist is not an error
/// ([`BucketState::exists`] is `false`); one that exists but that this identity may not read
/// fails with `Forbidden`.
pub(crate) async fn read(client: &Client, bucket: &BucketName) -> Result<BucketState> {
    let name = bucket.as_str();
    if let Err(err) = client.head_bucket().bucket(name).send().await {
        let failure = failure("HeadBucket", name, err);
        return match (failure.error.kind(), failure.status) {
            (ErrorKind::NotFound, _) => Ok(BucketState::absent(bucket)),
            (ErrorKind::Forbidden, _) => Err(Error::new(
                ErrorKind::Forbidden,
                format!(
                    "bucket {name} exists but this identity may not use it: it belongs to another account, or a \
                     policy denies access; choose another bucketPrefix or bucket, or use the owner's credentials"
                ),
            )
            .with_source(failure.error)),
            _ => Err(failure.error),
        };
    }

    let (location, tags, encryption, public_access, ownership, lifecycle, policy) = tokio::try_join!(
        async {
            client
                .get_bucket_location()
                .bucket(name)
                .send()
                .await
                .map_err(|e| failure("GetBucketLocation", name, e).error)
        },
        async {
            optional(client.get_bucket_tagging().bucket(name).send().await, "GetBucketTagging", name, &["NoSuchTagSet"])
        },
        async {
            optional(
                client.get_bucket_encryption().bucket(name).send().await,
                "GetBucketEncryption",
                name,
                &["ServerSideEncryptionConfigurationNotFoundError"],
            )
        },
        async {
            optional(
                client.get_public_access_block().bucket(name).send().await,
                "GetPublicAccessBlock",
                name,
                &["NoSuchPublicAccessBlockConfiguration"],
            )
        },
        async {
            optional(
                client.get_bucket_ownership_controls().bucket(name).send().await,
                "GetBucketOwnershipControls",
                name,
                &["OwnershipControlsNotFoundError"],
            )
        },
        async {
            optional(
                client.get_bucket_lifecycle_configuration().bucket(name).send().await,
                "GetBucketLifecycleConfiguration",
                name,
                &["NoSuchLifecycleConfiguration"],
            )
        },
        async {
            optional(
                client.get_bucket_policy().bucket(name).send().await,
                "GetBucketPolicy",
                name,
                &["NoSuchBucketPolicy"],
            )
        },
    )?;

    let region = match location.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    };
    let tags = tags
        .map(|t| t.tag_set().iter().map(|tag| (tag.key().to_owned(), tag.value().to_owned())).collect())
        .unwrap_or_default();
    let encryption = encryption.and_then(|out| {
        let rule = out.server_side_encryption_configuration()?.rules().first()?;
        let default = rule.apply_server_side_encryption_by_default()?;
        Some(EncryptionState {
            algorithm: default.sse_algorithm().as_str().to_owned(),
            kms_key_id: default.kms_master_key_id().map(str::to_owned),
            bucket_key_enabled: rule.bucket_key_enabled().unwrap_or(false),
        })
    });
    let public_access_block = public_access.and_then(|out| {
        let c = out.public_access_block_configuration()?;
        Some(PublicAccessBlockState {
            block_public_acls: c.block_public_acls().unwrap_or(false),
            ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
            block_public_policy: c.block_public_policy().unwrap_or(false),
            restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
        })
    });
    let object_ownership = ownership
        .and_then(|out| out.ownership_controls()?.rules().first().map(|r| r.object_ownership().as_str().to_owned()));
    let lifecycle_rules = lifecycle
        .map(|out| {
            out.rules()
                .iter()
                .map(|rule| LifecycleRuleState {
                    id: rule.id().map(str::to_owned),
                    enabled: rule.status().as_str() == "Enabled",
                    prefix: match rule.filter() {
                        Some(f)
                            if f.tag().is_none()
                                && f.and().is_none()
                                && f.object_size_greater_than().is_none()
                                && f.object_size_less_than().is_none() =>
                        {
                            Some(f.prefix().unwrap_or("").to_owned())
                        }
                        Some(_) => None,
                        #[allow(deprecated)]
                        None => Some(rule.prefix().unwrap_or("").to_owned()),
                    },
                    expiration_days: rule.expiration().and_then(|e| e.days()),
                    abort_incomplete_upload_days: rule
                        .abort_incomplete_multipart_upload()
                        .and_then(|a| a.days_after_initiation()),
                    other_actions: !rule.transitions().is_empty()
                        || !rule.noncurrent_version_transitions().is_empty()
                        || rule.noncurrent_version_expiration().is_some()
                        || rule
                            .expiration()
                            .is_some_and(|e| e.date().is_some() || e.expired_object_delete_marker().is_some()),
                })
                .collect()
        })
        .unwrap_or_default();
    let policy = match policy.as_ref().and_then(|p| p.policy()) {
        None => None,
        Some(text) => Some(serde_json::from_str(text).map_err(|e| {
            Error::new(ErrorKind::Backend, format!("bucket {name} has a policy that is not JSON: {e}"))
        })?),
    };
    Ok(BucketState {
        bucket: name.to_owned(),
        exists: true,
        region: Some(region),
        tags,
        encryption,
        public_access_block,
        object_ownership,
        lifecycle_rules,
        policy,
    })
}
