//! What Ranger Admin should hold for a Trino cluster, as specs users write (YAML/JSON,
//! camelCase, unknown keys rejected): the Trino service ([`TrinoServiceSpec`]), named policies
//! ([`PolicySpec`]) and the baseline policies Trino needs under Ranger's default deny
//! ([`baseline_policies`]). Each spec converts to Ranger's own JSON and is validated against
//! the `trino` service definition first, so a typo in a resource or access type is an error
//! before anything is sent.
//!
//! ```
//! use trino_platform::ranger::{PolicySpec, ServiceName};
//!
//! let spec: PolicySpec = serde_json::from_str(r#"{
//!     "name": "analysts read sales",
//!     "resources": {"catalog": ["delta"], "schema": ["sales"], "table": ["*"], "column": ["*"]},
//!     "allow": [{"groups": ["analysts"], "accesses": ["select"]}]
//! }"#)?;
//! let policy = spec.to_policy(&ServiceName::new("dev_trino")?)?;
//! assert_eq!(policy.policy_items[0].groups, ["analysts"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::config::ServiceName;
use super::engine::PolicyEngine;
use super::model::{
    POLICY_TYPE_ACCESS, POLICY_TYPE_DATAMASK, POLICY_TYPE_ROWFILTER, PRIORITY_NORMAL, PRIORITY_OVERRIDE,
    RangerDataMaskPolicyItem, RangerPolicy, RangerPolicyItem, RangerPolicyItemAccess, RangerPolicyItemDataMaskInfo,
    RangerPolicyItemRowFilterInfo, RangerPolicyResource, RangerRowFilterPolicyItem, RangerService, is_secret_config,
};
use crate::error::{Error, Result};

fn yes() -> bool {
    true
}

/// The Trino service in Ranger Admin (service type `trino`).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrinoServiceSpec {
    /// Service name (the plugin's `ranger.service.name`).
    pub name: ServiceName,
    /// Display name (default: the name).
    #[serde(default)]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The coordinator's JDBC URL (`jdbc:trino://trino:8080`), for Ranger's lookups.
    pub jdbc_url: String,
    /// The lookup user (config `username`, default `trino`).
    #[serde(default = "default_username")]
    pub username: String,
    /// The lookup user's password. Ranger returns it masked, so it is sent when the service is
    /// created and with any other change, not compared.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// Users allowed to download policies through the authenticated endpoint
    /// (`policy.download.auth.users`; default: the lookup user).
    #[serde(default)]
    pub download_users: Option<Vec<String>>,
    /// `ranger.plugin.super.users` delivered to the plugins.
    #[serde(default)]
    pub super_users: Vec<String>,
    /// `ranger.plugin.super.groups`.
    #[serde(default)]
    pub super_groups: Vec<String>,
    /// Further configs (`ranger.plugin.audit.filters`, `default.policy.users`, …).
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_username() -> String {
    "trino".to_owned()
}

impl std::fmt::Debug for TrinoServiceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrinoServiceSpec")
            .field("name", &self.name)
            .field("jdbc_url", &self.jdbc_url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("download_users", &self.download_users)
            .finish_non_exhaustive()
    }
}

impl TrinoServiceSpec {
    /// A service `name` for the coordinator at `jdbc_url`, lookup user `trino`.
    pub fn new(name: ServiceName, jdbc_url: impl Into<String>) -> Self {
        Self {
            name,
            display_name: None,
            description: None,
            jdbc_url: jdbc_url.into(),
            username: default_username(),
            password: None,
            download_users: None,
            super_users: Vec::new(),
            super_groups: Vec::new(),
            configs: BTreeMap::new(),
            enabled: true,
        }
    }

