//! What the policy engine answers: a [`Decision`] (allowed or not, and the deciding policy),
//! and for `explain` the [`Explanation`]: every policy Ranger looked at, in Ranger's order, and
//! what it did. All of it serializes to JSON (camelCase) for the CLI and the bindings.

use std::collections::BTreeMap;

use serde::Serialize;

use super::matcher::MatchType;

/// Why a request was allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DecisionReason {
    /// The user or one of its groups is a super user (plugin or service config): allowed before
    /// any policy is looked at.
    SuperUser,
    /// An allow item of the deciding policy matched (and no allow exception cancelled it).
    AllowItem,
    /// A deny item of the deciding policy matched (and no deny exception cancelled it).
    DenyItem,
    /// The deciding policy matched the resource, no item matched, and it is `isDenyAllElse`.
    DenyAllElse,
    /// No policy decided: Ranger's result is "undetermined", which Trino's plugin denies.
    NoMatchingPolicy,
}

/// The answer to one access request (or, for a Trino check, to the request that decided it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether Trino's plugin would allow it.
    pub allowed: bool,
    /// The access asked for (`select`, `_any`, …).
    pub access: String,
    /// The resource asked about.
    pub resource: BTreeMap<String, String>,
    /// For `_any`: the access type whose evaluation decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by_access: Option<String>,
    /// Id of the deciding policy (absent for super users and when no policy decided; Ranger
    /// reports -1 then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    /// Name of the deciding policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// Priority of the deciding policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_priority: Option<PriorityName>,
    /// Why.
    pub reason: DecisionReason,
}

/// A policy priority by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PriorityName {
    /// `policyPriority` 0.
    Normal,
    /// `policyPriority` 1.
    Override,
}

impl PriorityName {
    pub(crate) fn of(priority: i32) -> Self {
        if priority >= 1 { PriorityName::Override } else { PriorityName::Normal }
    }
}

/// What one policy did during an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepOutcome {
    /// Its resources do not cover the request.
    ResourceNotMatched,
    /// Its resources match, but none of its items is for this user and access.
    NoItemMatched,
    /// An allow item matched and the request is now allowed (a later deny of the same
    /// priority can still take it back).
    Allowed,
    /// An allow item matched, but the request was already allowed by an earlier policy.
    AlreadyAllowed,
    /// An allow item matched, but the policy is on an ancestor of the resource (`_any` only),
    /// which grants nothing.
    AllowIgnoredOnAncestor,
    /// A deny item matched: denied, final.
    Denied,
    /// A deny item matched, but the policy is on a descendant of the resource (`_any` only),
    /// which denies nothing.
    DenyIgnoredOnDescendant,
    /// No item matched and the policy is `isDenyAllElse`: denied, final.
    DeniedAllElse,
    /// An item matched but an exception item cancelled it.
    CancelledByException,
    /// A mask or row filter item matched and applies.
    Applied,
    /// Not evaluated: the decision was already final.
    NotEvaluated,
}

/// One policy's part in an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainStep {
    /// Policy id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    /// Policy name.
    pub policy_name: String,
    /// Policy priority.
    pub priority: PriorityName,
    /// The access type evaluated (for `_any`, each type is evaluated in turn).
    pub access: String,
    /// How the policy's resources relate to the request's.
    pub match_type: MatchType,
    /// What happened.
    pub outcome: StepOutcome,
    /// The same in words (`deny item 1 matches group contractors`).
    pub detail: String,
}

/// A decision with the reasoning behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// One sentence.
    pub summary: String,
    /// The user's effective Ranger roles (given plus resolved from the roles document).
    pub roles: Vec<String>,
    /// The policies in Ranger's evaluation order (priority, deny-holding first, evaluation
    /// order, name), up to the one that made the decision final.
    pub steps: Vec<ExplainStep>,
}

impl Explanation {
    pub(crate) fn summarize(decision: &Decision, user: &str) -> String {
        let what = format!("{} by {user:?}", describe(&decision.access, &decision.resource));
        let policy = || match (&decision.policy_id, &decision.policy_name) {
            (Some(id), Some(name)) => format!("policy {id} {name:?}"),
            (None, Some(name)) => format!("policy {name:?}"),
            (Some(id), None) => format!("policy {id}"),
            (None, None) => "a policy".to_owned(),
        };
        match decision.reason {
            DecisionReason::SuperUser => format!("{what} is allowed: the user or one of its groups is a super user"),
            DecisionReason::AllowItem => format!("{what} is allowed by {}", policy()),
            DecisionReason::DenyItem => format!("{what} is denied by a deny item of {}", policy()),
            DecisionReason::DenyAllElse => {
                format!("{what} is denied by {}: no item matched and it denies everything else", policy())
            }
            DecisionReason::NoMatchingPolicy => {
                format!("{what} is denied: no policy allows it (Ranger's result is undetermined; Trino denies)")
            }
        }
    }
}

/// `select on delta.sales.orders.amount` / `execute on queryid=*`.
pub(crate) fn describe(access: &str, resource: &BTreeMap<String, String>) -> String {
    let mut ordered: Vec<(&str, &str)> = super::servicedef::RESOURCES
        .iter()
        .filter_map(|r| resource.get(r.name).map(|v| (r.name, v.as_str())))
        .collect();
    ordered.extend(
        resource
            .iter()
            .filter(|(k, _)| !super::servicedef::RESOURCES.iter().any(|r| r.name == k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let dotted = ordered.iter().all(|(k, _)| matches!(*k, "catalog" | "schema" | "table" | "column"));
    let object = if dotted && !ordered.is_empty() {
        ordered.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(".")
    } else {
        ordered.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
    };
    format!("{access} on {object}")
}
