//! The S3 exchange bucket of a workspace: the bucket Trino's fault-tolerant execution spills
//! exchange data to, from creation to deletion, and the Trino configuration that uses it.
//!
//! | file | concern |
//! |---|---|
//! | `spec.rs` | [`ExchangeBucketSpec`] and its validated parts |
//! | `naming.rs` | [`Workspace`], [`BucketName`] and how a name is derived |
//! | `client.rs` | the S3 client (rustls + ring), retries, error kinds |
//! | `state.rs` | reading a bucket's configuration ([`BucketState`]) |
//! | `plan.rs` | the diff between state and spec ([`ExchangePlan`]) |
//! | `ensure.rs` | applying the diff ([`EnsureReport`]) |
//! | `describe.rs` | state plus drift ([`ExchangeDescription`]) |
//! | `teardown.rs` | emptying and deleting the bucket ([`TeardownReport`]) |
//! | `policy.rs` | the bucket policy and the Trino role's IAM policy |
//! | `trino.rs` | `exchange-manager.properties` and the FTE part of `config.properties` |
//!
//! Every operation follows the same steps: read the bucket's state, diff it against the spec
//! (pure), apply only what differs, report. Rendering needs no network:
//!
//! ```
//! use trino_platform::exchange::{ExchangeBucketSpec, bucket_policy, exchange_manager_properties};
//!
//! let spec = ExchangeBucketSpec::from_yaml("workspace: acme\nregion: eu-central-1\n")?;
//! let props = exchange_manager_properties(&spec)?.to_java_properties();
//! assert!(props.contains("exchange.base-directories=s3://trino-exchange-acme\n"));
//! let policy = bucket_policy(&spec)?.expect("TLS is required by default");
//! assert_eq!(policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"], "false");
//! # Ok::<(), trino_platform::Error>(())
//! ```
//!
//! Provisioning talks to S3:
//!
//! ```no_run
//! use trino_platform::exchange::{EnsureOptions, ExchangeBucketSpec, ExchangeBuckets, TeardownOptions};
//!
//! # async fn demo() -> trino_platform::Result<()> {
//! let spec = ExchangeBucketSpec::load("exchange.yaml".as_ref())?;
//! let buckets = ExchangeBuckets::connect(spec).await?;
//! let plan = buckets.plan().await?;
//! println!("{} changes", plan.changes.len());
//! let report = buckets.ensure(&EnsureOptions::default()).await?;
//! assert!(!buckets.ensure(&EnsureOptions::default()).await?.changed()); // idempotent
//! buckets.teardown(&TeardownOptions::default(), &|p| println!("{:?}: {}", p.phase, p.objects_deleted)).await?;
//! # let _ = report; Ok(()) }
//! ```

mod client;
mod describe;
mod ensure;
mod naming;
mod plan;
mod policy;
mod spec;
mod state;
mod teardown;
mod trino;

pub use client::ClientOptions;
pub use describe::ExchangeDescription;
pub use ensure::{EnsureOptions, EnsureReport};
pub use naming::{BucketName, BucketPrefix, Workspace};
pub use plan::{Change, ChangeAction, ExchangePlan, OBJECT_OWNERSHIP, Ownership, Setting, diff};
pub use policy::{DENY_INSECURE_TRANSPORT_SID, bucket_policy, trino_iam_policy};
pub use spec::{
    Encryption, ExchangeBucketSpec, KmsKeyId, LIFECYCLE_RULE_ID, Lifecycle, MANAGED_BY_TAG, MANAGED_BY_VALUE, Region,
    RoleArn, S3Credentials, S3Endpoint, WORKSPACE_TAG,
};
pub use state::{BucketState, EncryptionState, LifecycleRuleState, PublicAccessBlockState};
pub use teardown::{TeardownOptions, TeardownPhase, TeardownProgress, TeardownReport};
pub use trino::{
    RetryPolicy, TrinoExchangeConfig, TrinoS3Credentials, exchange_manager_properties,
    fault_tolerant_execution_properties,
};