    /// The configs Ranger should hold (without the password).
    pub fn desired_configs(&self) -> Result<BTreeMap<String, String>> {
        if !self.jdbc_url.starts_with("jdbc:trino://") || self.jdbc_url.len() <= "jdbc:trino://".len() {
            return Err(Error::invalid_input(format!(
                "service.jdbcUrl: {:?} must look like jdbc:trino://host:port",
                self.jdbc_url
            )));
        }
        let list = |what: &str, values: &[String]| -> Result<String> {
            if let Some(bad) = values.iter().find(|v| v.trim().is_empty() || v.contains(',')) {
                return Err(Error::invalid_input(format!("service.{what}: {bad:?} must be non-empty, without commas")));
            }
            Ok(values.join(","))
        };
        if self.username.trim().is_empty() {
            return Err(Error::invalid_input("service.username: the lookup user is empty"));
        }
        if let Some(key) = self.configs.keys().find(|k| is_secret_config(k)) {
            return Err(Error::invalid_input(format!(
                "service.configs.{key}: passwords go in service.password, which is never compared or shown"
            )));
        }
        let mut configs = self.configs.clone();
        configs.insert("username".into(), self.username.clone());
        configs.insert("jdbc.driverClassName".into(), "io.trino.jdbc.TrinoDriver".into());
        configs.insert("jdbc.url".into(), self.jdbc_url.clone());
        let download = self.download_users.clone().unwrap_or_else(|| vec![self.username.clone()]);
        configs.insert("policy.download.auth.users".into(), list("downloadUsers", &download)?);
        if !self.super_users.is_empty() {
            configs.insert("ranger.plugin.super.users".into(), list("superUsers", &self.super_users)?);
        }
        if !self.super_groups.is_empty() {
            configs.insert("ranger.plugin.super.groups".into(), list("superGroups", &self.super_groups)?);
        }
        Ok(configs)
    }

    /// The service as Ranger's JSON (with the password when given). Fails with `InvalidInput`
    /// on a bad JDBC URL, user list or config key.
    pub fn to_service(&self) -> Result<RangerService> {
        let mut configs = self.desired_configs()?;
        if let Some(password) = &self.password {
            configs.insert("password".into(), secrecy::ExposeSecret::expose_secret(password).to_owned());
        }
        Ok(RangerService {
            id: None,
            name: self.name.as_str().to_owned(),
            service_type: "trino".to_owned(),
            display_name: Some(self.display_name.clone().unwrap_or_else(|| self.name.as_str().to_owned())),
            description: self.description.clone(),
            is_enabled: Some(self.enabled),
            configs,
            other: BTreeMap::new(),
        })
    }
}

/// A policy priority.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Priority {
    /// `policyPriority` 0.
    #[default]
    Normal,
    /// `policyPriority` 1: evaluated before and winning over NORMAL policies.
    Override,
}

/// A resource's values: a list, or `{values, excludes}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResourceValues {
    /// Names or patterns.
    List(Vec<String>),
    /// Names or patterns, possibly excluded.
    Full {
        /// Names or patterns.
        values: Vec<String>,
        /// Match everything but these.
        #[serde(default)]
        excludes: bool,
    },
}

/// Who gets which accesses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemSpec {
    /// Users (`{USER}`: whoever asks).
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups (`public`: everyone).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Access types.
    #[serde(default)]
    pub accesses: Vec<String>,
    /// May administer the policy.
    #[serde(default)]
    pub delegate_admin: bool,
}

/// Who sees a column masked, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaskItemSpec {
    /// Users.
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// `MASK`, `MASK_SHOW_LAST_4`, `MASK_SHOW_FIRST_4`, `MASK_HASH`, `MASK_NULL`, `MASK_NONE`,
    /// `MASK_DATE_SHOW_YEAR` or `CUSTOM`.
    pub mask_type: String,
    /// The SQL of a `CUSTOM` mask (`{col}` is the column).
    #[serde(default)]
    pub value_expr: Option<String>,
}

/// Who sees which rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RowFilterItemSpec {
    /// Users.
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The SQL predicate (`region = 'EU'`).
    pub filter: String,
}

