//! Plan: the differences between a bucket's current state and what its spec asks for. The diff
//! is pure ([`diff`]); only reading the state needs S3.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::policy::{bucket_policy, policies_equal};
use super::spec::{Encryption, ExchangeBucketSpec, LIFECYCLE_RULE_ID, MANAGED_BY_TAG, WORKSPACE_TAG};
use super::state::{BucketState, EncryptionState, LifecycleRuleState, PublicAccessBlockState};
use crate::error::{Error, ErrorKind, Result};

/// The object ownership setting every exchange bucket gets (ACLs disabled).
pub const OBJECT_OWNERSHIP: &str = "BucketOwnerEnforced";

/// A bucket setting trino-platform manages, in the order `ensure` applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Setting {
    /// The bucket itself.
    Bucket,
    /// Tags (`managed-by`, `workspace` and the spec's), applied first so that an interrupted
    /// `ensure` leaves a bucket that is recognisably managed.
    Tags,
    /// Public access block, all four switches on.
    PublicAccessBlock,
    /// Object ownership `BucketOwnerEnforced`.
    OwnershipControls,
    /// Default encryption.
    Encryption,
    /// The lifecycle rule.
    Lifecycle,
    /// The bucket policy.
    Policy,
}

/// Whether a change adds a setting that is missing or replaces one that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeAction {
    /// The setting is not there yet.
    Create,
    /// The setting is there with other values.
    Update,
    /// The setting is there and the spec wants none (only the bucket policy, with
    /// `requireTls: false` and no principals).
    Delete,
}

/// One difference between the bucket and its spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// What differs.
    pub setting: Setting,
    /// Create or update.
    pub action: ChangeAction,
    /// For people: what is there and what will be.
    pub detail: String,
}

/// Who the existing bucket belongs to, as far as its tags tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Ownership {
    /// The bucket does not exist.
    Absent,
    /// Tagged `managed-by=trino-platform` for this workspace.
    Managed,
    /// No tags at all: what an `ensure` interrupted right after creating the bucket leaves;
    /// `ensure` adopts it.
    Untagged,
    /// Tagged, but not `managed-by=trino-platform`: someone else's; `ensure` refuses it unless
    /// told to adopt it.
    Unmanaged,
    /// Managed by trino-platform for another workspace; `ensure` refuses it unless told to
    /// adopt it.
    OtherWorkspace,
}

/// What `ensure` would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangePlan {
    /// The bucket name.
    pub bucket: String,
    /// The region it is (or will be) in.
    pub region: String,
    /// Who the bucket belongs to now.
    pub ownership: Ownership,
    /// The differences, in the order `ensure` applies them; empty when the bucket matches.
    pub changes: Vec<Change>,
    /// Things that will work against the spec's intent, for people (for example a plain-HTTP
    /// endpoint with `requireTls` on). They do not stop `ensure`.
    pub warnings: Vec<String>,
}

impl ExchangePlan {
    /// Whether the bucket already matches its spec.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Fails unless `ensure` may change this bucket: `AlreadyExists` for a bucket tagged by
    /// someone else, `Conflict` for one managed for another workspace (`adopt` lifts both).
    pub fn check_ownership(&self, adopt: bool) -> Result<()> {
        match self.ownership {
            Ownership::Unmanaged if !adopt => Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "bucket {} exists and is not tagged {MANAGED_BY_TAG}=trino-platform; choose another bucket name, \
                     or adopt it explicitly to manage it",
                    self.bucket
                ),
            )),
            Ownership::OtherWorkspace if !adopt => Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "bucket {} is managed by trino-platform for another workspace (tag {WORKSPACE_TAG}); choose another \
                     bucket name, or adopt it explicitly",
                    self.bucket
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// The encryption setting the spec asks for.
pub(crate) fn desired_encryption(spec: &ExchangeBucketSpec) -> EncryptionState {
    match &spec.encryption {
        Encryption::SseS3 => {
            EncryptionState { algorithm: "AES256".to_owned(), kms_key_id: None, bucket_key_enabled: false }
        }
        Encryption::SseKms { kms_key_id } => EncryptionState {
            algorithm: "aws:kms".to_owned(),
            kms_key_id: Some(kms_key_id.to_string()),
            bucket_key_enabled: true,
        },
    }
}

