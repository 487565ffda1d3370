//! The local policy engine: loads a Trino service's Ranger policies (the JSON the plugin
//! downloads, a Ranger export, or a list of policies) and answers access requests the way
//! Ranger's policy engine answers Trino's plugin, without a Ranger Admin or a Trino.
//!
//! Semantics (Ranger's `RangerPolicyEngineImpl` and `RangerDefaultPolicyEvaluator`):
//! - a super user or super group (plugin config or the service config's
//!   `ranger.plugin.super.users` / `.groups`) is allowed before any policy is looked at;
//! - policies are evaluated OVERRIDE before NORMAL; within a priority, policies holding deny
//!   items (or `isDenyAllElse`) first, then by Ranger's evaluation order, then by name;
//! - inside a policy, deny items before allow items; the first matching item counts, and a
//!   matching exception item cancels it (deny exceptions cancel deny items, allow exceptions
//!   allow items); when nothing matched, an `isDenyAllElse` policy denies;
//! - a deny is final; an allow is final once no deny-holding policy of the same priority is
//!   left, and an earlier allow is final against every lower-priority policy;
//! - `_any` asks every access type in turn and is allowed if any one is;
//! - nothing decided → undetermined → denied (Trino's plugin treats it as a deny);
//! - resources match with `*`/`?` wildcards, case-insensitively, `{USER}` standing for the
//!   requester, `isExcludes` inverting; the `all` access implies every other one; `{USER}` in
//!   an item's users is every user, group `public` every group; roles come from a Ranger roles
//!   document ([`RangerRoles`]) or the request; disabled and audit policies are skipped.
//!
//! Not supported (rejected at load with a typed error naming the policy, so that no answer is
//! silently wrong): policy or item conditions, validity schedules, security zones and policy
//! deltas. Tag-based policies are ignored with a warning (the engine has no tags).
//!
//! ```
//! use trino_platform::ranger::{AccessRequest, PolicyEngine};
//!
//! let engine = PolicyEngine::from_json(r#"[{"id": 1, "name": "analysts read sales",
//!     "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]},
//!                   "table": {"values": ["*"]}, "column": {"values": ["*"]}},
//!     "policyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"]}]}]"#)?;
//! let request = AccessRequest::new("alice", "select").with_group("analysts").with_object("delta.sales.orders.amount")?;
//! let decision = engine.evaluate(&request)?;
//! assert!(decision.allowed);
//! assert_eq!(decision.policy_id, Some(1));
//! # Ok::<(), trino_platform::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::explain::{Decision, DecisionReason, ExplainStep, Explanation, PriorityName, StepOutcome};
use super::matcher::{CompiledResources, MatchType, ResourceMatcher, USER_TOKEN};
use super::model::{
    POLICY_TYPE_ACCESS, POLICY_TYPE_AUDIT, POLICY_TYPE_DATAMASK, POLICY_TYPE_ROWFILTER, RangerPolicy, RangerPolicyItem,
    RangerPolicyItemAccess, RangerPolicyItemCondition, RangerPolicyResource, RangerRoles, ServicePolicies,
};
use super::request::{AccessRequest, ResourceScope, TrinoAction};
use super::servicedef::{self, ACCESS_TYPES, ALL, ANY_ACCESS, AccessBit, MaskTypeDef, ResIdx};
use crate::error::{Error, Result};

/// Service-config keys naming super users and groups (comma-separated).
const SUPER_USERS_KEY: &str = "ranger.plugin.super.users";
const SUPER_GROUPS_KEY: &str = "ranger.plugin.super.groups";

/// Who asks: Trino's user, its groups, and Ranger roles given directly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Identity {
    /// User name.
    pub user: String,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Roles beyond those resolved from the engine's roles document.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Identity {
    /// A user without groups or roles.
    pub fn new(user: impl Into<String>) -> Self {
        Self { user: user.into(), ..Self::default() }
    }

    /// Adds a group.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }
}

/// Which kind of policy a compiled policy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Access,
    DataMask,
    RowFilter,
}

/// An item compiled for matching.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    users: Vec<String>,
    any_user: bool,
    groups: Vec<String>,
    public: bool,
    roles: Vec<String>,
    /// Bit per allowed access type; `all` sets every bit.
    accesses: u16,
}

impl Item {
    fn compile(
        accesses: &[RangerPolicyItemAccess],
        users: &[String],
        groups: &[String],
        roles: &[String],
        conditions: &[RangerPolicyItemCondition],
        context: &str,
    ) -> Result<Self> {
        if let Some(condition) = conditions.first() {
            return Err(unsupported(context, &format!("item conditions ({:?})", condition.condition_type)));
        }
        let mut bits = 0u16;
        for access in accesses {
            let bit = servicedef::access_bit(&access.access_type, &context)?;
            if access.allowed() {
                bits |= if bit == ALL { u16::MAX } else { 1 << bit };
            }
        }
        Ok(Self {
            users: users.to_vec(),
            any_user: users.iter().any(|u| u == USER_TOKEN),
            public: groups.iter().any(|g| g.eq_ignore_ascii_case("public")),
            groups: groups.to_vec(),
            roles: roles.to_vec(),
            accesses: bits,
        })
    }

