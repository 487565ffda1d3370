//! Ranger's own JSON (policies, a plugin download, roles), declared for the typings: these
//! objects go to the core as JSON and come back from it as JSON. Ranger's rules apply when
//! reading them: unknown fields are accepted (and kept), `null` and missing lists are empty,
//! and Ranger's defaults fill absent fields.
// Shapes for the typings only: their values arrive as JSON, so Rust never builds them.
#![allow(dead_code)]

use std::collections::HashMap;

use napi_derive::napi;

/// One Ranger policy (`RangerPolicy.java`), as Ranger Admin's REST API, an export and a plugin
/// download hold it. Every field may be absent; other fields Ranger sends are accepted.
#[napi(object)]
pub struct RangerPolicy {
    /// Ranger's id.
    pub id: Option<i64>,
    /// Ranger's guid.
    pub guid: Option<String>,
    /// Whether the policy is enforced (default `true`).
    pub is_enabled: Option<bool>,
    /// Ranger's version counter of the policy.
    pub version: Option<i64>,
    /// Name of the service the policy belongs to.
    pub service: Option<String>,
    /// Policy name, unique in its service.
    pub name: Option<String>,
    /// 0 access (default), 1 data mask, 2 row filter, 3 audit.
    pub policy_type: Option<i32>,
    /// 0 NORMAL (default), 1 OVERRIDE: evaluated before, and winning over, NORMAL policies.
    pub policy_priority: Option<i32>,
    /// Free text.
    pub description: Option<String>,
    /// Whether accesses decided by the policy are audited.
    pub is_audit_enabled: Option<bool>,
    /// Resource name → values (`{ catalog: { values: ['delta'] } }`).
    pub resources: Option<HashMap<String, RangerPolicyResource>>,
    /// Further resource sets: the policy applies to any of them.
    pub additional_resources: Option<Vec<HashMap<String, RangerPolicyResource>>>,
    /// Policy-level conditions (the local engine refuses them).
    pub conditions: Option<Vec<RangerPolicyItemCondition>>,
    /// Allow items.
    pub policy_items: Option<Vec<RangerPolicyItem>>,
    /// Deny items.
    pub deny_policy_items: Option<Vec<RangerPolicyItem>>,
    /// Items that cancel a matching allow item.
    pub allow_exceptions: Option<Vec<RangerPolicyItem>>,
    /// Items that cancel a matching deny item.
    pub deny_exceptions: Option<Vec<RangerPolicyItem>>,
    /// Column-masking items (policy type 1), in order.
    pub data_mask_policy_items: Option<Vec<RangerDataMaskPolicyItem>>,
    /// Row-filter items (policy type 2), in order.
    pub row_filter_policy_items: Option<Vec<RangerRowFilterPolicyItem>>,
    /// Service type (`trino`).
    pub service_type: Option<String>,
    /// Validity schedules (the local engine refuses them).
    #[napi(ts_type = "unknown[]")]
    pub validity_schedules: Option<Vec<serde_json::Value>>,
    /// Labels.
    pub policy_labels: Option<Vec<String>>,
    /// Security zone (the local engine refuses zoned policies).
    pub zone_name: Option<String>,
    /// Deny every access that no item of the policy allows.
    pub is_deny_all_else: Option<bool>,
}

/// The values of one resource in a policy.
#[napi(object)]
pub struct RangerPolicyResource {
    /// Names or patterns (`*`, `?`, `{USER}`), matched case-insensitively.
    pub values: Vec<String>,
    /// Match everything except the values.
    pub is_excludes: Option<bool>,
    /// Recursive match (not used by Trino's resources).
    pub is_recursive: Option<bool>,
}

/// A condition on a policy or an item.
#[napi(object)]
pub struct RangerPolicyItemCondition {
    /// Condition type (`_expression`, `ip-range`, …).
    #[napi(js_name = "type")]
    pub condition_type: String,
    /// Its values.
    pub values: Option<Vec<String>>,
}

/// One access type of an item.
#[napi(object)]
pub struct RangerPolicyItemAccess {
    /// Access type (`select`, `insert`, …, `all`).
    #[napi(js_name = "type")]
    pub access_type: String,
    /// Whether it is granted (default `true`).
    pub is_allowed: Option<bool>,
}

/// Who an access item is for, and which accesses.
#[napi(object)]
pub struct RangerPolicyItem {
    /// Access types.
    pub accesses: Option<Vec<RangerPolicyItemAccess>>,
    /// Users (`{USER}`: whoever asks).
    pub users: Option<Vec<String>>,
    /// Groups (`public`: everyone).
    pub groups: Option<Vec<String>>,
    /// Ranger roles.
    pub roles: Option<Vec<String>>,
    /// Item conditions (the local engine refuses them).
    pub conditions: Option<Vec<RangerPolicyItemCondition>>,
    /// May administer the policy.
    pub delegate_admin: Option<bool>,
}

