"""Ranger from Python: the shared policy-engine cases (``tests/cases/ranger.yaml`` at the repository
root), run as the file's header describes and as the Rust runner (``shared_behaviour_cases`` in
``trino-platform-core/tests/ranger_engine.rs``) runs them; the rendered plugin files against the
core's golden files; typed errors that say what was wrong and never show a password; and
``RangerAdmin`` and ``AsyncRangerAdmin`` (no Ranger Admin runs here: only their connection and
input errors, that they wait with the GIL released, and that cancelling an awaitable stops it)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import assert_shape
from test_cases import ERROR_CLASSES, kwargs
from trino_platform import (
    AsyncRangerAdmin,
    ColumnMask,
    ConflictError,
    Decision,
    Explanation,
    InvalidInputError,
    OperationTimeoutError,
    PolicyEngine,
    RangerAdmin,
    RangerPluginConfig,
    RenderedFile,
    RowFilter,
    Secret,
    TrinoPlatformError,
    UnavailableError,
)

ROOT = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "cases" / "ranger.yaml").read_text())
GOLDEN = ROOT / "trino-platform-core" / "tests" / "golden" / "ranger"


# ----- the shared cases -----


def load_case(case: dict[str, Any]) -> PolicyEngine:
    """The case's engine, loaded as the Rust runner loads it; raises what loading raises."""
    extras: dict[str, Any] = {
        "roles": case.get("roles"),
        "super_users": case.get("superUsers", []),
        "super_groups": case.get("superGroups", []),
    }
    if "policiesJson" in case:
        return PolicyEngine.from_json(case["policiesJson"], **extras)
    return PolicyEngine.from_policies(case["policies"], **extras)


def decision_json(decision: Decision) -> dict[str, Any]:
    """A decision in the case file's form: ``{allowed, reason, policyId?, decidedByAccess?}``."""
    got: dict[str, Any] = {"allowed": decision["allowed"], "reason": decision["reason"]}
    if "policyId" in decision:
        got["policyId"] = decision["policyId"]
    if "decidedByAccess" in decision:
        got["decidedByAccess"] = decision["decidedByAccess"]
    return got


def run_step(engine: PolicyEngine, step: dict[str, Any]) -> Any:
    """The step's result in the case file's form; raises what the engine raises."""
    if "access" in step:
        return decision_json(engine.evaluate(step["access"]))
    if "action" in step:
        return decision_json(engine.evaluate_action(**kwargs(step["action"])))
    if "columnMask" in step:
        mask = engine.column_mask(**kwargs(step["columnMask"]))
        if mask is None:
            return None
        return {"policyId": mask.get("policyId"), "maskType": mask["maskType"], "expression": mask["expression"]}
    if "rowFilter" in step:
        row_filter = engine.row_filter(**kwargs(step["rowFilter"]))
        if row_filter is None:
            return None
        return {"policyId": row_filter.get("policyId"), "expression": row_filter["expression"]}
    pytest.fail(f"step not understood by this runner: {step}")


def test_the_case_file_has_cases() -> None:
    assert len(CASES) >= 20
    assert sum(len(case.get("steps", [])) for case in CASES) >= 80


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case(case: dict[str, Any]) -> None:
    if "error" in case:
        kind = case["error"]
        with pytest.raises(TrinoPlatformError) as raised:
            load_case(case)
        assert raised.value.kind == kind, repr(raised.value)
        assert type(raised.value) is ERROR_CLASSES[kind], repr(raised.value)
        return
    engine = load_case(case)
    for number, step in enumerate(case["steps"]):
        where = f"step {number}"
        assert ("expect" in step) != ("error" in step), f"{where}: needs exactly one of expect/error"
        if "error" in step:
            kind = step["error"]
            with pytest.raises(TrinoPlatformError) as raised:
                run_step(engine, step)
            assert raised.value.kind == kind, f"{where}: {raised.value!r}"
            assert type(raised.value) is ERROR_CLASSES[kind], f"{where}: {raised.value!r}"
        else:
            assert run_step(engine, step) == step["expect"], where


# ----- the engine's Python surface -----


def table_policy(id: int, schema: str, *, deny: bool = False, priority: int = 0, group: str) -> dict[str, Any]:
    items = [{"accesses": [{"type": "select"}], "groups": [group]}]
    return {
        "id": id,
        "name": f"p{id}",
        "policyPriority": priority,
        "resources": {
            "catalog": {"values": ["delta"]},
            "schema": {"values": [schema]},
            "table": {"values": ["*"]},
            "column": {"values": ["*"]},
        },
        "denyPolicyItems" if deny else "policyItems": items,
    }


