"""The exchange bucket binding: the shared spec cases (``tests/cases/exchange.yaml`` at the
repository root, run as the Rust runner ``shared_cases`` in ``trino-platform-core/tests/exchange.rs``
runs them), rendering and validation without a network, and the bucket's lifecycle against the
harness's S3 server (moto, ``TP_TEST_S3_ENDPOINT``), read back and changed by hand with boto3.

Every S3 test uses a workspace (so a bucket) of its own and deletes the bucket afterwards,
whatever state the test left it in.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
import yaml
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from conftest import assert_shape
from test_cases import ERROR_CLASSES
from trino_platform import (
    AlreadyExistsError,
    AsyncExchangeBuckets,
    ConflictError,
    EnsureReport,
    ExchangeBuckets,
    ExchangeBucketSpec,
    ExchangeChange,
    ExchangeDescription,
    ExchangePlan,
    InvalidInputError,
    OperationTimeoutError,
    TeardownProgress,
    TeardownReport,
    TrinoPlatformError,
    UnavailableError,
)

CASES_FILE = Path(__file__).resolve().parents[2] / "tests" / "cases" / "exchange.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text())

KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/trino-workers"
SECRET = "s3cr3t-value-never-shown"
TOKEN = "t0k3n-value-never-shown"

# ------------------------------------------------------------------------------ shared cases


def build_from(surface: str, spec: dict[str, Any]) -> ExchangeBucketSpec:
    """The case's spec through one surface: ``from_dict``, or ``from_yaml`` of its JSON text
    (what the Rust runner does: JSON is YAML)."""
    if surface == "dict":
        return ExchangeBucketSpec.from_dict(spec)
    return ExchangeBucketSpec.from_yaml(json.dumps(spec))


@pytest.mark.parametrize("surface", ["dict", "yaml"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case(case: dict[str, Any], surface: str) -> None:
    assert set(case) <= {"name", "spec", "expect", "error"}, f"keys not understood by this runner: {set(case)}"
    assert ("expect" in case) != ("error" in case), "give expect or error"
    if "expect" in case:
        expect = case["expect"]
        assert set(expect) <= {"bucket", "exchangeManagerProperties"}
        spec = build_from(surface, case["spec"])
        assert spec.bucket_name == expect["bucket"]
        if "exchangeManagerProperties" in expect:
            assert spec.exchange_manager_properties() == expect["exchangeManagerProperties"]
    else:
        error = case["error"]
        with pytest.raises(TrinoPlatformError) as raised:
            build_from(surface, case["spec"])
        assert type(raised.value) is ERROR_CLASSES[error["kind"]]
        assert raised.value.kind == error["kind"]
        assert error["mentions"] in raised.value.message


def test_the_case_file_has_the_cases_the_rust_runner_requires() -> None:
    assert len(CASES) >= 10


# ------------------------------------------------------------------- spec, without a network


def test_from_yaml_load_and_from_dict_build_the_same_spec(tmp_path: Path) -> None:
    text = "workspace: acme\nregion: eu-central-1\nlifecycle: {expireAfterDays: 3}\ntags: {team: data}\n"
    path = tmp_path / "exchange.yaml"
    path.write_text(text)
    from_dict = ExchangeBucketSpec.from_dict(yaml.safe_load(text))
    for spec in (ExchangeBucketSpec.from_yaml(text), ExchangeBucketSpec.load(path), ExchangeBucketSpec.load(str(path))):
        assert spec.to_dict() == from_dict.to_dict()
    assert from_dict.workspace == "acme"
    assert from_dict.bucket_name == "trino-exchange-acme"
    assert from_dict.region == "eu-central-1"
    assert from_dict.endpoint is None


def test_to_dict_is_the_json_form_with_defaults_and_rebuilds_the_spec() -> None:
    spec = ExchangeBucketSpec.from_dict({"workspace": "acme", "endpoint": "http://minio:9000/", "pathStyle": True})
    data = spec.to_dict()
    assert data == {
        "workspace": "acme",
        "region": None,
        "endpoint": "http://minio:9000",
        "pathStyle": True,
        "bucket": None,
        "bucketPrefix": "trino-exchange",
        "tags": {},
        "encryption": {"type": "sse-s3"},
        "lifecycle": {"expireAfterDays": 1, "abortIncompleteUploadsAfterDays": 1},
        "requireTls": True,
        "principals": [],
        "credentials": None,
        "trino": {
            "retryPolicy": "TASK",
            "retryAttempts": None,
            "credentials": {"type": "default-chain"},
            "endpoint": None,
            "exchangeManagerOverrides": {},
            "configOverrides": {},
        },
    }
    assert ExchangeBucketSpec.from_dict(data).to_dict() == data
    assert repr(spec) == (
        "ExchangeBucketSpec(workspace='acme', bucket_name='trino-exchange-acme', endpoint='http://minio:9000')"
    )


def test_rendering_matches_the_core() -> None:
    spec = ExchangeBucketSpec.from_dict(
        {
            "workspace": "acme",
            "region": "us-east-1",
            "encryption": {"type": "sse-kms", "kmsKeyId": KMS_KEY},
            "principals": [ROLE],
            "trino": {"retryPolicy": "QUERY", "retryAttempts": 3, "credentials": {"type": "iam-role", "roleArn": ROLE}},
        }
    )
    assert spec.exchange_manager_properties() == (
        "exchange-manager.name=filesystem\n"
        "exchange.base-directories=s3://trino-exchange-acme\n"
        f"exchange.s3.iam-role={ROLE}\n"
        "exchange.s3.region=us-east-1\n"
    )
    assert spec.fault_tolerant_execution_properties() == (
        "fault-tolerant-execution.exchange-encryption-enabled=true\nquery-retry-attempts=3\nretry-policy=QUERY\n"
    )
    policy = spec.bucket_policy()
    assert policy is not None
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == ["DenyInsecureTransport", "AllowWorkspaceRoles", "DenyOtherPrincipals"]
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert policy["Statement"][2]["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [ROLE]}}
    iam = spec.trino_iam_policy()
    assert iam["Statement"][1]["Resource"] == "arn:aws:s3:::trino-exchange-acme/*"
    assert iam["Statement"][2] == {
        "Sid": "ExchangeKmsKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": KMS_KEY,
    }
    without_policy = ExchangeBucketSpec.from_dict(
        {"workspace": "dev", "endpoint": "http://minio:9000", "requireTls": False}
    )
    assert without_policy.bucket_policy() is None


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"workspace": "Bad_WS", "region": "us-east-1"}, "workspace"),
        ({"workspace": "acme"}, "region"),
        ({"workspace": "acme", "region": "US"}, "region"),
        (
            {"workspace": "acme", "region": "us-east-1", "lifecycle": {"expireAfterDays": 0}},
            "lifecycle.expireAfterDays",
        ),
        ({"workspace": "acme", "region": "us-east-1", "lifecycle": {"expireAfterDays": "x"}}, "expireAfterDays"),
        (
            {"workspace": "acme", "region": "us-east-1", "encryption": {"type": "sse-kms", "kmsKeyId": "nope"}},
            "encryption.kmsKeyId",
        ),
        ({"workspace": "acme", "endpoint": "ftp://x"}, "endpoint"),
        ({"workspace": "acme", "region": "us-east-1", "principals": ["arn:aws:iam::1:user/x"]}, "principals"),
        ({"workspace": "acme", "region": "us-east-1", "tags": {"workspace": "other"}}, "tags"),
        ({"workspace": "acme", "region": "us-east-1", "bucket": "Not.Valid"}, "bucket"),
        ({"workspace": "acme", "region": "us-east-1", "trino": {"retryAttempts": 0}}, "trino.retryAttempts"),
        # The keys are the files' camelCase: a snake_case key is an unknown field.
        ({"workspace": "acme", "region": "us-east-1", "path_style": True}, "path_style"),
    ],
)
def test_invalid_specs_raise_invalid_input_naming_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        ExchangeBucketSpec.from_dict(spec)
    assert isinstance(raised.value, ValueError)
    assert raised.value.kind == "InvalidInput"
    assert field in raised.value.message


def test_from_dict_takes_json_data_only() -> None:
    base: dict[str, Any] = {"workspace": "acme", "region": "us-east-1"}
    with pytest.raises(TypeError, match=r"spec\.principals: set"):
        ExchangeBucketSpec.from_dict({**base, "principals": {ROLE}})
    with pytest.raises(TypeError, match=r"spec\.tags: the keys must be str"):
        ExchangeBucketSpec.from_dict({**base, "tags": {1: "x"}})
    with pytest.raises(InvalidInputError, match=r"spec\.lifecycle\.expireAfterDays: NaN"):
        ExchangeBucketSpec.from_dict({**base, "lifecycle": {"expireAfterDays": float("nan")}})
    with pytest.raises(InvalidInputError, match="64 bits"):
        ExchangeBucketSpec.from_dict({**base, "lifecycle": {"expireAfterDays": 2**70}})
    with pytest.raises(InvalidInputError):
        ExchangeBucketSpec.from_dict([])  # type: ignore[arg-type]
    # Tuples are lists, and any Mapping is a mapping.
    from types import MappingProxyType

    spec = ExchangeBucketSpec.from_dict(MappingProxyType({**base, "principals": (ROLE,)}))
    assert spec.to_dict()["principals"] == [ROLE]


def test_load_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(InvalidInputError, match="missing.yaml"):
        ExchangeBucketSpec.load(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("workspace: acme\nregion: us-east-1\nlifecycle: {expireAfterDays: 0}\n")
    with pytest.raises(InvalidInputError) as raised:
        ExchangeBucketSpec.load(bad)
    assert "bad.yaml" in raised.value.message and "lifecycle.expireAfterDays" in raised.value.message


def spec_with_secrets(**extra: Any) -> dict[str, Any]:
    return {
        "workspace": "acme",
        "region": "us-east-1",
        "credentials": {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": SECRET, "sessionToken": TOKEN},
        "trino": {"credentials": {"type": "environment"}},
        **extra,
    }


def test_secrets_are_in_no_repr_dict_or_rendered_output() -> None:
    spec = ExchangeBucketSpec.from_dict(spec_with_secrets())
    shown = [
        repr(spec),
        str(spec.to_dict()),
        spec.exchange_manager_properties(),
        spec.fault_tolerant_execution_properties(),
        json.dumps(spec.bucket_policy()),
        json.dumps(spec.trino_iam_policy()),
    ]
    for text in shown:
        assert SECRET not in text and TOKEN not in text, text
    assert spec.to_dict()["credentials"] == {"accessKeyId": "AKIAEXAMPLE"}
    # So a spec with credentials does not rebuild from its dict: the secret is not there.
    with pytest.raises(InvalidInputError, match="secretAccessKey"):
        ExchangeBucketSpec.from_dict(spec.to_dict())
    # Validation errors name the field, never the secrets.
    with pytest.raises(InvalidInputError) as raised:
        ExchangeBucketSpec.from_dict(spec_with_secrets(lifecycle={"expireAfterDays": 0}))
    assert SECRET not in raised.value.message and SECRET not in str(raised.value)


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        (
            spec_with_secrets(credentials={"accessKeyId": "AK", "secretAccessKey": SECRET, "bogus": 1}),
            "credentials.bogus",
        ),
        (
            spec_with_secrets(credentials={"accessKeyId": "AK", "secretAccessKey": SECRET, "sessionToken": [TOKEN]}),
            "credentials.sessionToken",
        ),
        ({"workspace": "acme", "endpoint": f"http://key:{SECRET}@minio:9000"}, "endpoint"),
        (spec_with_secrets(region="US"), "region"),
    ],
    ids=["unknown-key-beside-secret", "wrong-type-of-secret", "endpoint-userinfo", "field-elsewhere"],
)
def test_dict_errors_name_the_path_and_never_show_secrets(spec: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        ExchangeBucketSpec.from_dict(spec)
    assert path in raised.value.message
    assert SECRET not in str(raised.value) and TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    "text",
    [
        "workspace: acme\nregion: us-east-1\n"
        f"credentials:\n  accessKeyId: AK\n  secretAccessKey: {SECRET}\n  bogus: 1\n",
        f"workspace: acme\nendpoint: 'http://key:{SECRET}@minio:9000'\n",
    ],
    ids=["unknown-key-beside-secret", "endpoint-userinfo"],
)
def test_yaml_errors_do_not_quote_secrets(text: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        ExchangeBucketSpec.from_yaml(text)
    assert SECRET not in raised.value.message


def closed_port_url() -> str:
    """An http:// URL on a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_connect_and_teardown_check_their_arguments_before_any_request() -> None:
    spec = ExchangeBucketSpec.from_dict({"workspace": "acme", "region": "us-east-1", "endpoint": closed_port_url()})
    with pytest.raises(InvalidInputError, match="max_attempts"):
        ExchangeBuckets.connect(spec, max_attempts=0)
    with pytest.raises(InvalidInputError, match="connect_timeout"):
        ExchangeBuckets.connect(spec, connect_timeout=-1)
    with ExchangeBuckets.connect(spec, max_attempts=1) as buckets:
        assert buckets.bucket == "trino-exchange-acme"
        assert buckets.spec.bucket_name == "trino-exchange-acme"
        assert repr(buckets) == "ExchangeBuckets(bucket='trino-exchange-acme')"
        for bad in (0, 1001, 70000, -1):
            with pytest.raises(InvalidInputError, match="batchSize"):
                buckets.teardown(batch_size=bad)
        with pytest.raises(TypeError, match="progress"):
            buckets.teardown(progress=42)  # type: ignore[arg-type]
    with pytest.raises(ConflictError, match="closed"):
        buckets.plan()
    buckets.close()  # twice is harmless


