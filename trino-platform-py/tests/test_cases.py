"""The shared behaviour cases (``tests/cases/registry.yaml`` at the repository root), run as the
file's header describes: each case on a fresh, empty store, its steps in order, each step's
result compared with ``expect`` (the JSON form) or its exception with ``error`` (the kind)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import trino_platform
from trino_platform import Cluster, ClusterStore, TrinoPlatformError

CASES_FILE = Path(__file__).resolve().parents[2] / "tests" / "cases" / "registry.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text())

#: The exception class of each kind, as the package documents it.
ERROR_CLASSES: dict[str, type[TrinoPlatformError]] = {
    "InvalidInput": trino_platform.InvalidInputError,
    "NotFound": trino_platform.NotFoundError,
    "AlreadyExists": trino_platform.AlreadyExistsError,
    "Conflict": trino_platform.ConflictError,
    "Unauthorized": trino_platform.UnauthorizedError,
    "Forbidden": trino_platform.ForbiddenError,
    "Unavailable": trino_platform.UnavailableError,
    "Timeout": trino_platform.OperationTimeoutError,
    "Backend": trino_platform.BackendError,
    "Internal": trino_platform.InternalError,
}


def kwargs(fields: dict[str, Any]) -> dict[str, Any]:
    """The case file's camelCase keys as the Python keyword arguments (``proxyTo`` → ``proxy_to``)."""
    return {re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower(): value for key, value in fields.items()}


def operation(store: ClusterStore, step: dict[str, Any]) -> Callable[[], Cluster | list[Cluster]]:
    """The store call that `step` describes (failing the test on a step this runner does not know)."""
    args = {k: v for k, v in step.items() if k not in ("op", "expect", "error")}
    match step["op"], args:
        case "register", {"cluster": dict(cluster)} if len(args) == 1:
            fields = kwargs(cluster)
            return lambda: store.register(fields.pop("name"), fields.pop("proxy_to"), **fields)
        case "update", {"name": str(name), "update": dict(update)} if len(args) == 2:
            return lambda: store.update(name, **kwargs(update))
        case "activate" | "deactivate" | "remove" | "get" as op, {"name": str(name)} if len(args) == 1:
            method: Callable[[str], Cluster] = getattr(store, op)
            return lambda: method(name)
        case "list", {"filter": dict(filter)} if len(args) == 1:
            return lambda: store.list(**kwargs(filter))
        case "list", {}:
            return lambda: store.list()
    pytest.fail(f"step not understood by this runner: {step}")


def to_json(result: Cluster | list[Cluster]) -> Any:
    return [c.to_dict() for c in result] if isinstance(result, list) else result.to_dict()


def run_case(url: str, case: dict[str, Any]) -> None:
    with ClusterStore.open(url) as store:
        for number, step in enumerate(case["steps"], start=1):
            where = f"step {number} ({step['op']})"
            assert ("expect" in step) != ("error" in step), f"{where}: needs exactly one of expect/error"
            call = operation(store, step)
            if "error" in step:
                kind = step["error"]
                with pytest.raises(TrinoPlatformError) as raised:
                    call()
                assert raised.value.kind == kind, f"{where}: {raised.value!r}"
                assert type(raised.value) is ERROR_CLASSES[kind], f"{where}: {raised.value!r}"
            else:
                assert to_json(call()) == step["expect"], where


def test_the_case_file_has_cases() -> None:
    assert len(CASES) >= 5 and all(case["steps"] for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_sqlite(sqlite_url: str, case: dict[str, Any]) -> None:
    run_case(sqlite_url, case)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_postgres(postgres_url: str, case: dict[str, Any]) -> None:
    run_case(postgres_url, case)