    fn grants(&self, access: AccessBit) -> bool {
        self.accesses & (1 << access) != 0
    }

    /// Whether the item is for this principal (not looking at the access).
    fn is_for(&self, who: &Who<'_>) -> bool {
        (self.any_user && !who.user.is_empty())
            || self.users.iter().any(|u| u == who.user)
            || self.public
            || self.groups.iter().any(|g| who.groups.iter().any(|w| w == g))
            || self.roles.iter().any(|r| who.roles.contains(r))
    }

    /// Why the item is for this principal, in words.
    fn why(&self, who: &Who<'_>) -> String {
        if self.users.iter().any(|u| u == who.user) {
            format!("user {}", who.user)
        } else if self.any_user && !who.user.is_empty() {
            "user {USER}".to_owned()
        } else if let Some(g) = self.groups.iter().find(|g| who.groups.iter().any(|w| w == *g)) {
            format!("group {g}")
        } else if self.public {
            "group public".to_owned()
        } else if let Some(r) = self.roles.iter().find(|r| who.roles.contains(*r)) {
            format!("role {r}")
        } else {
            "nobody".to_owned()
        }
    }

    pub(crate) fn matches(&self, who: &Who<'_>, access: AccessBit) -> bool {
        self.grants(access) && self.is_for(who)
    }
}

/// A resolved column mask of a data-mask item.
#[derive(Debug, Clone)]
pub(crate) struct MaskInfo {
    pub(crate) def: Option<&'static MaskTypeDef>,
    pub(crate) mask_type: String,
    pub(crate) value_expr: Option<String>,
}

/// A policy compiled for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) id: Option<i64>,
    pub(crate) name: String,
    pub(crate) priority: i32,
    has_deny: bool,
    deny_all_else: bool,
    eval_order: i32,
    resources: Vec<CompiledResources>,
    deny: Vec<Item>,
    allow: Vec<Item>,
    allow_exceptions: Vec<Item>,
    deny_exceptions: Vec<Item>,
    pub(crate) masks: Vec<(Item, Option<MaskInfo>)>,
    pub(crate) row_filters: Vec<(Item, String)>,
}

fn unsupported(context: &str, what: &str) -> Error {
    Error::invalid_input(format!(
        "{context}: {what} are not supported by the local policy engine; remove them from the policy or check this one in Ranger itself"
    ))
}

impl Compiled {
    fn new(policy: &RangerPolicy, kind: Kind) -> Result<Self> {
        let context = policy.label();
        if let Some(condition) = policy.conditions.first() {
            return Err(unsupported(&context, &format!("policy conditions ({:?})", condition.condition_type)));
        }
        if !policy.validity_schedules.is_empty() {
            return Err(unsupported(&context, "validity schedules"));
        }
        if policy.zone_name.as_deref().is_some_and(|z| !z.is_empty()) {
            return Err(unsupported(&context, "security zones"));
        }
        let priority = policy.priority();
        if !(0..=1).contains(&priority) {
            return Err(Error::invalid_input(format!(
                "{context}: unknown policyPriority {priority} (0 NORMAL or 1 OVERRIDE)"
            )));
        }
        let mut resources = Vec::new();
        for set in std::iter::once(&policy.resources).chain(&policy.additional_resources) {
            resources.push(compile_resources(set, kind, &context)?);
        }
        let item = |i: &RangerPolicyItem, what: &str, n: usize| {
            Item::compile(&i.accesses, &i.users, &i.groups, &i.roles, &i.conditions, &format!("{context}, {what} {n}"))
        };
        let items = |list: &[RangerPolicyItem], what: &str| -> Result<Vec<Item>> {
            list.iter().enumerate().map(|(n, i)| item(i, what, n + 1)).collect()
        };
        let (deny, allow, allow_exceptions, deny_exceptions) = match kind {
            Kind::Access => (
                items(&policy.deny_policy_items, "deny item")?,
                items(&policy.policy_items, "allow item")?,
                items(&policy.allow_exceptions, "allow exception")?,
                items(&policy.deny_exceptions, "deny exception")?,
            ),
            _ => Default::default(),
        };
        let mut masks = Vec::new();
        let mut row_filters = Vec::new();
        let select_only = |item: &Item, what: &str, n: usize| -> Result<()> {
            if item.accesses & !1 != 0 && item.accesses != u16::MAX {
                return Err(Error::invalid_input(format!(
                    "{context}, {what} {n}: masks and row filters take only the select access"
                )));
            }
            Ok(())
        };
        if kind == Kind::DataMask {
            for (n, i) in policy.data_mask_policy_items.iter().enumerate() {
                let what = format!("{context}, mask item {}", n + 1);
                let compiled = Item::compile(&i.accesses, &i.users, &i.groups, &i.roles, &i.conditions, &what)?;
                select_only(&compiled, "mask item", n + 1)?;
                let info = match &i.data_mask_info {
                    Some(info) if !info.data_mask_type.is_empty() => {
                        let def = servicedef::mask_type(&info.data_mask_type).ok_or_else(|| {
                            Error::invalid_input(format!(
                                "{what}: unknown dataMaskType {:?}; the trino service defines {}",
                                info.data_mask_type,
                                servicedef::MASK_TYPES.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
                            ))
                        })?;
                        Some(MaskInfo {
                            def: Some(def),
                            mask_type: def.name.to_owned(),
                            value_expr: info.value_expr.clone(),
                        })
                    }
                    _ => None,
                };
                masks.push((compiled, info));
            }
        }
        if kind == Kind::RowFilter {
            for (n, i) in policy.row_filter_policy_items.iter().enumerate() {
                let what = format!("{context}, row filter item {}", n + 1);
                let compiled = Item::compile(&i.accesses, &i.users, &i.groups, &i.roles, &i.conditions, &what)?;
                select_only(&compiled, "row filter item", n + 1)?;
                let filter = i.row_filter_info.as_ref().map(|f| f.filter_expr.clone()).unwrap_or_default();
                row_filters.push((compiled, filter));
            }
        }
        let has_deny = kind == Kind::Access && (policy.deny_all_else() || !policy.deny_policy_items.is_empty());
        Ok(Self {
            id: policy.id,
            name: policy.name.clone().unwrap_or_default(),
            priority,
            has_deny,
            deny_all_else: kind == Kind::Access && policy.deny_all_else(),
            eval_order: eval_order(policy),
            resources,
            deny,
            allow,
            allow_exceptions,
            deny_exceptions,
            masks,
            row_filters,
        })
    }