/// The one lifecycle rule the spec asks for.
pub(crate) fn desired_lifecycle_rule(spec: &ExchangeBucketSpec) -> LifecycleRuleState {
    LifecycleRuleState {
        id: Some(LIFECYCLE_RULE_ID.to_owned()),
        enabled: true,
        prefix: Some(String::new()),
        expiration_days: Some(i32::try_from(spec.lifecycle.expire_after_days).unwrap_or(i32::MAX)),
        abort_incomplete_upload_days: Some(
            i32::try_from(spec.lifecycle.abort_incomplete_uploads_after_days).unwrap_or(i32::MAX),
        ),
        other_actions: false,
    }
}

fn encryption_matches(current: &EncryptionState, desired: &EncryptionState) -> bool {
    match desired.algorithm.as_str() {
        // SSE-S3 has no key, and Bucket Keys do not apply to it.
        "AES256" => current.algorithm == "AES256",
        _ => current == desired,
    }
}

fn describe_encryption(e: &EncryptionState) -> String {
    match &e.kms_key_id {
        Some(key) => {
            format!("{} with key {key}{}", e.algorithm, if e.bucket_key_enabled { " and bucket keys" } else { "" })
        }
        None => e.algorithm.clone(),
    }
}

fn describe_rule(r: &LifecycleRuleState) -> String {
    format!(
        "{} ({}, prefix {:?}, expire after {} days, abort uploads after {} days{})",
        r.id.as_deref().unwrap_or("<no id>"),
        if r.enabled { "enabled" } else { "disabled" },
        r.prefix.as_deref().unwrap_or("<filter>"),
        r.expiration_days.map_or("-".to_owned(), |d| d.to_string()),
        r.abort_incomplete_upload_days.map_or("-".to_owned(), |d| d.to_string()),
        if r.other_actions { ", other actions" } else { "" },
    )
}

/// Lists what `ensure` must change to turn `current` into what `spec` asks for. Pure.
///
/// Fails with `Conflict` when the bucket exists in another region than the spec's.
pub fn diff(spec: &ExchangeBucketSpec, current: &BucketState) -> Result<ExchangePlan> {
    spec.validate()?;
    let bucket = spec.bucket_name()?.to_string();
    let region = spec.signing_region().to_owned();
    let mut changes = Vec::new();
    let create = |setting, detail: String| Change { setting, action: ChangeAction::Create, detail };
    let update = |setting, detail: String| Change { setting, action: ChangeAction::Update, detail };

    let desired_tags = spec.desired_tags();
    let desired_encryption = desired_encryption(spec);
    let desired_rule = desired_lifecycle_rule(spec);
    let desired_policy = bucket_policy(spec)?;
    let warnings = warnings(spec);

    if !current.exists {
        changes.push(create(Setting::Bucket, format!("create bucket {bucket} in {region}")));
        changes.push(create(Setting::Tags, format!("tag {}", describe_tags(&desired_tags))));
        changes.push(create(Setting::PublicAccessBlock, "block all public access".to_owned()));
        changes.push(create(Setting::OwnershipControls, format!("object ownership {OBJECT_OWNERSHIP}")));
        changes.push(create(
            Setting::Encryption,
            format!("default encryption {}", describe_encryption(&desired_encryption)),
        ));
        changes.push(create(Setting::Lifecycle, format!("lifecycle rule {}", describe_rule(&desired_rule))));
        if desired_policy.is_some() {
            changes.push(create(Setting::Policy, policy_summary(spec)));
        }
        return Ok(ExchangePlan { bucket, region, ownership: Ownership::Absent, changes, warnings });
    }

    if let (Some(wanted), Some(actual)) = (&spec.region, &current.region)
        && wanted.as_str() != actual
    {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "bucket {bucket} exists in region {actual}, not {wanted}; a bucket cannot move: fix region or the name"
            ),
        ));
    }

    let ownership = if current.is_managed() {
        if current.tags.get(WORKSPACE_TAG).map(String::as_str) == Some(spec.workspace.as_str()) {
            Ownership::Managed
        } else {
            Ownership::OtherWorkspace
        }
    } else if current.tags.is_empty() {
        Ownership::Untagged
    } else {
        Ownership::Unmanaged
    };

    let missing: BTreeMap<String, String> = desired_tags
        .iter()
        .filter(|(k, v)| current.tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !missing.is_empty() {
        let action = if current.tags.is_empty() { ChangeAction::Create } else { ChangeAction::Update };
        changes.push(Change {
            setting: Setting::Tags,
            action,
            detail: format!("set tags {}", describe_tags(&missing)),
        });
    }

    match current.public_access_block {
        None => changes.push(create(Setting::PublicAccessBlock, "block all public access".to_owned())),
        Some(pab) if pab != PublicAccessBlockState::ALL_ON => {
            changes.push(update(Setting::PublicAccessBlock, format!("{pab:?} → all four switches on")))
        }
        Some(_) => {}
    }

    match current.object_ownership.as_deref() {
        None => changes.push(create(Setting::OwnershipControls, format!("object ownership {OBJECT_OWNERSHIP}"))),
        Some(OBJECT_OWNERSHIP) => {}
        Some(other) => {
            changes.push(update(Setting::OwnershipControls, format!("object ownership {other} → {OBJECT_OWNERSHIP}")))
        }
    }

    match &current.encryption {
        None => changes.push(create(
            Setting::Encryption,
            format!("default encryption {}", describe_encryption(&desired_encryption)),
        )),
        Some(e) if !encryption_matches(e, &desired_encryption) => changes.push(update(
            Setting::Encryption,
            format!("default encryption {} → {}", describe_encryption(e), describe_encryption(&desired_encryption)),
        )),
        Some(_) => {}
    }

    if current.lifecycle_rules.is_empty() {
        changes.push(create(Setting::Lifecycle, format!("lifecycle rule {}", describe_rule(&desired_rule))));
    } else if current.lifecycle_rules != [desired_rule.clone()] {
        let now: Vec<String> = current.lifecycle_rules.iter().map(describe_rule).collect();
        changes.push(update(
            Setting::Lifecycle,
            format!("lifecycle rules [{}] → [{}]", now.join("; "), describe_rule(&desired_rule)),
        ));
    }

    match (&current.policy, &desired_policy) {
        (None, None) => {}
        (None, Some(_)) => changes.push(create(Setting::Policy, policy_summary(spec))),
        (Some(_), None) => changes.push(Change {
            setting: Setting::Policy,
            action: ChangeAction::Delete,
            detail: "delete the bucket policy (requireTls is off and there are no principals)".to_owned(),
        }),
        (Some(policy), Some(desired)) if !policies_equal(policy, desired) => {
            changes.push(update(Setting::Policy, "replace the bucket policy with the spec's".to_owned()))
        }
        (Some(_), Some(_)) => {}
    }

    Ok(ExchangePlan { bucket, region, ownership, changes, warnings })
}

