"""What the routing binding adds on top of the shared cases: argument conversion (headers as a
mapping or pairs, paths, weights, policies), errors of the right class, the reprs, rules kept on
a bad reload, and sticky routes shared by two routers on one store (SQLite and a real
PostgreSQL), as trino-gateway's ``query_history`` records them."""

from __future__ import annotations

import sqlite3
import subprocess
import types
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import trino_platform
from trino_platform import (
    Cluster,
    ClusterStatus,
    ClusterStore,
    ClusterView,
    InvalidInputError,
    NotFoundError,
    RouteDecision,
    Router,
    RoutingRules,
    UnavailableError,
)

ID = "20260101_120000_00001_abcde"
FOLLOW_UP = f"/v1/statement/executing/{ID}/y8f/2"

#: A ``query_history`` row: backend_url, user_name, source, routing_group.
Row = tuple[str | None, ...]

RULES = """\
rules:
  - name: etl-tools
    when: {source: {glob: "airflow*"}}
    routingGroup: etl
    addHeaders: {X-Routed-By: etl-tools}
  - name: bi
    priority: 5
    when: {user: {equals: carol}}
    routingGroup: bi
"""


def clusters(url: str, *specs: tuple[str, str]) -> list[Cluster]:
    """Registers ``(name, routing group)`` clusters at ``http://{name}:8080`` in the store at
    ``url`` and returns every cluster there."""
    with ClusterStore.open(url) as store:
        for name, group in specs:
            store.register(name, f"http://{name}:8080", routing_group=group)
        return store.list()


def values(*specs: tuple[str, str]) -> list[Cluster]:
    """``(name, routing group)`` clusters at ``http://{name}:8080``, as values (no store)."""
    return [Cluster(name, f"http://{name}:8080", routing_group=group) for name, group in specs]


@pytest.fixture
def router() -> Router:
    """An in-memory router with clusters adhoc-1, bi-1 and etl-1 in their groups, and RULES."""
    router = Router(fallback_group="adhoc")
    router.set_clusters(values(("adhoc-1", "adhoc"), ("bi-1", "bi"), ("etl-1", "etl")))
    router.set_rules(RoutingRules.from_yaml(RULES))
    return router


def test_the_classes_are_exported() -> None:
    for cls in (Router, RoutingRules, RouteDecision, ClusterStatus, ClusterView):
        assert cls.__module__ == "trino_platform" and getattr(trino_platform, cls.__name__) is cls
        assert cls.__name__ in trino_platform.__all__
        assert cls.__doc__


def test_rules_load_from_text_and_files(tmp_path: Path) -> None:
    rules = RoutingRules.from_yaml(RULES)
    assert len(rules) == 2
    assert repr(rules) == "RoutingRules(['etl-tools', 'bi'])", "evaluation order: priority, then file order"
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    assert len(RoutingRules.load(path)) == len(RoutingRules.load(str(path))) == 2
    many = "rules:\n" + "".join(f"  - {{name: r{i}, routingGroup: adhoc}}\n" for i in range(7))
    assert repr(RoutingRules.from_yaml(many)) == "RoutingRules(['r0', 'r1', 'r2', 'r3', 'r4', ... 2 more])"
    assert repr(RoutingRules.from_yaml("rules: []")) == "RoutingRules([])" and not RoutingRules.from_yaml("{}")
    with pytest.raises(TypeError):
        RoutingRules()


def test_rule_errors_name_the_rule_and_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as raised:
        RoutingRules.from_yaml("rules:\n  - name: ok\n    routingGroup: etl\n  - name: bad\n    routingGroup: 'a b'\n")
    assert raised.value.kind == "InvalidInput" and "line 5" in raised.value.message, raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        RoutingRules.from_yaml("rules:\n  - name: r\n    when: {user: {regex: '('}}\n    routingGroup: x\n")
    assert '"r" (line 2)' in raised.value.message, raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        RoutingRules.load(tmp_path / "missing.yaml")
    assert "missing.yaml" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        RoutingRules.from_trino_gateway_yaml("---\nname: t\ncondition: 'x.y()'\nactions: []\n")
    assert '"t"' in raised.value.message, raised.value.message


