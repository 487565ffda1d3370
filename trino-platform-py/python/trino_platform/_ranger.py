"""The dicts :class:`trino_platform.PolicyEngine` and :class:`trino_platform.RangerAdmin` return,
as ``TypedDict``s (typing only: at runtime they are plain ``dict``s). Keys are the core's serde
names (camelCase), the same as in the CLI's ``--json`` output; a key that is absent when it has
no value is marked so."""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "ColumnMask",
    "Decision",
    "ExplainStep",
    "Explanation",
    "PolicyChange",
    "RowFilter",
    "SetupReport",
]


class _DecisionOptional(TypedDict, total=False):
    decidedByAccess: str
    """For ``_any``: the access type whose evaluation decided."""
    policyId: int
    """The deciding policy (absent for super users and when no policy decided)."""
    policyName: str
    policyPriority: Literal["normal", "override"]
    """``policyPriority`` 0 and 1."""


class Decision(_DecisionOptional):
    """The answer to one access request (``PolicyEngine.evaluate``, ``evaluate_action``)."""

    allowed: bool
    """Whether Trino's plugin would allow it."""
    access: str
    resource: dict[str, str]
    reason: Literal["superUser", "allowItem", "denyItem", "denyAllElse", "noMatchingPolicy"]
    """Why (``noMatchingPolicy``: Ranger's result is undetermined, which Trino's plugin denies)."""


class _ExplainStepOptional(TypedDict, total=False):
    policyId: int


class ExplainStep(_ExplainStepOptional):
    """One policy's part in an evaluation."""

    policyName: str
    priority: Literal["normal", "override"]
    access: str
    """The access type evaluated (for ``_any``, each type in turn)."""
    matchType: Literal["none", "self", "selfAndAllDescendants", "ancestor", "descendant"]
    """How the policy's resources relate to the request's."""
    outcome: Literal[
        "resourceNotMatched",
        "noItemMatched",
        "allowed",
        "alreadyAllowed",
        "allowIgnoredOnAncestor",
        "denied",
        "denyIgnoredOnDescendant",
        "deniedAllElse",
        "cancelledByException",
        "applied",
        "notEvaluated",
    ]
    """What the policy did."""
    detail: str
    """The same in words (``deny item 1 matches group contractors``)."""


class Explanation(TypedDict):
    """A decision with the reasoning behind it (``PolicyEngine.explain``)."""

    decision: Decision
    summary: str
    """One sentence."""
    roles: list[str]
    """The user's effective Ranger roles."""
    steps: list[ExplainStep]
    """The policies in Ranger's evaluation order, up to the one that made the decision final."""


class _PolicyIdOptional(TypedDict, total=False):
    policyId: int


class ColumnMask(_PolicyIdOptional):
    """The mask Trino applies to a column (``PolicyEngine.column_mask``)."""

    policyName: str
    maskType: str
    """``MASK``, ``MASK_SHOW_LAST_4``, ``MASK_SHOW_FIRST_4``, ``MASK_HASH``, ``MASK_NULL``,
    ``MASK_DATE_SHOW_YEAR`` or ``CUSTOM``."""
    expression: str
    """The SQL expression replacing the column."""


class RowFilter(_PolicyIdOptional):
    """The filter Trino adds to every query of a table (``PolicyEngine.row_filter``)."""

    policyName: str
    expression: str
    """The SQL predicate."""


class _PolicyChangeOptional(TypedDict, total=False):
    id: int


class PolicyChange(_PolicyChangeOptional):
    """One policy in a :class:`SetupReport`."""

    name: str
    change: Literal["created", "updated", "unchanged"]


class SetupReport(TypedDict):
    """What ``RangerAdmin.ensure`` did."""

    service: str
    serviceChange: Literal["created", "updated", "unchanged"]
    policies: list[PolicyChange]
    """Baseline and named policies, in order."""
    changed: bool
    """Whether anything was written."""