def test_an_unreachable_store_is_unavailable_and_the_error_holds_no_secret() -> None:
    spec = ExchangeBucketSpec.from_dict({**spec_with_secrets(), "endpoint": closed_port_url(), "pathStyle": True})
    with ExchangeBuckets.connect(spec, max_attempts=2, initial_backoff=0.01, connect_timeout=1) as buckets:
        for call in (buckets.plan, buckets.describe, buckets.ensure, buckets.teardown):
            with pytest.raises((UnavailableError, OperationTimeoutError)) as raised:
                call()
            assert SECRET not in str(raised.value) and TOKEN not in str(raised.value)


def test_calls_wait_for_s3_with_the_gil_released() -> None:
    """A store that accepts the connection and never answers: ``plan`` waits out its attempt
    timeout (``OperationTimeoutError``) while this thread keeps running Python code."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        spec = ExchangeBucketSpec.from_dict(
            {**spec_with_secrets(), "endpoint": f"http://127.0.0.1:{server.getsockname()[1]}", "pathStyle": True}
        )
        with ExchangeBuckets.connect(spec, max_attempts=1, attempt_timeout=0.6) as buckets:
            raised: list[BaseException] = []

            def call() -> None:
                try:
                    buckets.plan()
                except BaseException as e:
                    raised.append(e)

            worker = threading.Thread(target=call)
            worker.start()
            ticks: list[float] = []
            while worker.is_alive():
                ticks.append(time.monotonic())
                time.sleep(0.01)
            worker.join()
    assert len(raised) == 1 and isinstance(raised[0], OperationTimeoutError), raised
    assert SECRET not in str(raised[0])
    assert ticks[-1] - ticks[0] >= 0.5
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.3, "this thread was blocked meanwhile"


# ---------------------------------------------------------------------------------- against S3


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    """A boto3 client of the S3 server: an independent reader and writer of the buckets."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )


