//! Teardown: abort every multipart upload, delete every object version and delete marker in
//! batches, then the bucket; only for a bucket trino-platform manages for this workspace, unless
//! forced. Each step is idempotent, so a rerun after a failure finishes the job.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use serde::{Deserialize, Serialize};

use super::client::{failure, optional};
use super::naming::BucketName;
use super::spec::{ExchangeBucketSpec, MANAGED_BY_TAG, MANAGED_BY_VALUE, WORKSPACE_TAG};
use crate::error::{Error, ErrorKind, Result};

/// Most keys one `DeleteObjects` call takes.
const MAX_BATCH: u16 = 1000;
/// Rounds of abort → delete → delete-bucket that may find new data (a writer still running)
/// before teardown gives up.
const MAX_ROUNDS: u32 = 5;

/// Options of [`ExchangeBuckets::teardown`](super::ExchangeBuckets::teardown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TeardownOptions {
    /// Delete the bucket even when it is not tagged `managed-by=trino-platform` for this
    /// workspace (default `false`).
    #[serde(default)]
    pub force: bool,
    /// Keys per `DeleteObjects` call, 1–1000 (default 1000).
    #[serde(default = "default_batch")]
    pub batch_size: u16,
}

fn default_batch() -> u16 {
    MAX_BATCH
}

impl Default for TeardownOptions {
    fn default() -> Self {
        Self { force: false, batch_size: MAX_BATCH }
    }
}

/// The step teardown is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TeardownPhase {
    /// Checking that the bucket exists and is managed.
    Checking,
    /// Removing the bucket policy (it may deny the operator the data actions).
    RemovingPolicy,
    /// Aborting incomplete multipart uploads.
    AbortingUploads,
    /// Deleting object versions and delete markers.
    DeletingObjects,
    /// Deleting the empty bucket.
    DeletingBucket,
    /// Finished: the bucket is gone.
    Done,
}

/// A progress report, sent at each phase and after each batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeardownProgress {
    /// The bucket.
    pub bucket: String,
    /// The current step.
    pub phase: TeardownPhase,
    /// Multipart uploads aborted so far.
    pub uploads_aborted: u64,
    /// Object versions and delete markers deleted so far.
    pub objects_deleted: u64,
}

/// What teardown did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeardownReport {
    /// The bucket.
    pub bucket: String,
    /// Whether the bucket existed when teardown started (`false`: nothing to do).
    pub existed: bool,
    /// Multipart uploads aborted.
    pub uploads_aborted: u64,
    /// Object versions and delete markers deleted.
    pub objects_deleted: u64,
    /// Whether the bucket is gone now.
    pub deleted: bool,
}

struct Run<'a> {
    client: &'a Client,
    bucket: &'a str,
    batch: i32,
    progress: &'a (dyn Fn(TeardownProgress) + Send + Sync),
    report: TeardownReport,
}