/// A named policy. Access policies use `allow`/`deny`/exceptions; a policy with `masks` is a
/// data-mask policy, one with `rowFilters` a row-filter policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicySpec {
    /// Unique name in the service: the identity `ensure` goes by.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Priority (default normal).
    #[serde(default)]
    pub priority: Priority,
    /// Resource → values (`{"catalog": ["delta"], "schema": {"values": ["hr"], "excludes": true}}`).
    pub resources: BTreeMap<String, ResourceValues>,
    /// Allow items.
    #[serde(default)]
    pub allow: Vec<ItemSpec>,
    /// Deny items.
    #[serde(default)]
    pub deny: Vec<ItemSpec>,
    /// Exceptions to the allow items.
    #[serde(default)]
    pub allow_exceptions: Vec<ItemSpec>,
    /// Exceptions to the deny items.
    #[serde(default)]
    pub deny_exceptions: Vec<ItemSpec>,
    /// Deny whatever no item allows.
    #[serde(default)]
    pub deny_all_else: bool,
    /// Column masks (data-mask policy).
    #[serde(default)]
    pub masks: Vec<MaskItemSpec>,
    /// Row filters (row-filter policy).
    #[serde(default)]
    pub row_filters: Vec<RowFilterItemSpec>,
    /// Audit accesses this policy decides (default true).
    #[serde(default = "yes")]
    pub audit: bool,
}

fn item(spec: &ItemSpec) -> RangerPolicyItem {
    RangerPolicyItem {
        accesses: spec.accesses.iter().map(RangerPolicyItemAccess::new).collect(),
        users: spec.users.clone(),
        groups: spec.groups.clone(),
        roles: spec.roles.clone(),
        conditions: Vec::new(),
        delegate_admin: Some(spec.delegate_admin),
    }
}

impl PolicySpec {
    /// An access policy `name` on `resources` (resource → values) with no items yet.
    pub fn new<K: Into<String>, V: Into<String>>(
        name: impl Into<String>,
        resources: impl IntoIterator<Item = (K, Vec<V>)>,
    ) -> Self {
        Self {
            name: name.into(),
            description: None,
            enabled: true,
            priority: Priority::Normal,
            resources: resources
                .into_iter()
                .map(|(k, v)| (k.into(), ResourceValues::List(v.into_iter().map(Into::into).collect())))
                .collect(),
            allow: Vec::new(),
            deny: Vec::new(),
            allow_exceptions: Vec::new(),
            deny_exceptions: Vec::new(),
            deny_all_else: false,
            masks: Vec::new(),
            row_filters: Vec::new(),
            audit: true,
        }
    }

    /// Adds an allow item.
    pub fn allow(mut self, item: ItemSpec) -> Self {
        self.allow.push(item);
        self
    }