@pytest.fixture
def workspace(s3_endpoint: str) -> Iterator[str]:
    """A workspace name no other test uses; its bucket is deleted afterwards (forced)."""
    name = f"py-{uuid.uuid4().hex[:12]}"
    yield name
    with ExchangeBuckets.connect(spec_for(name, s3_endpoint)) as buckets:
        buckets.teardown(force=True)


def spec_for(workspace: str, endpoint: str, **extra: Any) -> ExchangeBucketSpec:
    return ExchangeBucketSpec.from_dict(
        {"workspace": workspace, "region": "us-east-1", "endpoint": endpoint, "pathStyle": True, **extra}
    )


def full_spec(workspace: str, endpoint: str) -> ExchangeBucketSpec:
    """Every setting away from its default: SSE-KMS, a principal, a user tag, lifecycle 2/1 days."""
    return spec_for(
        workspace,
        endpoint,
        tags={"team": "data-platform"},
        encryption={"type": "sse-kms", "kmsKeyId": KMS_KEY},
        lifecycle={"expireAfterDays": 2, "abortIncompleteUploadsAfterDays": 1},
        principals=[ROLE],
    )


def connect(spec: ExchangeBucketSpec) -> ExchangeBuckets:
    """Short backoffs, so that retries do not slow the suite down."""
    return ExchangeBuckets.connect(spec, max_attempts=5, initial_backoff=0.02, max_backoff=0.2)