impl Run<'_> {
    fn emit(&self, phase: TeardownPhase) {
        (self.progress)(TeardownProgress {
            bucket: self.report.bucket.clone(),
            phase,
            uploads_aborted: self.report.uploads_aborted,
            objects_deleted: self.report.objects_deleted,
        });
    }

    /// Aborts every incomplete multipart upload; returns how many it aborted.
    async fn abort_uploads(&mut self) -> Result<u64> {
        let mut aborted = 0;
        loop {
            // Always from the start: what is aborted disappears from the listing.
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(self.bucket)
                .max_uploads(self.batch)
                .send()
                .await
                .map_err(|e| failure("ListMultipartUploads", self.bucket, e).error)?;
            let uploads = page.uploads();
            if uploads.is_empty() {
                return Ok(aborted);
            }
            self.emit(TeardownPhase::AbortingUploads);
            for upload in uploads {
                let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else { continue };
                let result =
                    self.client.abort_multipart_upload().bucket(self.bucket).key(key).upload_id(id).send().await;
                optional(result, "AbortMultipartUpload", self.bucket, &["NoSuchUpload"])?;
                aborted += 1;
                self.report.uploads_aborted += 1;
            }
            self.emit(TeardownPhase::AbortingUploads);
        }
    }

    /// Deletes every object version and delete marker in batches; returns how many it deleted.
    async fn delete_objects(&mut self) -> Result<u64> {
        let mut deleted = 0;
        loop {
            // Always from the start: what is deleted disappears from the listing.
            let page = self
                .client
                .list_object_versions()
                .bucket(self.bucket)
                .max_keys(self.batch)
                .send()
                .await
                .map_err(|e| failure("ListObjectVersions", self.bucket, e).error)?;
            let entries: Vec<(&str, Option<&str>)> = page
                .versions()
                .iter()
                .filter_map(|v| Some((v.key()?, v.version_id())))
                .chain(page.delete_markers().iter().filter_map(|m| Some((m.key()?, m.version_id()))))
                .take(usize::try_from(self.batch).unwrap_or(usize::from(MAX_BATCH)))
                .collect();
            if entries.is_empty() {
                return Ok(deleted);
            }
            let objects = entries
                .iter()
                .map(|(key, version)| {
                    ObjectIdentifier::builder().key(*key).set_version_id(version.map(str::to_owned)).build()
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot build DeleteObjects: {e}")))?;
            let request = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot build DeleteObjects: {e}")))?;
            let out = self
                .client
                .delete_objects()
                .bucket(self.bucket)
                .delete(request)
                .send()
                .await
                .map_err(|e| failure("DeleteObjects", self.bucket, e).error)?;
            // Keys that are already gone count as deleted; anything else is a failure.
            let failed: Vec<_> =
                out.errors().iter().filter(|e| !matches!(e.code(), Some("NoSuchKey" | "NoSuchVersion"))).collect();
            let batch_deleted = (entries.len() - failed.len()) as u64;
            deleted += batch_deleted;
            self.report.objects_deleted += batch_deleted;
            self.emit(TeardownPhase::DeletingObjects);
            if let Some(first) = failed.first()
                && batch_deleted == 0
            {
                let code = first.code().unwrap_or("unknown");
                let kind = match code {
                    "AccessDenied" => ErrorKind::Forbidden,
                    "SlowDown" | "InternalError" | "ServiceUnavailable" => ErrorKind::Unavailable,
                    _ => ErrorKind::Backend,
                };
                return Err(Error::new(
                    kind,
                    format!(
                        "S3 DeleteObjects on bucket {} deleted none of {} keys: {code}: {} (rerun teardown to retry)",
                        self.bucket,
                        entries.len(),
                        first.message().unwrap_or("")
                    ),
                ));
            }
        }
    }

    /// Deletes the bucket; `Ok(false)` when S3 says it is not empty (a writer is still active).
    async fn delete_bucket(&mut self) -> Result<bool> {
        self.emit(TeardownPhase::DeletingBucket);
        match self.client.delete_bucket().bucket(self.bucket).send().await {
            Ok(_) => Ok(true),
            Err(err) => {
                let failure = failure("DeleteBucket", self.bucket, err);
                match failure.code.as_deref() {
                    Some("NoSuchBucket") => Ok(true),
                    Some("BucketNotEmpty") => Ok(false),
                    _ => Err(failure.error),
                }
            }
        }
    }
}

/// See [`ExchangeBuckets::teardown`](super::ExchangeBuckets::teardown).
pub(crate) async fn teardown(
    client: &Client,
    spec: &ExchangeBucketSpec,
    options: &TeardownOptions,
    progress: &(dyn Fn(TeardownProgress) + Send + Sync),
) -> Result<TeardownReport> {
    if !(1..=MAX_BATCH).contains(&options.batch_size) {
        return Err(Error::invalid_input(format!("batchSize: must be between 1 and {MAX_BATCH}")));
    }
    let bucket: BucketName = spec.bucket_name()?;
    let name = bucket.as_str();
    let mut run = Run {
        client,
        bucket: name,
        batch: i32::from(options.batch_size),
        progress,
        report: TeardownReport {
            bucket: name.to_owned(),
            existed: true,
            uploads_aborted: 0,
            objects_deleted: 0,
            deleted: false,
        },
    };
    run.emit(TeardownPhase::Checking);

    if let Err(err) = client.head_bucket().bucket(name).send().await {
        let failure = failure("HeadBucket", name, err);
        if failure.error.kind() == ErrorKind::NotFound {
            run.report.existed = false;
            run.report.deleted = true;
            run.emit(TeardownPhase::Done);
            return Ok(run.report);
        }
        return Err(failure.error);
    }

    let tags =
        optional(client.get_bucket_tagging().bucket(name).send().await, "GetBucketTagging", name, &["NoSuchTagSet"])?;
    let tag = |key: &str| {
        tags.as_ref().and_then(|t| t.tag_set().iter().find(|tag| tag.key() == key).map(|tag| tag.value().to_owned()))
    };
    if !options.force {
        if tag(MANAGED_BY_TAG).as_deref() != Some(MANAGED_BY_VALUE) {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "refusing to tear down bucket {name}: it is not tagged {MANAGED_BY_TAG}={MANAGED_BY_VALUE}, so \
                     trino-platform did not create it; force the teardown if it really must go"
                ),
            ));
        }
        if tag(WORKSPACE_TAG).as_deref() != Some(spec.workspace.as_str()) {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "refusing to tear down bucket {name}: it belongs to workspace {:?}, not {}; force the teardown \
                     if it really must go",
                    tag(WORKSPACE_TAG).unwrap_or_default(),
                    spec.workspace
                ),
            ));
        }
    }

    let policy = optional(
        client.get_bucket_policy().bucket(name).send().await,
        "GetBucketPolicy",
        name,
        &["NoSuchBucketPolicy"],
    )?;
    if policy.is_some_and(|p| p.policy().is_some()) {
        run.emit(TeardownPhase::RemovingPolicy);
        client
            .delete_bucket_policy()
            .bucket(name)
            .send()
            .await
            .map_err(|e| failure("DeleteBucketPolicy", name, e).error)?;
    }

    for round in 1..=MAX_ROUNDS {
        run.emit(TeardownPhase::AbortingUploads);
        run.abort_uploads().await?;
        run.emit(TeardownPhase::DeletingObjects);
        run.delete_objects().await?;
        if run.delete_bucket().await? {
            run.report.deleted = true;
            tracing::info!(bucket = name, objects = run.report.objects_deleted, "exchange bucket deleted");
            run.emit(TeardownPhase::Done);
            return Ok(run.report);
        }
        tracing::warn!(bucket = name, round, "exchange bucket not empty after purging; is a writer still active?");
    }
    Err(Error::new(
        ErrorKind::Conflict,
        format!(
            "bucket {name} keeps receiving objects after {MAX_ROUNDS} rounds of purging; stop the Trino clusters that \
             write to it and rerun teardown"
        ),
    ))
}
