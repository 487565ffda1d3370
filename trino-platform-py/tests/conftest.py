"""Fresh stores for the tests: an SQLite file in tmp_path, or a new PostgreSQL database on the
harness's server (``TP_TEST_POSTGRES_URL``, from ``scripts/services start``); the two real
Trino servers of the harness (``TP_TEST_TRINO_URL``, ``TP_TEST_TRINO_URL_2``); and its S3 server
(moto, ``TP_TEST_S3_ENDPOINT``, with the ``AWS_*`` credentials of its env.sh); and for tenants on
Kubernetes, ``tp-load kube-fake`` (``KubeFake``) and ``world``: a workspace, Keycloak realm, store
and fake of one test's own, with a tenant file for them.

A test that needs a service fails when its variable is missing; it is skipped (and says so) only
when ``TP_SKIP_SERVICES`` names the service (``postgres``, ``trino``, ``s3``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import types
import typing
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union
from urllib.parse import urlsplit, urlunsplit

import pytest

from trino_platform import ExchangeBuckets, ExchangeBucketSpec, KeycloakAdmin, Targets, TenantSpec


def service_urls(service: str, title: str, *variables: str) -> list[str]:
    """The values of ``variables``, or a failure naming the missing ones (a skip, printed with its
    reason, when ``TP_SKIP_SERVICES`` names ``service``)."""
    values = [os.environ.get(v, "") for v in variables]
    missing = [v for v, value in zip(variables, values) if not value]
    if not missing:
        return values
    skipped = os.environ.get("TP_SKIP_SERVICES", "")
    if service in [s.strip() for s in skipped.split(",")]:
        pytest.skip(f"{title} tests skipped: TP_SKIP_SERVICES={skipped}")
    pytest.fail(
        f"{', '.join(missing)} not set: run `scripts/services start` and "
        f"`source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES={service} to skip",
        pytrace=False,
    )


ROOT = Path(__file__).resolve().parents[2]


def cargo_binary(package: str, binary: str) -> Path:
    """The binary ``binary`` of the workspace package ``package``, built with cargo's ``ci``
    profile into ``CARGO_TARGET_DIR`` (default ``~/.cache/trino-platform/target``; ``scripts/test``
    builds them first); cargo waits on the build lock and rebuilds only what changed."""
    cache = Path(os.environ.get("TP_CACHE_DIR") or Path.home() / ".cache" / "trino-platform")
    target = Path(os.environ.get("CARGO_TARGET_DIR") or cache / "target")
    cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    built = subprocess.run(
        [cargo, "build", "--profile", "ci", "-p", package],
        cwd=ROOT,
        env={**os.environ, "CARGO_TARGET_DIR": str(target)},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if built.returncode != 0:
        pytest.fail(f"cargo build -p {package} failed:\n{built.stderr[-5000:]}", pytrace=False)
    return target / "ci" / binary


def postgres_admin_url() -> str:
    """``TP_TEST_POSTGRES_URL``, or a failure (a skip when ``TP_SKIP_SERVICES`` names postgres)."""
    return service_urls("postgres", "PostgreSQL", "TP_TEST_POSTGRES_URL")[0]


@pytest.fixture
def trino_urls() -> tuple[str, str]:
    """The two real Trino servers (``TP_TEST_TRINO_URL``, ``TP_TEST_TRINO_URL_2``: tpch and memory
    catalogs, ``http-server.process-forwarded=true``), or a failure (a skip when
    ``TP_SKIP_SERVICES`` names trino)."""
    first, second = service_urls("trino", "Trino", "TP_TEST_TRINO_URL", "TP_TEST_TRINO_URL_2")
    return first.rstrip("/"), second.rstrip("/")


@pytest.fixture
def s3_endpoint() -> str:
    """The harness's S3 server (moto; ``TP_TEST_S3_ENDPOINT``), or a failure (a skip when
    ``TP_SKIP_SERVICES`` names s3). Clients authenticate with the ``AWS_*`` variables."""
    return service_urls("s3", "S3", "TP_TEST_S3_ENDPOINT")[0].rstrip("/")


def _psql(admin_url: str, sql: str) -> None:
    subprocess.run(
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty database (``tp_py_<random>``), dropped afterwards. Other suites
    share the server, so every test gets a database of its own instead of emptying tables."""
    admin = postgres_admin_url()
    db = f"tp_py_{uuid.uuid4().hex[:16]}"
    _psql(admin, f"CREATE DATABASE {db}")
    try:
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{db}"))
    finally:
        _psql(admin, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a new SQLite file (in a directory that does not exist yet)."""
    return f"sqlite://{tmp_path / 'nested' / 'gateway.db'}"


def assert_shape(value: object, expected: Any, where: str = "result") -> None:
    """Fails unless ``value`` (a result the binding returned as plain data) has the shape the
    stubs give it: for a ``TypedDict``, every required key, no key the stub lacks, and each
    value's own shape; for lists, ``X | None`` and ``Literal`` their items, alternative and
    values. This keeps the stubs in step with what the core actually returns."""
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if typing.is_typeddict(expected):
        assert isinstance(value, dict), f"{where}: {value!r} is no dict"
        required, optional = expected.__required_keys__, expected.__optional_keys__
        assert required <= set(value), f"{where}: missing {sorted(required - set(value))}"
        assert set(value) <= required | optional, f"{where}: not in the stub: {sorted(set(value) - required - optional)}"
        hints = typing.get_type_hints(expected)
        for key, item in value.items():
            assert_shape(item, hints[key], f"{where}.{key}")
    elif origin is list:
        assert isinstance(value, list), f"{where}: {value!r} is no list"
        for i, item in enumerate(value):
            assert_shape(item, args[0], f"{where}[{i}]")
    elif origin in (Union, types.UnionType):
        alternatives = [a for a in args if a is not type(None)]
        if value is None:
            assert type(None) in args, f"{where}: None where the stub says {expected}"
        elif len(alternatives) == 1:
            assert_shape(value, alternatives[0], where)
    elif origin is Literal:
        assert value in args, f"{where}: {value!r} is none of {args}"
    elif expected in (str, int, bool):
        assert type(value) is expected, f"{where}: {value!r} is no {expected.__name__}"


# --- tenants on Kubernetes: the Kubernetes fake, and one test's services for a tenant ----------

#: No proxies from the environment: the fakes are on this host.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="session")
def tp_load() -> Path:
    """``tp-load`` (the harness binary serving the Kubernetes fake), built with cargo's ``ci``
    profile (see ``cargo_binary``)."""
    return cargo_binary("trino-platform-load", "tp-load")


class KubeFake:
    """``tp-load kube-fake --kubeconfig FILE`` as a child process: it writes the kubeconfig,
    prints its URL on its first line and serves until killed."""

    def __init__(self, binary: Path, directory: Path) -> None:
        self.kubeconfig = directory / "kubeconfig"
        self.log = directory / "kube-fake.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(binary), "kube-fake", "--kubeconfig", str(self.kubeconfig)],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            pytest.fail(f"tp-load kube-fake did not start: {self.url!r} {self.log.read_text()}", pytrace=False)

    def get(self, path: str) -> dict[str, Any] | None:
        """The object at the API path ``path`` (``/api/v1/namespaces/x``), or None (404)."""
        request = urllib.request.Request(self.url + path, headers={"Authorization": "Bearer test-token"})
        try:
            with _NO_PROXY.open(request, timeout=30) as response:
                found: dict[str, Any] = json.load(response)
                return found
        except urllib.error.HTTPError as e:
            with e:
                assert e.code == 404, f"GET {path}: {e.code} {e.read()[:500]!r}"
                return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


#: The variable the tenants name for the registry's store URL (set per test).
STORE_ENV = "TP_PY_BUNDLE_STORE"


@dataclass
class World:
    """One test's services: a workspace and realm of its own, and a fresh fake and store."""

    workspace: str
    realm: str
    s3: str
    keycloak_url: str
    admin_user: str
    admin_password: str
    store_url: str
    kube: KubeFake

    @property
    def namespace(self) -> str:
        return f"trino-{self.workspace}"

    @property
    def bucket(self) -> str:
        return f"trino-exchange-{self.workspace}"

    def tenant_yaml(self, password_env: str = "TP_TEST_KEYCLOAK_ADMIN_PASSWORD", replicas: int = 2) -> str:
        """A tenant the harness can apply (as ``trino-platform-core/tests/bundle.rs`` writes it,
        without Ranger): exchange bucket on moto, OAuth client in Keycloak, registry in
        PostgreSQL, one cluster."""
        return f"""
workspace: {self.workspace}
labels: {{team: platform-tests}}
platform:
  gateway:
    externalUrl: https://{self.workspace}.trino.example.com
    rules: |
      rules:
        - {{name: etl, when: {{source: {{equals: airflow}}}}, routingGroup: etl}}
  exchange: {{region: us-east-1, endpoint: '{self.s3}', pathStyle: true, requireTls: false}}
  keycloak:
    url: {self.keycloak_url}
    credentials: {{grant: password, username: {self.admin_user}, passwordEnv: {password_env}}}
    client: {{realm: {self.realm}, clientId: trino, ensureRealm: true}}
  registry: {{storeEnv: {STORE_ENV}}}
clusters:
  - name: etl
    routingGroup: etl
    coordinator: {{resources: {{cpu: 1, memory: 2Gi}}}}
    workers: {{replicas: {replicas}, resources: {{cpu: 1, memory: 2Gi}}}}
    catalogs:
      - {{name: delta, deltaLake: {{metastoreUri: 'thrift://hms:9083', s3: {{region: us-east-1}}}}}}
"""

    def tenant(self, **kwargs: Any) -> TenantSpec:
        return TenantSpec.from_yaml(self.tenant_yaml(**kwargs))

    def connect(self, tenant: TenantSpec, **kwargs: Any) -> Targets:
        """Targets through the fake's kubeconfig, retrying and polling quickly."""
        options: dict[str, Any] = {"backoff": 0.01, "poll_interval": 0.02, "wait_timeout": 60, **kwargs}
        return Targets.connect(tenant, kubeconfig=self.kube.kubeconfig, **options)

    def exchange(self) -> ExchangeBucketSpec:
        return ExchangeBucketSpec.from_dict(
            {"workspace": self.workspace, "region": "us-east-1", "endpoint": self.s3, "pathStyle": True, "requireTls": False}
        )

    def keycloak(self) -> KeycloakAdmin:
        return KeycloakAdmin.connect(self.keycloak_url, username=self.admin_user, password=self.admin_password)


@pytest.fixture
def world(
    tp_load: Path, s3_endpoint: str, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    keycloak_url, admin_user, admin_password = service_urls(
        "keycloak", "Keycloak", "TP_TEST_KEYCLOAK_URL", "TP_TEST_KEYCLOAK_ADMIN_USER", "TP_TEST_KEYCLOAK_ADMIN_PASSWORD"
    )
    workspace = f"py-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv(STORE_ENV, postgres_url)
    kube = KubeFake(tp_load, tmp_path)
    world = World(
        workspace, f"tp-py-{workspace}", s3_endpoint, keycloak_url.rstrip("/"), admin_user, admin_password, postgres_url, kube
    )
    try:
        yield world
    finally:
        kube.stop()
        with ExchangeBuckets.connect(world.exchange()) as buckets:
            buckets.teardown(force=True)
        with world.keycloak() as admin:
            admin.delete_realm(world.realm)