def test_trino_gateway_rules_are_imported() -> None:
    rules = RoutingRules.from_trino_gateway_yaml(
        "---\nname: airflow\ncondition: 'request.getHeader(\"X-Trino-Source\") == \"airflow\"'\n"
        "actions:\n  - 'result.put(\"routingGroup\", \"etl\")'\n"
    )
    assert len(rules) == 1 and "'airflow'" in repr(rules)


def test_route_converts_the_request_and_explains_the_decision(router: Router) -> None:
    etl = router.route("POST", "/v1/statement", headers={"x-trino-source": "airflow-prod"})
    assert (etl.cluster.name, etl.routing_group, etl.reason, etl.rule) == ("etl-1", "etl", "rule", "etl-tools")
    assert etl.add_headers == {"X-Routed-By": "etl-tools"} and etl.query_id is None and etl.fell_back_from is None
    assert isinstance(etl.cluster, Cluster) and etl.cluster.proxy_to == "http://etl-1:8080"
    assert repr(etl) == (
        "RouteDecision(cluster='etl-1', routing_group='etl', reason='rule', rule='etl-tools', "
        "add_headers={'X-Routed-By': 'etl-tools'})"
    )
    # Headers as (name, value) pairs; the principal outranks X-Trino-User.
    bi = router.route("post", "/v1/statement", headers=[("X-Trino-User", "mallory")], principal="carol")
    assert (bi.cluster.name, bi.rule, bi.add_headers) == ("bi-1", "bi", {})
    assert router.route("POST", "/v1/statement", headers=(("X-Trino-User", "carol"),)).rule == "bi"
    assert router.route("POST", "/v1/statement", headers=types.MappingProxyType({"X-Trino-User": "carol"})).rule == "bi"
    default = router.route("POST", "/v1/statement")
    assert repr(default) == "RouteDecision(cluster='adhoc-1', routing_group='adhoc', reason='default')"
    with pytest.raises(ValueError):  # as dict([("X-Trino-User",)]) raises
        router.route("POST", "/v1/statement", headers=[("X-Trino-User",)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        router.route("POST", "/v1/statement", headers={"X-Trino-User": 7})  # type: ignore[arg-type]


def test_follow_ups_oauth2_legs_and_their_errors(router: Router) -> None:
    with pytest.raises(NotFoundError) as missing:
        router.route("GET", FOLLOW_UP)
    assert ID in missing.value.message
    router.record_query(ID, "etl-1", user="alice", source="cli")
    follow = router.route("GET", FOLLOW_UP + "?x=1")
    assert (follow.cluster.name, follow.reason, follow.query_id, follow.rule) == ("etl-1", "query", ID, None)
    assert repr(follow) == f"RouteDecision(cluster='etl-1', routing_group='etl', reason='query', query_id='{ID}')"

    with pytest.raises(InvalidInputError):
        router.record_query("not-an-id", "etl-1")
    with pytest.raises(NotFoundError) as unknown:
        router.record_query(ID, "nowhere-1")
    assert "nowhere-1" in unknown.value.message
    with pytest.raises(InvalidInputError):
        router.record_query(ID, "bad name")

    challenge = 'Bearer x_redirect_server="https://gw/oauth2/token/initiate/5e1f", x_token_server="https://gw/oauth2/token/77aa"'
    assert router.record_oauth2_challenge(challenge, "bi-1") == 2
    assert router.record_oauth2_challenge("Basic realm=x", "bi-1") == 0
    with pytest.raises(NotFoundError):
        router.record_oauth2_challenge(challenge, "nowhere-1")
    leg = router.route("GET", "/oauth2/token/77aa")
    assert (leg.cluster.name, leg.reason) == ("bi-1", "oauth2Login")
    cookie = router.oauth2_cookie("bi-1")
    callback = router.route("GET", "/oauth2/callback?state=s", headers={"Cookie": cookie.split(";")[0]})
    assert (callback.cluster.name, callback.reason) == ("bi-1", "oauth2Login")
    with pytest.raises(InvalidInputError):
        router.oauth2_cookie("")


def test_fallback_status_and_unavailable(router: Router) -> None:
    router.set_status("etl-1", healthy=False, queued=1, running=2)
    fell = router.route("POST", "/v1/statement", headers={"X-Trino-Source": "airflow"})
    assert (fell.cluster.name, fell.routing_group, fell.fell_back_from) == ("adhoc-1", "adhoc", "etl")
    assert repr(fell).endswith("rule='etl-tools', fell_back_from='etl', add_headers={'X-Routed-By': 'etl-tools'})")
    views = {view.cluster.name: view for view in router.clusters()}
    etl = views["etl-1"]
    assert (etl.healthy, etl.queued, etl.running, etl.in_flight) == (False, 1, 2, 0)
    assert etl.status == ClusterStatus(healthy=False, queued=1, running=2)
    assert repr(etl) == (
        "ClusterView(cluster='etl-1', routing_group='etl', active=True, healthy=False, queued=1, running=2, in_flight=0)"
    )
    assert [view.cluster.name for view in router.clusters()] == ["adhoc-1", "bi-1", "etl-1"]
    with pytest.raises(NotFoundError):
        router.set_status("nowhere-1")

    router.set_status("adhoc-1", healthy=False)
    with pytest.raises(UnavailableError) as raised:
        router.route("POST", "/v1/statement", headers={"X-Trino-Source": "airflow"})
    assert '"etl"' in raised.value.message and 'fallback group "adhoc"' in raised.value.message
    router.set_clusters([])
    assert router.clusters() == []
    with pytest.raises(TypeError):
        router.set_clusters(["adhoc-1"])  # type: ignore[list-item]


def test_cluster_status_is_a_value() -> None:
    status = ClusterStatus()
    assert (status.healthy, status.queued, status.running) == (True, 0, 0)
    assert repr(ClusterStatus(healthy=False, queued=3)) == "ClusterStatus(healthy=False, queued=3, running=0)"
    assert status == ClusterStatus(healthy=True) and hash(status) == hash(ClusterStatus())
    assert status != ClusterStatus(running=1) and len({status, ClusterStatus(), ClusterStatus(queued=1)}) == 2
    with pytest.raises(AttributeError):
        status.healthy = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        ClusterStatus(True)  # type: ignore[call-arg]


def test_router_options() -> None:
    two = values(("a", "adhoc"), ("b", "adhoc"))
    assert repr(Router()) == "Router(default_group='adhoc', policy='leastLoaded', rules=0, clusters=0)"
    weighted = Router(policy="weighted", weights=types.MappingProxyType({"a": 2, "b": 1}))
    weighted.set_clusters(two)
    assert [weighted.route("POST", "/v1/statement").cluster.name for _ in range(3)] == ["a", "b", "a"]
    rr = Router(policy="roundRobin", default_group="etl", fallback_group="adhoc", honor_routing_group_header=True)
    rr.set_clusters(two)
    assert repr(rr) == (
        "Router(default_group='etl', policy='roundRobin', fallback_group='adhoc', "
        "honor_routing_group_header=True, rules=0, clusters=2)"
    )
    assert [rr.route("POST", "/v1/statement").cluster.name for _ in range(3)] == ["a", "b", "a"]
    with pytest.raises(InvalidInputError):
        rr.route("POST", "/v1/statement", headers={"X-Trino-Routing-Group": "not a group"})

    with pytest.raises(InvalidInputError) as raised:
        Router(policy="fastest")  # type: ignore[arg-type]
    assert "fastest" in raised.value.message and "leastLoaded" in raised.value.message
    bad_options: list[Callable[[], Router]] = [
        lambda: Router(default_group="a b"),
        lambda: Router(fallback_group=""),
        lambda: Router(weights={"bad name": 1}),
        lambda: Router(store_url="mysql://root:hunter2@db/gw"),
    ]
    for bad in bad_options:
        with pytest.raises(InvalidInputError) as raised:
            bad()
        assert "hunter2" not in raised.value.message
    with pytest.raises(TypeError):
        Router("adhoc")  # type: ignore[call-arg]


def test_a_bad_rules_file_keeps_the_old_rules(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - name: one\n    routingGroup: etl\n")
    assert router.load_rules(path) == 1
    assert "rules=1" in repr(router)
    path.write_text("rules:\n  - name: one\n    routingGroup: etl\n  - name: one\n    routingGroup: bi\n")
    with pytest.raises(InvalidInputError) as raised:
        router.load_rules(str(path))
    assert "rules.yaml" in raised.value.message and "line 4" in raised.value.message, raised.value.message
    with pytest.raises(InvalidInputError):
        router.load_rules(tmp_path / "missing.yaml")
    decision = router.route("POST", "/v1/statement")
    assert (decision.cluster.name, decision.rule) == ("etl-1", "one"), "the old rules are still in force"
    assert "rules=1" in repr(router)


# --- sticky routes on a store ------------------------------------------------------------------


def sticky_routes_survive_a_restart_and_are_shared(url: str, history: Callable[[str], Row | None]) -> None:
    """Mirrors the Rust test of the same name: what one router records, a second router on the
    same store (a restarted gateway, another replica) resolves, and the other way round."""
    clusters(url, ("a", "adhoc"), ("b", "adhoc"))

    def router_on() -> Router:
        router = Router(store_url=url)
        with ClusterStore.open(url) as store:
            router.set_clusters(store.list())
        return router

    first = router_on()
    first.record_query(ID, "b", user="alice", source="cli")
    assert first.record_oauth2_challenge('Bearer x_token_server="https://gw/oauth2/token/tok-1"', "b") == 1
    first.flush()

    second = router_on()
    decision = second.route("GET", FOLLOW_UP)
    assert (decision.cluster.name, decision.reason, decision.query_id) == ("b", "query", ID)
    leg = second.route("GET", "/oauth2/token/tok-1")
    assert (leg.cluster.name, leg.reason) == ("b", "oauth2Login")

    # What the second records, the first resolves (from the store: it never saw it).
    id2 = "20260101_120000_00002_abcde"
    second.record_query(id2, "b")
    second.flush()
    assert first.route("GET", f"/v1/query/{id2}").cluster.name == "b"

    # Recording the same id twice keeps the first route: a third router finds it in the store.
    second.record_query(ID, "a")
    second.flush()
    assert router_on().route("GET", FOLLOW_UP).cluster.name == "b"

    # trino-gateway's query_history has what was recorded.
    assert history(ID) == ("http://b:8080", "alice", "cli", "adhoc")
    assert history(id2) == ("http://b:8080", None, None, "adhoc")


HISTORY = "SELECT backend_url, user_name, source, routing_group FROM query_history WHERE query_id = "


def test_sqlite_sticky_routes_survive_a_restart_and_are_shared(sqlite_url: str) -> None:
    def history(query_id: str) -> Row | None:
        with sqlite3.connect(sqlite_url.removeprefix("sqlite://")) as db:
            row: Row | None = db.execute(HISTORY + "?", (query_id,)).fetchone()
            return row

    sticky_routes_survive_a_restart_and_are_shared(sqlite_url, history)
    router = Router(store_url=sqlite_url)
    assert repr(router).endswith(f", store={sqlite_url!r})")


def test_postgres_sticky_routes_survive_a_restart_and_are_shared(postgres_url: str) -> None:
    def history(query_id: str) -> Row | None:
        out = subprocess.run(
            ["psql", postgres_url, "-v", "ON_ERROR_STOP=1", "-AtX", "-F", "\t", "-c", HISTORY + f"'{query_id}'"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.rstrip("\n")
        return tuple(v or None for v in out.split("\t")) if out else None

    sticky_routes_survive_a_restart_and_are_shared(postgres_url, history)
    password = urlsplit(postgres_url).password
    redacted = postgres_url.replace(f":{password}@", ":***@", 1) if password else postgres_url
    assert repr(Router(store_url=postgres_url)).endswith(f", store={redacted!r})")
