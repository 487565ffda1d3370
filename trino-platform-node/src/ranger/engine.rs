//! The `PolicyEngine` class: one synchronous method per core `PolicyEngine` query.

use napi::Env;
use napi_derive::napi;
use trino_platform::{Result, ranger};

use super::decision::{ColumnMask, ColumnMaskExplanation, Decision, Explanation, RowFilter, RowFilterExplanation};
use crate::error::or_throw;
use crate::input::from_object;

/// A Trino service's Ranger policies, loaded locally to answer "would Ranger allow this?" the
/// way Ranger's policy engine answers Trino's plugin, without a Ranger Admin or a Trino: access
/// decisions (with an explanation), column masks and row filters.
///
/// Load one with `PolicyEngine.fromJson(text)` or `PolicyEngine.fromPolicies(value)`: the JSON
/// the plugin downloads (`RangerServicePolicies`, as `RangerAdmin.downloadPolicies` resolves
/// with), a Ranger export (an object with `policies`) or an array of policies.
///
/// Everything is synchronous. Bad input throws an `Error` whose `code` is `'InvalidInput'` and
/// whose message names what was wrong: the policy and field of a malformed policy, an unknown
/// resource, access or mask type, a feature the local engine cannot evaluate (policy or item
/// conditions, validity schedules, security zones, policy deltas), an unknown field of a
/// request.
#[napi]
pub struct PolicyEngine {
    inner: ranger::PolicyEngine,
}

/// Roles and super users to load with the policies.
#[napi(object)]
pub struct PolicyEngineOptions {
    /// Ranger roles (`/service/roles/download/{service}`), so that role items match the users
    /// and groups holding them.
    #[napi(ts_type = "RangerRoles")]
    pub roles: Option<serde_json::Value>,
    /// Users allowed everything, as the plugin's `ranger.plugin.trino.super.users` (the
    /// download's `serviceConfig` super users count too).
    pub super_users: Option<Vec<String>>,
    /// Groups allowed everything (`ranger.plugin.trino.super.groups`).
    pub super_groups: Option<Vec<String>>,
}

#[napi]
impl PolicyEngine {
    /// Loads policies from JSON text: a plugin download (`RangerServicePolicies`), a Ranger
    /// export (an object with `policies`) or an array of policies. Throws `InvalidInput` naming
    /// the policy and field (or the line of malformed JSON).
    #[napi]
    pub fn from_json(env: &Env, text: String, options: Option<PolicyEngineOptions>) -> napi::Result<PolicyEngine> {
        or_throw(env, ranger::PolicyEngine::from_json(&text).and_then(|engine| loaded(engine, options)))
    }

    /// Loads policies from their objects: an array of `RangerPolicy`, or a
    /// `RangerServicePolicies` (a download or an export). Throws `InvalidInput` naming the
    /// policy and field.
    #[napi]
    pub fn from_policies(
        env: &Env,
        #[napi(ts_arg_type = "RangerPolicy[] | RangerServicePolicies")] policies: serde_json::Value,
        options: Option<PolicyEngineOptions>,
    ) -> napi::Result<PolicyEngine> {
        or_throw(env, ranger::PolicyEngine::from_value(policies).and_then(|engine| loaded(engine, options)))
    }

    /// The service name of a download, if it said.
    #[napi(getter)]
    pub fn service_name(&self) -> Option<String> {
        self.inner.service_name().map(str::to_owned)
    }

    /// The policy version of a download, if it said.
    #[napi(getter)]
    pub fn policy_version(&self) -> Option<i64> {
        self.inner.policy_version()
    }

    /// The number of enforced policies (access, data mask, row filter; disabled and audit
    /// policies are not counted).
    #[napi(getter)]
    pub fn policy_count(&self) -> u32 {
        u32::try_from(self.inner.policy_count()).unwrap_or(u32::MAX)
    }

