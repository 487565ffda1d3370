//! Ranger's own JSON, as Ranger Admin and the plugin download speak it: [`RangerPolicy`]
//! (`RangerPolicy.java`), [`ServicePolicies`] (what `…/policies/download/{service}` returns),
//! [`RangerService`], [`RangerRoles`] and the error body [`VxResponse`].
//!
//! Reading follows Jackson's rules on Ranger's side: unknown fields are accepted (and kept, so
//! that a policy read from Ranger Admin and written back loses nothing), `null` and missing
//! lists are empty, and Ranger's own defaults apply where a field is absent (`isEnabled` true,
//! `policyType` 0, `policyPriority` 0, an access's `isAllowed` true). Writing omits empty and
//! absent fields (`@JsonInclude(NON_EMPTY)`).
//!
//! ```
//! use trino_platform::ranger::model::RangerPolicy;
//!
//! let policy: RangerPolicy = serde_json::from_str(
//!     r#"{"id": 13, "service": "dev_trino", "name": "checkCanExecuteQuery", "policyType": 0,
//!         "resources": {"queryid": {"values": ["*"]}},
//!         "policyItems": [{"accesses": [{"type": "execute"}], "users": ["admin"]}]}"#,
//! )?;
//! assert!(policy.enabled());
//! assert!(policy.policy_items[0].accesses[0].allowed());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Reads `null` as the type's default (Jackson writes `null` for an unset list or map).
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn is_false(value: &Option<bool>) -> bool {
    value.is_none()
}

/// `policyType` of an access policy.
pub const POLICY_TYPE_ACCESS: i32 = 0;
/// `policyType` of a data-mask (column masking) policy.
pub const POLICY_TYPE_DATAMASK: i32 = 1;
/// `policyType` of a row-filter policy.
pub const POLICY_TYPE_ROWFILTER: i32 = 2;
/// `policyType` of an audit policy (decides auditing only; ignored by the engine).
pub const POLICY_TYPE_AUDIT: i32 = 3;
/// `policyPriority` NORMAL.
pub const PRIORITY_NORMAL: i32 = 0;
/// `policyPriority` OVERRIDE: evaluated before, and winning over, every NORMAL policy.
pub const PRIORITY_OVERRIDE: i32 = 1;

/// One Ranger policy (`RangerPolicy.java`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicy {
    /// Ranger's id (absent before creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Ranger's guid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Whether the policy is enforced; absent means enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// Ranger's version counter of this policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Name of the service (not the service type) the policy belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Policy name, unique in its service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 0 access, 1 data mask, 2 row filter, 3 audit; absent means 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<i32>,
    /// 0 NORMAL, 1 OVERRIDE; absent means 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_priority: Option<i32>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether accesses decided by this policy are audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_audit_enabled: Option<bool>,
    /// Resource name → values (`{"catalog": {"values": ["delta"]}}`).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, RangerPolicyResource>,
    /// Further resource sets (Ranger ≥ 2.5): the policy applies to any of them.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub additional_resources: Vec<BTreeMap<String, RangerPolicyResource>>,
    /// Policy-level conditions (not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RangerPolicyItemCondition>,
    /// Allow items.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub policy_items: Vec<RangerPolicyItem>,
    /// Deny items.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub deny_policy_items: Vec<RangerPolicyItem>,
    /// Items that cancel a matching allow item.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub allow_exceptions: Vec<RangerPolicyItem>,
    /// Items that cancel a matching deny item.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub deny_exceptions: Vec<RangerPolicyItem>,
    /// Column-masking items (policy type 1), evaluated in order.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub data_mask_policy_items: Vec<RangerDataMaskPolicyItem>,
    /// Row-filter items (policy type 2), evaluated in order.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub row_filter_policy_items: Vec<RangerRowFilterPolicyItem>,
    /// Service type (`trino`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    /// Validity schedules (not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub validity_schedules: Vec<Value>,
    /// Labels.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub policy_labels: Vec<String>,
    /// Security zone (absent: unzoned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
    /// Deny every access that no item of this policy allows.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_deny_all_else: Option<bool>,
    /// Every other field Ranger sent (`createTime`, `resourceSignature`, `options`, …), kept so
    /// that a read-modify-write round trip preserves it.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl RangerPolicy {
    /// Whether the policy is enforced (`isEnabled`, default true).
    pub fn enabled(&self) -> bool {
        self.is_enabled.unwrap_or(true)
    }

    /// `policyType`, default 0 (access).
    pub fn kind(&self) -> i32 {
        self.policy_type.unwrap_or(POLICY_TYPE_ACCESS)
    }

    /// `policyPriority`, default 0 (NORMAL).
    pub fn priority(&self) -> i32 {
        self.policy_priority.unwrap_or(PRIORITY_NORMAL)
    }

    /// `isDenyAllElse`, default false.
    pub fn deny_all_else(&self) -> bool {
        self.is_deny_all_else.unwrap_or(false)
    }

    /// `"policy 12 'name'"`, for messages.
    pub fn label(&self) -> String {
        match (self.id, self.name.as_deref()) {
            (Some(id), Some(name)) => format!("policy {id} {name:?}"),
            (Some(id), None) => format!("policy {id}"),
            (None, Some(name)) => format!("policy {name:?}"),
            (None, None) => "a policy without id or name".to_owned(),
        }
    }
}

