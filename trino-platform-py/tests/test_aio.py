"""The asyncio API (the ``Async*`` classes) against the same services as the synchronous suite:
the shared registry and routing cases run through ``AsyncClusterStore`` and ``AsyncRouter``; the
event loop keeps running while a call waits; cancelling an awaitable stops waiting at once; the
factories are awaitable and async context managers; iterators over listings (``ClusterStore.iter``
and ``AsyncClusterStore.iter``); and the sync and async classes share one runtime.

Each test drives its own event loop with ``asyncio.run``: no pytest plugin is needed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

import trino_platform
from test_cases import CASES as REGISTRY_CASES
from test_cases import ERROR_CLASSES, kwargs, to_json
from test_routing_cases import CASES as ROUTING_CASES
from test_routing_cases import as_expected, cluster_of, load_rules
from trino_platform import (
    AlreadyExistsError,
    AsyncClusterIterator,
    AsyncClusterStore,
    AsyncRouter,
    Cluster,
    ClusterIterator,
    ClusterStore,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    Opening,
    RouteDecision,
    Router,
    TrinoPlatformError,
    UnavailableError,
)

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs ``coroutine`` on a new event loop (each test gets its own)."""
    return asyncio.run(coroutine)


async def ticking_while(awaitable: Awaitable[T]) -> tuple[T | BaseException, list[float]]:
    """Awaits ``awaitable`` while a task records the time every 10 ms: its outcome (the value or
    the exception) and the ticks, which show whether the event loop ran meanwhile."""
    ticks: list[float] = []
    done = False

    async def tick() -> None:
        while not done:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticker = asyncio.ensure_future(tick())
    try:
        outcome: T | BaseException = await awaitable
    except Exception as e:  # handed to the caller
        outcome = e
    done = True
    await ticker
    return outcome, ticks


def largest_gap(ticks: list[float]) -> float:
    return max((b - a for a, b in zip(ticks, ticks[1:])), default=0.0)


# ------------------------------------------------------------------------------- the registry


async def lifecycle(url: str) -> None:
    async with AsyncClusterStore.open(url) as store:
        etl = await store.register("etl-1", "http://etl-1:8080", routing_group="etl")
        assert etl == Cluster("etl-1", "http://etl-1:8080", routing_group="etl")
        await store.register("adhoc-1", "http://adhoc-1:8080", external_url="https://adhoc.example.com")
        with pytest.raises(AlreadyExistsError):
            await store.register("etl-1", "http://other:8080")
        updated = await store.update("etl-1", external_url="https://etl.example.com")
        assert updated.external_url == "https://etl.example.com" and updated.proxy_to == "http://etl-1:8080"
        assert (await store.deactivate("etl-1")).active is False
        assert [c.name for c in await store.list(active=False)] == ["etl-1"]
        assert (await store.activate("etl-1")).active is True
        assert (await store.get("adhoc-1")).external_url == "https://adhoc.example.com"
        # Two calls at once, on one store.
        first, second = await asyncio.gather(store.get("etl-1"), store.get("adhoc-1"))
        assert (first.name, second.name) == ("etl-1", "adhoc-1")
        assert (await store.remove("adhoc-1")).name == "adhoc-1"
        with pytest.raises(NotFoundError) as missing:
            await store.get("adhoc-1")
        assert missing.value.kind == "NotFound" and "adhoc-1" in missing.value.message
        assert [c.name async for c in store.iter()] == ["etl-1"]


def test_a_store_lifecycle_on_sqlite(sqlite_url: str) -> None:
    run(lifecycle(sqlite_url))


def test_a_store_lifecycle_on_postgres(postgres_url: str) -> None:
    run(lifecycle(postgres_url))


def test_bad_arguments_raise_at_the_call_not_at_the_await(sqlite_url: str) -> None:
    async def main() -> None:
        async with AsyncClusterStore.open(sqlite_url) as store:
            with pytest.raises(InvalidInputError):
                store.register("not a name", "http://x:8080")
            with pytest.raises(InvalidInputError):
                store.update("x", routing_group="not a group")
            with pytest.raises(InvalidInputError):
                store.iter(routing_group="")
            with pytest.raises(TypeError):
                store.get(42)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError) as raised:
            AsyncClusterStore.open("mysql://root:hunter2@db/gw")
        assert "hunter2" not in str(raised.value)

    run(main())


