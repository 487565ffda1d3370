//! The S3 exchange bucket of a workspace (Trino fault-tolerant execution): the
//! `ExchangeBuckets` class, one Promise-returning method per core operation.
//!
//! | file | what it holds |
//! |---|---|
//! | `spec.rs` | the `ExchangeBucketSpec` class, its plain-object form, Trino's files and the policies |
//! | `report.rs` | the objects the Promises resolve with: plan, ensure report, description, teardown |
//!
//! Teardown progress goes to its JavaScript callback through `crate::progress`.

mod report;
mod spec;

use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use trino_platform::Result;
use trino_platform::exchange::{self, ClientOptions, EnsureOptions};

use crate::error::settle;
use crate::progress::{Progress, ProgressCallback};
use crate::route::{MAX_SAFE_INTEGER, whole};
use report::{EnsureReport, ExchangeDescription, ExchangePlan, TeardownProgress, TeardownReport};
pub(crate) use spec::ExchangeBucketSpec;

/// How the S3 client retries and times out; every field is optional, and the defaults suit
/// AWS S3. Throttling, 5xx answers, timeouts and broken connections are retried with jittered
/// exponential backoff.
#[napi(object)]
pub struct ExchangeClientOptions {
    /// Attempts per request, the first included (default 8; at least 1).
    pub max_attempts: Option<f64>,
    /// First backoff in milliseconds (default 200); it doubles per retry up to `maxBackoffMs`.
    pub initial_backoff_ms: Option<f64>,
    /// Longest backoff between two attempts, in milliseconds (default 20000).
    pub max_backoff_ms: Option<f64>,
    /// Time to establish a connection, in milliseconds (default 5000).
    pub connect_timeout_ms: Option<f64>,
    /// Time for one attempt of a request, response included, in milliseconds (default 60000).
    pub attempt_timeout_ms: Option<f64>,
}

impl ExchangeClientOptions {
    /// The core options, defaults for what is absent; `InvalidInput` for a count or duration
    /// that is no whole number ≥ 0.
    fn into_core(self) -> Result<ClientOptions> {
        let defaults = ClientOptions::default();
        let ms = |value: Option<f64>, default: Duration, what: &str| -> Result<Duration> {
            value.map_or(Ok(default), |v| Ok(Duration::from_millis(whole(v, MAX_SAFE_INTEGER, || what.into())?)))
        };
        Ok(ClientOptions {
            max_attempts: match self.max_attempts {
                None => defaults.max_attempts,
                Some(n) => u32::try_from(whole(n, u32::MAX.into(), || "maxAttempts".into())?).unwrap_or(u32::MAX),
            },
            initial_backoff: ms(self.initial_backoff_ms, defaults.initial_backoff, "initialBackoffMs")?,
            max_backoff: ms(self.max_backoff_ms, defaults.max_backoff, "maxBackoffMs")?,
            connect_timeout: ms(self.connect_timeout_ms, defaults.connect_timeout, "connectTimeoutMs")?,
            attempt_timeout: ms(self.attempt_timeout_ms, defaults.attempt_timeout, "attemptTimeoutMs")?,
        })
    }
}

/// Options of `ExchangeBuckets.ensure`.
#[napi(object)]
pub struct ExchangeEnsureOptions {
    /// Take over an existing bucket that is tagged by someone else or managed for another
    /// workspace (default `false`: such a bucket is refused).
    pub adopt: Option<bool>,
}

/// Options of `ExchangeBuckets.teardown`.
#[napi(object, object_to_js = false)]
pub struct ExchangeTeardownOptions {
    /// Delete the bucket even when it is not tagged `managed-by=trino-platform` for this
    /// workspace (default `false`).
    pub force: Option<bool>,
    /// Keys per delete request, 1 to 1000 (default 1000).
    pub batch_size: Option<f64>,
    /// Called with the progress at each phase and after each batch, on the JavaScript thread,
    /// while the teardown goes on (it does not wait for the callback). Every call happens
    /// before the Promise settles. Its return value is ignored; an exception it throws does
    /// not stop the teardown: it is emitted as a process warning named `TrinoPlatformWarning`,
    /// whose `cause` is the thrown value.
    #[napi(ts_type = "(progress: TeardownProgress) => void")]
    pub on_progress: Option<ProgressCallback<TeardownProgress>>,
}

/// The exchange bucket of one spec, with an S3 client for it: plan, ensure, describe and tear
/// down the bucket Trino's fault-tolerant execution spills exchange data to. Connect with
/// `ExchangeBuckets.connect(spec)`.
///
/// Every method is safe to rerun: `ensure` converges from any state (including one a failed
/// run left), `teardown` finishes what a failed teardown started. Transient S3 errors
/// (throttling, 5xx, timeouts, broken connections) are retried inside each call; a rejection
/// is an `Error` whose `code` says what to do: `'Unavailable'` / `'Timeout'`: rerun;
/// `'Forbidden'` / `'AlreadyExists'`: the bucket is someone else's; `'Conflict'`: the bucket is
/// managed for another workspace, lives in another region, or is not trino-platform's to
/// delete. Messages never hold a secret.
#[napi]
pub struct ExchangeBuckets {
    inner: exchange::ExchangeBuckets,
}