def settings(changes: list[ExchangeChange]) -> list[str]:
    return [c["setting"] for c in changes]


def seed(s3: Any, bucket: str, count: int) -> None:
    """``count`` objects and one open multipart upload, written with boto3. The bucket policy is
    lifted meanwhile: moto takes the policy's conditions (Bool, ArnNotLike) as met, so its
    conditional denies would refuse every object request."""
    try:
        policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        s3.delete_bucket_policy(Bucket=bucket)
    except ClientError:
        policy = None

    def put(i: int) -> None:
        s3.put_object(Bucket=bucket, Key=f"query-{i % 7}/part-{i:05d}.data", Body=b"x" * 64)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(count)))
    s3.create_multipart_upload(Bucket=bucket, Key="query-0/open-upload.data")
    if policy is not None:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)


def object_count(s3: Any, bucket: str) -> int:
    return sum(page.get("KeyCount", 0) for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise


def test_ensure_creates_every_setting_and_a_second_run_changes_nothing(
    s3: Any, s3_endpoint: str, workspace: str
) -> None:
    spec = full_spec(workspace, s3_endpoint)
    bucket = spec.bucket_name
    with connect(spec) as buckets:
        plan = buckets.plan()
        assert plan["ownership"] == "absent"
        assert plan["bucket"] == bucket and plan["region"] == "us-east-1"
        assert settings(plan["changes"]) == [
            "bucket",
            "tags",
            "publicAccessBlock",
            "ownershipControls",
            "encryption",
            "lifecycle",
            "policy",
        ]
        first = buckets.ensure()
        assert first["created"] is True
        assert first["applied"] == plan["changes"]

        # Read back by boto3.
        assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None  # us-east-1
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags == {"managed-by": "trino-platform", "workspace": workspace, "team": "data-platform"}
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY}
        assert rule["BucketKeyEnabled"] is True
        assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert lifecycle["ID"] == "trino-exchange-cleanup" and lifecycle["Status"] == "Enabled"
        assert lifecycle["Filter"] == {"Prefix": ""}
        assert lifecycle["Expiration"]["Days"] == 2
        assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == spec.bucket_policy()

        second = buckets.ensure()
        assert second == {"bucket": bucket, "region": "us-east-1", "created": False, "applied": []}
        assert buckets.plan()["changes"] == []
        description = buckets.describe()
        assert description["inSync"] is True and description["drift"] == [] and description["problems"] == []
        assert description["ownership"] == "managed"
        state = description["state"]
        assert state["exists"] is True and state["region"] == "us-east-1"
        assert state["tags"] == tags
        assert state["encryption"] == {"algorithm": "aws:kms", "kmsKeyId": KMS_KEY, "bucketKeyEnabled": True}
        assert state["objectOwnership"] == "BucketOwnerEnforced"
        assert state["policy"] == spec.bucket_policy()


