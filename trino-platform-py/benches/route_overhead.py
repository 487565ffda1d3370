"""The cost of routing through the Python binding: ``Router.route`` over the same 100 typed rules,
8 clusters and request as the core's criterion benchmark ``router/route/new_query_100_rules``
(``trino-platform-core/benches/routing.rs``), so that the difference of the two medians is what
the binding adds (argument conversion, the runtime's ``block_on`` with the GIL released, the
``RouteDecision`` object). Also times a follow-up (a query id found in the in-memory sticky map),
the core's ``router/route/follow_up``.

Build the module optimised first (``--profile ci`` is unoptimised), then run::

    maturin develop --release -m trino-platform-py/Cargo.toml
    python trino-platform-py/benches/route_overhead.py

Prints the median nanoseconds per call of each benchmark over ``--repeat`` timings. The last
two lines time ``AsyncRouter.route`` on the same rules and clusters, awaited one after another
in one event loop: the binding's cost plus an asyncio future resolved from the runtime's thread.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import timeit
from collections.abc import Awaitable, Callable
from pathlib import Path

from trino_platform import AsyncRouter, ClusterStore, Router, RoutingRules

#: The benchmark request's headers (the core benchmark's `request()`).
HEADERS = {
    "X-Trino-User": "alice",
    "X-Trino-Source": "superset-sqllab",
    "X-Trino-Client-Tags": "dashboards,finance",
    "X-Trino-Catalog": "delta",
    "Accept-Encoding": "gzip",
}

FOLLOW_UP = "/v1/statement/executing/20260101_120000_00001_abcde/y8f2a1/12"


def rules_yaml(n: int) -> str:
    """`n` rules in the shapes real rule files use; none matches the benchmark request until the
    last one, so every rule is evaluated (the core benchmark's `rules(n)`, line for line)."""
    lines = ["rules:"]
    for i in range(n - 1):
        when = [
            f"{{source: {{equals: tool-{i}}}}}",
            f"{{all: [{{user: {{oneOf: [u{i}, v{i}]}}}}, {{clientTags: {{equals: t{i}}}}}]}}",
            f"{{header: {{name: X-Team-{i}, glob: 'team-*'}}}}",
            f"{{source: {{regex: 'batch-{i}-[a-z]+'}}}}",
        ][i % 4]
        lines += [f"  - name: r{i}", f"    when: {when}", f"    routingGroup: g{i % 5}"]
    lines += ["  - name: last", "    when: {source: {startsWith: superset}}", "    routingGroup: bi"]
    return "\n".join(lines) + "\n"


def median_ns(stmt: str, namespace: dict[str, object], repeat: int) -> float:
    """The median nanoseconds per execution of `stmt` over `repeat` timings of about 0.2 s each."""
    timer = timeit.Timer(stmt, globals=namespace)
    number, _ = timer.autorange()
    return statistics.median(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timings per benchmark (default 15)")
    args = parser.parse_args()

    router = Router()
    rules = RoutingRules.from_yaml(rules_yaml(100))
    assert len(rules) == 100
    router.set_rules(rules)
    with tempfile.TemporaryDirectory() as tmp, ClusterStore.open(f"sqlite://{Path(tmp) / 'bench.db'}") as store:
        for i in range(8):
            store.register(f"c{i}", f"http://c{i}:8080", routing_group="bi" if i % 2 == 0 else "adhoc")
        router.set_clusters(store.list())

    decision = router.route("POST", "/v1/statement", headers=HEADERS)
    assert decision.rule == "last" and decision.routing_group == "bi", decision
    router.record_query("20260101_120000_00001_abcde", decision.cluster.name)
    assert router.route("GET", FOLLOW_UP).reason == "query"

    namespace: dict[str, object] = {"route": router.route, "headers": HEADERS, "follow_up": FOLLOW_UP}
    benchmarks = [
        ("router.route/new_query_100_rules", 'route("POST", "/v1/statement", headers=headers)'),
        ("router.route/follow_up", 'route("GET", follow_up)'),
    ]
    for name, stmt in benchmarks:
        print(f"{name}: {median_ns(stmt, namespace, args.repeat):.0f} ns per call (median of {args.repeat})")

    async_router = AsyncRouter()
    async_router.set_rules(rules)
    async_router.set_clusters(view.cluster for view in router.clusters())
    async_router.record_query("20260101_120000_00001_abcde", decision.cluster.name)
    for name, call in [
        ("async_router.route/new_query_100_rules", lambda: async_router.route("POST", "/v1/statement", headers=HEADERS)),
        ("async_router.route/follow_up", lambda: async_router.route("GET", FOLLOW_UP)),
    ]:
        print(f"{name}: {median_await_ns(call, args.repeat):.0f} ns per await (median of {args.repeat})")


def median_await_ns(call: Callable[[], Awaitable[object]], repeat: int, number: int = 2000) -> float:
    """The median nanoseconds per ``await call()`` over ``repeat`` runs of ``number`` awaits."""

    async def timings() -> list[float]:
        for _ in range(200):  # warm up
            await call()
        runs = []
        for _ in range(repeat):
            began = time.perf_counter()
            for _ in range(number):
                await call()
            runs.append((time.perf_counter() - began) / number * 1e9)
        return runs

    return statistics.median(asyncio.run(timings()))


if __name__ == "__main__":
    main()