    /// The best relation of any of the policy's resource sets to the request.
    pub(crate) fn match_type(&self, request: &Prepared<'_>) -> MatchType {
        let mut best = MatchType::None;
        for set in &self.resources {
            let m = set.match_type(&request.path, &request.values, request.who.user);
            let rank = |m: MatchType| match m {
                MatchType::SelfMatch => 4,
                MatchType::SelfAndAllDescendants => 3,
                MatchType::Descendant => 2,
                MatchType::Ancestor => 1,
                MatchType::None => 0,
            };
            if rank(m) > rank(best) {
                best = m;
            }
        }
        best
    }
}

/// Validates and compiles one resource set.
fn compile_resources(
    set: &BTreeMap<String, RangerPolicyResource>,
    kind: Kind,
    context: &str,
) -> Result<CompiledResources> {
    let path = servicedef::resource_path(set.keys().map(String::as_str), &context)?;
    let required: &[ResIdx] = match kind {
        Kind::DataMask => &[0, 1, 2, 3],
        Kind::RowFilter => &[0, 1, 2],
        Kind::Access => &[],
    };
    if !required.is_empty() && path != required {
        let names: Vec<&str> = required.iter().map(|&i| servicedef::resource_name(i)).collect();
        return Err(Error::invalid_input(format!(
            "{context}: a {} policy needs exactly the resources {}",
            if kind == Kind::DataMask { "data-mask" } else { "row-filter" },
            names.join(", ")
        )));
    }
    let matchers = path.iter().map(|&i| ResourceMatcher::new(&set[servicedef::resource_name(i)])).collect();
    Ok(CompiledResources::new(path, matchers))
}

/// Ranger's evaluation order (`RangerOptimizedPolicyEvaluator.computeEvalOrder`): broad
/// policies (match-any resources, the public group, many accesses) come first.
fn eval_order(policy: &RangerPolicy) -> i32 {
    let mut resource_discount = 0;
    for resource in policy.resources.values().filter(|r| !r.values.is_empty()) {
        let matcher = ResourceMatcher::new(resource);
        if resource.values.iter().any(|v| v.is_empty() || v == "*") {
            resource_discount += 25;
        } else {
            if matcher.has_star() {
                resource_discount += 10;
            } else if matcher.has_question() {
                resource_discount += 5;
            }
            if matcher.excludes() {
                resource_discount += 5;
            }
            if resource.is_recursive.unwrap_or(false) {
                resource_discount += 5;
            }
        }
    }
    let mut users = BTreeSet::new();
    let mut groups = BTreeSet::new();
    let mut accesses = BTreeSet::new();
    for item in &policy.policy_items {
        users.extend(item.users.iter());
        groups.extend(item.groups.iter());
        for access in item.accesses.iter().filter(|a| a.allowed()) {
            if access.access_type.eq_ignore_ascii_case("all") {
                accesses.extend(ACCESS_TYPES.iter().map(|a| (*a).to_owned()));
            } else {
                accesses.insert(access.access_type.to_ascii_lowercase());
            }
        }
    }
    let users_groups = if groups.iter().any(|g| g.eq_ignore_ascii_case("public")) {
        25
    } else {
        (users.len() + groups.len()).min(25) as i32
    };
    let access_discount = ((25.0_f32 * accesses.len() as f32) / ACCESS_TYPES.len() as f32 + 0.5).floor() as i32;
    10_000 - resource_discount.min(100) - users_groups - access_discount - 25
}