def test_plan_reports_drift_made_by_hand_and_ensure_repairs_it(s3: Any, s3_endpoint: str, workspace: str) -> None:
    spec = spec_for(workspace, s3_endpoint)
    bucket = spec.bucket_name
    with connect(spec) as buckets:
        buckets.ensure()
        s3.delete_bucket_lifecycle(Bucket=bucket)

        plan = buckets.plan()
        assert plan["ownership"] == "managed"
        assert settings(plan["changes"]) == ["lifecycle"]
        description = buckets.describe()
        assert description["inSync"] is False
        assert description["drift"] == plan["changes"]
        assert description["state"]["lifecycleRules"] == []

        report = buckets.ensure()
        assert report["created"] is False
        assert report["applied"] == plan["changes"]
        (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert rule["ID"] == "trino-exchange-cleanup" and rule["Expiration"]["Days"] == 1
        assert buckets.plan()["changes"] == []
        assert buckets.describe()["inSync"] is True


def test_teardown_reports_progress_and_deletes_a_bucket_with_objects(
    s3: Any, s3_endpoint: str, workspace: str
) -> None:
    spec = spec_for(workspace, s3_endpoint)
    bucket = spec.bucket_name
    with connect(spec) as buckets:
        buckets.ensure()
        seed(s3, bucket, 300)
        events: list[TeardownProgress] = []
        threads: set[int] = set()

        def on_progress(progress: TeardownProgress) -> None:
            threads.add(threading.get_ident())
            events.append(progress)

        report = buckets.teardown(batch_size=100, progress=on_progress)
        assert report == {
            "bucket": bucket,
            "existed": True,
            "uploadsAborted": 1,
            "objectsDeleted": 300,
            "deleted": True,
        }
        assert not bucket_exists(s3, bucket)

        # Called on the calling thread, with a dict per step and per batch.
        assert threads == {threading.get_ident()}
        phases = [e["phase"] for e in events]
        assert phases[0] == "checking" and phases[-1] == "done"
        assert phases.index("removingPolicy") < phases.index("abortingUploads") < phases.index("deletingObjects")
        assert phases.index("deletingObjects") < phases.index("deletingBucket")
        batches = [e["objectsDeleted"] for e in events if e["phase"] == "deletingObjects" and e["objectsDeleted"]]
        assert batches == [100, 200, 300]
        assert all(e["bucket"] == bucket for e in events)
        assert events[-1] == {"bucket": bucket, "phase": "done", "uploadsAborted": 1, "objectsDeleted": 300}

        # Gone is done: a second teardown finds nothing.
        again = buckets.teardown()
        assert again == {"bucket": bucket, "existed": False, "uploadsAborted": 0, "objectsDeleted": 0, "deleted": True}
        assert buckets.describe()["state"]["exists"] is False


def test_an_exception_in_the_progress_callback_stops_the_teardown_and_propagates(
    s3: Any, s3_endpoint: str, workspace: str
) -> None:
    spec = spec_for(workspace, s3_endpoint, requireTls=False)
    bucket = spec.bucket_name
    with connect(spec) as buckets:
        buckets.ensure()
        seed(s3, bucket, 50)
        calls: list[TeardownProgress] = []

        def stop_after_first_batch(progress: TeardownProgress) -> None:
            calls.append(progress)
            if progress["phase"] == "deletingObjects" and progress["objectsDeleted"] > 0:
                raise RuntimeError("stop here")

        with pytest.raises(RuntimeError, match="stop here"):
            buckets.teardown(batch_size=10, progress=stop_after_first_batch)
        # Not called again after it raised; the teardown stopped after that batch.
        assert calls[-1]["objectsDeleted"] == 10
        assert bucket_exists(s3, bucket)
        assert 0 < object_count(s3, bucket) <= 40

        # Rerunning finishes the job.
        report = buckets.teardown(batch_size=10)
        assert report["existed"] is True and report["deleted"] is True
        assert report["objectsDeleted"] + 10 == 50
        assert not bucket_exists(s3, bucket)


def test_a_bucket_someone_else_made_is_refused_unless_forced_or_adopted(
    s3: Any, s3_endpoint: str, workspace: str
) -> None:
    spec = spec_for(workspace, s3_endpoint, requireTls=False)
    bucket = spec.bucket_name
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "someone-else"}]})
    s3.put_object(Bucket=bucket, Key="precious.txt", Body=b"keep me")
    with connect(spec) as buckets:
        assert buckets.plan()["ownership"] == "unmanaged"
        description = buckets.describe()
        assert description["ownership"] == "unmanaged" and description["inSync"] is False
        assert any("managed-by" in p for p in description["problems"])

        with pytest.raises(ConflictError) as refused:
            buckets.teardown()
        assert refused.value.kind == "Conflict" and bucket in refused.value.message
        assert "managed-by=trino-platform" in refused.value.message
        with pytest.raises(AlreadyExistsError):
            buckets.ensure()
        assert object_count(s3, bucket) == 1  # nothing was touched
        assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "owner", "Value": "someone-else"}]

        adopted = buckets.ensure(adopt=True)
        assert adopted["created"] is False and "tags" in settings(adopted["applied"])
        assert buckets.plan()["ownership"] == "managed"
        report = buckets.teardown()
        assert report["deleted"] is True and report["objectsDeleted"] == 1