#[napi]
impl ExchangeBuckets {
    /// Builds the S3 client for `spec` (its credentials, else the AWS default chain: environment,
    /// profile, web identity, container and instance metadata) and resolves with the buckets
    /// object. Makes no request. Rejects with `InvalidInput` for bad `options`.
    #[napi]
    pub fn connect<'env>(
        env: &'env Env,
        spec: &ExchangeBucketSpec,
        options: Option<ExchangeClientOptions>,
    ) -> napi::Result<PromiseRaw<'env, ExchangeBuckets>> {
        let spec = spec.inner.clone();
        settle(env, async move {
            let options = options.map(ExchangeClientOptions::into_core).transpose()?.unwrap_or_default();
            Ok(ExchangeBuckets { inner: exchange::ExchangeBuckets::connect_with(spec, options).await? })
        })
    }

    /// The spec (a copy).
    #[napi(getter)]
    pub fn spec(&self) -> ExchangeBucketSpec {
        ExchangeBucketSpec { inner: self.inner.spec().clone() }
    }

    /// The bucket's name.
    #[napi(getter)]
    pub fn bucket(&self) -> String {
        self.inner.bucket().to_string()
    }

    /// Reads the bucket and resolves with what `ensure` would change, changing nothing.
    ///
    /// Rejects with `Forbidden` when the bucket exists but this identity may not use it
    /// (another account's), `Conflict` when it exists in another region, or the kind of the S3
    /// failure.
    #[napi]
    pub fn plan<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ExchangePlan>> {
        let buckets = self.inner.clone();
        settle(env, async move { Ok(buckets.plan().await?.into()) })
    }

    /// Creates the bucket if needed and converges every setting that differs from the spec,
    /// tags first; resolves with what it did. A bucket that matches gets no write at all.
    ///
    /// Rejects like `plan`, and with `AlreadyExists` when the name is taken by another account
    /// or the bucket is tagged by someone else, `Conflict` when it is managed for another
    /// workspace (`adopt` lifts both), or the kind of the S3 failure; rerunning after a
    /// failure continues where it stopped.
    #[napi]
    pub fn ensure<'env>(
        &self,
        env: &'env Env,
        options: Option<ExchangeEnsureOptions>,
    ) -> napi::Result<PromiseRaw<'env, EnsureReport>> {
        let buckets = self.inner.clone();
        let options = EnsureOptions { adopt: options.and_then(|o| o.adopt).unwrap_or(false) };
        settle(env, async move { Ok(buckets.ensure(&options).await?.into()) })
    }

    /// Resolves with the bucket's configuration as S3 reports it and its drift from the spec.
    /// Rejects with `Forbidden` when the bucket exists but this identity may not use it.
    #[napi]
    pub fn describe<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ExchangeDescription>> {
        let buckets = self.inner.clone();
        settle(env, async move { Ok(buckets.describe().await?.into()) })
    }

    /// Deletes the bucket and everything in it: removes the bucket policy, aborts incomplete
    /// multipart uploads, deletes every object version and delete marker in batches, then the
    /// bucket, reporting progress to `onProgress`. A bucket that does not exist is not an error
    /// (`existed: false`).
    ///
    /// Rejects with `Conflict` when the bucket is not tagged `managed-by=trino-platform` for
    /// this workspace (unless `force`) or keeps receiving objects, `InvalidInput` for a bad
    /// `batchSize`, or the kind of the S3 failure; rerunning finishes the job.
    #[napi]
    pub fn teardown<'env>(
        &self,
        env: &'env Env,
        options: Option<ExchangeTeardownOptions>,
    ) -> napi::Result<PromiseRaw<'env, TeardownReport>> {
        let buckets = self.inner.clone();
        let ExchangeTeardownOptions { force, batch_size, on_progress } =
            options.unwrap_or(ExchangeTeardownOptions { force: None, batch_size: None, on_progress: None });
        let progress = Progress::new(on_progress, "ExchangeBuckets.teardown");
        settle(env, async move {
            let defaults = exchange::TeardownOptions::default();
            let options = exchange::TeardownOptions {
                force: force.unwrap_or(defaults.force),
                batch_size: match batch_size {
                    None => defaults.batch_size,
                    // Out of range for u16 is out of range for the core too: it says so.
                    Some(n) => u16::try_from(whole(n, MAX_SAFE_INTEGER, || "batchSize".into())?).unwrap_or(u16::MAX),
                },
            };
            let outcome = buckets.teardown(&options, &|p| progress.report(p.into())).await;
            progress.delivered().await;
            Ok(outcome?.into())
        })
    }
}
