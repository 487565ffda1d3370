//! `PolicyEngine`: the core's local Ranger policy engine. It answers access, Trino-check,
//! column-mask and row-filter requests the way Ranger answers Trino's plugin, from Ranger's own
//! policy JSON, without a Ranger Admin or a Trino.

use std::str::FromStr;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};
use trino_platform::Result;
use trino_platform::ranger::{
    self, AccessRequest, ColumnMaskRequest, Identity, RangerRoles, RowFilterRequest, TrinoAction, TrinoCheck,
};

use crate::errors::to_pyerr;
use crate::json::{from_py, to_py};
use crate::routing::quoted;
use crate::specs::from_dict;

/// A Trino service's Ranger policies, ready to answer requests (immutable, thread-safe).
///
/// Load one with `PolicyEngine.from_json(text)` (what the plugin downloads, a Ranger export, or
/// an array of policies) or `PolicyEngine.from_policies(data)` (the same as Python data), with
/// Ranger roles and the plugin's super users and groups as keywords.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct PolicyEngine(ranger::PolicyEngine);

/// Adds the plugin's super users and groups and the roles document (JSON text or data) to a
/// loaded engine.
fn with_extras(
    engine: ranger::PolicyEngine,
    roles: Option<&Bound<'_, PyAny>>,
    super_users: Vec<String>,
    super_groups: Vec<String>,
) -> PyResult<PolicyEngine> {
    let mut engine = engine.with_super_users(super_users, super_groups);
    if let Some(roles) = roles.filter(|r| !r.is_none()) {
        engine = match roles.cast::<PyString>() {
            Ok(text) => engine.with_roles_json(text.to_str()?).map_err(to_pyerr)?,
            Err(_) => engine.with_roles(&from_dict::<RangerRoles>(roles, "roles", "Ranger roles JSON")?),
        };
    }
    Ok(PolicyEngine(engine))
}

/// The engine's answer as Python data, or the exception of the core's error.
fn answer<'py, T: serde::Serialize>(py: Python<'py>, result: Result<T>) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &result.map_err(to_pyerr)?)
}

