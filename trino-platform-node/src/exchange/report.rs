//! What the `ExchangeBuckets` Promises resolve with (plan, ensure report, description, teardown
//! report and progress) as plain objects, converted from the core's types field by field.

use std::collections::BTreeMap;

use napi_derive::napi;
use trino_platform::exchange;

/// A bucket setting trino-platform manages, in the order `ensure` applies them.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeSetting {
    /// The bucket itself.
    Bucket,
    /// Tags (`managed-by`, `workspace` and the spec's), applied first so that an interrupted
    /// `ensure` leaves a bucket that is recognisably managed.
    Tags,
    /// Public access block, all four switches on.
    PublicAccessBlock,
    /// Object ownership `BucketOwnerEnforced` (ACLs disabled).
    OwnershipControls,
    /// Default encryption.
    Encryption,
    /// The lifecycle rule.
    Lifecycle,
    /// The bucket policy.
    Policy,
}

impl From<exchange::Setting> for ExchangeSetting {
    fn from(setting: exchange::Setting) -> Self {
        use exchange::Setting as S;
        match setting {
            S::Bucket => Self::Bucket,
            S::Tags => Self::Tags,
            S::PublicAccessBlock => Self::PublicAccessBlock,
            S::OwnershipControls => Self::OwnershipControls,
            S::Encryption => Self::Encryption,
            S::Lifecycle => Self::Lifecycle,
            S::Policy => Self::Policy,
        }
    }
}

/// Whether a change adds a missing setting, replaces one that differs or removes one.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// The setting is not there yet.
    Create,
    /// The setting is there with other values.
    Update,
    /// The setting is there and the spec wants none (only the bucket policy, with
    /// `requireTls: false` and no principals).
    Delete,
}

impl From<exchange::ChangeAction> for ChangeAction {
    fn from(action: exchange::ChangeAction) -> Self {
        match action {
            exchange::ChangeAction::Create => Self::Create,
            exchange::ChangeAction::Update => Self::Update,
            exchange::ChangeAction::Delete => Self::Delete,
        }
    }
}

/// One difference between the bucket and its spec.
#[napi(object)]
pub struct ExchangeChange {
    /// What differs.
    pub setting: ExchangeSetting,
    /// Create, update or delete.
    pub action: ChangeAction,
    /// For people: what is there and what will be.
    pub detail: String,
}

impl From<exchange::Change> for ExchangeChange {
    fn from(change: exchange::Change) -> Self {
        let exchange::Change { setting, action, detail } = change;
        Self { setting: setting.into(), action: action.into(), detail }
    }
}

fn changes(changes: Vec<exchange::Change>) -> Vec<ExchangeChange> {
    changes.into_iter().map(ExchangeChange::from).collect()
}

/// Who an existing bucket belongs to, as far as its tags tell.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketOwnership {
    /// The bucket does not exist.
    Absent,
    /// Tagged `managed-by=trino-platform` for this workspace.
    Managed,
    /// No tags at all: what an `ensure` interrupted right after creating the bucket leaves;
    /// `ensure` adopts it.
    Untagged,
    /// Tagged, but not `managed-by=trino-platform`: someone else's; `ensure` refuses it unless
    /// told to `adopt` it.
    Unmanaged,
    /// Managed by trino-platform for another workspace; `ensure` refuses it unless told to
    /// `adopt` it.
    OtherWorkspace,
}

impl From<exchange::Ownership> for BucketOwnership {
    fn from(ownership: exchange::Ownership) -> Self {
        use exchange::Ownership as O;
        match ownership {
            O::Absent => Self::Absent,
            O::Managed => Self::Managed,
            O::Untagged => Self::Untagged,
            O::Unmanaged => Self::Unmanaged,
            O::OtherWorkspace => Self::OtherWorkspace,
        }
    }
}

