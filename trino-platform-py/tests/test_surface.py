"""The package as a whole: its version is the crate's, it ships its stubs and ``py.typed``, every
public name is documented and exercised by some test module, and no exception class is left
without a real call raising it in the suite (except ``InternalError``, a bug by definition)."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import re
import typing
from pathlib import Path

import pytest

import trino_platform

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


def workspace_version() -> str:
    """``[workspace.package] version`` of the root Cargo.toml (the crate's version)."""
    text = (ROOT / "Cargo.toml").read_text()
    section = text.split("[workspace.package]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', section, re.MULTILINE)
    assert match, "no [workspace.package] version in Cargo.toml"
    return match.group(1)


def test_the_version_is_the_crates() -> None:
    version = workspace_version()
    assert trino_platform.__version__ == version
    assert importlib.metadata.version("trino-platform") == version


def test_the_package_ships_its_stubs_and_py_typed() -> None:
    files = importlib.resources.files("trino_platform")
    assert (files / "py.typed").is_file()
    assert (files / "_native.pyi").is_file()


def other_test_sources() -> str:
    return "\n".join(p.read_text() for p in sorted(TESTS.glob("test_*.py")) if p.name != Path(__file__).name)


def shapes_checked() -> set[str]:
    """The TypedDicts the suite compares real results with (``assert_shape(..., Name)``), and
    those nested in them."""
    checked: set[str] = set()
    pending = re.findall(r"assert_shape\(.*, (\w+)\)", other_test_sources())
    while pending:
        name = pending.pop()
        if name in checked:
            continue
        checked.add(name)
        for hint in typing.get_type_hints(getattr(trino_platform, name)).values():
            pending += [n for n in re.findall(r"\w+", str(hint)) if typing.is_typeddict(getattr(trino_platform, n, None))]
    return checked


#: Results no test can produce here: no Ranger Admin runs in the harness (DESIGN.md section 9).
UNCHECKED_SHAPES = {"SetupReport", "PolicyChange"}


@pytest.mark.parametrize("name", sorted(set(trino_platform.__all__) - {"__version__"}))
def test_every_public_name_is_documented_and_tested(name: str) -> None:
    value = getattr(trino_platform, name)
    assert value.__doc__, f"{name} has no docstring"
    if typing.is_typeddict(value):
        if name not in UNCHECKED_SHAPES:
            assert name in shapes_checked(), f"no test compares a real result with the TypedDict {name}"
    else:
        assert re.search(rf"\b{re.escape(name)}\b", other_test_sources()), f"no test module uses {name}"


#: Raised by hand only: the base class, and the kind of a bug in trino-platform.
NOT_RAISED = {trino_platform.TrinoPlatformError, trino_platform.InternalError}
ERRORS = [
    c
    for c in vars(trino_platform).values()
    if isinstance(c, type) and issubclass(c, trino_platform.TrinoPlatformError) and c not in NOT_RAISED
]


def test_every_kind_has_its_class_here() -> None:
    assert len(ERRORS) + 1 == len(trino_platform.TrinoPlatformError.__subclasses__())


@pytest.mark.parametrize("cls", ERRORS, ids=[c.__name__ for c in ERRORS])
def test_every_error_kind_but_internal_is_raised_by_a_real_call(cls: type[trino_platform.TrinoPlatformError]) -> None:
    """A ``pytest.raises(<class>)`` around a call somewhere in the suite (the class tests of
    test_binding.py raise each class by hand, which does not count)."""
    assert re.search(rf"pytest\.raises\(\(?{cls.__name__}\b", other_test_sources()), cls.__name__