    /// The policy as Ranger's JSON, validated against the `trino` service definition.
    /// Fails with `InvalidInput` naming the policy and what is wrong (unknown resource, access
    /// or mask type, resources that are not a Trino resource path, mixed policy kinds).
    pub fn to_policy(&self, service: &ServiceName) -> Result<RangerPolicy> {
        if self.name.trim().is_empty() {
            return Err(Error::invalid_input("a policy needs a name"));
        }
        let has_access = !(self.allow.is_empty()
            && self.deny.is_empty()
            && self.allow_exceptions.is_empty()
            && self.deny_exceptions.is_empty()
            && !self.deny_all_else);
        let kind = match (has_access, !self.masks.is_empty(), !self.row_filters.is_empty()) {
            (_, false, false) => POLICY_TYPE_ACCESS,
            (false, true, false) => POLICY_TYPE_DATAMASK,
            (false, false, true) => POLICY_TYPE_ROWFILTER,
            _ => {
                return Err(Error::invalid_input(format!(
                    "policy {:?}: use either allow/deny items, masks, or rowFilters; they are different policy types",
                    self.name
                )));
            }
        };
        let resources = self
            .resources
            .iter()
            .map(|(name, values)| {
                let (values, excludes) = match values {
                    ResourceValues::List(values) => (values.clone(), false),
                    ResourceValues::Full { values, excludes } => (values.clone(), *excludes),
                };
                let mut resource = RangerPolicyResource::new(values);
                resource.is_excludes = Some(excludes);
                resource.is_recursive = Some(false);
                (name.clone(), resource)
            })
            .collect();
        let select = || vec![RangerPolicyItemAccess::new("select")];
        let policy = RangerPolicy {
            service: Some(service.as_str().to_owned()),
            name: Some(self.name.clone()),
            description: self.description.clone(),
            is_enabled: Some(self.enabled),
            is_audit_enabled: Some(self.audit),
            policy_type: Some(kind),
            policy_priority: Some(match self.priority {
                Priority::Normal => PRIORITY_NORMAL,
                Priority::Override => PRIORITY_OVERRIDE,
            }),
            resources,
            policy_items: self.allow.iter().map(item).collect(),
            deny_policy_items: self.deny.iter().map(item).collect(),
            allow_exceptions: self.allow_exceptions.iter().map(item).collect(),
            deny_exceptions: self.deny_exceptions.iter().map(item).collect(),
            is_deny_all_else: Some(self.deny_all_else),
            data_mask_policy_items: self
                .masks
                .iter()
                .map(|m| RangerDataMaskPolicyItem {
                    accesses: select(),
                    users: m.users.clone(),
                    groups: m.groups.clone(),
                    roles: m.roles.clone(),
                    conditions: Vec::new(),
                    delegate_admin: Some(false),
                    data_mask_info: Some(RangerPolicyItemDataMaskInfo {
                        data_mask_type: m.mask_type.clone(),
                        condition_expr: None,
                        value_expr: m.value_expr.clone(),
                    }),
                })
                .collect(),
            row_filter_policy_items: self
                .row_filters
                .iter()
                .map(|r| RangerRowFilterPolicyItem {
                    accesses: select(),
                    users: r.users.clone(),
                    groups: r.groups.clone(),
                    roles: r.roles.clone(),
                    conditions: Vec::new(),
                    delegate_admin: Some(false),
                    row_filter_info: Some(RangerPolicyItemRowFilterInfo { filter_expr: r.filter.clone() }),
                })
                .collect(),
            service_type: Some("trino".to_owned()),
            ..RangerPolicy::default()
        };
        // Validate against the service definition (with the engine's checks) before sending.
        let mut check = policy.clone();
        check.is_enabled = Some(true);
        PolicyEngine::from_policies(std::slice::from_ref(&check))?;
        Ok(policy)
    }
}

/// Names of the baseline policies (also the names `ensure` creates them under).
pub const BASELINE_EXECUTE_QUERY: &str = "trino-platform: execute queries";
/// Impersonating oneself.
pub const BASELINE_IMPERSONATE_SELF: &str = "trino-platform: impersonate self";
/// Killing one's queries.
pub const BASELINE_KILL_QUERY: &str = "trino-platform: kill own queries";

/// The policies Trino needs under Ranger's default deny, for every user (`{USER}`): execute on
/// `queryid=*` (run any query), impersonate on `trinouser={USER}` (act as oneself), execute on
/// `system.runtime.kill_query` (kill one's own queries).
pub fn baseline_policies() -> Vec<PolicySpec> {
    let user = |access: &str| ItemSpec {
        users: vec!["{USER}".to_owned()],
        accesses: vec![access.to_owned()],
        ..ItemSpec::default()
    };
    vec![
        PolicySpec::new(BASELINE_EXECUTE_QUERY, [("queryid", vec!["*"])]).allow(user("execute")),
        PolicySpec::new(BASELINE_IMPERSONATE_SELF, [("trinouser", vec!["{USER}"])]).allow(user("impersonate")),
        PolicySpec::new(
            BASELINE_KILL_QUERY,
            [("catalog", vec!["system"]), ("schema", vec!["runtime"]), ("procedure", vec!["kill_query"])],
        )
        .allow(user("execute")),
    ]
}

/// Everything `trino-platform ranger ensure-service` converges: the service, the baseline
/// policies, and named policies.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangerSetupSpec {
    /// The Trino service.
    pub service: TrinoServiceSpec,
    /// Ensure the baseline policies (default true).
    #[serde(default = "yes")]
    pub baseline: bool,
    /// Named policies.
    #[serde(default)]
    pub policies: Vec<PolicySpec>,
}

