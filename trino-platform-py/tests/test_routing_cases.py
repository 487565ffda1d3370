"""The shared routing cases (``tests/cases/routing.yaml`` at the repository root), run as the
file's header describes and as the Rust runner (``shared_behaviour_cases`` in
``trino-platform-core/tests/routing.rs``) runs them: each case on a fresh in-memory router, its
rules loaded (or their load error compared with the case's ``error``), its clusters and statuses
set, then its steps in order, each route compared as ``{cluster, routingGroup, reason, rule?,
fellBackFrom?}`` with ``expect``, or its exception's kind with ``error``. The case's clusters (the
registry's JSON form) become ``Cluster`` values, built with the core's ``ClusterSpec`` defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from test_cases import ERROR_CLASSES, kwargs
from trino_platform import Cluster, RouteDecision, Router, RoutingRules, TrinoPlatformError

CASES_FILE = Path(__file__).resolve().parents[2] / "tests" / "cases" / "routing.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text())


def router_for(config: dict[str, Any]) -> Router:
    """The router of a case's ``config`` (absent keys keep the router's defaults)."""
    known = {"defaultGroup", "fallbackGroup", "honorRoutingGroupHeader", "policy", "weights"}
    assert set(config) <= known, f"config keys not understood by this runner: {set(config) - known}"
    return Router(**kwargs(config))


def load_rules(case: dict[str, Any]) -> RoutingRules | None:
    """The case's rules (``None`` when it has none); raises what loading them raises."""
    if "rules" in case:
        return RoutingRules.from_yaml(case["rules"])
    if "trinoGatewayRules" in case:
        return RoutingRules.from_trino_gateway_yaml(case["trinoGatewayRules"])
    return None


def as_expected(decision: RouteDecision) -> dict[str, Any]:
    """A decision in the case file's form."""
    got: dict[str, Any] = {
        "cluster": decision.cluster.name,
        "routingGroup": decision.routing_group,
        "reason": decision.reason,
    }
    if decision.rule is not None:
        got["rule"] = decision.rule
    if decision.fell_back_from is not None:
        got["fellBackFrom"] = decision.fell_back_from
    return got


def cluster_of(spec: dict[str, Any]) -> Cluster:
    """A case's cluster spec (``{name, proxyTo, externalUrl?, routingGroup?, active?}``) as a value."""
    fields = kwargs(spec)
    return Cluster(fields.pop("name"), fields.pop("proxy_to"), **fields)


def run_case(case: dict[str, Any]) -> None:
    name = case["name"]
    router = router_for(case.get("config") or {})
    try:
        rules = load_rules(case)
    except TrinoPlatformError as e:
        assert "error" in case, f"{name}: {e!r}"
        assert e.kind == case["error"] and type(e) is ERROR_CLASSES[case["error"]], f"{name}: {e!r}"
        return
    assert "error" not in case, f"{name}: the rules loaded, expected {case['error']}"
    if rules is not None:
        router.set_rules(rules)

    router.set_clusters(cluster_of(spec) for spec in case["clusters"])
    for cluster, status in (case.get("status") or {}).items():
        router.set_status(cluster, **status)

    for i, step in enumerate(case["steps"]):
        context = f"{name} step {i}"
        if "recordQuery" in step:
            record = step["recordQuery"]
            router.record_query(record["queryId"], record["cluster"])
            continue
        if "recordOAuth2Challenge" in step:
            record = step["recordOAuth2Challenge"]
            router.record_oauth2_challenge(record["header"], record["cluster"])
            continue
        spec = step["route"]
        assert set(spec) <= {"method", "path", "headers", "principal"}, f"{context}: {spec}"
        def call() -> RouteDecision:
            return router.route(spec["method"], spec["path"], headers=spec.get("headers"), principal=spec.get("principal"))

        if "error" in step:
            kind = step["error"]
            with pytest.raises(TrinoPlatformError) as raised:
                decision = call()
                pytest.fail(f"{context}: expected {kind}, routed to {decision.cluster.name}")
            assert raised.value.kind == kind and type(raised.value) is ERROR_CLASSES[kind], f"{context}: {raised.value!r}"
        else:
            assert as_expected(call()) == step["expect"], context


def test_the_case_file_has_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    run_case(case)
