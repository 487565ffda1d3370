"""What the binding adds on top of the shared cases: the exception classes, secrets kept out of
text, the context manager, persistence, the GIL released during store calls, and the refusal
to run in a forked child."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import trino_platform
from trino_platform import (
    AsyncClusterStore,
    BackendError,
    Cluster,
    ClusterStore,
    InvalidInputError,
    NotFoundError,
    TrinoPlatformError,
    UnavailableError,
)

#: (class, kind, builtin base or None): DESIGN.md section 8.
EXCEPTIONS: list[tuple[type[TrinoPlatformError], str, type[Exception] | None]] = [
    (trino_platform.InvalidInputError, "InvalidInput", ValueError),
    (trino_platform.NotFoundError, "NotFound", LookupError),
    (trino_platform.AlreadyExistsError, "AlreadyExists", None),
    (trino_platform.ConflictError, "Conflict", None),
    (trino_platform.UnauthorizedError, "Unauthorized", PermissionError),
    (trino_platform.ForbiddenError, "Forbidden", PermissionError),
    (trino_platform.UnavailableError, "Unavailable", ConnectionError),
    (trino_platform.OperationTimeoutError, "Timeout", TimeoutError),
    (trino_platform.BackendError, "Backend", None),
    (trino_platform.InternalError, "Internal", None),
]


@pytest.mark.parametrize("cls, kind, builtin", EXCEPTIONS, ids=[kind for _, kind, _ in EXCEPTIONS])
def test_exception_class(cls: type[TrinoPlatformError], kind: str, builtin: type[Exception] | None) -> None:
    assert issubclass(cls, TrinoPlatformError) and issubclass(cls, Exception)
    if builtin is not None:
        assert issubclass(cls, builtin)
    assert cls.kind == kind
    assert cls.__module__ == "trino_platform" and getattr(trino_platform, cls.__name__) is cls
    assert cls.__name__ in trino_platform.__all__
    assert cls.__doc__
    # Catching the base or the builtin both work, and the message is the first argument.
    with pytest.raises(TrinoPlatformError):
        raise cls("boom")
    assert str(cls("boom")) == "boom"


def test_there_is_one_class_per_kind_and_nothing_else() -> None:
    assert TrinoPlatformError.__module__ == "trino_platform"
    assert issubclass(TrinoPlatformError, Exception)
    assert set(TrinoPlatformError.__subclasses__()) == {cls for cls, _, _ in EXCEPTIONS}
    assert len({kind for _, kind, _ in EXCEPTIONS}) == len(EXCEPTIONS)


def test_raised_errors_carry_kind_and_message(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        with pytest.raises(LookupError) as missing:
            store.get("missing")
        assert isinstance(missing.value, NotFoundError)
        assert missing.value.kind == "NotFound"
        assert "missing" in missing.value.message and str(missing.value) == missing.value.message

        with pytest.raises(ValueError) as invalid:
            store.register("ok", "ftp://a:21")
        assert isinstance(invalid.value, InvalidInputError) and invalid.value.kind == "InvalidInput"

        with pytest.raises(InvalidInputError):
            store.update("ok", routing_group="not a group")
        with pytest.raises(InvalidInputError):
            store.list(routing_group="")


def test_unreachable_postgres_is_unavailable_and_never_shows_the_password() -> None:
    # Nothing listens on port 1; the core retries until its acquire timeout (about 10 s).
    with pytest.raises(UnavailableError) as raised:
        ClusterStore.open("postgres://u:hunter2@127.0.0.1:1/db")
    err = raised.value
    assert isinstance(err, ConnectionError) and err.kind == "Unavailable"
    for text in (str(err), repr(err), err.message):
        assert "hunter2" not in text, text
    assert "127.0.0.1:1" in err.message


def test_unsupported_url_is_invalid_input_without_the_password() -> None:
    with pytest.raises(InvalidInputError) as raised:
        ClusterStore.open("mysql://root:hunter2@db/gw")
    assert "hunter2" not in str(raised.value) and "hunter2" not in repr(raised.value)


def test_repr_of_a_postgres_store_redacts_the_password(postgres_url: str) -> None:
    with ClusterStore.open(postgres_url) as store:
        assert repr(store) == repr_of_url_without_password(postgres_url)
        store.register("pg", "http://pg:8080")
        assert store.get("pg").proxy_to == "http://pg:8080"


def repr_of_url_without_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    userinfo, at, hostpath = rest.partition("@")
    if at and ":" in userinfo:
        user, password = userinfo.split(":", 1)
        assert password and password not in f"{scheme}://{user}:***@{hostpath}".replace(user, "")
        return f"ClusterStore('{scheme}://{user}:***@{hostpath}')"
    return f"ClusterStore({url!r})"


def test_repr_of_a_sqlite_store_is_its_url(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        assert repr(store) == f"ClusterStore({sqlite_url!r})"


def test_context_manager_closes_the_store(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        assert isinstance(store, ClusterStore)
        store.register("c", "http://c:8080")
    with pytest.raises(UnavailableError):
        store.list()
    store.close()  # closing again is harmless

    with pytest.raises(KeyError):  # an exception in the block propagates, and the store closes
        with ClusterStore.open(sqlite_url) as store:
            raise KeyError("boom")
    with pytest.raises(UnavailableError):
        store.get("c")


def test_data_survives_reopening_the_file(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        store.register("keep", "http://keep:8080", routing_group="etl", active=False)
    with ClusterStore.open(sqlite_url) as store:
        assert [c.to_dict() for c in store.list()] == [
            {"name": "keep", "proxyTo": "http://keep:8080", "externalUrl": "http://keep:8080",
             "routingGroup": "etl", "active": False}
        ]


def test_cluster_is_an_immutable_value(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        c = store.register("trino-1", "http://trino-1:8080/", routing_group="adhoc")
        other = store.register("trino-2", "http://t2:8080", external_url="https://t2.example.com")
        assert (c.name, c.proxy_to, c.external_url, c.routing_group, c.active) == (
            "trino-1", "http://trino-1:8080", "http://trino-1:8080", "adhoc", True)
        assert repr(c) == "Cluster(name='trino-1', proxy_to='http://trino-1:8080', routing_group='adhoc', active=True)"
        assert repr(other) == (
            "Cluster(name='trino-2', proxy_to='http://t2:8080', external_url='https://t2.example.com', "
            "routing_group='adhoc', active=True)"
        )
        again = store.get("trino-1")
        assert c == again and hash(c) == hash(again) and c is not again
        assert c != other and c != "trino-1"
        assert len({c, again, other}) == 2
        with pytest.raises(AttributeError):
            c.name = "x"  # type: ignore[misc]
        with pytest.raises(TypeError):  # options are keyword-only
            store.register("x", "http://x", "http://y")  # type: ignore[call-arg]


def test_cluster_values_are_built_as_registrations_are(sqlite_url: str) -> None:
    """``Cluster(...)`` validates and defaults like ``register`` (the core's ``ClusterSpec``), so a
    router can be fed without a store."""
    built = [
        Cluster("trino-1", "http://trino-1:8080/", routing_group="adhoc"),
        Cluster("trino-2", "http://t2:8080", external_url="https://t2.example.com", active=False),
    ]
    with ClusterStore.open(sqlite_url) as store:
        registered = [
            store.register("trino-1", "http://trino-1:8080/", routing_group="adhoc"),
            store.register("trino-2", "http://t2:8080", external_url="https://t2.example.com", active=False),
        ]
    assert built == registered and [hash(c) for c in built] == [hash(c) for c in registered]
    assert built[0].to_dict() == {"name": "trino-1", "proxyTo": "http://trino-1:8080",
                                  "externalUrl": "http://trino-1:8080", "routingGroup": "adhoc", "active": True}
    bad: list[tuple[str, str, dict[str, Any]]] = [
        ("bad name!", "http://x:8080", {}),
        ("x", "ftp://x:21", {}),
        ("x", "http://x:8080", {"external_url": "not a url"}),
        ("x", "http://x:8080", {"routing_group": "a b"}),
    ]
    for name, proxy_to, options in bad:
        with pytest.raises(InvalidInputError) as raised:
            Cluster(name, proxy_to, **options)
        assert raised.value.kind == "InvalidInput" and raised.value.message
    with pytest.raises(TypeError):
        Cluster()  # type: ignore[call-arg]
    with pytest.raises(TypeError):  # options are keyword-only
        Cluster("x", "http://x", "http://y")  # type: ignore[call-arg]


def test_the_gil_is_released_while_the_store_waits(tmp_path: Path) -> None:
    """A writer blocked on an SQLite lock must not stop other Python threads. Another process
    holds the write lock (another process, because two SQLite libraries in one process do not see
    each other's POSIX locks); a thread's register() waits on it (the store's busy timeout is
    10 s) while this thread runs on and then releases the lock. With the GIL held, this thread
    could not run until register() gave up, 10 s later, with an error."""
    path = tmp_path / "locked.db"
    hold_lock = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "db.execute('COMMIT')\n"
    )
    with ClusterStore.open(f"sqlite://{path}") as store:
        blocker = subprocess.Popen(
            [sys.executable, "-c", hold_lock, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert blocker.stdin is not None and blocker.stdout is not None
        try:
            assert blocker.stdout.readline() == "locked\n"
            outcome: list[Cluster | BaseException] = []
            started = threading.Event()

            def register() -> None:
                started.set()
                try:
                    outcome.append(store.register("waiter", "http://w:8080"))
                except BaseException as e:  # reported below
                    outcome.append(e)

            worker = threading.Thread(target=register)
            began = time.monotonic()
            worker.start()
            assert started.wait(5)
            time.sleep(0.5)
            ran_meanwhile = time.monotonic() - began
            still_waiting = worker.is_alive()
        finally:
            blocker.communicate("commit\n", timeout=30)
        worker.join(30)
        assert ran_meanwhile < 5, f"this thread was stopped for {ran_meanwhile:.1f} s"
        assert still_waiting, f"register() did not wait for the lock: {outcome}"
        assert len(outcome) == 1 and isinstance(outcome[0], Cluster), outcome
        assert store.get("waiter").proxy_to == "http://w:8080"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_is_refused(sqlite_url: str) -> None:
    with ClusterStore.open(sqlite_url) as store:
        store.register("c", "http://c:8080")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report what happened, never return into pytest
            results = []
            for call in (store.list, lambda: ClusterStore.open(sqlite_url)):
                try:
                    call()
                    results.append("no error")
                except TrinoPlatformError as e:
                    results.append(f"{type(e).__name__}:{e.kind}:{e.message}")
                except BaseException as e:
                    results.append(repr(e))
            os.write(write, "\n".join(results).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            results = pipe.read().splitlines()
        os.waitpid(pid, 0)
        assert len(results) == 2, results
        for result in results:
            assert result.startswith("ConflictError:Conflict:") and "fork" in result, result
        # The parent goes on unharmed.
        assert [c.name for c in store.list()] == ["c"]


def test_a_table_that_is_not_the_gateways_is_a_backend_error(tmp_path: Path) -> None:
    """A database whose ``gateway_backend`` table someone else made (without trino-gateway's
    columns): the store opens (its migrations create only what is missing), and the database's
    refusal of a registration is a ``BackendError``, from either API."""
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE gateway_backend (name TEXT PRIMARY KEY)")
    with ClusterStore.open(f"sqlite://{path}") as store:
        with pytest.raises(BackendError) as raised:
            store.register("a", "http://a:8080")
        assert raised.value.kind == "Backend" and "routing_group" in raised.value.message

    async def main() -> None:
        async with AsyncClusterStore.open(f"sqlite://{path}") as store:
            with pytest.raises(BackendError):
                await store.register("a", "http://a:8080")

    asyncio.run(main())


INTERRUPTED = """
import faulthandler, os, signal, socket, sys, threading, time
from trino_platform import RangerAdmin

# Python's own Ctrl-C handler, even where the child inherits SIGINT ignored (a shell's background
# job), and every thread's traceback if the interrupt is missed.
signal.signal(signal.SIGINT, signal.default_int_handler)
faulthandler.dump_traceback_later(30, exit=True)

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()  # accepts, never answers
admin = RangerAdmin.connect(f"http://127.0.0.1:{server.getsockname()[1]}", username="a", password="p", timeout=60)
threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
began = time.monotonic()
try:
    admin.download_policies("dev_trino")
    print("returned")
except KeyboardInterrupt:
    print(f"interrupted after {time.monotonic() - began:.2f} s")
"""


def test_ctrl_c_interrupts_a_blocking_call() -> None:
    """A call waiting for a server that never answers (60 s timeout) is ended by SIGINT within
    the 100 ms between two signal checks: ``KeyboardInterrupt``, as for any Python code."""
    done = subprocess.run([sys.executable, "-c", INTERRUPTED], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert words[:2] == ["interrupted", "after"], done.stdout
    assert float(words[2]) < 2.0, done.stdout