impl RangerSetupSpec {
    /// Parses a YAML (or JSON) spec. Fails with `InvalidInput` naming the bad key or value.
    pub fn from_yaml(text: &str) -> Result<Self> {
        crate::yaml::from_str(text, "Ranger setup spec")
    }

    /// Reads and parses a spec file ([`from_yaml`](Self::from_yaml)). Fails with
    /// `InvalidInput` naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Validates the whole spec (service configs, every policy, unique names) without network.
    pub fn validate(&self) -> Result<()> {
        self.service.desired_configs()?;
        let mut names = std::collections::BTreeSet::new();
        for policy in &self.policies {
            policy.to_policy(&self.service.name)?;
            if !names.insert(policy.name.as_str()) {
                return Err(Error::invalid_input(format!("policy {:?} is given twice", policy.name)));
            }
        }
        Ok(())
    }
}

/// The part of a policy `ensure` manages, normalised (Ranger's defaults filled in), for
/// comparing what is there with what should be.
#[derive(Debug, PartialEq, Eq)]
struct Managed {
    enabled: bool,
    kind: i32,
    priority: i32,
    description: String,
    audit: bool,
    deny_all_else: bool,
    resources: Vec<Vec<(String, Vec<String>, bool)>>,
    items: Vec<Vec<String>>,
}

fn normalized_item(
    accesses: &[RangerPolicyItemAccess],
    users: &[String],
    groups: &[String],
    roles: &[String],
    extra: String,
) -> Vec<String> {
    let mut out: Vec<String> =
        accesses.iter().map(|a| format!("a:{}:{}", a.access_type.to_ascii_lowercase(), a.allowed())).collect();
    out.extend(users.iter().map(|u| format!("u:{u}")));
    out.extend(groups.iter().map(|g| format!("g:{g}")));
    out.extend(roles.iter().map(|r| format!("r:{r}")));
    out.push(extra);
    out
}

fn managed(policy: &RangerPolicy) -> Managed {
    let resources = std::iter::once(&policy.resources)
        .chain(&policy.additional_resources)
        .map(|set| set.iter().map(|(k, r)| (k.clone(), r.values.clone(), r.excludes())).collect())
        .collect();
    let mut items = Vec::new();
    for (tag, list) in [
        ("allow", &policy.policy_items),
        ("deny", &policy.deny_policy_items),
        ("allowException", &policy.allow_exceptions),
        ("denyException", &policy.deny_exceptions),
    ] {
        for i in list {
            items.push(normalized_item(
                &i.accesses,
                &i.users,
                &i.groups,
                &i.roles,
                format!("{tag}:{}:{}", i.delegate_admin.unwrap_or(false), i.conditions.len()),
            ));
        }
    }
    for i in &policy.data_mask_policy_items {
        let info = i.data_mask_info.clone().unwrap_or_default();
        items.push(normalized_item(
            &i.accesses,
            &i.users,
            &i.groups,
            &i.roles,
            format!("mask:{}:{}", info.data_mask_type, info.value_expr.unwrap_or_default()),
        ));
    }
    for i in &policy.row_filter_policy_items {
        let info = i.row_filter_info.clone().unwrap_or_default();
        items.push(normalized_item(&i.accesses, &i.users, &i.groups, &i.roles, format!("filter:{}", info.filter_expr)));
    }
    Managed {
        enabled: policy.enabled(),
        kind: policy.kind(),
        priority: policy.priority(),
        description: policy.description.clone().unwrap_or_default(),
        audit: policy.is_audit_enabled.unwrap_or(true),
        deny_all_else: policy.deny_all_else(),
        resources,
        items,
    }
}

/// Whether `current` (as Ranger holds it) differs from `desired` in anything `ensure` manages.
pub(crate) fn policy_differs(desired: &RangerPolicy, current: &RangerPolicy) -> bool {
    managed(desired) != managed(current)
}

