//! What the policy engine answers, as plain objects converted from the core's types field by
//! field: a `Decision`, an `Explanation` (every policy looked at and what it did), a
//! `ColumnMask`, a `RowFilter`.

use std::collections::BTreeMap;

use napi_derive::napi;
use trino_platform::ranger;

/// Why a request was allowed or denied.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionReason {
    /// The user or one of its groups is a super user: allowed before any policy is looked at.
    SuperUser,
    /// An allow item of the deciding policy matched (and no allow exception cancelled it).
    AllowItem,
    /// A deny item of the deciding policy matched (and no deny exception cancelled it).
    DenyItem,
    /// The deciding policy matched the resource, no item matched, and it is `isDenyAllElse`.
    DenyAllElse,
    /// No policy decided: Ranger's result is undetermined, which Trino's plugin denies.
    NoMatchingPolicy,
}

impl From<ranger::DecisionReason> for DecisionReason {
    fn from(reason: ranger::DecisionReason) -> Self {
        use ranger::DecisionReason as R;
        match reason {
            R::SuperUser => Self::SuperUser,
            R::AllowItem => Self::AllowItem,
            R::DenyItem => Self::DenyItem,
            R::DenyAllElse => Self::DenyAllElse,
            R::NoMatchingPolicy => Self::NoMatchingPolicy,
        }
    }
}

/// A policy priority by name.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyPriority {
    /// `policyPriority` 0.
    Normal,
    /// `policyPriority` 1: evaluated before, and winning over, every NORMAL policy.
    Override,
}

impl From<ranger::PriorityName> for PolicyPriority {
    fn from(priority: ranger::PriorityName) -> Self {
        match priority {
            ranger::PriorityName::Normal => Self::Normal,
            ranger::PriorityName::Override => Self::Override,
        }
    }
}

/// The answer to one access request (or, for a Trino check, to the request that decided it).
#[napi(object)]
pub struct Decision {
    /// Whether Trino's plugin would allow it.
    pub allowed: bool,
    /// The access asked for (`select`, `_any`, …).
    pub access: String,
    /// The resource asked about.
    pub resource: BTreeMap<String, String>,
    /// For `_any`: the access type whose evaluation decided.
    pub decided_by_access: Option<String>,
    /// Id of the deciding policy (absent for a super user and when no policy decided).
    pub policy_id: Option<i64>,
    /// Name of the deciding policy.
    pub policy_name: Option<String>,
    /// Priority of the deciding policy.
    pub policy_priority: Option<PolicyPriority>,
    /// Why.
    pub reason: DecisionReason,
}

impl From<ranger::Decision> for Decision {
    fn from(decision: ranger::Decision) -> Self {
        let ranger::Decision {
            allowed,
            access,
            resource,
            decided_by_access,
            policy_id,
            policy_name,
            policy_priority,
            reason,
        } = decision;
        Self {
            allowed,
            access,
            resource,
            decided_by_access,
            policy_id,
            policy_name,
            policy_priority: policy_priority.map(Into::into),
            reason: reason.into(),
        }
    }
}

/// How a policy's resources relate to the requested resource.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    /// No relation (or not looked at).
    None,
    /// The policy names exactly the requested level.
    #[napi(value = "self")]
    SelfMatch,
    /// The policy goes deeper, but only with `*` below the requested level: it covers the
    /// resource and everything under it.
    SelfAndAllDescendants,
    /// The policy names something under the requested resource.
    Descendant,
    /// The policy names something above the requested resource (which grants nothing on the
    /// resource itself).
    Ancestor,
}

impl From<ranger::MatchType> for MatchType {
    fn from(match_type: ranger::MatchType) -> Self {
        use ranger::MatchType as M;
        match match_type {
            M::None => Self::None,
            M::SelfMatch => Self::SelfMatch,
            M::SelfAndAllDescendants => Self::SelfAndAllDescendants,
            M::Descendant => Self::Descendant,
            M::Ancestor => Self::Ancestor,
        }
    }
}

/// What one policy did during an evaluation.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// Its resources do not cover the request.
    ResourceNotMatched,
    /// Its resources match, but none of its items is for this user and access.
    NoItemMatched,
    /// An allow item matched and the request is now allowed (a later deny of the same
    /// priority can still take it back).
    Allowed,
    /// An allow item matched, but an earlier policy had allowed the request already.
    AlreadyAllowed,
    /// An allow item matched, but the policy is on an ancestor of the resource (`_any` only).
    AllowIgnoredOnAncestor,
    /// A deny item matched: denied, final.
    Denied,
    /// A deny item matched, but the policy is on a descendant of the resource (`_any` only).
    DenyIgnoredOnDescendant,
    /// No item matched and the policy is `isDenyAllElse`: denied, final.
    DeniedAllElse,
    /// An item matched but an exception item cancelled it.
    CancelledByException,
    /// A mask or row-filter item matched and applies.
    Applied,
    /// Not evaluated: the decision was already final.
    NotEvaluated,
}

