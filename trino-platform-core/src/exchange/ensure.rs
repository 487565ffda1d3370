//! Ensure: read the bucket, diff it against the spec, and make only the missing changes, each
//! idempotent, so that a second run (or a rerun after an interruption) converges and then
//! changes nothing.

use std::collections::BTreeMap;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
};
use serde::{Deserialize, Serialize};

use super::client::failure;
use super::plan::{Change, ExchangePlan, Setting, desired_encryption, desired_lifecycle_rule, diff};
use super::policy::bucket_policy;
use super::spec::{ExchangeBucketSpec, LIFECYCLE_RULE_ID};
use super::state::{self, BucketState};
use crate::error::{Error, ErrorKind, Result};

/// Options of [`ExchangeBuckets::ensure`](super::ExchangeBuckets::ensure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnsureOptions {
    /// Take over an existing bucket that is tagged by someone else or managed for another
    /// workspace (default `false`: such a bucket is refused).
    #[serde(default)]
    pub adopt: bool,
}

/// What `ensure` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnsureReport {
    /// The bucket name.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// Whether this run created the bucket.
    pub created: bool,
    /// The changes made, in order; empty when the bucket already matched.
    pub applied: Vec<Change>,
}

impl EnsureReport {
    /// Whether anything was changed.
    pub fn changed(&self) -> bool {
        !self.applied.is_empty()
    }
}

/// Reads, diffs and applies. See [`ExchangeBuckets::ensure`](super::ExchangeBuckets::ensure).
pub(crate) async fn ensure(
    client: &Client,
    spec: &ExchangeBucketSpec,
    options: &EnsureOptions,
) -> Result<EnsureReport> {
    let bucket = spec.bucket_name()?;
    let current = state::read(client, &bucket).await?;
    let plan: ExchangePlan = diff(spec, &current)?;
    plan.check_ownership(options.adopt)?;
    let mut report =
        EnsureReport { bucket: plan.bucket.clone(), region: plan.region.clone(), created: false, applied: Vec::new() };
    for change in plan.changes {
        if change.setting == Setting::Bucket {
            report.created = create_bucket(client, spec, bucket.as_str()).await?;
        } else {
            apply(client, spec, bucket.as_str(), &current, change.setting).await?;
        }
        tracing::info!(bucket = %bucket, setting = ?change.setting, action = ?change.action, "exchange bucket: {}", change.detail);
        report.applied.push(change);
    }
    Ok(report)
}

/// Creates the bucket; `Ok(false)` when it turns out to exist already and be ours (a retried
/// create whose first answer was lost).
async fn create_bucket(client: &Client, spec: &ExchangeBucketSpec, bucket: &str) -> Result<bool> {
    let mut request = client.create_bucket().bucket(bucket);
    if let Some(region) = spec.region.as_ref().filter(|r| r.as_str() != "us-east-1") {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region.as_str()))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => Ok(true),
        Err(err) => {
            let failure = failure("CreateBucket", bucket, err);
            match failure.code.as_deref() {
                Some("BucketAlreadyOwnedByYou") => Ok(false),
                Some("BucketAlreadyExists") => Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!("bucket name {bucket} is taken by another account; choose another bucketPrefix or bucket"),
                )
                .with_source(failure.error)),
                _ => Err(failure.error),
            }
        }
    }
}

fn build_error(what: &str, err: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(ErrorKind::Internal, format!("cannot build the {what} request: {err}")).with_source(err)
}

/// Puts one setting the way the spec wants it.
async fn apply(
    client: &Client,
    spec: &ExchangeBucketSpec,
    bucket: &str,
    current: &BucketState,
    setting: Setting,
) -> Result<()> {
    match setting {
        Setting::Bucket => Ok(()),
        Setting::Tags => {
            // Keep tags others put on the bucket; set ours.
            let mut tags: BTreeMap<String, String> = current.tags.clone();
            tags.extend(spec.desired_tags());
            let tag_set = tags
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| build_error("tagging", e))?;
            let tagging =
                Tagging::builder().set_tag_set(Some(tag_set)).build().map_err(|e| build_error("tagging", e))?;
            client
                .put_bucket_tagging()
                .bucket(bucket)
                .tagging(tagging)
                .send()
                .await
                .map_err(|e| failure("PutBucketTagging", bucket, e).error)?;
            Ok(())
        }
        Setting::PublicAccessBlock => {
            let config = PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build();
            client
                .put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(config)
                .send()
                .await
                .map_err(|e| failure("PutPublicAccessBlock", bucket, e).error)?;
            Ok(())
        }
        Setting::OwnershipControls => {
            let rule = OwnershipControlsRule::builder()
                .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                .build()
                .map_err(|e| build_error("ownership controls", e))?;
            let controls =
                OwnershipControls::builder().rules(rule).build().map_err(|e| build_error("ownership controls", e))?;
            client
                .put_bucket_ownership_controls()
                .bucket(bucket)
                .ownership_controls(controls)
                .send()
                .await
                .map_err(|e| failure("PutBucketOwnershipControls", bucket, e).error)?;
            Ok(())
        }
        Setting::Encryption => {
            let desired = desired_encryption(spec);
            let default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(desired.algorithm.as_str()))
                .set_kms_master_key_id(desired.kms_key_id.clone())
                .build()
                .map_err(|e| build_error("encryption", e))?;
            let mut rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(default);
            if desired.bucket_key_enabled {
                rule = rule.bucket_key_enabled(true);
            }
            let config = ServerSideEncryptionConfiguration::builder()
                .rules(rule.build())
                .build()
                .map_err(|e| build_error("encryption", e))?;
            client
                .put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(config)
                .send()
                .await
                .map_err(|e| failure("PutBucketEncryption", bucket, e).error)?;
            Ok(())
        }
        Setting::Lifecycle => {
            let desired = desired_lifecycle_rule(spec);
            let rule = LifecycleRule::builder()
                .id(LIFECYCLE_RULE_ID)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .expiration(LifecycleExpiration::builder().set_days(desired.expiration_days).build())
                .abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .set_days_after_initiation(desired.abort_incomplete_upload_days)
                        .build(),
                )
                .build()
                .map_err(|e| build_error("lifecycle", e))?;
            let config =
                BucketLifecycleConfiguration::builder().rules(rule).build().map_err(|e| build_error("lifecycle", e))?;
            client
                .put_bucket_lifecycle_configuration()
                .bucket(bucket)
                .lifecycle_configuration(config)
                .send()
                .await
                .map_err(|e| failure("PutBucketLifecycleConfiguration", bucket, e).error)?;
            Ok(())
        }
        Setting::Policy => {
            match bucket_policy(spec)? {
                Some(policy) => {
                    client
                        .put_bucket_policy()
                        .bucket(bucket)
                        .policy(policy.to_string())
                        .send()
                        .await
                        .map_err(|e| failure("PutBucketPolicy", bucket, e).error)?;
                }
                None => {
                    client
                        .delete_bucket_policy()
                        .bucket(bucket)
                        .send()
                        .await
                        .map_err(|e| failure("DeleteBucketPolicy", bucket, e).error)?;
                }
            }
            Ok(())
        }
    }
}