/// `current` with the managed fields of `desired` (keeps id, guid, version and Ranger's fields).
pub(crate) fn merge_policy(desired: &RangerPolicy, current: &RangerPolicy) -> RangerPolicy {
    RangerPolicy {
        id: current.id,
        guid: current.guid.clone(),
        version: current.version,
        zone_name: current.zone_name.clone(),
        policy_labels: current.policy_labels.clone(),
        validity_schedules: current.validity_schedules.clone(),
        conditions: current.conditions.clone(),
        other: current.other.clone(),
        ..desired.clone()
    }
}

/// Whether two policies have the same resources (Ranger's resource signature: two policies of
/// one type may not share it).
pub(crate) fn same_resources(a: &RangerPolicy, b: &RangerPolicy) -> bool {
    let key = |p: &RangerPolicy| {
        p.resources
            .iter()
            .map(|(k, r)| {
                let mut values = r.values.clone();
                values.sort();
                (k.clone(), values, r.excludes(), r.is_recursive.unwrap_or(false))
            })
            .collect::<Vec<_>>()
    };
    a.kind() == b.kind() && key(a) == key(b) && b.zone_name.as_deref().unwrap_or("").is_empty()
}

/// Whether `policy` already has an allow item granting `wanted`'s accesses to `wanted`'s users.
pub(crate) fn covers(policy: &RangerPolicy, wanted: &RangerPolicyItem) -> bool {
    policy.policy_items.iter().any(|item| {
        item.conditions.is_empty()
            && wanted.users.iter().all(|u| item.users.contains(u))
            && wanted.groups.iter().all(|g| item.groups.contains(g))
            && wanted.accesses.iter().all(|w| {
                item.accesses.iter().any(|a| {
                    a.allowed()
                        && (a.access_type.eq_ignore_ascii_case(&w.access_type)
                            || a.access_type.eq_ignore_ascii_case("all"))
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn svc() -> ServiceName {
        ServiceName::new("dev_trino").unwrap()
    }

    #[test]
    fn baseline_policies_are_valid_and_distinct() {
        let policies: Vec<RangerPolicy> = baseline_policies().iter().map(|p| p.to_policy(&svc()).unwrap()).collect();
        assert_eq!(policies.len(), 3);
        assert!(!same_resources(&policies[0], &policies[1]));
        assert!(!policy_differs(&policies[0], &policies[0].clone()));
    }

    #[test]
    fn specs_are_validated_against_the_service_definition() {
        for (json, needle) in [
            (r#"{"name": "x", "resources": {"tabel": ["t"]}}"#, "\"tabel\""),
            (
                r#"{"name": "x", "resources": {"catalog": ["c"]}, "allow": [{"users": ["u"], "accesses": ["selec"]}]}"#,
                "\"selec\"",
            ),
            (r#"{"name": "x", "resources": {"catalog": ["c"], "table": ["t"]}}"#, "resource path"),
            (
                r#"{"name": "x", "resources": {"catalog": ["c"], "schema": ["s"], "table": ["t"], "column": ["c"]}, "masks": [{"groups": ["g"], "maskType": "MASK_SHA"}]}"#,
                "MASK_SHA",
            ),
            (
                r#"{"name": "x", "resources": {"catalog": ["c"]}, "allow": [{"users": ["u"], "accesses": ["select"]}], "rowFilters": [{"filter": "1=1"}]}"#,
                "either",
            ),
        ] {
            let spec: PolicySpec = serde_json::from_str(json).unwrap();
            let err = spec.to_policy(&svc()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{json}");
            assert!(err.message().contains(needle), "{json}: {err}");
        }
    }

    #[test]
    fn service_configs_and_debug() {
        let mut spec = TrinoServiceSpec::new(svc(), "jdbc:trino://trino:8080");
        spec.password = Some(SecretString::from("lookup-pw"));
        let service = spec.to_service().unwrap();
        assert_eq!(service.configs["policy.download.auth.users"], "trino");
        assert_eq!(service.configs["jdbc.driverClassName"], "io.trino.jdbc.TrinoDriver");
        assert!(!format!("{spec:?}").contains("lookup-pw"));
        assert!(!format!("{service:?}").contains("lookup-pw"));
        spec.jdbc_url = "http://trino".into();
        assert_eq!(spec.to_service().unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}