def test_open_is_awaitable_and_closing_refuses_later_calls(sqlite_url: str) -> None:
    async def main() -> None:
        opening = AsyncClusterStore.open(sqlite_url)
        assert isinstance(opening, Opening) and repr(opening) == "<Opening AsyncClusterStore>"
        store = await opening
        assert repr(opening) == "<Opening AsyncClusterStore: done>"
        assert isinstance(store, AsyncClusterStore) and repr(store) == f"AsyncClusterStore({sqlite_url!r})"
        await store.register("c", "http://c:8080")
        await store.close()
        with pytest.raises(UnavailableError):
            await store.list()
        await store.close()  # twice is harmless
        # The store itself is an async context manager too.
        async with await AsyncClusterStore.open(sqlite_url) as again:
            assert [c.name for c in await again.list()] == ["c"]
        with pytest.raises(UnavailableError):
            await again.get("c")

    run(main())
    # Opening[...] also works where annotations are evaluated at run time.
    assert str(Opening[AsyncClusterStore]).endswith("Opening[trino_platform.AsyncClusterStore]")


def test_an_unreachable_postgres_is_unavailable_when_awaited() -> None:
    async def main() -> None:
        opening = AsyncClusterStore.open("postgres://tp:s3cr3t-pw@127.0.0.1:1/tp")
        with pytest.raises(UnavailableError) as raised:
            await opening
        assert isinstance(raised.value, ConnectionError)
        assert "s3cr3t-pw" not in str(raised.value) and "127.0.0.1:1" in raised.value.message

    run(main())


def test_the_factories_need_a_running_event_loop(sqlite_url: str) -> None:
    with pytest.raises(RuntimeError, match="no running event loop"):
        AsyncClusterStore.open(sqlite_url)


async def run_registry_case(url: str, case: dict[str, Any]) -> None:
    """A case of ``tests/cases/registry.yaml`` (see test_cases.py), each step awaited."""
    async with AsyncClusterStore.open(url) as store:
        for number, step in enumerate(case["steps"], start=1):
            where = f"step {number} ({step['op']})"
            args = {k: v for k, v in step.items() if k not in ("op", "expect", "error")}
            call: Callable[[], Awaitable[Cluster | list[Cluster]]]
            match step["op"], args:
                case "register", {"cluster": dict(cluster)}:
                    fields = kwargs(cluster)
                    call = lambda: store.register(fields.pop("name"), fields.pop("proxy_to"), **fields)  # noqa: E731
                case "update", {"name": str(name), "update": dict(update)}:
                    call = lambda: store.update(name, **kwargs(update))  # noqa: E731
                case "activate" | "deactivate" | "remove" | "get" as op, {"name": str(name)}:
                    method: Callable[[str], Awaitable[Cluster]] = getattr(store, op)
                    call = lambda: method(name)  # noqa: E731
                case "list", {"filter": dict(filter)}:
                    call = lambda: store.list(**kwargs(filter))  # noqa: E731
                case "list", {}:
                    call = lambda: store.list()  # noqa: E731
                case _:
                    pytest.fail(f"step not understood by this runner: {step}")
            if "error" in step:
                with pytest.raises(TrinoPlatformError) as raised:
                    await call()
                assert raised.value.kind == step["error"], f"{where}: {raised.value!r}"
                assert type(raised.value) is ERROR_CLASSES[step["error"]], f"{where}: {raised.value!r}"
            else:
                assert to_json(await call()) == step["expect"], where


@pytest.mark.parametrize("case", REGISTRY_CASES, ids=[c["name"] for c in REGISTRY_CASES])
def test_registry_case(sqlite_url: str, case: dict[str, Any]) -> None:
    """Validation errors raise at the call: the runner awaits inside ``pytest.raises``, so they
    count as the step's error either way."""
    run(run_registry_case(sqlite_url, case))