/// `RangerPolicyEvaluator.PolicyEvalOrderComparator`.
fn sort(policies: &mut [Compiled]) {
    policies.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(b.has_deny.cmp(&a.has_deny))
            .then(a.eval_order.cmp(&b.eval_order))
            .then(a.name.cmp(&b.name))
            .then(a.id.cmp(&b.id))
    });
}

/// `request select on …`, formatted only when an error needs it.
struct RequestContext<'a>(&'a AccessRequest);

impl std::fmt::Display for RequestContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request {}", self.0.describe())
    }
}

/// A resolved principal.
pub(crate) struct Who<'a> {
    pub(crate) user: &'a str,
    pub(crate) groups: &'a [String],
    pub(crate) roles: BTreeSet<String>,
}

/// A request ready for matching: resource path and lower-cased values.
pub(crate) struct Prepared<'a> {
    pub(crate) who: Who<'a>,
    pub(crate) path: Vec<ResIdx>,
    pub(crate) values: Vec<String>,
    scope: ResourceScope,
}

/// The running result of one evaluation (`RangerAccessResult`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub(crate) allowed: bool,
    pub(crate) determined: bool,
    pub(crate) priority: i32,
    /// Index of the deciding policy in its list.
    pub(crate) policy: Option<usize>,
    pub(crate) reason: DecisionReason,
    /// Index of the deciding mask / row-filter item.
    pub(crate) item: Option<usize>,
}

impl Outcome {
    pub(crate) fn new() -> Self {
        Self {
            allowed: false,
            determined: false,
            priority: 0,
            policy: None,
            reason: DecisionReason::NoMatchingPolicy,
            item: None,
        }
    }

    pub(crate) fn super_user() -> Self {
        Self { allowed: true, determined: true, priority: i32::MAX, reason: DecisionReason::SuperUser, ..Self::new() }
    }
}

/// The members of one role.
#[derive(Debug, Clone, Default)]
struct RoleMembers {
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    roles: BTreeSet<String>,
}

/// Roles by name.
#[derive(Debug, Clone, Default)]
struct RoleIndex {
    roles: BTreeMap<String, RoleMembers>,
}

impl RoleIndex {
    /// The roles `user` (in `groups`) holds, through users, groups and nested roles.
    fn resolve(&self, user: &str, groups: &[String], extra: &[String]) -> BTreeSet<String> {
        let mut held: BTreeSet<String> = extra.iter().cloned().collect();
        for (name, members) in &self.roles {
            if members.users.contains(user)
                || groups.iter().any(|g| members.groups.contains(g))
                || members.groups.contains("public")
            {
                held.insert(name.clone());
            }
        }
        loop {
            let before = held.len();
            for (name, members) in &self.roles {
                if !held.contains(name) && members.roles.iter().any(|m| held.contains(m)) {
                    held.insert(name.clone());
                }
            }
            if held.len() == before {
                return held;
            }
        }
    }
}

/// A Trino service's policies, ready to answer access, column-mask and row-filter requests.
/// Cheap to share across threads (`Send + Sync`); evaluation takes `&self`.
#[derive(Debug, Clone, Default)]
pub struct PolicyEngine {
    service_name: Option<String>,
    policy_version: Option<i64>,
    access: Vec<Compiled>,
    pub(crate) masks: Vec<Compiled>,
    pub(crate) row_filters: Vec<Compiled>,
    super_users: BTreeSet<String>,
    super_groups: BTreeSet<String>,
    roles: RoleIndex,
    warnings: Vec<String>,
}

/// Names the top-level field of a policy object that fails to deserialize.
fn locate_policy_error(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    for (key, field) in object {
        let single = Value::Object([(key.clone(), field.clone())].into_iter().collect());
        if let Err(e) = serde_json::from_value::<RangerPolicy>(single) {
            return Some(format!("field {key:?}: {e}"));
        }
    }
    None
}

fn describe_raw_policy(index: usize, value: &Value) -> String {
    let id = value.get("id").map(Value::to_string);
    let name = value.get("name").and_then(Value::as_str);
    match (id, name) {
        (Some(id), Some(name)) => format!("policy #{index} (id {id}, {name:?})"),
        (Some(id), None) => format!("policy #{index} (id {id})"),
        (None, Some(name)) => format!("policy #{index} ({name:?})"),
        (None, None) => format!("policy #{index}"),
    }
}