/// What `ensure` would change; `ExchangeBuckets.plan()` resolves with it.
#[napi(object)]
pub struct ExchangePlan {
    /// The bucket name.
    pub bucket: String,
    /// The region it is (or will be) in.
    pub region: String,
    /// Who the bucket belongs to now.
    pub ownership: BucketOwnership,
    /// The differences, in the order `ensure` applies them; empty when the bucket matches.
    pub changes: Vec<ExchangeChange>,
    /// What in the spec will work against its intent (a plain-HTTP endpoint with `requireTls`
    /// on), for people. It does not stop `ensure`.
    pub warnings: Vec<String>,
}

impl From<exchange::ExchangePlan> for ExchangePlan {
    fn from(plan: exchange::ExchangePlan) -> Self {
        let exchange::ExchangePlan { bucket, region, ownership, changes: planned, warnings } = plan;
        Self { bucket, region, ownership: ownership.into(), changes: changes(planned), warnings }
    }
}

/// What `ensure` did.
#[napi(object)]
pub struct EnsureReport {
    /// The bucket name.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// Whether this run created the bucket.
    pub created: bool,
    /// The changes made, in order; empty when the bucket already matched its spec.
    pub applied: Vec<ExchangeChange>,
}

impl From<exchange::EnsureReport> for EnsureReport {
    fn from(report: exchange::EnsureReport) -> Self {
        let exchange::EnsureReport { bucket, region, created, applied } = report;
        Self { bucket, region, created, applied: changes(applied) }
    }
}

/// A bucket's default encryption, as S3 reports it.
#[napi(object)]
pub struct EncryptionState {
    /// `AES256` (SSE-S3) or `aws:kms` (SSE-KMS).
    pub algorithm: String,
    /// The KMS key, with SSE-KMS.
    pub kms_key_id: Option<String>,
    /// Whether S3 Bucket Keys are on.
    pub bucket_key_enabled: bool,
}

/// The four switches of a bucket's public access block.
#[napi(object)]
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

/// One lifecycle rule of a bucket, reduced to what trino-platform sets.
#[napi(object)]
pub struct LifecycleRuleState {
    /// The rule id.
    pub id: Option<String>,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The key prefix it applies to (`''` for every object); absent when it filters otherwise
    /// (tags, sizes).
    pub prefix: Option<String>,
    /// Days after which current objects expire.
    pub expiration_days: Option<i32>,
    /// Days after which incomplete multipart uploads are aborted.
    pub abort_incomplete_upload_days: Option<i32>,
    /// Whether the rule does anything else (transitions, noncurrent-version actions, a date).
    pub other_actions: bool,
}

/// Every setting of a bucket trino-platform manages, as S3 reports it; a setting the bucket
/// does not have is absent.
#[napi(object)]
pub struct BucketState {
    /// The bucket name.
    pub bucket: String,
    /// Whether the bucket exists (when not, the other fields are empty).
    pub exists: bool,
    /// The region it is in.
    pub region: Option<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// Default encryption.
    pub encryption: Option<EncryptionState>,
    /// Public access block.
    pub public_access_block: Option<PublicAccessBlockState>,
    /// Object ownership (`BucketOwnerEnforced`, …).
    pub object_ownership: Option<String>,
    /// Lifecycle rules.
    pub lifecycle_rules: Vec<LifecycleRuleState>,
    /// The bucket policy, as its owner wrote it (the parsed JSON document).
    #[napi(ts_type = "Record<string, unknown>")]
    pub policy: Option<serde_json::Value>,
}

impl From<exchange::BucketState> for BucketState {
    fn from(state: exchange::BucketState) -> Self {
        let exchange::BucketState {
            bucket,
            exists,
            region,
            tags,
            encryption,
            public_access_block,
            object_ownership,
            lifecycle_rules,
            policy,
        } = state;
        Self {
            bucket,
            exists,
            region,
            tags,
            encryption: encryption.map(|e| {
                let exchange::EncryptionState { algorithm, kms_key_id, bucket_key_enabled } = e;
                EncryptionState { algorithm, kms_key_id, bucket_key_enabled }
            }),
            public_access_block: public_access_block.map(|p| {
                let exchange::PublicAccessBlockState {
                    block_public_acls,
                    ignore_public_acls,
                    block_public_policy,
                    restrict_public_buckets,
                } = p;
                PublicAccessBlockState {
                    block_public_acls,
                    ignore_public_acls,
                    block_public_policy,
                    restrict_public_buckets,
                }
            }),
            object_ownership,
            lifecycle_rules: lifecycle_rules
                .into_iter()
                .map(|rule| {
                    let exchange::LifecycleRuleState {
                        id,
                        enabled,
                        prefix,
                        expiration_days,
                        abort_incomplete_upload_days,
                        other_actions,
                    } = rule;
                    LifecycleRuleState {
                        id,
                        enabled,
                        prefix,
                        expiration_days,
                        abort_incomplete_upload_days,
                        other_actions,
                    }
                })
                .collect(),
            policy,
        }
    }
}

