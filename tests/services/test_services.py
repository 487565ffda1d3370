"""Smoke tests: every real service that `scripts/services start` runs answers.

    scripts/services start
    source "${TP_RUN_DIR:-/tmp/trino-platform-services}/env.sh"
    "$TP_VENV/bin/python" -m pytest -q tests/services
"""

import json
import urllib.parse
import urllib.request
import uuid

import boto3
import pg8000.native
import pytest
import trino


def test_postgres_answers(require_service):
    (url,) = require_service("postgres", "TP_TEST_POSTGRES_URL")
    parts = urllib.parse.urlsplit(url)
    conn = pg8000.native.Connection(
        user=urllib.parse.unquote(parts.username),
        password=urllib.parse.unquote(parts.password or ""),
        host=parts.hostname,
        port=parts.port or 5432,
        database=parts.path.lstrip("/"),
        timeout=10,
    )
    try:
        assert conn.run("SELECT 1") == [[1]]
        # Tests may create databases of their own (the role has CREATEDB).
        name = f"tp_smoke_{uuid.uuid4().hex[:12]}"
        conn.run(f"CREATE DATABASE {name}")
        conn.run(f"DROP DATABASE {name}")
    finally:
        conn.close()


def test_s3_answers(require_service):
    endpoint, region = require_service("s3", "TP_TEST_S3_ENDPOINT", "AWS_REGION")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region)
    bucket = f"tp-smoke-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello, s3")
        got = s3.get_object(Bucket=bucket, Key="hello.txt")
        assert got["Body"].read() == b"hello, s3"
        s3.delete_object(Bucket=bucket, Key="hello.txt")
    finally:
        s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_keycloak_answers(require_service):
    url, user, password = require_service(
        "keycloak",
        "TP_TEST_KEYCLOAK_URL",
        "TP_TEST_KEYCLOAK_ADMIN_USER",
        "TP_TEST_KEYCLOAK_ADMIN_PASSWORD",
    )
    url = url.rstrip("/")
    with urllib.request.urlopen(
        f"{url}/realms/master/.well-known/openid-configuration", timeout=30
    ) as resp:
        discovery = json.load(resp)
    assert discovery["issuer"] == f"{url}/realms/master"

    form = urllib.parse.urlencode(
        {"grant_type": "password", "client_id": "admin-cli", "username": user, "password": password}
    ).encode()
    with urllib.request.urlopen(discovery["token_endpoint"], data=form, timeout=30) as resp:
        token = json.load(resp)
    assert token.get("access_token")
    assert token.get("token_type", "").lower() == "bearer"


@pytest.mark.parametrize("url_var", ["TP_TEST_TRINO_URL", "TP_TEST_TRINO_URL_2"])
def test_trino_answers(require_service, url_var):
    """A query through the real client protocol (POST /v1/statement, then nextUri)."""
    (url,) = require_service("trino", url_var)
    parts = urllib.parse.urlsplit(url)
    with urllib.request.urlopen(f"{url.rstrip('/')}/v1/info", timeout=30) as resp:
        info = json.load(resp)
    assert info["starting"] is False
    assert info["coordinator"] is True
    conn = trino.dbapi.connect(
        host=parts.hostname,
        port=parts.port,
        http_scheme=parts.scheme,
        user="test",
        catalog="tpch",
        schema="tiny",
        request_timeout=60,
    )
    try:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM tpch.tiny.nation")
        assert cur.fetchall() == [[25]]
        assert cur.stats["state"] == "FINISHED"
    finally:
        conn.close()
