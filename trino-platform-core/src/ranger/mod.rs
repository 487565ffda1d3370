//! Apache Ranger for Trino: the plugin's configuration files, the Ranger Admin side (the Trino
//! service and its policies), and a local policy engine that answers "would Ranger allow this?"
//! before anything is deployed.
//!
//! | file | concern | key items |
//! |---|---|---|
//! | `config` | the plugin config spec | [`RangerPluginConfig`], [`ServiceName`], [`SecretRef`] |
//! | `files` | spec → `access-control.properties` + Ranger XML | [`RangerPluginConfig::render`], [`RangerFiles`], [`RenderedFile`] |
//! | [`model`] | Ranger's own JSON | [`RangerPolicy`], [`ServicePolicies`], [`RangerService`], [`RangerRoles`] |
//! | `servicedef` | the `trino` service definition | resources, access types, mask types |
//! | `spec` | what Ranger Admin should hold | [`TrinoServiceSpec`], [`PolicySpec`], [`baseline_policies`], [`RangerSetupSpec`] |
//! | `admin` | Ranger Admin public v2 REST client | [`RangerAdmin`] (`ensure`, `download_policies`, …) |
//! | `request` | what is asked, and Trino's action → resource map | [`AccessRequest`], [`TrinoAction`], [`TrinoCheck`] |
//! | `matcher` | wildcard / case / `{USER}` / excludes resource matching | [`MatchType`] |
//! | `engine` | the policy engine | [`PolicyEngine`] (`evaluate`, `explain`, `evaluate_action`) |
//! | `mask` | column masks and row filters | [`PolicyEngine::column_mask`], [`PolicyEngine::row_filter`] |
//! | `explain` | decisions and their reasons | [`Decision`], [`Explanation`] |
//!
//! Everything a binding needs is a plain serde struct in, a serializable struct out: specs
//! deserialize from JSON/YAML (camelCase), the admin client's methods are `async`, and the
//! engine's methods are pure and return [`Decision`], [`Explanation`], [`ColumnMask`],
//! [`RowFilter`].

mod admin;
mod config;
mod engine;
mod explain;
mod files;
mod mask;
mod matcher;
pub mod model;
mod request;
pub mod servicedef;
mod spec;

pub use admin::{Change, Ensured, PolicyChange, RangerAdmin, RangerAdminConfig, SetupReport};
pub use config::{
    AuditConfig, DownloadAuth, ElasticsearchAudit, Log4jAudit, Overrides, RangerPluginConfig, SecretRef, ServiceName,
    SolrAudit, SslConfig,
};
pub use engine::{Identity, PolicyEngine};
pub use explain::{Decision, DecisionReason, ExplainStep, Explanation, PriorityName, StepOutcome};
pub use files::{ACCESS_CONTROL_FILE, AUDIT_FILE, RangerFiles, RenderedFile, SECURITY_FILE, SSL_FILE};
pub use mask::{ColumnMask, ColumnMaskRequest, RowFilter, RowFilterRequest};
pub use matcher::MatchType;
pub use model::{RangerPolicy, RangerRoles, RangerService, ServicePolicies};
pub use request::{AccessRequest, ResourceScope, TrinoAction, TrinoCheck};
pub use spec::{
    BASELINE_EXECUTE_QUERY, BASELINE_IMPERSONATE_SELF, BASELINE_KILL_QUERY, ItemSpec, MaskItemSpec, PolicySpec,
    Priority, RangerSetupSpec, ResourceValues, RowFilterItemSpec, TrinoServiceSpec, baseline_policies,
};