def test_iterators_read_the_store_on_the_first_step(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        store.register("b", "http://b:8080", routing_group="etl")
        clusters = store.iter(routing_group="etl")
        assert isinstance(clusters, ClusterIterator) and iter(clusters) is clusters
        store.register("a", "http://a:8080", routing_group="etl")  # registered before the first next()
        store.register("z", "http://z:8080")
        assert [c.name for c in clusters] == ["a", "b"]
        assert list(clusters) == [], "an iterator is used up once"
        assert [c.name for c in store.iter(active=True)] == ["a", "b", "z"]
        lazy = store.iter()
    with pytest.raises(UnavailableError):
        next(lazy)

    async def main() -> None:
        async with AsyncClusterStore.open(sqlite_url) as store:
            clusters = store.iter(routing_group="etl")
            assert isinstance(clusters, AsyncClusterIterator) and clusters.__aiter__() is clusters
            await store.deactivate("a")
            assert [c.name async for c in clusters] == ["a", "b"]
            assert [c.name async for c in clusters] == []
            assert [c.name async for c in store.iter(active=False)] == ["a"]
            lazy = store.iter()
        with pytest.raises(UnavailableError):
            await lazy.__anext__()

    run(main())


def locked(path: Path) -> subprocess.Popen[str]:
    """Another process holding the SQLite write lock of ``path`` until it reads a line (see
    test_binding.py: two SQLite libraries in one process do not see each other's locks)."""
    hold_lock = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "db.execute('COMMIT')\n"
    )
    blocker = subprocess.Popen(
        [sys.executable, "-c", hold_lock, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert blocker.stdout is not None and blocker.stdout.readline() == "locked\n"
    return blocker


def test_the_event_loop_runs_while_a_call_waits_and_cancelling_stops_waiting(tmp_path: Path) -> None:
    """A register() blocked on an SQLite lock (the store's busy timeout is 10 s): the loop keeps
    ticking meanwhile; ``asyncio.wait_for`` cancels it after 0.5 s, long before the lock is gone;
    once it is, the store works on."""
    path = tmp_path / "locked.db"

    async def main() -> None:
        async with AsyncClusterStore.open(f"sqlite://{path}") as store:
            blocker = locked(path)
            try:
                began = time.monotonic()
                outcome, ticks = await ticking_while(asyncio.wait_for(store.register("w", "http://w:8080"), 0.5))
                waited = time.monotonic() - began
            finally:
                blocker.communicate("commit\n", timeout=30)
            assert isinstance(outcome, TimeoutError), outcome
            assert 0.4 < waited < 3, f"cancelled after {waited:.1f} s"
            assert len(ticks) > 20 and largest_gap(ticks) < 0.2, "the event loop was blocked"
            assert (await store.register("after", "http://after:8080")).name == "after"

    run(main())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_is_refused_by_the_async_api_too(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        store.register("c", "http://c:8080")  # the runtime runs in this process now
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report what happened, never return into pytest
            try:

                async def child() -> str:
                    try:
                        await AsyncClusterStore.open(sqlite_url)
                        return "no error"
                    except TrinoPlatformError as e:
                        return f"{type(e).__name__}:{e.kind}:{e.message}"

                result = asyncio.run(child())
            except BaseException as e:
                result = repr(e)
            os.write(write, result.encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            result = pipe.read()
        os.waitpid(pid, 0)
        assert result.startswith("ConflictError:Conflict:") and "fork" in result, result
        assert [c.name for c in store.list()] == ["c"]


def runtime_threads() -> list[str]:
    """The names of this process's threads (Linux: /proc/self/task/*/comm)."""
    return [(task / "comm").read_text().strip() for task in Path("/proc/self/task").iterdir()]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_sync_and_async_calls_share_one_runtime(sqlite_url: str) -> None:
    """pyo3-async-runtimes would start a runtime of its own (threads named ``tokio-runtime-w``);
    the package hands it trino_platform's (threads named ``trino-platform``)."""

    async def main() -> None:
        async with AsyncClusterStore.open(sqlite_url) as store:
            await store.register("a", "http://a:8080")
        with ClusterStore.open(sqlite_url) as sync_store:
            assert [c.name for c in sync_store.list()] == ["a"]

    run(main())
    names = runtime_threads()
    assert "trino-platform" in names, names
    assert not [n for n in names if n.startswith("tokio-runtime")], names


# ---------------------------------------------------------------------------------- routing


async def run_routing_case(case: dict[str, Any]) -> None:
    """A case of ``tests/cases/routing.yaml`` (see test_routing_cases.py), routes awaited."""
    name = case["name"]
    router = AsyncRouter(**kwargs(case.get("config") or {}))
    try:
        rules = load_rules(case)
    except TrinoPlatformError as e:
        assert e.kind == case.get("error"), f"{name}: {e!r}"
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
            router.record_query(step["recordQuery"]["queryId"], step["recordQuery"]["cluster"])
            continue
        if "recordOAuth2Challenge" in step:
            record = step["recordOAuth2Challenge"]
            router.record_oauth2_challenge(record["header"], record["cluster"])
            continue
        spec = step["route"]
        decision = router.route(spec["method"], spec["path"], headers=spec.get("headers"), principal=spec.get("principal"))
        if "error" in step:
            with pytest.raises(TrinoPlatformError) as raised:
                await decision
            assert raised.value.kind == step["error"], f"{context}: {raised.value!r}"
            assert type(raised.value) is ERROR_CLASSES[step["error"]], f"{context}: {raised.value!r}"
        else:
            assert as_expected(await decision) == step["expect"], context


@pytest.mark.parametrize("case", ROUTING_CASES, ids=[c["name"] for c in ROUTING_CASES])
def test_routing_case(case: dict[str, Any]) -> None:
    run(run_routing_case(case))


ID = "20260101_120000_00001_abcde"
FOLLOW_UP = f"/v1/statement/executing/{ID}/y8f/2"


def test_async_routers_share_sticky_routes_through_a_store(sqlite_url: str) -> None:
    clusters = [Cluster("etl-1", "http://etl-1:8080", routing_group="etl"), Cluster("adhoc-1", "http://a:8080")]

    async def main() -> None:
        async with AsyncRouter.open(sqlite_url, default_group="etl") as first:
            first.set_clusters(clusters)
            assert repr(first) == (
                f"AsyncRouter(default_group='etl', policy='leastLoaded', rules=0, clusters=2, store={sqlite_url!r})"
            )
            decision = await first.route("POST", "/v1/statement")
            assert isinstance(decision, RouteDecision) and decision.cluster.name == "etl-1"
            first.record_query(ID, "etl-1", user="alice")
            await first.flush()
        assert repr(first).endswith(", closed)")
        with pytest.raises(ConflictError, match="AsyncRouter is closed"):
            first.route("GET", FOLLOW_UP)
        await first.close()  # twice is harmless

        second = await AsyncRouter.open(sqlite_url)
        second.set_clusters(clusters)
        follow_up = await second.route("GET", FOLLOW_UP)
        assert (follow_up.reason, follow_up.query_id, follow_up.cluster.name) == ("query", ID, "etl-1")
        await second.close()

        in_memory = AsyncRouter()
        in_memory.set_clusters(clusters)
        with pytest.raises(NotFoundError):
            await in_memory.route("GET", FOLLOW_UP)

    run(main())


def test_the_sync_router_is_a_context_manager_that_persists_and_closes(sqlite_url: str) -> None:
    clusters = [Cluster("etl-1", "http://etl-1:8080", routing_group="etl")]
    with Router(store_url=sqlite_url, default_group="etl") as router:
        router.set_clusters(clusters)
        router.record_query(ID, "etl-1")
    assert repr(router).endswith(", closed)")
    for call in (
        lambda: router.route("GET", FOLLOW_UP),
        lambda: router.set_clusters(clusters),
        lambda: router.record_query(ID, "etl-1"),
        router.flush,
        router.clusters,
    ):
        with pytest.raises(ConflictError, match="Router is closed"):
            call()
    router.close()  # twice is harmless
    # Exiting wrote the route: a new router on the store follows it up.
    with Router(store_url=sqlite_url) as again:
        again.set_clusters(clusters)
        assert again.route("GET", FOLLOW_UP).cluster.name == "etl-1"
    # Without a store, closing only stops the router.
    with Router() as in_memory:
        in_memory.set_clusters(clusters)
    with pytest.raises(ConflictError):
        in_memory.route("POST", "/v1/statement")


# ------------------------------------------------------------------------------------ parity

#: Each synchronous class and its asyncio twin.
TWINS = [
    ("ClusterStore", "AsyncClusterStore"),
    ("Router", "AsyncRouter"),
    ("Gateway", "AsyncGateway"),
    ("ExchangeBuckets", "AsyncExchangeBuckets"),
    ("RangerAdmin", "AsyncRangerAdmin"),
    ("KeycloakAdmin", "AsyncKeycloakAdmin"),
]


def public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


@pytest.mark.parametrize(("sync", "async_"), TWINS, ids=[a for _, a in TWINS])
def test_every_class_that_waits_has_an_async_twin_with_the_same_methods(sync: str, async_: str) -> None:
    sync_cls, async_cls = getattr(trino_platform, sync), getattr(trino_platform, async_)
    missing = public(sync_cls) - public(async_cls)
    assert missing == set(), f"{async_} lacks {sorted(missing)}"
    assert hasattr(sync_cls, "__enter__") and hasattr(sync_cls, "__exit__")
    assert hasattr(async_cls, "__aenter__") and hasattr(async_cls, "__aexit__")
    assert async_cls.__module__ == "trino_platform" and async_ in trino_platform.__all__
    assert async_cls.__doc__ and sync in async_cls.__doc__