impl From<ranger::StepOutcome> for StepOutcome {
    fn from(outcome: ranger::StepOutcome) -> Self {
        use ranger::StepOutcome as O;
        match outcome {
            O::ResourceNotMatched => Self::ResourceNotMatched,
            O::NoItemMatched => Self::NoItemMatched,
            O::Allowed => Self::Allowed,
            O::AlreadyAllowed => Self::AlreadyAllowed,
            O::AllowIgnoredOnAncestor => Self::AllowIgnoredOnAncestor,
            O::Denied => Self::Denied,
            O::DenyIgnoredOnDescendant => Self::DenyIgnoredOnDescendant,
            O::DeniedAllElse => Self::DeniedAllElse,
            O::CancelledByException => Self::CancelledByException,
            O::Applied => Self::Applied,
            O::NotEvaluated => Self::NotEvaluated,
        }
    }
}

/// One policy's part in an evaluation.
#[napi(object)]
pub struct ExplainStep {
    /// Policy id.
    pub policy_id: Option<i64>,
    /// Policy name.
    pub policy_name: String,
    /// Policy priority.
    pub priority: PolicyPriority,
    /// The access type evaluated (for `_any`, each type is evaluated in turn).
    pub access: String,
    /// How the policy's resources relate to the request's.
    pub match_type: MatchType,
    /// What happened.
    pub outcome: StepOutcome,
    /// The same in words (`deny item 1 matches group contractors for select`).
    pub detail: String,
}

impl From<ranger::ExplainStep> for ExplainStep {
    fn from(step: ranger::ExplainStep) -> Self {
        let ranger::ExplainStep { policy_id, policy_name, priority, access, match_type, outcome, detail } = step;
        Self {
            policy_id,
            policy_name,
            priority: priority.into(),
            access,
            match_type: match_type.into(),
            outcome: outcome.into(),
            detail,
        }
    }
}

fn steps(steps: Vec<ranger::ExplainStep>) -> Vec<ExplainStep> {
    steps.into_iter().map(ExplainStep::from).collect()
}

/// A decision with the reasoning behind it.
#[napi(object)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// One sentence.
    pub summary: String,
    /// The user's effective Ranger roles (given plus resolved from the engine's roles).
    pub roles: Vec<String>,
    /// The policies in Ranger's evaluation order (priority, deny-holding first, evaluation
    /// order, name), up to the one that made the decision final.
    pub steps: Vec<ExplainStep>,
}

impl From<ranger::Explanation> for Explanation {
    fn from(explanation: ranger::Explanation) -> Self {
        let ranger::Explanation { decision, summary, roles, steps: trace } = explanation;
        Self { decision: decision.into(), summary, roles, steps: steps(trace) }
    }
}

/// The mask Trino applies to a column.
#[napi(object)]
pub struct ColumnMask {
    /// Id of the deciding data-mask policy.
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: String,
    /// The mask type (`MASK_HASH`, `CUSTOM`, …).
    pub mask_type: String,
    /// The SQL expression replacing the column.
    pub expression: String,
}

impl From<ranger::ColumnMask> for ColumnMask {
    fn from(mask: ranger::ColumnMask) -> Self {
        let ranger::ColumnMask { policy_id, policy_name, mask_type, expression } = mask;
        Self { policy_id, policy_name, mask_type, expression }
    }
}

/// The filter Trino adds to every query of a table.
#[napi(object)]
pub struct RowFilter {
    /// Id of the deciding row-filter policy.
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: String,
    /// The SQL predicate.
    pub expression: String,
}

impl From<ranger::RowFilter> for RowFilter {
    fn from(filter: ranger::RowFilter) -> Self {
        let ranger::RowFilter { policy_id, policy_name, expression } = filter;
        Self { policy_id, policy_name, expression }
    }
}

/// A column mask with the data-mask policies looked at.
#[napi(object)]
pub struct ColumnMaskExplanation {
    /// The mask; absent when the column is shown as is.
    pub mask: Option<ColumnMask>,
    /// The data-mask policies in evaluation order, up to the deciding one.
    pub steps: Vec<ExplainStep>,
}

impl From<(Option<ranger::ColumnMask>, Vec<ranger::ExplainStep>)> for ColumnMaskExplanation {
    fn from((mask, trace): (Option<ranger::ColumnMask>, Vec<ranger::ExplainStep>)) -> Self {
        Self { mask: mask.map(Into::into), steps: steps(trace) }
    }
}

/// A row filter with the row-filter policies looked at.
#[napi(object)]
pub struct RowFilterExplanation {
    /// The filter; absent when the table is not filtered.
    pub filter: Option<RowFilter>,
    /// The row-filter policies in evaluation order, up to the deciding one.
    pub steps: Vec<ExplainStep>,
}

impl From<(Option<ranger::RowFilter>, Vec<ranger::ExplainStep>)> for RowFilterExplanation {
    fn from((filter, trace): (Option<ranger::RowFilter>, Vec<ranger::ExplainStep>)) -> Self {
        Self { filter: filter.map(Into::into), steps: steps(trace) }
    }
}