fn split_list(value: Option<&String>) -> impl Iterator<Item = String> + '_ {
    value.into_iter().flat_map(|v| v.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl PolicyEngine {
    /// Loads policies from JSON: the object the plugin downloads (`ServicePolicies`, with
    /// `policies`, `serviceConfig`, …), a Ranger export (an object with `policies`), or an array
    /// of policies (what `GET …/service/{name}/policy` returns).
    ///
    /// Fails with `InvalidInput` naming the policy and field on malformed JSON, an unknown
    /// resource, access or mask type, a resource set that is not a Trino resource path, and on
    /// the features the engine does not support (see the module docs).
    pub fn from_json(text: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| Error::invalid_input(format!("malformed policy JSON: {e}")))?;
        Self::from_value(value)
    }

    /// [`from_json`](Self::from_json) on parsed JSON.
    pub fn from_value(value: Value) -> Result<Self> {
        let (raw_policies, service) = match value {
            Value::Array(items) => (items, ServicePolicies::default()),
            Value::Object(mut map) => {
                let policies = match map.remove("policies") {
                    Some(Value::Array(items)) => items,
                    Some(Value::Null) | None => Vec::new(),
                    Some(other) => {
                        return Err(Error::invalid_input(format!(
                            "malformed policy JSON: \"policies\" must be an array, not {}",
                            type_name(&other)
                        )));
                    }
                };
                if !map.contains_key("serviceName")
                    && !map.contains_key("metaDataInfo")
                    && !map.contains_key("serviceConfig")
                    && policies.is_empty()
                    && map.contains_key("resources")
                {
                    return Err(Error::invalid_input(
                        "malformed policy JSON: this is one policy; pass an array of policies or an object with \"policies\"",
                    ));
                }
                let service: ServicePolicies = serde_json::from_value(Value::Object(map))
                    .map_err(|e| Error::invalid_input(format!("malformed service policies JSON: {e}")))?;
                (policies, service)
            }
            other => {
                return Err(Error::invalid_input(format!(
                    "malformed policy JSON: expected an object with \"policies\" or an array of policies, not {}",
                    type_name(&other)
                )));
            }
        };
        let mut policies = Vec::with_capacity(raw_policies.len());
        for (index, raw) in raw_policies.into_iter().enumerate() {
            let label = describe_raw_policy(index, &raw);
            if !raw.is_object() {
                return Err(Error::invalid_input(format!("{label}: expected a JSON object, not {}", type_name(&raw))));
            }
            let policy = RangerPolicy::deserialize(&raw).map_err(|e| {
                let detail = locate_policy_error(&raw).unwrap_or_else(|| e.to_string());
                Error::invalid_input(format!("{label}: malformed policy: {detail}"))
            })?;
            policies.push(policy);
        }
        let service = ServicePolicies { policies, ..service };
        Self::from_service_policies(&service)
    }

    /// Loads the policies of a download (`ServicePolicies`). See [`from_json`](Self::from_json).
    pub fn from_service_policies(service: &ServicePolicies) -> Result<Self> {
        if !service.security_zones.is_empty() {
            return Err(unsupported("the service policies", "security zones"));
        }
        if !service.policy_deltas.is_empty() {
            return Err(unsupported(
                "the service policies",
                "policy deltas (download with supportsPolicyDeltas=false)",
            ));
        }
        let mut engine = Self::from_policies(&service.policies)?;
        engine.service_name = service.service_name.clone();
        engine.policy_version = service.policy_version;
        engine.super_users.extend(split_list(service.service_config.get(SUPER_USERS_KEY)));
        engine.super_groups.extend(split_list(service.service_config.get(SUPER_GROUPS_KEY)));
        if let Some(tags) = &service.tag_policies {
            let count = tags.get("policies").and_then(Value::as_array).map_or(0, Vec::len);
            if count > 0 {
                engine.warnings.push(format!(
                    "{count} tag-based policies are ignored: the local engine has no tags to apply them to"
                ));
            }
        }
        Ok(engine)
    }

    /// Loads a list of policies. See [`from_json`](Self::from_json).
    pub fn from_policies(policies: &[RangerPolicy]) -> Result<Self> {
        let mut engine = Self::default();
        for policy in policies {
            if !policy.enabled() {
                continue;
            }
            let kind = match policy.kind() {
                POLICY_TYPE_ACCESS => Kind::Access,
                POLICY_TYPE_DATAMASK => Kind::DataMask,
                POLICY_TYPE_ROWFILTER => Kind::RowFilter,
                POLICY_TYPE_AUDIT => continue,
                other => {
                    return Err(Error::invalid_input(format!(
                        "{}: unknown policyType {other} (0 access, 1 data mask, 2 row filter, 3 audit)",
                        policy.label()
                    )));
                }
            };
            let compiled = Compiled::new(policy, kind)?;
            let macros = |text: &str| text.contains("${{");
            if compiled.masks.iter().any(|(_, m)| m.as_ref().and_then(|m| m.value_expr.as_deref()).is_some_and(macros))
                || compiled.row_filters.iter().any(|(_, f)| macros(f))
            {
                engine
                    .warnings
                    .push(format!("{}: ${{{{…}}}} user-attribute macros are returned unexpanded", policy.label()));
            }
            match kind {
                Kind::Access => engine.access.push(compiled),
                Kind::DataMask => engine.masks.push(compiled),
                Kind::RowFilter => engine.row_filters.push(compiled),
            }
        }
        sort(&mut engine.access);
        sort(&mut engine.masks);
        sort(&mut engine.row_filters);
        Ok(engine)
    }

    /// Adds Ranger roles (the JSON of `/service/roles/download/{service}`), so that role items
    /// match the users and groups that hold them.
    pub fn with_roles(mut self, roles: &RangerRoles) -> Self {
        for role in &roles.ranger_roles {
            let entry = self.roles.roles.entry(role.name.clone()).or_default();
            entry.users.extend(role.users.iter().map(|m| m.name.clone()));
            entry.groups.extend(role.groups.iter().map(|m| m.name.clone()));
            entry.roles.extend(role.roles.iter().map(|m| m.name.clone()));
        }
        self
    }

    /// [`with_roles`](Self::with_roles) from JSON. Fails with `InvalidInput` on malformed JSON.
    pub fn with_roles_json(self, text: &str) -> Result<Self> {
        let roles: RangerRoles =
            serde_json::from_str(text).map_err(|e| Error::invalid_input(format!("malformed roles JSON: {e}")))?;
        Ok(self.with_roles(&roles))
    }

    /// Adds super users and groups (the plugin's `ranger.plugin.trino.super.users` /
    /// `.super.groups`); the service config's are read at load.
    pub fn with_super_users<U, G>(
        mut self,
        users: impl IntoIterator<Item = U>,
        groups: impl IntoIterator<Item = G>,
    ) -> Self
    where
        U: Into<String>,
        G: Into<String>,
    {
        self.super_users.extend(users.into_iter().map(Into::into));
        self.super_groups.extend(groups.into_iter().map(Into::into));
        self
    }

    /// The service name of a download, if it said.
    pub fn service_name(&self) -> Option<&str> {
        self.service_name.as_deref()
    }

    /// The policy version of a download, if it said.
    pub fn policy_version(&self) -> Option<i64> {
        self.policy_version
    }

    /// Number of enforced policies (access, data mask, row filter).
    pub fn policy_count(&self) -> usize {
        self.access.len() + self.masks.len() + self.row_filters.len()
    }

    /// What was loaded but cannot be honoured (tag policies, unexpanded macros).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub(crate) fn is_super(&self, user: &str, groups: &[String]) -> bool {
        self.super_users.contains(user) || groups.iter().any(|g| self.super_groups.contains(g))
    }

    pub(crate) fn who<'a>(&self, user: &'a str, groups: &'a [String], roles: &[String]) -> Who<'a> {
        Who { user, groups, roles: self.roles.resolve(user, groups, roles) }
    }

    /// Validates a request and prepares it for matching.
    pub(crate) fn prepare<'a>(&self, request: &'a AccessRequest) -> Result<(Prepared<'a>, Option<AccessBit>)> {
        let context = RequestContext(request);
        let path = servicedef::resource_path(request.resource.keys().map(String::as_str), &context)?;
        let access =
            if request.access == ANY_ACCESS { None } else { Some(servicedef::access_bit(&request.access, &context)?) };
        let access_name = access.map_or(ANY_ACCESS, |b| ACCESS_TYPES[b as usize]);
        servicedef::check_access_on(&path, access_name, &context)?;
        let values =
            path.iter().map(|&i| request.resource[servicedef::resource_name(i)].to_lowercase()).collect::<Vec<_>>();
        let who = self.who(&request.user, &request.groups, &request.roles);
        Ok((Prepared { who, path, values, scope: request.scope }, access))
    }

    /// Decides `request` as Trino's plugin would. Fails with `InvalidInput` on an unknown
    /// resource or access type, or a resource that is not a Trino resource path.
    pub fn evaluate(&self, request: &AccessRequest) -> Result<Decision> {
        let (prepared, access) = self.prepare(request)?;
        let (outcome, decided_by) = self.run(&prepared, access, &mut None);
        Ok(self.decision(request, outcome, decided_by))
    }

    /// [`evaluate`](Self::evaluate), with every policy looked at and what it did.
    pub fn explain(&self, request: &AccessRequest) -> Result<Explanation> {
        let (prepared, access) = self.prepare(request)?;
        let mut steps = Some(Vec::new());
        let (outcome, decided_by) = self.run(&prepared, access, &mut steps);
        let decision = self.decision(request, outcome, decided_by);
        Ok(Explanation {
            summary: Explanation::summarize(&decision, &request.user),
            decision,
            roles: prepared.who.roles.iter().cloned().collect(),
            steps: steps.unwrap_or_default(),
        })
    }

    /// Decides a Trino check: every Ranger request it makes must be allowed. Returns the
    /// decision of the first denied request, or of the last one when all are allowed.
    /// Fails with `InvalidInput` when the action's target does not fit the check.
    pub fn evaluate_action(&self, identity: &Identity, action: &TrinoAction) -> Result<Decision> {
        let mut last = None;
        for mut request in action.requests()? {
            request.user.clone_from(&identity.user);
            request.groups.clone_from(&identity.groups);
            request.roles.clone_from(&identity.roles);
            let decision = self.evaluate(&request)?;
            if !decision.allowed {
                return Ok(decision);
            }
            last = Some(decision);
        }
        last.ok_or_else(|| Error::new(crate::ErrorKind::Internal, "a Trino check produced no Ranger request"))
    }

    fn decision(&self, request: &AccessRequest, outcome: Outcome, decided_by: Option<AccessBit>) -> Decision {
        let policy = outcome.policy.and_then(|i| self.access.get(i));
        Decision {
            allowed: outcome.allowed,
            access: request.access.clone(),
            resource: request.resource.clone(),
            decided_by_access: if request.access == ANY_ACCESS {
                decided_by.map(|b| ACCESS_TYPES[b as usize].to_owned())
            } else {
                None
            },
            policy_id: policy.and_then(|p| p.id),
            policy_name: policy.map(|p| p.name.clone()),
            policy_priority: policy.map(|p| PriorityName::of(p.priority)),
            reason: outcome.reason,
        }
    }

    /// Runs one request: a specific access, or `_any` as one evaluation per access type.
    fn run(
        &self,
        request: &Prepared<'_>,
        access: Option<AccessBit>,
        trace: &mut Option<Vec<ExplainStep>>,
    ) -> (Outcome, Option<AccessBit>) {
        if self.is_super(request.who.user, request.who.groups) {
            return (Outcome::super_user(), access);
        }
        if let Some(bit) = access {
            return (self.run_one(request, bit, false, trace), access);
        }
        let mut denied = None;
        for bit in 0..ACCESS_TYPES.len() as AccessBit {
            let outcome = self.run_one(request, bit, true, trace);
            if outcome.allowed {
                return (outcome, Some(bit));
            }
            if outcome.determined && denied.is_none() {
                denied = Some((outcome, Some(bit)));
            }
        }
        denied.unwrap_or((Outcome::new(), None))
    }

    /// `evaluatePoliciesForOneAccessTypeNoAudit` over the access policies.
    fn run_one(
        &self,
        request: &Prepared<'_>,
        access: AccessBit,
        any: bool,
        trace: &mut Option<Vec<ExplainStep>>,
    ) -> Outcome {
        let mut result = Outcome::new();
        for (index, policy) in self.access.iter().enumerate() {
            if result.allowed && result.priority > policy.priority {
                result.determined = true;
            }
            if result.determined {
                if let Some(steps) = trace.as_mut() {
                    steps.push(step(
                        policy,
                        access,
                        MatchType::None,
                        StepOutcome::NotEvaluated,
                        "the decision is final".into(),
                    ));
                }
                break;
            }
            self.evaluate_policy(index, policy, request, access, any, &mut result, trace);
            if result.allowed && !policy.has_deny {
                result.determined = true;
            }
            if result.determined {
                break;
            }
        }
        if result.allowed {
            result.determined = true;
        }
        result
    }

    /// `RangerDefaultPolicyEvaluator.evaluate` for an access policy.
    #[allow(clippy::too_many_arguments)]
    fn evaluate_policy(
        &self,
        index: usize,
        policy: &Compiled,
        request: &Prepared<'_>,
        access: AccessBit,
        any: bool,
        result: &mut Outcome,
        trace: &mut Option<Vec<ExplainStep>>,
    ) {
        let match_type = policy.match_type(request);
        let matched = if any || request.scope == ResourceScope::SelfOrDescendants {
            match_type != MatchType::None
        } else {
            matches!(match_type, MatchType::SelfMatch | MatchType::SelfAndAllDescendants)
        };
        // Details are formatted only when explaining.
        let mut record = |outcome: StepOutcome, detail: &dyn Fn() -> String| {
            if let Some(steps) = trace.as_mut() {
                steps.push(step(policy, access, match_type, outcome, detail()));
            }
        };
        if !matched {
            record(StepOutcome::ResourceNotMatched, &|| {
                format!("its resources do not cover the request ({match_type:?})")
            });
            return;
        }
        let who = &request.who;
        let first = |items: &[Item]| items.iter().position(|i| i.matches(who, access));
        let access_name = ACCESS_TYPES[access as usize];
        // Deny items first; a deny exception cancels the matched deny item.
        if let Some(n) = first(&policy.deny) {
            if let Some(e) = first(&policy.deny_exceptions) {
                record(StepOutcome::CancelledByException, &|| {
                    format!(
                        "deny item {} matches {} for {access_name}, but deny exception {} ({}) cancels it",
                        n + 1,
                        policy.deny[n].why(who),
                        e + 1,
                        policy.deny_exceptions[e].why(who)
                    )
                });
            } else {
                if match_type == MatchType::Descendant {
                    record(StepOutcome::DenyIgnoredOnDescendant, &|| {
                        format!("deny item {} matches, but the policy is on a descendant of the resource", n + 1)
                    });
                } else {
                    *result = Outcome {
                        allowed: false,
                        determined: true,
                        priority: policy.priority,
                        policy: Some(index),
                        reason: DecisionReason::DenyItem,
                        item: None,
                    };
                    record(StepOutcome::Denied, &|| {
                        format!("deny item {} matches {} for {access_name}", n + 1, policy.deny[n].why(who))
                    });
                }
                return;
            }
        }
        if let Some(n) = first(&policy.allow) {
            if let Some(e) = first(&policy.allow_exceptions) {
                let detail = || {
                    format!(
                        "allow item {} matches {} for {access_name}, but allow exception {} ({}) cancels it",
                        n + 1,
                        policy.allow[n].why(who),
                        e + 1,
                        policy.allow_exceptions[e].why(who)
                    )
                };
                if policy.deny_all_else {
                    self.deny_all_else(index, policy, result);
                    record(StepOutcome::DeniedAllElse, &|| format!("{}; the policy denies everything else", detail()));
                } else {
                    record(StepOutcome::CancelledByException, &detail);
                }
                return;
            }
            let why = || format!("allow item {} matches {} for {access_name}", n + 1, policy.allow[n].why(who));
            if result.allowed {
                record(StepOutcome::AlreadyAllowed, &|| format!("{}; already allowed by an earlier policy", why()));
            } else if match_type == MatchType::Ancestor {
                record(StepOutcome::AllowIgnoredOnAncestor, &|| {
                    format!("{}, but the policy is on an ancestor of the resource", why())
                });
            } else {
                *result = Outcome {
                    allowed: true,
                    determined: false,
                    priority: policy.priority,
                    policy: Some(index),
                    reason: DecisionReason::AllowItem,
                    item: None,
                };
                record(StepOutcome::Allowed, &why);
            }
            return;
        }
        if policy.deny_all_else {
            self.deny_all_else(index, policy, result);
            record(StepOutcome::DeniedAllElse, &|| "no item matches and the policy denies everything else".into());
        } else {
            record(StepOutcome::NoItemMatched, &|| format!("no item is for this user and {access_name}"));
        }
    }

    fn deny_all_else(&self, index: usize, policy: &Compiled, result: &mut Outcome) {
        *result = Outcome {
            allowed: false,
            determined: true,
            priority: policy.priority,
            policy: Some(index),
            reason: DecisionReason::DenyAllElse,
            item: None,
        };
    }
}