# ------------------------------------------------------------------------- AsyncExchangeBuckets


def test_async_buckets_ensure_plan_describe_and_tear_down(s3: Any, s3_endpoint: str, workspace: str) -> None:
    spec = spec_for(workspace, s3_endpoint, requireTls=False)
    bucket = spec.bucket_name

    async def main() -> None:
        opening = AsyncExchangeBuckets.connect(spec, max_attempts=5, initial_backoff=0.02, max_backoff=0.2)
        async with opening as buckets:
            assert repr(buckets) == f"AsyncExchangeBuckets(bucket={bucket!r})"
            assert buckets.spec is spec and buckets.bucket == bucket
            plan = await buckets.plan()
            assert_shape(plan, ExchangePlan)
            assert plan["ownership"] == "absent" and settings(plan["changes"])[0] == "bucket"
            report = await buckets.ensure()
            assert_shape(report, EnsureReport)
            assert report["created"] is True and settings(report["applied"]) == settings(plan["changes"])
            # Two reads at once; both see the bucket in sync.
            again, description = await asyncio.gather(buckets.plan(), buckets.describe())
            assert again["changes"] == [] and description["inSync"] is True
            assert_shape(description, ExchangeDescription)
            seed(s3, bucket, 30)
            loop_thread = threading.get_ident()
            events: list[TeardownProgress] = []
            threads: set[int] = set()

            def on_progress(progress: TeardownProgress) -> None:
                threads.add(threading.get_ident())
                events.append(progress)

            torn = await buckets.teardown(batch_size=10, progress=on_progress)
            assert_shape(torn, TeardownReport)
            for event in events:
                assert_shape(event, TeardownProgress)
            assert torn == {"bucket": bucket, "existed": True, "uploadsAborted": 1, "objectsDeleted": 30, "deleted": True}
            assert threads == {loop_thread}, "progress runs on the event loop's thread"
            assert [e["objectsDeleted"] for e in events if e["phase"] == "deletingObjects" and e["objectsDeleted"]] == [
                10,
                20,
                30,
            ]
            assert events[0]["phase"] == "checking" and events[-1]["phase"] == "done", "all of them, in order"
            assert (await buckets.teardown())["existed"] is False
        with pytest.raises(ConflictError, match="AsyncExchangeBuckets of bucket .* is closed"):
            buckets.plan()
        await buckets.close()  # twice is harmless
        with pytest.raises(TypeError, match="progress: expected a callable"):
            (await AsyncExchangeBuckets.connect(spec)).teardown(progress="not callable")  # type: ignore[arg-type]

    asyncio.run(main())
    assert not bucket_exists(s3, bucket)


