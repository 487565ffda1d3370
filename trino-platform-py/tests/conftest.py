"""Fresh stores for the tests: an SQLite file in tmp_path, or a new PostgreSQL database on the
harness's server (``TP_TEST_POSTGRES_URL``, from ``scripts/services start``).

A PostgreSQL test fails when ``TP_TEST_POSTGRES_URL`` is missing; it is skipped (and says so)
only when ``TP_SKIP_SERVICES`` names ``postgres``.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


def postgres_admin_url() -> str:
    """``TP_TEST_POSTGRES_URL``, or a failure (a skip when ``TP_SKIP_SERVICES`` names postgres)."""
    url = os.environ.get("TP_TEST_POSTGRES_URL")
    if url:
        return url
    skipped = os.environ.get("TP_SKIP_SERVICES", "")
    if "postgres" in [s.strip() for s in skipped.split(",")]:
        pytest.skip(f"PostgreSQL tests skipped: TP_SKIP_SERVICES={skipped}")
    pytest.fail(
        "TP_TEST_POSTGRES_URL is not set: run `scripts/services start` and "
        "`source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES=postgres to skip",
        pytrace=False,
    )


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
