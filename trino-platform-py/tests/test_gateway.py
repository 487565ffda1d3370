"""The embedded Trino Gateway (``Gateway``) proven with real clients against real Trino: the
``trino`` DB-API client and plain HTTP, through gateways in front of the two Trino 476 servers of
``scripts/services start`` (``TP_TEST_TRINO_URL``, ``TP_TEST_TRINO_URL_2``; tpch and memory
catalogs, ``http-server.process-forwarded=true``, so the ``nextUri`` they write points back at the
gateway). Which server ran a query is asked of Trino itself (``/v1/query``).

The replica test runs two gateway *processes* (the CLI binary, ``trino-platform gateway serve``,
built by cargo with the ``ci`` profile on first use) on one fresh PostgreSQL database.

The Trino servers are shared with the other suites: every assertion is about the query ids these
tests submitted, never about a server's whole history.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest
import trino.dbapi

from conftest import cargo_binary
from trino_platform import AsyncGateway, Gateway, InvalidInputError, UnavailableError

T = TypeVar("T")

#: The admin token of the gateways these tests start (random per run).
TOKEN = f"tp-py-{uuid.uuid4().hex}"
USER = {"X-Trino-User": "test"}

#: No proxies from the environment: every URL here is on this host.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- helpers -----------------------------------------------------------------------------------


def http(
    method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None, timeout: float = 60
) -> tuple[int, dict[str, str], bytes]:
    """One request: (status, headers with lower-case names, body), whatever the status."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    status, _, body = http("GET", url, headers=headers)
    assert status == 200, f"GET {url}: {status} {body[:500]!r}"
    return json.loads(body)


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 60, interval: float = 0.2) -> T:
    """Polls ``check`` until it returns something other than None (or False), failing after
    ``timeout`` seconds with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}", pytrace=False)
        time.sleep(interval)


def gateway_yaml(store: str, trinos: tuple[str, str], *, listen: str = "127.0.0.1:0") -> str:
    """A gateway config: the two Trino servers as seed clusters ``trino-1``/``trino-2``, round
    robin, the admin API behind ``TOKEN``.

    The health interval is long on purpose: the gateway reloads its clusters from the store every
    interval, and each reload currently restarts the round-robin turn at the first cluster (the
    core's ``Pool::new`` does not carry a group's counter over), which would make "which cluster
    is next" depend on timing. Admin calls reload too; the tests expect that."""
    return f"""
listen: {{http: '{listen}'}}
store: '{store}'
clusters:
  - {{name: trino-1, proxyTo: '{trinos[0]}'}}
  - {{name: trino-2, proxyTo: '{trinos[1]}'}}
routing: {{policy: roundRobin}}
health: {{interval: 5m, timeout: 3s}}
admin: {{tokens: ['{TOKEN}']}}
"""


def connect(gateway: Gateway) -> Any:
    """A ``trino`` DB-API connection through ``gateway`` (user ``test``, ``tpch.tiny``)."""
    host, port = (gateway.http_address or "").rsplit(":", 1)
    return trino.dbapi.connect(  # type: ignore[no-untyped-call]
        host=host, port=int(port), user="test", catalog="tpch", schema="tiny", http_scheme="http"
    )


def run(gateway: Gateway, sql: str) -> tuple[str, list[Any]]:
    """Runs ``sql`` through ``gateway`` with the ``trino`` client: (query id, all rows)."""
    connection = connect(gateway)
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        rows: list[Any] = cursor.fetchall()
        query_id: str = cursor.query_id
        return query_id, rows
    finally:
        connection.close()


def owner(trinos: tuple[str, str], query_id: str) -> str:
    """The Trino server (URL) that ran ``query_id``, from its own ``/v1/query`` list."""
    ran = [url for url in trinos if query_id in {q["queryId"] for q in get_json(f"{url}/v1/query", USER)}]
    assert len(ran) == 1, f"{query_id} is known to {ran or 'neither server'}"
    return ran[0]


def query_info(trino_url: str, query_id: str) -> Any:
    """Trino's ``/v1/query/{id}`` of a query."""
    return get_json(f"{trino_url}/v1/query/{query_id}", USER)


def cluster_name(trinos: tuple[str, str], url: str) -> str:
    return f"trino-{trinos.index(url) + 1}"


def admin(gateway: Gateway, method: str, path: str, token: str | None = TOKEN) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, response_headers, body = http(method, f"{gateway.url}{path}", headers=headers)
    return status, response_headers, json.loads(body) if body else None


@pytest.fixture
def gateway(tmp_path: Path, trino_urls: tuple[str, str]) -> Iterator[Gateway]:
    """An embedded gateway in front of both Trino servers, on an SQLite store in tmp_path."""
    with Gateway.start(config=gateway_yaml(f"sqlite://{tmp_path / 'gateway.db'}", trino_urls)) as gw:
        yield gw