def select(user: str, groups: list[str], catalog: str, schema: str, table: str, column: str) -> dict[str, Any]:
    return {
        "user": user,
        "groups": groups,
        "access": "select",
        "resource": {"catalog": catalog, "schema": schema, "table": table, "column": column},
    }


def test_decisions_and_explanations_are_the_cores_json() -> None:
    engine = PolicyEngine.from_policies(
        [
            table_policy(1, "*", group="staff"),
            table_policy(2, "hr", deny=True, group="contractors"),
            table_policy(3, "hr", priority=1, group="contractors"),
        ]
    )
    assert engine.policy_count == 3
    assert repr(engine) == "PolicyEngine(policies=3)"
    decision = engine.evaluate(select("eve", ["staff", "contractors"], "delta", "hr", "people", "name"))
    assert decision == {
        "allowed": True,
        "access": "select",
        "resource": {"catalog": "delta", "schema": "hr", "table": "people", "column": "name"},
        "policyId": 3,
        "policyName": "p3",
        "policyPriority": "override",
        "reason": "allowItem",
    }
    assert_shape(decision, Decision)
    explanation = engine.explain(select("eve", ["staff", "contractors"], "delta", "sales", "orders", "id"))
    assert_shape(explanation, Explanation)
    assert [(s.get("policyId"), s["outcome"]) for s in explanation["steps"]] == [
        (3, "resourceNotMatched"),
        (2, "resourceNotMatched"),
        (1, "allowed"),
    ]
    assert explanation["steps"][2]["matchType"] == "self"
    assert "allowed by policy 1" in explanation["summary"]
    denied = engine.explain(select("nobody", [], "delta", "sales", "orders", "id"))
    assert not denied["decision"]["allowed"] and "no policy allows it" in denied["summary"]


def test_service_policies_roles_and_super_users() -> None:
    download = {
        "serviceName": "dev_trino",
        "policyVersion": 12,
        "serviceConfig": {"ranger.plugin.super.users": "trino"},
        "tagPolicies": {"serviceName": "dev_tag", "policies": [{"id": 99, "name": "PII"}]},
        "policies": [
            {
                "id": 1,
                "name": "readers",
                "resources": {"catalog": {"values": ["d"]}, "schema": {"values": ["*"]}, "table": {"values": ["*"]}},
                "policyItems": [{"accesses": [{"type": "select"}], "roles": ["reader"]}],
            }
        ],
    }
    roles = {"rangerRoles": [{"name": "reader", "groups": [{"name": "analysts"}]}]}
    for engine in [
        PolicyEngine.from_json(json.dumps(download), roles=json.dumps(roles), super_users=["etl"]),
        PolicyEngine.from_policies(download, roles=roles, super_users=("etl",)),
    ]:
        assert (engine.service_name, engine.policy_version, engine.policy_count) == ("dev_trino", 12, 1)
        assert len(engine.warnings) == 1 and "tag-based" in engine.warnings[0]
        assert repr(engine) == "PolicyEngine(service_name='dev_trino', policy_version=12, policies=1)"
        table = {"catalog": "d", "schema": "s", "table": "t"}
        assert engine.evaluate({"user": "a", "groups": ["analysts"], "resource": table, "access": "select"})[
            "allowed"
        ]
        for superuser in ("trino", "etl"):
            decision = engine.evaluate({"user": superuser, "resource": table, "access": "drop"})
            assert decision["reason"] == "superUser"