#[pymethods]
impl PolicyEngine {
    /// Loads policies from JSON text: the object the plugin downloads (`ServicePolicies`, whose
    /// `serviceConfig` super users and groups count too), a Ranger export (an object with
    /// `policies`), or an array of policies. `roles` is a Ranger roles document (JSON text or
    /// data: `{"rangerRoles": [{"name", "users": [{"name"}], "groups": [...], "roles": [...]}]}`);
    /// `super_users` and `super_groups` are the plugin config's.
    ///
    /// Raises `InvalidInputError` naming the policy and field on malformed JSON, an unknown
    /// resource, access or mask type, and on what the engine does not support (conditions,
    /// validity schedules, security zones, policy deltas).
    #[classmethod]
    #[pyo3(signature = (text, *, roles=None, super_users=Vec::new(), super_groups=Vec::new()))]
    fn from_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        text: &str,
        roles: Option<&Bound<'_, PyAny>>,
        super_users: Vec<String>,
        super_groups: Vec<String>,
    ) -> PyResult<Self> {
        let engine = py.detach(|| ranger::PolicyEngine::from_json(text)).map_err(to_pyerr)?;
        with_extras(engine, roles, super_users, super_groups)
    }

    /// `from_json` on Python data: a list of policies (dicts in Ranger's JSON shape) or a
    /// `ServicePolicies` / export dict with `policies`.
    ///
    /// Raises what `from_json` raises, and `TypeError` for values that are not JSON data.
    #[classmethod]
    #[pyo3(signature = (policies, *, roles=None, super_users=Vec::new(), super_groups=Vec::new()))]
    fn from_policies(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        policies: &Bound<'_, PyAny>,
        roles: Option<&Bound<'_, PyAny>>,
        super_users: Vec<String>,
        super_groups: Vec<String>,
    ) -> PyResult<Self> {
        let value = from_py(policies, "policies")?;
        let engine = py.detach(|| ranger::PolicyEngine::from_value(value)).map_err(to_pyerr)?;
        with_extras(engine, roles, super_users, super_groups)
    }

    /// The service name of a download, if it said.
    #[getter]
    fn service_name(&self) -> Option<&str> {
        self.0.service_name()
    }

    /// The policy version of a download, if it said.
    #[getter]
    fn policy_version(&self) -> Option<i64> {
        self.0.policy_version()
    }

    /// The number of enforced policies (access, data mask, row filter; disabled and audit
    /// policies are not counted).
    #[getter]
    fn policy_count(&self) -> usize {
        self.0.policy_count()
    }

    /// What was loaded but cannot be honoured (tag policies, unexpanded user-attribute macros).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.0.warnings().to_vec()
    }

    /// Decides an access request as Trino's plugin would. `request` is a mapping `{user,
    /// groups?, roles?, resource: {catalog: ..., schema: ..., ...}, access, scope?}` (`access`:
    /// `select`, `insert`, ..., or `_any`; `scope`: `self` or `selfOrDescendants`).
    ///
    /// Returns the decision: `{allowed, access, resource, reason, policyId?, policyName?,
    /// policyPriority?, decidedByAccess?}` (`reason`: `superUser`, `allowItem`, `denyItem`,
    /// `denyAllElse` or `noMatchingPolicy`). Raises `InvalidInputError` for a malformed request,
    /// an unknown resource or access type, or a resource that is not a Trino resource path.
    fn evaluate<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let request: AccessRequest = from_dict(request, "request", "access request")?;
        answer(py, self.0.evaluate(&request))
    }

    /// `evaluate`, with the reasoning: `{decision, summary, roles, steps}`, where `steps` lists
    /// every policy looked at, in Ranger's order, with what it did (`{policyId?, policyName,
    /// priority, access, matchType, outcome, detail}`). Raises what `evaluate` raises.
    fn explain<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let request: AccessRequest = from_dict(request, "request", "access request")?;
        answer(py, self.0.explain(&request))
    }

    /// Decides a Trino access check (`check`: a `TrinoCheck` name such as `selectFromColumns`
    /// or `select-from-columns`) on `target` (a user, query id, property or dotted object name,
    /// `catalog.schema.table`); every Ranger request the check makes must be allowed. Returns the
    /// decision of the first denied request, or of the last one when all are allowed.
    ///
    /// Raises `InvalidInputError` for an unknown check or a target that does not fit it.
    #[pyo3(signature = (check, target=String::new(), *, user, groups=Vec::new(), roles=Vec::new(), columns=Vec::new(), new_target=None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_action<'py>(
        &self,
        py: Python<'py>,
        check: &str,
        target: String,
        user: String,
        groups: Vec<String>,
        roles: Vec<String>,
        columns: Vec<String>,
        new_target: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let check = TrinoCheck::from_str(check).map_err(to_pyerr)?;
        let action = TrinoAction { check, target, columns, new_target };
        answer(py, self.0.evaluate_action(&Identity { user, groups, roles }, &action))
    }

    /// The mask Trino's plugin applies to the column `catalog.schema.table.column` of type
    /// `column_type` (Trino's display name, replacing `{type}` in the mask), for `user`:
    /// `{policyId?, policyName, maskType, expression}`, or `None` when the column is shown as is.
    ///
    /// Raises `InvalidInputError` for an invalid request.
    #[pyo3(signature = (user, *, catalog, schema, table, column, groups=Vec::new(), roles=Vec::new(), column_type="varchar"))]
    #[allow(clippy::too_many_arguments)]
    fn column_mask<'py>(
        &self,
        py: Python<'py>,
        user: String,
        catalog: String,
        schema: String,
        table: String,
        column: String,
        groups: Vec<String>,
        roles: Vec<String>,
        column_type: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = ColumnMaskRequest {
            user,
            groups,
            roles,
            catalog,
            schema,
            table,
            column,
            column_type: column_type.to_owned(),
        };
        answer(py, self.0.column_mask(&request))
    }

    /// The row filter Trino's plugin adds to every query of `catalog.schema.table` by `user`:
    /// `{policyId?, policyName, expression}`, or `None`.
    ///
    /// Raises `InvalidInputError` for an invalid request.
    #[pyo3(signature = (user, *, catalog, schema, table, groups=Vec::new(), roles=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn row_filter<'py>(
        &self,
        py: Python<'py>,
        user: String,
        catalog: String,
        schema: String,
        table: String,
        groups: Vec<String>,
        roles: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = RowFilterRequest { user, groups, roles, catalog, schema, table };
        answer(py, self.0.row_filter(&request))
    }

    /// `PolicyEngine(policies=3)`, with `service_name=` and `policy_version=` when known.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut text = String::from("PolicyEngine(");
        if let Some(name) = self.0.service_name() {
            text += &format!("service_name={}, ", quoted(py, name)?);
        }
        if let Some(version) = self.0.policy_version() {
            text += &format!("policy_version={version}, ");
        }
        Ok(text + &format!("policies={})", self.0.policy_count()))
    }
}