def test_an_async_progress_callback_that_raises_stops_the_teardown(s3: Any, s3_endpoint: str, workspace: str) -> None:
    spec = spec_for(workspace, s3_endpoint, requireTls=False)
    bucket = spec.bucket_name

    async def main() -> None:
        async with AsyncExchangeBuckets.connect(spec) as buckets:
            await buckets.ensure()
            seed(s3, bucket, 50)
            calls: list[TeardownProgress] = []

            def stop_after_first_batch(progress: TeardownProgress) -> None:
                calls.append(progress)
                if progress["phase"] == "deletingObjects" and progress["objectsDeleted"] > 0:
                    raise RuntimeError("stop here")

            with pytest.raises(RuntimeError, match="stop here"):
                await buckets.teardown(batch_size=10, progress=stop_after_first_batch)
            # Not called again after it raised; objects are left (the teardown stopped early).
            assert calls[-1]["phase"] == "deletingObjects" and calls[-1]["objectsDeleted"] == 10
            assert bucket_exists(s3, bucket) and object_count(s3, bucket) > 0
            report = await buckets.teardown(batch_size=10)
            assert report["deleted"] is True

    asyncio.run(main())
    assert not bucket_exists(s3, bucket)


def test_async_calls_leave_the_event_loop_running_while_s3_is_silent() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        spec = ExchangeBucketSpec.from_dict(
            {**spec_with_secrets(), "endpoint": f"http://127.0.0.1:{server.getsockname()[1]}", "pathStyle": True}
        )

        async def main() -> tuple[object, list[float]]:
            ticks: list[float] = []
            async with AsyncExchangeBuckets.connect(spec, max_attempts=1, attempt_timeout=0.6) as buckets:
                call = asyncio.ensure_future(buckets.plan())
                while not call.done():
                    ticks.append(time.monotonic())
                    await asyncio.sleep(0.01)
                return call.exception(), ticks

        raised, ticks = asyncio.run(main())
    assert isinstance(raised, OperationTimeoutError) and SECRET not in str(raised), raised
    assert ticks[-1] - ticks[0] >= 0.5
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.3, "the event loop was blocked meanwhile"


EXIT_RIGHT_AFTER = """
import asyncio, sys
from trino_platform import AsyncExchangeBuckets, ExchangeBucketSpec

spec = ExchangeBucketSpec.from_dict({"workspace": sys.argv[1], "region": "us-east-1", "endpoint": sys.argv[2], "pathStyle": True})

async def main():
    async with AsyncExchangeBuckets.connect(spec) as buckets:
        return await buckets.teardown(progress=lambda progress: None)

print(asyncio.run(main())["existed"])
"""


def test_the_interpreter_exits_cleanly_right_after_an_awaited_teardown(s3_endpoint: str, workspace: str) -> None:
    """The process ends as soon as the awaited teardown (with a progress callback) returns.
    Runtime threads still inside Python then (resolving the future, relaying progress) used to
    crash it while the interpreter finalized (segfault or abort in about one run of four); the
    package's ``atexit`` hook waits for them. Twelve runs, each a new interpreter."""
    for run in range(12):
        done = subprocess.run(
            [sys.executable, "-c", EXIT_RIGHT_AFTER, workspace, s3_endpoint], capture_output=True, text=True, timeout=60
        )
        assert (done.returncode, done.stdout) == (0, "False\n"), f"run {run}: {done.returncode} {done.stderr[-2000:]}"