def test_checks_masks_and_filters_take_keyword_arguments() -> None:
    engine = PolicyEngine.from_policies(
        [
            {
                "id": 7,
                "name": "hash emails",
                "policyType": 1,
                "resources": {
                    "catalog": {"values": ["delta"]},
                    "schema": {"values": ["crm"]},
                    "table": {"values": ["customers"]},
                    "column": {"values": ["email"]},
                },
                "dataMaskPolicyItems": [
                    {"accesses": [{"type": "select"}], "groups": ["public"], "dataMaskInfo": {"dataMaskType": "MASK_HASH"}}
                ],
            },
            {
                "id": 8,
                "name": "eu rows",
                "policyType": 2,
                "resources": {
                    "catalog": {"values": ["delta"]},
                    "schema": {"values": ["crm"]},
                    "table": {"values": ["customers"]},
                },
                "rowFilterPolicyItems": [
                    {"accesses": [{"type": "select"}], "groups": ["eu"], "rowFilterInfo": {"filterExpr": "region = 'EU'"}}
                ],
            },
            {"id": 9, "name": "queries", "resources": {"queryid": {"values": ["*"]}},
             "policyItems": [{"accesses": [{"type": "execute"}], "users": ["{USER}"]}]},
        ]
    )
    where = {"catalog": "delta", "schema": "crm", "table": "customers"}
    assert engine.column_mask("alice", column="email", **where) == {
        "policyId": 7,
        "policyName": "hash emails",
        "maskType": "MASK_HASH",
        "expression": "cast(to_hex(sha256(to_utf8(email))) as varchar)",
    }
    assert engine.column_mask("alice", column="name", **where) is None
    assert_shape(engine.column_mask("alice", column="email", **where), ColumnMask)
    assert_shape(engine.row_filter("ursula", groups=["eu"], **where), RowFilter)
    assert_shape(engine.evaluate_action("executeQuery", "20260101_120000_00001_abcde", user="bob"), Decision)
    assert engine.row_filter("ursula", groups=["eu"], **where) == {
        "policyId": 8,
        "policyName": "eu rows",
        "expression": "region = 'EU'",
    }
    assert engine.row_filter("bob", **where) is None
    for check in ("executeQuery", "execute-query"):
        assert engine.evaluate_action(check, "20260101_120000_00001_abcde", user="bob")["policyId"] == 9
    assert not engine.evaluate_action("selectFromColumns", "delta.crm.customers", user="bob", columns=["email"])[
        "allowed"
    ]
    with pytest.raises(InvalidInputError, match="unknown Trino check"):
        engine.evaluate_action("selectt", "x", user="bob")
    with pytest.raises(InvalidInputError, match="newTarget"):
        engine.evaluate_action("renameTable", "delta.crm.customers", user="bob")


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('[{"id": 5, "name": "p", "resources": {"tabel": {"values": ["x"]}}}]', ["policy 5", '"tabel"']),
        (
            '[{"id": 6, "name": "p", "resources": {"catalog": {"values": ["x"]}},'
            ' "policyItems": [{"accesses": [{"type": "selec"}], "users": ["u"]}]}]',
            ["policy 6", "allow item 1", '"selec"'],
        ),
        ('[{"id": "eight", "name": "p"}]', ["policy #0", '"id"']),
        ('{"policies": {"id": 1}}', ["must be an array"]),
        ('[{"id": 1,', ["malformed policy JSON", "line 1"]),
        ('{"id": 1, "resources": {"catalog": {"values": ["x"]}}}', ["one policy"]),
    ],
)
def test_malformed_policies_raise_invalid_input_naming_what_was_wrong(text: str, needles: list[str]) -> None:
    with pytest.raises(InvalidInputError) as raised:
        PolicyEngine.from_json(text)
    assert isinstance(raised.value, ValueError)
    for needle in needles:
        assert needle in raised.value.message, raised.value.message


def test_malformed_requests_and_arguments() -> None:
    engine = PolicyEngine.from_policies([table_policy(1, "s", group="g")])
    with pytest.raises(InvalidInputError, match=r"access request: .*resource"):
        engine.evaluate({"user": "u", "access": "select"})
    with pytest.raises(InvalidInputError, match="colour"):
        engine.evaluate({"user": "u", "access": "select", "resource": {"catalog": "c"}, "colour": "red"})
    with pytest.raises(InvalidInputError, match="tabel"):
        engine.evaluate({"user": "u", "access": "select", "resource": {"tabel": "t"}})
    with pytest.raises(TypeError, match=r"request\.groups: set"):
        engine.evaluate({"user": "u", "access": "select", "resource": {"catalog": "c"}, "groups": {"g"}})
    with pytest.raises(InvalidInputError, match="Ranger roles JSON: rangerRoles"):
        PolicyEngine.from_policies([], roles={"rangerRoles": 1})
    with pytest.raises(TypeError):
        PolicyEngine.from_policies([], super_users="trino")  # a str is not a list of users


# ----- the plugin config and its files -----


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir()))
def test_rendered_files_equal_the_cores_golden_files(case: str) -> None:
    directory = GOLDEN / case
    text = (directory / "config.yaml").read_text()
    index = json.loads((directory / "files.json").read_text())
    for config in (RangerPluginConfig.from_yaml(text), RangerPluginConfig.from_dict(yaml.safe_load(text))):
        files = config.render()
        assert [{"name": f.name, "path": f.path, "secret": f.secret} for f in files] == index["files"]
        assert config.env == index["env"]
        for f in files:
            assert f.contents == (directory / f.name).read_text(), f"{case}/{f.name}"
        assert files == config.render(), "rendered files compare by value"