/// What in the spec will work against its intent.
fn warnings(spec: &ExchangeBucketSpec) -> Vec<String> {
    let plain_http = [spec.endpoint.as_ref(), spec.trino.endpoint.as_ref()]
        .into_iter()
        .flatten()
        .find(|endpoint| endpoint.is_plain_http());
    match plain_http {
        Some(endpoint) if spec.require_tls => vec![format!(
            "the bucket policy denies requests without TLS, but {endpoint} is plain HTTP: stores that evaluate \
             aws:SecureTransport (AWS S3, MinIO) will refuse every request through it; use https or set requireTls: false"
        )],
        _ => Vec::new(),
    }
}

fn policy_summary(spec: &ExchangeBucketSpec) -> String {
    match spec.principals.len() {
        0 => "bucket policy: deny requests without TLS".to_owned(),
        n => format!("bucket policy: deny requests without TLS; object access only for {n} workspace role(s)"),
    }
}

fn describe_tags(tags: &BTreeMap<String, String>) -> String {
    tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::policy::bucket_policy;

    fn spec() -> ExchangeBucketSpec {
        ExchangeBucketSpec::from_yaml("workspace: acme\nregion: us-east-1\n").unwrap()
    }

    fn converged(spec: &ExchangeBucketSpec) -> BucketState {
        BucketState {
            bucket: spec.bucket_name().unwrap().to_string(),
            exists: true,
            region: Some("us-east-1".to_owned()),
            tags: spec.desired_tags(),
            encryption: Some(desired_encryption(spec)),
            public_access_block: Some(PublicAccessBlockState::ALL_ON),
            object_ownership: Some(OBJECT_OWNERSHIP.to_owned()),
            lifecycle_rules: vec![desired_lifecycle_rule(spec)],
            policy: bucket_policy(spec).unwrap(),
        }
    }

    #[test]
    fn absent_bucket_plans_everything() {
        let s = spec();
        let plan = diff(&s, &BucketState::absent(&s.bucket_name().unwrap())).unwrap();
        assert_eq!(plan.ownership, Ownership::Absent);
        let settings: Vec<Setting> = plan.changes.iter().map(|c| c.setting).collect();
        assert_eq!(
            settings,
            [
                Setting::Bucket,
                Setting::Tags,
                Setting::PublicAccessBlock,
                Setting::OwnershipControls,
                Setting::Encryption,
                Setting::Lifecycle,
                Setting::Policy
            ]
        );
    }

    #[test]
    fn converged_bucket_plans_nothing_and_extra_tags_are_kept() {
        let s = spec();
        let mut state = converged(&s);
        state.tags.insert("cost-center".to_owned(), "42".to_owned());
        let plan = diff(&s, &state).unwrap();
        assert!(plan.is_empty(), "{plan:?}");
        assert_eq!(plan.ownership, Ownership::Managed);
    }

    #[test]
    fn drift_is_listed_per_setting() {
        let s = spec();
        let mut state = converged(&s);
        state.lifecycle_rules.clear();
        state.public_access_block =
            Some(PublicAccessBlockState { block_public_policy: false, ..PublicAccessBlockState::ALL_ON });
        state.encryption =
            Some(EncryptionState { algorithm: "aws:kms".to_owned(), kms_key_id: None, bucket_key_enabled: false });
        let plan = diff(&s, &state).unwrap();
        let got: Vec<(Setting, ChangeAction)> = plan.changes.iter().map(|c| (c.setting, c.action)).collect();
        assert_eq!(
            got,
            [
                (Setting::PublicAccessBlock, ChangeAction::Update),
                (Setting::Encryption, ChangeAction::Update),
                (Setting::Lifecycle, ChangeAction::Create)
            ]
        );
    }

    #[test]
    fn a_policy_the_spec_no_longer_wants_is_deleted() {
        let with = spec();
        let state = converged(&with);
        let without = ExchangeBucketSpec::from_yaml("workspace: acme\nregion: us-east-1\nrequireTls: false\n").unwrap();
        let plan = diff(&without, &state).unwrap();
        assert_eq!(plan.changes.len(), 1);
        assert_eq!((plan.changes[0].setting, plan.changes[0].action), (Setting::Policy, ChangeAction::Delete));
        let mut gone = state.clone();
        gone.policy = None;
        assert!(diff(&without, &gone).unwrap().is_empty());
    }

    #[test]
    fn plain_http_with_tls_required_warns() {
        let s = ExchangeBucketSpec::from_yaml("workspace: a\nendpoint: http://minio:9000\n").unwrap();
        let plan = diff(&s, &BucketState::absent(&s.bucket_name().unwrap())).unwrap();
        assert!(plan.warnings[0].contains("http://minio:9000"), "{:?}", plan.warnings);
        let s =
            ExchangeBucketSpec::from_yaml("workspace: a\nendpoint: http://minio:9000\nrequireTls: false\n").unwrap();
        let plan = diff(&s, &BucketState::absent(&s.bucket_name().unwrap())).unwrap();
        assert!(plan.warnings.is_empty());
        assert!(!plan.changes.iter().any(|c| c.setting == Setting::Policy));
    }

    #[test]
    fn ownership_and_region_are_checked() {
        let s = spec();
        let mut state = converged(&s);
        state.tags = BTreeMap::from([("owner".to_owned(), "bob".to_owned())]);
        let plan = diff(&s, &state).unwrap();
        assert_eq!(plan.ownership, Ownership::Unmanaged);
        assert_eq!(plan.check_ownership(false).unwrap_err().kind(), ErrorKind::AlreadyExists);
        assert!(plan.check_ownership(true).is_ok());

        state.tags = BTreeMap::new();
        assert_eq!(diff(&s, &state).unwrap().ownership, Ownership::Untagged);

        state.tags = s.desired_tags();
        state.tags.insert(WORKSPACE_TAG.to_owned(), "other".to_owned());
        assert_eq!(diff(&s, &state).unwrap().check_ownership(false).unwrap_err().kind(), ErrorKind::Conflict);

        let mut state = converged(&s);
        state.region = Some("eu-west-1".to_owned());
        assert_eq!(diff(&s, &state).unwrap_err().kind(), ErrorKind::Conflict);
    }
}