    /// What was loaded but cannot be honoured (tag-based policies, unexpanded `${{…}}` macros),
    /// for people.
    #[napi(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.inner.warnings().to_vec()
    }

    /// Decides `request` as Trino's plugin would. Throws `InvalidInput` for an unknown resource
    /// or access type, a resource that is not a Trino resource path, or a malformed request.
    #[napi(ts_args_type = "request: AccessRequest")]
    pub fn evaluate(&self, env: &Env, request: serde_json::Value) -> napi::Result<Decision> {
        or_throw(env, access_request(request).and_then(|r| self.inner.evaluate(&r)).map(Decision::from))
    }

    /// `evaluate`, with every policy looked at and what it did, in Ranger's order.
    #[napi(ts_args_type = "request: AccessRequest")]
    pub fn explain(&self, env: &Env, request: serde_json::Value) -> napi::Result<Explanation> {
        or_throw(env, access_request(request).and_then(|r| self.inner.explain(&r)).map(Explanation::from))
    }

    /// Decides a Trino check for `identity`: every Ranger request Trino's plugin makes for it
    /// must be allowed. Returns the decision of the first denied request, or of the last one
    /// when all are allowed. Throws `InvalidInput` when the target does not fit the check.
    #[napi(ts_args_type = "identity: RangerIdentity, action: TrinoAction")]
    pub fn evaluate_action(
        &self,
        env: &Env,
        identity: serde_json::Value,
        action: serde_json::Value,
    ) -> napi::Result<Decision> {
        let decided = (|| {
            let identity: ranger::Identity = from_object("identity", identity)?;
            let action: ranger::TrinoAction = from_object("Trino action", action)?;
            self.inner.evaluate_action(&identity, &action)
        })();
        or_throw(env, decided.map(Decision::from))
    }

    /// The mask Trino's plugin applies to the column, or `null` when the column is shown as is
    /// (no data-mask policy applies, `MASK_NONE`, or a super user).
    #[napi(ts_args_type = "request: ColumnMaskRequest")]
    pub fn column_mask(&self, env: &Env, request: serde_json::Value) -> napi::Result<Option<ColumnMask>> {
        let mask = column_mask_request(request).and_then(|r| self.inner.column_mask(&r));
        or_throw(env, mask.map(|mask| mask.map(ColumnMask::from)))
    }

    /// `columnMask`, with the data-mask policies looked at.
    #[napi(ts_args_type = "request: ColumnMaskRequest")]
    pub fn explain_column_mask(&self, env: &Env, request: serde_json::Value) -> napi::Result<ColumnMaskExplanation> {
        let explained = column_mask_request(request).and_then(|r| self.inner.explain_column_mask(&r));
        or_throw(env, explained.map(ColumnMaskExplanation::from))
    }

    /// The row filter Trino's plugin adds to the table, or `null` (no row-filter policy
    /// applies, an empty filter, or a super user).
    #[napi(ts_args_type = "request: RowFilterRequest")]
    pub fn row_filter(&self, env: &Env, request: serde_json::Value) -> napi::Result<Option<RowFilter>> {
        let filter = row_filter_request(request).and_then(|r| self.inner.row_filter(&r));
        or_throw(env, filter.map(|filter| filter.map(RowFilter::from)))
    }

    /// `rowFilter`, with the row-filter policies looked at.
    #[napi(ts_args_type = "request: RowFilterRequest")]
    pub fn explain_row_filter(&self, env: &Env, request: serde_json::Value) -> napi::Result<RowFilterExplanation> {
        let explained = row_filter_request(request).and_then(|r| self.inner.explain_row_filter(&r));
        or_throw(env, explained.map(RowFilterExplanation::from))
    }
}

/// `engine` with the roles and super users of `options`.
fn loaded(engine: ranger::PolicyEngine, options: Option<PolicyEngineOptions>) -> Result<PolicyEngine> {
    let Some(PolicyEngineOptions { roles, super_users, super_groups }) = options else {
        return Ok(PolicyEngine { inner: engine });
    };
    let mut engine = engine.with_super_users(super_users.unwrap_or_default(), super_groups.unwrap_or_default());
    if let Some(roles) = roles {
        engine = engine.with_roles(&from_object::<ranger::RangerRoles>("Ranger roles", roles)?);
    }
    Ok(PolicyEngine { inner: engine })
}

fn access_request(value: serde_json::Value) -> Result<ranger::AccessRequest> {
    from_object("access request", value)
}

fn column_mask_request(value: serde_json::Value) -> Result<ranger::ColumnMaskRequest> {
    from_object("column mask request", value)
}

fn row_filter_request(value: serde_json::Value) -> Result<ranger::RowFilterRequest> {
    from_object("row filter request", value)
}