# --- the Python surface ------------------------------------------------------------------------


def test_start_takes_exactly_one_config_and_reports_bad_ones(tmp_path: Path) -> None:
    store = f"sqlite://{tmp_path / 'gw.db'}"
    bad_calls: list[Callable[[], Gateway]] = [
        lambda: Gateway.start(),
        lambda: Gateway.start(config="{}", config_path=tmp_path / "x.yaml"),
    ]
    for bad in bad_calls:
        with pytest.raises(InvalidInputError) as raised:
            bad()
        assert "exactly one" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        Gateway.start(config=f"store: '{store}'\nhealth:\n  intervall: 5s\n")
    assert "intervall" in raised.value.message and "line 3" in raised.value.message, raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        Gateway.start(config_path=tmp_path / "missing.yaml")
    assert "missing.yaml" in raised.value.message
    with pytest.raises(InvalidInputError) as raised:
        Gateway.start(config="admin: {tokens: ['${ENV:TP_PY_SURELY_UNSET}']}\n")
    assert "TP_PY_SURELY_UNSET" in raised.value.message


def test_lifecycle_addresses_and_a_busy_port(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(f"listen: {{http: '127.0.0.1:0'}}\nstore: 'sqlite://{tmp_path / 'gw.db'}'\n")
    with Gateway.start(config_path=path) as gw:
        address = gw.http_address
        assert address is not None and re.fullmatch(r"127\.0\.0\.1:\d+", address) and not address.endswith(":0")
        assert gw.url == f"http://{address}" and gw.https_address is None
        assert repr(gw) == f"Gateway(url='http://{address}')"
        assert http("GET", f"{gw.url}/livez")[0] == 200
        assert http("GET", f"{gw.url}/nothing-here")[0] == 404
        # No cluster: a Trino-shaped 503, never a hang.
        status, _, body = http("POST", f"{gw.url}/v1/statement", headers=USER, body=b"SELECT 1")
        assert status == 503 and json.loads(body)["error"]["errorName"] == "NO_NODES_AVAILABLE", body
        with pytest.raises(UnavailableError) as raised:  # the address is taken
            Gateway.start(config=f"listen: {{http: '{address}'}}\nstore: 'sqlite://{tmp_path / 'other.db'}'\n")
        assert address in raised.value.message
    assert repr(gw) == f"Gateway(url='http://{address}', stopped)"
    gw.stop()  # stopping again does nothing
    with pytest.raises(OSError):  # nothing listens any more
        http("GET", f"http://{address}/livez", timeout=5)
    with Gateway.start(config=f"listen: {{http: '0.0.0.0:0'}}\nstore: 'sqlite://{tmp_path / 'gw.db'}'\n") as gw:
        assert (gw.http_address or "").startswith("0.0.0.0:")
        assert gw.url == f"http://127.0.0.1:{(gw.http_address or '').rsplit(':', 1)[1]}"
        assert http("GET", f"{gw.url}/livez")[0] == 200

    # A gateway garbage-collected while running stops in the background.
    url = Gateway.start(config_path=path).url
    gc.collect()

    def refused() -> bool:
        try:
            http("GET", f"{url}/livez", timeout=5)
            return False
        except OSError:
            return True

    wait_for("the dropped gateway to stop listening", refused, timeout=40)


# --- through the gateway, to real Trino ---------------------------------------------------------


def test_queries_through_the_gateway_reach_both_trino_servers(
    gateway: Gateway, trino_urls: tuple[str, str]
) -> None:
    ids = []
    for _ in range(3):
        query_id, rows = run(gateway, "SELECT count(*) FROM nation")
        assert rows == [[25]]
        ids.append(query_id)
        query_id, rows = run(gateway, "SELECT * FROM lineitem LIMIT 20000")  # many result pages
        assert len(rows) == 20000 and len(rows[0]) == 16
        ids.append(query_id)
    owners = [owner(trino_urls, query_id) for query_id in ids]
    assert set(owners) == set(trino_urls), f"round robin sent every query to one server: {owners}"
    assert all(query_info(url, q)["state"] == "FINISHED" for url, q in zip(owners, ids))


def test_cancelling_a_query_through_the_gateway_stops_it_on_its_trino(
    gateway: Gateway, trino_urls: tuple[str, str]
) -> None:
    connection = connect(gateway)
    cursor = connection.cursor()
    outcome: list[BaseException | None] = []

    def execute() -> None:
        try:
            cursor.execute("SELECT count(*) FROM tpch.sf100.lineitem")  # minutes, if let run
            cursor.fetchall()
            outcome.append(None)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            outcome.append(e)

    thread = threading.Thread(target=execute, daemon=True)
    thread.start()
    try:
        query_id: str = wait_for("the query id", lambda: cursor.query_id)
        trino_url = owner(trino_urls, query_id)
        wait_for(
            f"{query_id} to run on {trino_url}",
            lambda: query_info(trino_url, query_id)["state"] == "RUNNING" or bool(outcome),
        )
        assert not outcome, f"the query ended before it was cancelled: {outcome}"
        cursor.cancel()  # DELETE on the query's nextUri, through the gateway
        thread.join(timeout=60)
        assert not thread.is_alive(), "the client did not notice the cancellation"
        assert outcome and outcome[0] is not None, "the cancelled query returned rows"

        def ended() -> Any:
            info = query_info(trino_url, query_id)
            return None if info["state"] in ("QUEUED", "PLANNING", "STARTING", "RUNNING") else info

        info = wait_for(f"{query_id} to end on {trino_url}", ended)
        assert info["state"] == "FAILED" and info["errorCode"]["name"] == "USER_CANCELED", info["state"]
    finally:
        if thread.is_alive():
            cursor.cancel()
        connection.close()


def test_the_admin_api_needs_the_token(gateway: Gateway) -> None:
    for token in (None, "wrong-token"):
        status, headers, body = admin(gateway, "GET", "/api/v1/clusters", token=token)
        assert status == 401 and body["error"]["kind"] == "Unauthorized", body
        assert "Bearer" in headers.get("www-authenticate", "")
    assert admin(gateway, "GET", "/gateway/backend/all", token=None)[0] == 401
    status, _, clusters = admin(gateway, "GET", "/api/v1/clusters")
    assert status == 200 and sorted(c["name"] for c in clusters) == ["trino-1", "trino-2"], clusters
    status, _, backends = admin(gateway, "GET", "/gateway/backend/all")
    assert status == 200 and all(b["active"] for b in backends), backends


def test_deactivating_a_cluster_drains_it(gateway: Gateway, trino_urls: tuple[str, str]) -> None:
    """A query running on a cluster that is deactivated still completes through the gateway (its
    follow-ups are sticky); new queries go only to the other cluster."""
    connection = connect(gateway)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT * FROM lineitem")  # 60175 rows: many pages; the client has read one
        first = cursor.fetchone()
        assert first is not None
        draining_id: str = cursor.query_id
        draining = owner(trino_urls, draining_id)
        assert query_info(draining, draining_id)["state"] != "FINISHED", "the query must still be running"

        name = cluster_name(trino_urls, draining)
        status, _, body = admin(gateway, "POST", f"/api/v1/clusters/{name}/deactivate")
        assert status == 200 and body["active"] is False, body
        others = [owner(trino_urls, run(gateway, "SELECT count(*) FROM nation")[0]) for _ in range(4)]
        assert draining not in others, f"a new query went to the deactivated {name}"

        rest = cursor.fetchall()
        assert 1 + len(rest) == 60175
        assert query_info(draining, draining_id)["state"] == "FINISHED"
    finally:
        connection.close()
    status, _, body = admin(gateway, "POST", f"/api/v1/clusters/{name}/activate")
    assert status == 200 and body["active"] is True
    owners = {owner(trino_urls, run(gateway, "SELECT count(*) FROM nation")[0]) for _ in range(2)}
    assert owners == set(trino_urls), "round robin over both again"


# --- two gateway processes on one PostgreSQL store ---------------------------------------------


@pytest.fixture(scope="session")
def cli_binary() -> Path:
    """The CLI (``trino-platform``), built with cargo's ``ci`` profile (see ``cargo_binary``)."""
    return cargo_binary("trino-platform-cli", "trino-platform")


class GatewayProcess:
    """``trino-platform gateway serve --config <path>`` as a child process; ``address`` is what
    it logs as its HTTP listener."""

    def __init__(self, binary: Path, config: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "TRINO_PLATFORM_STORE"}
        env["RUST_LOG"] = "info"
        self.process = subprocess.Popen(
            [str(binary), "gateway", "serve", "--config", str(config)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.log.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 60
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                pytest.fail(f"the gateway did not start:\n{''.join(self.log)}", pytrace=False)
            if found := re.search(r"listening on http://(\S+)", line):
                self.address: str = found.group(1)
                return

    def stop(self) -> None:
        """SIGTERM (a graceful stop), then SIGKILL if it takes more than 40 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def at(url: str, address: str) -> str:
    """``url`` with its host and port replaced by ``address``."""
    return urlunsplit(urlsplit(url)._replace(netloc=address))


def test_two_gateway_processes_on_one_postgres_store_share_query_routes(
    postgres_url: str, trino_urls: tuple[str, str], cli_binary: Path, tmp_path: Path
) -> None:
    """A query submitted through one replica is followed to the end through the other: the first
    records ``query id -> cluster`` in the shared store, the second finds it there."""
    replicas: list[GatewayProcess] = []
    try:
        for i in (1, 2):
            config = tmp_path / f"gateway-{i}.yaml"
            config.write_text(gateway_yaml(postgres_url, trino_urls))
            replicas.append(GatewayProcess(cli_binary, config))
        one, two = (r.address for r in replicas)

        headers = {**USER, "X-Trino-Catalog": "tpch", "X-Trino-Schema": "tiny"}
        status, _, body = http("POST", f"http://{one}/v1/statement", headers=headers, body=b"SELECT * FROM orders")
        assert status == 200, body
        page = json.loads(body)
        query_id, next_uri = page["id"], page["nextUri"]
        assert urlsplit(next_uri).netloc == one, f"Trino wrote nextUri for the gateway: {next_uri}"

        # Replica one writes the route in the background; replica two, asked for a query it does
        # not know yet, waits for the route to reach the store: one request, which must succeed.
        status, _, body = http("GET", at(next_uri, two), headers=USER)
        assert status == 200, f"replica two did not follow {query_id}: {status} {body[:500]!r}"
        page = json.loads(body)
        rows = len(page.get("data", []))
        while "nextUri" in page:
            assert urlsplit(page["nextUri"]).netloc == two, page["nextUri"]
            status, _, body = http("GET", at(page["nextUri"], two), headers=USER)
            assert status == 200, body[:500]
            page = json.loads(body)
            rows += len(page.get("data", []))
        assert "error" not in page, page["error"]
        assert page["stats"]["state"] == "FINISHED" and rows == 15000
        assert query_info(owner(trino_urls, query_id), query_id)["state"] == "FINISHED"
    finally:
        for replica in replicas:
            replica.stop()
    assert all(r.process.returncode == 0 for r in replicas), [r.process.returncode for r in replicas]


# --- AsyncGateway --------------------------------------------------------------------------------


def test_an_async_gateway_serves_queries_while_the_event_loop_runs(
    tmp_path: Path, trino_urls: tuple[str, str]
) -> None:
    """``async with AsyncGateway.start(...)``: the loop keeps ticking while the gateway starts,
    serves two queries (run by the ``trino`` client in threads) and drains on exit."""
    config = gateway_yaml(f"sqlite://{tmp_path / 'gateway.db'}", trino_urls)

    def query(address: str, sql: str) -> tuple[str, list[Any]]:
        host, port = address.rsplit(":", 1)
        connection = trino.dbapi.connect(  # type: ignore[no-untyped-call]
            host=host, port=int(port), user="test", catalog="tpch", schema="tiny", http_scheme="http"
        )
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.query_id, cursor.fetchall()
        finally:
            connection.close()

    async def main() -> tuple[str, list[str]]:
        ticks: list[float] = []
        stop = asyncio.Event()

        async def tick() -> None:
            while not stop.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticker = asyncio.ensure_future(tick())
        async with AsyncGateway.start(config=config) as gw:
            address = gw.http_address or ""
            assert repr(gw) == f"AsyncGateway(url='http://{address}')" and gw.https_address is None
            results = await asyncio.gather(
                asyncio.to_thread(query, address, "SELECT count(*) FROM nation"),
                asyncio.to_thread(query, address, "SELECT count(*) FROM region"),
            )
        assert sorted(rows[0][0] for _, rows in results) == [5, 25]
        assert repr(gw) == f"AsyncGateway(url='http://{address}', stopped)"
        await gw.stop()  # stopping again does nothing
        stop.set()
        await ticker
        assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.5, "the event loop was blocked"
        return address, [query_id for query_id, _ in results]

    address, ids = asyncio.run(main())
    assert {owner(trino_urls, q) for q in ids} == set(trino_urls), "round robin: one query on each server"
    with pytest.raises(OSError):  # nothing listens any more
        http("GET", f"http://{address}/livez", timeout=5)


def test_async_gateway_start_checks_its_arguments(tmp_path: Path) -> None:
    async def main() -> None:
        with pytest.raises(InvalidInputError, match="AsyncGateway.start: pass exactly one"):
            AsyncGateway.start()
        with pytest.raises(InvalidInputError, match="exactly one"):
            AsyncGateway.start(config="listen: {}", config_path=tmp_path / "x.yaml")
        with pytest.raises(InvalidInputError, match="missing.yaml"):
            await AsyncGateway.start(config_path=tmp_path / "missing.yaml")
        with pytest.raises(InvalidInputError, match="listn"):
            await AsyncGateway.start(config="listn: {http: '127.0.0.1:0'}\n")

    asyncio.run(main())
