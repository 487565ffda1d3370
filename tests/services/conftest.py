"""Access to the real services that `scripts/services start` runs.

A test that needs a service asks the `require_service` fixture for its variables. A missing
variable fails the test, telling to run `scripts/services start`; only when TP_SKIP_SERVICES
names the service is the test skipped, and the skip is printed in the run's summary.
"""

import os

import pytest

KNOWN_SERVICES = ("postgres", "s3", "keycloak", "trino")

_skip_reasons: list[str] = []


def skipped_services() -> set[str]:
    return {s.strip() for s in os.environ.get("TP_SKIP_SERVICES", "").split(",") if s.strip()}


def _require(service: str, *names: str) -> list[str]:
    assert service in KNOWN_SERVICES, f"unknown service {service!r}"
    if service in skipped_services():
        reason = (
            f"{service} not tested: TP_SKIP_SERVICES={os.environ['TP_SKIP_SERVICES']} names it"
        )
        print(reason)
        _skip_reasons.append(reason)
        pytest.skip(reason)
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: the {service} service is needed. Run "
            "`scripts/services start` and `source \"$TP_RUN_DIR/env.sh\"` (default "
            "TP_RUN_DIR=/tmp/trino-platform-services), or set TP_SKIP_SERVICES="
            f"{service} to skip these tests on purpose.",
            pytrace=False,
        )
    return [os.environ[name] for name in names]


@pytest.fixture
def require_service():
    """`require_service(service, *env_names)` -> the variables' values, or fail / skip."""
    return _require


def pytest_terminal_summary(terminalreporter):
    if _skip_reasons:
        terminalreporter.section("services skipped on purpose", sep="!", yellow=True)
        for reason in dict.fromkeys(_skip_reasons):
            terminalreporter.write_line(f"SKIPPED: {reason}", yellow=True, bold=True)