/// A bucket's configuration and its drift from the spec; `ExchangeBuckets.describe()`
/// resolves with it.
#[napi(object)]
pub struct ExchangeDescription {
    /// Every setting as S3 reports it.
    pub state: BucketState,
    /// Who the bucket belongs to, as far as its tags tell.
    pub ownership: BucketOwnership,
    /// Whether the bucket exists and matches the spec.
    pub in_sync: bool,
    /// What `ensure` would change (everything when the bucket does not exist).
    pub drift: Vec<ExchangeChange>,
    /// What keeps `ensure` from converging this bucket (another region, someone else's
    /// bucket), for people.
    pub problems: Vec<String>,
    /// What in the spec works against its intent (as `ExchangePlan.warnings`).
    pub warnings: Vec<String>,
}

impl From<exchange::ExchangeDescription> for ExchangeDescription {
    fn from(description: exchange::ExchangeDescription) -> Self {
        let exchange::ExchangeDescription { state, ownership, in_sync, drift, problems, warnings } = description;
        Self { state: state.into(), ownership: ownership.into(), in_sync, drift: changes(drift), problems, warnings }
    }
}

/// The step a teardown is in.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl From<exchange::TeardownPhase> for TeardownPhase {
    fn from(phase: exchange::TeardownPhase) -> Self {
        use exchange::TeardownPhase as P;
        match phase {
            P::Checking => Self::Checking,
            P::RemovingPolicy => Self::RemovingPolicy,
            P::AbortingUploads => Self::AbortingUploads,
            P::DeletingObjects => Self::DeletingObjects,
            P::DeletingBucket => Self::DeletingBucket,
            P::Done => Self::Done,
        }
    }
}

/// A teardown's progress, reported at each phase and after each batch.
#[napi(object)]
pub struct TeardownProgress {
    /// The bucket.
    pub bucket: String,
    /// The current step.
    pub phase: TeardownPhase,
    /// Multipart uploads aborted so far.
    pub uploads_aborted: f64,
    /// Object versions and delete markers deleted so far.
    pub objects_deleted: f64,
}

impl From<exchange::TeardownProgress> for TeardownProgress {
    fn from(progress: exchange::TeardownProgress) -> Self {
        let exchange::TeardownProgress { bucket, phase, uploads_aborted, objects_deleted } = progress;
        Self {
            bucket,
            phase: phase.into(),
            uploads_aborted: uploads_aborted as f64,
            objects_deleted: objects_deleted as f64,
        }
    }
}

/// What a teardown did; `ExchangeBuckets.teardown()` resolves with it.
#[napi(object)]
pub struct TeardownReport {
    /// The bucket.
    pub bucket: String,
    /// Whether the bucket existed when the teardown started (`false`: nothing to do).
    pub existed: bool,
    /// Multipart uploads aborted.
    pub uploads_aborted: f64,
    /// Object versions and delete markers deleted.
    pub objects_deleted: f64,
    /// Whether the bucket is gone now.
    pub deleted: bool,
}

impl From<exchange::TeardownReport> for TeardownReport {
    fn from(report: exchange::TeardownReport) -> Self {
        let exchange::TeardownReport { bucket, existed, uploads_aborted, objects_deleted, deleted } = report;
        Self {
            bucket,
            existed,
            uploads_aborted: uploads_aborted as f64,
            objects_deleted: objects_deleted as f64,
            deleted,
        }
    }
}