/// The values of one resource in a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicyResource {
    /// Names or wildcard patterns (`*`, `?`), `{USER}` for the requesting user.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
    /// Invert the match: the policy applies to everything *but* these values.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_excludes: Option<bool>,
    /// Recursive match (not supported by Trino's resources; ignored).
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_recursive: Option<bool>,
}

impl RangerPolicyResource {
    /// A resource matching these values.
    pub fn new<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Self {
        Self { values: values.into_iter().map(Into::into).collect(), is_excludes: None, is_recursive: None }
    }

    /// `isExcludes`, default false.
    pub fn excludes(&self) -> bool {
        self.is_excludes.unwrap_or(false)
    }
}

/// A condition on a policy or an item (`{"type": …, "values": […]}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicyItemCondition {
    /// Condition type.
    #[serde(rename = "type", default)]
    pub condition_type: String,
    /// Values.
    #[serde(default, deserialize_with = "null_default")]
    pub values: Vec<String>,
}

/// One access of an item (`{"type": "select", "isAllowed": true}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicyItemAccess {
    /// Access type name.
    #[serde(rename = "type", default)]
    pub access_type: String,
    /// Absent means true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_allowed: Option<bool>,
}

impl RangerPolicyItemAccess {
    /// An allowed access of `access_type`.
    pub fn new(access_type: impl Into<String>) -> Self {
        Self { access_type: access_type.into(), is_allowed: Some(true) }
    }

    /// `isAllowed`, default true.
    pub fn allowed(&self) -> bool {
        self.is_allowed.unwrap_or(true)
    }
}

/// An allow, deny or exception item: who, and which accesses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicyItem {
    /// Accesses.
    #[serde(default, deserialize_with = "null_default")]
    pub accesses: Vec<RangerPolicyItemAccess>,
    /// Users (`{USER}`: whoever asks).
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<String>,
    /// Groups (`public`: everyone).
    #[serde(default, deserialize_with = "null_default")]
    pub groups: Vec<String>,
    /// Ranger roles.
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<String>,
    /// Item conditions (not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RangerPolicyItemCondition>,
    /// May the listed principals administer the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_admin: Option<bool>,
}

/// A column-masking item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerDataMaskPolicyItem {
    /// Accesses (`select`).
    #[serde(default, deserialize_with = "null_default")]
    pub accesses: Vec<RangerPolicyItemAccess>,
    /// Users.
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<String>,
    /// Groups.
    #[serde(default, deserialize_with = "null_default")]
    pub groups: Vec<String>,
    /// Roles.
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<String>,
    /// Item conditions (not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RangerPolicyItemCondition>,
    /// Delegate admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_admin: Option<bool>,
    /// The mask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_mask_info: Option<RangerPolicyItemDataMaskInfo>,
}

/// `dataMaskInfo`: the mask type and, for `CUSTOM`, the expression.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicyItemDataMaskInfo {
    /// `MASK`, `MASK_SHOW_LAST_4`, `MASK_SHOW_FIRST_4`, `MASK_HASH`, `MASK_NULL`, `MASK_NONE`,
    /// `MASK_DATE_SHOW_YEAR` or `CUSTOM`.
    #[serde(default)]
    pub data_mask_type: String,
    /// Condition (unused by Trino's plugin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_expr: Option<String>,
    /// The SQL expression of a `CUSTOM` mask (`{col}` is the column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_expr: Option<String>,
}

/// A row-filter item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerRowFilterPolicyItem {
    /// Accesses (`select`).
    #[serde(default, deserialize_with = "null_default")]
    pub accesses: Vec<RangerPolicyItemAccess>,
    /// Users.
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<String>,
    /// Groups.
    #[serde(default, deserialize_with = "null_default")]
    pub groups: Vec<String>,
    /// Roles.
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<String>,
    /// Item conditions (not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RangerPolicyItemCondition>,
    /// Delegate admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_admin: Option<bool>,
    /// The filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_filter_info: Option<RangerPolicyItemRowFilterInfo>,
}

/// `rowFilterInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerPolicyItemRowFilterInfo {
    /// The SQL predicate Trino adds to every query of the table (`region = 'EU'`).
    #[serde(default)]
    pub filter_expr: String,
}