pub(crate) fn step(
    policy: &Compiled,
    access: AccessBit,
    match_type: MatchType,
    outcome: StepOutcome,
    detail: String,
) -> ExplainStep {
    ExplainStep {
        policy_id: policy.id,
        policy_name: policy.name.clone(),
        priority: PriorityName::of(policy.priority),
        access: ACCESS_TYPES.get(access as usize).copied().unwrap_or(ANY_ACCESS).to_owned(),
        match_type,
        outcome,
        detail,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn eval_order_prefers_broad_policies() {
        let broad: RangerPolicy = serde_json::from_value(serde_json::json!({
            "resources": {"catalog": {"values": ["*"]}},
            "policyItems": [{"accesses": [{"type": "all"}], "groups": ["public"]}]
        }))
        .unwrap();
        let narrow: RangerPolicy = serde_json::from_value(serde_json::json!({
            "resources": {"catalog": {"values": ["delta"]}},
            "policyItems": [{"accesses": [{"type": "select"}], "users": ["alice"]}]
        }))
        .unwrap();
        // 10000 - 25 - 25 - 25 - 25 and 10000 - 0 - 1 - 2 - 25.
        assert_eq!(eval_order(&broad), 9900);
        assert_eq!(eval_order(&narrow), 9972);
    }

    #[test]
    fn one_policy_object_is_pointed_out() {
        let err = PolicyEngine::from_json(r#"{"id": 1, "resources": {"catalog": {"values": ["x"]}}}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("one policy"), "{err}");
    }
}