def test_secret_files_and_config_hide_their_contents() -> None:
    config = RangerPluginConfig.from_yaml((GOLDEN / "https-inline-secrets" / "config.yaml").read_text())
    security = next(f for f in config.render() if f.name == "ranger-trino-security.xml")
    assert security.secret and "dl-Pa55w0rd&amp;&lt;x&gt;" in security.contents
    assert repr(security) == (
        "RenderedFile(name='ranger-trino-security.xml', path='/etc/trino/ranger-trino-security.xml', secret=True)"
    )
    assert repr(config) == (
        "RangerPluginConfig(service_name='prod_trino', "
        "admin_urls=['https://ranger-1.example.com:6182', 'https://ranger-2.example.com:6182/'])"
    )
    assert config.service_name == "prod_trino"
    assert isinstance(security, RenderedFile)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"serviceName": "bad name", "adminUrls": ["http://r:6080"]}, "service name"),
        ({"serviceName": "s", "adminUrls": []}, "adminUrls"),
        ({"serviceName": "s", "adminUrls": ["http://r"], "pollInterval": "10ms"}, "pollInterval"),
        ({"serviceName": "s", "adminUrls": ["http://r"], "pollInterval": "soon"}, "pollInterval"),
        ({"serviceName": "s", "adminUrls": ["http://r"], "unknownKey": 1}, "unknownKey"),
        ({"serviceName": "s", "adminUrls": ["https://r:6182"]}, "ssl"),
        ({"serviceName": "s", "adminUrls": ["http://r"], "audit": {"solr": {}}}, "audit.solr"),
        (
            {"serviceName": "s", "adminUrls": ["http://r"], "downloadAuth": {"username": "u", "pasword": "x"}},
            "downloadAuth.pasword: unknown field `pasword`",
        ),
    ],
)
def test_invalid_configs_name_the_field(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        RangerPluginConfig.from_dict(data)
    assert needle in raised.value.message, raised.value.message


def test_config_errors_never_show_a_password() -> None:
    base: dict[str, Any] = {"serviceName": "s", "adminUrls": ["http://r"]}
    for bad in [
        {**base, "downloadAuth": {"username": "u", "password": "Hunter2-pw"}},  # not {value: ...}
        {**base, "downloadAuth": {"username": "u", "password": {"value": "Hunter2-pw", "x": 1}}},
        {**base, "audit": {"solr": {"urls": ["ftp://solr"], "password": "Hunter2-pw"}}},
        {**base, "audit": {"elasticsearch": {"hosts": ["es"], "password": ["Hunter2-pw"]}}},
    ]:
        with pytest.raises(InvalidInputError) as raised:
            RangerPluginConfig.from_dict(bad)
        assert "Hunter2-pw" not in str(raised.value), raised.value


# ----- RangerAdmin -----


def test_an_unreachable_ranger_admin_is_unavailable_and_no_error_shows_the_password() -> None:
    password = "Ranger-Adm1n-pw"
    with RangerAdmin.connect("http://127.0.0.1:1", username="admin", password=password) as admin:
        assert repr(admin) == "RangerAdmin(url='http://127.0.0.1:1/', username='admin')"
        assert admin.url == "http://127.0.0.1:1/"
        with pytest.raises(UnavailableError) as raised:
            admin.download_policies("dev_trino")
        assert isinstance(raised.value, ConnectionError)
        assert "could not be reached" in raised.value.message and password not in str(raised.value)
        spec = {"service": {"name": "dev_trino", "jdbcUrl": "jdbc:trino://trino:8080", "password": "lookup-pw-1"}}
        with pytest.raises(UnavailableError) as raised:
            admin.ensure(spec)
        assert password not in str(raised.value) and "lookup-pw-1" not in str(raised.value)
        # The spec is validated before any request, so an invalid one fails as such.
        with pytest.raises(InvalidInputError, match="jdbcUrl") as invalid:
            admin.ensure({"service": {**spec["service"], "jdbcUrl": "http://trino"}})
        assert "lookup-pw-1" not in str(invalid.value)
        with pytest.raises(InvalidInputError, match=r"service\.pasword: unknown field `pasword`"):
            admin.ensure({"service": {"name": "s", "jdbcUrl": "jdbc:trino://t:8080", "pasword": "lookup-pw-1"}})
    with pytest.raises(ConflictError, match="closed"):
        admin.download_policies("dev_trino")
    admin.close()  # twice is harmless
    # The password may be given as a Secret.
    RangerAdmin.connect("http://127.0.0.1:1", username="admin", password=Secret(password)).close()


@pytest.mark.parametrize(
    ("url", "options", "needle"),
    [
        ("ftp://ranger", {}, "scheme"),
        ("http://admin:pw-in-url@ranger:6080", {}, "credentials"),
        ("http://ranger:6080", {"timeout": -1.0}, "timeout"),
        ("http://ranger:6080", {"ca_certificates_pem": "not a pem"}, "caCertificatesPem"),
    ],
)
def test_bad_connection_settings_are_invalid_input(url: str, options: dict[str, Any], needle: str) -> None:
    with pytest.raises(InvalidInputError, match=needle) as raised:
        RangerAdmin.connect(url, username="admin", password="Ranger-Adm1n-pw", **options)
    assert "Ranger-Adm1n-pw" not in str(raised.value) and "pw-in-url" not in str(raised.value)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """The URL of a server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def test_admin_calls_wait_with_the_gil_released(silent_server: str) -> None:
    admin = RangerAdmin.connect(silent_server, username="admin", password="pw", timeout=1.5)
    raised: list[BaseException] = []

    def call() -> None:
        try:
            admin.download_policies("dev_trino")
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            raised.append(e)

    worker = threading.Thread(target=call)
    started = time.monotonic()
    worker.start()
    time.sleep(0.2)
    # Python code runs while the worker waits for Ranger: the GIL is free.
    assert sum(range(100_000)) > 0
    assert worker.is_alive() and time.monotonic() - started < 1.0
    worker.join(10)
    assert len(raised) == 1 and isinstance(raised[0], OperationTimeoutError), raised
    assert isinstance(raised[0], TimeoutError)


# ----- AsyncRangerAdmin -----


def test_an_async_ranger_admin_reports_the_same_errors_and_hides_the_password() -> None:
    password = "Ranger-Adm1n-pw"

    async def main() -> None:
        async with AsyncRangerAdmin.connect("http://127.0.0.1:1", username="admin", password=password) as admin:
            assert repr(admin) == "AsyncRangerAdmin(url='http://127.0.0.1:1/', username='admin')"
            assert admin.url == "http://127.0.0.1:1/"
            with pytest.raises(UnavailableError) as raised:
                await admin.download_policies("dev_trino", last_known_version=3)
            assert "could not be reached" in raised.value.message and password not in str(raised.value)
            spec = {"service": {"name": "dev_trino", "jdbcUrl": "jdbc:trino://trino:8080", "password": "lookup-pw-1"}}
            with pytest.raises(UnavailableError) as raised:
                await admin.ensure(spec)
            assert "lookup-pw-1" not in str(raised.value)
            # Validated before any request; an unknown field already at the call.
            with pytest.raises(InvalidInputError, match="jdbcUrl"):
                await admin.ensure({"service": {**spec["service"], "jdbcUrl": "http://trino"}})
            with pytest.raises(InvalidInputError, match=r"service\.pasword: unknown field"):
                admin.ensure({"service": {"name": "s", "jdbcUrl": "jdbc:trino://t:8080", "pasword": "lookup-pw-1"}})
        with pytest.raises(ConflictError, match="AsyncRangerAdmin of .* is closed"):
            admin.download_policies("dev_trino")
        await admin.close()
        with pytest.raises(InvalidInputError, match="credentials"):
            AsyncRangerAdmin.connect("http://admin:pw-in-url@ranger:6080", username="a", password=Secret(password))

    asyncio.run(main())


def test_cancelling_an_async_ranger_call_stops_waiting_at_once(silent_server: str) -> None:
    async def main() -> None:
        admin = await AsyncRangerAdmin.connect(silent_server, username="admin", password="pw", timeout=30)
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(admin.download_policies("dev_trino"), 0.3)
        assert time.monotonic() - began < 2, "the 30 s request timeout was not what ended it"
        # The client is still usable: a second call times out by its own (short) limit.
        short = await AsyncRangerAdmin.connect(silent_server, username="admin", password="pw", timeout=0.5)
        with pytest.raises(OperationTimeoutError):
            await short.download_policies("dev_trino")

    asyncio.run(main())
