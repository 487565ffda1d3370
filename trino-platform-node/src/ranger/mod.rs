//! Apache Ranger for Trino: the coordinator's plugin configuration files, a local policy
//! engine that answers "would Ranger allow this?", and a Ranger Admin client.
//!
//! | file | what it holds |
//! |---|---|
//! | `config.rs` | the `RangerPluginConfig` class and the rendered `RangerFiles` |
//! | `spec.rs` | what users write, for the typings: `RangerPluginConfigObject`, `RangerSetupSpecObject` |
//! | `model.rs` | Ranger's own JSON (policies, a plugin download, roles), for the typings |
//! | `request.rs` | what the engine is asked: `AccessRequest`, `TrinoAction`, mask and filter requests |
//! | `decision.rs` | what it answers: `Decision`, `Explanation`, `ColumnMask`, `RowFilter` |
//! | `engine.rs` | the `PolicyEngine` class (synchronous) |
//! | `setup.rs` | the `RangerSetupSpec` class: a validated setup, from an object or YAML |
//! | `admin.rs` | the `RangerAdmin` class (Promises) and its `RangerSetupReport` |
//!
//! Inputs (configs, policies, requests, setup specs) go to the core as JSON (see `input.rs`);
//! results come back as objects converted field by field.

mod admin;
mod config;
mod decision;
mod engine;
mod model;
mod request;
mod setup;
mod spec;

pub(crate) use config::RenderedFile;