/// A column-masking item.
#[napi(object)]
pub struct RangerDataMaskPolicyItem {
    /// Access types (`select`).
    pub accesses: Option<Vec<RangerPolicyItemAccess>>,
    /// Users.
    pub users: Option<Vec<String>>,
    /// Groups.
    pub groups: Option<Vec<String>>,
    /// Ranger roles.
    pub roles: Option<Vec<String>>,
    /// Item conditions (the local engine refuses them).
    pub conditions: Option<Vec<RangerPolicyItemCondition>>,
    /// May administer the policy.
    pub delegate_admin: Option<bool>,
    /// The mask.
    pub data_mask_info: Option<RangerDataMaskInfo>,
}

/// A column mask.
#[napi(object)]
pub struct RangerDataMaskInfo {
    /// `MASK`, `MASK_SHOW_LAST_4`, `MASK_SHOW_FIRST_4`, `MASK_HASH`, `MASK_NULL`, `MASK_NONE`,
    /// `MASK_DATE_SHOW_YEAR` or `CUSTOM`.
    pub data_mask_type: String,
    /// Condition expression.
    pub condition_expr: Option<String>,
    /// The SQL of a `CUSTOM` mask (`{col}` is the column).
    pub value_expr: Option<String>,
}

/// A row-filter item.
#[napi(object)]
pub struct RangerRowFilterPolicyItem {
    /// Access types (`select`).
    pub accesses: Option<Vec<RangerPolicyItemAccess>>,
    /// Users.
    pub users: Option<Vec<String>>,
    /// Groups.
    pub groups: Option<Vec<String>>,
    /// Ranger roles.
    pub roles: Option<Vec<String>>,
    /// Item conditions (the local engine refuses them).
    pub conditions: Option<Vec<RangerPolicyItemCondition>>,
    /// May administer the policy.
    pub delegate_admin: Option<bool>,
    /// The filter.
    pub row_filter_info: Option<RangerRowFilterInfo>,
}

/// A row filter.
#[napi(object)]
pub struct RangerRowFilterInfo {
    /// The SQL predicate (`region = 'EU'`); empty: no filter.
    pub filter_expr: String,
}

/// What the plugin downloads (`ServicePolicies.java`): a service's policies and the service
/// config delivered with them. Other fields Ranger sends (`serviceDef`, `auditMode`, …) are
/// accepted and kept.
#[napi(object)]
pub struct RangerServicePolicies {
    /// Service name.
    pub service_name: Option<String>,
    /// Service id.
    pub service_id: Option<i64>,
    /// Version of the policy set.
    pub policy_version: Option<i64>,
    /// The policies of the unzoned part of the service.
    pub policies: Option<Vec<RangerPolicy>>,
    /// Tag-based policies of the linked tag service (the local engine ignores them, with a
    /// warning).
    #[napi(ts_type = "unknown")]
    pub tag_policies: Option<serde_json::Value>,
    /// Security zones (the local engine refuses them).
    #[napi(ts_type = "Record<string, unknown>")]
    pub security_zones: Option<serde_json::Value>,
    /// Incremental changes (the local engine refuses them).
    #[napi(ts_type = "unknown[]")]
    pub policy_deltas: Option<Vec<serde_json::Value>>,
    /// Service config (`ranger.plugin.super.users`, `ranger.plugin.super.groups`, …).
    pub service_config: Option<HashMap<String, String>>,
}

/// Ranger roles, as `/service/roles/download/{service}` returns them.
#[napi(object)]
pub struct RangerRoles {
    /// Service name.
    pub service_name: Option<String>,
    /// Version of the role set.
    pub role_version: Option<i64>,
    /// The roles.
    pub ranger_roles: Option<Vec<RangerRole>>,
}

/// One Ranger role: its members are users, groups and other roles.
#[napi(object)]
pub struct RangerRole {
    /// Role name.
    pub name: String,
    /// Member users.
    pub users: Option<Vec<RangerRoleMember>>,
    /// Member groups (`public`: everyone).
    pub groups: Option<Vec<RangerRoleMember>>,
    /// Member roles (their holders hold this role too).
    pub roles: Option<Vec<RangerRoleMember>>,
}

/// A member of a role.
#[napi(object)]
pub struct RangerRoleMember {
    /// User, group or role name.
    pub name: String,
    /// May administer the role.
    pub is_admin: Option<bool>,
}
