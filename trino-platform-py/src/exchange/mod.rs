//! The exchange module of `trino-platform-core` (`trino_platform::exchange`): the S3 bucket a
//! workspace's Trino clusters spill fault-tolerant-execution exchange data to.
//! `ExchangeBucketSpec` (parsing, validation, naming, the rendered Trino properties and policy
//! documents, no network) and `ExchangeBuckets` / `AsyncExchangeBuckets` (plan, ensure, describe
//! and teardown against S3).

use pyo3::prelude::*;

mod aio;
mod buckets;
mod spec;

pub(crate) use spec::ExchangeBucketSpec;

/// Adds the exchange classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<spec::ExchangeBucketSpec>()?;
    m.add_class::<buckets::ExchangeBuckets>()?;
    m.add_class::<aio::AsyncExchangeBuckets>()?;
    Ok(())
}