/// What the plugin downloads (`ServicePolicies.java`): the service's policies and config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePolicies {
    /// Service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Service id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<i64>,
    /// Version of the policy set (the plugin sends it back as `lastKnownVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<i64>,
    /// Resource policies of the unzoned part of the service.
    #[serde(default, deserialize_with = "null_default")]
    pub policies: Vec<RangerPolicy>,
    /// Tag-based policies of the linked tag service (ignored by the local engine: it has no
    /// tags to apply them to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_policies: Option<Value>,
    /// Security zones (not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub security_zones: BTreeMap<String, Value>,
    /// Incremental changes (requested off; not supported by the local engine).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub policy_deltas: Vec<Value>,
    /// Service config delivered to plugins (`ranger.plugin.super.users`, …).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub service_config: BTreeMap<String, String>,
    /// Every other field (`serviceDef`, `auditMode`, `policyUpdateTime`, …).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A Ranger service (`RangerService.java`), e.g. the Trino service the plugin reads.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerService {
    /// Ranger's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Service name (what `ranger.service.name` names).
    #[serde(default)]
    pub name: String,
    /// Service type (`trino`).
    #[serde(rename = "type", default)]
    pub service_type: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabled (absent: true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// Configs (`username`, `jdbc.url`, `policy.download.auth.users`, …). Ranger returns
    /// passwords masked as `*******`.
    #[serde(default, deserialize_with = "null_default")]
    pub configs: BTreeMap<String, String>,
    /// Every other field (`guid`, `version`, `policyVersion`, `tagService`, …).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Config keys whose values are secrets: never shown by `Debug`.
pub(crate) fn is_secret_config(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

impl std::fmt::Debug for RangerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let configs: BTreeMap<&str, &str> = self
            .configs
            .iter()
            .map(|(k, v)| (k.as_str(), if is_secret_config(k) { "***" } else { v.as_str() }))
            .collect();
        f.debug_struct("RangerService")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("type", &self.service_type)
            .field("is_enabled", &self.is_enabled)
            .field("configs", &configs)
            .finish_non_exhaustive()
    }
}

/// Ranger roles as the plugin downloads them (`RangerRoles.java`,
/// `/service/roles/download/{service}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerRoles {
    /// Service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_version: Option<i64>,
    /// The roles.
    #[serde(default, deserialize_with = "null_default")]
    pub ranger_roles: Vec<RangerRole>,
}

/// One role: its member users, groups and roles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerRole {
    /// Role name.
    #[serde(default)]
    pub name: String,
    /// Member users.
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<RoleMember>,
    /// Member groups.
    #[serde(default, deserialize_with = "null_default")]
    pub groups: Vec<RoleMember>,
    /// Member roles (their members belong to this role too).
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<RoleMember>,
}

/// `{"name": …, "isAdmin": …}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleMember {
    /// Member name.
    #[serde(default)]
    pub name: String,
    /// Role admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

/// Ranger Admin's error body (`VXResponse`): `{"statusCode": 1, "msgDesc": "…"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VxResponse {
    /// 1 for an error.
    #[serde(default)]
    pub status_code: Option<i64>,
    /// What went wrong.
    #[serde(default)]
    pub msg_desc: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_defaults_follow_ranger() {
        let policy: RangerPolicy = serde_json::from_str(
            r#"{"id": 1, "name": "p", "isEnabled": null, "policyItems": null,
                "resources": {"catalog": {"values": ["x"], "isExcludes": null}},
                "createTime": 1700000000000, "options": {}}"#,
        )
        .unwrap();
        assert!(policy.enabled());
        assert_eq!(policy.kind(), POLICY_TYPE_ACCESS);
        assert_eq!(policy.priority(), PRIORITY_NORMAL);
        assert!(policy.policy_items.is_empty());
        assert!(!policy.resources["catalog"].excludes());
        assert_eq!(policy.other["createTime"], serde_json::json!(1700000000000_i64));
        let back = serde_json::to_value(&policy).unwrap();
        assert_eq!(back["createTime"], serde_json::json!(1700000000000_i64));
        assert!(back.get("policyItems").is_none(), "empty lists are omitted: {back}");
    }

    #[test]
    fn service_debug_hides_passwords() {
        let service = RangerService {
            name: "dev_trino".into(),
            service_type: "trino".into(),
            configs: [("password".to_owned(), "hunter2".to_owned()), ("username".to_owned(), "trino".to_owned())]
                .into_iter()
                .collect(),
            ..RangerService::default()
        };
        let debug = format!("{service:?}");
        assert!(!debug.contains("hunter2") && debug.contains("trino"), "{debug}");
    }
}
