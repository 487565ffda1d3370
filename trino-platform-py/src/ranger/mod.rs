//! The Ranger module of `trino-platform-core` (`trino_platform::ranger`): `RangerPluginConfig`
//! and `RenderedFile` (the coordinator's plugin files, no network), `PolicyEngine` (would Ranger
//! allow this? from Ranger's policy JSON, no network) and `RangerAdmin` / `AsyncRangerAdmin` (the
//! Trino service and its policies in Ranger Admin, the plugin's policy download).

use pyo3::prelude::*;

mod admin;
mod aio;
mod config;
mod engine;

pub(crate) use config::RenderedFile;

/// Adds the Ranger classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<config::RangerPluginConfig>()?;
    m.add_class::<config::RenderedFile>()?;
    m.add_class::<engine::PolicyEngine>()?;
    m.add_class::<admin::RangerAdmin>()?;
    m.add_class::<aio::AsyncRangerAdmin>()?;
    Ok(())
}
