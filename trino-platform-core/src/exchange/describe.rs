//! Describe: the bucket's configuration as S3 reports it, and how it differs from the spec.

use aws_sdk_s3::Client;
use serde::{Deserialize, Serialize};

use super::plan::{Change, Ownership, diff};
use super::spec::ExchangeBucketSpec;
use super::state::{self, BucketState};
use crate::error::{ErrorKind, Result};

/// A bucket's current configuration and its drift from the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeDescription {
    /// Every setting as S3 reports it.
    pub state: BucketState,
    /// Who the bucket belongs to, as far as its tags tell.
    pub ownership: Ownership,
    /// Whether the bucket exists and matches the spec.
    pub in_sync: bool,
    /// What `ensure` would change (everything when the bucket does not exist).
    pub drift: Vec<Change>,
    /// What keeps `ensure` from converging this bucket (wrong region, someone else's bucket),
    /// for people.
    pub problems: Vec<String>,
    /// What in the spec works against its intent (see [`ExchangePlan::warnings`](super::ExchangePlan::warnings)).
    pub warnings: Vec<String>,
}

/// Reads and diffs. See [`ExchangeBuckets::describe`](super::ExchangeBuckets::describe).
pub(crate) async fn describe(client: &Client, spec: &ExchangeBucketSpec) -> Result<ExchangeDescription> {
    let bucket = spec.bucket_name()?;
    let state = state::read(client, &bucket).await?;
    let (ownership, drift, mut problems, warnings) = match diff(spec, &state) {
        Ok(plan) => {
            let problems = plan.check_ownership(false).err().map(|e| e.message().to_owned()).into_iter().collect();
            (plan.ownership, plan.changes, problems, plan.warnings)
        }
        // A bucket in another region: describe it anyway, and say why ensure cannot fix it.
        Err(e) if e.kind() == ErrorKind::Conflict => {
            (Ownership::Unmanaged, Vec::new(), vec![e.message().to_owned()], Vec::new())
        }
        Err(e) => return Err(e),
    };
    if !state.exists {
        problems.clear();
    }
    let in_sync = state.exists && drift.is_empty() && problems.is_empty();
    Ok(ExchangeDescription { state, ownership, in_sync, drift, problems, warnings })
}