use crate::error::Result;

/// The exchange bucket of one spec, with an S3 client for it.
///
/// Every method is safe to rerun: `ensure` converges from any state (including one a failed
/// run left), `teardown` finishes what a failed teardown started. Transient S3 errors
/// (throttling, 5xx, timeouts, broken connections) are retried with backoff inside each call
/// (see [`ClientOptions`]); what is left is an [`Error`](crate::Error) whose kind says what to do
/// (`Unavailable`/`Timeout`: rerun; `Forbidden`/`AlreadyExists`: the bucket is someone else's).
#[derive(Debug, Clone)]
pub struct ExchangeBuckets {
    spec: ExchangeBucketSpec,
    bucket: BucketName,
    client: aws_sdk_s3::Client,
}

impl ExchangeBuckets {
    /// Validates `spec` and builds its S3 client with the default [`ClientOptions`]. Makes no
    /// request. Fails with `InvalidInput` naming the field when the spec is invalid.
    pub async fn connect(spec: ExchangeBucketSpec) -> Result<Self> {
        Self::connect_with(spec, ClientOptions::default()).await
    }

    /// [`connect`](Self::connect) with explicit retry and timeout options.
    pub async fn connect_with(spec: ExchangeBucketSpec, options: ClientOptions) -> Result<Self> {
        spec.validate()?;
        let bucket = spec.bucket_name()?;
        let client = client::build(&spec, &options).await?;
        Ok(Self { spec, bucket, client })
    }

    /// The spec.
    pub fn spec(&self) -> &ExchangeBucketSpec {
        &self.spec
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &BucketName {
        &self.bucket
    }

    /// Reads the bucket and lists what [`ensure`](Self::ensure) would change, without changing
    /// anything. Fails with `Forbidden` when the bucket exists but this identity may not use it
    /// (another account's), `Conflict` when it exists in another region, or the kind of the S3
    /// failure.
    pub async fn plan(&self) -> Result<ExchangePlan> {
        let current = state::read(&self.client, &self.bucket).await?;
        diff(&self.spec, &current)
    }

    /// Creates the bucket if needed and converges every setting that differs from the spec, in
    /// the order of [`Setting`] (tags first). A bucket that matches gets no write call.
    ///
    /// Fails like [`plan`](Self::plan), and with `AlreadyExists` when the name is taken by
    /// another account or the bucket is tagged by someone else (unless
    /// [`EnsureOptions::adopt`]), `Conflict` when it is managed for another workspace (unless
    /// adopt), or the kind of the S3 failure; rerunning after a failure continues where it
    /// stopped.
    pub async fn ensure(&self, options: &EnsureOptions) -> Result<EnsureReport> {
        ensure::ensure(&self.client, &self.spec, options).await
    }

    /// The bucket's configuration as S3 reports it, and its drift from the spec. Fails with
    /// `Forbidden` when the bucket exists but this identity may not use it.
    pub async fn describe(&self) -> Result<ExchangeDescription> {
        describe::describe(&self.client, &self.spec).await
    }

    /// Deletes the bucket and everything in it: removes the bucket policy, aborts incomplete
    /// multipart uploads, deletes every object version and delete marker in batches, then the
    /// bucket, calling `progress` at each step and after each batch. A bucket that does not
    /// exist is not an error ([`TeardownReport::existed`] is `false`).
    ///
    /// Fails with `Conflict` when the bucket is not tagged `managed-by=trino-platform` for this
    /// workspace (unless [`TeardownOptions::force`]) or keeps receiving objects, `InvalidInput`
    /// for a bad batch size, or the kind of the S3 failure; rerunning finishes the job.
    pub async fn teardown(
        &self,
        options: &TeardownOptions,
        progress: &(dyn Fn(TeardownProgress) + Send + Sync),
    ) -> Result<TeardownReport> {
        teardown::teardown(&self.client, &self.spec, options, progress).await
    }
}
